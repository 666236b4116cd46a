"""Reads of the discovery registers: the week's rota, the register lists (keyset pages, a fixed
number of queries however many rows), the counts per village and kind, and export rows."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.utils import timezone

from jiefen.cases.models import Case
from jiefen.cases.selectors import cases_visible_to
from jiefen.organisation.models import Person

from .access import field_visits_visible_to, reception_visits_visible_to, slots_visible_to, villages_for_reading
from .models import RECEPTION, FieldVisit, FieldVisitKind, ReceptionSlot, ReceptionVisit

PAGE_SIZE = 25
EXPORT_LIMIT = 10000


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def rota_between(user, start: date, end: date, *, include_cancelled=True):
    """Slots from `start` to `end` inclusive, with their leader and a count of visitors."""
    slots = slots_visible_to(user).filter(date__gte=start, date__lte=end)
    if not include_cancelled:
        slots = slots.filter(is_cancelled=False)
    return list(
        slots.select_related("leader", "room", "subdistrict").annotate(visitor_count=Count("visits")).order_by("date", "start_time", "id")
    )


def rota_by_day(user, start: date, days: int = 7):
    """[(day, [slot …])] for each day of the period, empty days included."""
    slots = rota_between(user, start, start + timedelta(days=days - 1))
    by_day = {start + timedelta(days=n): [] for n in range(days)}
    for slot in slots:
        by_day[slot.date].append(slot)
    return list(by_day.items())


def leader_upcoming_slots(person_id, today: date, *, days=14):
    """A leader's own turns from today on, for their home page."""
    return list(
        ReceptionSlot.objects.filter(leader_id=person_id, is_cancelled=False, date__gte=today, date__lte=today + timedelta(days=days))
        .annotate(visitor_count=Count("visits"))
        .order_by("date", "start_time")
    )


def leader_choices(subdistrict_ids):
    """People holding a 领导 or 联系领导 role in one of these subdistricts."""
    from jiefen.organisation.models import LEADER_ROLES

    in_sub = Q(roles__unit__area_id__in=subdistrict_ids) | Q(roles__unit__area__subdistrict_id__in=subdistrict_ids)
    in_sub |= Q(roles__area_id__in=subdistrict_ids) | Q(roles__area__subdistrict_id__in=subdistrict_ids)
    return Person.objects.filter(in_sub, roles__role__in=LEADER_ROLES, is_active=True).distinct().order_by("id")


@dataclass
class RegisterFilters:
    kind: str = ""  # "" (all field work), a FieldVisitKind, or "reception"
    village_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_case: str = ""  # "", "yes", "no"

    @property
    def is_reception(self):
        return self.kind == RECEPTION


