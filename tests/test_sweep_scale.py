"""The deadline sweep at scale: the hourly run over open cases costs the same few queries however
many there are, and a catch-up goes in chunks, each its own transaction, so one interrupted
half-way leaves every case either fully swept or untouched and the next run finishes the job."""

import copy
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases import deadlines
from jiefen.cases.deadlines import STAGE_BY_STATE, deadlines_sweep
from jiefen.cases.models import Case, CaseEvent, CaseState, DeadlineStage, EventKind
from jiefen.notifications.models import Notification, NotificationKind, OutboxChannel, OutboxMessage
from jiefen.organisation.models import Role, RoleAssignment

from .casework import register
from .conftest import _user

pytestmark = pytest.mark.django_db

TUE, THU = date(2026, 3, 10), date(2026, 3, 12)
LATER = date(2026, 4, 14)


@pytest.fixture
def room_mediator(org):
    return _user("roommed", "东村调解室调解员", (Role.MEDIATOR, org.village_room, None))


@pytest.fixture
def on_day(org, dispute_type, grid_worker):
    def make(on, n=1):
        return [register(org, dispute_type, grid_worker, on=on, title=f"纠纷{index}") for index in range(n)]

    return make


def swept(case_ids):
    """Per case: (flagged, OVERDUE events, missed-limit incidents, overdue reminders)."""
    return {
        case.pk: (
            case.is_overdue,
            CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).count(),
            Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT).count(),
            Notification.objects.filter(case=case, kind=NotificationKind.OVERDUE).count(),
        )
        for case in Case.objects.filter(pk__in=case_ids).order_by("pk")
    }


def test_the_hourly_sweep_over_open_cases_not_yet_due_costs_the_same_queries_for_5_and_50(on_day, village_mediator, room_mediator):
    on_day(LATER, 5)
    with CaptureQueriesContext(connection) as few:
        assert deadlines_sweep(today=THU)["newly_overdue"] == 0
    on_day(LATER, 45)
    with CaptureQueriesContext(connection) as many:
        result = deadlines_sweep(today=THU)
    assert result == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}
    assert len(many.captured_queries) == len(few.captured_queries) <= 7


def test_a_catch_up_goes_in_chunks_and_writes_what_one_run_would(on_day, village_mediator, room_mediator, monkeypatch):
    monkeypatch.setattr(deadlines, "SWEEP_CHUNK", 2)
    late = [case.pk for case in on_day(TUE, 5)]
    with CaptureQueriesContext(connection) as queries:
        result = deadlines_sweep(today=THU)
    assert result == {"newly_overdue": 5, "incidents": 5, "notified_overdue": 10, "notified_due_soon": 0}
    assert swept(late) == {pk: (True, 1, 1, 2) for pk in late}
    # Three transactions (2 + 2 + 1 cases), each with its deliveries.
    assert sum(q["sql"].startswith(("SAVEPOINT", "BEGIN")) for q in queries.captured_queries) == 3
    assert deadlines_sweep(today=THU) == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}


def test_an_interrupted_catch_up_leaves_whole_chunks_and_a_rerun_completes_it(on_day, village_mediator, room_mediator, monkeypatch):
    monkeypatch.setattr(deadlines, "SWEEP_CHUNK", 2)
    late = [case.pk for case in on_day(TUE, 5)]
    chunk = deadlines._sweep_chunk
    calls = []

    def failing_second_chunk(*args, **kwargs):
        calls.append(chunk(*args, **kwargs))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return calls[-1]

    monkeypatch.setattr(deadlines, "_sweep_chunk", failing_second_chunk)
    with pytest.raises(RuntimeError):
        deadlines_sweep(today=THU)
    state = swept(late)
    # The first chunk is committed whole, the second rolled back whole.
    assert sorted(state.values()) == [(False, 0, 0, 0)] * 3 + [(True, 1, 1, 2)] * 2

    monkeypatch.setattr(deadlines, "_sweep_chunk", chunk)
    result = deadlines_sweep(today=THU)
    assert result["newly_overdue"] == 3 and result["incidents"] == 3
    assert swept(late) == {pk: (True, 1, 1, 2) for pk in late}


def clone_cases(template, count, vary):
    """`count` copies of a registered case written in bulk, each changed by vary(index, case)."""
    cases = []
    for index in range(count):
        case = copy.copy(template)
        case.pk = case.id = None
        case.number = f"{template.number}-{index}"
        vary(index, case)
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=500)
    return list(Case.objects.exclude(pk=template.pk).order_by("pk"))


