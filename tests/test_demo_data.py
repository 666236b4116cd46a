"""The demo subdistrict: loaded once for the module (inside a transaction that is rolled back
at the end), then checked for shape, realism, logins and scopes, and for idempotence."""

import re
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from jiefen.assessment.models import Incident
from jiefen.cases.models import Case, CaseEvent, CaseState, Channel, DisputeType, Party, PartyKind, RiskGrade, Tier
from jiefen.cases.selectors import case_get_for_user, cases_visible_to
from jiefen.common.validators import validate_id_number, validate_phone
from jiefen.notifications.models import Notification
from jiefen.organisation.demo import DEMO_LOGINS, DEMO_NOTE, DEMO_PASSWORD, demo_reset, demo_subdistrict
from jiefen.organisation.models import (
    GRID_ROLES,
    Area,
    AreaKind,
    Person,
    Role,
    RoleAssignment,
    Room,
    RoomKind,
    Unit,
    UnitKind,
)
from jiefen.organisation.selectors import user_scope

User = get_user_model()
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # Loading takes seconds, so it happens once; the outer transaction keeps it out of other modules.
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = StringIO()
            call_command("load_demo", stdout=out)
            sub = demo_subdistrict()
            yield SimpleNamespace(output=out.getvalue(), subdistrict=sub, village_one=Area.objects.get(subdistrict=sub, name="青龙村"))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def in_demo(demo):
    return Q(area=demo.subdistrict) | Q(area__subdistrict=demo.subdistrict)


def test_the_demo_is_labelled_synthetic(demo):
    assert demo.subdistrict.name == "古湖街道(演示)"
    assert demo.subdistrict.code == "古湖"
    assert DEMO_NOTE in demo.output
    assert not Person.objects.filter(roles__unit__area=demo.subdistrict).exclude(note__contains=DEMO_NOTE).exists()


def test_places(demo):
    villages = Area.objects.filter(subdistrict=demo.subdistrict, kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY])
    assert villages.count() == 29
    assert set(villages.values_list("kind", flat=True)) == {AreaKind.VILLAGE, AreaKind.COMMUNITY}
    grids = Area.objects.filter(subdistrict=demo.subdistrict, kind=AreaKind.GRID)
    assert 110 <= grids.count() <= 130
    per_village = grids.values("village").annotate(n=Count("id"))
    assert len(per_village) == 29 and all(3 <= row["n"] <= 6 for row in per_village)
    assert Area.objects.filter(subdistrict=demo.subdistrict, kind=AreaKind.GROUP).exists()
    assert Area.objects.filter(subdistrict=demo.subdistrict, kind=AreaKind.COMPOUND).exists()


def test_units_rooms_and_people(demo):
    units = Unit.objects.filter(in_demo(demo))
    assert set(units.values_list("kind", flat=True)) == set(UnitKind.values)
    assert units.filter(kind=UnitKind.SOCIAL_ORGANISATION).count() == 6
    branches = units.filter(kind=UnitKind.PARTY_BRANCH)
    assert branches.count() == 6
    assert set(branches.values_list("subtype", flat=True)) == {"物业小区", "退役军人", "功能性"}
    for kind in (UnitKind.VILLAGE_MEDIATION_COMMITTEE, UnitKind.VILLAGE_MEDIATION_ROOM, UnitKind.SECURITY_COMMITTEE, UnitKind.GOVERNANCE_STATION):
        assert units.filter(kind=kind).count() == 29

    centre = units.get(kind=UnitKind.GOVERNANCE_CENTRE)
    assert {RoomKind.MEDIATION, RoomKind.COUNSELLING, RoomKind.VIDEO_MONITORING} <= set(centre.rooms.values_list("kind", flat=True))
    assert Room.objects.filter(unit__kind=UnitKind.VILLAGE_MEDIATION_ROOM, unit__in=units, kind=RoomKind.MEDIATION).count() == 29

    mediators = RoleAssignment.objects.filter(role=Role.MEDIATOR, unit__in=units)
    per_unit = dict(mediators.values_list("unit__kind").annotate(n=Count("id")).values_list("unit__kind", "n"))
    assert per_unit[UnitKind.VILLAGE_MEDIATION_ROOM] == 58
    assert per_unit[UnitKind.VILLAGE_MEDIATION_COMMITTEE] == 58
    assert per_unit[UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE] == 4
    assert per_unit[UnitKind.SUBDISTRICT_MEDIATION_ROOM] == 2
    # Every mediator can be assigned a case, so every mediator has a login.
    assert not Person.objects.filter(roles__in=mediators, user__isnull=True).exists()

    grid_people = Person.objects.filter(roles__role__in=GRID_ROLES, roles__area__subdistrict=demo.subdistrict).distinct()
    assert grid_people.count() >= 2600
    assert set(RoleAssignment.objects.filter(person__in=grid_people).values_list("role", flat=True)) == set(GRID_ROLES)
    assert grid_people.filter(user__isnull=False).count() == 1  # wangge
    assert RoleAssignment.objects.filter(role=Role.GOVERNANCE_SPECIALIST, unit__in=units).values("person").distinct().count() == 5
    assert RoleAssignment.objects.filter(role=Role.LIAISON_LEADER, area__subdistrict=demo.subdistrict).count() == 29
    assert RoleAssignment.objects.filter(role=Role.CENTRE_STAFF, unit=centre).count() >= 2


