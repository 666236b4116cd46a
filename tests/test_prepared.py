"""Prepared queries (jiefen/common/prepared.py) give what their querysets give — the same rows,
values and select_related objects — in one query each, compiled once; and every one the
application keeps gives its queryset's rows."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from jiefen.api import selectors as api_selectors
from jiefen.api.models import ApiToken
from jiefen.api.services import api_token_create, token_hash
from jiefen.cases import deadlines, routing
from jiefen.cases import selectors as case_selectors
from jiefen.cases.models import DeadlineStage, DisputeType, RiskGrade, RoutingRule, TimeLimit
from jiefen.common.prepared import Prepared
from jiefen.organisation import selectors as org_selectors
from jiefen.organisation.models import Area, AreaKind, RoleAssignment, Unit, UnitKind
from jiefen.workdays import services as workdays
from jiefen.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db


def state(obj):
    """An instance's field values and the related rows loaded on it, recursively."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    related = {name: state(rel) if rel is not None else None for name, rel in obj._state.fields_cache.items()}
    annotations = {k: v for k, v in vars(obj).items() if k.startswith("n_")}
    return type(obj), values, related, annotations


def same(rows, expected):
    if rows and hasattr(rows[0], "_meta"):
        assert [state(row) for row in rows] == [state(row) for row in expected]
    else:
        assert rows == expected
    return True


def test_instances_with_their_joined_rows_values_and_annotations(org):
    units = Prepared(
        lambda kind, area: Unit.objects.filter(kind=kind, area__subdistrict=area).select_related("area__subdistrict", "parent"),
        kind=str,
        area=int,
    )
    expected = Unit.objects.filter(kind=UnitKind.VILLAGE_MEDIATION_ROOM, area__subdistrict=org.subdistrict).select_related(
        "area__subdistrict", "parent"
    )
    assert len(expected) == 2 and same(units(kind=UnitKind.VILLAGE_MEDIATION_ROOM, area=org.subdistrict.pk), list(expected))
    assert units(kind=UnitKind.VILLAGE_MEDIATION_ROOM, area=org.village.pk) == []
    # Booleans and annotations come back converted, as the queryset gives them.
    counted = Prepared(lambda area: Area.objects.filter(parent=area).annotate(n_units=Count("units")).order_by("id"), area=int)
    assert same(counted(area=org.village.pk), list(Area.objects.filter(parent=org.village).annotate(n_units=Count("units")).order_by("id")))
    active = Prepared(lambda pk: Unit.objects.filter(pk=pk), pk=int)(pk=org.centre.pk)[0]
    assert active.is_active is True


