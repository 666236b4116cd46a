"""The indicators of DESIGN §9 on the hand-built subdistrict of tests.stats_scenario, whose
answers are worked out by hand there."""

from datetime import date
from decimal import Decimal

import pytest

from jiefen.cases.models import Case, CaseState, Channel, DisputeType
from jiefen.cases.selectors import cases_visible_to
from jiefen.reports import indicators as ind
from jiefen.reports.indicators import Filters, Rate
from jiefen.reports.periods import make_period, parse_period

from .stats_scenario import START, clock, court, new, october, step, steps, types  # noqa: F401  fixtures


def everything():
    return Case.objects.all()


OCT = parse_period("2026-10")


# ---------------------------------------------------------------- the headline figures


def test_october_by_hand(october):
    assert october["H"].closed_within_limits is False and october["J"].closed_within_limits is True
    assert october["C"].closed_inside_subdistrict is False and october["G"].state == CaseState.PERFORMED

    s = ind.summary(everything(), OCT)
    assert s.new_cases == 4  # A C D E; not F (1 November local, though still 31 October in UTC)
    assert s.screening_found == 2  # A D
    assert (s.agreements, s.terminations, s.concluded) == (3, 1, 4)  # A B D; C. Not G (30 September 23:50)
    assert s.success_rate == Rate(3, 4) and s.success_rate.percent == "75.0%"
    assert (s.performed, s.performance_due) == (2, 3)  # due by 31 Oct: A G D; performed: A G
    assert (s.closed_within_limits, s.closed) == (3, 4)  # A C J in time; H late
    assert (s.closed_inside, s.closed) == (3, 4)  # C handed up
    assert s.criminal_prevented == 1  # B
    assert s.group_prevented == 0  # C terminated; G agreed in September
    assert s.judicial_confirmations == 1  # D
    assert s.agreement_amount == Decimal("8000")  # A 2,000 + B 5,000 + D 1,000
    assert s.incidents == 2  # H missed the archiving limit; C handed up
    assert s.open_at_end == 4  # B D E G
    assert s.screened_households is None and s.screened_households_display == "—"  # no campaign
    assert s.cards == 0  # the assessment counts cards, and none were issued


def test_quarter_and_month_boundaries(october):
    q3 = ind.summary(everything(), parse_period("2026-Q3"))
    assert q3.new_cases == 4  # B G H J, all in September
    assert (q3.agreements, q3.terminations) == (1, 0)  # G at 23:50 on 30 September
    assert q3.group_prevented == 1
    assert q3.closed == 0
    assert q3.success_rate.percent == "100.0%"

    q4 = ind.summary(everything(), parse_period("2026-Q4"))
    assert q4.new_cases == 5  # A C D E F
    assert q4.agreements == 3

    nov = ind.summary(everything(), parse_period("2026-11"))
    assert nov.new_cases == 1  # F
    assert nov.concluded == 0 and nov.success_rate.value is None and nov.success_rate.percent == "—"
    assert nov.judicial_confirmations == 0
    # As of 30 November B's date (15 November) has passed too, still unperformed; D still unperformed.
    assert (nov.performed, nov.performance_due) == (2, 4)

    year = ind.summary(everything(), parse_period("2026"))
    assert year.new_cases == 9  # A–J (there is no I)
    assert year.concluded == 5


def test_days_and_weeks_around_the_holiday(october):
    # National Day week (ISO week 40: 28 September – 4 October) holds B's agreement on 2 October
    # and G's on 30 September, and the registration of B on 28 September.
    week = ind.summary(everything(), parse_period("2026-W40"))
    assert week.agreements == 2 and week.new_cases == 2  # B J registered 28/29 Sep
    holiday = ind.summary(everything(), parse_period("2026-10-01..2026-10-07"))
    assert holiday.agreements == 1 and holiday.new_cases == 0
    day = ind.summary(everything(), parse_period("2026-10-31"))
    assert day.new_cases == 1  # E at 23:30
    assert ind.summary(everything(), parse_period("2026-11-01")).new_cases == 1  # F at 00:10
    # A biweekly period: B21 = weeks 41–42 (5–18 October).
    biweek = ind.summary(everything(), parse_period("2026-B21"))
    assert (biweek.agreements, biweek.terminations) == (2, 1)  # A D; C
    assert biweek.closed == 2  # C J on the 16th


