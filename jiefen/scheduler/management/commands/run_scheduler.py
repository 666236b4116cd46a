import os
import signal
import time

from django.core.management.base import BaseCommand

from jiefen.scheduler.duties import scheduler_tick


class Command(BaseCommand):
    help = "Enqueue periodic duties when their slot comes; safe to run on several machines at once."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between ticks (default 30).")
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")

    def handle(self, *args, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        claimer = f"{os.uname().nodename}:{os.getpid()}"
        while self.running:
            started = scheduler_tick(claimer=claimer)
            if started:
                self.stdout.write(f"enqueued: {', '.join(started)}")
            if options["once"]:
                break
            time.sleep(options["interval"])

    def _stop(self, *_args):
        self.running = False
