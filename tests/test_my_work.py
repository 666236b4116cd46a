"""我的工作 (the home page's lists): each list holds exactly the first cases by its order among
the user's own open cases — for a mediator the cases they mediate, their unit's and those they
reported; for staff and leaders every visible open case — however the alternatives overlap and
whatever the page size (the lists are read per alternative and merged, see selectors.my_work).
The lists go by the due date: a limit that has run out is overdue whether or not the sweep has
flagged it yet."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from jiefen.cases.models import Case, CaseState
from jiefen.cases.selectors import cases_visible_to, my_work
from jiefen.organisation.selectors import user_scope
from jiefen.workdays.services import add_working_days

from .casework import walk

pytestmark = pytest.mark.django_db


def expected(user, today, limit):
    """The lists worked out case by case in Python."""
    scope = user_scope(user)
    everything = scope.is_superuser or scope.staff_subdistrict_ids or scope.leader_subdistrict_ids
    rows = [
        case
        for case in cases_visible_to(user).exclude(state=CaseState.ARCHIVED)
        if everything
        or case.mediator_id == user.pk
        or case.reported_by_id == user.pk
        or case.assigned_unit_id in scope.mediator_unit_ids
    ]
    soon = add_working_days(today, settings.JIEFEN_DUE_SOON_WORKING_DAYS)

    def run_out(case):
        return case.due_date is not None and case.due_date < today

    def soon_due(case):
        return case.due_date is not None and today <= case.due_date <= soon

    def by_due(case):
        return (case.due_date is None, case.due_date or date.max, case.pk)

    return {
        "overdue": sorted((c for c in rows if run_out(c)), key=by_due)[:limit],
        "due_soon": sorted((c for c in rows if soon_due(c)), key=by_due)[:limit],
        "new": sorted((c for c in rows if c.state == CaseState.REGISTERED), key=lambda c: -c.pk)[:limit],
        "in_progress": sorted(
            (c for c in rows if c.state != CaseState.REGISTERED and not run_out(c) and not soon_due(c)), key=by_due
        )[:limit],
    }


@pytest.fixture
def spread(make_case, org, centre_staff, village_mediator, subdistrict_mediator, grid_worker):
    """Open cases of every kind: the village room's (some mediated by the village mediator),
    the subdistrict committee's, one the village mediator reported in the other village, one
    archived; overdue (one not yet flagged by the sweep), due soon, due later, and without a limit."""
    today = timezone.localdate()
    cases = []
    for index in range(14):
        case = make_case(title=f"纠纷{index}")
        if index % 4:
            case = walk(case, CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
        cases.append(case)
    west = make_case(actor=centre_staff, title="西村", village=org.other_village, grid=org.other_grid)
    Case.objects.filter(pk=west.pk).update(reported_by=village_mediator)
    upstairs = make_case(title="街道")
    Case.objects.filter(pk=upstairs.pk).update(assigned_unit=org.subdistrict_committee, tier=3, mediator=subdistrict_mediator)
    closed = make_case(title="已归档")
    Case.objects.filter(pk=closed.pk).update(state=CaseState.ARCHIVED, is_overdue=True, due_date=today - timedelta(days=30))
    # limits: overdue (several on the same day, so the id decides; one run out since the last
    # sweep), soon, later, none
    shapes = [(-5, True), (-5, True), (-9, True), (-1, False), (1, False), (0, False), (2, False), (20, False), (40, False), (None, False)]
    for case, (days, overdue) in zip(cases + [west, upstairs], shapes * 3):
        due = today + timedelta(days=days) if days is not None else None
        Case.objects.filter(pk=case.pk).update(due_date=due, is_overdue=overdue)
    return today


@pytest.mark.parametrize("persona", ["village_mediator", "subdistrict_mediator", "grid_worker", "centre_staff", "leader"])
@pytest.mark.parametrize("limit", [2, 3, 20])
def test_each_list_is_the_first_of_the_users_own_open_cases(request, spread, persona, limit):
    user = request.getfixturevalue(persona)
    lists = my_work(user, today=spread, limit=limit)
    wanted = expected(user, spread, limit)
    for name, cases in wanted.items():
        assert [case.pk for case in lists[name]] == [case.pk for case in cases], name
    if persona in ("village_mediator", "centre_staff"):
        assert all(wanted.values())  # the scenario fills every list for them
