"""The discovery registers' services: the 领导接访 rota and its visitors, the field-work log, who
may record what, and the audit row every write leaves."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from jiefen.cases.models import Channel
from jiefen.common.errors import ConflictError, DomainError, PermissionDenied
from jiefen.discovery.access import field_visits_visible_to, reception_visits_visible_to
from jiefen.discovery.models import (
    DiscoveryEvent,
    DiscoveryEventKind,
    FieldVisit,
    FieldVisitKind,
    ReceptionOutcome,
    ReceptionSlot,
    ReceptionVisit,
)
from jiefen.discovery.services import (
    field_visit_attach_cases,
    field_visit_link_case,
    field_visit_record,
    field_visit_update,
    reception_slot_cancel,
    reception_slot_create,
    reception_slot_update,
    reception_visit_link_case,
    reception_visit_record,
)
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday
NOW = timezone.make_aware(datetime(2026, 11, 23, 20, 0))


def person_of(user):
    return Person.objects.get(user=user)


def events(**filters):
    return list(DiscoveryEvent.objects.filter(**filters).order_by("id"))


def make_slot(org, staff, leader, *, day=TODAY, start=time(9), end=time(11), **kwargs):
    return reception_slot_create(
        actor=staff,
        subdistrict=org.subdistrict,
        leader=person_of(leader),
        date=day,
        start_time=start,
        end_time=end,
        place=kwargs.pop("place", "综治中心接待室"),
        today=TODAY,
        **kwargs,
    )


def make_patrol(actor, village, **kwargs):
    data = {
        "kind": FieldVisitKind.PATROL,
        "village": village,
        "started_at": NOW - timedelta(hours=3),
        "ended_at": NOW - timedelta(hours=1),
        "findings": "巡逻中发现两户因占道堆物争吵。",
        "households_visited": 12,
        "issues_found": 1,
        "now": NOW,
    }
    data.update(kwargs)
    return field_visit_record(actor=actor, **data)


# ---------------------------------------------------------------- the rota


def test_staff_schedule_a_leader_and_the_audit_row_says_so(org, centre_staff, leader):
    slot = make_slot(org, centre_staff, leader)
    assert slot.leader == person_of(leader) and slot.place == "综治中心接待室"
    (event,) = events(slot=slot)
    assert event.kind == DiscoveryEventKind.SLOT_CREATED and event.actor == centre_staff
    assert event.data["start"] == "09:00" and event.data["leader"] == "领导戊"


def test_overlapping_slots_for_one_leader_are_refused(org, centre_staff, leader):
    make_slot(org, centre_staff, leader, start=time(9), end=time(11))
    with pytest.raises(DomainError, match="时间不能重叠") as refused:
        make_slot(org, centre_staff, leader, start=time(10, 30), end=time(12))
    assert refused.value.field == "start_time"
    # Back to back is fine, and so is the same hour on another day.
    make_slot(org, centre_staff, leader, start=time(11), end=time(12))
    make_slot(org, centre_staff, leader, day=TODAY + timedelta(days=1))
    assert ReceptionSlot.objects.count() == 3
    assert DiscoveryEvent.objects.filter(kind=DiscoveryEventKind.SLOT_CREATED).count() == 3


def test_a_cancelled_slot_frees_its_hour(org, centre_staff, leader):
    slot = make_slot(org, centre_staff, leader)
    reception_slot_cancel(slot_id=slot.pk, actor=centre_staff, reason="领导外出开会")
    make_slot(org, centre_staff, leader)
    (cancelled,) = events(kind=DiscoveryEventKind.SLOT_CANCELLED)
    assert cancelled.note == "领导外出开会"


def test_end_before_start_is_refused(org, centre_staff, leader):
    with pytest.raises(DomainError, match="结束时间应晚于开始时间"):
        make_slot(org, centre_staff, leader, start=time(11), end=time(9))
    assert not ReceptionSlot.objects.exists() and not DiscoveryEvent.objects.exists()


def test_dates_out_of_range_are_refused(org, centre_staff, leader):
    with pytest.raises(DomainError, match="补排"):
        make_slot(org, centre_staff, leader, day=TODAY - timedelta(days=60))
    with pytest.raises(DomainError, match="一年"):
        make_slot(org, centre_staff, leader, day=TODAY + timedelta(days=400))


def test_only_a_leader_of_this_subdistrict_can_receive(org, centre_staff, village_mediator):
    with pytest.raises(DomainError, match="不是本街道的领导"):
        make_slot(org, centre_staff, village_mediator)
    other = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT, code="别的")
    unit = Unit.objects.create(name="别的街道党工委", kind=UnitKind.PARTY_WORKING_COMMITTEE, area=other)
    stranger = Person.objects.create(name="外街道领导")
    RoleAssignment.objects.create(person=stranger, role=Role.LEADER, unit=unit)
    with pytest.raises(DomainError, match="不是本街道的领导"):
        reception_slot_create(
            actor=centre_staff, subdistrict=org.subdistrict, leader=stranger, date=TODAY, start_time=time(9), end_time=time(10), place="x", today=TODAY
        )
    # A liaison leader linked to a village of the subdistrict is one.
    liaison = Person.objects.create(name="联系领导己")
    RoleAssignment.objects.create(person=liaison, role=Role.LIAISON_LEADER, area=org.village)
    slot = reception_slot_create(
        actor=centre_staff, subdistrict=org.subdistrict, leader=liaison, date=TODAY, start_time=time(9), end_time=time(10), place="东村便民服务中心", today=TODAY
    )
    assert slot.leader == liaison


@pytest.mark.parametrize("persona", ["leader", "village_mediator", "grid_worker", "outsider"])
def test_only_staff_keep_the_rota(request, org, leader, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        make_slot(org, user, leader)


def test_updating_a_slot_checks_overlap_and_version(org, centre_staff, leader):
    first = make_slot(org, centre_staff, leader, start=time(9), end=time(10))
    second = make_slot(org, centre_staff, leader, start=time(14), end=time(16))
    with pytest.raises(DomainError, match="时间不能重叠"):
        reception_slot_update(
            slot_id=second.pk, actor=centre_staff, leader=person_of(leader), date=TODAY, start_time=time(9, 30), end_time=time(11),
            place="综治中心接待室", expected_version=second.version, today=TODAY,
        )
    moved = reception_slot_update(
        slot_id=second.pk, actor=centre_staff, leader=person_of(leader), date=TODAY, start_time=time(10), end_time=time(11),
        place="综治中心接待室", expected_version=second.version, today=TODAY,
    )
    assert moved.start_time == time(10) and moved.version == 1
    (updated,) = events(kind=DiscoveryEventKind.SLOT_UPDATED)
    assert updated.data["before"]["start"] == "14:00" and updated.data["after"]["start"] == "10:00"
    with pytest.raises(ConflictError):
        reception_slot_update(
            slot_id=second.pk, actor=centre_staff, leader=person_of(leader), date=TODAY, start_time=time(15), end_time=time(16),
            place="综治中心接待室", expected_version=0, today=TODAY,
        )
    assert first.pk != second.pk


# ---------------------------------------------------------------- visitors


def test_the_slot_leader_records_a_visitor(org, centre_staff, leader):
    slot = make_slot(org, centre_staff, leader)
    visit = reception_visit_record(
        slot_id=slot.pk, actor=leader, visitor_name="王大妈", phone="138 0013 8000", visitors_count=3, village=org.village,
        matter="邻居占用公共通道堆放杂物。", handling="当场联系村委会协调。", today=TODAY,
    )
    assert visit.phone == "13800138000" and visit.received_on == TODAY and visit.subdistrict == org.subdistrict
    (event,) = events(reception_visit=visit)
    assert event.kind == DiscoveryEventKind.VISITOR_RECORDED and event.actor == leader and event.slot == slot


def test_visitor_records_are_validated(org, centre_staff, leader, subdistrict_mediator):
    slot = make_slot(org, centre_staff, leader)
    base = {"slot_id": slot.pk, "actor": centre_staff, "visitor_name": "王大妈", "matter": "反映事项", "today": TODAY}
    with pytest.raises(DomainError, match="电话号码格式不正确") as bad_phone:
        reception_visit_record(**base, phone="12345")
    assert bad_phone.value.field == "phone"
    elsewhere = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT)
    far_village = Area.objects.create(name="远村", kind=AreaKind.VILLAGE, parent=elsewhere)
    with pytest.raises(DomainError, match="不在本街道"):
        reception_visit_record(**base, village=far_village)
    with pytest.raises(PermissionDenied):
        reception_visit_record(**{**base, "actor": subdistrict_mediator})
    future = make_slot(org, centre_staff, leader, day=TODAY + timedelta(days=2))
    with pytest.raises(DomainError, match="尚未开始"):
        reception_visit_record(**{**base, "slot_id": future.pk})
    assert not ReceptionVisit.objects.exists()
    assert not DiscoveryEvent.objects.filter(kind=DiscoveryEventKind.VISITOR_RECORDED).exists()


def test_another_leader_cannot_record_in_someone_elses_slot(org, centre_staff, leader):
    slot = make_slot(org, centre_staff, leader)
    from .conftest import _user

    other = _user("leader2", "领导庚", (Role.LEADER, org.centre, None))
    with pytest.raises(PermissionDenied, match="本场接访领导"):
        reception_visit_record(slot_id=slot.pk, actor=other, visitor_name="甲", matter="事项", today=TODAY)


def test_a_slot_with_visitors_cannot_be_cancelled(org, centre_staff, leader):
    slot = make_slot(org, centre_staff, leader)
    reception_visit_record(slot_id=slot.pk, actor=centre_staff, visitor_name="甲", matter="事项", today=TODAY)
    with pytest.raises(DomainError, match="已登记来访"):
        reception_slot_cancel(slot_id=slot.pk, actor=centre_staff, reason="改期")


def test_a_visit_links_one_case_with_the_reception_channel(org, centre_staff, leader, make_case):
    slot = make_slot(org, centre_staff, leader)
    visit = reception_visit_record(slot_id=slot.pk, actor=centre_staff, visitor_name="甲", matter="事项", today=TODAY)
    wrong = make_case(actor=centre_staff, channel=Channel.PATROL)
    with pytest.raises(DomainError, match="领导接访") as refused:
        reception_visit_link_case(visit_id=visit.pk, case=wrong, actor=centre_staff)
    assert refused.value.field == "channel"
    case = make_case(actor=centre_staff, channel=Channel.LEADER_RECEPTION)
    reception_visit_link_case(visit_id=visit.pk, case=case, actor=centre_staff)
    visit.refresh_from_db()
    assert visit.case == case and visit.outcome == ReceptionOutcome.CASE
    again = make_case(actor=centre_staff, channel=Channel.LEADER_RECEPTION, title="另一案")
    with pytest.raises(DomainError, match="请勿重复登记"):
        reception_visit_link_case(visit_id=visit.pk, case=again, actor=centre_staff)
    (opened,) = events(kind=DiscoveryEventKind.CASE_OPENED)
    assert opened.data["case_number"] == case.number and opened.reception_visit == visit


# ---------------------------------------------------------------- field work


def test_a_grid_worker_records_a_patrol_in_their_village(org, grid_worker):
    visit = make_patrol(grid_worker, org.village, grid=org.grid, route="东村3组—5组主干道")
    assert visit.subdistrict == org.subdistrict and visit.route == "东村3组—5组主干道"
    assert list(visit.participants.all()) == [person_of(grid_worker)]
    (event,) = events(field_visit=visit)
    assert event.kind == DiscoveryEventKind.FIELD_VISIT_RECORDED and event.data["households"] == 12


def test_grassroots_record_only_patrols_and_cadre_visits_in_their_own_village(org, grid_worker, village_mediator, outsider):
    make_patrol(village_mediator, org.village, kind=FieldVisitKind.CADRE_VISIT)
    with pytest.raises(PermissionDenied, match="无权登记西村"):
        make_patrol(grid_worker, org.other_village)
    with pytest.raises(PermissionDenied, match="廉情夜访"):
        make_patrol(village_mediator, org.village, kind=FieldVisitKind.NIGHT_VISIT)
    with pytest.raises(PermissionDenied):
        make_patrol(outsider, org.village)
    assert FieldVisit.objects.count() == 1


def test_staff_and_leaders_record_every_kind(org, centre_staff, leader):
    for kind in FieldVisitKind.values:
        make_patrol(centre_staff, org.other_village, kind=kind)
    visit = make_patrol(leader, org.village, kind=FieldVisitKind.NIGHT_VISIT)
    assert person_of(leader) in visit.participants.all()


def test_field_visit_validation(org, centre_staff):
    with pytest.raises(DomainError, match="结束时间应晚于开始时间"):
        make_patrol(centre_staff, org.village, ended_at=NOW - timedelta(hours=4))
    with pytest.raises(DomainError, match="不能晚于现在"):
        make_patrol(centre_staff, org.village, started_at=NOW + timedelta(hours=2), ended_at=NOW + timedelta(hours=3))
    with pytest.raises(DomainError, match="不超过24小时"):
        make_patrol(centre_staff, org.village, started_at=NOW - timedelta(hours=30))
    with pytest.raises(DomainError, match="所选网格不在东村"):
        make_patrol(centre_staff, org.village, grid=org.other_grid)
    with pytest.raises(DomainError, match="请填写发现情况"):
        make_patrol(centre_staff, org.village, findings="  ")
    elsewhere = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT)
    far_village = Area.objects.create(name="远村", kind=AreaKind.VILLAGE, parent=elsewhere)
    with pytest.raises(PermissionDenied, match="远村"):
        make_patrol(centre_staff, far_village)
    assert not FieldVisit.objects.exists() and not DiscoveryEvent.objects.exists()


def test_updating_a_field_visit_is_logged_with_what_changed(org, grid_worker, village_mediator, centre_staff):
    visit = make_patrol(grid_worker, org.village)
    with pytest.raises(PermissionDenied):
        field_visit_update(visit_id=visit.pk, actor=village_mediator, households_visited=20, now=NOW)
    updated = field_visit_update(visit_id=visit.pk, actor=grid_worker, expected_version=0, households_visited=20, now=NOW)
    assert updated.households_visited == 20 and updated.version == 1
    (event,) = events(kind=DiscoveryEventKind.FIELD_VISIT_UPDATED)
    assert event.data == {"changed": {"households_visited": "20"}}
    with pytest.raises(ConflictError):
        field_visit_update(visit_id=visit.pk, actor=centre_staff, expected_version=0, issues_found=3, now=NOW)


def test_a_case_visit_carries_visible_cases_only(org, centre_staff, other_village_mediator, make_case):
    east = make_case(title="东村的纠纷")
    visit = make_patrol(centre_staff, org.village, kind=FieldVisitKind.CASE_VISIT, carried_cases=[east])
    assert list(visit.carried_cases.all()) == [east]
    west_visit = make_patrol(centre_staff, org.other_village, kind=FieldVisitKind.CASE_VISIT)
    with pytest.raises(PermissionDenied):
        field_visit_attach_cases(visit_id=west_visit.pk, actor=other_village_mediator, cases=[east])
    field_visit_attach_cases(visit_id=west_visit.pk, actor=centre_staff, cases=[east])
    (carried,) = events(kind=DiscoveryEventKind.CASES_CARRIED)
    assert carried.data["case_numbers"] == [east.number]
    patrol = make_patrol(centre_staff, org.village)
    with pytest.raises(DomainError, match="只有“带案下访”"):
        field_visit_attach_cases(visit_id=patrol.pk, actor=centre_staff, cases=[east])


def test_opened_case_must_carry_the_visit_channel(org, grid_worker, make_case):
    visit = make_patrol(grid_worker, org.village)
    with pytest.raises(DomainError, match="治安巡逻"):
        field_visit_link_case(visit_id=visit.pk, case=make_case(), actor=grid_worker)
    case = make_case(channel=Channel.PATROL)
    field_visit_link_case(visit_id=visit.pk, case=case, actor=grid_worker)
    assert list(visit.opened_cases.all()) == [case]
    (event,) = events(kind=DiscoveryEventKind.CASE_OPENED)
    assert event.field_visit == visit and event.actor == grid_worker


# ---------------------------------------------------------------- who sees what


def test_visibility_per_persona(request, org, centre_staff, leader, grid_worker, make_case):
    east = make_patrol(grid_worker, org.village)
    west = make_patrol(centre_staff, org.other_village)
    slot = make_slot(org, centre_staff, leader)
    east_visitor = reception_visit_record(slot_id=slot.pk, actor=centre_staff, visitor_name="甲", matter="事", village=org.village, today=TODAY)
    west_visitor = reception_visit_record(slot_id=slot.pk, actor=centre_staff, visitor_name="乙", matter="事", village=org.other_village, today=TODAY)
    expected = {
        "centre_staff": ({east, west}, {east_visitor, west_visitor}),
        "leader": ({east, west}, {east_visitor, west_visitor}),
        "subdistrict_mediator": ({east, west}, {east_visitor, west_visitor}),
        "grid_worker": ({east}, {east_visitor}),
        "village_mediator": ({east}, {east_visitor}),
        "other_village_mediator": ({west}, {west_visitor}),
        "outsider": (set(), set()),
    }
    for persona, (field, visitors) in expected.items():
        user = request.getfixturevalue(persona)
        assert set(field_visits_visible_to(user)) == field, persona
        assert set(reception_visits_visible_to(user)) == visitors, persona


def test_the_audit_log_is_append_only(org, grid_worker):
    make_patrol(grid_worker, org.village)
    event = DiscoveryEvent.objects.get()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        DiscoveryEvent.objects.all().delete()
    with pytest.raises(TypeError):
        DiscoveryEvent.objects.update(note="x")
