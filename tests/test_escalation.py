"""Escalation up the tiers and 上交 out of the subdistrict (DESIGN §5): events, the village
that handed a case up keeps seeing it and hears how it ended, and 上交 counts against the
unit that held the case."""

from datetime import date, timedelta

import pytest

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases.models import Case, CaseState, EventKind, Tier
from jiefen.cases.selectors import cases_visible_to
from jiefen.cases.services import allowed_actions
from jiefen.common.errors import DomainError
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import Role

from .casework import act, events, snapshot, walk
from .conftest import _user

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 10)


@pytest.fixture
def room_mediator(org):
    """A mediator of the village room only (not of the village committee)."""
    return _user("roommed", "东村调解室调解员", (Role.MEDIATOR, org.village_room, None))


@pytest.fixture
def mediating(make_case, centre_staff, room_mediator):
    """A case in mediation at tier 1, the village room, handled by `room_mediator`."""
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=room_mediator, on=ON)


def notified(case, kind):
    return sorted(n.user.username for n in Notification.objects.filter(case=case, kind=kind))


def to_tier_three(case, org, room_mediator, village_mediator):
    case = act(case, "escalate", room_mediator, on=ON, reason="双方分歧大，本室难以调处")
    case = act(case, "assign", village_mediator, mediator=village_mediator, on=ON)
    case = act(case, "start_mediation", village_mediator, on=ON)
    case = act(case, "escalate", village_mediator, on=ON, reason="涉及多个村民小组，需街道协调")
    assert (case.tier, case.assigned_unit) == (Tier.SUBDISTRICT_COMMITTEE, org.subdistrict_committee)
    return case


def test_escalation_tier_one_to_two_to_three(mediating, org, room_mediator, village_mediator, subdistrict_mediator):
    case = act(mediating, "escalate", room_mediator, on=ON, reason="双方分歧大，本室难以调处")
    case.refresh_from_db()
    assert (case.state, case.tier, case.assigned_unit, case.mediator) == (CaseState.ACCEPTED, 2, org.village_committee, None)
    assert case.escalated_from_unit == org.village_room
    assert (case.due_stage, case.mediation_due_date) == ("assignment", ON + timedelta(days=30))
    first = events(case, kind=EventKind.ESCALATED)
    assert len(first) == 1
    event = first[0]
    assert (event.actor, event.action, event.from_state, event.to_state) == (room_mediator, "escalate", CaseState.MEDIATING, CaseState.ACCEPTED)
    assert event.reason == "双方分歧大，本室难以调处"
    assert event.data["from_tier"] == 1 and event.data["from_unit"] == org.village_room.id
    assert event.data["to_tier"] == 2 and event.data["to_unit"] == org.village_committee.id
    assert event.data["to_unit_name"] == "东村调解委员会"
    # The village room hears where its case went; the committee hears it has new work.
    assert notified(case, NotificationKind.ESCALATED) == ["roommed", "vmed"]
    assert "双方分歧大" in Notification.objects.filter(case=case, kind=NotificationKind.ESCALATED).first().message
    assert "vmed" in notified(case, NotificationKind.ASSIGNED)

    # An escalated case arrives accepted: the new unit assigns a mediator.
    case = act(case, "assign", village_mediator, mediator=village_mediator, on=ON)
    case = act(case, "escalate", village_mediator, on=ON, reason="涉及多个村民小组，需街道协调")
    case.refresh_from_db()
    assert (case.state, case.tier, case.assigned_unit, case.mediator) == (CaseState.ACCEPTED, 3, org.subdistrict_committee, None)
    # The origin is still the village room, not the committee it passed through.
    assert case.escalated_from_unit == org.village_room
    second = events(case, kind=EventKind.ESCALATED)[-1]
    assert (second.from_state, second.data["from_tier"], second.data["from_unit"]) == (CaseState.ASSIGNED, 2, org.village_committee.id)
    assert (second.data["to_tier"], second.data["to_unit"]) == (3, org.subdistrict_committee.id)
    assert second.reason == "涉及多个村民小组，需街道协调"
    # Every mediator of the origin village hears of the second step too, not only the committee.
    escalated = Notification.objects.filter(case=case, kind=NotificationKind.ESCALATED)
    assert sorted(n.user.username for n in escalated if "街道协调" in n.message) == ["roommed", "vmed"]
    assert "smed" in notified(case, NotificationKind.ASSIGNED)


