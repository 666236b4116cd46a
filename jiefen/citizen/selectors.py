"""Reads of the parties' ratings: one case's ratings for its page, and averages for reports."""

from django.db.models import Avg, Count, Prefetch

from jiefen.cases.models import Case

from .models import CaseRating


def case_ratings_prefetch():
    return [Prefetch("citizen_ratings", CaseRating.objects.select_related("party").order_by("id"))]


def case_ratings(case) -> list[CaseRating]:
    """In id order; from the case page's prefetch when it made one."""
    if "citizen_ratings" in getattr(case, "page_empty", ()):
        return []
    if "citizen_ratings" in getattr(case, "_prefetched_objects_cache", {}):
        return list(case.citizen_ratings.all())
    return list(CaseRating.objects.filter(case=case).select_related("party").order_by("id"))


def ratings_summary(*, cases=None, subdistrict=None, unit=None, start=None, end=None) -> dict:
    """How the parties rated the outcomes: {count, outcome_average, mediator_average} (averages
    rounded to two places, None without ratings). Narrow by a queryset of cases, a
    subdistrict, the unit that handled the case, and the rating date (start ≤ day ≤ end)."""
    ratings = CaseRating.objects.all()
    if cases is not None:
        ratings = ratings.filter(case__in=cases.values("pk") if hasattr(cases, "values") else cases)
    if subdistrict is not None:
        ratings = ratings.filter(case__subdistrict=subdistrict)
    if unit is not None:
        ratings = ratings.filter(case__assigned_unit=unit)
    if start is not None:
        ratings = ratings.filter(created_at__date__gte=start)
    if end is not None:
        ratings = ratings.filter(created_at__date__lte=end)
    row = ratings.aggregate(count=Count("id"), outcome=Avg("outcome_score"), mediator=Avg("mediator_score"))
    return {
        "count": row["count"],
        "outcome_average": round(float(row["outcome"]), 2) if row["outcome"] is not None else None,
        "mediator_average": round(float(row["mediator"]), 2) if row["mediator"] is not None else None,
    }


def case_rating_panel(request, case: Case):
    """The ratings section of the staff case page; hidden while no party has rated."""
    ratings = case_ratings(case)
    if not ratings:
        return None
    return {"ratings": ratings, "summary": ratings_summary(cases=[case.pk])}
