"""Reporting periods: the calendar spans every statistic, report and export is computed over.

A period is a closed range of *local* dates (Asia/Shanghai, the project's TIME_ZONE); an event
belongs to it when its local date falls inside, which is the same as its instant falling in
[start 00:00 local, end + 1 day 00:00 local). `Period.bounds()` gives that half-open range of
aware datetimes, so queries compare indexed timestamps and never convert dates in SQL.

Codes understood by `parse_period` (what the URL, the `--period` options and the written
reports use):

=================  =============================================================
``2026``           the calendar year
``2026-H1``        a half year (H1 = January–June, H2 = July–December)
``2026-Q3``        a calendar quarter
``2026-10``        a calendar month
``2026-B22``       a *biweekly* (双周) period, see below
``2026-W44``       an ISO 8601 week (Monday–Sunday; week 1 holds the year's first Thursday)
``2026-10-05``     a single day
``2026-10-01..2026-10-31`` (or ``~``)  any range of days, both ends included
=================  =============================================================

Biweekly periods (the 综治中心's every-two-weeks 通报) are pairs of ISO weeks of one ISO year:
``B<n>`` covers ISO weeks 2n-1 and 2n, so B1 = W1–W2, B22 = W43–W44, B26 = W51–W52. In an ISO
year with 53 weeks (2020, 2026, 2032 …) ``B27`` is week 53 alone: a biweekly period never
reaches into the next ISO year, so every bulletin of a year is numbered within that year.
ISO weeks — and so biweekly periods — can start in the previous calendar year or end in the
next one (2026-W53 runs from 2026-12-28 to 2027-01-03).

Holidays and 调休 working days do not move period boundaries: periods are calendar spans;
working days only matter to time limits (jiefen.workdays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _


class PeriodError(ValueError):
    """The text is not a period code; the message is Chinese and can be shown as is."""


YEAR = "year"
HALF = "half"
QUARTER = "quarter"
MONTH = "month"
BIWEEK = "biweek"
WEEK = "week"
DAY = "day"
RANGE = "range"

KINDS = (YEAR, HALF, QUARTER, MONTH, BIWEEK, WEEK, DAY, RANGE)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> date:
    return timezone.localdate()


def iso_weeks_in_year(year: int) -> int:
    """52 or 53: 28 December is always in the last ISO week of its year."""
    return date(year, 12, 28).isocalendar()[1]


@dataclass(frozen=True)
class Period:
    """A closed range of local dates with the code it was parsed from and a Chinese label."""

    start: date
    end: date
    kind: str = RANGE
    code: str = ""

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(_("统计期的结束日期不能早于开始日期。"))

    # ------------------------------------------------------------ reading

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day) -> bool:
        if isinstance(day, datetime):
            day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
        return self.start <= day <= self.end

    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) in local time, as aware datetimes."""
        zone = local_zone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    @property
    def label(self) -> str:
        """How the period is named in titles: 2026年10月, 2026年第三季度, 2026年第44周（10月26日—11月1日）."""
        span = _date_span(self.start, self.end)
        if self.kind == YEAR:
            return _("%(year)d年") % {"year": self.start.year}
        if self.kind == HALF:
            return (_("%(year)d年上半年") if self.start.month == 1 else _("%(year)d年下半年")) % {"year": self.start.year}
        if self.kind == QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            names = {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}
            return _("%(year)d年%(quarter)s") % {"year": self.start.year, "quarter": names[quarter]}
        if self.kind == MONTH:
            return _("%(year)d年%(month)d月") % {"year": self.start.year, "month": self.start.month}
        if self.kind == WEEK:
            year, week, _weekday = self.start.isocalendar()
            return _("%(year)d年第%(week)d周（%(span)s）") % {"year": year, "week": week, "span": span}
        if self.kind == BIWEEK:
            year, number = _biweek_of(self.start)
            return _("%(year)d年第%(n)d期双周（%(span)s）") % {"year": year, "n": number, "span": span}
        if self.kind == DAY:
            return _("%(y)d年%(m)d月%(d)d日") % {"y": self.start.year, "m": self.start.month, "d": self.start.day}
        if self.start.year != self.end.year:
            return span
        return _("%(year)d年%(span)s") % {"year": self.start.year, "span": span}

    def __str__(self):
        return self.label

    # ------------------------------------------------------------ moving

    def previous(self) -> Period:
        """The period of the same kind just before (a range: the same number of days before)."""
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def shift(self, steps: int) -> Period:
        if steps == 0:
            return self
        if self.kind in (YEAR, HALF, QUARTER, MONTH):
            months = {YEAR: 12, HALF: 6, QUARTER: 3, MONTH: 1}[self.kind]
            first = _add_months(self.start, months * steps)
            return _calendar_period(self.kind, first)
        if self.kind == WEEK:
            return week_period(*_iso_of(self.start + timedelta(weeks=steps)))
        if self.kind == BIWEEK:
            period = self
            for _i in range(abs(steps)):
                period = biweek_containing(period.start - timedelta(days=1)) if steps < 0 else biweek_containing(period.end + timedelta(days=1))
            return period
        delta = timedelta(days=self.days * steps)
        kind = DAY if self.kind == DAY else RANGE
        return make_period(self.start + delta, self.end + delta, kind=kind)


