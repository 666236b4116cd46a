"""Who reviews 不到位 incidents, who sees them, and who may appeal.

Reviewers (the leading group, 领导小组, as the system knows it): superusers; in their
subdistrict, the staff roles (综治中心工作人员, 政法委员, 基层治理专员) who run supervision, and
holders of the 领导 role. A person who is only a 联系领导 does not review: the cards count
against the liaison leaders themselves, and nobody reviews what is counted against them —
for the same reason a reviewer who is the incident's liaison leader must leave it to another
member (``reviewer_recuses``). Mediators, grid workers and outsiders never review.

Readers: everyone who sees the whole subdistrict (staff, leaders, liaison leaders). A unit's
own people — anyone holding a role in the unit, and, for a village's bodies, anyone holding a
role in one of that village's bodies (the 村(社区) staff act for its room and committee) — see
their unit's incidents and cards and may appeal them.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from jiefen.organisation.models import GRID_ROLES, STAFF_ROLES, VILLAGE_UNIT_KINDS, Area, AreaKind, Person, Role, RoleAssignment, Unit
from jiefen.organisation.selectors import user_scope

from .models import Card, Incident, IncidentAppeal


@dataclass(frozen=True)
class AssessmentAccess:
    is_superuser: bool = False
    reviewer_subdistrict_ids: frozenset = field(default_factory=frozenset)
    reader_subdistrict_ids: frozenset = field(default_factory=frozenset)
    unit_ids: frozenset = field(default_factory=frozenset)  # units whose incidents the user follows and may appeal
    person_id: int | None = None

    @property
    def reads_all(self):
        return self.is_superuser or bool(self.reader_subdistrict_ids)

    @property
    def reviews(self):
        return self.is_superuser or bool(self.reviewer_subdistrict_ids)

    @property
    def sees_anything(self):
        return self.reads_all or bool(self.unit_ids)


def _subdistrict_of(area: Area):
    return area.id if area.kind == AreaKind.SUBDISTRICT else area.subdistrict_id


def access_for(user) -> AssessmentAccess:
    if user is None or not user.is_authenticated:
        return AssessmentAccess()
    cached = getattr(user, "_jiefen_assessment_access", None)
    if cached is not None:
        return cached
    scope = user_scope(user)
    reviewers, own_units, villages = set(scope.staff_subdistrict_ids), set(), set()
    for assignment in RoleAssignment.objects.filter(person__user=user, person__is_active=True).select_related("unit__area", "area"):
        home = assignment.unit.area if assignment.unit else assignment.area
        if assignment.role == Role.LEADER and home is not None and _subdistrict_of(home):
            reviewers.add(_subdistrict_of(home))
        if assignment.unit is not None and assignment.role not in GRID_ROLES:
            own_units.add(assignment.unit_id)
            if assignment.unit.kind in VILLAGE_UNIT_KINDS and assignment.unit.area.village_area is not None:
                villages.add(assignment.unit.area.village_area.id)
    if villages:
        own_units |= set(Unit.objects.filter(area_id__in=villages, kind__in=VILLAGE_UNIT_KINDS).values_list("id", flat=True))
    person = Person.objects.filter(user=user).values_list("id", flat=True).first()
    access = AssessmentAccess(
        is_superuser=scope.is_superuser,
        reviewer_subdistrict_ids=frozenset(reviewers),
        reader_subdistrict_ids=frozenset(scope.staff_subdistrict_ids | scope.leader_subdistrict_ids | reviewers),
        unit_ids=frozenset(own_units),
        person_id=person,
    )
    user._jiefen_assessment_access = access
    return access


def unit_subdistrict_id(unit: Unit):
    return _subdistrict_of(unit.area)


def in_subdistricts(ids, prefix="unit__") -> Q:
    return Q(**{f"{prefix}area_id__in": ids}) | Q(**{f"{prefix}area__subdistrict_id__in": ids})


def incidents_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return Incident.objects.all()
    return Incident.objects.filter(in_subdistricts(access.reader_subdistrict_ids) | Q(unit_id__in=access.unit_ids))


def cards_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return Card.objects.all()
    # A leader's card is seen by those who read the subdistrict, and by the leader.
    return Card.objects.filter(
        in_subdistricts(access.reader_subdistrict_ids, "incident__unit__")
        | Q(unit_id__in=access.unit_ids)
        | Q(leader_id=access.person_id or 0)
    )


def appeals_visible_to(user):
    return IncidentAppeal.objects.filter(incident__in=incidents_visible_to(user))


def can_review(user, unit: Unit) -> bool:
    access = access_for(user)
    return access.is_superuser or unit_subdistrict_id(unit) in access.reviewer_subdistrict_ids


def reviewer_recuses(user, leader_id) -> bool:
    """The reviewer is the liaison leader the incident counts against."""
    if user is None or not leader_id or user.is_superuser:
        return False
    return access_for(user).person_id == leader_id


def can_see_unit(user, unit: Unit) -> bool:
    access = access_for(user)
    return access.is_superuser or unit_subdistrict_id(unit) in access.reader_subdistrict_ids or unit.id in access.unit_ids


def can_appeal(user, unit: Unit) -> bool:
    return unit.id in access_for(user).unit_ids


def can_see_leader(user, person: Person) -> bool:
    access = access_for(user)
    if access.is_superuser or access.person_id == person.id:
        return True
    subdistricts = set()
    for assignment in person.roles.select_related("unit__area", "area"):
        home = assignment.unit.area if assignment.unit else assignment.area
        if home is not None:
            subdistricts.add(_subdistrict_of(home))
    return bool(subdistricts & access.reader_subdistrict_ids)


def reviewers_of(subdistrict_id):
    """The users who are told of an appeal: the subdistrict's staff."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            Q(person__roles__unit__area_id=subdistrict_id) | Q(person__roles__unit__area__subdistrict_id=subdistrict_id),
            is_active=True,
            person__is_active=True,
            person__roles__role__in=STAFF_ROLES,
        )
        .distinct()
    )


def unit_people(unit: Unit):
    """Everyone with a login who holds a role in the unit (its mediators and role holders)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, person__is_active=True, person__roles__unit=unit).distinct()