def test_cases_cover_every_state_and_category(demo):
    cases = Case.objects.filter(subdistrict=demo.subdistrict)
    assert 390 <= cases.count() <= 410
    assert set(cases.values_list("state", flat=True)) == set(CaseState.values)
    assert set(cases.values_list("dispute_type", flat=True)) == set(DisputeType.objects.filter(is_active=True).values_list("id", flat=True))
    assert set(cases.values_list("channel", flat=True)) == set(Channel.values)
    assert set(cases.values_list("risk_grade", flat=True)) == set(RiskGrade.values)
    assert set(cases.values_list("tier", flat=True)) == set(Tier.values)
    assert cases.values("village").distinct().count() == 29
    assert all(re.fullmatch(r"古湖-20\d\d-\d{6}", number) for number in cases.values_list("number", flat=True))

    assert cases.filter(is_overdue=True).count() >= 5
    assert cases.filter(escalated_from_unit__isnull=False).count() >= 5
    assert cases.filter(recurrence_of__isnull=False).count() >= 3
    assert cases.filter(tier=Tier.VILLAGE_COMMITTEE, assigned_unit__kind=UnitKind.SUBDISTRICT_MEDIATION_ROOM).exists()
    assert Incident.objects.filter(case__in=cases, kind="missed_limit").exists()
    assert Incident.objects.filter(case__in=cases, kind="handed_up").exists()
    assert Notification.objects.filter(case__in=cases).exists()


def test_cases_that_reached_agreement_are_complete(demo):
    from jiefen.mediation.models import ConfirmationOutcome, ItemStatus, JudicialConfirmation, PerformanceItem, ReturnVisit

    cases = Case.objects.filter(subdistrict=demo.subdistrict)
    agreed = cases.exclude(agreement_form="")
    assert agreed.count() > 100
    assert not agreed.exclude(agreements__effective_at__isnull=False).exists()  # every one has an effective agreement
    items = PerformanceItem.objects.filter(agreement__case__in=agreed)
    assert not agreed.exclude(agreements__items__isnull=False).exists()
    performed = agreed.filter(state__in=[CaseState.PERFORMED, CaseState.VISITED, CaseState.ARCHIVED])
    assert not items.filter(agreement__case__in=performed).exclude(status=ItemStatus.PERFORMED).exists()
    visited = agreed.filter(state__in=[CaseState.VISITED, CaseState.ARCHIVED])
    assert not visited.exclude(return_visits__isnull=False).exists()
    assert ReturnVisit.objects.filter(case__in=visited).count() >= visited.count()
    assert items.filter(status=ItemStatus.OVERDUE).exists()
    assert JudicialConfirmation.objects.filter(agreement__case__in=agreed, outcome=ConfirmationOutcome.CONFIRMED).count() >= 5


def test_cases_spread_over_the_last_year_with_real_timelines(demo):
    cases = Case.objects.filter(subdistrict=demo.subdistrict)
    now = timezone.now()
    created = list(cases.values_list("created_at", flat=True))
    assert min(created) >= now - timedelta(days=366)
    assert max(created) <= now
    assert len({timezone.localtime(moment).strftime("%Y-%m") for moment in created}) >= 12

    for case in cases.filter(state=CaseState.ARCHIVED).order_by("id")[:40]:
        events = list(case.events.order_by("id"))
        assert events[0].kind == "created" and abs(events[0].at - case.created_at) < timedelta(seconds=1)
        assert [e.at for e in events] == sorted(e.at for e in events)
        last_step = [e for e in events if e.kind == "transition"][-1]
        assert last_step.to_state == CaseState.ARCHIVED and case.closed_at == last_step.at
    # Limits were missed at their time, not all on the day of loading.
    overdue_days = set(CaseEvent.objects.filter(case__in=cases, kind="overdue").values_list("at__date", flat=True))
    assert len(overdue_days) > 20


def test_parties_have_valid_identity_numbers_and_phones(demo):
    parties = Party.objects.filter(case__subdistrict=demo.subdistrict)
    assert parties.count() >= 700  # about two per case; refusals and recurrences move the exact figure
    for party in parties:
        if party.kind == PartyKind.PERSON:
            validate_id_number(party.id_number)
        validate_phone(party.phone)


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda login: login.username)
def test_every_demo_login_works(demo, client, login):
    assert client.login(username=login.username, password=DEMO_PASSWORD)
    assert login.username in demo.output


