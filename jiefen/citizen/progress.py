"""A case's progress in plain words for the public: the parties' progress page and the Open311
status notes. Only what a party is entitled to know: the stage, the dates, which body is
handling it, and what they were told (routes, the receiving body, the performance date) —
never a mediator's or another party's personal data, never reasons written for the file."""

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.lifecycle import actions_from
from jiefen.cases.models import CaseEvent, CaseState, EventKind, ReferralRoute
from jiefen.organisation.models import Unit

# A case is closed when the lifecycle offers no further step (today: archived).
CLOSED_STATES = frozenset(state for state in CaseState.values if not actions_from(state))
# An agreement has been reached and the mediation is over.
AGREEMENT_STATES = frozenset({CaseState.AGREED, CaseState.PERFORMING, CaseState.PERFORMED, CaseState.VISITED})


def case_is_closed(case) -> bool:
    return case.state in CLOSED_STATES


def case_open311_status(case) -> str:
    return "closed" if case_is_closed(case) else "open"


def _route_label(value):
    try:
        return str(ReferralRoute(value).label)
    except ValueError:
        return ""


def _routes(values):
    return "、".join(label for label in (_route_label(v) for v in values or ()) if label)


def case_status_words(case, *, for_party: bool = False) -> str:
    """One sentence on where the case stands. `for_party` adds what the party was told
    (where they were pointed, the performance date); the public sentence leaves it out."""
    unit = case.assigned_unit.name
    state = case.state
    if state == CaseState.REGISTERED:
        return _("已收到，等待受理。")
    if state == CaseState.ACCEPTED:
        return _("已受理，正在安排%(unit)s的调解员。") % {"unit": unit}
    if state == CaseState.REJECTED:
        if for_party and case.rejection_pointed_to:
            return _("经审查不属于人民调解受理范围，未予受理。建议您：%(where)s") % {"where": case.rejection_pointed_to}
        return _("经审查未予受理，已告知当事人其他解决途径。")
    if state == CaseState.ASSIGNED:
        return _("已由%(unit)s安排调解员，即将开始调解。") % {"unit": unit}
    if state == CaseState.MEDIATING:
        return _("%(unit)s正在调解。") % {"unit": unit}
    if state == CaseState.AGREED:
        if for_party and case.performance_due:
            return _("经调解已达成协议，约定在 %(date)s 前履行。") % {"date": case.performance_due.isoformat()}
        return _("经调解已达成协议。")
    if state == CaseState.PERFORMING:
        return _("已达成协议，正在履行。")
    if state == CaseState.PERFORMED:
        return _("协议已履行完毕。")
    if state == CaseState.VISITED:
        return _("协议已履行完毕，调解组织已回访。")
    if state == CaseState.TERMINATED:
        return _("调解未能达成协议，已终止调解；可通过仲裁、行政处理或诉讼等途径解决。")
    if state == CaseState.REFERRED_OUT:
        route = _route_label(case.referral_route)
        if route:
            return _("调解未成，已引导通过%(route)s途径解决（%(to)s）。") % {"route": route, "to": case.referred_to}
        return _("调解未成，已移送%(to)s。") % {"to": case.referred_to}
    if state == CaseState.HANDED_UP:
        return _("已上交%(to)s处理。") % {"to": case.referred_to}
    if state == CaseState.ARCHIVED:
        return _("已办结。")
    return case.get_state_display()


def case_progress_steps(case) -> list[dict]:
    """The case's history as a party sees it: one step per milestone, oldest first, each with
    its date, a title and at most one plain sentence. Internal events (risk grading, overdue
    marks, notes) are left out, and no step names a person."""
    events = list(
        CaseEvent.objects.filter(
            case=case,
            kind__in=[EventKind.CREATED, EventKind.ROUTED, EventKind.ROUTING_OVERRIDE, EventKind.TRANSITION, EventKind.ESCALATED, EventKind.DEADLINE_EXTENDED],
        ).order_by("id")
    )
    unit_ids = set()
    for event in events:
        data = event.data or {}
        for key in ("proposed_unit", "to_unit"):
            if isinstance(data.get(key), int):
                unit_ids.add(data[key])
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    unit = case.assigned_unit.name
    steps = []

    def add(event, title, text=""):
        steps.append({"at": timezone.localtime(event.at), "title": title, "text": text})

    for event in events:
        data, kind, action = event.data or {}, event.kind, event.action
        if kind == EventKind.CREATED:
            add(event, _("已收到"), _("您反映的纠纷已登记，案件编号 %(number)s。") % {"number": case.number})
        elif kind == EventKind.ROUTED:
            unit = names.get(data.get("proposed_unit"), data.get("proposed_unit_name") or unit)
        elif kind == EventKind.ROUTING_OVERRIDE:
            new_unit = names.get(data.get("to_unit"))
            if new_unit and new_unit != unit:
                unit = new_unit
                if len(steps) <= 1:
                    continue  # sent elsewhere at registration: the unit shows on the next step
                add(event, _("调整承办单位"), _("改由%(unit)s负责调解。") % {"unit": unit})
        elif kind == EventKind.ESCALATED:
            unit = names.get(data.get("to_unit"), data.get("to_unit_name") or unit)
            add(event, _("转上一级调解"), _("已转由%(unit)s调解。") % {"unit": unit})
        elif kind == EventKind.DEADLINE_EXTENDED:
            add(event, _("延长调解期限"), _("经当事人同意，调解期限延长至 %(date)s。") % {"date": data.get("new_due", "")})
        elif action == "accept":
            add(event, _("已受理"), _("由%(unit)s办理。") % {"unit": unit})
        elif action == "reject":
            add(event, _("不予受理"), _("建议您：%(where)s") % {"where": data["pointed_to"]} if data.get("pointed_to") else "")
        elif action == "assign":
            add(event, _("已安排调解员"), _("由%(unit)s的调解员负责。") % {"unit": unit})
        elif action == "start_mediation":
            add(event, _("开始调解"), _("%(unit)s组织调解。") % {"unit": unit})
        elif action == "reach_agreement":
            due = data.get("performance_due")
            add(event, _("达成协议"), _("约定在 %(date)s 前履行。") % {"date": due} if due else "")
        elif action == "start_performance":
            add(event, _("协议履行中"))
        elif action == "confirm_performed":
            add(event, _("协议已履行"))
        elif action == "record_return_visit":
            add(event, _("回访"), _("调解组织已就协议履行情况回访。"))
        elif action == "terminate":
            routes = _routes(data.get("routes_told"))
            add(event, _("调解终止"), _("未能达成协议。您可以通过%(routes)s等途径解决。") % {"routes": routes} if routes else _("未能达成协议。"))
        elif action == "refer_out":
            route = _route_label(data.get("route"))
            add(event, _("引导其他途径解决"), _("通过%(route)s途径解决，接收单位：%(to)s。") % {"route": route, "to": data.get("referred_to", "")})
        elif action == "hand_up":
            add(event, _("上交上级处理"), _("已上交%(to)s。") % {"to": data.get("referred_to", "")})
        elif action == "archive":
            add(event, _("已办结"), _("案件已办结归档。"))
    return steps
