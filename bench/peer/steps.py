"""Peer-side steps, run with the peer's own interpreter from bench/peer/ (one per invocation):

    var/bench/peer-venv/bin/python steps.py STEP [ARGS]     (prints one JSON object)
"""

import json
import os
import random
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 5000


def step_populate(count, password):
    """A staff user, one queue that escalates after a day, and `count` tickets over three years
    with two follow-ups each; about one in seven still open, as in the cases beside it."""
    from helpdesk.models import FollowUp, Queue, Ticket

    started = time.perf_counter()
    User = get_user_model()
    staff, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.org"})
    staff.set_password(password)
    staff.save()
    queue, _ = Queue.objects.get_or_create(slug="disputes", defaults={"title": "Disputes", "escalate_days": 1, "allow_public_submission": True})
    rng = random.Random(7)
    now = timezone.now()
    # Keep the historical dates given below: auto_now(_add) would stamp every ticket "now", and
    # nothing would be old enough to escalate.
    Ticket._meta.get_field("created").auto_now_add = False
    Ticket._meta.get_field("modified").auto_now = False
    statuses = [(Ticket.OPEN_STATUS, 12), (Ticket.REOPENED_STATUS, 2), (Ticket.RESOLVED_STATUS, 20), (Ticket.CLOSED_STATUS, 64), (Ticket.DUPLICATE_STATUS, 2)]
    ages = sorted((rng.random() * 3 * 365 for _ in range(int(count))), reverse=True)
    for start in range(0, len(ages), BATCH):
        tickets = []
        for age in ages[start : start + BATCH]:
            created = now - timedelta(days=age)
            tickets.append(Ticket(
                title=f"Neighbour dispute {rng.randrange(10**6)}", queue=queue, created=created, modified=created,
                submitter_email=f"party{rng.randrange(10**5)}@example.org", assigned_to=staff,
                status=rng.choices([s for s, _w in statuses], weights=[w for _s, w in statuses])[0],
                description="Two households argue about a blocked drain (synthetic benchmark data).",
                priority=rng.choice([2, 3, 3, 3, 4, 5]),
            ))
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets)
            FollowUp.objects.bulk_create(
                FollowUp(ticket=t, date=t.created + timedelta(hours=h), title=title, comment="Called both parties.", public=True, user=staff)
                for t in tickets for h, title in ((0, "Ticket Opened"), (30, "Comment"))
            )
    return {"tickets": Ticket.objects.count(), "seconds": round(time.perf_counter() - started, 1), "queue": queue.id}


def step_staff_query():
    """The base64 query the staff ticket list hands its datatables JSON endpoint by default."""
    from helpdesk.query import query_to_base64

    return {"query": query_to_base64({"filtering": {"status__in": [1, 2]}, "filtering_null": {}, "sorting": "created", "search_string": "", "sortreverse": False})}


def step_escalate():
    """Time `manage.py escalate_tickets` over every open ticket due for escalation."""
    from django.core.management import call_command

    from helpdesk.models import Ticket

    open_tickets = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).count()
    started = time.perf_counter()
    call_command("escalate_tickets", stdout=open(os.devnull, "w"))
    seconds = time.perf_counter() - started
    escalated = Ticket.objects.filter(last_escalation__isnull=False).count()
    return {"seconds": round(seconds, 3), "tickets": escalated, "open_tickets": open_tickets,
            "tickets_per_s": round(escalated / seconds, 1) if seconds else None}


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(globals()[f"step_{name}"](*args), default=str))
