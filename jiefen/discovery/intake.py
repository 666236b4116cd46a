"""Opening a case in one step from a register entry: the intake form starts from the entry's
facts with its channel filled in, and the link back is written in the case's transaction."""

from django.utils.translation import gettext as _

from jiefen.cases.intake_sources import IntakeSource, register_intake_source

from .access import field_visits_visible_to, reception_visits_visible_to
from .models import CHANNEL_OF_KIND, RECEPTION

TITLE_LENGTH = 30


def _title(text: str) -> str:
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return first[:TITLE_LENGTH]


def reception_source(user, object_id):
    visit = reception_visits_visible_to(user).select_related("slot__leader", "village").filter(pk=object_id).first()
    if visit is None:
        return None
    from .services import reception_visit_link_case

    description = visit.matter
    if visit.handling:
        description += "\n" + _("接访处理情况：") + visit.handling
    initial = {
        "channel": CHANNEL_OF_KIND[RECEPTION],
        "title": _title(visit.matter),
        "description": description,
        "address": visit.address,
        "people_involved": max(visit.visitors_count, 2),
    }
    if visit.village_id:
        initial["village"] = visit.village_id
    return IntakeSource(
        token="",
        label=_("%(day)s %(leader)s接访 · 来访人%(name)s")
        % {"day": visit.received_on.isoformat(), "leader": visit.slot.leader.name, "name": visit.visitor_name},
        initial=initial,
        attach=lambda *, case, actor: reception_visit_link_case(visit_id=visit.pk, case=case, actor=actor),
    )


def field_visit_source(user, object_id):
    visit = field_visits_visible_to(user).select_related("village", "compound").filter(pk=object_id).first()
    if visit is None:
        return None
    from .services import field_visit_link_case

    initial = {
        "channel": CHANNEL_OF_KIND[visit.kind],
        "title": _title(visit.findings),
        "description": visit.findings,
        "village": visit.village_id,
        "address": visit.address or (visit.compound.name if visit.compound_id else ""),
    }
    if visit.grid_id:
        initial["grid"] = visit.grid_id
    if visit.compound_id:
        initial["compound"] = visit.compound_id
    return IntakeSource(
        token="",
        label=_("%(kind)s记录 · %(village)s · %(day)s")
        % {"kind": visit.get_kind_display(), "village": visit.village.name, "day": visit.started_at.date().isoformat()},
        initial=initial,
        attach=lambda *, case, actor: field_visit_link_case(visit_id=visit.pk, case=case, actor=actor),
    )


def register():
    register_intake_source("reception", reception_source)
    register_intake_source("fieldvisit", field_visit_source)
