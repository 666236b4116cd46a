"""The background worker: django-tasks-db's db_worker, plus a heartbeat and the recovery of
tasks left RUNNING by workers that died (see jiefen/scheduler/recovery.py)."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from jiefen.scheduler.recovery import Heartbeat


class Command(DbWorkerCommand):
    help = (
        "Run a database background worker that beats a heartbeat, and on start-up and while it "
        "runs hands back to the queue the tasks of workers that died mid-task."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Reloading restarts the process under a task; a worker that keeps a heartbeat should
        # be restarted by whoever supervises it instead.
        parser.set_defaults(reload=False)

    def handle(self, *args, **options):
        if options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent only watches files; its child runs tasks and beats.
            return super().handle(*args, **options)
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop()
