"""When the written reports are produced by themselves (DESIGN §8): on the first working day
after their period ends, by the holiday table of jiefen.workdays — across month, quarter and
year ends, the National Day and Spring Festival holidays and 调休 working days — each exactly
once automatically, however many schedulers run and however often they check.

The holiday table is the one imported from chinese-calendar (2026: 1–3 January holiday,
Sunday 4 January a 调休 working day; 15–23 February Spring Festival, Saturdays 14 and 28
February working; 1–7 October National Day, Saturday 10 October working)."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from jiefen.reports.models import Report, ReportStatus
from jiefen.reports.periods import parse_period
from jiefen.reports.written.services import report_due_date, report_produce, reports_due, reports_produce_due
from jiefen.scheduler.duties import DUTIES, scheduler_tick
from jiefen.scheduler.models import PeriodicDuty
from jiefen.workdays.models import CalendarDay

from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTS_DUTY = next(duty for duty in DUTIES if duty.name == "reports_due")


def due(code: str) -> date:
    return report_due_date(parse_period(code))


@pytest.fixture
def quick(settings, tmp_path):
    """Store the DOCX only (the schedule is under test here, not the renderers), under a
    temporary MEDIA_ROOT, with no catch-up unless a test asks for it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIEFEN_REPORT_FORMATS = ("docx",)
    settings.JIEFEN_REPORT_CATCH_UP_DAYS = 0
    return settings


def at(day: date, hour=9):
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
    return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(ZoneInfo("UTC")))


def walk(start: date, end: date) -> dict:
    """Run the duty every day from start to end; {day: [(kind, period code) produced]}."""
    produced = {}
    day = start
    while day <= end:
        with at(day):
            made = reports_produce_due()
        if made:
            produced[day] = sorted((report.kind, report.period_code) for report in made)
        day += timedelta(days=1)
    return produced


def automatic():
    return sorted(Report.objects.filter(automatic=True).values_list("kind", "period_code"))


# ---------------------------------------------------------------- due dates


@pytest.mark.django_db
class TestDueDates:
    def test_the_september_analysis_is_due_after_the_national_day_holiday(self):
        # September 2026 ends on a Wednesday; 1–7 October are holidays.
        assert due("2026-09") == date(2026, 10, 8)
        assert due("2026-Q3") == date(2026, 10, 8)
        assert due("2026-W40") == date(2026, 10, 8)  # 28 September – 4 October
        assert due("2026-B20") == date(2026, 10, 8)  # weeks 39–40
        # The first week after the holiday ends on Sunday 11 October: due Monday.
        assert due("2026-W41") == date(2026, 10, 12)

    def test_an_ordinary_month_and_week(self):
        assert due("2026-10") == date(2026, 11, 2)  # 31 October is a Saturday, 1 November a Sunday
        assert due("2026-11") == date(2026, 12, 1)  # 30 November is a Monday
        assert due("2026-W44") == date(2026, 11, 2)

    def test_the_year_end_reports_are_due_on_the_tiaoxiu_sunday(self):
        # 31 December 2025 is a Wednesday, 1–3 January 2026 holidays, Sunday 4 January a working day.
        for code in ("2025", "2025-Q4", "2025-12"):
            assert due(code) == date(2026, 1, 4), code
        # ISO week 1 of 2026 runs 29 December 2025 – Sunday 4 January: it ends on that
        # working Sunday, and its report is due the day after.
        assert due("2026-W01") == date(2026, 1, 5)
        assert due("2025-W52") == date(2025, 12, 29)
        assert due("2025-B26") == date(2025, 12, 29)

    def test_two_weeks_before_and_in_the_spring_festival_are_due_on_the_same_day(self):
        assert due("2026-W07") == date(2026, 2, 24)  # 9–15 February (Saturday 14 worked)
        assert due("2026-W08") == date(2026, 2, 24)  # 16–22 February, all holiday
        assert due("2026-B04") == date(2026, 2, 24)
        assert due("2026-01") == date(2026, 2, 2)
        # February ends on Saturday 28, itself a 调休 working day; its report is due Monday.
        assert due("2026-02") == date(2026, 3, 2)

    def test_a_period_ending_on_a_friday_before_a_tiaoxiu_saturday(self):
        # July 2026 ends on Friday 31 July: due Monday 3 August…
        assert due("2026-07") == date(2026, 8, 3)
        # …unless Saturday 1 August is declared a 调休 working day in the holiday table.
        CalendarDay.objects.create(date=date(2026, 8, 1), is_workday=True, name="调休上班")
        assert due("2026-07") == date(2026, 8, 1)

    def test_a_quarter_and_a_month_ending_before_a_holiday_monday(self):
        # Dragon Boat Festival 2026: Friday 19 – Sunday 21 June; Q2 ends Tuesday 30 June.
        assert due("2026-Q2") == date(2026, 7, 1)
        # Labour Day 2026: 1–5 May; April ends on Thursday 30 April.
        assert due("2026-04") == date(2026, 5, 6)
        assert due("2026-W18") == date(2026, 5, 6)  # 27 April – 3 May


