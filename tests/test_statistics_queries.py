"""statistics() reads the cases of the period, not all history: a bounded number of queries
whatever the data, and the figures counted from recent rows (期末在办 from the open backlog,
协议履行率 from the agreements that may still be unperformed) equal a count of every case
done by hand in Python."""

from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiefen.cases.models import Case, CaseEvent, Channel, EventKind
from jiefen.mediation.models import ItemStatus, PerformanceItem
from jiefen.reports import indicators as ind
from jiefen.reports.periods import parse_period

from .stats_scenario import START, court, new, october, step, steps, types  # noqa: F401  fixtures

PERIODS = ["2026-09", "2026-10", "2026-11", "2026-Q4", "2026-W40", "2026-10-01..2026-10-07", "2026", "2024-05", "2024-06"]


def _more(org, types, staff, vmed, count):
    """Cases of October, half agreed (due in October, some performed in November, after the
    month's end), half terminated; and one of the agreed archived in November."""
    for index in range(count):
        case = new(org, types["neighbour"], staff, (2026, 10, 12 + index % 5), title=f"追加纠纷{index}")
        case = steps(case, START, (2026, 10, 17), staff, vmed)
        if index % 2:
            step(case, "terminate", (2026, 10, 18), staff, vmed)
            continue
        step(case, "reach_agreement", (2026, 10, 18), staff, vmed, performance_due=date(2026, 10, 28))
        if index % 4 == 0:
            case = step(Case.objects.get(pk=case.pk), "confirm_performed", (2026, 11, 3), staff, vmed)
            if index == 0:
                case = step(case, "record_return_visit", (2026, 11, 4), staff, vmed)
                step(case, "archive", (2026, 11, 5), staff, vmed)


def _imported(org, types, staff):
    from jiefen.cases.history import HistoricalCase, case_import_historical

    case_import_historical(
        cases=[
            HistoricalCase(
                row=2, registered_on=date(2024, 5, 6), title="宅基地边界纠纷", description="两户宅基地边界争议。",
                dispute_type=types["housing_homestead"], channel=Channel.GRID_SCREENING, village=org.village,
                address="东村5组", parties=[{"name": "王五"}, {"name": "赵六"}], outcome="agreed",
                concluded_on=date(2024, 5, 20), closed_on=date(2024, 6, 3), amount_in_dispute=Decimal("3000"),
                performance_due=date(2024, 5, 30),
            ),
            HistoricalCase(
                row=3, registered_on=date(2024, 5, 8), title="劳务费纠纷", description="拖欠劳务费。",
                dispute_type=types["labour"], channel=Channel.PARTY_APPLICATION, village=org.other_village,
                address="西村1组", parties=[{"name": "钱七"}], outcome="terminated", concluded_on=date(2024, 5, 28),
                closed_on=date(2024, 6, 10),
            ),
        ],
        actor=staff,
        today=date(2026, 10, 1),
    )


def _by_hand(period) -> dict:
    """期末在办 and the performance figures of DESIGN §9, counted case by case."""
    start, end = period.bounds()
    last_day = period.end
    open_at_end = due = performed = 0
    for case in Case.objects.all():
        if case.created_at < end and (case.closed_at is None or case.closed_at >= end):
            open_at_end += 1
        if not case.agreement_form or case.performance_due is None or case.performance_due > last_day:
            continue
        due += 1
        items = list(PerformanceItem.objects.filter(agreement__case=case, agreement__effective_at__isnull=False))
        if case.imported and case.closed_at is not None and case.closed_at < end:
            done = True
        elif items:
            done = all(
                item.status == ItemStatus.PERFORMED and item.performed_on is not None and item.performed_on <= last_day
                for item in items
            )
        else:
            done = CaseEvent.objects.filter(
                case=case, kind=EventKind.TRANSITION, action="confirm_performed", at__lt=end
            ).exists()
        performed += done
    return {"open_at_end": open_at_end, "performance_due": due, "performed": performed}


def test_statistics_runs_the_same_queries_for_more_cases(october, org, types, centre_staff, village_mediator):
    cases = Case.objects.all()
    period = parse_period("2026-10")
    ind.statistics(cases, period)  # the counters' caches
    with CaptureQueriesContext(connection) as small:
        ind.statistics(cases, period)
    _more(org, types, centre_staff, village_mediator, 12)
    _imported(org, types, centre_staff)
    with CaptureQueriesContext(connection) as larger:
        stats = ind.statistics(cases, period)
    assert len(larger) == len(small)
    assert stats.summary.new_cases == 4 + 12


