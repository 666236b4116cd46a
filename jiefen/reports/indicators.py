"""The indicators of DESIGN §9, defined once. Every screen, written report and export asks this
module, so no two places can disagree about a figure.

How to call it
--------------
Start from the cases the reader may see — ``cases_visible_to(user)`` for a person,
``subdistrict_cases(area)`` for a report run by the scheduler — narrow them with ``Filters``
(village, unit, dispute type, channel, tier) and ask for a ``Period`` (jiefen.reports.periods):

    stats = statistics(cases_visible_to(user), parse_period("2026-10"), Filters.of(village=v))
    stats.summary.success_rate.percent        # "85.7%" or "—"
    stats.by_village                          # rows with volumes beside rates
    stats.trend                               # one point per month

``summary``, ``breakdown``, ``monthly_trend`` and ``hotspots`` can also be called on their own.
Each runs a fixed number of aggregate (GROUP BY) queries whatever the number of cases (a
summary 4, a breakdown 4–5, ``statistics`` about 18: it measures once, grouped by every
breakdown column, and rolls the rows up); nothing loops over cases in Python. Each query reads
index ranges of the period's dates, so its cost follows the cases of the period and the open
backlog, not all cases ever registered — except the count of agreements due by the period
end, cumulative by definition (a plain count; whether each was performed is checked only for
the few that can still be unperformed then).

Definitions (all dates are Asia/Shanghai local dates; "in the period" = the local date of the
moment lies in [period.start, period.end])
--------------------------------------------------------------------------------------------
新登记 new cases           cases registered in the period (Case.created_at).
排查发现 found by screening  new cases whose channel is 网格排查.
排查户数 screened households from screening campaigns; None ("—", 暂无排查活动数据) until an app
                           registers a counter with ``register_counter("screened_households", f)``.
达成协议 agreements         ``reach_agreement`` transitions in the period.
调解终止 terminations       ``terminate`` transitions in the period. A case ended at one tier,
                           escalated and ended again counts once per mediation concluded.
调解成功率 success rate      agreements ÷ (agreements + terminations).
协议履行率 performance rate  agreements fully performed ÷ agreements whose performance date
                           (Case.performance_due: the latest item's due date) falls on or before
                           the period end. "Fully performed" = every item of the effective
                           agreement performed (PerformanceItem.performed_on) on or before the
                           period end; for a case without agreement items, the
                           ``confirm_performed`` transition before the period ended. Judged as
                           of the period end and cumulative: every agreement due by then
                           counts, not only those due within the period. One agreement per
                           case (a case has at most one effective agreement). The mediation
                           app's ``agreement_performance_rate(cases, as_of=d)`` is this rate
                           as of the day before d (see tests/test_indicators.py).
办结 closed                 ``archive`` in the period (Case.closed_at).
按期办结率 on-time rate      closed with Case.closed_within_limits ÷ closed (stamped at archive:
                           no missed-limit incident, not overdue).
矛盾不上交率 not-handed-up   closed with Case.closed_inside_subdistrict ÷ closed (stamped at
                           archive: the case did not leave the subdistrict by 上交).
民转刑防范 criminal prevented agreements in the period on cases flagged 民转刑风险.
群体性化解 group prevented   agreements in the period on cases flagged 群体性.
司法确认 confirmations      judicial confirmations with outcome 确认有效 decided in the period.
协议涉及金额 amount          Σ amount in dispute of cases reaching agreement in the period.
不到位 incidents            incidents detected in the period on these cases, voided ones left out.
三色牌 cards                None until the assessment app registers a counter ("cards").
在办 open at end            cases registered before the period ended and not archived by then.

Rates are ``Rate(numerator, denominator)``; ``value`` is None when the denominator is 0 and the
display is "—": a rate is never computed by dividing by zero.

Cases imported from historical ledgers (Case.imported) carry their original dates on the case
(created_at, concluded_at, closed_at, performance_due) and no lifecycle events; for them an
agreement or termination is read from Case.concluded_at and Case.agreement_form, and
performance from closed_at (an archived agreed case has been performed). Everything else is the
same rule.

Breakdowns attribute a case to its *current* village, dispute type, channel, tier and unit
(incidents to the unit they were recorded against).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Sum, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.cases.models import Case, CaseEvent, CaseState, Channel, DisputeType, EventKind, Tier
from jiefen.organisation.models import Area, AreaKind, Unit

from .periods import Period, make_period, months_ending

DASH = "—"

AGREE = "reach_agreement"
TERMINATE = "terminate"
PERFORMED = "confirm_performed"


# ---------------------------------------------------------------- rates


@dataclass(frozen=True)
class Rate:
    """numerator ÷ denominator; None (shown "—") when there is nothing to divide by."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> str:
        return format_rate(self.value)

    @property
    def fraction(self) -> str:
        """"12/14" — the volumes a rate stands on, shown beside it."""
        return f"{self.numerator}/{self.denominator}"

    def __str__(self):
        return self.percent


def format_rate(value: float | None, digits: int = 1) -> str:
    if value is None:
        return DASH
    return f"{value * 100:.{digits}f}%"


def format_count(value) -> str:
    return DASH if value is None else str(value)


