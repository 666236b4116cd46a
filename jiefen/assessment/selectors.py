"""Reads for the assessment pages: the review queue, a holder's incidents and cards, the
year's cards. Every read starts from what the user may see (jiefen.assessment.access)."""

from django.db.models import Count, Q
from django.utils import timezone

from .access import appeals_visible_to, cards_visible_to, incidents_visible_to
from .cards import COLOURS
from .models import AppealStatus, CardColour, IncidentStatus

PAGE_SIZE = 30


def incident_queue(user, *, kind="", status="", year=None, village_id=None, before_id=None, limit=PAGE_SIZE):
    """Newest first, keyset-paginated on id: `before_id` is the last id of the previous page.
    Returns (rows, next_before_id or None)."""
    incidents = incidents_visible_to(user).select_related("unit__area", "case", "liaison_leader", "responsible_user")
    if kind:
        incidents = incidents.filter(kind=kind)
    if status:
        incidents = incidents.filter(status=status)
    if year:
        incidents = incidents.filter(assessment_year=year)
    if village_id:
        incidents = incidents.filter(Q(unit__area_id=village_id) | Q(unit__area__village_id=village_id) | Q(case__village_id=village_id))
    if before_id:
        incidents = incidents.filter(id__lt=before_id)
    rows = list(incidents.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def pending_appeals(user, *, status=AppealStatus.PENDING, limit=100):
    appeals = appeals_visible_to(user).select_related("incident__unit__area", "incident__case", "filed_by", "decided_by")
    if status:
        appeals = appeals.filter(status=status)
    return list(appeals.order_by("-id")[:limit])


def holder_incidents(user, *, year, unit=None, leader=None):
    incidents = incidents_visible_to(user).filter(assessment_year=year).select_related("case", "unit", "liaison_leader")
    incidents = incidents.filter(unit=unit) if unit is not None else incidents.filter(liaison_leader=leader)
    return list(incidents.order_by("-id")[:300])


def holder_cards(user, *, year, unit=None, leader=None):
    cards = cards_visible_to(user).filter(assessment_year=year).select_related("incident")
    cards = cards.filter(unit=unit) if unit is not None else cards.filter(leader=leader)
    order = {colour: i for i, colour in enumerate(COLOURS)}
    cards = list(cards)
    standing = sorted((c for c in cards if c.withdrawn_at is None), key=lambda c: order[c.colour])
    withdrawn = sorted((c for c in cards if c.withdrawn_at is not None), key=lambda c: c.withdrawn_at, reverse=True)
    return standing, withdrawn


def confirmed_counts(*, year, unit_ids=(), leader_ids=()):
    from .models import Incident

    base = Incident.objects.filter(assessment_year=year, status=IncidentStatus.CONFIRMED).order_by()
    units = dict(base.filter(unit_id__in=unit_ids).values_list("unit_id").annotate(n=Count("id")))
    leaders = dict(base.filter(liaison_leader_id__in=leader_ids).values_list("liaison_leader_id").annotate(n=Count("id")))
    return units, leaders


def cards_overview(user, *, year):
    """The year's standing cards the user may see, grouped by colour (black first), each with
    its holder's confirmed count."""
    cards = list(
        cards_visible_to(user)
        .filter(assessment_year=year, withdrawn_at__isnull=True)
        .select_related("unit__area__village", "leader", "incident")
        .order_by("id")
    )
    units, leaders = confirmed_counts(
        year=year, unit_ids={c.unit_id for c in cards if c.unit_id}, leader_ids={c.leader_id for c in cards if c.leader_id}
    )
    for card in cards:
        card.confirmed = units.get(card.unit_id, 0) if card.unit_id else leaders.get(card.leader_id, 0)
        card.holder_name = card.unit.name if card.unit_id else card.leader.name
    groups = []
    for colour in reversed(COLOURS):
        rows = sorted((c for c in cards if c.colour == colour), key=lambda c: (c.leader_id is not None, -c.confirmed, c.holder_name))
        groups.append({"colour": colour, "label": CardColour(colour).label, "cards": rows})
    return groups


def highest_cards(cards):
    """One row per holder with its highest standing colour: what the bulletin and export list."""
    order = {colour: i for i, colour in enumerate(COLOURS)}
    best = {}
    for card in cards:
        key = ("unit", card.unit_id) if card.unit_id else ("leader", card.leader_id)
        if key not in best or order[card.colour] > order[best[key].colour]:
            best[key] = card
    return list(best.values())


def current_year():
    return timezone.localdate().year


__all__ = ["incident_queue", "pending_appeals", "holder_incidents", "holder_cards", "cards_overview", "highest_cards"]
