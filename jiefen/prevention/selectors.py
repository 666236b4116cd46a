"""Reads of prevention work: activity counts per programme, village and month (three grouped
queries whatever the number of activities), and the referrals on a case."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from .access import activities_visible_to, referrals_visible_to
from .models import CounsellingReferral


@dataclass
class ActivityCounts:
    label: str
    activities: int = 0
    participants: int = 0
    households: int = 0
    volunteers: int = 0


def _grouped(qs, key, *order):
    return [
        (row[key], row)
        for row in qs.values(key, *order)
        .annotate(n=Count("id"), p=Sum("participants"), h=Sum("households_reached"), v=Sum("volunteers"))
        .order_by(*order, key)
    ]


def _counts(label, row) -> ActivityCounts:
    return ActivityCounts(label=label, activities=row["n"], participants=row["p"] or 0, households=row["h"] or 0, volunteers=row["v"] or 0)


def activity_summary(user, *, start: date, end: date) -> dict:
    """Counts of visible activities between start and end, by programme, village and month."""
    qs = activities_visible_to(user).filter(date__gte=start, date__lte=end)
    by_programme = [_counts(key, row) for key, row in _grouped(qs, "programme__name", "programme__sort_order")]
    by_village = [_counts(key or _("全街道"), row) for key, row in _grouped(qs, "village__name", "village__sort_order")]
    by_month = [_counts(f"{key:%Y-%m}", row) for key, row in _grouped(qs.annotate(month=TruncMonth("date")), "month") if key]
    total = ActivityCounts(label=_("合计"))
    for line in by_programme:
        total.activities += line.activities
        total.participants += line.participants
        total.households += line.households
        total.volunteers += line.volunteers
    return {"by_programme": by_programme, "by_village": by_village, "by_month": by_month, "total": total}


def activity_list(user, *, start: date, end: date, programme_id=None, limit=100):
    qs = activities_visible_to(user).filter(date__gte=start, date__lte=end)
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return list(qs.select_related("programme", "unit", "village").order_by("-date", "-id")[:limit])


def referrals_of_case_prefetch():
    return [Prefetch("counselling_referrals", CounsellingReferral.objects.select_related("party", "referred_by", "room").order_by("-referred_on", "-id"))]


def referrals_of_case(case):
    """Latest first; from the case page's prefetch when it made one."""
    if "counselling_referrals" in getattr(case, "page_empty", ()):
        return []
    if "counselling_referrals" in getattr(case, "_prefetched_objects_cache", {}):
        return list(case.counselling_referrals.all())
    return list(
        CounsellingReferral.objects.filter(case=case).select_related("party", "referred_by", "room").order_by("-referred_on", "-id")
    )


def referral_list(user, *, open_only=False, limit=200):
    qs = referrals_visible_to(user)
    if open_only:
        qs = qs.filter(status__in=["referred", "accepted", "in_progress"])
    return list(qs.select_related("case", "party", "room", "referred_by").order_by("-referred_on", "-id")[:limit])
