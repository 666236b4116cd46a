"""The scheduler and the worker as separate processes (DESIGN §12, issue 4 §6).

- Several schedulers in separate processes claim every slot of every duty exactly once.
- A worker killed with SIGKILL in the middle of a task leaves it RUNNING, which django-tasks-db
  never picks up again; the recovery (run_worker's heartbeat, or the scheduler's duty for plain
  db_worker processes) hands it back and it completes.
- A duty missed while everything was down runs, once, when the scheduler comes back.

The processes share a file SQLite database (WAL, as in production) or the PostgreSQL test
database; the tests are transactional so the other processes see their data.
"""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jiefen.assessment.models import Incident, IncidentKind
from jiefen.meetings import periods
from jiefen.meetings.models import Meeting, MeetingKind, SupervisionTask
from jiefen.scheduler import duties as scheduler_duties
from jiefen.scheduler.models import PeriodicDuty, WorkerHeartbeat
from jiefen.scheduler.recovery import LOST_EXCEPTION, Heartbeat, worker_tasks_recover

from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# ---------------------------------------------------------------- a task that takes its time


@task()
def sleepy_task(marker_dir: str, first_sleep: float) -> int:
    """Marks each attempt; the first one sleeps long enough to be killed in the middle.
    Re-running it is harmless, like every duty."""
    markers = Path(marker_dir)
    attempt = len(list(markers.glob("started-*"))) + 1
    (markers / f"started-{attempt}").write_text(str(os.getpid()))
    time.sleep(first_sleep if attempt == 1 else 0.1)
    (markers / "done").write_text(str(attempt))
    return attempt


def enqueue_in_db(task_obj, *args) -> str:
    """Enqueue on the database backend (the tests' own TASKS setting runs tasks immediately)."""
    row = DBTaskResult.objects.create(
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task_obj.module_path,
        backend_name="default",
        queue_name="default",
        priority=0,
        run_after=None,
    )
    return str(row.id)


def status(result_id) -> str:
    return DBTaskResult.objects.get(id=result_id).status


