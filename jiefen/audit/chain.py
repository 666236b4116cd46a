"""The tamper-evident chain over case events.

Every case event gets a seal: HMAC-SHA256(key, previous seal ‖ canonical form of the event),
chained in the order the seals were written. Changing a sealed event, deleting it, or deleting
a seal breaks the chain at that point; recomputing the chain needs the key, which lives in the
environment (AUDIT_HMAC_KEY, else SECRET_KEY), not in the database.

Events are sealed a little after they are written (SEAL_DELAY) by one sealer at a time. Ids
are handed out when a row is inserted but become visible when its transaction commits, so an
event with a lower id can appear after a higher one has been sealed; chaining in seal order
rather than id order lets such an event simply be sealed on the next run.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jiefen.cases.models import CaseEvent

from .models import EventSeal

GENESIS = "0" * 64
SEAL_DELAY = timedelta(minutes=2)
# How far below the highest sealed id the sealer looks for events that committed late.
LATE_COMMIT_WINDOW = 50_000
BATCH = 2000
FIELDS = ("id", "case_id", "kind", "action", "actor_id", "at", "from_state", "to_state", "reason", "data")


def _key() -> bytes:
    return (getattr(settings, "AUDIT_HMAC_KEY", "") or settings.SECRET_KEY).encode()


def canonical(row: dict) -> bytes:
    at = row["at"].astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    values = [row["id"], row["case_id"], row["kind"], row["action"], row["actor_id"], at,
              row["from_state"], row["to_state"], row["reason"], row["data"]]
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link(previous: str, row: dict, key: bytes) -> str:
    return hmac.new(key, previous.encode() + canonical(row), hashlib.sha256).hexdigest()


def _lock_sealer():
    """One sealer at a time: a second scheduler or a manual run waits rather than forking the chain.
    (SQLite serialises writers already.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5EA1])


def events_seal(*, now=None) -> int:
    """Seal every event older than SEAL_DELAY that has no seal yet; returns how many."""
    cutoff = (now or timezone.now()) - SEAL_DELAY
    key = _key()
    sealed = 0
    while True:
        with transaction.atomic():
            _lock_sealer()
            head = EventSeal.objects.order_by("-id").values_list("chain_hash", flat=True).first() or GENESIS
            highest = EventSeal.objects.order_by("-event_id").values_list("event_id", flat=True).first() or 0
            rows = list(
                CaseEvent.objects.filter(id__gt=highest - LATE_COMMIT_WINDOW, at__lte=cutoff)
                .exclude(id__in=EventSeal.objects.filter(event_id__gt=highest - LATE_COMMIT_WINDOW).values("event_id"))
                .order_by("id")
                .values(*FIELDS)[:BATCH]
            )
            if not rows:
                return sealed
            seals = []
            for row in rows:
                head = link(head, row, key)
                seals.append(EventSeal(event_id=row["id"], chain_hash=head))
            EventSeal.objects.bulk_create(seals)
            sealed += len(seals)


@dataclass
class Verdict:
    checked: int = 0
    unsealed: int = 0
    broken_event_id: int | None = None
    problem: str = ""  # "altered", "deleted", or "" when the chain holds

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None


def events_verify(*, now=None) -> Verdict:
    """Walk the seals in order, recompute each link from its event, and stop at the first break."""
    key = _key()
    verdict = Verdict()
    previous = GENESIS
    seals = EventSeal.objects.order_by("id").values_list("event_id", "chain_hash").iterator(chunk_size=BATCH)
    while True:
        chunk = [seal for _i, seal in zip(range(BATCH), seals)]
        if not chunk:
            break
        events = {row["id"]: row for row in CaseEvent.objects.filter(id__in=[s[0] for s in chunk]).values(*FIELDS)}
        for event_id, chain_hash in chunk:
            row = events.get(event_id)
            if row is None:
                verdict.broken_event_id, verdict.problem = event_id, "deleted"
                return verdict
            if not hmac.compare_digest(link(previous, row, key), chain_hash):
                # Either this event was changed, or a seal before it was removed.
                verdict.broken_event_id, verdict.problem = event_id, "altered"
                return verdict
            previous = chain_hash
            verdict.checked += 1
    cutoff = (now or timezone.now()) - SEAL_DELAY
    verdict.unsealed = CaseEvent.objects.filter(at__lte=cutoff).count() - verdict.checked
    return verdict