# ---------------------------------------------------------------- constructors


def make_period(start: date, end: date, *, kind: str = RANGE) -> Period:
    code = {
        DAY: start.isoformat(),
        RANGE: f"{start.isoformat()}..{end.isoformat()}",
    }.get(kind, "")
    return Period(start, end, kind, code)


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), YEAR, f"{year:04d}")


def half_period(year: int, half: int) -> Period:
    if half not in (1, 2):
        raise PeriodError(_("半年只能是 H1 或 H2。"))
    start = date(year, 1 if half == 1 else 7, 1)
    return Period(start, _add_months(start, 6) - timedelta(days=1), HALF, f"{year:04d}-H{half}")


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise PeriodError(_("季度只能是 Q1 至 Q4。"))
    start = date(year, 3 * quarter - 2, 1)
    return Period(start, _add_months(start, 3) - timedelta(days=1), QUARTER, f"{year:04d}-Q{quarter}")


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(_("月份只能是 01 至 12。"))
    start = date(year, month, 1)
    return Period(start, _add_months(start, 1) - timedelta(days=1), MONTH, f"{year:04d}-{month:02d}")


def week_period(year: int, week: int) -> Period:
    """ISO week `week` of ISO year `year` (Monday to Sunday)."""
    if not 1 <= week <= iso_weeks_in_year(year):
        raise PeriodError(_("%(year)d年只有%(n)d个ISO周。") % {"year": year, "n": iso_weeks_in_year(year)})
    start = date.fromisocalendar(year, week, 1)
    return Period(start, start + timedelta(days=6), WEEK, f"{year:04d}-W{week:02d}")


def biweek_period(year: int, number: int) -> Period:
    """Biweekly period `number` of ISO year `year`: ISO weeks 2n-1 and 2n (B27 = week 53 alone)."""
    weeks = iso_weeks_in_year(year)
    last = (weeks + 1) // 2
    if not 1 <= number <= last:
        raise PeriodError(_("%(year)d年的双周期只有第1至第%(n)d期。") % {"year": year, "n": last})
    first_week = 2 * number - 1
    start = date.fromisocalendar(year, first_week, 1)
    end_week = min(first_week + 1, weeks)
    end = date.fromisocalendar(year, end_week, 7)
    return Period(start, end, BIWEEK, f"{year:04d}-B{number:02d}")


def day_period(day: date) -> Period:
    return Period(day, day, DAY, day.isoformat())


def period_containing(kind: str, day: date) -> Period:
    """The period of `kind` (year, half, quarter, month, biweek, week, day) that holds `day`."""
    if kind == WEEK:
        return week_period(*_iso_of(day))
    if kind == BIWEEK:
        return biweek_containing(day)
    if kind == DAY:
        return day_period(day)
    if kind in (YEAR, HALF, QUARTER, MONTH):
        return _calendar_period(kind, day)
    raise PeriodError(_("未知的统计期类型：%(kind)s") % {"kind": kind})