def format_amount(value) -> str:
    """Yuan with thousands separators: 1,234,567.00 元 → "1,234,567.00"; None → "—"."""
    if value is None:
        return DASH
    return f"{Decimal(value):,.2f}"


# ---------------------------------------------------------------- filters


def _ids(value) -> tuple:
    if value is None or value == "":
        return ()
    if isinstance(value, (str, int)) or hasattr(value, "pk"):
        value = [value]
    return tuple(sorted({getattr(item, "pk", item) for item in value if item not in (None, "")}, key=str))


@dataclass(frozen=True)
class Filters:
    """What to narrow the cases to; an empty tuple means "all". Values are ids (or codes for
    channels, numbers for tiers); ``Filters.of`` also takes model instances and single values."""

    village_ids: tuple = ()
    unit_ids: tuple = ()
    dispute_type_ids: tuple = ()
    channels: tuple = ()
    tiers: tuple = ()

    @classmethod
    def of(cls, *, village=None, unit=None, dispute_type=None, channel=None, tier=None) -> Filters:
        return cls(
            village_ids=tuple(int(v) for v in _ids(village)),
            unit_ids=tuple(int(v) for v in _ids(unit)),
            dispute_type_ids=tuple(int(v) for v in _ids(dispute_type)),
            channels=tuple(str(v) for v in _ids(channel)),
            tiers=tuple(int(v) for v in _ids(tier)),
        )

    @property
    def agreement_amount_display(self) -> str:
        return format_amount(self.agreement_amount)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def q(self, prefix: str = "") -> Q:
        condition = Q()
        for name, lookup in (
            ("village_ids", "village_id__in"),
            ("unit_ids", "assigned_unit_id__in"),
            ("dispute_type_ids", "dispute_type_id__in"),
            ("channels", "channel__in"),
            ("tiers", "tier__in"),
        ):
            values = getattr(self, name)
            if values:
                condition &= Q(**{prefix + lookup: list(values)})
        return condition

    def apply(self, cases: QuerySet) -> QuerySet:
        return cases.filter(self.q()) if not self.is_empty else cases

    def describe(self) -> list[tuple[str, str]]:
        """(label, values) pairs for a title line: [("村(社区)", "东村、西村"), …]; one query per kind used."""
        parts = []
        if self.village_ids:
            names = Area.objects.filter(pk__in=self.village_ids).order_by("sort_order", "id").values_list("name", flat=True)
            parts.append((_("村(社区)"), "、".join(names)))
        if self.unit_ids:
            names = Unit.objects.filter(pk__in=self.unit_ids).values_list("name", flat=True)
            parts.append((_("承办单位"), "、".join(names)))
        if self.dispute_type_ids:
            names = DisputeType.objects.filter(pk__in=self.dispute_type_ids).values_list("name", flat=True)
            parts.append((_("纠纷类型"), "、".join(names)))
        if self.channels:
            parts.append((_("来源渠道"), "、".join(_choice_label(Channel, c) for c in self.channels)))
        if self.tiers:
            parts.append((_("调处层级"), "、".join(_choice_label(Tier, t) for t in self.tiers)))
        return parts


NO_FILTERS = Filters()


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    """The volumes of one group (a village, a type …) or of everything; rates are derived."""

    key: Any = None
    label: str = ""
    new_cases: int = 0
    screening_found: int = 0
    agreements: int = 0
    terminations: int = 0
    performance_due: int = 0
    performed: int = 0
    closed: int = 0
    closed_within_limits: int = 0
    closed_inside: int = 0
    criminal_prevented: int = 0
    group_prevented: int = 0
    judicial_confirmations: int = 0
    agreement_amount: Decimal = field(default_factory=lambda: Decimal("0"))
    incidents: int = 0
    open_at_end: int = 0

    @property
    def concluded(self) -> int:
        return self.agreements + self.terminations

    @property
    def success_rate(self) -> Rate:
        return Rate(self.agreements, self.concluded)

    @property
    def performance_rate(self) -> Rate:
        return Rate(self.performed, self.performance_due)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.closed_within_limits, self.closed)

    @property
    def not_handed_up_rate(self) -> Rate:
        return Rate(self.closed_inside, self.closed)

    @property
    def agreement_amount_display(self) -> str:
        return format_amount(self.agreement_amount)

    @property
    def is_empty(self) -> bool:
        return not any(
            getattr(self, name) for name in COUNT_FIELDS if name != "agreement_amount"
        ) and not self.agreement_amount


COUNT_FIELDS = tuple(f.name for f in fields(Figures) if f.name not in ("key", "label"))


@dataclass
class Summary(Figures):
    """The headline figures of a period, with the counts that only exist for the whole."""

    period: Period | None = None
    filters: Filters = NO_FILTERS
    screened_households: int | None = None
    cards: int | None = None

    @property
    def screened_households_display(self) -> str:
        return format_count(self.screened_households)


# Counts that other apps provide when they exist: name -> f(cases, period) -> int.
# Until then the figure is None and shown as "—" (never a made-up number).
COUNTERS: dict[str, Callable[[QuerySet, Period], int]] = {}
COUNTER_NOTES = {
    "screened_households": gettext_lazy("暂无排查活动数据"),
    "cards": gettext_lazy("暂无三色牌数据"),
}


