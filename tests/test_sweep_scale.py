"""The deadline sweep at scale: the hourly run over open cases costs the same few queries however
many there are, and a catch-up goes in chunks, each its own transaction, so one interrupted
half-way leaves every case either fully swept or untouched and the next run finishes the job."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.assessment.models import Incident, IncidentKind
from jiefen.cases import deadlines
from jiefen.cases.deadlines import deadlines_sweep
from jiefen.cases.models import Case, CaseEvent, EventKind
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import Role

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