def test_escalation_with_a_chosen_unit_must_be_of_the_next_tier(mediating, org, room_mediator):
    before = snapshot(mediating)
    with pytest.raises(DomainError) as info:
        act(mediating, "escalate", room_mediator, unit=org.subdistrict_committee)
    assert info.value.code == "wrong_tier_unit"
    assert snapshot(mediating) == before
    case = act(mediating, "escalate", room_mediator, unit=org.subdistrict_room)
    assert (case.tier, case.assigned_unit) == (2, org.subdistrict_room)


def test_the_origin_village_keeps_seeing_the_case_but_no_longer_acts_on_it(mediating, org, room_mediator, village_mediator, subdistrict_mediator, other_village_mediator):
    case = to_tier_three(mediating, org, room_mediator, village_mediator)
    for user in (room_mediator, village_mediator, subdistrict_mediator):
        assert cases_visible_to(user).filter(pk=case.pk).exists(), user
    assert not cases_visible_to(other_village_mediator).filter(pk=case.pk).exists()
    assert allowed_actions(room_mediator, case) == []
    assert allowed_actions(village_mediator, case) == []
    assert [t.action for t in allowed_actions(subdistrict_mediator, case)] == ["assign", "terminate"]


def test_escalating_at_the_top_tier_points_to_hand_up(mediating, org, room_mediator, village_mediator, subdistrict_mediator):
    case = to_tier_three(mediating, org, room_mediator, village_mediator)
    case = act(case, "assign", subdistrict_mediator, mediator=subdistrict_mediator, on=ON)
    before = snapshot(case)
    with pytest.raises(DomainError) as info:
        act(case, "escalate", subdistrict_mediator, on=ON)
    assert info.value.code == "top_tier"
    assert "上交" in str(info.value)
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).assigned_unit == org.subdistrict_committee


def test_the_origin_village_hears_each_outcome_of_an_escalated_case(mediating, org, room_mediator, village_mediator, subdistrict_mediator):
    case = to_tier_three(mediating, org, room_mediator, village_mediator)
    for action in ("assign", "start_mediation"):
        case = act(case, action, subdistrict_mediator, mediator=subdistrict_mediator, on=ON)
    assert not Notification.objects.filter(case=case, kind=NotificationKind.OUTCOME).exists()

    case = act(case, "reach_agreement", subdistrict_mediator, on=ON)
    outcome = Notification.objects.filter(case=case, kind=NotificationKind.OUTCOME)
    assert sorted(n.user.username for n in outcome) == ["roommed", "vmed"]
    assert all(case.number in n.message and "达成协议" in n.message for n in outcome)
    # The holding unit does not notify itself.
    assert not outcome.filter(user=subdistrict_mediator).exists()

    case = act(case, "confirm_performed", subdistrict_mediator, on=ON)
    case = act(case, "record_return_visit", subdistrict_mediator, on=ON)
    case = act(case, "archive", subdistrict_mediator, on=ON)
    messages = list(Notification.objects.filter(case=case, kind=NotificationKind.OUTCOME, user=room_mediator).values_list("message", flat=True))
    assert len(messages) == 3  # agreement, performed, archived; the return visit is not an outcome
    assert any("归档" in m for m in messages)


def test_the_origin_village_hears_of_a_termination_and_referral(mediating, org, room_mediator, village_mediator, subdistrict_mediator):
    case = to_tier_three(mediating, org, room_mediator, village_mediator)
    for action in ("assign", "start_mediation", "terminate", "refer_out", "archive"):
        case = act(case, action, subdistrict_mediator, mediator=subdistrict_mediator, on=ON)
    messages = list(Notification.objects.filter(case=case, kind=NotificationKind.OUTCOME, user=room_mediator).values_list("message", flat=True))
    assert len(messages) == 3
    assert any("调解终止" in m for m in messages)
    assert any("已移送" in m for m in messages)