def register_counter(name: str, counter: Callable[[QuerySet, Period], int]) -> None:
    """Let an app supply a count this module cannot compute from cases (screened households
    from screening campaigns, warning cards from the assessment)."""
    if name not in COUNTER_NOTES:
        raise KeyError(name)
    COUNTERS[name] = counter


# ---------------------------------------------------------------- groupings

# Group key -> the Case field it reads.
GROUPS = {
    "dispute_type": "dispute_type_id",
    "village": "village_id",
    "channel": "channel",
    "tier": "tier",
    "unit": "assigned_unit_id",
    "state": "state",
}
GROUP_LABELS = {
    "dispute_type": gettext_lazy("纠纷类型"),
    "village": gettext_lazy("村(社区)"),
    "channel": gettext_lazy("来源渠道"),
    "tier": gettext_lazy("调处层级"),
    "unit": gettext_lazy("承办单位"),
    "state": gettext_lazy("状态"),
}

NEW = "new"
OUTCOMES = "outcomes"
CLOSURES = "closures"
PERFORMANCE = "performance"
CONFIRMATIONS = "confirmations"
INCIDENTS = "incidents"
OPEN = "open"
ALL_MEASURES = (NEW, OUTCOMES, CLOSURES, PERFORMANCE, CONFIRMATIONS, INCIDENTS, OPEN)
# A case's current state says nothing about when it was concluded or closed.
STATE_MEASURES = (NEW, OPEN)


def _as_period(period) -> Period:
    if isinstance(period, Period):
        return period
    start, end = period
    return make_period(start, end)


# Which figures each measure yields, so a roll-up can keep only the measures asked for.
MEASURE_FIGURES = {
    NEW: ("new_cases", "screening_found"),
    OUTCOMES: ("agreements", "terminations", "criminal_prevented", "group_prevented", "agreement_amount"),
    CLOSURES: ("closed", "closed_within_limits", "closed_inside"),
    PERFORMANCE: ("performance_due", "performed"),
    CONFIRMATIONS: ("judicial_confirmations",),
    INCIDENTS: ("incidents",),
    OPEN: ("open_at_end",),
}
# statistics() measures once grouped by every column at the same time and rolls the rows up.
# (The state, counted for new and open cases only, is measured on its own: it would multiply
# the combinations of the other columns.)
ALL_COLUMNS = tuple(GROUPS[name] for name in ("dispute_type", "village", "channel", "tier", "unit"))


@dataclass
class Measured:
    """Figures per value of each of `columns` and in total, summed as the rows of the grouped
    queries (one per combination of `columns` values) are added; incidents also per the unit
    they were recorded against: (key, unit id, n).

    Every roll-up a statistics() call needs (the total and one per column) is summed in the one
    pass that adds the rows: at a million cases the queries return some hundred thousand
    combinations, and going over them once per roll-up cost seconds."""

    columns: tuple
    incidents: list = field(default_factory=list)
    # {None: {None: figures}, column index: {value: figures}}, groups in order of first appearance.
    totals: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.totals = {None: {}, **{index: {} for index in range(len(self.columns))}}

    def add_rows(self, rows: Iterable[tuple[tuple, Iterable[tuple[str, Any]]]]) -> None:
        """Add rows (key, [(figure, value), …]) to every roll-up."""
        total = self.totals[None]
        by_column = [self.totals[index] for index in range(len(self.columns))]
        for key, values in rows:
            slots = [total.setdefault(None, {})]
            slots += [groups.setdefault(value, {}) for groups, value in zip(by_column, key)]
            for name, value in values:
                if value:
                    for slot in slots:
                        slot[name] = slot.get(name, 0) + value

    def rollup(self, by: str | None, measures: Iterable[str]) -> dict[Any, dict]:
        """{group value: {figure: value}} for one grouping (None: everything), the groups with
        nothing to count left out."""
        names = {name for measure in measures for name in MEASURE_FIGURES[measure]}
        index = self.columns.index(GROUPS[by]) if by else None
        out: dict[Any, dict] = {
            group: {name: value for name, value in values.items() if name in names}
            for group, values in self.totals[index].items()
        }
        if "incidents" in names:
            for key, unit, value in self.incidents:
                # An incident counts against the unit it was recorded against, not the case's current one.
                group = unit if by == "unit" else None if index is None else key[index]
                slot = out.setdefault(group, {})
                slot["incidents"] = slot.get("incidents", 0) + value
        return {group: values for group, values in out.items() if any(values.values())}


def _grouped(qs: QuerySet, columns: tuple, **aggregates) -> list[tuple[tuple, dict]]:
    """[(values of `columns`, {aggregate: value})] with one GROUP BY query (one row without columns)."""
    if not columns:
        return [((), qs.aggregate(**aggregates))]
    # order_by() clears the model's default ordering, which would otherwise join the GROUP BY.
    rows = qs.order_by().values(*columns).annotate(**aggregates)
    return [(tuple(row.pop(column) for column in columns), row) for row in rows]


def _in_scope(cases: QuerySet, case_column: str) -> Exists:
    """The row's case is one of `cases`, checked per row: the database starts from the period's
    rows (an index range on their date) instead of listing every case of the scope first."""
    return Exists(cases.order_by().filter(pk=OuterRef(case_column)))


