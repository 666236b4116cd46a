"""The mediation section of the case page: what is on file before and during mediation, and
the forms to add to it for those who may handle the case."""

from django.utils import timezone

from jiefen.cases.services import user_can_handle

from .forms import FORMS
from .models import ConsentDecision, Evidence, PoliceReport, Record, Referral, Session, SessionStatus, ThirdParty
from .services import preparation
from .services.guard import BEFORE_CONCLUSION


def panel_may_handle(user, case):
    return user_can_handle(user, case) and case.state != "archived"


def panel_context(request, case):
    today = timezone.localdate()
    parties = list(case.parties.all())
    notice = preparation.rights_notice_of(case)
    acknowledged = {p.pk for p in notice.acknowledged_by.all()} if notice else set()
    latest = preparation.latest_consents(case)
    consents = [
        {
            "party": party,
            "latest": latest.get(party.pk),
            "refused": party.pk in latest and latest[party.pk].decision == ConsentDecision.REFUSE,
            "acknowledged": party.pk in acknowledged,
        }
        for party in parties
    ]
    referrals = [
        {"referral": r, "overdue": preparation.referral_is_overdue(r, today)}
        for r in Referral.objects.filter(case=case).select_related("counterpart", "created_by")
    ]
    handler = panel_may_handle(request.user, case)
    failed = getattr(request, "mediation_failed", None)
    forms = {}
    if handler:
        for op, form_class in FORMS.items():
            if failed is not None and failed.op == op:
                forms[op] = failed
            else:
                forms[op] = form_class(case=case, user=request.user)
    return {
        "consents": consents,
        "consent_history": list(case.consents.select_related("party", "recorded_by").order_by("-id")),
        "notice": notice,
        "plan": preparation.plan_of(case),
        "must_be_private": preparation.must_be_private(case),
        "third_parties": list(ThirdParty.objects.filter(case=case).prefetch_related("consenting_parties")),
        "sessions": list(
            Session.objects.filter(case=case).select_related("room").prefetch_related("mediators").order_by("starts_at", "id")
        ),
        "records": list(Record.objects.filter(case=case).select_related("recorded_by", "session")),
        "evidence": list(Evidence.objects.filter(case=case).select_related("uploaded_by", "record")),
        "referrals": referrals,
        "police_reports": list(PoliceReport.objects.filter(case=case).select_related("police_station", "reported_by")),
        # What 开始调解 still needs, while it is still to come.
        "missing": preparation.missing_before_mediation(case) if case.state in BEFORE_CONCLUSION[:-1] else [],
        "can_handle": handler,
        "preparing": case.state in BEFORE_CONCLUSION,
        "forms": forms,
        "failed_op": failed.op if failed is not None else "",
        "failed_row": getattr(failed, "row", None),
        "scheduled": SessionStatus.SCHEDULED,
        "now": timezone.now(),
    }