def test_a_case_that_was_never_escalated_sends_no_outcome_notices(mediating, room_mediator):
    case = act(mediating, "reach_agreement", room_mediator, on=ON)
    case = act(case, "confirm_performed", room_mediator, on=ON)
    assert not Notification.objects.filter(kind=NotificationKind.OUTCOME).exists()


def test_hand_up_counts_against_the_unit_holding_the_case(mediating, org, room_mediator, village_mediator, subdistrict_mediator, centre_staff):
    case = to_tier_three(mediating, org, room_mediator, village_mediator)
    for action in ("assign", "start_mediation", "terminate"):
        case = act(case, action, subdistrict_mediator, mediator=subdistrict_mediator, on=ON)
    case = act(case, "hand_up", centre_staff, on=ON, reason="涉及征地补偿政策，需市级部门处理", referred_to="隆昌市信访局")
    case.refresh_from_db()
    assert case.state == CaseState.HANDED_UP
    assert case.referred_to == "隆昌市信访局"
    event = events(case)[-1]
    assert (event.kind, event.action, event.actor, event.from_state, event.to_state) == (
        EventKind.TRANSITION, "hand_up", centre_staff, CaseState.TERMINATED, CaseState.HANDED_UP
    )
    assert event.data == {"referred_to": "隆昌市信访局"}
    incident = Incident.objects.get(case=case)
    assert incident.kind == IncidentKind.HANDED_UP
    assert incident.unit == org.subdistrict_committee  # the holder, not the village it came from
    assert incident.responsible_user == subdistrict_mediator
    assert incident.status == IncidentStatus.PENDING
    assert (incident.detected_on, incident.assessment_year) == (ON, 2026)
    assert incident.evidence == {"referred_to": "隆昌市信访局", "reason": "涉及征地补偿政策，需市级部门处理"}
    assert Notification.objects.filter(case=case, kind=NotificationKind.OUTCOME, user=room_mediator, message__contains="已上交").exists()

    case = act(case, "archive", centre_staff, on=ON)
    case.refresh_from_db()
    assert case.closed_inside_subdistrict is False
    assert case.closed_at is not None


def test_hand_up_from_the_village_room_counts_against_the_village_room(mediating, org, room_mediator, centre_staff):
    case = act(mediating, "terminate", room_mediator, on=ON)
    case = act(case, "hand_up", centre_staff, on=ON)
    incident = Incident.objects.get(case=case, kind=IncidentKind.HANDED_UP)
    assert (incident.unit, incident.responsible_user) == (org.village_room, room_mediator)
    case = act(case, "archive", centre_staff, on=ON)
    assert Case.objects.get(pk=case.pk).closed_inside_subdistrict is False


def test_escalation_to_a_chosen_unit_must_stay_with_the_cases_village_or_subdistrict(mediating, org, room_mediator, other_village_mediator):
    from jiefen.organisation.models import Area, AreaKind, Unit, UnitKind

    elsewhere = Area.objects.create(name="云顶街道", kind=AreaKind.SUBDISTRICT, code="云顶")
    far_room = Unit.objects.create(name="云顶街道小马调解室", kind=UnitKind.SUBDISTRICT_MEDIATION_ROOM, area=elsewhere)
    before = snapshot(mediating)
    for unit in (org.other_village_committee, far_room):
        with pytest.raises(DomainError) as info:
            act(mediating, "escalate", room_mediator, on=ON, unit=unit)
        assert info.value.field == "unit"
        assert snapshot(mediating) == before
    assert not Notification.objects.filter(case=mediating, user=other_village_mediator).exists()


def test_escalation_is_offered_below_the_top_tier_only(make_case, centre_staff, village_mediator, subdistrict_mediator):
    from jiefen.cases.services import allowed_actions

    from .casework import walk

    top = walk(make_case(risk_grade="red"), "mediating", staff=centre_staff, mediator=subdistrict_mediator)
    assert top.tier == 3
    assert "escalate" not in [t.action for t in allowed_actions(centre_staff, top)]
    low = walk(make_case(), "mediating", staff=centre_staff, mediator=village_mediator)
    assert low.tier == 1
    assert "escalate" in [t.action for t in allowed_actions(centre_staff, low)]
