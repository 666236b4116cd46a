"""Statistics snapshots: the figures of the interactive statistics pages, computed at most every
few minutes instead of on every page view.

`indicators.statistics()` aggregates every case in a scope; over a whole subdistrict's history
that is far slower than a page may take. The dashboard and the statistics tables therefore show
a snapshot (StatisticsSnapshot) of one view — visibility scope, period, filters, language:

- younger than STATISTICS_MAX_AGE: shown as is;
- older: shown as is (with the time it was computed) while one background task recomputes it;
- missing (the first visit of a view): computed by one background task while the page says
  so and looks again a few seconds later — over a province's cases the first computation takes
  seconds;
- the refresh button has one background task recompute it, at most once per
  STATISTICS_REFRESH_INTERVAL for everyone sharing it, while the page shows the figures it has.

With STATISTICS_IN_BACKGROUND off, first computations and the button compute in the request.

The `statistics_snapshots_warm` duty keeps the default view (this month, no filters) of each
subdistrict's whole scope fresh, so a leader's first visit of the day is instant.

Written reports, the downloads and the API compute directly: they must be exact.

Who shares a snapshot: the key holds the SQL and parameters of `statistics_cases(user)` (the
one visibility rule, compiled), so two users share one only when that rule gives them exactly
the same cases — a village mediator never reads a leader's figures, whatever their names.
Labels and charts are in the language they were computed in, so the language is in the key.
"""

import functools
import hashlib
import logging
import pickle
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language

from jiefen.organisation.selectors import UserScope

from . import charts
from . import indicators as ind
from .access import sees_whole_subdistrict, statistics_cases
from .models import StatisticsSnapshot
from .periods import MONTH, Period, parse_period, period_containing

logger = logging.getLogger(__name__)

MONTHS = 12  # months of the trend on both pages

# Part of every key: a change to the shape of what is pickled makes new keys instead of
# unpickling old rows into objects without the new fields. Bump VERSION for changes of meaning.
VERSION = 1
_SHAPE = repr(
    [
        (cls.__name__, [f.name for f in fields(cls)])
        for cls in (ind.Statistics, ind.Summary, ind.Figures, ind.TrendPoint, ind.HotspotRow, ind.Hotspots, ind.Filters, Period)
    ]
)
FORMAT = f"{VERSION}:{hashlib.sha256(_SHAPE.encode()).hexdigest()[:16]}"

# The charts of both pages: name -> (chart, the figures it shows). A page view draws those of
# its page missing from the snapshot (and stores them); a background refresh draws them all.
CHARTS = {
    "rates": (charts.rates, lambda stats: stats.summary),
    "trend": (charts.monthly_trend, lambda stats: stats.trend),
    "types": (charts.type_distribution, lambda stats: stats.by_type),
    "villages": (charts.village_volumes, lambda stats: stats.by_village),
    "channels": (charts.channel_distribution, lambda stats: stats.by_channel),
    "tiers": (charts.tier_distribution, lambda stats: stats.by_tier),
}
PAGE_CHARTS = {
    "dashboard": ("rates", "trend", "types", "villages"),
    "statistics": ("channels", "tiers"),
}


def max_age() -> timedelta:
    return timedelta(seconds=settings.STATISTICS_MAX_AGE)


def refresh_interval() -> timedelta:
    return timedelta(seconds=settings.STATISTICS_REFRESH_INTERVAL)


# A background refresh not finished by then (its worker died) may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=10)
# Snapshots nobody read, and the warm duty did not keep, go after this long.
KEEP = timedelta(days=2)


@dataclass
class SnapshotData:
    stats: ind.Statistics
    charts: dict


@dataclass
class Snapshot:
    key: str
    stats: ind.Statistics
    charts: dict
    computed_at: datetime
    stale: bool
    # A background task is recomputing the figures (stale, or the refresh button was pressed).
    refreshing: bool = False