def biweek_containing(day: date) -> Period:
    year, number = _biweek_of(day)
    return biweek_period(year, number)


def last_complete(kind: str, today: date | None = None) -> Period:
    """The most recent period of `kind` that has ended before `today` (what a report covers)."""
    today = today or local_today()
    return period_containing(kind, today).previous()


def months_ending(period_or_day, count: int) -> list[Period]:
    """`count` consecutive calendar months, the last one holding the given period's end (or day)."""
    day = period_or_day.end if isinstance(period_or_day, Period) else period_or_day
    last = month_period(day.year, day.month)
    return [last.shift(-offset) for offset in range(count - 1, -1, -1)]


# ---------------------------------------------------------------- parsing

_PATTERNS = [
    (re.compile(r"^(\d{4})$"), lambda m: year_period(int(m[1]))),
    (re.compile(r"^(\d{4})-?H([12])$", re.I), lambda m: half_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?Q(\d)$", re.I), lambda m: quarter_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?B(\d{1,2})$", re.I), lambda m: biweek_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I), lambda m: week_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), lambda m: month_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})$"), lambda m: day_period(_date(m[1]))),
    (
        re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|~|～|—|至)\s*(\d{4}-\d{1,2}-\d{1,2})$"),
        lambda m: make_period(_date(m[1]), _date(m[2])),
    ),
]


def parse_period(text: str) -> Period:
    """A Period from its code (see the module docstring); PeriodError with a Chinese message if not."""
    value = (text or "").strip()
    for pattern, build in _PATTERNS:
        match = pattern.match(value)
        if match:
            return build(match)
    raise PeriodError(
        _("无法识别统计期“%(text)s”。可用格式：2026、2026-H1、2026-Q3、2026-10、2026-B22（双周）、2026-W44（ISO周）、2026-10-05、2026-10-01..2026-10-31。")
        % {"text": value}
    )


def period_choices_near(today: date | None = None) -> list[tuple[str, str]]:
    """Codes and labels for a period picker: this and last month, quarter, year, biweek, week."""
    today = today or local_today()
    choices = []
    for kind in (MONTH, QUARTER, YEAR, BIWEEK, WEEK):
        current = period_containing(kind, today)
        for period in (current, current.previous()):
            choices.append((period.code, period.label))
    return choices


# ---------------------------------------------------------------- helpers


def _date(text: str) -> date:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise PeriodError(_("日期“%(text)s”无效。") % {"text": text}) from None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _calendar_period(kind: str, day: date) -> Period:
    if kind == YEAR:
        return year_period(day.year)
    if kind == HALF:
        return half_period(day.year, 1 if day.month <= 6 else 2)
    if kind == QUARTER:
        return quarter_period(day.year, (day.month - 1) // 3 + 1)
    return month_period(day.year, day.month)


def _iso_of(day: date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def _biweek_of(day: date) -> tuple[int, int]:
    year, week = _iso_of(day)
    return year, (week + 1) // 2


def _date_span(start: date, end: date) -> str:
    if start == end:
        return _("%(m)d月%(d)d日") % {"m": start.month, "d": start.day}
    if start.year != end.year:
        return _("%(y1)d年%(m1)d月%(d1)d日—%(y2)d年%(m2)d月%(d2)d日") % {
            "y1": start.year,
            "m1": start.month,
            "d1": start.day,
            "y2": end.year,
            "m2": end.month,
            "d2": end.day,
        }
    return _("%(m1)d月%(d1)d日—%(m2)d月%(d2)d日") % {"m1": start.month, "d1": start.day, "m2": end.month, "d2": end.day}


__all__ = [
    "Period",
    "PeriodError",
    "parse_period",
    "make_period",
    "year_period",
    "half_period",
    "quarter_period",
    "month_period",
    "week_period",
    "biweek_period",
    "day_period",
    "period_containing",
    "biweek_containing",
    "last_complete",
    "months_ending",
    "period_choices_near",
    "iso_weeks_in_year",
    "local_today",
    "KINDS",
]
