"""Performance of agreements (人民调解法 Art. 31): each item is marked when performed; the last one
moves the case to 已履行; a sweep reminds before items fall due and records one 不到位 incident per
item left unperformed; 协议履行率 (DESIGN §9)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from jiefen.assessment.models import Incident, IncidentKind
from jiefen.cases.deadlines import deadlines_sweep
from jiefen.cases.models import Case, CaseEvent, CaseState, DeadlineStage, EventKind
from jiefen.cases.services import case_transition
from jiefen.common.errors import DomainError
from jiefen.mediation.models import Evidence, ItemStatus, PerformanceItem
from jiefen.mediation.services.agreements import (
    agreement_performance_rate,
    item_stage,
    performance_item_mark,
    performance_sweep,
)
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.scheduler.duties import DUTIES
from jiefen.workdays.services import add_working_days

from .casework import act, today, walk
from .steps_agreements import draft, item, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed(make_case, centre_staff, village_mediator):
    """A factory: a case whose written agreement with items due on `dues` has taken effect today."""

    def make(*dues):
        case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
        rows = [item(case, due, what=f"事项{index}") for index, due in enumerate(dues, start=1)]
        sign_all(draft(case, village_mediator, on=today(), items=rows), village_mediator, on=today())
        case = Case.objects.get(pk=case.pk)
        assert case.state == CaseState.AGREED
        return case

    return make


def items_of(case):
    return list(PerformanceItem.objects.filter(agreement__case=case).order_by("id"))


def mark(row, user, on, **kwargs):
    return performance_item_mark(item_id=row.pk, actor=user, performed_on=on, today=kwargs.pop("today", on), **kwargs)


# ---------------------------------------------------------------- marking


def test_the_last_performed_item_moves_the_case_to_performed(agreed, village_mediator):
    start = today()
    case = agreed(start + timedelta(days=3), start + timedelta(days=10))
    first, second = items_of(case)
    case = act(case, "start_performance", village_mediator)

    mark(first, village_mediator, start, note="已当面支付", today=start)
    first.refresh_from_db()
    assert (first.status, first.performed_on, first.note) == (ItemStatus.PERFORMED, start, "已当面支付")
    assert Case.objects.get(pk=case.pk).state == CaseState.PERFORMING

    mark(second, village_mediator, start, today=start)
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.PERFORMED
    # The return visit is due within 15 days of the performance (DESIGN §7).
    assert (case.due_stage, case.due_date) == (DeadlineStage.RETURN_VISIT, start + timedelta(days=15))
    step = CaseEvent.objects.get(case=case, kind=EventKind.TRANSITION, action="confirm_performed")
    assert step.actor == village_mediator
    assert CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, action="performance_item_performed").count() == 2


def test_confirm_performed_by_hand_is_refused_while_an_item_is_pending(agreed, village_mediator):
    case = agreed(today() + timedelta(days=3), today() + timedelta(days=4))
    mark(items_of(case)[0], village_mediator, today())
    with pytest.raises(DomainError, match="尚有1项未履行：事项2"):
        case_transition(case_id=case.pk, action="confirm_performed", actor=village_mediator)
    assert Case.objects.get(pk=case.pk).state == CaseState.AGREED


def test_marking_rules(agreed, village_mediator, make_case, other_village_mediator):
    case = agreed(today() + timedelta(days=3), today() + timedelta(days=4))
    first, _second = items_of(case)
    with pytest.raises(ValidationError) as info:
        mark(first, village_mediator, today() + timedelta(days=1), today=today())
    assert "performed_on" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        mark(first, village_mediator, today() - timedelta(days=1), today=today())
    assert "协议生效日期" in str(info.value)
    elsewhere = Evidence.objects.create(
        case=make_case(), file="evidence/x.pdf", original_name="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=village_mediator
    )
    with pytest.raises(ValidationError) as info:
        mark(first, village_mediator, today(), evidence_id=elsewhere.pk)
    assert "evidence_id" in info.value.message_dict
    with pytest.raises(DomainError):
        mark(first, other_village_mediator, today())
    first.refresh_from_db()
    assert first.status == ItemStatus.PENDING

    mark(first, village_mediator, today())
    with pytest.raises(DomainError, match="已于"):
        mark(first, village_mediator, today())


def test_items_of_a_draft_cannot_be_marked(make_case, centre_staff, village_mediator):
    case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    agreement = draft(case, village_mediator, on=today(), due=today())
    with pytest.raises(DomainError, match="尚未生效"):
        mark(agreement.items.get(), village_mediator, today())


# ---------------------------------------------------------------- the sweep


def test_the_mediator_is_reminded_a_few_working_days_before_an_item_falls_due(agreed, village_mediator, settings):
    settings.JIEFEN_PERFORMANCE_REMIND_WORKING_DAYS = 3
    now = today()
    edge = add_working_days(now, 3)
    case = agreed(edge, edge + timedelta(days=1))
    inside, outside = items_of(case)

    counts = performance_sweep(today=now)
    notices = Notification.objects.filter(case=case, kind=NotificationKind.DUE_SOON)
    assert [(n.user, n.due_date) for n in notices] == [(village_mediator, edge)]
    assert case.number in notices[0].message and edge.isoformat() in notices[0].message
    inside.refresh_from_db(), outside.refresh_from_db()
    assert (inside.reminded_on, outside.reminded_on) == (now, None)
    assert counts["reminded_items"] == 1

    performance_sweep(today=now)  # the same day again changes nothing
    assert notices.count() == 1
    # The next working day the second item comes within reach.
    performance_sweep(today=add_working_days(now, 1))
    assert sorted(notices.values_list("due_date", flat=True)) == [edge, edge + timedelta(days=1)]


def test_an_overdue_item_is_marked_and_recorded_once_against_the_unit_and_mediator(agreed, village_mediator, org):
    due = today() + timedelta(days=2)
    case = agreed(due, due, due + timedelta(days=30))  # two items fall due the same day
    first, second, later = items_of(case)
    mark(first, village_mediator, today())

    swept = due + timedelta(days=1)
    performance_sweep(today=swept)
    performance_sweep(today=swept + timedelta(days=1))
    deadlines_sweep(today=swept)

    assert [row.status for row in PerformanceItem.objects.filter(pk__in=[first.pk, second.pk, later.pk]).order_by("id")] == [
        ItemStatus.PERFORMED, ItemStatus.OVERDUE, ItemStatus.PENDING
    ]
    incidents = Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT)
    assert [(i.stage, i.due_date, i.unit, i.responsible_user, i.detected_on) for i in incidents] == [
        (item_stage(second.pk), due, org.village_room, village_mediator, swept)
    ]
    assert Notification.objects.filter(case=case, kind=NotificationKind.OVERDUE, due_date=due, user=village_mediator).count() == 1


def test_two_overdue_items_due_the_same_day_are_two_incidents(agreed):
    due = today() + timedelta(days=1)
    case = agreed(due, due)
    performance_sweep(today=due + timedelta(days=1))
    stages = set(Incident.objects.filter(case=case).values_list("stage", flat=True))
    assert stages == {item_stage(row.pk) for row in items_of(case)}


def test_the_case_level_performance_limit_records_no_second_incident(agreed):
    due = today() + timedelta(days=1)
    case = agreed(due)
    deadlines_sweep(today=due + timedelta(days=1))
    case = Case.objects.get(pk=case.pk)
    assert case.is_overdue  # flagged and listed as overdue …
    assert not Incident.objects.filter(case=case).exists()  # … but the item's incident is the sweep's to record
    performance_sweep(today=due + timedelta(days=1))
    assert Incident.objects.filter(case=case).count() == 1


def test_an_item_performed_late_is_recorded_even_before_the_sweep_ran(agreed, village_mediator):
    due = today() + timedelta(days=1)
    case = agreed(due)
    (row,) = items_of(case)
    late = due + timedelta(days=2)
    mark(row, village_mediator, late, today=late)
    assert list(Incident.objects.filter(case=case).values_list("stage", flat=True)) == [item_stage(row.pk)]
    performance_sweep(today=late)
    assert Incident.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.PERFORMED


def test_an_overdue_item_can_still_be_performed(agreed, village_mediator):
    due = today() + timedelta(days=1)
    case = agreed(due)
    (row,) = items_of(case)
    performance_sweep(today=due + timedelta(days=3))
    mark(row, village_mediator, due + timedelta(days=4), today=due + timedelta(days=4))
    row.refresh_from_db()
    assert row.status == ItemStatus.PERFORMED
    assert Case.objects.get(pk=case.pk).state == CaseState.PERFORMED
    assert Incident.objects.filter(case=case).count() == 1


def test_the_sweep_is_a_daily_duty():
    duty = next(duty for duty in DUTIES if duty.name == "performance_sweep")
    assert duty.interval == timedelta(days=1)
    assert duty.task_path == "jiefen.mediation.tasks.performance_sweep_task"


# ---------------------------------------------------------------- 协议履行率


def test_performance_rate(agreed, village_mediator):
    assert agreement_performance_rate(Case.objects.all(), as_of=today())["rate"] is None  # 0/0

    soon = today() + timedelta(days=2)
    performed = agreed(soon)
    mark(items_of(performed)[0], village_mediator, today())
    missed = agreed(soon, soon)
    mark(items_of(missed)[0], village_mediator, today())  # one of two: not fully performed
    early = agreed(soon + timedelta(days=30))  # performed before its date, not yet due
    mark(items_of(early)[0], village_mediator, today())

    before = soon - timedelta(days=1)
    assert agreement_performance_rate(Case.objects.all(), as_of=before) == {"performed": 0, "due": 0, "rate": None}
    assert agreement_performance_rate(Case.objects.all(), as_of=soon) == {"performed": 1, "due": 2, "rate": 0.5}
    assert agreement_performance_rate(as_of=soon, pk__in=[performed.pk])["rate"] == 1.0
    assert agreement_performance_rate(Case.objects.filter(pk=missed.pk), as_of=soon)["rate"] == 0.0

    # Performed late: as of its date it was not (yet) performed; a week later it was.
    late = agreed(soon)
    mark(items_of(late)[0], village_mediator, soon + timedelta(days=3), today=soon + timedelta(days=3))
    only_late = Case.objects.filter(pk=late.pk)
    assert agreement_performance_rate(only_late, as_of=soon) == {"performed": 0, "due": 1, "rate": 0.0}
    assert agreement_performance_rate(only_late, as_of=soon + timedelta(days=7))["rate"] == 1.0