class ScopeHolder:
    """Stands for a user of a given scope in the visibility rule, for work done without the
    user: a background refresh, the warm duty. `user_scope()` reads the scope it carries."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, scope: UserScope, pk=None):
        self._jiefen_scope = scope
        self.is_superuser = scope.is_superuser
        self.pk = self.id = pk

    def as_args(self) -> dict:
        scope = self._jiefen_scope
        return {
            "pk": self.pk,
            **{
                f.name: sorted(value, key=str) if isinstance(value, frozenset) else value
                for f in fields(UserScope)
                for value in [getattr(scope, f.name)]
            },
        }

    @classmethod
    def from_args(cls, args: dict) -> "ScopeHolder":
        args = dict(args)
        pk = args.pop("pk")
        scope = UserScope(**{name: frozenset(value) if isinstance(value, list) else value for name, value in args.items()})
        return cls(scope, pk)

    @classmethod
    def of(cls, user) -> "ScopeHolder":
        from jiefen.organisation.selectors import user_scope

        return cls(user_scope(user), user.pk)


@dataclass(frozen=True)
class View:
    """One set of figures: whose cases, which period, which filters, in which language."""

    holder: ScopeHolder
    period: Period
    filters: ind.Filters
    language: str

    @classmethod
    def of(cls, user, period, filters) -> "View":
        return cls(ScopeHolder.of(user), period, filters, get_language() or settings.LANGUAGE_CODE)

    def as_args(self) -> dict:
        """The view as JSON, for a task."""
        return {
            "holder": self.holder.as_args(),
            "period": self.period.code,
            "filters": {f.name: list(getattr(self.filters, f.name)) for f in fields(ind.Filters)},
            "language": self.language,
        }

    @classmethod
    def from_args(cls, args: dict) -> "View":
        return cls(
            ScopeHolder.from_args(args["holder"]),
            parse_period(args["period"]),
            ind.Filters(**{name: tuple(value) for name, value in args["filters"].items()}),
            args["language"],
        )

    @property
    def whole_subdistrict(self) -> bool:
        return sees_whole_subdistrict(self.holder)

    def cases(self):
        return statistics_cases(self.holder)

    @property
    def key(self) -> str:
        parts = (FORMAT, _scope_sql(self.holder), self.whole_subdistrict, self.period, self.filters, MONTHS, self.language)
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def compute(self, chart_names=tuple(CHARTS)) -> SnapshotData:
        with translation.override(self.language):
            stats = ind.statistics(self.cases(), self.period, self.filters, months=MONTHS, all_villages=self.whole_subdistrict)
        return SnapshotData(stats, self.draw(stats, chart_names))

    def draw(self, stats, chart_names) -> dict:
        # svg_cached: a refresh whose figures did not change does not draw them again.
        with translation.override(self.language):
            return {name: str(charts.svg_cached(CHARTS[name][0], CHARTS[name][1](stats))) for name in chart_names}


def _scope_sql(holder: ScopeHolder) -> tuple[str, tuple]:
    """The compiled visibility rule of a scope: equal for two scopes exactly when they see
    the same cases (the same sets listed in another order only make another key)."""
    return _compiled_scope(holder._jiefen_scope, holder.pk)


@functools.lru_cache(maxsize=1024)
def _compiled_scope(scope: UserScope, pk) -> tuple[str, tuple]:
    # Remembered per process: compiling the query costs about as much as serving the page.
    try:
        sql, params = statistics_cases(ScopeHolder(scope, pk)).query.sql_with_params()
    except EmptyResultSet:  # a scope with no cases at all
        return "", ()
    return sql, tuple(map(str, params))


# Payloads are pickles, so each carries a MAC under SECRET_KEY and is unpickled only when it
# verifies: write access to the database alone must not become code execution in the web
# processes. A changed SECRET_KEY makes every snapshot unreadable, i.e. recomputed.
PAYLOAD_SALT = "jiefen.reports.snapshots.payload"
MAC_BYTES = 32


def _mac(body: bytes) -> bytes:
    return salted_hmac(PAYLOAD_SALT, body, algorithm="sha256").digest()


def _load(row) -> SnapshotData | None:
    raw = bytes(row["payload"])
    mac, body = raw[:MAC_BYTES], raw[MAC_BYTES:]
    if not constant_time_compare(mac, _mac(body)):
        logger.warning("statistics snapshot %s fails its integrity check; recomputing", row["key"])
        return None
    try:
        return pickle.loads(body)
    except Exception:  # noqa: BLE001 - an unreadable row is recomputed, never shown
        logger.warning("unreadable statistics snapshot %s", row["key"], exc_info=True)
        return None


def _dump(data: SnapshotData) -> bytes:
    body = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    return _mac(body) + body


def _store(key: str, data: SnapshotData, computed_at: datetime) -> None:
    payload = _dump(data)
    StatisticsSnapshot.objects.bulk_create(
        [StatisticsSnapshot(key=key, computed_at=computed_at, refresh_claimed_at=None, payload=payload)],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["computed_at", "refresh_claimed_at", "payload"],
    )


def snapshot_compute(view: View, key: str | None = None, chart_names=tuple(CHARTS)) -> Snapshot:
    """Compute the figures of `view` now, with the charts named, and store them."""
    key = key or view.key
    computed_at = timezone.now()
    data = view.compute(chart_names)
    _store(key, data, computed_at)
    return Snapshot(key, data.stats, data.charts, computed_at, stale=False)


def _claim(key: str, now: datetime, *, computed_before: datetime) -> bool:
    """True for exactly one of any number of concurrent callers: whoever recomputes the row."""
    claimed = (
        StatisticsSnapshot.objects.filter(key=key, computed_at__lt=computed_before)
        .filter(Q(refresh_claimed_at__isnull=True) | Q(refresh_claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(refresh_claimed_at=now)
    )
    return claimed == 1


# computed_at of the row a first computation is claimed on, before it has any figures.
PENDING_SINCE = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)


def snapshot_get(view: View, page: str) -> Snapshot | None:
    """The figures of `view` to show on `page` now: the stored snapshot (a stale one starts one
    background refresh); when there is none, None while one background task computes it (or,
    with STATISTICS_IN_BACKGROUND off, computed now)."""
    key = view.key
    row = StatisticsSnapshot.objects.filter(key=key).values("key", "computed_at", "refresh_claimed_at", "payload").first()
    data = _load(row) if row and row["payload"] else None
    if data is None:
        if not settings.STATISTICS_IN_BACKGROUND:
            return snapshot_compute(view, key, PAGE_CHARTS[page])
        _start_first_computation(view, key, row)
        return None
    missing = [name for name in PAGE_CHARTS[page] if name not in data.charts]
    if missing:
        data.charts.update(view.draw(data.stats, missing))
        # Only onto the version they were drawn from: a refresh stored meanwhile wins.
        StatisticsSnapshot.objects.filter(key=key, computed_at=row["computed_at"]).update(
            payload=_dump(data)
        )
    now = timezone.now()
    stale = row["computed_at"] < now - max_age()
    # Whether someone is on it is read first: the claim is a write, which on SQLite waits for
    # the database's one writer.
    claimed = row["refresh_claimed_at"] is not None and row["refresh_claimed_at"] >= now - CLAIM_TIMEOUT
    if stale and not claimed and _claim(key, now, computed_before=now - max_age()):
        from .tasks import statistics_snapshot_refresh_task

        statistics_snapshot_refresh_task.enqueue(key, view.as_args())
        claimed = True
    return Snapshot(key, data.stats, data.charts, row["computed_at"], stale=stale, refreshing=claimed)


def _start_first_computation(view: View, key: str, row) -> None:
    """Have one background task compute figures nobody has yet (or whose row is unreadable),
    however many readers ask at once: they all claim the row they found; one wins."""
    from .tasks import statistics_snapshot_refresh_task

    now = timezone.now()
    if row is None:
        StatisticsSnapshot.objects.bulk_create(
            [StatisticsSnapshot(key=key, computed_at=PENDING_SINCE, refresh_claimed_at=None, payload=b"")],
            ignore_conflicts=True,
        )
        seen = PENDING_SINCE
    else:
        if row["refresh_claimed_at"] is not None and row["refresh_claimed_at"] >= now - CLAIM_TIMEOUT:
            return  # on its way
        seen = row["computed_at"]
    claimed = (
        StatisticsSnapshot.objects.filter(key=key, computed_at=seen)
        .filter(Q(refresh_claimed_at__isnull=True) | Q(refresh_claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(refresh_claimed_at=now)
    )
    if claimed == 1:
        statistics_snapshot_refresh_task.enqueue(key, view.as_args())


REFRESH_QUEUED, REFRESH_COMPUTED, REFRESH_TOO_SOON = "queued", "computed", "too_soon"


def snapshot_refresh(view: View, page: str) -> str:
    """Have the figures of `view` recomputed (the refresh button): REFRESH_QUEUED when a
    background task will (STATISTICS_IN_BACKGROUND), REFRESH_COMPUTED when done in the request,
    REFRESH_TOO_SOON when they were computed less than STATISTICS_REFRESH_INTERVAL ago or are
    being recomputed. Over a province's cases a computation takes seconds: a leader pressing
    the button should not hold a web worker, or wait, for that long."""
    from .tasks import statistics_snapshot_refresh_task

    key = view.key
    row = StatisticsSnapshot.objects.filter(key=key).values("key", "computed_at", "refresh_claimed_at").first()
    if row is None and settings.STATISTICS_IN_BACKGROUND:
        _start_first_computation(view, key, None)
        return REFRESH_QUEUED
    now = timezone.now()
    if row is not None and not _claim(key, now, computed_before=now - refresh_interval()):
        return REFRESH_TOO_SOON
    if settings.STATISTICS_IN_BACKGROUND:
        statistics_snapshot_refresh_task.enqueue(key, view.as_args())
        return REFRESH_QUEUED
    snapshot_compute(view, key, PAGE_CHARTS[page])
    return REFRESH_COMPUTED


def subdistrict_default_views(today=None) -> list[View]:
    """The default view of each subdistrict's whole scope (its leaders and centre staff), in
    the default language."""
    from jiefen.organisation.models import Area, AreaKind

    period = period_containing(MONTH, today or timezone.localdate())
    return [
        View(ScopeHolder(UserScope(leader_subdistrict_ids=frozenset({pk}))), period, ind.NO_FILTERS, settings.LANGUAGE_CODE)
        for pk in Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("pk").values_list("pk", flat=True)
    ]


def statistics_snapshots_warm() -> list[str]:
    """Recompute the default view of every subdistrict whose snapshot is missing or older
    than STATISTICS_MAX_AGE, and drop snapshots nobody has read for KEEP; the keys computed."""
    now = timezone.now()
    # (A first computation's row keeps its claim until its task stores the figures.)
    StatisticsSnapshot.objects.filter(computed_at__lt=now - KEEP).exclude(refresh_claimed_at__gte=now - CLAIM_TIMEOUT).delete()
    computed = []
    for view in subdistrict_default_views():
        key = view.key
        fresh = StatisticsSnapshot.objects.filter(key=key, computed_at__gte=now - max_age()).exists()
        if not fresh:
            snapshot_compute(view, key)
            computed.append(key)
    return computed

