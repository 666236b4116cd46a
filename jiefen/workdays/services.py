"""Working-day arithmetic on the editable holiday table."""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from jiefen.common.prepared import Prepared

from .models import CalendarDay

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


# Compiled once (jiefen/common/prepared.py): every deadline in working days reads it.
_DAYS = Prepared(
    lambda start, end: CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday"), start=date, end=date
)


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(_DAYS(start=start, end=end))


def _is_workday(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def is_workday(day: date) -> bool:
    return _is_workday(day, _overrides(day, day))


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start`; 0 means `start` itself.

    Holidays can stretch a span by at most a few weeks, so one query for a generous window
    is enough; the window grows if a long run of holidays ever needs it.
    """
    if days <= 0:
        return start
    window = days * 2 + 30
    while True:
        overrides = _overrides(start, start + timedelta(days=window))
        day, remaining = start, days
        for _step in range(window):
            day += timedelta(days=1)
            if _is_workday(day, overrides):
                remaining -= 1
                if remaining == 0:
                    return day
        window *= 2


def next_working_day(day: date) -> date:
    """`day` if it is a working day, else the first working day after it."""
    return next_working_days([day])[day]


def next_working_days(days) -> dict[date, date]:
    """next_working_day of each of `days`, reading the holiday table once."""
    days = set(days)
    if not days:
        return {}
    overrides = _overrides(min(days), max(days) + timedelta(days=40))
    found = {}
    for start in days:
        day = start
        while not _is_workday(day, overrides):
            day += timedelta(days=1)
        found[start] = day
    return found


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += _is_workday(day, overrides)
    return count


def calendar_import_from_package() -> int:
    """Fill the table from the chinese-calendar package for the years it covers.

    Entries edited by hand are kept; only package-sourced rows are written.
    Returns the number of rows written.
    """
    from chinese_calendar import constants

    manual = set(CalendarDay.objects.filter(source=CalendarDay.Source.MANUAL).values_list("date", flat=True))
    rows = []
    for day, holiday in constants.holidays.items():
        if day not in manual:
            name = HOLIDAY_NAMES.get(holiday, "") or _("法定节假日")
            rows.append(CalendarDay(date=day, is_workday=False, name=name, source=CalendarDay.Source.PACKAGE))
    for day, holiday in constants.workdays.items():
        if day not in manual:
            name = HOLIDAY_NAMES.get(holiday, "")
            label = _("%(name)s调休上班") % {"name": name} if name else _("调休上班")
            rows.append(CalendarDay(date=day, is_workday=True, name=label, source=CalendarDay.Source.PACKAGE))
    with transaction.atomic():
        CalendarDay.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["is_workday", "name", "source"],
        )
    return len(rows)


def calendar_covered_until() -> date | None:
    from chinese_calendar import constants

    return max(constants.holidays) if constants.holidays else None
