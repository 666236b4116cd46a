"""Yellow, red and black cards (三色牌, DESIGN §10) follow the count of confirmed incidents.

A holder — a unit, or a liaison leader (联系领导) — holds every colour whose threshold its
confirmed incidents of the assessment year reach. After each review the holder's cards are
reconciled with its count: colours reached and not standing are issued (the card names the
incident whose confirmation reached it), standing colours no longer reached are withdrawn.

Reconciling is called with the holder's row locked (select_for_update on the Unit or the
Person), so two reviews of the same holder's incidents count one after the other and never
issue a colour twice; the partial unique constraints on Card ("one standing card per holder,
year and colour") back that up in the database. A standing card whose own incident was later
voided stays while the remaining count still earns its colour: the card is about the count.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.notifications.models import NotificationKind
from jiefen.notifications.services import notify
from jiefen.organisation.models import Area, Person, Unit

from .models import Card, CardColour, CardPolicy, Incident, IncidentAction, IncidentEvent, IncidentStatus

COLOURS = (CardColour.YELLOW, CardColour.RED, CardColour.BLACK)
DEFAULT_THRESHOLDS = {CardColour.YELLOW: 1, CardColour.RED: 2, CardColour.BLACK: 3}


def thresholds_for(subdistrict_id) -> dict:
    policy = CardPolicy.objects.filter(subdistrict_id=subdistrict_id).first() if subdistrict_id else None
    if policy is None:
        return dict(DEFAULT_THRESHOLDS)
    return {CardColour.YELLOW: policy.yellow_at, CardColour.RED: policy.red_at, CardColour.BLACK: policy.black_at}


def earned_colours(count: int, thresholds: dict) -> list[str]:
    return [colour for colour in COLOURS if count >= thresholds[colour]]


def confirmed_count(*, year: int, unit=None, leader=None) -> int:
    incidents = Incident.objects.filter(assessment_year=year, status=IncidentStatus.CONFIRMED)
    return incidents.filter(unit=unit).count() if unit is not None else incidents.filter(liaison_leader=leader).count()


def holder_link(*, unit=None, leader=None) -> str:
    from django.urls import reverse

    if unit is not None:
        return reverse("assessment:unit_detail", args=[unit.pk])
    return reverse("assessment:leader_detail", args=[leader.pk])


def cards_reconcile(*, cause: Incident, actor, year: int, subdistrict_id, unit: Unit | None = None, leader: Person | None = None) -> dict:
    """Issue and withdraw the holder's cards so they match its confirmed count.

    The caller holds the lock on the holder's row and runs inside the review's transaction.
    Events go on `cause`, the incident whose review changed the count."""
    assert (unit is None) != (leader is None)
    holder = {"unit": unit} if unit is not None else {"leader": leader}
    count = confirmed_count(year=year, **holder)
    earned = set(earned_colours(count, thresholds_for(subdistrict_id)))
    standing = {card.colour: card for card in Card.objects.filter(assessment_year=year, withdrawn_at__isnull=True, **holder)}
    holder_name = unit.name if unit is not None else leader.name
    holder_kind = "unit" if unit is not None else "leader"
    issued, withdrawn = [], []
    for colour in COLOURS:
        if colour in earned and colour not in standing:
            card = Card.objects.create(assessment_year=year, colour=colour, incident=cause, **holder)
            issued.append(card)
            IncidentEvent.objects.create(
                incident=cause,
                action=IncidentAction.CARD_ISSUED,
                actor=actor,
                data={"card": card.pk, "colour": colour, "holder": holder_kind, "holder_id": (unit or leader).pk, "holder_name": holder_name, "count": count},
            )
        elif colour not in earned and colour in standing:
            card = standing[colour]
            card.withdrawn_at = timezone.now()
            card.withdrawn_reason = _("不到位情形#%(id)d经复核撤销，年度确认不到位次数为%(count)d次，不再达到%(colour)s标准。") % {
                "id": cause.pk,
                "count": count,
                "colour": card.get_colour_display(),
            }
            card.save(update_fields=["withdrawn_at", "withdrawn_reason"])
            withdrawn.append(card)
            IncidentEvent.objects.create(
                incident=cause,
                action=IncidentAction.CARD_WITHDRAWN,
                actor=actor,
                reason=card.withdrawn_reason,
                data={"card": card.pk, "colour": colour, "holder": holder_kind, "holder_id": (unit or leader).pk, "holder_name": holder_name, "count": count},
            )
    if issued or withdrawn:
        _tell(unit=unit, leader=leader, cause=cause, issued=issued, withdrawn=withdrawn, count=count, year=year)
    return {"count": count, "issued": issued, "withdrawn": withdrawn}


def _tell(*, unit, leader, cause, issued, withdrawn, count, year):
    from .access import unit_people

    if unit is not None:
        users = list(unit_people(unit))
        if cause.liaison_leader_id and cause.liaison_leader and cause.liaison_leader.user_id:
            users.append(cause.liaison_leader.user)
        name = unit.name
    else:
        users = [leader.user] if leader.user_id else []
        name = _("%(name)s（联系领导）") % {"name": leader.name}
    parts = []
    if issued:
        parts.append(
            _("%(name)s %(year)d年度确认不到位情形累计%(count)d次，亮%(colours)s。")
            % {"name": name, "year": year, "count": count, "colours": "、".join(card.get_colour_display() for card in issued)}
        )
    if withdrawn:
        parts.append(
            _("%(name)s 的%(colours)s已撤销（年度确认不到位情形现为%(count)d次）。")
            % {"name": name, "colours": "、".join(card.get_colour_display() for card in withdrawn), "count": count}
        )
    notify(users, kind=NotificationKind.CARD, message="".join(parts), link=holder_link(unit=unit, leader=leader))


def lock_holders(*, unit_id, leader_ids) -> tuple[Unit, dict]:
    """Lock the unit and the leaders (always in this order: unit, then people by id) so that
    reviews of one holder's incidents count one at a time."""
    unit = Unit.objects.select_for_update(of=("self",)).select_related("area").get(pk=unit_id)
    leaders = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=sorted(i for i in leader_ids if i)).order_by("pk")}
    return unit, leaders


def subdistrict_id_of(unit: Unit):
    area: Area = unit.area
    return area.id if area.subdistrict_id is None else area.subdistrict_id


def standing_cards(*, year: int, subdistrict_id=None, as_of=None):
    """Cards standing now (or at the moment `as_of`), with their holders."""
    from django.db.models import Q

    cards = Card.objects.filter(assessment_year=year)
    if as_of is None:
        cards = cards.filter(withdrawn_at__isnull=True)
    else:
        cards = cards.filter(issued_at__lt=as_of).filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=as_of))
    if subdistrict_id is not None:
        cards = cards.filter(Q(incident__unit__area_id=subdistrict_id) | Q(incident__unit__area__subdistrict_id=subdistrict_id))
    return cards.select_related("unit__area", "leader", "incident")