def _with_events(cases: QuerySet, **conditions) -> QuerySet:
    """`cases` joined to their events that meet `conditions` (CaseEvent lookups): one row per
    event, so Count("events") counts events and the case's columns group them.

    The database reads the events from their (action, at) index and finds each event's case by
    the join, where a scope on a column of the case (a subdistrict) is checked in that column's
    index; a correlated EXISTS read the whole case row of every event (at a million cases, the
    year of events behind the trend took seconds)."""
    return cases.filter(**{f"events__{lookup}": value for lookup, value in conditions.items()})


def _union(branches: list[tuple[QuerySet, dict]], columns: tuple) -> list[tuple[tuple, dict]]:
    """[(values of `columns`, {figure: value})] of several aggregates in one UNION ALL query:
    every branch selects every figure (0 where it counts something else)."""
    names = [name for _qs, aggregates in branches for name in aggregates]
    parts = []
    for qs, aggregates in branches:
        # Aliases are prefixed: one equal to a field name (performance_due,
        # closed_within_limits) would shadow the field inside the filters.
        selected = {
            f"f_{name}": aggregates.get(name, Value(0, output_field=IntegerField())) for name in names
        }
        if columns:
            part = qs.order_by().values(*columns).annotate(**selected)
        else:
            # No GROUP BY: one row, zeros included, like aggregate().
            part = qs.order_by().annotate(one=Value(1, output_field=IntegerField())).values("one").annotate(**selected)
        parts.append(part)
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    names = list(dict.fromkeys(names))
    width = len(columns) if columns else 1
    # Tuples, not dicts: a grouping by every column can return tens of thousands of rows.
    rows = query.values_list(*(columns or ("one",)), *(f"f_{name}" for name in names))
    if columns and len(parts) > 1:
        rows = _summed_by_key(rows, columns, [f"f_{name}" for name in names])
    return [(tuple(row[:width]) if columns else (), dict(zip(names, row[width:]))) for row in rows]


def _summed_by_key(union: QuerySet, columns: tuple, figures: list[str]) -> list[tuple]:
    """The rows of `union` (a values_list of `columns` then `figures`) with the rows of equal
    `columns` merged into one, their figures summed, in SQL: every branch of a grouping by
    every breakdown column returns its own rows for the same combinations (at a million cases
    some 90,000 rows for 17,000 combinations), and each row costs Python far more than the
    database. The values are converted as Django converts the union's own rows."""
    compiler = union.query.get_compiler(using=union.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # no cases in scope (QuerySet.none())
        return []
    converters = compiler.get_converters([select[0] for select in compiler.select[: compiler.col_count]])
    quote = compiler.connection.ops.quote_name
    keys = ", ".join(quote(column) for column in columns)
    sums = ", ".join(f"SUM({quote(figure)})" for figure in figures)
    with compiler.connection.cursor() as cursor:
        cursor.execute(f"SELECT {keys}, {sums} FROM ({sql}) {quote('branches')} GROUP BY {keys}", params)
        rows = cursor.fetchall()
    return list(compiler.apply_converters(rows, converters)) if converters else rows


def _measure(cases: QuerySet, period: Period, columns: tuple, measures: Iterable[str]) -> Measured:
    """Run the aggregate queries of `measures` grouped by `columns` (Case fields).

    Each query reads index ranges of the period's dates (registration, conclusion, closure,
    event, detection and decision), so its cost follows the cases of the period and the open
    backlog (see the module docstring for the one cumulative count)."""
    start, end = period.bounds()
    measures = set(measures)
    measured = Measured(tuple(columns))
    on_case = tuple("case__" + column for column in columns)
    def add(rows):
        measured.add_rows((key, values.items()) for key, values in rows)

    # Everything counted on the case rows themselves is one query: a UNION ALL of one
    # aggregate per set of rows, each set a range of one indexed date column (registered,
    # concluded, closed in the period; open now or closed after it), so no branch reads every
    # case of the scope — except the agreements due by the period end, cumulative by definition.
    branches = []
    if NEW in measures:
        registered = cases.filter(created_at__gte=start, created_at__lt=end)
        branches.append(
            (registered, {"new_cases": Count("id"), "screening_found": Count("id", filter=Q(channel=Channel.GRID_SCREENING))})
        )
    if OUTCOMES in measures:
        # Imported cases have no lifecycle events: their outcome is on the case.
        imported = cases.filter(concluded_at__gte=start, concluded_at__lt=end, imported=True)
        agreed = ~Q(agreement_form="")
        branches.append(
            (
                imported,
                {
                    "agreements": Count("id", filter=agreed),
                    "terminations": Count("id", filter=Q(agreement_form="")),
                    "criminal_prevented": Count("id", filter=agreed & Q(criminal_risk=True)),
                    "group_prevented": Count("id", filter=agreed & Q(is_group=True)),
                    "agreement_amount": Sum("amount_in_dispute", filter=agreed),
                },
            )
        )
    if CLOSURES in measures:
        closed = cases.filter(closed_at__gte=start, closed_at__lt=end, state=CaseState.ARCHIVED)
        branches.append(
            (
                closed,
                {
                    "closed": Count("id"),
                    "closed_within_limits": Count("id", filter=Q(closed_within_limits=True)),
                    "closed_inside": Count("id", filter=Q(closed_inside_subdistrict=True)),
                },
            )
        )
    if PERFORMANCE in measures:
        # Cumulative: every agreement due by the end. Counted as performed unless it is among
        # the few that can be unperformed then, where the rule is checked case by case.
        due = cases.filter(performance_due__lte=period.end).exclude(agreement_form="")
        branches.append((due, {"performance_due": Count("id"), "performed": Count("id")}))
        unperformed = Count("id", filter=~_performed_by(period.end, end)) * -1
        branches.append((due.filter(_maybe_unperformed(period.end, end)), {"performed": unperformed}))
    if OPEN in measures:
        # Registered by the end and open then = open now (a backlog, not history), plus those
        # closed after the end, less those registered after the end that are open now or were
        # closed after it. Each set is one range of one indexed column (closure, closure,
        # registration): "closed after the end and registered before it" read as one set let
        # the database pick the registration index and read nearly every case.
        branches += [
            (cases.filter(closed_at__isnull=True), {"open_at_end": Count("id")}),
            (cases.filter(closed_at__gte=end), {"open_at_end": Count("id")}),
            (
                cases.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end), created_at__gte=end),
                {"open_at_end": Count("id") * -1},
            ),
        ]
    if branches:
        add(_union(branches, columns))
    if OUTCOMES in measures:
        agreed = Q(events__action=AGREE)
        add(
            _grouped(
                _with_events(cases, kind=EventKind.TRANSITION, action__in=[AGREE, TERMINATE], at__gte=start, at__lt=end),
                columns,
                agreements=Count("events", filter=agreed),
                terminations=Count("events", filter=Q(events__action=TERMINATE)),
                criminal_prevented=Count("events", filter=agreed & Q(criminal_risk=True)),
                group_prevented=Count("events", filter=agreed & Q(is_group=True)),
                agreement_amount=Sum("amount_in_dispute", filter=agreed),
            )
        )
    if CONFIRMATIONS in measures:
        from jiefen.mediation.models import ConfirmationOutcome, JudicialConfirmation

        add(
            _grouped(
                JudicialConfirmation.objects.filter(
                    _in_scope(cases, "agreement__case_id"),
                    decided_on__gte=period.start,
                    decided_on__lte=period.end,
                    outcome=ConfirmationOutcome.CONFIRMED,
                ),
                tuple("agreement__case__" + column for column in columns),
                judicial_confirmations=Count("id"),
            )
        )
    if INCIDENTS in measures:
        from jiefen.assessment.models import Incident, IncidentStatus

        incidents = Incident.objects.filter(
            _in_scope(cases, "case_id"), detected_on__gte=period.start, detected_on__lte=period.end
        ).exclude(status=IncidentStatus.VOID)
        for key, values in _grouped(incidents, on_case + ("unit_id",), n=Count("id")):
            measured.incidents.append((key[:-1], key[-1], values["n"]))
    return measured


