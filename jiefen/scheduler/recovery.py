"""Tasks left RUNNING by a worker that died, and the heartbeat that tells dead workers from busy ones.

What django-tasks-db does (0.13, read from its source): the worker takes the first READY task
with SELECT … FOR UPDATE SKIP LOCKED, and `DBTaskResult.claim` sets status=RUNNING, started_at
and appends the worker's id to `worker_ids`, then commits and runs the task. Only the worker
itself ever moves the row on (SUCCESSFUL or FAILED, even for an exception or a second Ctrl-C).
A worker killed with SIGKILL, out of memory or with its machine never gets there: the row
stays RUNNING for ever, and since workers only look for READY rows, the task never runs again.
There is no timeout, heartbeat or reaper in the package.

So `run_worker` (our wrapper of db_worker) keeps a WorkerHeartbeat row fresh from a thread of
its own, and `worker_tasks_recover` hands back to the queue (status READY) every RUNNING task
whose worker has stopped beating. It runs when a worker starts, every little while in each
worker's heartbeat thread, and as the scheduler's `worker_recovery` duty, so one surviving
process is enough. A task run by a process that does not beat (a plain `db_worker`) is taken
back only after JIEFEN_WORKER_ORPHAN_SECONDS (an hour by default). Taking a task back is a
compare-and-set on (status, started_at), so two recoverers never both re-queue it, and a task
that has already been tried JIEFEN_TASK_MAX_ATTEMPTS times is marked FAILED instead, so a task
that kills its worker every time cannot take the queue down with it. Re-running is safe
because every periodic duty is idempotent.
"""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

LOST_EXCEPTION = "jiefen.scheduler.recovery.WorkerLost"


class WorkerLost(Exception):
    """Recorded as a task's exception when its workers kept dying under it."""


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def heartbeat_seconds() -> float:
    return _number("JIEFEN_WORKER_HEARTBEAT_SECONDS", 10)


def stale_seconds() -> float:
    """A worker silent for this long is dead."""
    return _number("JIEFEN_WORKER_STALE_SECONDS", 60)


def orphan_seconds() -> float:
    """A task of a worker that never beat is taken back after running this long."""
    return _number("JIEFEN_WORKER_ORPHAN_SECONDS", 3600)


def max_attempts() -> int:
    return int(_number("JIEFEN_TASK_MAX_ATTEMPTS", 3))


def worker_tasks_recover(now=None, *, dead_worker_ids=()) -> dict:
    """Re-queue RUNNING tasks whose worker is gone; returns the ids re-queued and failed.

    `dead_worker_ids` names workers known to be dead whatever their heartbeat says: a worker
    restarting under a fixed id passes its own, since nothing can be running under it yet.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    dead = set(dead_worker_ids)
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "last_seen_at"))
    fresh_after = now - timedelta(seconds=stale_seconds())
    orphan_after = now - timedelta(seconds=orphan_seconds())
    requeued, failed = [], []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
        "id", "worker_ids", "started_at", "task_path"
    )
    for task_id, worker_ids, started_at, task_path in running:
        worker = worker_ids[-1] if worker_ids else ""
        if worker not in dead:
            if worker in beats:
                if beats[worker] >= fresh_after:
                    continue  # alive, however long the task takes
            elif started_at is not None and started_at >= orphan_after:
                continue  # a worker without heartbeat: give it the long timeout
        claimed = DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING, started_at=started_at)
        if len(worker_ids) >= max_attempts():
            done = claimed.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=LOST_EXCEPTION,
                traceback=f"{LOST_EXCEPTION}: the worker died during each of {len(worker_ids)} attempts ({', '.join(worker_ids)})\n",
            )
            if done:
                failed.append(str(task_id))
                logger.error("task %s (%s) failed: its worker died %d times", task_id, task_path, len(worker_ids))
        else:
            if claimed.update(status=TaskResultStatus.READY, started_at=None):
                requeued.append(str(task_id))
                logger.warning("task %s (%s) re-queued: worker %s is gone", task_id, task_path, worker or "?")
    # Rows of workers dead for a day have done their job.
    WorkerHeartbeat.objects.filter(last_seen_at__lt=now - timedelta(days=1)).delete()
    return {"requeued": requeued, "failed": failed}


def worker_recovery_duty() -> dict:
    """The scheduler's duty: run in the scheduler process itself, so it works when every
    worker is stuck or dead."""
    return worker_tasks_recover()


class Heartbeat:
    """Keeps a worker's WorkerHeartbeat row fresh, and re-queues the tasks of dead peers."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.thread = None

    def start(self):
        now = timezone.now()
        # Anything still RUNNING under this id belongs to a previous life of this worker.
        worker_tasks_recover(now, dead_worker_ids=[self.worker_id])
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:100], "pid": os.getpid(), "started_at": now, "last_seen_at": now},
        )
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{self.worker_id}", daemon=True)
        self.thread.start()

    def _run(self):
        interval = heartbeat_seconds()
        recover_every = max(stale_seconds() / 2, interval)
        last_recovery = time.monotonic()
        try:
            while not self.stopping.wait(interval):
                try:
                    close_old_connections()
                    now = timezone.now()
                    if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(last_seen_at=now):
                        WorkerHeartbeat.objects.create(
                            worker_id=self.worker_id,
                            hostname=socket.gethostname()[:100],
                            pid=os.getpid(),
                            started_at=now,
                            last_seen_at=now,
                        )
                    if time.monotonic() - last_recovery >= recover_every:
                        last_recovery = time.monotonic()
                        worker_tasks_recover(now)
                except Exception:  # noqa: BLE001 - a missed beat must not kill the worker
                    logger.exception("worker heartbeat failed")
        finally:
            connections.close_all()

    def stop(self):
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=heartbeat_seconds() + 5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:  # noqa: BLE001 - stopping anyway; the row goes stale on its own
            logger.exception("could not remove the heartbeat row")
