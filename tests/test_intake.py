"""Intake (DESIGN §3): validation of parties and place, nothing saved on refusal, case numbers,
who may register, and the duplicate check on people with open cases."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from jiefen.cases.models import Case, CaseEvent, CaseNumberSequence, CaseState, Channel, EventKind, Party, PartyKind
from jiefen.cases.selectors import open_cases_of_person
from jiefen.common.errors import PermissionDenied
from jiefen.common.validators import gb11643_check_code
from jiefen.notifications.models import Notification
from jiefen.organisation.models import Area, AreaKind

from .casework import act, register
from .conftest import VALID_ID, parties_data

pytestmark = pytest.mark.django_db


def with_check_code(first17):
    return first17 + gb11643_check_code(first17)


def state_of_db():
    return (
        Case.objects.count(),
        Party.objects.count(),
        CaseEvent.objects.count(),
        Notification.objects.count(),
        list(CaseNumberSequence.objects.values_list("last_value", flat=True)),
    )


@pytest.fixture
def intake(org, dispute_type, grid_worker):
    def make(actor=None, on=None, parties=None, **overrides):
        return register(org, dispute_type, actor or grid_worker, on=on, parties=parties, **overrides)

    return make


# ---------------------------------------------------------------- validation


BAD_PARTIES = {
    "id-checksum": (parties_data(id_number=VALID_ID[:-1] + "1"), "parties-0-id_number", "校验位"),
    "id-birth-month-13": (parties_data(id_number=with_check_code("11010519491331002")), "parties-0-id_number", "出生日期"),
    "id-birth-feb-30": (parties_data(id_number=with_check_code("11010519490230002")), "parties-0-id_number", "出生日期"),
    "id-birth-in-future": (parties_data(id_number=with_check_code("11010521000101002")), "parties-0-id_number", "出生日期"),
    "id-too-short": (parties_data(id_number="1101051949123100"), "parties-0-id_number", "18位"),
    "phone": (parties_data(phone="12345"), "parties-0-phone", "电话号码"),
    "phone-bad-prefix": (parties_data(phone="12800138000"), "parties-0-phone", "电话号码"),
    "representative-phone": (parties_data(representative_name="王五", representative_phone="999"), "parties-0-representative_phone", "电话号码"),
    "no-name": (parties_data(name="   "), "parties-0-name", "姓名"),
    "second-party-no-name": ([parties_data()[0], {"role": "respondent", "name": "", "phone": "13900139000"}], "parties-1-name", "姓名"),
    "no-parties": ([], "parties", "当事人"),
}


@pytest.mark.parametrize("name", BAD_PARTIES)
def test_bad_party_data_is_refused_naming_the_field_and_nothing_is_saved(name, intake):
    intake()  # an earlier case, so the number sequence exists
    before = state_of_db()
    parties, field, words = BAD_PARTIES[name]
    with pytest.raises(ValidationError) as info:
        intake(parties=parties)
    assert field in info.value.message_dict, info.value.message_dict
    assert words in " ".join(info.value.message_dict[field])
    assert state_of_db() == before
    # The refused attempt did not use up a number.
    assert intake().number.endswith("-000002")


@pytest.mark.parametrize(
    ("place", "field"),
    [("foreign_compound", "compound"), ("foreign_grid", "grid"), ("compound_as_village", "village"), ("grid_as_compound", "compound")],
)
def test_a_place_outside_the_village_is_refused_naming_the_field(place, field, org, intake, centre_staff):
    west_compound = Area.objects.create(name="西苑小区", kind=AreaKind.COMPOUND, parent=org.other_village)
    overrides = {
        "foreign_compound": {"compound": west_compound},
        "foreign_grid": {"grid": org.other_grid},
        "compound_as_village": {"village": org.compound, "grid": None},
        "grid_as_compound": {"compound": org.grid},
    }[place]
    before = state_of_db()
    with pytest.raises(ValidationError) as info:
        intake(actor=centre_staff, **overrides)
    assert field in info.value.message_dict
    assert state_of_db() == before


def test_a_grid_inside_a_compound_of_the_village_is_accepted(org, intake):
    grid = Area.objects.create(name="东苑第1网格", kind=AreaKind.GRID, parent=org.compound)
    case = intake(compound=org.compound, grid=grid)
    assert (case.village, case.compound, case.grid) == (org.village, org.compound, grid)


@pytest.mark.parametrize(("overrides", "field"), [({"title": "  "}, "title"), ({"risk_grade": "purple"}, "risk_grade"), ({"channel": "pigeon"}, "channel")])
def test_bad_case_fields_are_refused_and_nothing_is_saved(overrides, field, intake):
    intake()
    before = state_of_db()
    with pytest.raises(ValidationError) as info:
        intake(**overrides)
    assert field in info.value.message_dict
    assert state_of_db() == before
    assert intake().number.endswith("-000002")


def test_party_data_is_normalised_and_organisations_are_not_checked_as_persons(intake):
    case = intake(
        parties=[
            {"name": " 张三 ", "id_number": VALID_ID.lower(), "phone": "+86 138 0013 8000"},
            {"name": "东苑物业有限公司", "kind": PartyKind.ORGANISATION, "id_number": "91511028MA62X1234K", "phone": "0832-1234567"},
        ]
    )
    first, second = Party.objects.filter(case=case).order_by("id")
    assert (first.name, first.id_number, first.phone, first.role) == ("张三", VALID_ID, "13800138000", "applicant")
    assert (second.kind, second.id_number, second.phone) == (PartyKind.ORGANISATION, "91511028MA62X1234K", "0832-1234567")


# ---------------------------------------------------------------- what a registration writes


def test_registration_writes_the_case_parties_and_events(intake, org, grid_worker):
    case = intake(on=date(2026, 3, 10))
    case.refresh_from_db()
    assert (case.state, case.reported_by, case.subdistrict, case.village) == (CaseState.REGISTERED, grid_worker, org.subdistrict, org.village)
    assert case.version == 0
    assert [p.name for p in Party.objects.filter(case=case)] == ["张三", "李四"]
    created, routed = CaseEvent.objects.filter(case=case).order_by("id")
    assert (created.kind, created.actor, created.from_state, created.to_state) == (EventKind.CREATED, grid_worker, "", CaseState.REGISTERED)
    assert created.data == {"channel": Channel.GRID_SCREENING}
    assert routed.kind == EventKind.ROUTED


# ---------------------------------------------------------------- numbers


def test_case_numbers_have_the_subdistrict_code_the_year_and_six_increasing_digits(intake):
    numbers = [intake(on=date(2026, 3, 10)).number for _ in range(3)]
    for number in numbers:
        assert re.fullmatch(r"测试-2026-\d{6}", number), number
    assert numbers == ["测试-2026-000001", "测试-2026-000002", "测试-2026-000003"]
    # A new year starts a new sequence.
    assert intake(on=date(2027, 1, 4)).number == "测试-2027-000001"
    assert intake(on=date(2026, 12, 31)).number == "测试-2026-000004"


def test_each_subdistrict_numbers_its_own_cases(org, dispute_type, centre_staff, intake):
    from jiefen.organisation.models import Unit, UnitKind

    from .conftest import case_data

    other = Area.objects.create(name="云顶街道", kind=AreaKind.SUBDISTRICT)  # no code: the name is the prefix
    village = Area.objects.create(name="云顶村", kind=AreaKind.VILLAGE, parent=other)
    Unit.objects.create(name="云顶村小马调解室", kind=UnitKind.VILLAGE_MEDIATION_ROOM, area=village)
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x")
    from jiefen.cases.services import case_register

    here = intake(on=date(2026, 3, 10))
    there = case_register(actor=admin, data=case_data(org, dispute_type, village=village, grid=None), parties=parties_data(), today=date(2026, 3, 10))
    assert here.number == "测试-2026-000001"
    assert there.number == "云顶街道-2026-000001"


# ---------------------------------------------------------------- who may register


@pytest.mark.parametrize("persona", ["outsider", "leader"])
def test_people_without_an_intake_role_cannot_register(persona, request, intake):
    before = state_of_db()
    with pytest.raises(PermissionDenied):
        intake(actor=request.getfixturevalue(persona))
    assert state_of_db() == before


def test_a_grid_worker_cannot_register_in_another_village(org, intake):
    before = state_of_db()
    with pytest.raises(PermissionDenied):
        intake(village=org.other_village, grid=org.other_grid)
    assert state_of_db() == before


@pytest.mark.parametrize("persona", ["grid_worker", "village_mediator", "centre_staff"])
def test_intake_roles_can_register_in_their_village(persona, request, intake):
    assert intake(actor=request.getfixturevalue(persona)).state == CaseState.REGISTERED


# ---------------------------------------------------------------- people with open cases


def test_open_cases_of_person(intake, centre_staff, village_mediator):
    case = intake()
    unrelated = intake(parties=[{"name": "王五", "phone": "13700137000"}], address="东村5组1号")
    assert list(open_cases_of_person(id_numbers=[VALID_ID])) == [case]
    assert list(open_cases_of_person(phones=["13900139000"])) == [case]
    assert list(open_cases_of_person(names=["李四", "赵六"], address="东村3组12号")) == [case]
    assert list(open_cases_of_person(names=["李四"], address="西村1组1号")) == []
    assert list(open_cases_of_person(id_numbers=["", VALID_ID], phones=["13700137000"])) == [unrelated, case]
    assert list(open_cases_of_person(id_numbers=[VALID_ID], exclude_pk=case.pk)) == []
    assert list(open_cases_of_person()) == []
    # An archived case is no longer open.
    case = act(case, "reject", centre_staff)
    assert list(open_cases_of_person(id_numbers=[VALID_ID])) == [case]
    act(case, "archive", centre_staff)
    assert list(open_cases_of_person(id_numbers=[VALID_ID])) == []
    assert list(open_cases_of_person(phones=["13900139000"])) == []


def test_open_cases_of_person_lists_a_case_once_however_many_parties_match(intake):
    case = intake(parties=[{"name": "张三", "phone": "13800138000"}, {"name": "张三妻", "phone": "13800138000"}])
    assert list(open_cases_of_person(phones=["13800138000"], names=["张三", "张三妻"], address="东村3组12号")) == [case]
