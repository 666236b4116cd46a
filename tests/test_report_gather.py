"""What a written report reads besides the statistics, and how it reads it:

- the risk list of the monthly report (cases open at the period's end that carry a risk), read
  as two sets that cannot overlap (open now; closed after the end), equals a case-by-case
  computation over every combination of registration, closure and risk flags, in the report's
  order, also when the list is cut short and on a narrower scope;
- gather() sums the period before on a second thread with its own connection when another
  connection sees the same data, and gives exactly what it gives read one after the other; the
  thread's connection is closed, an error on either side is raised, and inside a transaction
  (every test that rolls back) it reads everything on the one connection.
"""

import threading
from datetime import datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from jiefen.cases.models import Case, RiskGrade
from jiefen.reports import indicators as ind
from jiefen.reports.periods import parse_period
from jiefen.reports.written import builders, data

from .stats_scenario import START, court, new, october, step, steps, types  # noqa: F401  fixtures

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCT = parse_period("2026-10")


# ---------------------------------------------------------------- the risk list


def _at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


_, END = OCT.bounds()
REGISTERED = [_at(9, 3), _at(10, 14), _at(10, 14), END - timedelta(seconds=1), END]
CLOSED = [None, _at(10, 20), END - timedelta(seconds=1), END, _at(11, 9)]


@pytest.fixture
def combinations(make_case, org):
    """One case per combination of registration (before and in the period, twice on the same
    moment, its last second, the first moment after it), closure (open, in the period, its last
    second, the end itself, after it), grade and the two risk flags, in both villages."""
    first = make_case()
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in ("id", "number")]
    combos = list(product(range(len(REGISTERED)), CLOSED, RiskGrade.values, (False, True), (False, True)))
    rows = []
    for index, (registered, closed, grade, criminal, group) in enumerate(combos):
        row = Case(**{name: getattr(first, name) for name in fields}, number=f"{first.number}-{index}")
        row.village = org.village if index % 2 else org.other_village
        row.closed_at, row.risk_grade, row.criminal_risk, row.is_group = closed, grade, criminal, group
        rows.append((row, REGISTERED[registered]))
    Case.objects.bulk_create([row for row, _registered in rows])
    for row, registered in rows:  # bulk_create stamps created_at now (auto_now_add)
        Case.objects.filter(pk=row.pk).update(created_at=registered)
    return len(rows) + 1


def _by_hand(cases, period):
    _start, end = period.bounds()
    found = [
        case
        for case in cases
        if case.created_at < end
        and (case.closed_at is None or case.closed_at >= end)
        and (case.risk_grade in (RiskGrade.RED, RiskGrade.ORANGE) or case.criminal_risk or case.is_group)
    ]
    found.sort(key=lambda case: (case.created_at, case.id))
    found.sort(key=lambda case: case.risk_grade, reverse=True)  # stable: "red" > "orange" > … as in SQL
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [7, 60, 1000])
def test_the_risk_list_is_every_risky_case_open_at_the_end_in_order(combinations, org, monkeypatch, limit, django_assert_max_num_queries):
    monkeypatch.setattr(data, "LIST_LIMIT", limit)
    scopes = [ind.subdistrict_cases(org.subdistrict), ind.subdistrict_cases(org.subdistrict).filter(village=org.village)]
    for cases, period in product(scopes, [OCT, parse_period("2026-09"), parse_period("2026-11")]):
        expected = _by_hand(list(cases.order_by("id")), period)
        assert expected, "the combinations leave something to list"
        with django_assert_max_num_queries(3):
            listed = data.risk_watch_cases(cases, period)
        assert listed.count == len(expected)
        assert [case.pk for case in listed.cases] == [case.pk for case in expected[:limit]]
        assert listed.more == max(0, len(expected) - limit)
        # The rows come with what the table prints.
        assert all(case.village.name and case.dispute_type.name and case.assigned_unit_id for case in listed.cases)


