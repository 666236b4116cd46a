from django.core.management.base import BaseCommand

from jiefen.notifications.delivery import BATCH, outbox_deliver


class Command(BaseCommand):
    help = "Send the email and webhook deliveries that are due now (the scheduler does this every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help=f"Rows per round (default {BATCH}).")
        parser.add_argument("--until-empty", action="store_true", help="Keep going while full batches come back.")

    def handle(self, *args, **options):
        total = {"claimed": 0, "sent": 0, "retry": 0, "dead": 0}
        while True:
            counts = outbox_deliver(options["batch"])
            for key in total:
                total[key] += counts[key]
            if not options["until_empty"] or counts["claimed"] < options["batch"]:
                break
        self.stdout.write(" ".join(f"{key}={value}" for key, value in total.items()))