def test_a_catch_up_over_thousands_of_cases_writes_exactly_what_the_rules_say(
    org, dispute_type, grid_worker, village_mediator, room_mediator, other_village_mediator, monkeypatch
):
    """A few thousand limits run out at once (after an outage, or a holiday calendar moved them
    back): the catch-up, in chunks, writes case for case what the sweep's rules say, built here
    row by row from the cases and the roles, and a second run adds nothing."""
    monkeypatch.setattr(deadlines, "SWEEP_FIRST", 40)
    monkeypatch.setattr(deadlines, "SWEEP_CHUNK", 700)
    gone = _user("gone", "已停用调解员", (Role.MEDIATOR, org.village_room, None))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    village_mediator.email = "vmed@example.invalid"
    village_mediator.save(update_fields=["email"])
    units = [org.village_room, org.village_committee, org.other_village_room, org.subdistrict_committee]
    states = [state for state in STAGE_BY_STATE] + [CaseState.ARCHIVED]
    soon = date(2026, 3, 13)  # one working day after THU

    def vary(index, case):
        case.state = states[index % len(states)]
        case.due_stage = STAGE_BY_STATE.get(case.state, "")
        case.assigned_unit = units[index % len(units)]
        case.mediator = village_mediator if index % 3 == 0 else None
        if index % 17 == 0:
            case.due_date = None
        elif index % 11 == 0:
            case.due_date = THU + timedelta(days=index % 2)  # due today or tomorrow: due soon
        elif index % 7 == 0:
            case.due_date = LATER
        else:
            case.due_date = THU - timedelta(days=1 + index % 40)
        # Flagged earlier (by a sweep or a service): filled in, not flagged again.
        case.is_overdue = index % 13 == 0 and case.due_date is not None and case.due_date < THU

    template = register(org, dispute_type, grid_worker, on=TUE)
    cases = clone_cases(template, 3000, vary)
    Case.objects.filter(pk=template.pk).update(due_date=LATER)
    open_cases = [case for case in cases if case.state != CaseState.ARCHIVED and case.due_date is not None]
    late = [case for case in open_cases if case.due_date < THU]
    newly = [case for case in late if not case.is_overdue]
    # Some limits already have their incident or reminder on file: they are not written twice.
    noted = newly[::19]
    for case in noted:
        Incident.objects.create(
            kind=IncidentKind.MISSED_LIMIT, case=case, unit=case.assigned_unit, stage=case.due_stage, due_date=case.due_date,
            detected_on=TUE, assessment_year=2026,
        )
    reminded = [case for case in newly if case.mediator_id][::23]
    for case in reminded:
        Notification.objects.create(
            user=village_mediator, kind=NotificationKind.OVERDUE, case=case, message="先前的提醒", due_date=case.due_date
        )
    before = {
        "incidents": set(Incident.objects.values_list("pk", flat=True)),
        "notifications": set(Notification.objects.values_list("pk", flat=True)),
    }

    mediators = {}
    for unit_id, user_id in RoleAssignment.objects.filter(
        role=Role.MEDIATOR, person__is_active=True, person__user__is_active=True
    ).values_list("unit_id", "person__user_id"):
        mediators.setdefault(unit_id, set()).add(user_id)

    def recipients(case):
        return {case.mediator_id} if case.mediator_id else mediators.get(case.assigned_unit_id, set())

    def notices(kind, text, among):
        return sorted(
            (user_id, kind, case.pk, text % {"number": case.number}, case.due_date)
            for case in among
            for user_id in recipients(case)
        )

    result = deadlines_sweep(today=THU)

    events = CaseEvent.objects.filter(kind=EventKind.OVERDUE).values_list(
        "case_id", "action", "actor_id", "from_state", "to_state", "reason", "data"
    )
    assert sorted(events) == sorted((case.pk, case.due_stage, None, case.state, case.state, "", {}) for case in newly)
    flagged = {case.pk for case in cases if case.is_overdue} | {case.pk for case in newly}
    assert set(Case.objects.filter(is_overdue=True).values_list("pk", flat=True)) == flagged
    incidents = Incident.objects.exclude(pk__in=before["incidents"]).values_list(
        "kind", "case_id", "unit_id", "responsible_user_id", "stage", "due_date", "detected_on", "assessment_year", "status"
    )
    noted_ids = {case.pk for case in noted}
    assert sorted(incidents) == sorted(
        (IncidentKind.MISSED_LIMIT, case.pk, case.assigned_unit_id, case.mediator_id, case.due_stage, case.due_date)
        + (THU, 2026, IncidentStatus.PENDING)
        for case in late
        if case.due_stage != DeadlineStage.PERFORMANCE and case.pk not in noted_ids
    )
    written = Notification.objects.exclude(pk__in=before["notifications"])
    fields = ("user_id", "kind", "case_id", "message", "due_date")
    reminded_ids = {case.pk for case in reminded}
    overdue_notices = notices(NotificationKind.OVERDUE, "案件 %(number)s 已超过办理时限，请尽快办理。", late)
    assert sorted(written.filter(kind=NotificationKind.OVERDUE).values_list(*fields)) == [
        row for row in overdue_notices if row[2] not in reminded_ids
    ]
    due_soon = [case for case in open_cases if not case.is_overdue and THU <= case.due_date <= soon]
    assert sorted(written.filter(kind=NotificationKind.DUE_SOON).values_list(*fields)) == notices(
        NotificationKind.DUE_SOON, "案件 %(number)s 即将到期，请按时办理。", due_soon
    )
    # One email for each reminder to the one recipient with an address.
    emails = OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL, notification__in=written)
    to_vmed = written.filter(user=village_mediator).values_list("pk", flat=True)
    assert sorted(emails.values_list("notification_id", "recipient")) == [(pk, village_mediator.email) for pk in sorted(to_vmed)]
    assert result == {
        "newly_overdue": len(newly),
        "incidents": incidents.count(),
        "notified_overdue": written.filter(kind=NotificationKind.OVERDUE).count(),
        "notified_due_soon": written.filter(kind=NotificationKind.DUE_SOON).count(),
    }
    assert len(newly) > 1000 and result["notified_overdue"] > len(newly) and result["notified_due_soon"] > 0

    assert deadlines_sweep(today=THU) == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}