@pytest.mark.django_db
def test_the_risk_list_of_a_period_before_any_case_is_empty(combinations, org, django_assert_num_queries):
    with django_assert_num_queries(1):
        listed = data.risk_watch_cases(ind.subdistrict_cases(org.subdistrict), parse_period("2025-01"))
    assert (listed.count, listed.cases) == (0, [])


@pytest.mark.django_db
def test_the_risk_list_agrees_with_the_open_at_end_figure(combinations, org):
    """Every case of the risk list is one the indicator counts as 期末在办."""
    cases = ind.subdistrict_cases(org.subdistrict)
    open_at_end = ind.summary(cases, OCT).open_at_end
    assert 0 < data.risk_watch_cases(cases, OCT).count < open_at_end


# ---------------------------------------------------------------- the period before, alongside


def _watch(monkeypatch):
    """Record the thread and connection each summary() runs on."""
    seen = []
    summary = ind.summary

    def watched(*args, **kwargs):
        seen.append((threading.current_thread(), connections["default"]))
        return summary(*args, **kwargs)

    monkeypatch.setattr(ind, "summary", watched)
    return seen


def _gather_both_ways(org, monkeypatch):
    outcomes = {}
    for alongside in (False, True):
        monkeypatch.setattr(builders, "_separate_connection_sees_the_data", lambda alongside=alongside: alongside)
        seen = _watch(monkeypatch)
        outcomes[alongside] = (builders.gather(org.subdistrict, "monthly", OCT, now=END), seen)
        monkeypatch.undo()
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_period_before_is_read_alongside_and_gives_what_reading_in_turn_gives(october, org, monkeypatch):
    outcomes = _gather_both_ways(org, monkeypatch)
    (in_turn, seen_in_turn), (alongside, seen_alongside) = outcomes[False], outcomes[True]
    main = threading.main_thread()
    assert {thread for thread, _connection in seen_in_turn} == {main}
    # The statistics call summary() for the period itself; the period before is the other call.
    [(thread, other)] = [(thread, other) for thread, other in seen_alongside if thread is not main]
    assert other is not connections["default"]
    # Django keeps an in-memory SQLite connection open whatever is asked: closing it would drop the database.
    if not (other.vendor == "sqlite" and other.is_in_memory_db()):
        assert other.connection is None, "the thread closes its connection"
    assert not thread.is_alive()
    assert alongside.previous == in_turn.previous
    assert alongside.stats == in_turn.stats
    assert alongside.previous == ind.summary(ind.subdistrict_cases(org.subdistrict), OCT.previous())


@pytest.mark.django_db
def test_inside_a_transaction_everything_is_read_on_one_connection(october, org, monkeypatch):
    """A test's rows are not committed: another connection would not see them."""
    assert connection.in_atomic_block
    assert not builders._separate_connection_sees_the_data()
    seen = _watch(monkeypatch)
    inputs = builders.gather(org.subdistrict, "monthly", OCT, now=END)
    assert len(seen) == 2
    assert all(thread is threading.main_thread() and other is connections["default"] for thread, other in seen)
    assert inputs.previous.new_cases == ind.summary(ind.subdistrict_cases(org.subdistrict), OCT.previous()).new_cases


@pytest.mark.parametrize("alongside", [False, True])
def test_an_error_on_either_side_is_raised_after_both_finished(monkeypatch, alongside):
    monkeypatch.setattr(builders, "_separate_connection_sees_the_data", lambda: alongside)
    finished = threading.Event()

    def fails():
        raise ValueError("the period before")

    with pytest.raises(ValueError, match="the period before"):
        builders._alongside(lambda: "this period", fails)

    def slow():
        finished.wait(0.2)
        finished.set()
        return "the period before"

    def fails_first():
        raise KeyError("this period")

    with pytest.raises(KeyError, match="this period"):
        builders._alongside(fails_first, slow)
    # Alongside, the other side ran to its end before the error was raised; in turn it never began.
    assert finished.is_set() == alongside
    assert builders._alongside(lambda: 1, lambda: 2) == (1, 2)
