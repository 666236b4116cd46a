"""Return visits (回访): a visit to a case whose agreement has been performed moves it to 已回访;
the step needs a visit on file; a visit that finds the dispute back opens a linked case."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from jiefen.assessment.models import Incident, IncidentKind
from jiefen.cases.models import Case, CaseEvent, CaseState, DeadlineStage, EventKind
from jiefen.cases.services import case_transition
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.mediation.models import PerformanceFinding, ReturnVisit, Satisfaction
from jiefen.mediation.services.aftercare import return_visit_record

from .casework import act, today, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(make_case, centre_staff, village_mediator):
    def make(state):
        return walk(make_case(), state, staff=centre_staff, mediator=village_mediator)

    return make


def visit(case, user, on=None, **overrides):
    arguments = {
        "case_id": case.pk,
        "actor": user,
        "party_id": case.parties.order_by("id").first().pk,
        "visited_on": on or today(),
        "method": "上门回访",
        "performance": PerformanceFinding.PERFORMED,
        "satisfaction": Satisfaction.SATISFIED,
        "today": on or today(),
    }
    arguments.update(overrides)
    return return_visit_record(**arguments)


def test_a_visit_after_performance_moves_the_case_to_visited(walked, village_mediator):
    case = walked(CaseState.PERFORMED)
    assert (case.due_stage, case.due_date) == (DeadlineStage.RETURN_VISIT, today() + timedelta(days=15))
    record = visit(case, village_mediator, hidden_risk="", measures="叮嘱双方保持沟通")
    assert record.recurrence is None
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.VISITED
    step = CaseEvent.objects.get(case=case, kind=EventKind.TRANSITION, action="record_return_visit")
    assert step.reason == "上门回访张三：已全部履行，满意"
    saved = ReturnVisit.objects.get(case=case)
    assert (saved.visited_by, saved.measures, saved.dispute_back) == (village_mediator, "叮嘱双方保持沟通", False)

    # A further visit is recorded and leaves the state alone.
    visit(case, village_mediator, party_id=case.parties.order_by("id").last().pk, satisfaction=Satisfaction.FAIRLY)
    assert Case.objects.get(pk=case.pk).state == CaseState.VISITED
    assert ReturnVisit.objects.filter(case=case).count() == 2


def test_the_step_by_hand_needs_a_visit_on_file(walked, village_mediator):
    case = walked(CaseState.PERFORMED)
    with pytest.raises(DomainError, match="尚无协议履行后的回访记录"):
        case_transition(case_id=case.pk, action="record_return_visit", actor=village_mediator, reason="电话回访")
    assert Case.objects.get(pk=case.pk).state == CaseState.PERFORMED


def test_a_visit_during_performance_is_recorded_but_is_not_the_return_visit(walked, village_mediator):
    case = walked(CaseState.PERFORMING)
    visit(case, village_mediator, performance=PerformanceFinding.PARTIAL, satisfaction=Satisfaction.DISSATISFIED)
    assert Case.objects.get(pk=case.pk).state == CaseState.PERFORMING
    later = today() + timedelta(days=2)
    case = act(Case.objects.get(pk=case.pk), "confirm_performed", village_mediator, on=later)
    assert case.state == CaseState.PERFORMED
    with pytest.raises(DomainError, match="尚无协议履行后的回访记录"):
        case_transition(case_id=case.pk, action="record_return_visit", actor=village_mediator, reason="已回访", today=later)
    visit(case, village_mediator, on=later)
    assert Case.objects.get(pk=case.pk).state == CaseState.VISITED


def test_a_visit_that_finds_the_dispute_back_opens_a_linked_case(walked, village_mediator, org):
    case = walked(CaseState.PERFORMED)
    record = visit(case, village_mediator, dispute_back=True, hidden_risk="排水沟再次被填堵，双方又起争执", satisfaction=Satisfaction.DISSATISFIED)
    new = record.recurrence
    assert new is not None and new.recurrence_of_id == case.pk and new.state == CaseState.REGISTERED
    assert new.title.startswith("【复发】") and new.description == "排水沟再次被填堵，双方又起争执"
    assert Case.objects.get(pk=case.pk).state == CaseState.VISITED
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RECURRENCE).exists()
    incident = Incident.objects.get(case=case, kind=IncidentKind.RECURRENCE)
    assert incident.unit == org.village_room
    assert ReturnVisit.objects.get(case=case).dispute_back is True


def test_a_dispute_back_needs_its_story_and_a_resolved_case(walked, village_mediator):
    case = walked(CaseState.PERFORMED)
    with pytest.raises(ValidationError) as info:
        visit(case, village_mediator, dispute_back=True)
    assert "hidden_risk" in info.value.message_dict
    performing = walked(CaseState.PERFORMING)
    with pytest.raises(ValidationError) as info:
        visit(performing, village_mediator, dispute_back=True, hidden_risk="又吵起来了")
    assert "dispute_back" in info.value.message_dict
    assert not ReturnVisit.objects.exists()
    assert Case.objects.filter(recurrence_of__isnull=False).count() == 0


def test_visit_rules(walked, village_mediator, other_village_mediator, make_case):
    case = walked(CaseState.PERFORMED)
    refusals = [
        ({"party_id": make_case().parties.first().pk}, "party_id"),
        ({"visited_on": today() + timedelta(days=1)}, "visited_on"),
        ({"visited_on": today() - timedelta(days=1)}, "visited_on"),  # before the agreement took effect
        ({"performance": "unknown"}, "performance"),
        ({"satisfaction": ""}, "satisfaction"),
        ({"method": " "}, "method"),
    ]
    for overrides, field in refusals:
        with pytest.raises(ValidationError) as info:
            visit(case, village_mediator, **overrides)
        assert field in info.value.message_dict, overrides
    with pytest.raises(PermissionDenied):
        visit(case, other_village_mediator)
    with pytest.raises(DomainError, match="达成协议后"):
        visit(walked(CaseState.MEDIATING), village_mediator)
    assert not ReturnVisit.objects.exists()
    assert Case.objects.get(pk=case.pk).state == CaseState.PERFORMED