def test_open_at_end_and_performance_equal_a_count_by_hand(october, org, types, centre_staff, village_mediator):
    _more(org, types, centre_staff, village_mediator, 8)
    _imported(org, types, centre_staff)
    # G's item performed after October instead: unperformed at the end of October, performed at November's.
    moved = PerformanceItem.objects.filter(agreement__case=october["G"]).update(performed_on=date(2026, 11, 2))
    assert moved
    assert Case.objects.filter(closed_at__gte=datetime(2026, 11, 1, tzinfo=timezone.get_current_timezone())).exists()
    assert Case.objects.filter(imported=True).count() == 2
    cases = Case.objects.all()
    for code in PERIODS:
        period = parse_period(code)
        summary = ind.summary(cases, period)
        expected = _by_hand(period)
        assert {name: getattr(summary, name) for name in expected} == expected, code
        assert ind.agreement_performance_rate(cases, period) == summary.performance_rate
        # The roll-ups of statistics() agree with the summary and with every breakdown.
        stats = ind.statistics(cases, period)
        for name in expected:
            assert getattr(stats.summary, name) == expected[name], (code, name)
            for rows in (stats.by_village, stats.by_type, stats.by_channel, stats.by_tier, stats.by_unit):
                assert sum(getattr(row, name) for row in rows) == expected[name], (code, name)
        assert sum(row.open_at_end for row in stats.by_state) == expected["open_at_end"], code


def _outcomes_by_hand(cases, start, end) -> tuple[int, int]:
    """(agreements, terminations): the concluding transitions at [start, end) of these cases,
    event by event, each mediation concluded counted once."""
    ids = set(cases.values_list("pk", flat=True))
    agreements = terminations = 0
    for event in CaseEvent.objects.filter(kind=EventKind.TRANSITION):
        if event.case_id in ids and start <= event.at < end:
            agreements += event.action == "reach_agreement"
            terminations += event.action == "terminate"
    return agreements, terminations


def test_outcomes_and_trend_equal_a_count_of_the_events_by_hand(
    october, org, types, centre_staff, village_mediator, other_village_mediator
):
    """Agreements and terminations are read by joining the events to the cases in scope: a
    case whose mediation ended at one tier and again after escalation counts twice, in the
    months the events happened, and a reader's narrower scope counts only its cases."""
    from jiefen.cases.selectors import cases_visible_to

    staff, vmed = centre_staff, village_mediator
    twice = new(org, types["neighbour"], staff, (2026, 9, 10), village=org.village, grid=org.grid)
    twice = steps(twice, START, (2026, 9, 10, 11), staff, vmed)
    twice = step(twice, "terminate", (2026, 9, 25), staff, vmed)
    twice = step(twice, "escalate", (2026, 10, 8), vmed, vmed)  # the village room to the village committee
    twice = step(twice, "assign", (2026, 10, 8, 11), staff, vmed)
    twice = step(twice, "start_mediation", (2026, 10, 9), staff, vmed)
    step(twice, "reach_agreement", (2026, 10, 20), staff, vmed, performance_due=date(2026, 11, 20))
    _more(org, types, staff, vmed, 6)
    assert CaseEvent.objects.filter(case=twice, action__in=["terminate", "reach_agreement"]).count() == 2

    scopes = {
        "all": Case.objects.all(),
        "east mediator": cases_visible_to(vmed),
        "west mediator": cases_visible_to(other_village_mediator),
        "one village": Case.objects.filter(village=org.village),
    }
    for name, cases in scopes.items():
        for code in ("2026-09", "2026-10", "2026-Q4", "2026-10-01..2026-10-07"):
            period = parse_period(code)
            summary = ind.summary(cases, period)
            assert (summary.agreements, summary.terminations) == _outcomes_by_hand(cases, *period.bounds()), (name, code)
            stats = ind.statistics(cases, period)
            for rows in (stats.by_village, stats.by_type, stats.by_channel, stats.by_tier, stats.by_unit):
                assert sum(row.agreements for row in rows) == summary.agreements, (name, code)
                assert sum(row.terminations for row in rows) == summary.terminations, (name, code)
        for point in ind.monthly_trend(cases, parse_period("2026-11"), months=4):
            expected = _outcomes_by_hand(cases, *point.period.bounds())
            assert (point.agreements, point.terminations) == expected, (name, point.label)