def test_empty_period_is_dashes_not_zero_percent(october):
    s = ind.summary(everything(), parse_period("2025-03"))
    assert s.new_cases == s.concluded == s.closed == s.performance_due == 0
    for rate in (s.success_rate, s.performance_rate, s.on_time_rate, s.not_handed_up_rate):
        assert rate.value is None and rate.percent == "—" and str(rate) == "—"
    assert s.agreement_amount == 0
    rows = ind.breakdown(everything(), parse_period("2025-03"), "village")
    assert [r.label for r in rows] == ["东村", "西村"] and all(r.success_rate.value is None for r in rows)


def test_no_cases_at_all(db):
    s = ind.summary(Case.objects.none(), OCT)
    assert s.new_cases == 0 and s.success_rate.value is None
    stats = ind.statistics(Case.objects.none(), OCT)
    assert stats.by_village == [] and stats.hotspots.villages == []
    assert all(p.new_cases == 0 for p in stats.trend)


def test_rate_arithmetic():
    assert Rate(0, 0).value is None
    assert Rate(3, 0).value is None
    assert Rate(0, 5).value == 0 and Rate(0, 5).percent == "0.0%"
    assert Rate(2, 3).percent == "66.7%" and Rate(2, 3).fraction == "2/3"
    assert ind.format_amount(Decimal("1234567.5")) == "1,234,567.50" and ind.format_amount(None) == "—"


# ---------------------------------------------------------------- breakdowns


def _by(rows):
    return {row.label: row for row in rows}


def test_by_village_with_volumes_beside_rates(october):
    rows = ind.breakdown(everything(), OCT, "village")
    assert [r.label for r in rows] == ["东村", "西村"]
    east, west = _by(rows)["东村"], _by(rows)["西村"]
    assert (east.new_cases, east.agreements, east.terminations) == (3, 2, 1)  # A C D; A D; C
    assert east.success_rate == Rate(2, 3)
    assert (east.closed, east.closed_within_limits, east.closed_inside) == (2, 2, 1)  # A C
    assert east.performance_rate == Rate(2, 3)  # A G performed of A D G
    assert (west.new_cases, west.agreements, west.concluded) == (1, 1, 1)  # E; B
    assert west.on_time_rate == Rate(1, 2) and west.not_handed_up_rate == Rate(2, 2)  # H late, J in time
    assert west.performance_rate.value is None  # B falls due in November
    # The rows add up to the summary: one definition, two groupings.
    s = ind.summary(everything(), OCT)
    for name in ind.COUNT_FIELDS:
        assert sum(getattr(r, name) for r in rows) == getattr(s, name), name


@pytest.mark.parametrize("by", ["dispute_type", "channel", "tier", "unit"])
def test_every_breakdown_adds_up_to_the_summary(october, by):
    rows = ind.breakdown(everything(), OCT, by)
    s = ind.summary(everything(), OCT)
    for name in ind.COUNT_FIELDS:
        if by == "unit" and name == "incidents":
            continue  # counted against the unit recorded on the incident
        assert sum(getattr(r, name) for r in rows) == getattr(s, name), (by, name)


def test_by_type_channel_tier_state(october):
    types = _by(ind.breakdown(everything(), OCT, "dispute_type"))
    assert len(types) == DisputeType.objects.filter(is_active=True).count()  # every type listed
    assert types["邻里"].new_cases == 3 and types["合同"].new_cases == 1 and types["婚姻家庭"].agreements == 1
    assert types["医疗"].new_cases == 0 and types["医疗"].success_rate.value is None

    channels = _by(ind.breakdown(everything(), OCT, "channel"))
    assert len(channels) == len(Channel.values)
    assert channels["网格排查"].new_cases == 2 and channels["网格排查"].screening_found == 2
    assert channels["热线/网上"].terminations == 1 and channels["当事人申请"].new_cases == 1

    tiers = ind.breakdown(everything(), OCT, "tier")
    assert [r.key for r in tiers] == [1, 2, 3]
    assert (tiers[0].agreements, tiers[0].terminations) == (2, 0)  # A D
    assert (tiers[2].agreements, tiers[2].terminations) == (1, 1)  # B; C

    states = _by(ind.breakdown(everything(), OCT, "state"))
    assert states["归档"].new_cases == 2 and states["达成协议"].new_cases == 1 and states["登记"].new_cases == 1
    assert "调解中" not in states  # only states with cases


def test_by_unit_counts_incidents_against_their_unit(october, org):
    units = {r.key: r for r in ind.breakdown(everything(), OCT, "unit")}
    assert units[org.subdistrict_committee.pk].incidents == 1  # C handed up
    assert units[org.village_room.pk].agreements == 2


