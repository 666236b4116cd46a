"""The periods of the meeting rhythm (DESIGN §8): weekly, every two weeks, monthly, quarterly.

A meeting belongs to exactly one period, and a period is found from any day inside it, so the
scheduler can ask "which period is today in?" as often as it likes and always get the same
answer. Weeks are ISO weeks (Monday to Sunday; the week of 29 December 2025 is week 1 of 2026).
Two-week periods are the statistics' biweekly periods (jiefen.reports.periods): pairs of ISO
weeks of one ISO year, so the bulletin meeting and the biweekly written report always cover the
same days and carry the same number. In a 53-week ISO year the last period is week 53 alone.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from jiefen.reports import periods as statistics_periods
from jiefen.workdays.services import _is_workday, _overrides

WEEKLY, BIWEEKLY, MONTHLY, QUARTERLY = "weekly", "biweekly", "monthly", "quarterly"
CADENCES = (WEEKLY, BIWEEKLY, MONTHLY, QUARTERLY)


@dataclass(frozen=True)
class Period:
    cadence: str
    start: date
    end: date  # inclusive
    year: int
    index: int  # ISO week, fortnight of the year, month or quarter

    @property
    def label(self) -> str:
        if self.cadence == WEEKLY:
            return _("%(year)s年第%(n)s周") % {"year": self.year, "n": self.index}
        if self.cadence == BIWEEKLY:
            return _("%(year)s年第%(n)s期") % {"year": self.year, "n": self.index}
        if self.cadence == MONTHLY:
            return _("%(year)s年%(n)s月") % {"year": self.year, "n": self.index}
        return _("%(year)s年第%(n)s季度") % {"year": self.year, "n": self.index}

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> "Period":
        return period_containing(self.cadence, self.start - timedelta(days=1))

    def next(self) -> "Period":
        return period_containing(self.cadence, self.end + timedelta(days=1))

    def first_working_day(self) -> date | None:
        """The first working day inside the period, or None when holidays fill all of it
        (the Spring Festival week of 2026, 16–22 February, has none)."""
        overrides = _overrides(self.start, self.end)
        day = self.start
        while day <= self.end:
            if _is_workday(day, overrides):
                return day
            day += timedelta(days=1)
        return None


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_containing(cadence: str, day: date) -> Period:
    if cadence == WEEKLY:
        start = day - timedelta(days=day.weekday())
        iso = start.isocalendar()
        return Period(WEEKLY, start, start + timedelta(days=6), iso.year, iso.week)
    if cadence == BIWEEKLY:
        biweek = statistics_periods.biweek_containing(day)
        year, number = biweek.code.split("-B")
        return Period(BIWEEKLY, biweek.start, biweek.end, int(year), int(number))
    if cadence == MONTHLY:
        return Period(MONTHLY, day.replace(day=1), _month_end(day.year, day.month), day.year, day.month)
    if cadence == QUARTERLY:
        quarter = (day.month - 1) // 3 + 1
        first_month = 3 * quarter - 2
        return Period(QUARTERLY, date(day.year, first_month, 1), _month_end(day.year, first_month + 2), day.year, quarter)
    raise ValueError(f"unknown cadence {cadence!r}")
