"""What the written reports ask the assessment for: the cards standing at a moment."""

from django.db.models import Count
from django.utils.translation import gettext as _

from .cards import COLOURS, standing_cards
from .models import CardColour, Incident, IncidentStatus


def standing_card_rows(subdistrict, year: int, *, as_of) -> list[list]:
    """[holder, colour, confirmed count] for every unit and liaison leader holding a card of
    `year` at the moment `as_of`, one row per holder with its gravest colour, gravest first.
    The count is of the incidents confirmed by then and still confirmed."""
    order = {colour: i for i, colour in enumerate(COLOURS)}
    best = {}
    for card in standing_cards(year=year, subdistrict_id=subdistrict.pk, as_of=as_of):
        key = ("unit", card.unit_id) if card.unit_id else ("leader", card.leader_id)
        if key not in best or order[card.colour] > order[best[key].colour]:
            best[key] = card
    confirmed = Incident.objects.filter(assessment_year=year, status=IncidentStatus.CONFIRMED, reviewed_at__lt=as_of).order_by()
    units = dict(confirmed.filter(unit_id__in=[k[1] for k in best if k[0] == "unit"]).values_list("unit_id").annotate(n=Count("id")))
    leaders = dict(
        confirmed.filter(liaison_leader_id__in=[k[1] for k in best if k[0] == "leader"]).values_list("liaison_leader_id").annotate(n=Count("id"))
    )
    rows = []
    for (kind, holder_id), card in best.items():
        if kind == "unit":
            name, count = card.unit.name, units.get(holder_id, 0)
        else:
            name, count = _("%(name)s（联系领导）") % {"name": card.leader.name}, leaders.get(holder_id, 0)
        rows.append((-order[card.colour], kind != "unit", -count, name, [name, str(CardColour(card.colour).label), str(count)]))
    return [row[-1] for row in sorted(rows, key=lambda r: r[:4])]
