"""Test support: put on file what lifecycle steps require (steps_preparation).

开始调解 needs the rights-and-duties notice acknowledged by every party and every party's
latest answer to be consent (Art. 17, MOJ 2002 Art. 30); this serves and records them through
the services, skipping what is already on file (an escalated case keeps its notice)."""

from jiefen.mediation.models import ConsentDecision
from jiefen.mediation.services.preparation import consent_record, latest_consents, rights_notice_of, rights_notice_serve

from .casework import PREPARE


def ready_to_mediate(case, actor, *, mediator=None, on=None):
    parties = list(case.parties.all())
    notice = rights_notice_of(case)
    acknowledged = {p.pk for p in notice.acknowledged_by.all()} if notice else set()
    unsigned = [p.pk for p in parties if p.pk not in acknowledged]
    if unsigned:
        rights_notice_serve(case_id=case.pk, actor=actor, acknowledged_party_ids=unsigned, method="书面送达并当场宣读")
    latest = latest_consents(case)
    for party in parties:
        if party.pk not in latest or latest[party.pk].decision != ConsentDecision.CONSENT:
            consent_record(case_id=case.pk, party_id=party.pk, decision=ConsentDecision.CONSENT, actor=actor, method="当面口头表示")


PREPARE["start_mediation"] = ready_to_mediate
