"""The agreement section of the case page: the agreement with its items and signatures (and
what it still lacks before taking effect), performance, judicial confirmation with the court's
milestones, return visits; and, for those who handle the case, the forms that record them.
Also the titles of the section's events on the case timeline."""

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.cases.models import CaseState
from jiefen.cases.services import user_can_handle
from jiefen.web.display import (
    TemplateTexts,
    choice_label,
    day_text,
    escape_text,
    in_local_time,
    lines_html,
    local_minute,
    person_html,
    url_path,
)
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
            due_soon = item.status == ItemStatus.PENDING and item.due_date <= today
            items.append({"item": item, "mark": mark, "due_soon": due_soon, "lines": item_lines_html(item, due_soon)})
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
        row["summary"] = agreement_summary_html(case, row)
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
    visits = case_rows(case, "return_visits")[::-1]
    return {
        "case": case,
        "agreements": rows,
        "current": next((r for r in rows if r["is_current"]), None),
        "visits": visits,
        "visit_items": visits_html(visits),
        "can_handle": handler,
        "draft_form": _page_form(request, case, "draft") if handler and case.state == CaseState.MEDIATING else None,
        "visit_form": _page_form(request, case, "visit") if handler and case.state in aftercare.VISIT_STATES else None,
        "personal_status": case.dispute_type.is_personal_status,
        "failed_op": failed.op if failed is not None else "",
        "failed_row": getattr(failed, "row", None),
        "today": today,
    }


# ---------------------------------------------------------------- the section's rows
# Written out here, not in mediation/agreements_panel.html (which keeps the forms): through the
# template language the agreement, its items and the visits were the case page's costliest
# section. The markup is the same.


_AGREEMENT_TEXTS = TemplateTexts(
    agreement=gettext_lazy("调解协议"),
    effective=gettext_lazy("已生效"),
    not_effective=gettext_lazy("未生效"),
    superseded=gettext_lazy("已被新稿取代"),
    still_needed=gettext_lazy("生效前尚需："),
    effective_at=gettext_lazy("生效时间"),
    committee=gettext_lazy("人民调解委员会"),
    mediator=gettext_lazy("调解员"),
    copies=gettext_lazy("份数"),
    copies_text=gettext_lazy("%(n)s份（当事人各一份，调解委员会留存一份）"),
    made=gettext_lazy("制作"),
    scan=gettext_lazy("签字盖章扫描件"),
    download=gettext_lazy("下载"),
    content=gettext_lazy("协议内容"),
    facts=gettext_lazy("纠纷主要事实"),
    matters=gettext_lazy("争议事项"),
    responsibilities=gettext_lazy("各方责任"),
    signing=gettext_lazy("签署"),
    no_signatures=gettext_lazy("尚未登记签署。"),
    obligor=gettext_lazy("履行人"),
    due=gettext_lazy("期限"),
    performed_on=gettext_lazy("%(day)s 已履行"),
    visitor=gettext_lazy("回访人"),
    recurred=gettext_lazy("纠纷复发"),
    hidden_risk=gettext_lazy("矛盾隐患："),
    measures=gettext_lazy("采取措施："),
)

_AGREEMENT_HEAD = """<h3>{form}
      {badge}
    </h3>
    {missing}
    <dl class="facts compact">
      {effective_at}
      <div><dt>{t.committee}</dt><dd>{committee}</dd></div>
      <div><dt>{t.mediator}</dt><dd>{mediator}</dd></div>
      {copies}
      <div><dt>{t.made}</dt><dd>{created_at} · {created_by}</dd></div>
      {scan}
    </dl>
    <details class="more"{open}>
      <summary>{t.content}</summary>
      <dl class="ag-text">
        <dt>{t.facts}</dt><dd>{facts}</dd>
        <dt>{t.matters}</dt><dd>{matters}</dd>
        {responsibilities}
        <dt>{t.content}</dt><dd>{terms}</dd>
      </dl>
    </details>
    {signatures}"""