def test_demo_logins_see_the_right_cases(demo):
    users = {login.username: User.objects.get(username=login.username) for login in DEMO_LOGINS}
    all_cases = Case.objects.filter(subdistrict=demo.subdistrict)

    cuntiao = cases_visible_to(users["cuntiao"])
    assert cuntiao.count() == all_cases.filter(village=demo.village_one).count() > 10
    assert set(cuntiao.values_list("village", flat=True)) == {demo.village_one.id}
    assert cuntiao.filter(mediator=users["cuntiao"]).exists()

    wangge = users["wangge"]
    grid = RoleAssignment.objects.get(person__user=wangge).area
    visible = cases_visible_to(wangge)
    assert visible.filter(reported_by=wangge).exists()
    assert set(visible.values_list("id", flat=True)) == set(
        all_cases.filter(Q(grid=grid) | Q(reported_by=wangge)).values_list("id", flat=True)
    )

    assert cases_visible_to(users["jietiao"]).count() == all_cases.count()
    assert all_cases.filter(mediator=users["jietiao"]).exists()
    assert user_scope(users["zongzhi"]).staff_subdistrict_ids == {demo.subdistrict.id}
    assert cases_visible_to(users["zongzhi"]).count() == all_cases.count()
    lingdao = user_scope(users["lingdao"])
    assert lingdao.is_leader_only and not lingdao.can_register
    assert cases_visible_to(users["lingdao"]).count() == all_cases.count()
    assert users["admin"].is_superuser


def test_demo_logins_open_the_cases_they_see(demo):
    """case_get_for_user (prepared by the visibility terms of each scope) lets every login
    open exactly the cases cases_visible_to gives it."""
    cases = list(Case.objects.filter(subdistrict=demo.subdistrict).values_list("id", "number"))
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        visible = set(cases_visible_to(user).values_list("id", flat=True))
        opened = set()
        for pk, number in cases:
            try:
                assert case_get_for_user(user, pk=pk).number == number
            except Http404:
                continue
            opened.add(pk)
        assert opened == visible, login.username


def test_the_case_page_loads_every_demo_case_as_django_would(demo):
    """Every demo case, with all the panels' relations (some of every kind the demo has): the
    prepared load leaves on the case what prefetch_related_objects does."""
    from django.db.models import Prefetch, prefetch_related_objects

    from jiefen.common.prepared import prepared_prefetch
    from jiefen.web.panels import CASE_PANELS

    from .test_prepared_case_page import picture

    lookups = {"parties": "parties"}
    for panel in CASE_PANELS.values():
        for lookup in panel.prefetch() if panel.prefetch else ():
            lookups.setdefault(lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup, lookup)
    for pk in Case.objects.filter(subdistrict=demo.subdistrict).values_list("id", flat=True):
        ours, djangos = Case.objects.get(pk=pk), Case.objects.get(pk=pk)
        prepared_prefetch([ours], list(lookups.values()), key="demo")
        prefetch_related_objects([djangos], *lookups.values())
        assert picture(ours) == picture(djangos), pk


def snapshot():
    models = (Area, Unit, Person, RoleAssignment, Room, User, Case, CaseEvent, Party, Incident, Notification)
    return {model.__name__: model.objects.count() for model in models}


def test_loading_again_changes_nothing(demo):
    before = snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before
    assert "未重复加载" in out.getvalue()
    assert all(login.username in out.getvalue() for login in DEMO_LOGINS)


def test_reset_removes_the_demo_and_nothing_else(demo, make_case, org, grid_worker):
    other_case = make_case()
    demo_users = set(
        Person.objects.filter(roles__unit__area=demo.subdistrict, user__isnull=False).values_list("user_id", flat=True)
    )

    removed = demo_reset()

    assert removed["cases"] >= 390
    assert demo_subdistrict() is None
    assert not Area.objects.filter(Q(name="古湖街道(演示)") | Q(subdistrict__name="古湖街道(演示)")).exists()
    assert not Case.objects.filter(number__startswith="古湖-").exists()
    assert not User.objects.filter(id__in=demo_users).exists()
    assert not Person.objects.filter(note__contains=DEMO_NOTE).exists()
    assert Case.objects.filter(pk=other_case.pk).exists()
    assert CaseEvent.objects.filter(case=other_case).count() == 2
    assert Person.objects.filter(user=grid_worker).exists()
    assert User.objects.filter(username="admin", is_superuser=True).exists()


def test_centre_staff_import_the_roster_in_the_admin(demo, client):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["姓名", "手机号码", "角色", "单位", "区域"])
    workbook.active.append(["新联户员", "13912345678", "联户员", "", "青龙村/青龙村第2网格"])
    workbook.active.append(["新调解员", "13912345679", "调解员", "青龙村小马调解室", ""])
    buffer = BytesIO()
    workbook.save(buffer)

    client.login(username="zongzhi", password=DEMO_PASSWORD)
    response = client.post(
        reverse("admin:organisation_person_roster_import"),
        {"file": SimpleUploadedFile("roster.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert result.ok, result.errors
    assert (result.subdistrict, result.persons_created, result.roles_created) == (demo.subdistrict, 2, 2)