def _maybe_unperformed(last_day: date, end: datetime) -> Q:
    """The cases whose agreement may not have been fully performed by `last_day` (see
    _performed_by), told by the case's closure (a column of the covering index of the due
    agreements) and two lists of recent rows:
    - open now, or closed after the end (imported cases are performed by being closed);
    - closed by the end, with an item of its effective agreement not performed by then
      (pending, overdue, without a date, or performed later), or with its
      ``confirm_performed`` transition taken after the end.
    A closed case that has neither has been performed: it has items all performed by then,
    or it went through ``confirm_performed`` before it was closed (after an agreement the
    lifecycle leads only through that step to the archive). One condition, so the due
    agreements are read once for it (a set of rows per alternative read them once each)."""
    from jiefen.mediation.models import ItemStatus, PerformanceItem

    late_items = PerformanceItem.objects.filter(
        Q(status__in=[s for s in ItemStatus.values if s != ItemStatus.PERFORMED])
        | Q(status=ItemStatus.PERFORMED, performed_on__isnull=True)
        | Q(status=ItemStatus.PERFORMED, performed_on__gt=last_day),
        agreement__effective_at__isnull=False,
    ).values("agreement__case_id")
    late_events = CaseEvent.objects.filter(action=PERFORMED, at__gte=end, kind=EventKind.TRANSITION).values("case_id")
    return (
        Q(closed_at__isnull=True)
        | Q(closed_at__gte=end)
        | (Q(closed_at__lt=end) & (Q(pk__in=late_items) | Q(pk__in=late_events)))
    )


def _performed_by(last_day: date, end: datetime) -> Q:
    """A case's agreement counts as fully performed by `last_day` when:
    - it has an effective agreement with items (the mediation app): every item was performed
      on or before that day (PerformanceItem.performed_on, the day it really happened);
    - it has none (cases from before the agreement register): the ``confirm_performed``
      transition was taken before the period ended;
    - it was imported from a historical ledger: it had been archived by then (an archived case
      with an agreement has been performed — the lifecycle allows nothing else)."""
    from jiefen.mediation.models import ItemStatus, PerformanceItem

    items = PerformanceItem.objects.filter(agreement__case=OuterRef("pk"), agreement__effective_at__isnull=False)
    unperformed = items.exclude(status=ItemStatus.PERFORMED, performed_on__lte=last_day)
    event = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.TRANSITION, action=PERFORMED, at__lt=end)
    return (
        (Q(Exists(items)) & ~Q(Exists(unperformed)))
        | (~Q(Exists(items)) & Q(Exists(event)))
        | Q(imported=True, closed_at__lt=end)
    )


