"""The case page's 发现来源 panel (registered from apps.py): the register entries a case was
opened from, or carried on."""

from django.db.models import Exists, OuterRef, Q

from jiefen.web.panels import has_rows

from .access import field_visits_visible_to, reception_visits_visible_to
from .models import FieldVisit, ReceptionVisit


def case_panel_probes():
    """Two unscoped existence checks, asked with the case page's others: most cases come from
    elsewhere, and the page should not pay for the user's register scope to learn that."""
    return {
        "has_reception_visits": Exists(ReceptionVisit.objects.filter(case=OuterRef("pk"))),
        "has_field_visits": Exists(FieldVisit.objects.filter(Q(opened_cases=OuterRef("pk")) | Q(carried_cases=OuterRef("pk")))),
    }


def case_panel_context(request, case):
    has_visit = has_rows(case, "has_reception_visits", ReceptionVisit.objects.filter(case=case))
    field_condition = Q(opened_cases=case) | Q(carried_cases=case)
    has_field = has_rows(case, "has_field_visits", FieldVisit.objects.filter(field_condition))
    if not (has_visit or has_field):
        return None
    visits = (
        list(reception_visits_visible_to(request.user).filter(case=case).select_related("slot__leader").order_by("id"))
        if has_visit
        else []
    )
    field = []
    if has_field:
        field = list(
            field_visits_visible_to(request.user)
            .filter(field_condition)
            .select_related("village")
            .distinct()
            .order_by("started_at", "id")
        )
        opened_ids = set(case.opened_from_field_visits.values_list("id", flat=True))
        for visit in field:
            visit.opened_this = visit.id in opened_ids
    if not (visits or field):
        return None
    return {"case": case, "reception_visits": visits, "field_visits": field}
