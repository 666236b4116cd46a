from datetime import date

from django.core.management.base import BaseCommand

from jiefen.cases.deadlines import deadlines_sweep


class Command(BaseCommand):
    help = "Mark overdue cases, record 不到位 incidents and send due-soon and overdue reminders."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=date.fromisoformat, help="Sweep as of this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        counts = deadlines_sweep(options.get("today"))
        self.stdout.write(", ".join(f"{key}={value}" for key, value in counts.items()))
