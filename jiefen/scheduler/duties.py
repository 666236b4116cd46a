"""Periodic duties and the compare-and-set claim that lets several schedulers share them."""

import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import PeriodicDuty

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duty:
    name: str
    interval: timedelta
    task_path: str  # dotted path of a django-tasks task (of a plain function when inline)
    # Run in the scheduler process instead of by a worker: for duties that must work when the
    # workers are dead or stuck (recovering their tasks), and that take a moment.
    inline: bool = False

    def enqueue(self):
        from django.utils.module_loading import import_string

        return import_string(self.task_path).enqueue()

    def start(self):
        if self.inline:
            from django.utils.module_loading import import_string

            try:
                return import_string(self.task_path)()
            except Exception:  # noqa: BLE001 - one failing duty must not stop the scheduler
                logger.exception("inline duty %s failed", self.name)
                return None
        return self.enqueue()


DUTIES = [
    Duty("deadline_sweep", timedelta(hours=1), "jiefen.cases.tasks.deadlines_sweep_task"),
    # Agreement items: reminders before they fall due, overdue marks and incidents (Art. 31).
    Duty("performance_sweep", timedelta(days=1), "jiefen.mediation.tasks.performance_sweep_task"),
    # The meetings of the current periods (idempotent; hourly, so a new week's 会商 exists
    # within the hour of Monday starting), and missed or due-soon 督办 tasks.
    Duty("meetings_schedule", timedelta(hours=1), "jiefen.meetings.tasks.meetings_schedule_task"),
    Duty("tasks_sweep", timedelta(hours=1), "jiefen.meetings.tasks.tasks_sweep_task"),
    # Written reports due on the first working day after their period (weekly … annual); the
    # check is a few queries, hourly so a report is there early on its due day; idempotent.
    Duty("reports_due", timedelta(hours=1), "jiefen.reports.tasks.reports_produce_due_task"),
    # The default dashboard of each subdistrict recomputed once older than STATISTICS_MAX_AGE,
    # so a leader's first look is served from a snapshot (jiefen/reports/snapshots.py).
    Duty("statistics_warm", timedelta(minutes=5), "jiefen.reports.tasks.statistics_snapshots_warm_task"),
    # Tasks left RUNNING by a worker that died go back to the queue.
    Duty("worker_recovery", timedelta(minutes=1), "jiefen.scheduler.recovery.worker_recovery_duty", inline=True),
    # Email and webhook deliveries of notifications, retried with back-off (a worker sends them:
    # a receiver that hangs must not hold up the scheduler).
    Duty("outbox_deliver", timedelta(minutes=1), "jiefen.notifications.tasks.outbox_deliver_task"),
    # New case events join the tamper-evident hash chain (audit_verify checks it).
    Duty("events_seal", timedelta(minutes=1), "jiefen.audit.tasks.events_seal_task"),
    Duty("outbox_purge", timedelta(days=1), "jiefen.notifications.tasks.outbox_purge_task"),
]


def duty_claim(duty: Duty, now: datetime, *, claimer: str = "") -> bool:
    """Claim the due slot of `duty`; True for exactly one of any number of concurrent callers.

    A slot missed while everything was down is due on the next tick, and run once, not once
    per missed interval: the next slot is counted from now.
    """
    claimer = claimer or socket.gethostname()
    try:
        with transaction.atomic():
            PeriodicDuty.objects.get_or_create(name=duty.name, defaults={"next_run_at": now})
    except IntegrityError:
        pass
    row = PeriodicDuty.objects.filter(name=duty.name).values("next_run_at").first()
    if row is None or row["next_run_at"] > now:
        return False
    claimed = PeriodicDuty.objects.filter(name=duty.name, next_run_at=row["next_run_at"]).update(
        next_run_at=now + duty.interval, last_claimed_at=now, last_claimed_by=claimer[:100], runs=F("runs") + 1
    )
    return claimed == 1


def scheduler_tick(now: datetime | None = None, *, claimer: str = "") -> list[str]:
    """Enqueue every duty whose slot this scheduler wins; returns their names."""
    now = now or timezone.now()
    started = []
    for duty in DUTIES:
        if duty_claim(duty, now, claimer=claimer):
            duty.start()
            started.append(duty.name)
            logger.info("duty %s enqueued", duty.name)
    return started