def _figures(cls, values: dict, **extra):
    figures = cls(**extra)
    for name, value in values.items():
        if name == "agreement_amount":
            value = Decimal(value or 0)
        setattr(figures, name, value)
    return figures


# ---------------------------------------------------------------- the public functions


def subdistrict_cases(subdistrict) -> QuerySet:
    """All cases of a subdistrict: the base for reports that no single user runs."""
    return Case.objects.filter(subdistrict=subdistrict)


def _measured(cases: QuerySet, period: Period, by: str | None, measures: Iterable[str]) -> dict[Any, dict]:
    """{group value: {figure: value}} of one grouping, measured for it alone."""
    return _measure(cases, period, (GROUPS[by],) if by else (), measures).rollup(by, measures)


def summary(cases: QuerySet, period, filters: Filters = NO_FILTERS, *, _measured_rows: Measured | None = None) -> Summary:
    """The headline figures of DESIGN §9 for `period` over `cases` narrowed by `filters`."""
    period = _as_period(period)
    cases = filters.apply(cases)
    if _measured_rows is not None:
        values = _measured_rows.rollup(None, ALL_MEASURES).get(None, {})
    else:
        values = _measured(cases, period, None, ALL_MEASURES).get(None, {})
    result = _figures(Summary, values, label=_("合计"), period=period, filters=filters)
    for name, counter in COUNTERS.items():
        setattr(result, name, counter(cases, period))
    return result


def breakdown(
    cases: QuerySet,
    period,
    by: str,
    filters: Filters = NO_FILTERS,
    *,
    measures: Iterable[str] | None = None,
    include_empty: bool = True,
    _measured_rows: Measured | None = None,
) -> list[Figures]:
    """One row of figures per village / dispute type / channel / tier / unit / state.

    Rows come in the organisation's order (village and type sort order, the channel and tier
    lists, the lifecycle). With `include_empty`, every type, channel and tier is listed, and
    every village of the subdistricts concerned (the filtered villages when filtered), so a
    bulletin names the villages that had nothing; units and states are listed only when they
    have figures. By state, only new and open cases are counted.
    """
    if by not in GROUPS:
        raise KeyError(by)
    period = _as_period(period)
    cases = filters.apply(cases)
    if measures is None:
        measures = STATE_MEASURES if by == "state" else ALL_MEASURES
    if _measured_rows is not None:
        found = _measured_rows.rollup(by, measures)
    else:
        found = _measured(cases, period, by, measures)
    labels = _labels(by, [k for k in found if k is not None], cases if include_empty else None, filters)
    rows = [_figures(Figures, found.get(key, {}), key=key, label=label) for key, label in labels]
    if None in found and any(found[None].values()):
        rows.append(_figures(Figures, found[None], key=None, label=_("未填写")))
    if not include_empty:
        rows = [row for row in rows if not row.is_empty]
    return rows


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _labels(by: str, keys: list, cases: QuerySet | None, filters: Filters) -> list[tuple[Any, str]]:
    """(key, label) in display order for the found keys, plus the empty ones when `cases` is given."""
    keys = list(dict.fromkeys(keys))
    if by == "channel":
        order = list(Channel.values) if cases is not None else [v for v in Channel.values if v in keys]
        extra = [k for k in keys if k not in order]
        return [(value, _choice_label(Channel, value)) for value in order + extra]
    if by == "tier":
        order = list(Tier.values) if cases is not None else [v for v in Tier.values if v in keys]
        extra = [k for k in keys if k not in order]
        return [(value, _choice_label(Tier, value)) for value in order + extra]
    if by == "state":
        order = [v for v in CaseState.values if v in keys]
        return [(value, _choice_label(CaseState, value)) for value in order]
    if by == "dispute_type":
        condition = Q(pk__in=keys)
        if cases is not None:
            condition |= Q(is_active=True) if not filters.dispute_type_ids else Q(pk__in=filters.dispute_type_ids)
        return list(DisputeType.objects.filter(condition).order_by("sort_order", "id").values_list("id", "name"))
    if by == "village":
        condition = Q(pk__in=keys)
        if cases is not None:
            if filters.village_ids:
                condition |= Q(pk__in=filters.village_ids)
            else:
                # The villages of every subdistrict with a case in scope, asked per area (a
                # few dozen index probes), not by listing the subdistrict of every case.
                condition |= Q(
                    Exists(cases.order_by().filter(subdistrict_id=OuterRef("subdistrict_id"))),
                    kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY],
                )
        return list(Area.objects.filter(condition).order_by("sort_order", "id").values_list("id", "name"))
    if by == "unit":
        return list(Unit.objects.filter(pk__in=keys).order_by("area__sort_order", "id").values_list("id", "name"))
    raise KeyError(by)