def test_values_list_rows_and_dates():
    CalendarDay.objects.create(date=date(2090, 10, 1), is_workday=False, name="国庆节")
    CalendarDay.objects.create(date=date(2090, 10, 11), is_workday=True, name="调休")
    days = Prepared(lambda start, end: CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday"), start=date, end=date)
    rows = days(start=date(2090, 9, 30), end=date(2090, 10, 31))
    assert rows == [(date(2090, 10, 1), False), (date(2090, 10, 11), True)]
    assert days(start=date(2090, 10, 2), end=date(2090, 10, 10)) == []
    flat = Prepared(lambda start: CalendarDay.objects.filter(date__gte=start).values_list("date", flat=True), start=date)
    assert flat(start=date(2090, 10, 5)) == [date(2090, 10, 11)]


def test_one_query_compiled_once(org):
    built = mock.Mock(side_effect=lambda pk: Area.objects.filter(pk=pk))
    areas = Prepared(built, pk=int)
    for area in (org.village, org.grid, org.compound):
        with CaptureQueriesContext(connection) as queries, mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as compiled:
            assert [row.pk for row in areas(pk=area.pk)] == [area.pk]
        assert len(queries) == 1
        assert compiled.call_count == (1 if area is org.village else 0)
    assert built.call_count == 2  # once to learn the model, once to compile


def test_a_value_the_lookup_changes_is_refused():
    contains = Prepared(lambda text: Area.objects.filter(name__contains=text), text=str)
    with pytest.raises(ValueError, match="text"):
        contains(text="村")


# ---------------------------------------------------------------- the application's prepared queries


PERSONAS = ["grid_worker", "village_mediator", "other_village_mediator", "subdistrict_mediator", "centre_staff", "leader", "outsider"]


@pytest.mark.parametrize("name", PERSONAS)
def test_a_users_roles_and_where_they_may_register(request, org, name):
    user = request.getfixturevalue(name)
    expected = RoleAssignment.objects.filter(person__user=user, person__is_active=True).select_related("unit__area", "area")
    assert same(org_selectors._ROLES(user=user.pk), list(expected))
    allowed = set(org_selectors.areas_for_intake(user).values_list("pk", flat=True))
    for area in Area.objects.all():
        assert org_selectors.may_register_in(user, area) == (area.pk in allowed), (name, area)


def test_tokens_units_rules_limits_days_and_mediators(org, dispute_type, centre_staff, village_mediator, subdistrict_mediator):
    token, key = api_token_create(user=centre_staff, name="测试")
    assert same(api_selectors._TOKEN_BY_HASH(key_hash=token_hash(key)), list(ApiToken.objects.select_related("user").filter(pk=token.pk)))
    assert api_selectors.api_token_for_key(key).user == centre_staff and api_selectors.api_token_for_key(key + "x") is None

    for kind in (UnitKind.VILLAGE_MEDIATION_ROOM, UnitKind.GOVERNANCE_CENTRE):
        for area in (org.village, org.subdistrict):
            first = Unit.objects.filter(kind=kind, area=area, is_active=True).order_by("id").first()
            assert same(routing._FIRST_ACTIVE_UNIT(kind=kind, area=area.pk), [first] if first else [])
    RoutingRule.objects.create(priority=5, name="指定单位", risk_grade=RiskGrade.RED, tier=3, unit=org.subdistrict_committee)
    assert same(routing._ACTIVE_RULES(), list(RoutingRule.objects.filter(is_active=True).select_related("unit").order_by("priority", "id")))

    for stage in DeadlineStage.values:
        for grade in [*RiskGrade.values, ""]:
            assert same(deadlines._LIMITS(stage=stage, risk_grade=grade), list(TimeLimit.objects.filter(stage=stage, risk_grade__in=[grade, ""])))
    start = date(2026, 9, 20)  # the holidays the migrations load, and a day of our own
    CalendarDay.objects.update_or_create(date=start + timedelta(days=3), defaults={"is_workday": True, "name": "调休"})
    assert workdays._overrides(start, start + timedelta(days=40)) == dict(
        CalendarDay.objects.filter(date__range=(start, start + timedelta(days=40))).values_list("date", "is_workday")
    )

    for unit in (org.village_room, org.subdistrict_committee, org.centre):
        assert same(org_selectors.unit_mediators(unit), list(org_selectors.mediators_of_unit(unit)))
    assert {user.pk for user in org_selectors.unit_mediators(org.village_room)} == {village_mediator.pk}


def test_the_rows_a_registration_names(org, dispute_type):
    inactive = DisputeType.objects.create(name="停用类型", code="retired", is_active=False)
    found, places = case_selectors.intake_rows(dispute_type_id=dispute_type.pk, village_id=org.village.pk, grid_id=org.grid.pk)
    assert found == dispute_type and set(places) == {org.village.pk, org.grid.pk}
    assert places[org.village.pk].subdistrict == org.subdistrict
    expected = Area.objects.select_related("subdistrict").filter(pk__in=[org.village.pk, org.compound.pk, org.grid.pk]).order_by()
    _found, places = case_selectors.intake_rows(
        dispute_type_id=inactive.pk, village_id=org.village.pk, compound_id=org.compound.pk, grid_id=org.grid.pk
    )
    assert _found is None and same(sorted(places.values(), key=lambda a: a.pk), sorted(expected, key=lambda a: a.pk))
    assert case_selectors.intake_rows(dispute_type_id=999_999, village_id=999_999) == (None, {})
    assert Area.objects.filter(kind=AreaKind.GRID).count() == 2