def agreement_summary_html(case, row):
    """An agreement as its part of the section opens: the head, what it still lacks, its facts
    and text, and (a written one) its signatures."""
    t = _AGREEMENT_TEXTS()
    agreement = row["agreement"]
    if agreement.effective_at:
        badge = f'<span class="badge state">{t.effective}</span>'
    elif row["is_current"]:
        badge = f'<span class="badge badge-new">{t.not_effective}</span>'
    else:
        badge = f'<span class="badge">{t.superseded}</span>'
    missing = ""
    if row["missing"]:
        lines = "".join(f"<li>{escape_text(line)}</li>" for line in row["missing"])
        missing = f'<div class="alert ag-missing" role="status"><p><strong>{t.still_needed}</strong></p><ul>{lines}</ul></div>'
    written = agreement.form == "written"
    signatures = ""
    if written:
        signatures = f'<h4>{t.signing} <span class="count-muted">{len(row["signatures"])}</span></h4>'
        if row["signatures"]:
            signatures += '<ul class="ag-rows">{}</ul>'.format("".join(_signature_html(s) for s in row["signatures"]))
        else:
            signatures += f'<p class="muted">{t.no_signatures}</p>'
    return mark_safe(
        _AGREEMENT_HEAD.format(
            t=t,
            form=escape_text(choice_label(agreement, "form")),
            badge=badge,
            missing=missing,
            effective_at=(
                f"<div><dt>{t.effective_at}</dt><dd>{local_minute(agreement.effective_at)}</dd></div>"
                if agreement.effective_at else ""
            ),
            committee=escape_text(agreement.committee.name),
            mediator=person_html(agreement.mediator),
            copies=(
                f"<div><dt>{t.copies}</dt><dd>{t.copies_text % {'n': escape_text(agreement.copies)}}</dd></div>"
                if written else ""
            ),
            created_at=local_minute(agreement.created_at),
            created_by=person_html(agreement.created_by),
            scan=(
                f'<div><dt>{t.scan}</dt><dd><a href="{url_path("agreements:scan", case.pk, agreement.pk)}">{t.download}</a></dd></div>'
                if agreement.signed_scan else ""
            ),
            open=" open" if row["is_current"] else "",
            facts=lines_html(agreement.facts),
            matters=lines_html(agreement.matters_in_dispute),
            responsibilities=(
                f"<dt>{t.responsibilities}</dt><dd>{lines_html(agreement.responsibilities)}</dd>"
                if agreement.responsibilities else ""
            ),
            terms=lines_html(agreement.terms),
            signatures=signatures,
        )
    )


def _signature_html(signature):
    who = escape_text(signature.party.name if signature.party else choice_label(signature, "signer_kind"))
    signed_at = in_local_time(signature.signed_at)
    return (
        f"<li>{who} · {escape_text(choice_label(signature, 'method'))} · "
        f'<time datetime="{signed_at.isoformat()}">{local_minute(signed_at)}</time></li>'
    )


_ITEM_BADGES = {ItemStatus.PERFORMED: " state", ItemStatus.OVERDUE: " badge-overdue"}


def item_lines_html(item, due_soon):
    """A performance item's lines (the form marking it performed follows them)."""
    t = _AGREEMENT_TEXTS()
    badge = _ITEM_BADGES.get(item.status, " badge-warn" if due_soon else "")
    due = day_text(item.due_date)
    place = f" · {escape_text(item.place)}" if item.place else ""
    lines = (
        f'<p class="ag-row-head"><strong>{escape_text(item.what)}</strong>\n'
        f'          <span class="badge{badge}">{escape_text(choice_label(item, "status"))}</span></p>\n'
        f'        <p class="ag-meta">{t.obligor} {escape_text(item.obligor.name)} · {escape_text(item.how)} · '
        f'{t.due} <time datetime="{due}">{due}</time>{place}</p>'
    )
    if item.performed_on:
        note = f" · {escape_text(item.note)}" if item.note else ""
        lines += f'\n        <p class="ag-meta">{t.performed_on % {"day": day_text(item.performed_on)}}{note}</p>'
    return mark_safe(lines)


_VISIT_ITEM = """
      <li>
        <p class="ag-row-head"><strong>{day} · {party}</strong> <span class="muted">{method}</span>
          <span class="badge">{performance}</span> <span class="badge{warn}">{satisfaction}</span>
          {recurred}</p>
        {hidden_risk}
        {measures}
        <p class="ag-meta">{t.visitor} {visitor}</p>
      </li>
      """


def visits_html(visits):
    t = _AGREEMENT_TEXTS()
    return mark_safe(
        "".join(
            _VISIT_ITEM.format(
                t=t,
                day=day_text(visit.visited_on),
                party=escape_text(visit.party.name),
                method=escape_text(visit.method),
                performance=escape_text(choice_label(visit, "performance")),
                warn=" badge-warn" if visit.satisfaction == "dissatisfied" else "",
                satisfaction=escape_text(choice_label(visit, "satisfaction")),
                recurred=f'<span class="badge badge-overdue">{t.recurred}</span>' if visit.dispute_back else "",
                hidden_risk=f'<p class="ag-meta">{t.hidden_risk}{escape_text(visit.hidden_risk)}</p>' if visit.hidden_risk else "",
                measures=f'<p class="ag-meta">{t.measures}{escape_text(visit.measures)}</p>' if visit.measures else "",
                visitor=person_html(visit.visited_by),
            )
            for visit in visits
        )
    )


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
