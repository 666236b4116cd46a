"""三联三议 (DESIGN §5): a compound's party branch, owners' committee and property company
deliberate together; a deliberation is held only with all three there; the case page shows it."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case
from jiefen.common.errors import ConflictError, IllegalTransition, PermissionDenied
from jiefen.meetings.models import Activity, ActivityKind, Deliberation, DeliberationParty, DeliberationState, SanlianRole
from jiefen.meetings.services import deliberation_create, deliberation_record, sanlian_parties
from jiefen.organisation.models import Role, Unit, UnitKind

from .casework import register
from .conftest import _user

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 11)
ALL_THERE = {
    SanlianRole.BRANCH: (True, "张书记"),
    SanlianRole.OWNERS: (True, "李主任"),
    SanlianRole.PROPERTY: (True, "王经理"),
}


@pytest.fixture
def three(org):
    return {
        SanlianRole.BRANCH: Unit.objects.create(name="东苑小区党支部", kind=UnitKind.PARTY_BRANCH, area=org.compound),
        SanlianRole.OWNERS: Unit.objects.create(name="东苑小区业主委员会", kind=UnitKind.OWNERS_COMMITTEE, area=org.compound),
        SanlianRole.PROPERTY: Unit.objects.create(name="安居物业", kind=UnitKind.PROPERTY_COMPANY, area=org.compound),
    }


@pytest.fixture
def secretary(three):
    return _user("sj", "支部书记庚", (Role.BRANCH_SECRETARY, three[SanlianRole.BRANCH], None))


@pytest.fixture
def property_case(org, dispute_type, centre_staff):
    case = register(org, dispute_type, centre_staff, compound=org.compound, title="电梯停运物业费纠纷")
    Case.objects.filter(pk=case.pk).update(needs_sanlian=True)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def planned(org, three, centre_staff, property_case):
    return deliberation_create(
        actor=centre_staff,
        compound=org.compound,
        subject="电梯停运与物业费",
        agenda="业主反映电梯停运两周，部分业主拒缴物业费。",
        scheduled_on=TODAY,
        cases=[property_case],
        today=TODAY,
    )


def test_the_three_parties_are_found_by_the_compound(org, three):
    assert sanlian_parties(org.compound) == three
    # A compound without its own branch is served by a branch of its community.
    three[SanlianRole.BRANCH].delete()
    community_branch = Unit.objects.create(name="东村党总支", kind=UnitKind.PARTY_BRANCH, area=org.village)
    assert sanlian_parties(org.compound)[SanlianRole.BRANCH] == community_branch


def test_a_deliberation_lists_the_three_parties_and_its_cases(planned, three, property_case, centre_staff):
    assert planned.state == DeliberationState.PLANNED
    assert {p.role: p.unit for p in planned.parties.all()} == three
    assert list(planned.cases.all()) == [property_case]
    assert (planned.compound, planned.village) == (property_case.compound, property_case.village)
    log = Activity.objects.get(deliberation=planned)
    assert (log.kind, log.actor) == (ActivityKind.DELIBERATION_PLANNED, centre_staff)


def test_a_compound_missing_a_party_cannot_deliberate(org, three, centre_staff):
    three[SanlianRole.OWNERS].delete()
    with pytest.raises(ValidationError) as excinfo:
        deliberation_create(actor=centre_staff, compound=org.compound, subject="x", agenda="y", scheduled_on=TODAY, today=TODAY)
    assert "业主委员会" in str(excinfo.value.message_dict["compound"])
    assert not Deliberation.objects.exists()


def test_only_a_compound_deliberates(org, three, centre_staff):
    with pytest.raises(ValidationError) as excinfo:
        deliberation_create(actor=centre_staff, compound=org.village, subject="x", agenda="y", scheduled_on=TODAY, today=TODAY)
    assert "compound" in excinfo.value.message_dict


@pytest.mark.parametrize("missing", list(SanlianRole.values))
@pytest.mark.parametrize("how", ["absent", "nobody_named"])
def test_it_cannot_be_recorded_as_held_without_all_three(planned, centre_staff, missing, how):
    attendance = dict(ALL_THERE)
    attendance[missing] = (False, "") if how == "absent" else (True, "  ")
    with pytest.raises(ValidationError) as excinfo:
        deliberation_record(
            deliberation_id=planned.pk, actor=centre_staff, held_on=TODAY, attendance=attendance, resolution="物业七日内修复电梯", today=TODAY
        )
    assert str(SanlianRole(missing).label) in " ".join(excinfo.value.message_dict["attendance"])
    planned.refresh_from_db()
    assert planned.state == DeliberationState.PLANNED
    assert not DeliberationParty.objects.filter(deliberation=planned, present=True).exists()


def test_with_all_three_present_it_is_held(planned, centre_staff):
    held = deliberation_record(
        deliberation_id=planned.pk,
        actor=centre_staff,
        held_on=TODAY,
        attendance=ALL_THERE,
        resolution="物业七日内修复电梯；业主按时缴费；支部跟踪。",
        location="东苑小区党群服务站",
        other_attendees="业主代表3人",
        today=TODAY,
    )
    assert (held.state, held.held_on, held.recorded_by) == (DeliberationState.HELD, TODAY, centre_staff)
    assert dict(held.parties.values_list("role", "attendee")) == {"branch": "张书记", "owners": "李主任", "property": "王经理"}
    assert all(held.parties.values_list("present", flat=True))
    with pytest.raises(IllegalTransition):
        deliberation_record(deliberation_id=planned.pk, actor=centre_staff, held_on=TODAY, attendance=ALL_THERE, resolution="again", today=TODAY)
    assert Activity.objects.filter(deliberation=planned, kind=ActivityKind.DELIBERATION_HELD).count() == 1


def test_held_needs_a_resolution_a_past_date_and_a_fresh_form(planned, centre_staff):
    with pytest.raises(ValidationError) as excinfo:
        deliberation_record(
            deliberation_id=planned.pk, actor=centre_staff, held_on=TODAY + timedelta(days=1), attendance=ALL_THERE, resolution=" ", today=TODAY
        )
    assert {"held_on", "resolution"} <= set(excinfo.value.message_dict)
    with pytest.raises(ConflictError):
        deliberation_record(
            deliberation_id=planned.pk, actor=centre_staff, held_on=TODAY, attendance=ALL_THERE, resolution="ok", expected_version=99, today=TODAY
        )


def test_who_organises(org, three, planned, secretary, village_mediator, other_village_mediator, leader, grid_worker):
    # The compound's branch secretary and the village's mediators organise; others do not.
    for user in (secretary, village_mediator):
        deliberation_create(actor=user, compound=org.compound, subject="s", agenda="a", scheduled_on=TODAY, today=TODAY)
    for user in (other_village_mediator, leader, grid_worker):
        with pytest.raises(PermissionDenied):
            deliberation_create(actor=user, compound=org.compound, subject="s", agenda="a", scheduled_on=TODAY, today=TODAY)
        with pytest.raises(PermissionDenied):
            deliberation_record(deliberation_id=planned.pk, actor=user, held_on=TODAY, attendance=ALL_THERE, resolution="r", today=TODAY)


def test_linked_cases_must_be_in_the_compound(org, three, centre_staff, dispute_type):
    elsewhere = register(org, dispute_type, centre_staff)
    with pytest.raises(ValidationError):
        deliberation_create(
            actor=centre_staff, compound=org.compound, subject="s", agenda="a", scheduled_on=TODAY, cases=[elsewhere], today=TODAY
        )


# ---------------------------------------------------------------- pages and the case panel


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def test_the_case_page_shows_the_deliberation_of_a_sanlian_case(client, planned, property_case, village_mediator, centre_staff):
    response = page(client, village_mediator, reverse("web:case_detail", args=[property_case.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="sanlian-h"' in body and "电梯停运与物业费" in body
    assert reverse("meetings:deliberation_detail", args=[planned.pk]) in body
    # Held: the resolution shows too.
    deliberation_record(deliberation_id=planned.pk, actor=centre_staff, held_on=timezone.localdate(), attendance=ALL_THERE, resolution="物业七日内修复电梯")
    body = page(client, village_mediator, reverse("web:case_detail", args=[property_case.pk])).content.decode()
    assert "物业七日内修复电梯" in body


def test_a_sanlian_case_without_a_deliberation_offers_to_start_one(client, three, property_case, centre_staff, leader):
    body = page(client, centre_staff, reverse("web:case_detail", args=[property_case.pk])).content.decode()
    assert f"{reverse('meetings:deliberation_new')}?case={property_case.pk}" in body
    # Leaders read only.
    body = page(client, leader, reverse("web:case_detail", args=[property_case.pk])).content.decode()
    assert 'id="sanlian-h"' in body and f"?case={property_case.pk}" not in body


def test_other_cases_have_no_panel(client, org, dispute_type, centre_staff):
    case = register(org, dispute_type, centre_staff)
    body = page(client, centre_staff, reverse("web:case_detail", args=[case.pk])).content.decode()
    assert 'id="sanlian-h"' not in body


def test_starting_and_recording_through_the_pages(client, org, three, property_case, secretary):
    url = f"{reverse('meetings:deliberation_new')}?case={property_case.pk}"
    client.force_login(secretary)
    form = client.get(url)
    body = form.content.decode()
    assert form.status_code == 200 and "东苑小区业主委员会" in body and "安居物业" in body
    response = client.post(
        url,
        {
            "compound": org.compound.pk,
            "subject": "电梯停运",
            "agenda": "三方商议维修方案。",
            "scheduled_on": timezone.localdate().isoformat(),
            "cases": [property_case.pk],
        },
    )
    deliberation = Deliberation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings:deliberation_detail", args=[deliberation.pk])
    assert list(deliberation.cases.all()) == [property_case]

    record = reverse("meetings:deliberation_record", args=[deliberation.pk])
    post = {
        "held_on": timezone.localdate().isoformat(),
        "resolution": "物业七日内修复电梯",
        "expected_version": deliberation.version,
        "branch_present": "on",
        "branch_attendee": "张书记",
        "owners_present": "on",
        "owners_attendee": "李主任",
        "property_attendee": "王经理",  # not ticked as present
    }
    refused = client.post(record, post)
    assert refused.status_code == 400
    assert "物业服务企业未到会" in re.sub(r"\s+", "", refused.content.decode())
    assert Deliberation.objects.get().state == DeliberationState.PLANNED
    post["property_present"] = "on"
    assert client.post(record, post).status_code == 302
    assert Deliberation.objects.get().state == DeliberationState.HELD
    listing = client.get(reverse("meetings:deliberation_list")).content.decode()
    assert "电梯停运" in listing and "已召开" in listing


def test_outsiders_cannot_record_through_the_pages(client, planned, other_village_mediator, leader):
    for user in (other_village_mediator, leader):
        client.force_login(user)
        response = client.post(reverse("meetings:deliberation_record", args=[planned.pk]), {"resolution": "x"})
        assert response.status_code in (403, 404)
    assert Deliberation.objects.get().state == DeliberationState.PLANNED
