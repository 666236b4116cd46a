"""The mediation section of the case page: what is on file before and during mediation, and
the forms to add to it for those who may handle the case."""

from django.db.models import Prefetch
from django.utils import timezone

from jiefen.cases.services import user_can_handle
from jiefen.web.panels import case_rows, page_empty

from .forms import FORMS
from .models import (
    Agreement,
    AgreementSignature,
    ConsentDecision,
    Evidence,
    MediationPlan,
    PartyConsent,
    PerformanceItem,
    PoliceReport,
    Record,
    Referral,
    ReturnVisit,
    RightsNotice,
    Session,
    SessionStatus,
    ThirdParty,
)
from .services import preparation
from .services.guard import BEFORE_CONCLUSION


def case_page_prefetch():
    """What the case page loads once for the mediation and agreement panels and the dossier
    checklist, each relation in its model's order with what the panels show of it."""
    return [
        Prefetch("consents", PartyConsent.objects.select_related("party", "recorded_by")),
        Prefetch("rights_notice", RightsNotice.objects.select_related("served_by").prefetch_related("acknowledged_by")),
        Prefetch("mediation_plan", MediationPlan.objects.all()),
        Prefetch("third_parties", ThirdParty.objects.prefetch_related("consenting_parties")),
        Prefetch("sessions", Session.objects.select_related("room").prefetch_related("mediators")),
        Prefetch("records", Record.objects.select_related("recorded_by", "session")),
        Prefetch("evidence", Evidence.objects.select_related("uploaded_by", "record")),
        Prefetch("referrals", Referral.objects.select_related("counterpart", "created_by")),
        Prefetch("police_reports", PoliceReport.objects.select_related("police_station", "reported_by")),
        Prefetch(
            "agreements",
            Agreement.objects.select_related("committee", "mediator", "created_by", "confirmation__court").prefetch_related(
                Prefetch("items", PerformanceItem.objects.select_related("obligor")),
                Prefetch("signatures", AgreementSignature.objects.select_related("party")),
                "confirmation__applicants",
            ),
        ),
        Prefetch("return_visits", ReturnVisit.objects.select_related("party", "visited_by")),
    ]


def one_to_one(case, name):
    """The case's row of a one-to-one relation (rights notice, plan), or None."""
    return None if page_empty(case, name) else getattr(case, name, None)


def panel_may_handle(user, case):
    return user_can_handle(user, case) and case.state != "archived"


def panel_context(request, case):
    today = timezone.localdate()
    parties = list(case.parties.all())
    notice = one_to_one(case, "rights_notice")
    acknowledged = {p.pk for p in notice.acknowledged_by.all()} if notice else set()
    history = case_rows(case, "consents")
    latest = {consent.party_id: consent for consent in history}
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
        for r in case_rows(case, "referrals")
    ]
    plan = one_to_one(case, "mediation_plan") or MediationPlan(case=case, is_public=False)
    handler = panel_may_handle(request.user, case)
    failed = getattr(request, "mediation_failed", None)
    forms = {}
    if handler:
        opened = request.GET.get("open", "")
        for op, form_class in FORMS.items():
            if failed is not None and failed.op == op:
                forms[op] = failed
            elif opened == f"m-{op}":
                forms[op] = form_class(case=case, user=request.user)
            else:
                forms[op] = form_class.closed(case.pk)
    return {
        "consents": consents,
        "consent_history": history[::-1],
        "notice": notice,
        "plan": plan,
        "must_be_private": preparation.must_be_private(case, plan=plan),
        "third_parties": case_rows(case, "third_parties"),
        "sessions": case_rows(case, "sessions"),
        "records": case_rows(case, "records"),
        "evidence": case_rows(case, "evidence"),
        "referrals": referrals,
        "police_reports": case_rows(case, "police_reports"),
        # What 开始调解 still needs, while it is still to come.
        "missing": (
            preparation.missing_before_mediation(case, notice=notice, latest=latest)
            if case.state in BEFORE_CONCLUSION[:-1]
            else []
        ),
        "can_handle": handler,
        "preparing": case.state in BEFORE_CONCLUSION,
        "forms": forms,
        "failed_op": failed.op if failed is not None else "",
        "failed_row": getattr(failed, "row", None),
        "scheduled": SessionStatus.SCHEDULED,
        "now": timezone.now(),
    }