def _aware(day: date, at: time = time.min) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _field_visits(user, filters: RegisterFilters):
    qs = field_visits_visible_to(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.village_id:
        qs = qs.filter(village_id=filters.village_id)
    if filters.date_from:
        qs = qs.filter(started_at__gte=_aware(filters.date_from))
    if filters.date_to:
        qs = qs.filter(started_at__lt=_aware(filters.date_to + timedelta(days=1)))
    if filters.has_case:
        opened = FieldVisit.opened_cases.through.objects.filter(fieldvisit_id=OuterRef("pk"))
        qs = qs.filter(Exists(opened)) if filters.has_case == "yes" else qs.exclude(Exists(opened))
    return qs


def _reception_visits(user, filters: RegisterFilters):
    qs = reception_visits_visible_to(user)
    if filters.village_id:
        qs = qs.filter(village_id=filters.village_id)
    if filters.date_from:
        qs = qs.filter(received_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(received_on__lte=filters.date_to)
    if filters.has_case == "yes":
        qs = qs.filter(case__isnull=False)
    elif filters.has_case == "no":
        qs = qs.filter(case__isnull=True)
    return qs


def _visible_case_ids(user, ids):
    if not ids:
        return set()
    return set(cases_visible_to(user).filter(id__in=ids).values_list("id", flat=True))


def field_visit_page(user, filters: RegisterFilters, *, after_id: int | None = None, limit: int = PAGE_SIZE):
    """One page of field visits, latest outing first, by keyset on (started_at, id).

    The cursor is the id of the last row shown; its start time is read back so the page after
    it costs the same wherever it is. Returns (visits, next_after_id).
    """
    qs = _field_visits(user, filters)
    if after_id:
        anchor = FieldVisit.objects.filter(pk=after_id).values_list("started_at", flat=True).first()
        if anchor is not None:
            qs = qs.filter(Q(started_at__lt=anchor) | Q(started_at=anchor, id__lt=after_id))
    page = list(
        qs.select_related("village", "grid", "compound", "recorded_by")
        .prefetch_related(Prefetch("opened_cases", queryset=Case.objects.only("id", "number")))
        .order_by("-started_at", "-id")[: limit + 1]
    )
    next_after = page[limit - 1].id if len(page) > limit else None
    return page[:limit], next_after


def reception_visit_page(user, filters: RegisterFilters, *, after_id: int | None = None, limit: int = PAGE_SIZE):
    qs = _reception_visits(user, filters)
    if after_id:
        anchor = ReceptionVisit.objects.filter(pk=after_id).values_list("received_on", flat=True).first()
        if anchor is not None:
            qs = qs.filter(Q(received_on__lt=anchor) | Q(received_on=anchor, id__lt=after_id))
    page = list(qs.select_related("slot__leader", "village", "case").order_by("-received_on", "-id")[: limit + 1])
    next_after = page[limit - 1].id if len(page) > limit else None
    return page[:limit], next_after


def recent_entries(user, *, limit=8):
    field = list(
        field_visits_visible_to(user).select_related("village", "grid").prefetch_related("opened_cases").order_by("-started_at", "-id")[:limit]
    )
    reception = list(reception_visits_visible_to(user).select_related("slot__leader", "village", "case").order_by("-received_on", "-id")[:limit])
    return field, reception


def register_counts(user, start: date, end: date):
    """Per village and per register, for outings started (visitors received) from `start` to
    `end`: entries, households visited, issues found and cases opened. Four queries."""
    field = _field_visits(user, RegisterFilters(date_from=start, date_to=end))
    rows = field.values("village_id", "kind").annotate(
        entries=Count("id", distinct=True), households=Sum("households_visited"), issues=Sum("issues_found")
    )
    opened = (
        FieldVisit.opened_cases.through.objects.filter(fieldvisit__in=field.values("id"))
        .values("fieldvisit__village_id", "fieldvisit__kind")
        .annotate(n=Count("case_id", distinct=True))
    )
    reception = (
        _reception_visits(user, RegisterFilters(date_from=start, date_to=end))
        .values("village_id")
        .annotate(entries=Count("id"), visitors=Sum("visitors_count"), cases=Count("case_id"))
    )
    kinds = [RECEPTION, *FieldVisitKind.values]
    table: dict = {}

    def cell(village_id, kind):
        return table.setdefault(village_id, {k: {"entries": 0, "cases": 0, "households": 0, "issues": 0} for k in kinds})[kind]

    for row in rows:
        c = cell(row["village_id"], row["kind"])
        c["entries"], c["households"], c["issues"] = row["entries"], row["households"] or 0, row["issues"] or 0
    for row in opened:
        cell(row["fieldvisit__village_id"], row["fieldvisit__kind"])["cases"] = row["n"]
    for row in reception:
        c = cell(row["village_id"], RECEPTION)
        c["entries"], c["households"], c["cases"] = row["entries"], row["visitors"] or 0, row["cases"]
    villages = {v.id: v for v in villages_for_reading(user).filter(id__in=[k for k in table if k])}
    lines = []
    for village_id, cells in table.items():
        village = villages.get(village_id)
        lines.append(
            {
                "village": village,
                "cells": [cells[k] for k in kinds],
                "entries": sum(c["entries"] for c in cells.values()),
                "cases": sum(c["cases"] for c in cells.values()),
            }
        )
    lines.sort(key=lambda line: (line["village"] is None, *((line["village"].sort_order, line["village"].id) if line["village"] else (0, 0))))
    totals = [
        {key: sum(line["cells"][i][key] for line in lines) for key in ("entries", "cases", "households", "issues")}
        for i in range(len(kinds))
    ]
    return {"kinds": kinds, "lines": lines, "totals": totals}


def export_rows(user, filters: RegisterFilters):
    """Rows of the register for export, capped at EXPORT_LIMIT; case numbers only of cases the user may see."""
    if filters.is_reception:
        visits = list(_reception_visits(user, filters).select_related("slot__leader", "village", "case").order_by("-received_on", "-id")[:EXPORT_LIMIT])
        visible = _visible_case_ids(user, {v.case_id for v in visits if v.case_id})
        return visits, visible
    visits = list(
        _field_visits(user, filters)
        .select_related("village", "grid", "compound", "recorded_by")
        .prefetch_related("participants", Prefetch("opened_cases", queryset=Case.objects.only("id", "number")))
        .order_by("-started_at", "-id")[:EXPORT_LIMIT]
    )
    visible = _visible_case_ids(user, {c.id for v in visits for c in v.opened_cases.all()})
    return visits, visible
