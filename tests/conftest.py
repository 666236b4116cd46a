"""Persona fixtures: a small subdistrict with two villages and one user per role."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from jiefen.cases.models import Channel, Complexity, DisputeType, RiskGrade
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind

User = get_user_model()
PASSWORD = "pass-for-tests-1"


@dataclass
class Org:
    subdistrict: Area
    village: Area
    other_village: Area
    compound: Area
    grid: Area
    other_grid: Area
    village_room: Unit
    village_committee: Unit
    other_village_room: Unit
    other_village_committee: Unit
    subdistrict_committee: Unit
    subdistrict_room: Unit
    centre: Unit


def _area(name, kind, parent=None, **extra):
    return Area.objects.create(name=name, kind=kind, parent=parent, **extra)


def _user(username, full_name, *roles):
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=full_name)
    person = Person.objects.create(name=full_name, user=user)
    for role, unit, area in roles:
        RoleAssignment.objects.create(person=person, role=role, unit=unit, area=area)
    return user


@pytest.fixture
def org(db) -> Org:
    sub = _area("测试街道", AreaKind.SUBDISTRICT, code="测试")
    village = _area("东村", AreaKind.VILLAGE, sub)
    other = _area("西村", AreaKind.VILLAGE, sub)
    compound = _area("东苑小区", AreaKind.COMPOUND, village)
    grid = _area("东村第1网格", AreaKind.GRID, village)
    other_grid = _area("西村第1网格", AreaKind.GRID, other)

    def unit(name, kind, area):
        return Unit.objects.create(name=name, kind=kind, area=area)

    return Org(
        subdistrict=sub,
        village=village,
        other_village=other,
        compound=compound,
        grid=grid,
        other_grid=other_grid,
        village_room=unit("东村小马调解室", UnitKind.VILLAGE_MEDIATION_ROOM, village),
        village_committee=unit("东村调解委员会", UnitKind.VILLAGE_MEDIATION_COMMITTEE, village),
        other_village_room=unit("西村小马调解室", UnitKind.VILLAGE_MEDIATION_ROOM, other),
        other_village_committee=unit("西村调解委员会", UnitKind.VILLAGE_MEDIATION_COMMITTEE, other),
        subdistrict_committee=unit("测试街道人民调解委员会", UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE, sub),
        subdistrict_room=unit("测试街道小马调解室", UnitKind.SUBDISTRICT_MEDIATION_ROOM, sub),
        centre=unit("测试街道综治中心", UnitKind.GOVERNANCE_CENTRE, sub),
    )


@pytest.fixture
def grid_worker(org):
    return _user("grid", "网格员甲", (Role.GRID_WORKER, None, org.grid))


@pytest.fixture
def village_mediator(org):
    return _user("vmed", "村调解员乙", (Role.MEDIATOR, org.village_room, None), (Role.MEDIATOR, org.village_committee, None))


@pytest.fixture
def other_village_mediator(org):
    return _user("wmed", "西村调解员", (Role.MEDIATOR, org.other_village_room, None))


@pytest.fixture
def subdistrict_mediator(org):
    return _user("smed", "街道调解员丙", (Role.MEDIATOR, org.subdistrict_committee, None))


@pytest.fixture
def centre_staff(org):
    return _user("staff", "综治中心丁", (Role.CENTRE_STAFF, org.centre, None))


@pytest.fixture
def leader(org):
    return _user("leader", "领导戊", (Role.LEADER, org.centre, None))


@pytest.fixture
def outsider(db):
    return User.objects.create_user(username="outsider", password=PASSWORD, first_name="无关人员")


@pytest.fixture
def dispute_type(db):
    return DisputeType.objects.get(code="neighbour")


VALID_ID = "11010519491231002X"


def case_data(org, dispute_type, **overrides):
    data = {
        "title": "邻里排水纠纷",
        "description": "两户因排水沟堵塞发生争执。",
        "dispute_type": dispute_type,
        "channel": Channel.GRID_SCREENING,
        "village": org.village,
        "compound": None,
        "grid": org.grid,
        "address": "东村3组12号",
        "people_involved": 2,
        "is_group": False,
        "criminal_risk": False,
        "risk_grade": RiskGrade.BLUE,
        "complexity": Complexity.ORDINARY,
    }
    data.update(overrides)
    return data


def parties_data(**overrides):
    first = {"role": "applicant", "kind": "person", "name": "张三", "id_number": VALID_ID, "phone": "13800138000"}
    first.update(overrides)
    return [first, {"role": "respondent", "kind": "person", "name": "李四", "phone": "13900139000"}]


@pytest.fixture
def make_case(org, dispute_type, grid_worker):
    from jiefen.cases.services import case_register

    def make(actor=None, parties=None, **overrides):
        return case_register(
            actor=actor or grid_worker, data=case_data(org, dispute_type, **overrides), parties=parties or parties_data()
        )

    return make
