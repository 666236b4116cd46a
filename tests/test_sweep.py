"""The periodic deadline sweep (DESIGN §7): overdue flags, one OVERDUE event and one 不到位
incident per missed limit, reminders sent once, archived cases left alone, and a constant
number of queries however many cases there are."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases.deadlines import deadlines_sweep
from jiefen.cases.models import Case, CaseEvent, CaseState, DeadlineStage, EventKind
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import Role

from .casework import act, register, walk
from .conftest import _user

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI = (date(2026, 3, d) for d in (9, 10, 11, 12, 13))
NEXT_MON = date(2026, 3, 16)


@pytest.fixture
def room_mediator(org):
    """A second mediator of the village room, so 'every mediator of the unit' means two people."""
    return _user("roommed", "东村调解室调解员", (Role.MEDIATOR, org.village_room, None))


@pytest.fixture
def on_day(org, dispute_type, grid_worker):
    def make(on, **overrides):
        return register(org, dispute_type, grid_worker, on=on, **overrides)

    return make


def totals():
    return CaseEvent.objects.count(), Incident.objects.count(), Notification.objects.count()


def sweep_rows(case):
    return (
        list(CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE)),
        list(Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT)),
    )


def notices(kind, case=None):
    qs = Notification.objects.filter(kind=kind)
    if case is not None:
        qs = qs.filter(case=case)
    return sorted((n.case_id, n.user.username) for n in qs)


def test_only_past_due_open_cases_are_marked_overdue(on_day, village_mediator, room_mediator):
    late = on_day(TUE)  # acceptance due Wednesday
    due_today = on_day(WED)  # due Thursday
    fresh = on_day(THU)  # due Friday
    result = deadlines_sweep(today=THU)
    assert {c.pk: c.is_overdue for c in Case.objects.all()} == {late.pk: True, due_today.pk: False, fresh.pk: False}
    assert result["newly_overdue"] == 1
    assert result["incidents"] == 1


def test_a_missed_limit_writes_one_event_and_one_incident_against_unit_and_mediator(on_day, org, centre_staff, village_mediator):
    unassigned = on_day(TUE)
    assigned = walk(on_day(TUE), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=TUE)
    Case.objects.filter(pk=assigned.pk).update(due_date=WED, mediation_due_date=WED)

    deadlines_sweep(today=THU)

    (event,), (incident,) = sweep_rows(unassigned)
    assert (event.actor, event.action, event.from_state, event.to_state) == (None, DeadlineStage.ACCEPTANCE, CaseState.REGISTERED, CaseState.REGISTERED)
    assert (incident.unit, incident.responsible_user) == (org.village_room, None)
    assert (incident.stage, incident.due_date, incident.detected_on, incident.assessment_year) == (DeadlineStage.ACCEPTANCE, WED, THU, 2026)
    assert incident.status == IncidentStatus.PENDING

    (event,), (incident,) = sweep_rows(assigned)
    assert (event.action, event.from_state) == (DeadlineStage.MEDIATION, CaseState.MEDIATING)
    assert (incident.unit, incident.responsible_user, incident.stage) == (org.village_room, village_mediator, DeadlineStage.MEDIATION)


def test_the_sweep_is_idempotent(on_day, centre_staff, village_mediator, room_mediator):
    on_day(TUE)
    on_day(WED)
    walk(on_day(MON), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator, on=MON)
    first = deadlines_sweep(today=THU)
    assert first["newly_overdue"] == 1 and first["incidents"] == 1
    assert first["notified_overdue"] == 2 and first["notified_due_soon"] == 2
    after_first = totals()
    second = deadlines_sweep(today=THU)
    assert second == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}
    assert totals() == after_first
    # Still nothing new later for the limit already recorded.
    deadlines_sweep(today=FRI)
    late = Case.objects.get(state=CaseState.REGISTERED, due_date=WED)
    assert [len(rows) for rows in sweep_rows(late)] == [1, 1]


def test_reminders_go_to_the_mediator_or_before_assignment_to_the_units_mediators(
    on_day, centre_staff, village_mediator, room_mediator, subdistrict_mediator
):
    unassigned_late = on_day(TUE)
    assigned_late = walk(on_day(TUE), CaseState.ASSIGNED, staff=centre_staff, mediator=room_mediator, on=TUE)
    Case.objects.filter(pk=assigned_late.pk).update(due_date=WED, mediation_due_date=WED)
    due_tomorrow = on_day(THU)
    assigned_due_today = walk(on_day(TUE), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator, on=TUE)
    Case.objects.filter(pk=assigned_due_today.pk).update(due_date=THU, mediation_due_date=THU)
    far = walk(on_day(TUE), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator, on=TUE)

    deadlines_sweep(today=THU)

    assert notices(NotificationKind.OVERDUE) == sorted(
        [(unassigned_late.pk, "roommed"), (unassigned_late.pk, "vmed"), (assigned_late.pk, "roommed")]
    )
    assert notices(NotificationKind.DUE_SOON) == sorted(
        [(due_tomorrow.pk, "roommed"), (due_tomorrow.pk, "vmed"), (assigned_due_today.pk, "vmed")]
    )
    assert not Notification.objects.filter(case=far, kind__in=[NotificationKind.OVERDUE, NotificationKind.DUE_SOON]).exists()
    assert not Notification.objects.filter(user=subdistrict_mediator).exists()
    notice = Notification.objects.get(kind=NotificationKind.OVERDUE, case=assigned_late)
    assert notice.due_date == WED
    assert assigned_late.number in notice.message and "超过办理时限" in notice.message
    soon = Notification.objects.get(kind=NotificationKind.DUE_SOON, case=assigned_due_today)
    assert soon.due_date == THU and "即将到期" in soon.message


def test_each_reminder_is_sent_once_and_a_due_soon_case_later_gets_its_overdue_notice(on_day, village_mediator):
    case = on_day(WED)  # due Thursday
    deadlines_sweep(today=WED)
    deadlines_sweep(today=THU)
    assert notices(NotificationKind.DUE_SOON, case) == [(case.pk, "vmed")]
    assert notices(NotificationKind.OVERDUE, case) == []
    deadlines_sweep(today=FRI)
    deadlines_sweep(today=FRI)
    deadlines_sweep(today=NEXT_MON)
    assert notices(NotificationKind.DUE_SOON, case) == [(case.pk, "vmed")]
    assert notices(NotificationKind.OVERDUE, case) == [(case.pk, "vmed")]


def test_inactive_people_are_not_reminded(on_day, village_mediator, room_mediator):
    room_mediator.person.is_active = False
    room_mediator.person.save()
    case = on_day(TUE)
    deadlines_sweep(today=THU)
    assert notices(NotificationKind.OVERDUE, case) == [(case.pk, "vmed")]


def test_archived_cases_are_ignored(on_day, centre_staff, village_mediator):
    case = act(on_day(TUE), "reject", centre_staff, on=TUE)
    case = act(case, "archive", centre_staff, on=TUE)
    # Even with a stale limit left on the row, an archived case is never swept.
    Case.objects.filter(pk=case.pk).update(due_date=TUE, due_stage=DeadlineStage.ARCHIVING)
    before = totals()
    assert deadlines_sweep(today=NEXT_MON) == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}
    assert totals() == before
    assert Case.objects.get(pk=case.pk).is_overdue is False


def test_a_case_that_moves_on_gets_a_fresh_limit_and_is_no_longer_overdue(on_day, centre_staff, village_mediator):
    case = on_day(TUE)
    deadlines_sweep(today=THU)
    assert Case.objects.get(pk=case.pk).is_overdue
    case = act(Case.objects.get(pk=case.pk), "accept", centre_staff, on=THU)
    case.refresh_from_db()
    assert (case.is_overdue, case.due_stage, case.due_date) == (False, DeadlineStage.ASSIGNMENT, FRI)
    deadlines_sweep(today=THU)
    assert Case.objects.get(pk=case.pk).is_overdue is False
    assert [len(rows) for rows in sweep_rows(case)] == [1, 1]
    # Missing the new limit is a second, separate incident.
    deadlines_sweep(today=NEXT_MON)
    events, incidents = sweep_rows(case)
    assert [e.action for e in events] == [DeadlineStage.ACCEPTANCE, DeadlineStage.ASSIGNMENT]
    assert sorted((i.stage, i.due_date) for i in incidents) == [(DeadlineStage.ACCEPTANCE, WED), (DeadlineStage.ASSIGNMENT, FRI)]


def test_moving_on_within_the_same_limit_keeps_the_case_overdue(on_day, centre_staff, village_mediator):
    case = walk(on_day(TUE), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator, on=TUE)
    Case.objects.filter(pk=case.pk).update(due_date=WED, mediation_due_date=WED)
    deadlines_sweep(today=THU)
    # Starting mediation does not cure a mediation period that has already run out.
    case = act(Case.objects.get(pk=case.pk), "start_mediation", village_mediator, on=FRI)
    case.refresh_from_db()
    assert (case.due_stage, case.due_date, case.is_overdue) == (DeadlineStage.MEDIATION, WED, True)
    deadlines_sweep(today=FRI)
    assert [len(rows) for rows in sweep_rows(case)] == [1, 1]


def test_a_limit_missed_and_cured_between_two_sweeps_is_still_recorded(on_day, org, centre_staff):
    case = on_day(TUE)  # acceptance due Wednesday
    # Accepted on Thursday, before any sweep noticed.
    case = act(case, "accept", centre_staff, on=THU)
    (incident,) = Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT)
    assert (incident.stage, incident.due_date, incident.unit, incident.detected_on) == (DeadlineStage.ACCEPTANCE, WED, org.village_room, THU)
    assert len(CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE)) == 1
    # The sweep does not record it a second time.
    deadlines_sweep(today=THU)
    assert Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT).count() == 1


def test_a_step_taken_on_the_due_day_is_on_time(on_day, centre_staff):
    case = act(on_day(TUE), "accept", centre_staff, on=WED)
    deadlines_sweep(today=WED)
    assert not Incident.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).exists()


# ---------------------------------------------------------------- cost


def _make_many(on_day, centre_staff, village_mediator, n):
    for index in range(n):
        if index % 3 == 0:
            walk(on_day(MON), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator, on=MON)
        else:
            on_day(MON if index % 3 == 1 else date(2026, 4, 14))


@pytest.mark.parametrize("n", [5, 50])
def test_the_sweep_costs_a_constant_number_of_queries(n, on_day, centre_staff, village_mediator, room_mediator, django_assert_max_num_queries):
    _make_many(on_day, centre_staff, village_mediator, n)
    # … including the one statement that enqueues the reminders' email and webhook deliveries.
    with django_assert_max_num_queries(9):
        result = deadlines_sweep(today=date(2026, 4, 15))
    assert result["newly_overdue"] == len([i for i in range(n) if i % 3 != 2])
    assert result["notified_due_soon"] == 2 * len([i for i in range(n) if i % 3 == 2])


def test_the_sweep_issues_the_same_queries_for_5_and_50_cases(on_day, centre_staff, village_mediator):
    _make_many(on_day, centre_staff, village_mediator, 5)
    with CaptureQueriesContext(connection) as few:
        deadlines_sweep(today=date(2026, 4, 15))
    _make_many(on_day, centre_staff, village_mediator, 45)
    with CaptureQueriesContext(connection) as many:
        result = deadlines_sweep(today=date(2026, 4, 15))
    assert result["newly_overdue"] == 30
    assert len(few.captured_queries) == len(many.captured_queries)