def test_monthly_trend(october):
    trend = ind.monthly_trend(everything(), OCT, months=3)
    assert [p.label for p in trend] == ["2026-08", "2026-09", "2026-10"]
    aug, sep, oct_ = trend
    assert aug.new_cases == 0 and aug.success_rate.value is None
    assert (sep.new_cases, sep.agreements, sep.terminations, sep.closed) == (4, 1, 0, 0)
    assert (oct_.new_cases, oct_.agreements, oct_.terminations, oct_.closed) == (4, 3, 1, 4)
    # Across a year end, twelve months back from February 2027.
    trend = ind.monthly_trend(everything(), parse_period("2027-02"), months=12)
    assert trend[0].label == "2026-03" and trend[-1].label == "2027-02"
    assert sum(p.new_cases for p in trend) == 9


def test_hotspots_against_the_previous_period(october, org):
    spots = ind.hotspots(everything(), OCT)
    assert spots.previous.code == "2026-09"
    villages = {r.label: r for r in spots.villages}
    assert (villages["东村"].current, villages["东村"].previous) == (3, 1)  # A C D vs G
    assert (villages["西村"].current, villages["西村"].previous) == (1, 3)  # E vs B H J
    assert spots.villages[0].label == "东村"
    assert [r.label for r in spots.rising_villages] == ["东村"]
    assert villages["东村"].growth_display == "+200.0%"
    types = {r.label: r for r in spots.types}
    assert types["合同"].previous == 0 and types["合同"].growth_display == "新出现"


# ---------------------------------------------------------------- filters and scope


def test_every_filter(october, org, types):
    def s(**kw):
        return ind.summary(everything(), OCT, Filters.of(**kw))

    assert s(village=org.village).new_cases == 3
    assert s(village=[org.village, org.other_village]).new_cases == 4
    assert s(village=org.other_village.pk).success_rate == Rate(1, 1)
    assert s(unit=org.subdistrict_committee).concluded == 2  # B C
    assert s(unit=org.village_room).agreements == 2  # A D
    assert s(dispute_type=types["contract"]).agreement_amount == Decimal("1000")
    assert s(channel=Channel.GRID_SCREENING).new_cases == 2
    assert s(channel=Channel.PARTY_APPLICATION).closed == 2  # H J
    assert s(tier=3).concluded == 2 and s(tier=1).concluded == 2 and s(tier=2).concluded == 0
    combined = s(village=org.village, tier=3)
    assert (combined.agreements, combined.terminations) == (0, 1)  # C (G agreed in September)
    assert Filters.of(village=org.village, channel="patrol").describe() == [("村(社区)", "东村"), ("来源渠道", "治安巡逻")]
    assert Filters.of().is_empty and not Filters.of(tier=1).is_empty


def test_restricted_to_what_the_reader_sees(october, other_village_mediator, leader, outsider, grid_worker):
    west = ind.summary(cases_visible_to(other_village_mediator), OCT)
    assert west.new_cases == 1 and west.agreements == 1  # E; B (a west case, though held by the subdistrict)
    assert ind.summary(cases_visible_to(leader), OCT).new_cases == 4
    assert ind.summary(cases_visible_to(outsider), OCT).new_cases == 0
    # The grid worker sees their grid's cases: every east case is in 东村第1网格.
    assert ind.summary(cases_visible_to(grid_worker), OCT).new_cases == 3


# ---------------------------------------------------------------- single rates for other apps


def test_single_rate_helpers(october):
    cases = everything()
    assert ind.mediation_success_rate(cases, OCT) == Rate(3, 4)
    assert ind.on_time_closure_rate(cases, OCT) == Rate(3, 4)
    assert ind.not_handed_up_rate(cases, OCT) == Rate(3, 4)
    # As of a day: G's item fell due on 8 October and was performed on the 5th; A's on the
    # 20th (performed 19th), D's on the 25th.
    assert ind.agreement_performance_rate(cases, date(2026, 10, 8)) == Rate(1, 1)
    assert ind.agreement_performance_rate(cases, date(2026, 10, 20)) == Rate(2, 2)
    assert ind.agreement_performance_rate(cases, date(2026, 10, 25)) == Rate(2, 3)
    assert ind.agreement_performance_rate(cases, date(2026, 10, 1)).value is None