def wait_for(condition, *, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# ---------------------------------------------------------------- other processes


def _database_url(settings_dict) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class Processes:
    """Starts manage.py commands and scripts against the test database; stops them all after."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": _database_url(connection.settings_dict),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "JIEFEN_VAR_DIR": str(tmp_path / "var"),
            "JIEFEN_WORKER_HEARTBEAT_SECONDS": "0.3",
            "JIEFEN_WORKER_STALE_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, *args, name, env=None):
        log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [PYTHON, *args], cwd=ROOT, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        process.log_path = self.tmp_path / f"{name}.log"
        process.log_file = log
        self.started.append(process)
        return process

    def manage(self, *args, name, env=None):
        return self.start("manage.py", *args, name=name, env=env)

    def run(self, *args, name, env=None, timeout=60):
        process = self.manage(*args, name=name, env=env)
        assert process.wait(timeout=timeout) == 0, process.log_path.read_text()
        return process.log_path.read_text()

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            process.log_file.close()


@pytest.fixture
def processes(concurrent_db, tmp_path):  # noqa: F811
    helper = Processes(tmp_path)
    yield helper
    helper.stop_all()


def worker(processes, command, worker_id, *extra):
    args = [command, "--queue-name", "*", "--interval", "0.1", "--no-startup-delay", "--worker-id", worker_id, *extra]
    if command == "db_worker":
        args.append("--no-reload")
    return processes.manage(*args, name=worker_id)


# ---------------------------------------------------------------- a worker killed mid-task


def test_django_tasks_db_alone_leaves_the_task_of_a_killed_worker_running(processes, tmp_path):
    """The problem, shown: after SIGKILL the task is RUNNING and a new plain worker ignores it."""
    markers = tmp_path / "markers"
    markers.mkdir()
    result_id = enqueue_in_db(sleepy_task, str(markers), 60)
    first = worker(processes, "db_worker", "plain-1")
    wait_for(lambda: (markers / "started-1").exists(), what="the first attempt to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = worker(processes, "db_worker", "plain-2", "--batch")
    assert second.wait(timeout=60) == 0
    assert status(result_id) == TaskResultStatus.RUNNING
    assert not (markers / "done").exists()
    assert DBTaskResult.objects.get(id=result_id).worker_ids == ["plain-1"]


def test_a_task_of_a_worker_killed_mid_task_is_retried_and_completes(processes, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    result_id = enqueue_in_db(sleepy_task, str(markers), 60)
    first = worker(processes, "run_worker", "worker-killed")
    wait_for(lambda: (markers / "started-1").exists(), what="the first attempt to start")
    row = DBTaskResult.objects.get(id=result_id)
    assert (row.status, row.worker_ids) == (TaskResultStatus.RUNNING, ["worker-killed"])
    assert WorkerHeartbeat.objects.filter(worker_id="worker-killed").exists()

    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    assert status(result_id) == TaskResultStatus.RUNNING

    # A new worker starts; as soon as the dead one's heartbeat is stale (2 s here) it hands the
    # task back to the queue and runs it.
    second = worker(processes, "run_worker", "worker-second")
    wait_for(lambda: status(result_id) == TaskResultStatus.SUCCESSFUL, timeout=60, what="the retried task to finish")
    row = DBTaskResult.objects.get(id=result_id)
    assert row.worker_ids == ["worker-killed", "worker-second"]
    assert row.return_value == 2 and (markers / "done").read_text() == "2"
    assert sorted(p.name for p in markers.glob("started-*")) == ["started-1", "started-2"]

    # A clean stop removes the worker's heartbeat; the killed one's is left to go stale.
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0, second.log_path.read_text()
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"worker-killed"}


def test_the_scheduler_recovers_the_task_of_a_killed_plain_worker(processes, tmp_path):
    """A plain db_worker keeps no heartbeat: its task is taken back after the orphan timeout,
    by the scheduler's worker_recovery duty, and a batch worker then completes it."""
    markers = tmp_path / "markers"
    markers.mkdir()
    result_id = enqueue_in_db(sleepy_task, str(markers), 60)
    first = worker(processes, "db_worker", "plain-killed")
    wait_for(lambda: (markers / "started-1").exists(), what="the first attempt to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    # Within the orphan timeout (an hour by default) nothing is taken back…
    assert worker_tasks_recover() == {"requeued": [], "failed": []}
    # …after it, the scheduler's duty does it.
    processes.run("run_scheduler", "--once", name="scheduler", env={"JIEFEN_WORKER_ORPHAN_SECONDS": "0.5"})
    assert status(result_id) == TaskResultStatus.READY
    processes.run(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--queue-name", "*", "--worker-id", "plain-batch", name="batch"
    )
    row = DBTaskResult.objects.get(id=result_id)
    assert (row.status, row.worker_ids, row.return_value) == (TaskResultStatus.SUCCESSFUL, ["plain-killed", "plain-batch"], 2)


# ---------------------------------------------------------------- recovery rules, in process


def running_row(worker_ids, started_at):
    row = DBTaskResult.objects.create(
        args_kwargs={"args": ["/nonexistent", 0], "kwargs": {}},
        task_path=sleepy_task.module_path,
        backend_name="default",
        run_after=None,
    )
    DBTaskResult.objects.filter(id=row.id).update(status=TaskResultStatus.RUNNING, worker_ids=worker_ids, started_at=started_at)
    return str(row.id)


def beat(worker_id, at):
    WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="h", pid=1, started_at=at, last_seen_at=at)


def test_recovery_spares_live_workers_and_gives_up_after_the_attempts(processes, settings):
    settings.JIEFEN_WORKER_STALE_SECONDS = 60
    now = timezone.now()
    beat("alive", now - timedelta(seconds=5))
    beat("dead", now - timedelta(minutes=5))
    long_running = running_row(["alive"], now - timedelta(hours=6))
    of_the_dead = running_row(["dead"], now - timedelta(minutes=6))
    unknown_recent = running_row(["no-heartbeat"], now - timedelta(minutes=10))
    unknown_old = running_row(["no-heartbeat"], now - timedelta(hours=2))
    hopeless = running_row(["dead", "dead", "dead"], now - timedelta(minutes=6))

    result = worker_tasks_recover(now)

    assert sorted(result["requeued"]) == sorted([of_the_dead, unknown_old])
    assert result["failed"] == [hopeless]
    assert status(long_running) == status(unknown_recent) == TaskResultStatus.RUNNING
    assert status(of_the_dead) == status(unknown_old) == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=of_the_dead).started_at is None
    failed = DBTaskResult.objects.get(id=hopeless)
    assert (failed.status, failed.exception_class_path) == (TaskResultStatus.FAILED, LOST_EXCEPTION)
    # Running it again finds nothing more to do.
    assert worker_tasks_recover(now) == {"requeued": [], "failed": []}


def test_two_recoverers_at_once_requeue_a_task_once(processes, concurrent_db):  # noqa: F811
    stale = timezone.now() - timedelta(hours=3)
    ids = [running_row(["gone"], stale) for _i in range(4)]
    outcomes = concurrent_db.run(*[worker_tasks_recover for _i in range(3)])
    errors = [error for _result, error in outcomes if error is not None]
    assert not errors, errors
    requeued = [task_id for result, _error in outcomes for task_id in result["requeued"]]
    assert sorted(requeued) == sorted(ids)


def test_a_worker_restarting_under_its_own_id_takes_back_its_previous_task(processes):
    now = timezone.now()
    beat("fixed-id", now)  # the previous life's heartbeat still looks fresh
    previous = running_row(["fixed-id"], now - timedelta(seconds=3))
    heartbeat = Heartbeat("fixed-id")
    heartbeat.start()
    try:
        assert status(previous) == TaskResultStatus.READY
        assert WorkerHeartbeat.objects.get(worker_id="fixed-id").started_at >= now
    finally:
        heartbeat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id="fixed-id").exists()


# ---------------------------------------------------------------- several schedulers, several processes