@dataclass
class TrendPoint:
    period: Period
    new_cases: int = 0
    agreements: int = 0
    terminations: int = 0
    closed: int = 0

    @property
    def label(self) -> str:
        return f"{self.period.start.year}-{self.period.start.month:02d}"

    @property
    def concluded(self) -> int:
        return self.agreements + self.terminations

    @property
    def success_rate(self) -> Rate:
        return Rate(self.agreements, self.concluded)


def monthly_trend(cases: QuerySet, period, months: int = 12, filters: Filters = NO_FILTERS) -> list[TrendPoint]:
    """New, concluded and closed cases per calendar month, `months` months ending with the
    month that holds the period's end. Four queries, each grouped by month."""
    if months < 1:
        return []
    period = _as_period(period) if not isinstance(period, date) else make_period(period, period)
    cases = filters.apply(cases)
    spans = months_ending(period, months)
    bounds = [span.bounds() for span in spans]

    # One query per source, a UNION ALL with a branch per month, each counting one month's
    # range of an indexed date: at a million cases the year's rows are counted in the index.
    # (A month number worked out per row in SQL, then grouped, had every row sorted; a
    # conditional count per month evaluated every month's condition on every row.)
    def per_month(rows_between, *by, count="id") -> dict[tuple, int]:
        """{(month index, *by): n} of the rows `rows_between(start, end)` returns for each month."""
        parts = [
            rows_between(start, end)
            .order_by()
            .annotate(trend_month=Value(index, output_field=IntegerField()))
            .values_list("trend_month", *by)
            .annotate(n=Count(count))
            for index, (start, end) in enumerate(bounds)
        ]
        counts: dict[tuple, int] = {}
        for *key, n in parts[0].union(*parts[1:], all=True):
            counts[tuple(key)] = counts.get(tuple(key), 0) + n
        return counts

    new = per_month(lambda start, end: cases.filter(created_at__gte=start, created_at__lt=end))
    events = per_month(
        # The event's conditions in one filter(): they must hold for the same joined event.
        lambda start, end: _with_events(cases, kind=EventKind.TRANSITION, action__in=[AGREE, TERMINATE], at__gte=start, at__lt=end),
        "events__action",
        count="events",
    )
    imported = per_month(
        lambda start, end: cases.filter(imported=True, concluded_at__gte=start, concluded_at__lt=end), "agreement_form"
    )
    closed = per_month(lambda start, end: cases.filter(state=CaseState.ARCHIVED, closed_at__gte=start, closed_at__lt=end))

    def imported_outcomes(index: int, agreed: bool) -> int:
        return sum(n for (month, form), n in imported.items() if month == index and bool(form) == agreed)

    return [
        TrendPoint(
            period=span,
            new_cases=new.get((i,), 0),
            agreements=events.get((i, AGREE), 0) + imported_outcomes(i, True),
            terminations=events.get((i, TERMINATE), 0) + imported_outcomes(i, False),
            closed=closed.get((i,), 0),
        )
        for i, span in enumerate(spans)
    ]


@dataclass
class HotspotRow:
    key: Any
    label: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def growth(self) -> Rate:
        """Change against the previous period; "—" when the previous period had none."""
        return Rate(self.change, self.previous)

    @property
    def growth_display(self) -> str:
        value = self.growth.value
        if value is None:
            return _("新出现") if self.current else DASH
        return ("+" if value > 0 else "") + format_rate(value)


@dataclass
class Hotspots:
    period: Period
    previous: Period
    villages: list[HotspotRow]
    types: list[HotspotRow]
    rising_villages: list[HotspotRow]
    rising_types: list[HotspotRow]


def hotspots(cases: QuerySet, period, filters: Filters = NO_FILTERS, *, limit: int = 5) -> Hotspots:
    """Villages and dispute types with the most new cases in the period, and those growing
    fastest against the previous period of the same kind. Two GROUP BY queries plus labels."""
    period = _as_period(period)
    previous = period.previous()
    cases = filters.apply(cases)
    start, end = period.bounds()
    prev_start, prev_end = previous.bounds()
    window = cases.filter(created_at__gte=prev_start, created_at__lt=end)

    def ranked(column, model):
        rows = (
            window.order_by()
            .values(column)
            .annotate(
                current=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
                previous=Count("id", filter=Q(created_at__gte=prev_start, created_at__lt=prev_end)),
            )
        )
        found = {row[column]: row for row in rows}
        names = dict(model.objects.filter(pk__in=list(found)).values_list("id", "name"))
        items = [HotspotRow(key, names.get(key, str(key)), row["current"], row["previous"]) for key, row in found.items()]
        top = sorted((r for r in items if r.current), key=lambda r: (-r.current, r.label))[:limit]
        rising = sorted((r for r in items if r.change > 0), key=lambda r: (-r.change, -r.current, r.label))[:limit]
        return top, rising

    villages, rising_villages = ranked("village_id", Area)
    types, rising_types = ranked("dispute_type_id", DisputeType)
    return Hotspots(period, previous, villages, types, rising_villages, rising_types)


@dataclass
class Statistics:
    """Everything a dashboard, a bulletin or an analysis shows for one period."""

    period: Period
    filters: Filters
    summary: Summary
    by_type: list[Figures]
    by_village: list[Figures]
    by_channel: list[Figures]
    by_tier: list[Figures]
    by_unit: list[Figures]
    by_state: list[Figures]
    trend: list[TrendPoint]
    hotspots: Hotspots


