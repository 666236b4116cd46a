"""Who may read and write the discovery registers.

Centre staff (综治中心, 政法委员, 基层治理专员) keep the rota and record everything in their
subdistrict; a leader records the visitors of their own slots and the field work they take part
in; mediators and grid workers record patrols and cadre visits in their village. Staff, leaders
and the subdistrict's mediators read the whole subdistrict; a village mediator or a grid worker
reads their village's entries (and what they recorded themselves); anyone else nothing.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from jiefen.common.prepared import Prepared
from jiefen.organisation.models import Area, AreaKind, Person
from jiefen.organisation.selectors import user_scope

from .models import GRASSROOTS_KINDS, FieldVisit, FieldVisitKind, ReceptionSlot, ReceptionVisit


@dataclass(frozen=True)
class DiscoveryAccess:
    is_superuser: bool = False
    staff_subdistrict_ids: frozenset = field(default_factory=frozenset)
    leader_subdistrict_ids: frozenset = field(default_factory=frozenset)
    mediator_subdistrict_ids: frozenset = field(default_factory=frozenset)  # subdistrict-level mediators
    village_ids: frozenset = field(default_factory=frozenset)  # villages of their rooms or grids
    village_subdistrict_ids: frozenset = field(default_factory=frozenset)
    person_id: int | None = None

    @property
    def reads_subdistrict(self):
        return self.staff_subdistrict_ids | self.leader_subdistrict_ids | self.mediator_subdistrict_ids

    @property
    def subdistrict_ids(self):
        """Subdistricts whose rota the user sees."""
        return self.reads_subdistrict | self.village_subdistrict_ids

    @property
    def reads_anything(self):
        return self.is_superuser or bool(self.subdistrict_ids)

    @property
    def records_field_visits(self):
        return self.is_superuser or bool(self.staff_subdistrict_ids or self.leader_subdistrict_ids or self.mediator_subdistrict_ids or self.village_ids)

    @property
    def manages_rota(self):
        return self.is_superuser or bool(self.staff_subdistrict_ids)


# What access_for reads, on every page of the registers and every case page with a visit.
_VILLAGES_OF = Prepared(lambda ids: Area.objects.filter(id__in=ids).values_list("village_id", flat=True), ids=[int])
_SUBDISTRICTS_OF = Prepared(lambda ids: Area.objects.filter(id__in=ids).values_list("subdistrict_id", flat=True), ids=[int])
_PERSON_OF = Prepared(lambda user: Person.objects.filter(user_id=user).order_by("pk").values_list("id", flat=True)[:1], user=int)


def access_for(user) -> DiscoveryAccess:
    if user is None or not user.is_authenticated:
        return DiscoveryAccess()
    cached = getattr(user, "_jiefen_discovery_access", None)
    if cached is not None:
        return cached
    scope = user_scope(user)
    grid_villages = set()
    if scope.grid_ids:
        grid_villages = set(_VILLAGES_OF(ids=sorted(scope.grid_ids)))
    villages = (set(scope.village_ids) | grid_villages) - {None}
    village_subs = set(_SUBDISTRICTS_OF(ids=sorted(villages))) if villages else set()
    person = _PERSON_OF(user=user.pk)
    person_id = person[0] if person else None
    access = DiscoveryAccess(
        is_superuser=scope.is_superuser,
        staff_subdistrict_ids=scope.staff_subdistrict_ids,
        leader_subdistrict_ids=scope.leader_subdistrict_ids,
        mediator_subdistrict_ids=scope.subdistrict_mediator_ids,
        village_ids=frozenset(villages),
        village_subdistrict_ids=frozenset(village_subs),
        person_id=person_id,
    )
    user._jiefen_discovery_access = access
    return access


# ---------------------------------------------------------------- the rota


def slots_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return ReceptionSlot.objects.all()
    return ReceptionSlot.objects.filter(subdistrict_id__in=access.subdistrict_ids)


def rota_can_manage(user, subdistrict_id) -> bool:
    access = access_for(user)
    return access.is_superuser or subdistrict_id in access.staff_subdistrict_ids


def slot_can_record_visitor(user, slot: ReceptionSlot) -> bool:
    """The centre's staff, and the leader receiving in this slot."""
    access = access_for(user)
    return rota_can_manage(user, slot.subdistrict_id) or (access.person_id is not None and slot.leader_id == access.person_id)


# ---------------------------------------------------------------- visitors


def reception_visits_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return ReceptionVisit.objects.all()
    if user is None or not user.is_authenticated:
        return ReceptionVisit.objects.none()
    return ReceptionVisit.objects.filter(
        Q(subdistrict_id__in=access.reads_subdistrict) | Q(village_id__in=access.village_ids) | Q(recorded_by_id=user.pk)
    )


# ---------------------------------------------------------------- field work


def field_visit_terms(user):
    """Who reads which field work, as values: (subdistricts read in full, villages read, the
    user whose own records they are); None for a superuser, who reads everything."""
    access = access_for(user)
    if access.is_superuser:
        return None
    return sorted(access.reads_subdistrict), sorted(access.village_ids), user.pk


def field_visits_matching(subdistrict_ids, village_ids, user_id):
    return FieldVisit.objects.filter(
        Q(subdistrict_id__in=subdistrict_ids) | Q(village_id__in=village_ids) | Q(recorded_by_id=user_id)
    )


def field_visits_visible_to(user):
    if user is None or not user.is_authenticated:
        return FieldVisit.objects.none()
    terms = field_visit_terms(user)
    return FieldVisit.objects.all() if terms is None else field_visits_matching(*terms)


def field_visit_kinds_for(user, village: Area) -> tuple:
    """The kinds of field work the user may record in this village (empty: none)."""
    access = access_for(user)
    if village is None or village.kind not in (AreaKind.VILLAGE, AreaKind.COMMUNITY):
        return ()
    all_kinds = tuple(FieldVisitKind)
    if access.is_superuser or village.subdistrict_id in access.staff_subdistrict_ids:
        return all_kinds
    # A leader records the field work they take part in; the service adds them as a participant.
    if village.subdistrict_id in access.leader_subdistrict_ids and access.person_id is not None:
        return all_kinds
    if village.subdistrict_id in access.mediator_subdistrict_ids or village.id in access.village_ids:
        return tuple(GRASSROOTS_KINDS)
    return ()


def field_visit_can_edit(user, visit: FieldVisit) -> bool:
    """Staff of the subdistrict; the one who recorded it, while they may still record that kind there."""
    access = access_for(user)
    if access.is_superuser or visit.subdistrict_id in access.staff_subdistrict_ids:
        return True
    return visit.recorded_by_id == user.pk and visit.kind in field_visit_kinds_for(user, visit.village)


def villages_for_field_visits(user):
    """Villages the user may record some field work in."""
    access = access_for(user)
    villages = Area.objects.filter(kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY])
    if access.is_superuser:
        return villages
    subs = access.staff_subdistrict_ids | access.mediator_subdistrict_ids
    if access.person_id is not None:
        subs |= access.leader_subdistrict_ids
    return villages.filter(Q(subdistrict_id__in=subs) | Q(id__in=access.village_ids))


def villages_for_reading(user):
    access = access_for(user)
    villages = Area.objects.filter(kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY])
    if access.is_superuser:
        return villages
    return villages.filter(Q(subdistrict_id__in=access.reads_subdistrict) | Q(id__in=access.village_ids))
