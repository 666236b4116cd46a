"""The case page's 发现来源 panel (registered from apps.py): the register entries a case was
opened from, or carried on."""

from django.db.models import Exists, OuterRef, Q

from jiefen.common.prepared import Prepared
from jiefen.web.panels import has_rows

from .access import field_visit_terms, field_visits_matching, reception_visits_visible_to
from .models import FieldVisit, ReceptionVisit


def case_panel_probes():
    """Two unscoped existence checks, asked with the case page's others: most cases come from
    elsewhere, and the page should not pay for the user's register scope to learn that."""
    return {
        "has_reception_visits": Exists(ReceptionVisit.objects.filter(case=OuterRef("pk"))),
        "has_field_visits": Exists(FieldVisit.objects.filter(Q(opened_cases=OuterRef("pk")) | Q(carried_cases=OuterRef("pk")))),
    }


def _case_field_visits(visits, case):
    """Of `visits`, the field work a case was opened from or carried on."""
    condition = Q(opened_cases=case) | Q(carried_cases=case)
    return visits.filter(condition).select_related("village").distinct().order_by("started_at", "id")


# Prepared once each: the case page asks whenever a case came from field work.
_ALL_FIELD_VISITS = Prepared(lambda case: _case_field_visits(FieldVisit.objects.all(), case), case=int)
_FIELD_VISITS = Prepared(
    lambda case, subdistricts, villages, user: _case_field_visits(field_visits_matching(subdistricts, villages, user), case),
    case=int,
    subdistricts=[int],
    villages=[int],
    user=int,
)
_OPENED_FROM = Prepared(lambda case: FieldVisit.objects.filter(opened_cases=case).values_list("id", flat=True), case=int)


def case_panel_context(request, case):
    has_visit = has_rows(case, "has_reception_visits", lambda: ReceptionVisit.objects.filter(case=case))
    has_field = has_rows(
        case, "has_field_visits", lambda: FieldVisit.objects.filter(Q(opened_cases=case) | Q(carried_cases=case))
    )
    if not (has_visit or has_field):
        return None
    visits = (
        list(reception_visits_visible_to(request.user).filter(case=case).select_related("slot__leader").order_by("id"))
        if has_visit
        else []
    )
    field = []
    if has_field and request.user.is_authenticated:
        terms = field_visit_terms(request.user)
        if terms is None:
            field = _ALL_FIELD_VISITS(case=case.pk)
        else:
            subdistricts, villages, user_id = terms
            field = _FIELD_VISITS(case=case.pk, subdistricts=subdistricts, villages=villages, user=user_id)
        opened_ids = set(_OPENED_FROM(case=case.pk))
        for visit in field:
            visit.opened_this = visit.id in opened_ids
    if not (visits or field):
        return None
    return {"case": case, "reception_visits": visits, "field_visits": field}
