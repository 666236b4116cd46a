"""Periodic duties (DESIGN §12): a slot is claimed with a compare-and-set update, so of any
number of schedulers exactly one enqueues the work; missed slots run once. The test settings
use django_tasks' ImmediateBackend, so an enqueued sweep really runs."""

import signal
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_tasks.signals import task_enqueued

from jiefen.cases.models import Case, CaseEvent, EventKind
from jiefen.scheduler.duties import DUTIES, duty_claim, scheduler_tick
from jiefen.scheduler.models import PeriodicDuty

from .casework import register
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures

NOW = datetime(2026, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SWEEP = next(duty for duty in DUTIES if duty.name == "deadline_sweep")


@pytest.fixture(autouse=True)
def only_the_deadline_sweep(monkeypatch):
    """These tests watch one duty's slots; the other duties are claimed and run the same way."""
    monkeypatch.setattr("jiefen.scheduler.duties.DUTIES", [SWEEP])


@pytest.fixture
def enqueued():
    """Names of the tasks enqueued while the test runs."""
    names = []

    def receiver(sender, task_result, **kwargs):
        names.append(task_result.task.name)

    task_enqueued.connect(receiver)
    yield names
    task_enqueued.disconnect(receiver)


@pytest.fixture
def overdue_case(org, dispute_type, grid_worker):
    """A case whose acceptance limit (11 March 2026) has long passed, not yet swept."""
    return register(org, dispute_type, grid_worker, on=date(2026, 3, 10))


def overdue_events():
    return CaseEvent.objects.filter(kind=EventKind.OVERDUE).count()


@pytest.mark.django_db
def test_of_two_claimers_of_one_slot_exactly_one_wins():
    assert duty_claim(SWEEP, NOW, claimer="host-a") is True
    assert duty_claim(SWEEP, NOW, claimer="host-b") is False
    row = PeriodicDuty.objects.get(name="deadline_sweep")
    assert (row.runs, row.last_claimed_by, row.last_claimed_at, row.next_run_at) == (1, "host-a", NOW, NOW + SWEEP.interval)


@pytest.mark.django_db
def test_a_second_tick_in_the_same_slot_enqueues_nothing(enqueued, overdue_case):
    assert scheduler_tick(NOW, claimer="a") == ["deadline_sweep"]
    assert enqueued == ["deadlines_sweep_task"]
    # The sweep really ran (ImmediateBackend).
    assert Case.objects.get(pk=overdue_case.pk).is_overdue
    assert overdue_events() == 1

    assert scheduler_tick(NOW, claimer="a") == []
    assert scheduler_tick(NOW + timedelta(minutes=59), claimer="b") == []
    assert enqueued == ["deadlines_sweep_task"]
    # The next slot runs again.
    assert scheduler_tick(NOW + SWEEP.interval, claimer="b") == ["deadline_sweep"]
    assert len(enqueued) == 2
    assert PeriodicDuty.objects.get(name="deadline_sweep").runs == 2


@pytest.mark.django_db
def test_a_slot_missed_while_down_runs_once_on_the_next_tick(enqueued):
    PeriodicDuty.objects.create(name="deadline_sweep", next_run_at=NOW - 5 * SWEEP.interval, runs=7)
    assert scheduler_tick(NOW, claimer="a") == ["deadline_sweep"]
    for minutes in (0, 1, 30, 59):
        assert scheduler_tick(NOW + timedelta(minutes=minutes), claimer="a") == []
    assert enqueued == ["deadlines_sweep_task"]
    row = PeriodicDuty.objects.get(name="deadline_sweep")
    # The next slot is counted from now, not from the missed one.
    assert (row.runs, row.next_run_at) == (8, NOW + SWEEP.interval)


@pytest.mark.django_db
def test_a_slot_not_yet_due_is_not_claimed(enqueued):
    PeriodicDuty.objects.create(name="deadline_sweep", next_run_at=NOW + timedelta(minutes=10))
    assert duty_claim(SWEEP, NOW, claimer="a") is False
    assert scheduler_tick(NOW, claimer="a") == []
    assert enqueued == []
    assert duty_claim(SWEEP, NOW + timedelta(minutes=10), claimer="a") is True


@pytest.fixture
def keep_signal_handlers():
    """run_scheduler installs SIGTERM/SIGINT handlers; put pytest's back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db
def test_the_run_scheduler_command_ticks_once(enqueued, overdue_case, capsys, keep_signal_handlers):
    call_command("run_scheduler", "--once")
    call_command("run_scheduler", "--once")
    assert enqueued == ["deadlines_sweep_task"]
    assert "enqueued: deadline_sweep" in capsys.readouterr().out
    assert Case.objects.get(pk=overdue_case.pk).is_overdue


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_in_threads_claim_each_slot_exactly_once(concurrent_db, overdue_case):  # noqa: F811
    for slot in range(3):
        now = NOW + slot * SWEEP.interval
        # The first slot also races to create the duty's row.
        outcomes = concurrent_db.run(
            *[(lambda now=now, name=name: scheduler_tick(now, claimer=name)) for name in ("scheduler-1", "scheduler-2", "scheduler-3")]
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert not errors, errors
        results = sorted(result for result, _error in outcomes)
        assert results == [[], [], ["deadline_sweep"]], (slot, results)
    row = PeriodicDuty.objects.get(name="deadline_sweep")
    assert row.runs == 3
    assert row.next_run_at == NOW + 3 * SWEEP.interval
    # The winner's sweep ran; the missed limit was recorded once over the three slots.
    assert Case.objects.get(pk=overdue_case.pk).is_overdue
    assert CaseEvent.objects.filter(case=overdue_case, kind=EventKind.OVERDUE).count() == overdue_events() == 1
