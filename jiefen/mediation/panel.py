"""The mediation section of the case page: what is on file before and during mediation, and
the forms to add to it for those who may handle the case."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from jiefen.cases.services import user_can_handle
from jiefen.web.display import TranslatedTexts, choice_label, escape_text, in_local_time, lines_html, local_minute, person_html
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
    records = case_rows(case, "records")
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
    sessions = case_rows(case, "sessions")
    return {
        "consents": consents,
        "consent_items": consents_html(consents),
        "consent_history": history[::-1],
        "notice": notice,
        "plan": plan,
        "must_be_private": preparation.must_be_private(case, plan=plan),
        "third_parties": case_rows(case, "third_parties"),
        "sessions": sessions,
        "session_rows": [{"session": session, "html": session_html(session)} for session in sessions],
        "records": records,
        "record_items": records_html(records),
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


# The consent of each party, for the panel's 调解意愿 (mediation/panel.html); as the records below.
_CONSENT_ITEM = """
      <li class="m-row">
        <p class="m-row-head"><strong>{name}</strong> <span class="muted">{role}</span></p>
        <p class="badges">
          {decision}
          {notice}
        </p>
        {meta}
      </li>
      """
_CONSENT_TEXTS = TranslatedTexts(
    undecided=_("尚未表态"), acknowledged=_("已签收告知书"), unacknowledged=_("未签收告知书"), recorded_by=_("记录人")
)


def consents_html(consents):
    texts = _CONSENT_TEXTS()
    items = []
    for row in consents:
        latest, meta = row["latest"], ""
        if latest:
            decision = '<span class="badge {}">{}</span>'.format(
                "badge-warn" if row["refused"] else "state", escape_text(choice_label(latest, "decision"))
            )
            method = f" · {escape_text(latest.method)}" if latest.method else ""
            meta = (
                f'<p class="m-meta">{local_minute(latest.recorded_at)}{method} · {texts.recorded_by}'
                f" {person_html(latest.recorded_by)}</p>"
            )
        else:
            decision = f'<span class="badge">{texts.undecided}</span>'
        if row["acknowledged"]:
            notice = f'<span class="badge state">{texts.acknowledged}</span>'
        else:
            notice = f'<span class="badge">{texts.unacknowledged}</span>'
        items.append(
            _CONSENT_ITEM.format(
                name=escape_text(row["party"].name),
                role=escape_text(choice_label(row["party"], "role")),
                decision=decision,
                notice=notice,
                meta=meta,
            )
        )
    return mark_safe("".join(items))


# The head and the place of a session's row (mediation/panel.html draws the rest: the forms
# that change a scheduled session).
_SESSION_LINES = """<p class="m-row-head"><strong>{kind}</strong>
          <time datetime="{starts_iso}">{starts_at}</time>–{ends_at}
          <span class="badge{badge}">{status}</span></p>
        <p class="m-meta">{place} · {t.mediators}{mediators}</p>"""
_SESSION_BADGES = {SessionStatus.CANCELLED: "", SessionStatus.HELD: " state"}
_SESSION_TEXTS = TranslatedTexts(mediators=_("调解员："))


def session_html(session):
    starts_at, ends_at = in_local_time(session.starts_at), in_local_time(session.ends_at)
    if session.room:
        place = escape_text(session.room.name)
        if session.room.location:
            place += f"（{escape_text(session.room.location)}）"
    else:
        place = escape_text(session.place)
    return mark_safe(
        _SESSION_LINES.format(
            t=_SESSION_TEXTS(),
            kind=escape_text(choice_label(session, "kind")),
            starts_iso=starts_at.isoformat(),
            starts_at=local_minute(starts_at),
            ends_at=f"{ends_at.hour:02d}:{ends_at.minute:02d}",
            badge=_SESSION_BADGES.get(session.status, " badge-new"),
            status=escape_text(choice_label(session, "status")),
            place=place,
            mediators="、".join(person_html(mediator) for mediator in session.mediators.all()),
        )
    )


# One record of the panel's 调查/调解记录 (mediation/panel.html), written out here: a record
# through the template language cost some eight hundred function calls.
_RECORD_ITEM = """
      <li class="m-row">
        <details class="m-record">
          <summary><strong>{kind}</strong> <span class="muted">{held_at} · {place}</span></summary>
          <dl class="facts compact">
            <div><dt>{t.held_at}</dt><dd>{held_at}</dd></div>
            <div><dt>{t.place}</dt><dd>{place}</dd></div>
            <div><dt>{t.participants}</dt><dd>{participants}</dd></div>
            <div><dt>{t.statements}</dt><dd>{statements}</dd></div>
            <div><dt>{t.result}</dt><dd>{result}</dd></div>
            <div><dt>{t.recorded_by}</dt><dd>{recorded_by}</dd></div>
          </dl>
        </details>
      </li>
      """
_RECORD_TEXTS = TranslatedTexts(
    held_at=_("时间"),
    place=_("地点"),
    participants=_("参加人员"),
    statements=_("陈述与调查情况"),
    result=_("结果"),
    recorded_by=_("记录人"),
)


def records_html(records):
    texts = _RECORD_TEXTS()
    return mark_safe(
        "".join(
            _RECORD_ITEM.format(
                t=texts,
                kind=escape_text(choice_label(record, "kind")),
                held_at=local_minute(record.held_at),
                place=escape_text(record.place),
                participants=lines_html(record.participants),
                statements=lines_html(record.statements),
                result=lines_html(record.result) or "—",
                recorded_by=person_html(record.recorded_by),
            )
            for record in records
        )
    )
