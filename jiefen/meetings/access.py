"""Who may read and write meetings, 督办 tasks and 三联三议 deliberations.

Staff of the subdistrict (综治中心, 政法委员, 基层治理专员) write everything in it; a party
branch's secretary writes the branch's own meetings; leaders read. A task's owner, and anyone
holding a role in the owner unit, record progress on it and complete it.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from jiefen.organisation.models import Role, RoleAssignment, UnitKind
from jiefen.organisation.selectors import user_scope

from .models import Deliberation, Meeting, SupervisionTask


@dataclass(frozen=True)
class MeetingAccess:
    is_superuser: bool = False
    staff_subdistrict_ids: frozenset = field(default_factory=frozenset)
    leader_subdistrict_ids: frozenset = field(default_factory=frozenset)
    unit_ids: frozenset = field(default_factory=frozenset)  # every unit the user holds a role in
    branch_ids: frozenset = field(default_factory=frozenset)  # party branches the user is secretary of
    branch_area_ids: frozenset = field(default_factory=frozenset)  # the areas of those branches
    mediator_village_ids: frozenset = field(default_factory=frozenset)

    @property
    def reads_subdistrict(self):
        return self.staff_subdistrict_ids | self.leader_subdistrict_ids

    @property
    def reads_meetings(self):
        return self.is_superuser or bool(self.reads_subdistrict or self.branch_ids)


def access_for(user) -> MeetingAccess:
    if user is None or not user.is_authenticated:
        return MeetingAccess()
    cached = getattr(user, "_jiefen_meeting_access", None)
    if cached is not None:
        return cached
    scope = user_scope(user)
    units, branches, branch_areas = set(), set(), set()
    for unit_id, role, unit_kind, area_id in RoleAssignment.objects.filter(
        person__user=user, person__is_active=True, unit__isnull=False
    ).values_list("unit_id", "role", "unit__kind", "unit__area_id"):
        units.add(unit_id)
        if role == Role.BRANCH_SECRETARY and unit_kind == UnitKind.PARTY_BRANCH:
            branches.add(unit_id)
            branch_areas.add(area_id)
    access = MeetingAccess(
        is_superuser=scope.is_superuser,
        staff_subdistrict_ids=scope.staff_subdistrict_ids,
        leader_subdistrict_ids=scope.leader_subdistrict_ids,
        unit_ids=frozenset(units),
        branch_ids=frozenset(branches),
        branch_area_ids=frozenset(branch_areas),
        mediator_village_ids=scope.village_ids,
    )
    user._jiefen_meeting_access = access
    return access


# ---------------------------------------------------------------- meetings


def meetings_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return Meeting.objects.all()
    return Meeting.objects.filter(
        Q(subdistrict_id__in=access.reads_subdistrict) | Q(unit_id__in=access.branch_ids)
    )


def meeting_can_write(user, meeting: Meeting) -> bool:
    access = access_for(user)
    return (
        access.is_superuser
        or meeting.subdistrict_id in access.staff_subdistrict_ids
        or (meeting.is_branch_meeting and meeting.unit_id in access.branch_ids)
    )


# ---------------------------------------------------------------- tasks


def tasks_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return SupervisionTask.objects.all()
    if user is None or not user.is_authenticated:
        return SupervisionTask.objects.none()
    from jiefen.cases.selectors import cases_visible_to

    # Also the tasks about cases the user may see: a mediator follows the 督办 on their case.
    return SupervisionTask.objects.filter(
        Q(subdistrict_id__in=access.reads_subdistrict)
        | Q(owner_id=user.pk)
        | Q(owner_unit_id__in=access.unit_ids)
        | Q(meeting__unit_id__in=access.branch_ids)
        | Q(cases__in=cases_visible_to(user))
    ).distinct()


def task_can_act(user, task: SupervisionTask) -> bool:
    """Record progress and complete: the owner, the owner unit's people, the subdistrict's staff."""
    access = access_for(user)
    return (
        access.is_superuser
        or task.subdistrict_id in access.staff_subdistrict_ids
        or task.owner_id == user.pk
        or task.owner_unit_id in access.unit_ids
    )


# ---------------------------------------------------------------- 三联三议


def deliberation_can_write_for(user, compound) -> bool:
    """Staff, the compound's party branch secretary, and the village's mediators organise it."""
    access = access_for(user)
    return (
        access.is_superuser
        or compound.subdistrict_id in access.staff_subdistrict_ids
        or compound.id in access.branch_area_ids
        or compound.village_id in access.mediator_village_ids
    )


def deliberation_can_write(user, deliberation: Deliberation) -> bool:
    return deliberation_can_write_for(user, deliberation.compound)


def deliberations_visible_to(user):
    access = access_for(user)
    if access.is_superuser:
        return Deliberation.objects.all()
    if user is None or not user.is_authenticated:
        return Deliberation.objects.none()
    from jiefen.cases.selectors import cases_visible_to

    return Deliberation.objects.filter(
        Q(subdistrict_id__in=access.reads_subdistrict)
        | Q(compound_id__in=access.branch_area_ids)
        | Q(village_id__in=access.mediator_village_ids)
        | Q(compound__units__id__in=access.unit_ids)
        | Q(cases__in=cases_visible_to(user))
    ).distinct()
