"""Helpers shared by the case-core behaviour tests: register a case on a chosen day, take a
lifecycle step with sensible default arguments, and walk a case to any state through the
services (never by writing the state field directly)."""

from datetime import date, timedelta

from django.utils import timezone

from jiefen.cases.models import AgreementForm, Case, CaseEvent, CaseState, ReferralRoute
from jiefen.cases.services import case_register, case_transition

from .conftest import VALID_ID, case_data, parties_data

# The shortest path of actions from 登记 to every state.
PATH_TO = {
    CaseState.REGISTERED: [],
    CaseState.ACCEPTED: ["accept"],
    CaseState.REJECTED: ["reject"],
    CaseState.ASSIGNED: ["accept", "assign"],
    CaseState.MEDIATING: ["accept", "assign", "start_mediation"],
    CaseState.AGREED: ["accept", "assign", "start_mediation", "reach_agreement"],
    CaseState.PERFORMING: ["accept", "assign", "start_mediation", "reach_agreement", "start_performance"],
    CaseState.PERFORMED: ["accept", "assign", "start_mediation", "reach_agreement", "confirm_performed"],
    CaseState.VISITED: ["accept", "assign", "start_mediation", "reach_agreement", "confirm_performed", "record_return_visit"],
    CaseState.TERMINATED: ["accept", "assign", "start_mediation", "terminate"],
    CaseState.REFERRED_OUT: ["accept", "assign", "start_mediation", "terminate", "refer_out"],
    CaseState.HANDED_UP: ["accept", "assign", "start_mediation", "terminate", "hand_up"],
    CaseState.ARCHIVED: ["reject", "archive"],
}


def today():
    return timezone.localdate()


def step_kwargs(action: str, *, mediator=None, on: date | None = None) -> dict:
    """Arguments that satisfy every precondition of `action`."""
    on = on or today()
    return {
        "reject": {"reason": "不属于人民调解受理范围", "pointed_to": "向人民法院起诉"},
        "assign": {"mediator": mediator},
        "reach_agreement": {"agreement_form": AgreementForm.WRITTEN, "performance_due": on + timedelta(days=10)},
        "record_return_visit": {"reason": "电话回访，双方满意"},
        "terminate": {"reason": "一方拒绝继续调解"},
        "escalate": {"reason": "案情复杂，本级难以化解"},
        "refer_out": {"reason": "告知诉讼途径", "route": ReferralRoute.LITIGATION, "referred_to": "隆昌市人民法院"},
        "hand_up": {"reason": "涉及多部门，需上级协调", "referred_to": "隆昌市矛盾纠纷调处中心"},
    }.get(action, {})


def register(org, dispute_type, actor, *, on: date | None = None, parties=None, routing_override=None, **overrides) -> Case:
    return case_register(
        actor=actor,
        data=case_data(org, dispute_type, **overrides),
        parties=parties if parties is not None else parties_data(),
        routing_override=routing_override,
        today=on,
    )


# What a step needs on file before the law lets it happen (consent and notice before mediation,
# a signed agreement before 达成协议 …): action -> prepare(case, actor, mediator, on). The
# mediation test-support modules fill this in.
PREPARE: dict = {}


def prepare(case: Case, action: str, actor, *, mediator=None, on: date | None = None) -> Case:
    """Put on file what `action` requires, through the services; returns the fresh case."""
    from . import steps_agreements, steps_documents, steps_preparation  # noqa: F401  they register into PREPARE

    step = PREPARE.get(action)
    if step is not None:
        step(case, actor, mediator=mediator, on=on or today())
        case = Case.objects.get(pk=case.pk)
    return case


# Steps a mediation service takes itself once what the law requires is on file: the last
# signature on a written agreement (or registering an oral one) reaches 达成协议, the last
# performed item confirms performance, a return visit records the visit. action ->
# take(case, actor, *, mediator, on, **arguments) -> fresh case; act() calls it instead of
# case_transition, so such a step is never taken twice.
TAKE: dict = {}


def act(case: Case, action: str, actor, *, mediator=None, on: date | None = None, **kwargs) -> Case:
    """Take one step with the case's current version, like the UI does, after putting on file
    what the step requires."""
    case = prepare(case, action, actor, mediator=mediator, on=on)
    arguments = {**step_kwargs(action, mediator=mediator, on=on), **kwargs}
    if action in TAKE:
        return TAKE[action](case, actor, mediator=mediator, on=on or today(), **arguments)
    return case_transition(case_id=case.pk, action=action, actor=actor, expected_version=case.version, today=on, **arguments)


def walk(case: Case, state: str, *, staff, mediator, on: date | None = None) -> Case:
    """Move a fresh (registered) case to `state` through the services; staff act, `mediator` is assigned."""
    assert case.state == CaseState.REGISTERED
    for action in PATH_TO[state]:
        case = act(case, action, staff, mediator=mediator, on=on)
    assert case.state == state
    return case


def events(case, **filters):
    return list(CaseEvent.objects.filter(case=case, **filters).order_by("id"))


def snapshot(case: Case) -> tuple:
    """What must not change when a service refuses: state, version and the event count."""
    fresh = Case.objects.get(pk=case.pk)
    return fresh.state, fresh.version, CaseEvent.objects.filter(case=case).count()


def intake_post(org, kind, **overrides):
    data = {
        "title": "邻里排水纠纷",
        "description": "两户因排水沟堵塞发生争执。",
        "dispute_type": str(kind.pk),
        "channel": "grid_screening",
        "village": str(org.village.pk),
        "compound": "",
        "grid": str(org.grid.pk),
        "address": "东村3组12号",
        "latitude": "",
        "longitude": "",
        "people_involved": "2",
        "amount_in_dispute": "",
        "risk_grade": "blue",
        "complexity": "ordinary",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张三",
        "parties-0-id_number": VALID_ID,
        "parties-0-phone": "13800138000",
        "parties-0-address": "",
        "parties-0-representative_name": "",
        "parties-0-representative_phone": "",
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "",
        "parties-1-id_number": "",
        "parties-1-phone": "",
        "parties-1-address": "",
        "parties-1-representative_name": "",
        "parties-1-representative_phone": "",
    }
    data.update(overrides)
    return data
