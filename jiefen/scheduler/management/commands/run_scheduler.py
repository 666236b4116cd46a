import os
import signal
import threading

from django.core.management.base import BaseCommand

from jiefen.scheduler.duties import scheduler_tick


class Command(BaseCommand):
    help = "Enqueue periodic duties when their slot comes; safe to run on several machines at once."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between ticks (default 30).")
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")

    def handle(self, *args, **options):
        self.stopping = threading.Event()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        claimer = f"{os.uname().nodename}:{os.getpid()}"
        while not self.stopping.is_set():
            started = scheduler_tick(claimer=claimer)
            if started:
                self.stdout.write(f"enqueued: {', '.join(started)}")
            if options["once"]:
                break
            # An Event wait, unlike sleep, ends as soon as a stop signal arrives.
            self.stopping.wait(options["interval"])

    def _stop(self, *_args):
        self.stopping.set()
