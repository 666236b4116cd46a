"""The figures the reports module asks the assessment for."""

from django.db.models import Q

from .models import Card


def cards_issued(cases, period) -> int:
    """Cards issued in the period to the holders of the subdistrict(s) of `cases`, leaving out
    those withdrawn since (their incident was voided, as the incident count leaves voided
    incidents out). A holder's subdistrict is that of the unit whose incident earned the card."""
    subdistricts = cases.order_by().values("subdistrict_id")
    start, end = period.bounds()
    return (
        Card.objects.filter(issued_at__gte=start, issued_at__lt=end, withdrawn_at__isnull=True)
        .filter(Q(incident__unit__area_id__in=subdistricts) | Q(incident__unit__area__subdistrict_id__in=subdistricts))
        .count()
    )
