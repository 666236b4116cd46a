"""Who sees the statistics, and over which cases.

- Centre staff, leaders (and superusers) see their whole subdistrict: every village listed.
- Mediators see the statistics of their own scope — the cases `cases_visible_to` gives them
  (their unit's village and the cases their unit holds) — and only the villages with figures.
- Grid workers (网格员, 村民小组长, 楼栋长, 联户员) have no dashboard: they report and follow
  disputes from their work list; the figures of their grid are in the bulletins.
- Anyone else: no access.

Importing historical ledgers is for centre staff only.
"""

from jiefen.cases.selectors import cases_visible_to
from jiefen.organisation.selectors import user_scope


def may_view_statistics(user) -> bool:
    scope = user_scope(user)
    return bool(scope.is_superuser or scope.staff_subdistrict_ids or scope.leader_subdistrict_ids or scope.mediator_unit_ids)


def sees_whole_subdistrict(user) -> bool:
    scope = user_scope(user)
    return bool(scope.is_superuser or scope.staff_subdistrict_ids or scope.leader_subdistrict_ids or scope.subdistrict_mediator_ids)


def may_import_ledgers(user) -> bool:
    return user_scope(user).is_staff_anywhere


def statistics_cases(user):
    """The base of every figure a user is shown."""
    return cases_visible_to(user)