# ---------------------------------------------------------------- the duty, day by day


@pytest.mark.django_db
def test_around_the_national_day_each_report_comes_on_its_due_day(org, quick):
    produced = walk(date(2026, 9, 26), date(2026, 10, 12))
    assert produced == {
        date(2026, 9, 28): [("weekly", "2026-W39")],
        date(2026, 10, 8): [("biweekly", "2026-B20"), ("monthly", "2026-09"), ("quarterly", "2026-Q3"), ("weekly", "2026-W40")],
        date(2026, 10, 12): [("weekly", "2026-W41")],
    }
    # Nothing on the holidays, nothing on the 调休 Saturday (no period ended the day before).
    assert all(Report.objects.get(kind=k, period_code=c).automatic for k, c in automatic())
    assert Report.objects.filter(status=ReportStatus.READY).count() == len(automatic()) == 6


@pytest.mark.django_db
def test_across_the_year_end(org, quick):
    produced = walk(date(2025, 12, 27), date(2026, 1, 6))
    assert produced == {
        date(2025, 12, 29): [("biweekly", "2025-B26"), ("weekly", "2025-W52")],
        date(2026, 1, 4): [("annual", "2025"), ("monthly", "2025-12"), ("quarterly", "2025-Q4")],
        date(2026, 1, 5): [("weekly", "2026-W01")],
    }
    # Numbered in the year they were issued: the 2025 summary is 〔2026〕1号.
    annual = Report.objects.get(kind="annual", period_code="2025")
    assert annual.number.text == "测试综治〔2026〕1号"
    assert Report.objects.get(kind="weekly", period_code="2025-W52").number.text == "测试综治会〔2025〕1号"
    assert Report.objects.get(kind="weekly", period_code="2026-W01").number.text == "测试综治会〔2026〕1号"


@pytest.mark.django_db
def test_through_the_spring_festival(org, quick):
    produced = walk(date(2026, 2, 13), date(2026, 2, 25))
    assert produced == {
        date(2026, 2, 24): [("biweekly", "2026-B04"), ("weekly", "2026-W07"), ("weekly", "2026-W08")],
    }


@pytest.mark.django_db
def test_a_report_missed_while_the_scheduler_was_down_is_caught_up_within_the_window(org, quick):
    quick.JIEFEN_REPORT_CATCH_UP_DAYS = 7
    # Down from 7 to 11 October: on the 12th the reports due on the 8th are made, and week 41's.
    with at(date(2026, 10, 12)):
        made = sorted((r.kind, r.period_code) for r in reports_produce_due())
    assert made == [
        ("biweekly", "2026-B20"), ("monthly", "2026-09"), ("quarterly", "2026-Q3"), ("weekly", "2026-W40"), ("weekly", "2026-W41"),
    ]
    # Week 39 (due 28 September) is older than the window: on demand only.
    assert not Report.objects.filter(period_code="2026-W39").exists()
    assert ("weekly", "2026-W39") not in reports_due(date(2026, 10, 12))


@pytest.mark.django_db
def test_a_manual_version_does_not_stand_in_for_the_automatic_one(org, quick, centre_staff):
    with at(date(2026, 10, 9)):
        manual = report_produce(subdistrict=org.subdistrict, kind="monthly", period="2026-10", actor=centre_staff)
    with at(date(2026, 11, 2)):
        made = reports_produce_due()
        again = reports_produce_due()
    (auto,) = [r for r in made if r.kind == "monthly"]
    assert (manual.version, manual.automatic, auto.version, auto.automatic) == (1, False, 2, True)
    assert auto.number_id == manual.number_id and auto.created_by is None
    assert again == []
    # Generating the period again by hand later is version 3; the automatic one stays unique.
    with at(date(2026, 11, 3)):
        third = report_produce(subdistrict=org.subdistrict, kind="monthly", period="2026-10", actor=centre_staff)
    assert third.version == 3 and Report.objects.filter(kind="monthly", automatic=True).count() == 1