def statistics(
    cases: QuerySet,
    period,
    filters: Filters = NO_FILTERS,
    *,
    months: int = 12,
    all_villages: bool = True,
    hotspot_limit: int = 5,
) -> Statistics:
    """The summary, every breakdown, the monthly trend and the hotspots of a period.

    `all_villages` lists every village of the subdistrict in the village table (a bulletin
    names the villages with nothing to report); pass False for a reader who sees only some.
    """
    period = _as_period(period)
    # One set of queries grouped by every breakdown column at once; the summary and each
    # breakdown are roll-ups of its rows.
    rows = _measure(filters.apply(cases), period, ALL_COLUMNS, ALL_MEASURES)
    return Statistics(
        period=period,
        filters=filters,
        summary=summary(cases, period, filters, _measured_rows=rows),
        by_type=breakdown(cases, period, "dispute_type", filters, _measured_rows=rows),
        by_village=breakdown(cases, period, "village", filters, include_empty=all_villages, _measured_rows=rows),
        by_channel=breakdown(cases, period, "channel", filters, _measured_rows=rows),
        by_tier=breakdown(cases, period, "tier", filters, _measured_rows=rows),
        by_unit=breakdown(cases, period, "unit", filters, include_empty=False, _measured_rows=rows),
        by_state=breakdown(cases, period, "state", filters, include_empty=False),
        trend=monthly_trend(cases, period, months, filters),
        hotspots=hotspots(cases, period, filters, limit=hotspot_limit),
    )


# ---------------------------------------------------------------- single rates, for other apps


def mediation_success_rate(cases: QuerySet, period, filters: Filters = NO_FILTERS) -> Rate:
    period = _as_period(period)
    values = _measured(filters.apply(cases), period, None, [OUTCOMES]).get(None, {})
    return Rate(values.get("agreements", 0), values.get("agreements", 0) + values.get("terminations", 0))


def agreement_performance_rate(cases: QuerySet, as_of, filters: Filters = NO_FILTERS) -> Rate:
    """协议履行率 as of a day (or a period's end): agreements fully performed by then ÷
    agreements whose performance date has come by then. The one definition; the mediation
    app's helper of the same name should call this."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if isinstance(as_of, date):
        as_of = make_period(as_of, as_of)
    period = _as_period(as_of)
    values = _measured(filters.apply(cases), period, None, [PERFORMANCE]).get(None, {})
    return Rate(values.get("performed", 0), values.get("performance_due", 0))


def on_time_closure_rate(cases: QuerySet, period, filters: Filters = NO_FILTERS) -> Rate:
    values = _measured(filters.apply(cases), _as_period(period), None, [CLOSURES]).get(None, {})
    return Rate(values.get("closed_within_limits", 0), values.get("closed", 0))


def not_handed_up_rate(cases: QuerySet, period, filters: Filters = NO_FILTERS) -> Rate:
    values = _measured(filters.apply(cases), _as_period(period), None, [CLOSURES]).get(None, {})
    return Rate(values.get("closed_inside", 0), values.get("closed", 0))


# What each figure is called on screen and on paper, so every table uses the same words.
FIGURE_LABELS = {
    "new_cases": gettext_lazy("新登记"),
    "screening_found": gettext_lazy("排查发现"),
    "screened_households": gettext_lazy("排查户数"),
    "agreements": gettext_lazy("达成协议"),
    "terminations": gettext_lazy("调解终止"),
    "concluded": gettext_lazy("调结"),
    "success_rate": gettext_lazy("调解成功率"),
    "performance_due": gettext_lazy("到期协议(截至期末)"),
    "performed": gettext_lazy("已履行协议(截至期末)"),
    "performance_rate": gettext_lazy("协议履行率"),
    "closed": gettext_lazy("办结"),
    "closed_within_limits": gettext_lazy("按期办结"),
    "on_time_rate": gettext_lazy("按期办结率"),
    "closed_inside": gettext_lazy("街道内化解"),
    "not_handed_up_rate": gettext_lazy("矛盾不上交率"),
    "criminal_prevented": gettext_lazy("防范民转刑"),
    "group_prevented": gettext_lazy("化解群体性纠纷"),
    "judicial_confirmations": gettext_lazy("司法确认"),
    "agreement_amount": gettext_lazy("协议涉及金额(元)"),
    "incidents": gettext_lazy("不到位情形"),
    "cards": gettext_lazy("三色牌"),
    "open_at_end": gettext_lazy("期末在办"),
}


__all__ = [
    "Filters",
    "NO_FILTERS",
    "Rate",
    "Figures",
    "Summary",
    "TrendPoint",
    "HotspotRow",
    "Hotspots",
    "Statistics",
    "statistics",
    "summary",
    "breakdown",
    "monthly_trend",
    "hotspots",
    "subdistrict_cases",
    "mediation_success_rate",
    "agreement_performance_rate",
    "on_time_closure_rate",
    "not_handed_up_rate",
    "register_counter",
    "format_rate",
    "format_count",
    "format_amount",
    "FIGURE_LABELS",
    "GROUP_LABELS",
    "COUNTER_NOTES",
    "DASH",
]
