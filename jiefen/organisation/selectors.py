"""What a user is, in the organisation: which places they may see and which units they act for."""

from dataclasses import dataclass, field

from jiefen.common.prepared import Prepared

from .models import GRID_ROLES, LEADER_ROLES, STAFF_ROLES, VILLAGE_LEVEL, Area, AreaKind, Role, RoleAssignment, Unit


@dataclass(frozen=True)
class UserScope:
    is_superuser: bool = False
    staff_subdistrict_ids: frozenset = field(default_factory=frozenset)
    leader_subdistrict_ids: frozenset = field(default_factory=frozenset)
    mediator_unit_ids: frozenset = field(default_factory=frozenset)
    subdistrict_mediator_ids: frozenset = field(default_factory=frozenset)
    village_ids: frozenset = field(default_factory=frozenset)
    grid_ids: frozenset = field(default_factory=frozenset)
    is_grid_reporter: bool = False
    roles: frozenset = field(default_factory=frozenset)

    @property
    def subdistrict_ids(self):
        """Subdistricts the user sees in full."""
        return self.staff_subdistrict_ids | self.leader_subdistrict_ids | self.subdistrict_mediator_ids

    @property
    def is_leader_only(self):
        return bool(self.leader_subdistrict_ids) and not (
            self.is_superuser or self.staff_subdistrict_ids or self.mediator_unit_ids or self.is_grid_reporter
        )

    @property
    def can_register(self):
        return self.is_superuser or bool(self.staff_subdistrict_ids or self.mediator_unit_ids or self.is_grid_reporter)

    @property
    def is_staff_anywhere(self):
        return self.is_superuser or bool(self.staff_subdistrict_ids)


EMPTY_SCOPE = UserScope()


# Compiled once (jiefen/common/prepared.py): nearly every request asks.
_ROLES = Prepared(
    lambda user: RoleAssignment.objects.filter(person__user=user, person__is_active=True).select_related("unit__area", "area"),
    user=int,
)


def user_scope(user) -> UserScope:
    """The user's scope, computed once per request and kept on the user object."""
    if user is None or not user.is_authenticated:
        return EMPTY_SCOPE
    cached = getattr(user, "_jiefen_scope", None)
    if cached is not None:
        return cached
    assignments = _ROLES(user=user.pk)
    staff, leaders, units, sub_mediators, villages, grids, roles = set(), set(), set(), set(), set(), set(), set()
    reporter = False
    for assignment in assignments:
        roles.add(assignment.role)
        unit_area = assignment.unit.area if assignment.unit else None
        home = unit_area or assignment.area
        subdistrict_id = None
        if home is not None:
            subdistrict_id = home.id if home.kind == AreaKind.SUBDISTRICT else home.subdistrict_id
        if assignment.role in STAFF_ROLES and subdistrict_id:
            staff.add(subdistrict_id)
        elif assignment.role in LEADER_ROLES and subdistrict_id:
            leaders.add(subdistrict_id)
        elif assignment.role == Role.MEDIATOR and assignment.unit:
            units.add(assignment.unit_id)
            if unit_area.kind == AreaKind.SUBDISTRICT:
                sub_mediators.add(unit_area.id)
            else:
                villages.add(unit_area.id if unit_area.is_village_level else unit_area.village_id)
        elif assignment.role in GRID_ROLES:
            reporter = True
            if assignment.area and assignment.area.kind == AreaKind.GRID:
                grids.add(assignment.area_id)
    scope = UserScope(
        is_superuser=user.is_superuser,
        staff_subdistrict_ids=frozenset(staff),
        leader_subdistrict_ids=frozenset(leaders),
        mediator_unit_ids=frozenset(units),
        subdistrict_mediator_ids=frozenset(sub_mediators),
        village_ids=frozenset(villages),
        grid_ids=frozenset(grids),
        is_grid_reporter=reporter,
        roles=frozenset(roles),
    )
    user._jiefen_scope = scope
    return scope


def areas_for_intake(user):
    """Villages a user may register a case in (`may_register_in` asks the same of one area)."""
    scope = user_scope(user)
    villages = Area.objects.filter(kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY])
    if scope.is_superuser:
        return villages
    if scope.staff_subdistrict_ids or scope.subdistrict_mediator_ids:
        return villages.filter(subdistrict_id__in=scope.staff_subdistrict_ids | scope.subdistrict_mediator_ids)
    grid_villages = Area.objects.filter(id__in=scope.grid_ids).values("village_id")
    return villages.filter(id__in=set(scope.village_ids)) | villages.filter(id__in=grid_villages)


def may_register_in(user, area: Area) -> bool:
    """Whether `area` is one of areas_for_intake(user), decided from the loaded row and the
    user's scope: a query only for a grid worker's village that is not also theirs by role."""
    if area.kind not in VILLAGE_LEVEL:
        return False
    scope = user_scope(user)
    if scope.is_superuser:
        return True
    if scope.staff_subdistrict_ids or scope.subdistrict_mediator_ids:
        return area.subdistrict_id in scope.staff_subdistrict_ids | scope.subdistrict_mediator_ids
    if area.id in scope.village_ids:
        return True
    return bool(scope.grid_ids) and Area.objects.filter(id__in=scope.grid_ids, village_id=area.id).exists()


def mediators_of_unit(unit: Unit):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        person__roles__unit=unit, person__roles__role=Role.MEDIATOR, person__is_active=True, is_active=True
    ).distinct()


# Compiled once (jiefen/common/prepared.py): every registration and hand-over tells a unit's mediators.
_UNIT_MEDIATORS = Prepared(lambda unit: mediators_of_unit(unit), unit=int)


def unit_mediators(unit: Unit) -> list:
    """The users of mediators_of_unit(unit)."""
    return _UNIT_MEDIATORS(unit=unit.pk)
