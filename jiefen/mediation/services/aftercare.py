"""After the agreement: return visits (回访记录). A visit to a case whose agreement has been
performed moves it to 已回访; the lifecycle refuses that step without a visit on file. A visit
that finds the dispute back opens a linked case (复发), counted against the unit that closed it.

The visit is due within the return-visit limit of DESIGN §7 (jiefen.cases.deadlines), which
runs from the day the case reached 已履行."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.models import CaseState
from jiefen.cases.services import case_open_recurrence, case_transition
from jiefen.common.errors import DomainError

from ..models import PerformanceFinding, ReturnVisit, Satisfaction
from .agreements import _as_date, _lock_case, _note, _safe_int, _pk, effective_agreement, local_date

# A visit can be paid while the agreement is being performed (to see how it goes) and after;
# only one paid once it has been performed moves the case on.
VISIT_STATES = (CaseState.AGREED, CaseState.PERFORMING, CaseState.PERFORMED, CaseState.VISITED)
METHODS = ("上门回访", "电话回访", "当面回访", "视频回访", "走访邻里")


def return_visit_record(
    *,
    case_id: int,
    actor,
    party_id,
    visited_on,
    method: str,
    performance: str,
    satisfaction: str,
    hidden_risk: str = "",
    measures: str = "",
    dispute_back: bool = False,
    today: date | None = None,
) -> ReturnVisit:
    """Record a return visit to one party. Returns the visit; `visit.recurrence` is the linked
    case opened when the visit found the dispute back, else None."""
    today = today or timezone.localdate()
    visited_on = _as_date(visited_on, "visited_on")
    method = (method or "").strip()
    hidden_risk, measures = (hidden_risk or "").strip(), (measures or "").strip()
    errors = {}
    if not method:
        errors["method"] = _("请填写回访方式。")
    elif len(method) > 50:
        errors["method"] = _("不能超过%(n)d个字。") % {"n": 50}
    if performance not in PerformanceFinding.values:
        errors["performance"] = _("请选择协议履行情况。")
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = _("请选择当事人的满意度。")
    if visited_on > today:
        errors["visited_on"] = _("回访日期不能晚于今天。")
    if dispute_back and not hidden_risk:
        errors["hidden_risk"] = _("纠纷复发的，请写明复发的情况。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        if case.state not in VISIT_STATES:
            raise DomainError(
                _("案件当前状态为“%(state)s”，达成协议后才能登记回访。") % {"state": case.get_state_display()}, code="state"
            )
        if dispute_back and case.state not in (CaseState.PERFORMED, CaseState.VISITED):
            raise ValidationError(
                {"dispute_back": _("协议尚未履行完毕，纠纷还未化解，不能登记复发；请继续督促履行。")}
            )
        party = case.parties.filter(pk=_safe_int(_pk(party_id))).first()
        if party is None:
            raise ValidationError({"party_id": _("请选择本案的一名当事人作为回访对象。")})
        agreement = effective_agreement(case)
        if agreement is not None and visited_on < local_date(agreement.effective_at):
            raise ValidationError({"visited_on": _("回访日期不能早于协议生效日期。")})
        visit = ReturnVisit.objects.create(
            case=case,
            party=party,
            visited_on=visited_on,
            method=method,
            performance=performance,
            satisfaction=satisfaction,
            hidden_risk=hidden_risk,
            measures=measures,
            dispute_back=bool(dispute_back),
            visited_by=actor,
        )
        summary = _("%(method)s%(party)s：%(performance)s，%(satisfaction)s") % {
            "method": method,
            "party": party.name,
            "performance": visit.get_performance_display(),
            "satisfaction": visit.get_satisfaction_display(),
        }
        _note(
            case,
            actor,
            "return_visit_recorded",
            data={
                "visit": visit.id,
                "party": party.id,
                "party_name": party.name,
                "visited_on": visited_on.isoformat(),
                "method": method,
                "performance": performance,
                "satisfaction": satisfaction,
                "dispute_back": bool(dispute_back),
            },
            reason=summary,
        )
        if case.state == CaseState.PERFORMED:
            # The visit is the step, taken on the day it was paid.
            case = case_transition(
                case_id=case.id, action="record_return_visit", actor=actor, reason=summary, today=visited_on
            )
        visit.recurrence = None
        if dispute_back:
            visit.recurrence = case_open_recurrence(
                original_id=case.id,
                actor=actor,
                reason=_("回访发现纠纷复发：%(what)s") % {"what": hidden_risk},
                description=hidden_risk,
                today=visited_on,
            )
    return visit


def _requires_a_visit(case, *, actor, data, today):
    """record_return_visit needs a visit on file paid since the agreement was performed."""
    agreement = effective_agreement(case)
    visits = ReturnVisit.objects.filter(case=case)
    if agreement is not None:
        performed = agreement.items.exclude(performed_on=None).order_by("-performed_on").values_list("performed_on", flat=True).first()
        if performed:
            visits = visits.filter(visited_on__gte=performed)
    if not visits.exists():
        raise DomainError(
            _("尚无协议履行后的回访记录。请在“回访”栏目登记回访，登记后案件自动转入“已回访”。"), code="no_return_visit"
        )


PRECONDITIONS = [("record_return_visit", _requires_a_visit)]

__all__ = ["return_visit_record", "METHODS", "VISIT_STATES"]