def test_performance_rate_agrees_with_the_mediation_helper(october):
    """The mediation app reports the same rate: its `as_of` is the first day not counted."""
    from datetime import timedelta

    from jiefen.mediation.services import agreements

    for day in (date(2026, 10, 8), date(2026, 10, 20), date(2026, 10, 25), date(2026, 11, 30)):
        ours = ind.agreement_performance_rate(everything(), day)
        theirs = agreements.agreement_performance_rate(everything(), as_of=day + timedelta(days=1))
        if isinstance(theirs, Rate):
            assert theirs == ours
        else:
            assert (theirs["performed"], theirs["due"]) == (ours.numerator, ours.denominator), day


# ---------------------------------------------------------------- year end and ISO week 53


def test_week_53_and_the_year_end(org, types, centre_staff, village_mediator):
    case = new(org, types["neighbour"], centre_staff, (2026, 12, 30))
    case = steps(case, START, (2026, 12, 30, 11), centre_staff, village_mediator)
    step(case, "reach_agreement", (2027, 1, 2), centre_staff, village_mediator, performance_due=date(2027, 1, 20))

    def figures(code):
        s = ind.summary(everything(), parse_period(code))
        return s.new_cases, s.agreements

    assert figures("2026-W53") == (1, 1)  # 28 Dec 2026 – 3 Jan 2027
    assert figures("2026-B27") == (1, 1)  # week 53 alone
    assert figures("2027-B01") == (0, 0)
    assert figures("2026") == (1, 0)
    assert figures("2027") == (0, 1)
    assert figures("2026-Q4") == (1, 0) and figures("2027-Q1") == (0, 1)
    assert figures("2026-12") == (1, 0) and figures("2027-01") == (0, 1)
    assert figures("2026-12-28..2027-01-03") == (1, 1)


# ---------------------------------------------------------------- imported history


def test_imported_cases_count_by_their_original_dates(org, types, centre_staff):
    from jiefen.cases.history import HistoricalCase, case_import_historical

    case_import_historical(
        cases=[
            HistoricalCase(
                row=2, registered_on=date(2024, 5, 6), title="宅基地边界纠纷", description="两户宅基地边界争议。",
                dispute_type=types["housing_homestead"], channel=Channel.GRID_SCREENING, village=org.village,
                address="东村5组", parties=[{"name": "王五"}, {"name": "赵六"}], outcome="agreed",
                concluded_on=date(2024, 5, 20), closed_on=date(2024, 6, 3), amount_in_dispute=Decimal("3000"),
                criminal_risk=True, performance_due=date(2024, 5, 30),
            ),
            HistoricalCase(
                row=3, registered_on=date(2024, 5, 8), title="劳务费纠纷", description="拖欠劳务费。",
                dispute_type=types["labour"], channel=Channel.PARTY_APPLICATION, village=org.other_village,
                address="西村1组", parties=[{"name": "钱七"}], outcome="terminated", concluded_on=date(2024, 5, 28),
                closed_on=date(2024, 6, 10), handed_up=True,
            ),
        ],
        actor=centre_staff,
        today=date(2026, 10, 1),
    )
    may = ind.summary(everything(), parse_period("2024-05"))
    assert (may.new_cases, may.agreements, may.terminations, may.criminal_prevented) == (2, 1, 1, 1)
    assert may.agreement_amount == Decimal("3000") and may.screening_found == 1
    assert (may.performed, may.performance_due) == (0, 1)  # due 30 May, archived only in June
    june = ind.summary(everything(), parse_period("2024-06"))
    assert (june.closed, june.closed_inside, june.performed, june.performance_due) == (2, 1, 1, 1)
    trend = ind.monthly_trend(everything(), parse_period("2024-06"), months=2)
    assert (trend[0].agreements, trend[0].terminations, trend[1].closed) == (1, 1, 2)


# ---------------------------------------------------------------- bounded queries


def _more_cases(org, types, staff, vmed, count):
    for index in range(count):
        case = new(org, types["neighbour"], staff, (2026, 10, 12 + index % 5), title=f"追加纠纷{index}")
        case = steps(case, START, (2026, 10, 17), staff, vmed)
        step(case, "terminate" if index % 2 else "reach_agreement", (2026, 10, 18), staff, vmed,
             **({} if index % 2 else {"performance_due": date(2026, 10, 28)}))