TICK_SCRIPT = """
import json, sys, time
import django
django.setup()
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from jiefen.scheduler.duties import scheduler_tick
start_at, name, slots = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
first = datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
while time.time() < start_at:
    time.sleep(0.002)
print(json.dumps([scheduler_tick(first + timedelta(hours=slot), claimer=name) for slot in range(slots)]))
"""


def _runs_in_hourly_slots(interval, slots):
    """How many of `slots` ticks an hour apart find the duty due (the first always does)."""
    runs, due = 0, timedelta(0)
    for slot in range(slots):
        now = timedelta(hours=slot)
        if now >= due:
            runs, due = runs + 1, now + interval
    return runs


def test_schedulers_in_separate_processes_do_every_duty_exactly_once(processes, org):
    slots, count = 3, 3
    start_at = time.time() + 4  # every process is up by then and they all tick at once
    schedulers = [processes.start("-c", TICK_SCRIPT, str(start_at), f"scheduler-{i}", str(slots), name=f"scheduler-{i}") for i in range(count)]
    for process in schedulers:
        assert process.wait(timeout=90) == 0, process.log_path.read_text()
    started = [name for p in schedulers for per_slot in json.loads(p.log_path.read_text().strip().splitlines()[-1]) for name in per_slot]

    # Hourly and per-minute duties are due in each of the three hourly slots, daily ones in
    # the first only; each slot was claimed by exactly one of the three processes.
    expected = {duty.name: _runs_in_hourly_slots(duty.interval, slots) for duty in scheduler_duties.DUTIES}
    assert {name: started.count(name) for name in expected} == expected
    assert {row.name: row.runs for row in PeriodicDuty.objects.all()} == expected
    # Each duty not run inline was enqueued once per claimed slot.
    for duty in scheduler_duties.DUTIES:
        enqueued = DBTaskResult.objects.filter(task_path=duty.task_path).count()
        assert enqueued == (0 if duty.inline else expected[duty.name]), duty.name

    # A worker runs them all; the meetings of today's periods exist once however often the
    # scheduling duty ran.
    processes.run("run_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--worker-id", "batch", name="batch", timeout=120)
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    meetings = list(Meeting.objects.values_list("kind", "unit_id", "period_start"))
    assert meetings and len(meetings) == len(set(meetings))
    assert {kind for kind, _unit, _start in meetings} <= {MeetingKind.CONSULTATION, MeetingKind.BULLETIN}


# ---------------------------------------------------------------- a duty missed while down


def real_now():
    """The wall clock the other processes use (immune to a test that left timezone.now patched)."""
    return datetime.now(ZoneInfo("UTC"))


def test_duties_missed_while_everything_was_down_run_once_when_it_comes_back(processes, org, commissioner_task):
    long_ago = real_now() - timedelta(days=3)
    for duty in scheduler_duties.DUTIES:
        PeriodicDuty.objects.create(name=duty.name, next_run_at=long_ago, runs=10)

    output = processes.run("run_scheduler", "--once", name="scheduler-back")
    assert "enqueued:" in output
    again = processes.run("run_scheduler", "--once", name="scheduler-again")
    assert "enqueued:" not in again
    for row in PeriodicDuty.objects.all():
        assert row.runs == 11, row.name
        assert row.next_run_at > real_now()
    for duty in scheduler_duties.DUTIES:
        if not duty.inline:
            assert DBTaskResult.objects.filter(task_path=duty.task_path).count() == 1, duty.name

    processes.run("run_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--worker-id", "batch", name="batch", timeout=120)
    # The sweep that was missed has run: the 督办 task that fell due while down is recorded.
    (incident,) = Incident.objects.filter(kind=IncidentKind.TASK_MISSED)
    assert SupervisionTask.objects.get(pk=commissioner_task.pk).incident == incident
    # And the meetings of the current periods were created.
    week = periods.period_containing(periods.WEEKLY, real_now().astimezone(NOW.tzinfo).date())
    if week.first_working_day() is not None:
        assert Meeting.objects.filter(kind=MeetingKind.CONSULTATION, period_start=week.start).exists()


@pytest.fixture
def commissioner_task(org, village_mediator):
    """A 督办 task whose deadline passed a week ago, never swept."""
    from jiefen.meetings.models import AttendanceStatus
    from jiefen.meetings.services import decision_create_task, meeting_record_minutes, meeting_schedule_period
    from jiefen.organisation.models import Person, Role

    from .conftest import _user

    commissioner = _user("zfwy", "政法委员己", (Role.POLITICAL_LEGAL_COMMISSIONER, org.centre, None))
    day = date(2026, 3, 9)
    meeting_schedule_period(today=day)
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION, period_start=day)
    me = Person.objects.get(user=commissioner)
    meeting_record_minutes(
        meeting_id=meeting.pk, actor=commissioner, attendance={me.pk: AttendanceStatus.PRESENT}, notes="会商", held_at=NOW
    )
    return decision_create_task(
        meeting_id=meeting.pk,
        actor=commissioner,
        decision="本周办结",
        title="本周办结",
        owner_unit=org.village_room,
        owner=village_mediator,
        working_days=3,
        today=day,
    )