@pytest.mark.django_db
def test_a_report_left_rendering_by_a_dead_process_is_made_again(org, quick):
    with at(date(2026, 11, 2)):
        made = reports_produce_due()
    monthly = next(r for r in made if r.kind == "monthly")
    # Pretend the process died while rendering: the row stayed RENDERING since 9:00.
    Report.objects.filter(pk=monthly.pk).update(status=ReportStatus.RENDERING, created_at=datetime(2026, 11, 2, 9, tzinfo=SHANGHAI))
    with at(date(2026, 11, 2), hour=16):
        again = reports_produce_due()
    assert [(r.kind, r.period_code, r.version) for r in again] == [("monthly", "2026-10", 1)]
    assert Report.objects.filter(kind="monthly").count() == 1
    assert again[0].number.text == monthly.number.text  # the number was kept


# ---------------------------------------------------------------- several schedulers


@pytest.mark.django_db
def test_the_scheduler_runs_the_reports_duty_once_per_slot(org, quick, monkeypatch):
    monkeypatch.setattr("jiefen.scheduler.duties.DUTIES", [REPORTS_DUTY])
    now = datetime(2026, 10, 8, 9, tzinfo=SHANGHAI)
    with at(date(2026, 10, 8)):
        assert scheduler_tick(now, claimer="scheduler-a") == ["reports_due"]
        assert scheduler_tick(now, claimer="scheduler-b") == []
        # The next slot an hour later finds everything made.
        assert scheduler_tick(now + REPORTS_DUTY.interval, claimer="scheduler-b") == ["reports_due"]
    assert automatic() == [("biweekly", "2026-B20"), ("monthly", "2026-09"), ("quarterly", "2026-Q3"), ("weekly", "2026-W40")]
    assert PeriodicDuty.objects.get(name="reports_due").runs == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.filterwarnings("error:Glyph:UserWarning")  # CJK text drawn in a font without it
def test_two_schedulers_at_once_make_each_report_exactly_once(concurrent_db, org, quick):  # noqa: F811
    """Two schedulers' workers run the check at the same moment (the worst case: the slot
    claim already makes this rare); the database lets one version of each report through."""
    day = date(2026, 10, 8)

    def produce():
        return sorted((r.kind, r.period_code) for r in reports_produce_due())

    def check():
        with at(day):
            return produce()

    # The clock is patched once, around all three threads: each thread patching and restoring
    # the same module attribute in its own order could leave a mock behind for later tests.
    with at(day):
        outcomes = concurrent_db.run(produce, produce, produce, timeout=180)
    errors = [error for _result, error in outcomes if error is not None]
    assert not errors, errors
    produced = [item for result, _error in outcomes for item in result]
    expected = [("biweekly", "2026-B20"), ("monthly", "2026-09"), ("quarterly", "2026-Q3"), ("weekly", "2026-W40")]
    assert sorted(produced) == expected  # each made by exactly one of the three
    assert automatic() == expected
    assert Report.objects.count() == 4 and not Report.objects.exclude(status=ReportStatus.READY).exists()
    # Numbers were drawn once each: the first of each kind's 2026 sequence.
    assert sorted(Report.objects.values_list("number__text", flat=True)) == sorted(
        ["测试综治通〔2026〕1号", "测试矛调研〔2026〕1号", "测试政法联〔2026〕1号", "测试综治会〔2026〕1号"]
    )
    assert check() == []


@pytest.mark.parametrize("today", [date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 8), date(2026, 12, 31), date(2026, 1, 4)])
def test_the_archive_names_each_kinds_next_report_with_one_read_of_the_calendar(org, today, django_assert_max_num_queries):
    from jiefen.reports import periods
    from jiefen.reports.views_archive import _next_due
    from jiefen.reports.written.kinds import SPECS

    with django_assert_max_num_queries(1):
        rows = _next_due(today)
    for row in rows:
        kind = SPECS[row["kind"]].period_kind
        # the last complete period's report while its day has not passed, else the current one's
        last = periods.last_complete(kind, today)
        expected = last if report_due_date(last) >= today else periods.period_containing(kind, today)
        assert (row["period"], row["due"]) == (expected, report_due_date(expected))