def test_query_count_does_not_grow_with_the_data(
    october, org, types, centre_staff, village_mediator, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = cases_visible_to(centre_staff)
    ind.statistics(cases, OCT)  # warm the user's scope cache
    with CaptureQueriesContext(connection) as small:
        ind.statistics(cases, OCT)
    _more_cases(org, types, centre_staff, village_mediator, 12)
    with django_assert_num_queries(len(small)):
        stats = ind.statistics(cases, OCT)
    assert stats.summary.new_cases == 4 + 12
    # Summary 4 plus one per registered counter (screened households, cards), each breakdown 4
    # or 5 (with its labels), state 1, trend 4, hotspots 4.
    counters = len(ind.COUNTERS)
    with django_assert_max_num_queries(40 + 2 * counters):
        ind.statistics(cases, OCT)
    with django_assert_max_num_queries(4 + counters):
        ind.summary(cases, OCT)


def test_postgres_and_sqlite_agree_on_the_local_day(october):
    """Nothing is cut at UTC midnight: F (00:10 local on 1 Nov) is November on any backend."""
    assert ind.summary(everything(), make_period(date(2026, 10, 31), date(2026, 10, 31))).new_cases == 1


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    "code, start, end, label",
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026年"),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31), "2026年下半年"),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "2026年第三季度"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024年2月"),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
        ("2026-W44", date(2026, 10, 26), date(2026, 11, 1), "2026年第44周（10月26日—11月1日）"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "2026年第1周（2025年12月29日—2026年1月4日）"),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3), "2026年第53周（2026年12月28日—2027年1月3日）"),
        ("2026-B22", date(2026, 10, 19), date(2026, 11, 1), "2026年第22期双周（10月19日—11月1日）"),
        ("2026-B01", date(2025, 12, 29), date(2026, 1, 11), "2026年第1期双周（2025年12月29日—2026年1月11日）"),
        ("2026-B27", date(2026, 12, 28), date(2027, 1, 3), "2026年第27期双周（2026年12月28日—2027年1月3日）"),
        ("2026-10-05", date(2026, 10, 5), date(2026, 10, 5), "2026年10月5日"),
        ("2026-10-01..2026-10-07", date(2026, 10, 1), date(2026, 10, 7), "2026年10月1日—10月7日"),
        ("2026-12-20~2027-01-10", date(2026, 12, 20), date(2027, 1, 10), "2026年12月20日—2027年1月10日"),
        ("2026q4", date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度"),
    ],
)
def test_period_codes(code, start, end, label):
    period = parse_period(code)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert parse_period(period.code) == period  # the code round-trips


@pytest.mark.parametrize("code", ["", "2026-13", "2026-Q5", "2025-W53", "2025-B27", "2026-02-30", "2026-10-05..2026-10-01", "十月", "2026-W0"])
def test_bad_period_codes_say_what_is_wrong(code):
    from jiefen.reports.periods import PeriodError

    with pytest.raises(PeriodError) as error:
        parse_period(code)
    assert str(error.value)  # a Chinese sentence, shown as is


def test_moving_between_periods():
    from jiefen.reports.periods import iso_weeks_in_year, last_complete, period_containing

    assert parse_period("2026-01").previous().code == "2025-12"
    assert parse_period("2026-Q1").previous().code == "2025-Q4"
    assert parse_period("2026-W53").next().code == "2027-W01"
    assert parse_period("2027-W01").previous().code == "2026-W53"
    assert parse_period("2026-B27").next().code == "2027-B01"
    assert parse_period("2027-B01").previous().code == "2026-B27"
    assert parse_period("2025-B01").previous().code == "2024-B26"
    assert parse_period("2026-10-01..2026-10-07").previous().code == "2026-09-24..2026-09-30"
    assert [iso_weeks_in_year(y) for y in (2020, 2024, 2025, 2026, 2032)] == [53, 52, 52, 53, 53]
    assert period_containing("biweek", date(2027, 1, 2)).code == "2026-B27"
    assert period_containing("week", date(2027, 1, 1)).code == "2026-W53"
    assert last_complete("month", date(2026, 3, 1)).code == "2026-02"
    assert last_complete("week", date(2026, 1, 1)).code == "2025-W52"
    bounds = parse_period("2026-10").bounds()
    assert bounds[0].isoformat() == "2026-10-01T00:00:00+08:00" and bounds[1].isoformat() == "2026-11-01T00:00:00+08:00"
    # Every day of 2026 to 2028 is in exactly one biweekly period, and they follow each other.
    period = parse_period("2026-B01")
    while period.start.year < 2029:
        following = period.next()
        assert (following.start - period.end).days == 1
        assert following.days in (7, 14)
        period = following
