"""The agreement section of the case page: the agreement with its items and signatures (and
what it still lacks before taking effect), performance, judicial confirmation with the court's
milestones, return visits; and, for those who handle the case, the forms that record them.
Also the titles of the section's events on the case timeline."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.cases.models import CaseState
from jiefen.cases.services import user_can_handle
from jiefen.web.panels import case_rows

from .forms_agreements import FORMS
from .models import ConfirmationOutcome, ItemStatus, SignerKind
from .services import aftercare, agreements

SHOWN_FROM = (
    CaseState.MEDIATING, CaseState.AGREED, CaseState.PERFORMING, CaseState.PERFORMED, CaseState.VISITED, CaseState.ARCHIVED,
)


def _form(request, case, op, row=None):
    failed = getattr(request, "agreements_failed", None)
    if failed is not None and failed.op == op and failed.row == row:
        return failed
    return FORMS[op](case=case, user=request.user, row=row)


def _page_form(request, case, op, row=None, build=None):
    """A form as the case page shows it: closed (its fields come when it is opened) unless it
    was just refused or the page was asked for it with ?open= (no JavaScript)."""
    closed = FORMS[op].closed(case.pk, row)
    failed = getattr(request, "agreements_failed", None)
    refused = failed is not None and failed.op == op and failed.row == row
    if refused or request.GET.get("open") == closed.dom_id:
        return build() if build else _form(request, case, op, row)
    return closed


def panel_may_handle(user, case):
    return user_can_handle(user, case) and case.state != CaseState.ARCHIVED


def confirmation_form(request, case, confirmation):
    """The form updating a pending judicial confirmation, filled with what is on file."""
    form = _form(request, case, "jc_update", confirmation.id)
    if not form.is_bound:
        form.initial.update(
            accepted_on=confirmation.accepted_on, decided_on=confirmation.decided_on, extended=confirmation.extended,
            outcome=confirmation.outcome, ruling_number=confirmation.ruling_number,
        )
    return form


def panel_context(request, case):
    # Loaded once by the case page (mediation.panel.case_page_prefetch), in id order.
    all_agreements = case_rows(case, "agreements")[::-1]
    if case.state not in SHOWN_FROM and not all_agreements:
        return None
    today = timezone.localdate()
    handler = panel_may_handle(request.user, case)
    # The effective agreement, else the latest draft (agreements.current_agreement).
    current = next((a for a in all_agreements if a.effective_at is not None), all_agreements[0] if all_agreements else None)
    confirmations = {a.id: getattr(a, "confirmation", None) for a in all_agreements}
    parties = sorted(case.parties.all(), key=lambda p: p.id)
    rows = []
    for agreement in all_agreements:
        confirmation = confirmations.get(agreement.id)
        items = []
        for item in agreement.items.all():
            mark = None
            if handler and agreement.effective_at and item.status != ItemStatus.PERFORMED and case.state in agreements.PERFORMANCE_STATES:
                mark = _page_form(request, case, "mark", item.id)
            items.append({"item": item, "mark": mark, "due_soon": item.status == ItemStatus.PENDING and item.due_date <= today})
        signatures = sorted(agreement.signatures.all(), key=lambda s: (s.signer_kind != SignerKind.PARTY, s.signed_at))
        row = {
            "agreement": agreement,
            "is_current": agreement is current or (current and agreement.id == current.id),
            "items": items,
            "signatures": signatures,
            "missing": agreements.missing_signatures(agreement, parties=parties) if agreement.effective_at is None else [],
            "window_end": agreements.confirmation_window_end(agreement),
            "confirmation": confirmation,
            "milestones": agreements.confirmation_milestones(confirmation, today) if confirmation else [],
            "forms": {},
        }
        if handler and row["is_current"]:
            drafting = agreement.effective_at is None and case.state == CaseState.MEDIATING
            if drafting and agreement.form == agreements.WRITTEN:
                row["forms"]["sign"] = _page_form(request, case, "sign", agreement.id)
            if drafting and agreement.form == agreements.ORAL:
                row["forms"]["register_oral"] = _page_form(request, case, "register_oral", agreement.id)
            row["forms"]["scan"] = _page_form(request, case, "scan", agreement.id)
            if (
                agreement.effective_at
                and confirmation is None
                and not case.dispute_type.is_personal_status
                and today <= row["window_end"]
            ):
                row["forms"]["jc_apply"] = _page_form(request, case, "jc_apply", agreement.id)
        if handler and confirmation is not None and confirmation.outcome == ConfirmationOutcome.PENDING:
            row["forms"]["jc_update"] = _page_form(
                request, case, "jc_update", confirmation.id, build=lambda: confirmation_form(request, case, confirmation)
            )
        rows.append(row)
    failed = getattr(request, "agreements_failed", None)
    return {
        "case": case,
        "agreements": rows,
        "current": next((r for r in rows if r["is_current"]), None),
        "visits": case_rows(case, "return_visits")[::-1],
        "can_handle": handler,
        "draft_form": _page_form(request, case, "draft") if handler and case.state == CaseState.MEDIATING else None,
        "visit_form": _page_form(request, case, "visit") if handler and case.state in aftercare.VISIT_STATES else None,
        "personal_status": case.dispute_type.is_personal_status,
        "failed_op": failed.op if failed is not None else "",
        "failed_row": getattr(failed, "row", None),
        "today": today,
    }


# ---------------------------------------------------------------- the timeline's words


def _signature(data):
    from .models import SignMethod

    who = data.get("party_name") or str(SignerKind(data["signer_kind"]).label) if data.get("signer_kind") in SignerKind.values else ""
    method = str(SignMethod(data["method"]).label) if data.get("method") in SignMethod.values else ""
    return [_("%(who)s：%(method)s") % {"who": who, "method": method}]


def _drafted(data):
    lines = [_("%(n)s项履行事项，最后履行期限 %(date)s") % {"n": data.get("items", ""), "date": data.get("latest_due", "")}]
    if data.get("replaces"):
        lines.append(_("取代此前未生效的协议稿"))
    return lines


def _item(data):
    line = _("%(what)s（%(who)s）于 %(day)s 履行") % {"what": data.get("what", ""), "who": data.get("obligor", ""), "day": data.get("performed_on", "")}
    return [line + (_("，晚于期限 %(due)s") % {"due": data.get("due_date", "")} if data.get("late") else "")]


def _confirmation(data):
    if data.get("court_name"):
        return [_("向%(court)s申请，法院应于 %(due)s 前决定是否受理") % {"court": data["court_name"], "due": data.get("acceptance_due", "")}]
    outcome = data.get("outcome")
    lines = [str(ConfirmationOutcome(outcome).label)] if outcome in ConfirmationOutcome.values else []
    if data.get("ruling_number"):
        lines.append(data["ruling_number"])
    return lines


NOTE_TITLES = {
    "agreement_drafted": (gettext_lazy("制作调解协议"), _drafted),
    "agreement_signed": (gettext_lazy("协议签署"), _signature),
    "agreement_effective": (gettext_lazy("调解协议生效"), None),
    "agreement_registered": (gettext_lazy("登记口头协议"), None),
    "agreement_scan_attached": (gettext_lazy("上传协议扫描件"), None),
    "performance_item_performed": (gettext_lazy("协议事项已履行"), _item),
    "judicial_confirmation_applied": (gettext_lazy("申请司法确认"), _confirmation),
    "judicial_confirmation_updated": (gettext_lazy("司法确认审查情况"), _confirmation),
    "return_visit_recorded": (gettext_lazy("回访"), None),
}


def register_timeline():
    from jiefen.web.display import register_note_action

    for action, (title, details) in NOTE_TITLES.items():
        register_note_action(action, title, details)
