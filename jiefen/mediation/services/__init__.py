"""Service functions of mediation, by stage: preparation (consent, notice, public or private,
third parties, police reports, referrals), sittings (sessions, records, evidence), agreements
(agreements, signatures, performance, judicial confirmation) and aftercare (return visits)."""
