"""Who may see and write prevention work.

Activities: the subdistrict's staff, leaders and subdistrict mediators read all of them; a
village mediator reads their village's; anyone holding a role in a unit (a social
organisation's members) reads and records that unit's. Staff and unit members record.

Counselling referrals: only those who handle the case (its unit's mediators) and the
subdistrict's staff — the same people `user_can_handle` lets act on the case.
"""

from django.db.models import Q

from jiefen.cases.services import user_can_handle
from jiefen.organisation.models import LEADER_ROLES, RoleAssignment, Unit
from jiefen.organisation.selectors import user_scope

from .models import Activity, CounsellingReferral


def _units(user) -> dict:
    """unit id -> whether the user works in it (not merely reads it as a leader)."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, "_jiefen_prevention_units", None)
    if cached is None:
        cached = {}
        for unit_id, role in RoleAssignment.objects.filter(
            person__user=user, person__is_active=True, unit__isnull=False
        ).values_list("unit_id", "role"):
            cached[unit_id] = cached.get(unit_id, False) or role not in LEADER_ROLES
        user._jiefen_prevention_units = cached
    return cached


def unit_ids_of(user) -> frozenset:
    return frozenset(_units(user))


def working_unit_ids_of(user) -> frozenset:
    return frozenset(unit_id for unit_id, works in _units(user).items() if works)


def activities_visible_to(user):
    scope = user_scope(user)
    if scope.is_superuser:
        return Activity.objects.all()
    condition = Q(subdistrict_id__in=scope.subdistrict_ids) | Q(village_id__in=scope.village_ids) | Q(unit_id__in=unit_ids_of(user))
    return Activity.objects.filter(condition)


def reads_activities(user) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or bool(scope.subdistrict_ids or scope.village_ids or unit_ids_of(user))


def units_recordable_by(user):
    """Units on whose behalf the user may record an activity."""
    scope = user_scope(user)
    units = Unit.objects.filter(is_active=True)
    if scope.is_superuser:
        return units
    staff = scope.staff_subdistrict_ids
    return units.filter(Q(area_id__in=staff) | Q(area__subdistrict_id__in=staff) | Q(id__in=working_unit_ids_of(user)))


def activity_can_record_for(user, unit: Unit) -> bool:
    return units_recordable_by(user).filter(pk=unit.pk).exists()


def referrals_visible_to(user):
    scope = user_scope(user)
    if scope.is_superuser:
        return CounsellingReferral.objects.all()
    return CounsellingReferral.objects.filter(
        Q(case__subdistrict_id__in=scope.staff_subdistrict_ids) | Q(case__assigned_unit_id__in=scope.mediator_unit_ids)
    )


def reads_referrals(user) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or bool(scope.staff_subdistrict_ids or scope.mediator_unit_ids)


def referral_can_act(user, case) -> bool:
    return user_can_handle(user, case)
