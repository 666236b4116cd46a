"""Routing (DESIGN §5): the default rule table, admin edits to it, missing units, staff
overrides at intake and later re-routing — each logged with proposal, choice and reason."""

import pytest
from django.core.exceptions import ValidationError

from jiefen.cases.models import Case, CaseEvent, CaseNumberSequence, CaseState, Complexity, DisputeType, EventKind, RiskGrade, RoutingRule
from jiefen.cases.routing import route_propose
from jiefen.cases.services import case_reroute
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import AreaKind, Unit, UnitKind

from .casework import act, events, register, snapshot, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def property_type(db):
    return DisputeType.objects.get(code="property_management")


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count(), list(
        CaseNumberSequence.objects.values_list("last_value", flat=True)
    )


# ---------------------------------------------------------------- the default table

DEFAULT_CASES = {
    "red-risk": ({"risk_grade": RiskGrade.RED}, 3, "subdistrict_committee", "红色风险"),
    "group": ({"is_group": True, "people_involved": 30}, 3, "subdistrict_committee", "群体性"),
    "criminal-risk": ({"criminal_risk": True}, 3, "subdistrict_committee", "民转刑"),
    "complex": ({"complexity": Complexity.COMPLEX}, 3, "subdistrict_committee", "复杂纠纷"),
    "fairly-complex": ({"complexity": Complexity.FAIRLY_COMPLEX}, 2, "village_committee", "较复杂"),
    "ordinary": ({}, 1, "village_room", "一般纠纷"),
    # The first matching rule wins: red beats 较复杂, group beats the default.
    "red-and-fairly-complex": ({"risk_grade": RiskGrade.RED, "complexity": Complexity.FAIRLY_COMPLEX}, 3, "subdistrict_committee", "红色风险"),
    "orange-ordinary": ({"risk_grade": RiskGrade.ORANGE}, 1, "village_room", "一般纠纷"),
}


@pytest.mark.parametrize("name", DEFAULT_CASES)
def test_default_rule_table(name, org, dispute_type, centre_staff, village_mediator, subdistrict_mediator):
    overrides, tier, unit_attr, rule_words = DEFAULT_CASES[name]
    case = register(org, dispute_type, centre_staff, **overrides)
    unit = getattr(org, unit_attr)
    assert (case.tier, case.assigned_unit, case.needs_sanlian) == (tier, unit, False)
    routed = events(case, kind=EventKind.ROUTED)[0]
    assert routed.data["proposed_tier"] == tier
    assert routed.data["proposed_unit"] == unit.id
    assert rule_words in routed.data["rule"]
    assert routed.actor == centre_staff
    assert not events(case, kind=EventKind.ROUTING_OVERRIDE)
    # The holding unit's mediators hear of the new case; nobody else does.
    expected = {subdistrict_mediator} if unit == org.subdistrict_committee else {village_mediator}
    assert {n.user for n in Notification.objects.filter(case=case, kind=NotificationKind.NEW_CASE)} == expected


def test_property_dispute_in_a_compound_goes_to_the_village_room_for_sanlian(org, property_type, centre_staff):
    case = register(org, property_type, centre_staff, compound=org.compound, grid=None)
    assert (case.tier, case.assigned_unit, case.needs_sanlian) == (1, org.village_room, True)
    routed = events(case, kind=EventKind.ROUTED)[0]
    assert routed.data["needs_sanlian"] is True
    assert "三联三议" in routed.data["rule"]


def test_property_dispute_outside_a_compound_is_not_sent_to_sanlian(org, property_type, centre_staff):
    from jiefen.organisation.models import Area

    group = Area.objects.create(name="东村3组", kind=AreaKind.GROUP, parent=org.village)
    for compound in (None, group):
        case = register(org, property_type, centre_staff, compound=compound, grid=None)
        assert (case.tier, case.assigned_unit, case.needs_sanlian) == (1, org.village_room, False), compound


def test_other_dispute_types_in_a_compound_are_not_sent_to_sanlian(org, dispute_type, centre_staff):
    case = register(org, dispute_type, centre_staff, compound=org.compound, grid=None)
    assert case.needs_sanlian is False


def test_a_complex_property_dispute_in_a_compound_still_goes_to_the_subdistrict(org, property_type, centre_staff):
    case = register(org, property_type, centre_staff, compound=org.compound, grid=None, complexity=Complexity.COMPLEX)
    assert (case.tier, case.assigned_unit, case.needs_sanlian) == (3, org.subdistrict_committee, False)


def test_the_default_goes_to_the_room_of_the_cases_own_village(org, dispute_type, centre_staff):
    east = register(org, dispute_type, centre_staff)
    west = register(org, dispute_type, centre_staff, village=org.other_village, grid=org.other_grid)
    assert east.assigned_unit == org.village_room
    assert west.assigned_unit == org.other_village_room
    west_complex = register(org, dispute_type, centre_staff, village=org.other_village, grid=None, complexity=Complexity.FAIRLY_COMPLEX)
    assert (west_complex.tier, west_complex.assigned_unit) == (2, org.other_village_committee)


def test_with_no_rule_at_all_the_case_still_gets_the_village_room(org, dispute_type, centre_staff):
    RoutingRule.objects.all().delete()
    case = register(org, dispute_type, centre_staff, risk_grade=RiskGrade.RED)
    assert (case.tier, case.assigned_unit) == (1, org.village_room)
    assert events(case, kind=EventKind.ROUTED)[0].data["rule"] == ""


# ---------------------------------------------------------------- admin edits


def test_a_new_higher_priority_rule_changes_routing(org, dispute_type, centre_staff):
    RoutingRule.objects.create(
        priority=5, name="邻里纠纷由街道小马调解室调处", dispute_type=dispute_type, tier=2, unit_kind=UnitKind.SUBDISTRICT_MEDIATION_ROOM
    )
    case = register(org, dispute_type, centre_staff, risk_grade=RiskGrade.RED)
    assert (case.tier, case.assigned_unit) == (2, org.subdistrict_room)
    assert events(case, kind=EventKind.ROUTED)[0].data["rule"] == "邻里纠纷由街道小马调解室调处"
    # Other types are untouched.
    other = register(org, DisputeType.objects.get(code="contract"), centre_staff)
    assert other.assigned_unit == org.village_room


def test_changing_a_rules_priority_changes_which_rule_wins(org, dispute_type, centre_staff):
    RoutingRule.objects.filter(complexity=Complexity.FAIRLY_COMPLEX).update(priority=1)
    case = register(org, dispute_type, centre_staff, risk_grade=RiskGrade.RED, complexity=Complexity.FAIRLY_COMPLEX)
    assert (case.tier, case.assigned_unit) == (2, org.village_committee)


def test_a_deactivated_rule_no_longer_routes(org, dispute_type, centre_staff):
    RoutingRule.objects.filter(risk_grade=RiskGrade.RED).update(is_active=False)
    case = register(org, dispute_type, centre_staff, risk_grade=RiskGrade.RED)
    assert (case.tier, case.assigned_unit) == (1, org.village_room)


def test_a_rule_with_an_explicit_unit_sends_cases_there(org, dispute_type, centre_staff):
    RoutingRule.objects.create(
        priority=1, name="指定单位", complexity=Complexity.FAIRLY_COMPLEX, tier=2,
        unit_kind=UnitKind.VILLAGE_MEDIATION_COMMITTEE, unit=org.subdistrict_room,
    )
    case = register(org, dispute_type, centre_staff, complexity=Complexity.FAIRLY_COMPLEX)
    assert (case.tier, case.assigned_unit) == (2, org.subdistrict_room)


def test_a_village_specific_rule_applies_to_that_village_only(org, dispute_type, centre_staff):
    RoutingRule.objects.create(
        priority=1, name="西村一般纠纷由村调委会调处", village=org.other_village, tier=2, unit_kind=UnitKind.VILLAGE_MEDIATION_COMMITTEE
    )
    west = register(org, dispute_type, centre_staff, village=org.other_village, grid=org.other_grid)
    east = register(org, dispute_type, centre_staff)
    assert (west.tier, west.assigned_unit) == (2, org.other_village_committee)
    assert (east.tier, east.assigned_unit) == (1, org.village_room)


# ---------------------------------------------------------------- missing units


def test_a_missing_unit_is_a_clear_error_and_nothing_is_saved(org, dispute_type, centre_staff):
    Unit.objects.filter(pk=org.village_committee.pk).update(is_active=False)
    before = counts()
    with pytest.raises(DomainError) as info:
        register(org, dispute_type, centre_staff, complexity=Complexity.FAIRLY_COMPLEX)
    assert info.value.code == "routing_unit_missing"
    assert "东村" in str(info.value)
    assert str(UnitKind.VILLAGE_MEDIATION_COMMITTEE.label) in str(info.value)
    assert counts() == before


def test_a_missing_subdistrict_unit_is_a_clear_error(org, dispute_type, centre_staff):
    org.subdistrict_committee.delete()
    with pytest.raises(DomainError, match="测试街道") as info:
        route_propose(
            village=org.village, compound=None, complexity=Complexity.ORDINARY, risk_grade=RiskGrade.RED,
            dispute_type_id=dispute_type.id, is_group=False, criminal_risk=False,
        )
    assert str(UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE.label) in str(info.value)


def test_a_rule_pointing_at_a_deactivated_unit_is_a_clear_error(org, dispute_type, centre_staff):
    RoutingRule.objects.create(
        priority=1, name="指定单位", tier=2, unit_kind=UnitKind.SUBDISTRICT_MEDIATION_ROOM, unit=org.subdistrict_room
    )
    Unit.objects.filter(pk=org.subdistrict_room.pk).update(is_active=False)
    before = counts()
    with pytest.raises(DomainError) as info:
        register(org, dispute_type, centre_staff)
    assert "测试街道小马调解室" in str(info.value)
    assert counts() == before


# ---------------------------------------------------------------- override at intake


def test_staff_override_at_intake_is_logged_with_proposal_choice_and_reason(org, dispute_type, centre_staff, subdistrict_mediator, village_mediator):
    case = register(
        org, dispute_type, centre_staff,
        routing_override={"unit": org.subdistrict_committee, "reason": "当事人多次上访，需街道直接调处"},
    )
    assert (case.tier, case.assigned_unit) == (3, org.subdistrict_committee)
    routed = events(case, kind=EventKind.ROUTED)[0]
    assert (routed.data["proposed_tier"], routed.data["proposed_unit"]) == (1, org.village_room.id)
    override = events(case, kind=EventKind.ROUTING_OVERRIDE)
    assert len(override) == 1
    assert override[0].actor == centre_staff
    assert override[0].reason == "当事人多次上访，需街道直接调处"
    assert override[0].data == {"from_tier": 1, "from_unit": org.village_room.id, "to_tier": 3, "to_unit": org.subdistrict_committee.id}
    notified = {n.user for n in Notification.objects.filter(case=case, kind=NotificationKind.NEW_CASE)}
    assert notified == {subdistrict_mediator}


def test_override_without_a_reason_is_refused(org, dispute_type, centre_staff):
    before = counts()
    with pytest.raises(ValidationError) as info:
        register(org, dispute_type, centre_staff, routing_override={"unit": org.subdistrict_committee, "reason": "  "})
    assert "routing_reason" in info.value.message_dict
    assert counts() == before


@pytest.mark.parametrize("persona", ["grid_worker", "village_mediator"])
def test_only_staff_may_override_routing(persona, request, org, dispute_type):
    user = request.getfixturevalue(persona)
    before = counts()
    with pytest.raises(PermissionDenied):
        register(org, dispute_type, user, routing_override={"unit": org.subdistrict_committee, "reason": "想交给街道"})
    assert counts() == before


def test_override_must_name_a_mediation_unit_of_the_stated_tier(org, dispute_type, centre_staff):
    before = counts()
    with pytest.raises(ValidationError) as info:
        register(org, dispute_type, centre_staff, routing_override={"unit": org.centre, "reason": "综治中心直接办"})
    assert "routing_unit" in info.value.message_dict
    with pytest.raises(ValidationError):
        register(org, dispute_type, centre_staff, routing_override={"unit": org.village_room, "tier": 3, "reason": "层级不符"})
    assert counts() == before


# ---------------------------------------------------------------- re-routing


def test_staff_reroute_a_case_before_mediation(make_case, org, centre_staff, village_mediator):
    case = make_case()
    version = case.version
    case = case_reroute(case_id=case.pk, actor=centre_staff, unit=org.village_committee, reason="涉及宅基地，需村调委会", expected_version=version)
    case.refresh_from_db()
    assert (case.tier, case.assigned_unit, case.state) == (2, org.village_committee, CaseState.REGISTERED)
    assert case.version == version + 1
    event = events(case, kind=EventKind.ROUTING_OVERRIDE)[-1]
    assert event.actor == centre_staff and event.reason == "涉及宅基地，需村调委会"
    assert event.data == {"from_tier": 1, "from_unit": org.village_room.id, "to_tier": 2, "to_unit": org.village_committee.id}
    assert Notification.objects.filter(case=case, kind=NotificationKind.ASSIGNED, user=village_mediator).count() == 1


def test_reroute_away_from_the_assigned_mediator_sends_the_case_back_to_assignment(make_case, org, centre_staff, village_mediator, subdistrict_mediator):
    case = walk(make_case(), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator)
    case = case_reroute(case_id=case.pk, actor=centre_staff, unit=org.subdistrict_committee, reason="案情升级", expected_version=case.version)
    case.refresh_from_db()
    assert (case.state, case.mediator, case.assigned_unit, case.tier) == (CaseState.ACCEPTED, None, org.subdistrict_committee, 3)
    assert case.due_stage == "assignment"
    event = events(case)[-1]
    assert event.kind == EventKind.ROUTING_OVERRIDE
    # The state went back a step: the log says so.
    assert (event.from_state, event.to_state) == (CaseState.ASSIGNED, CaseState.ACCEPTED)
    # The new unit can carry on.
    case = act(case, "assign", subdistrict_mediator, mediator=subdistrict_mediator)
    assert case.state == CaseState.ASSIGNED


def test_reroute_keeps_a_mediator_who_belongs_to_the_new_unit(make_case, org, centre_staff, village_mediator):
    case = walk(make_case(), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator)
    case = case_reroute(case_id=case.pk, actor=centre_staff, unit=org.village_committee, reason="转村调委会", expected_version=case.version)
    case.refresh_from_db()
    assert (case.state, case.mediator, case.assigned_unit) == (CaseState.ASSIGNED, village_mediator, org.village_committee)


def test_reroute_refusals(make_case, org, centre_staff, village_mediator):
    case = make_case()
    before = snapshot(case)
    with pytest.raises(ValidationError):
        case_reroute(case_id=case.pk, actor=centre_staff, unit=org.village_committee, reason="")
    with pytest.raises(ValidationError):
        case_reroute(case_id=case.pk, actor=centre_staff, unit=org.centre, reason="综治中心办")
    with pytest.raises(PermissionDenied):
        case_reroute(case_id=case.pk, actor=village_mediator, unit=org.village_committee, reason="我想转走")
    assert snapshot(case) == before

    mediating = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    before = snapshot(mediating)
    with pytest.raises(IllegalTransition, match="上报上一级"):
        case_reroute(case_id=mediating.pk, actor=centre_staff, unit=org.village_committee, reason="转走")
    assert snapshot(mediating) == before


# ---------------------------------------------------------------- a chosen unit must serve the case's place


@pytest.fixture
def foreign_units(org):
    """Mediation units the case's staff might pick by mistake: another subdistrict's, a
    deactivated one."""
    from jiefen.organisation.models import Area

    elsewhere = Area.objects.create(name="云顶街道", kind=AreaKind.SUBDISTRICT, code="云顶")
    far_village = Area.objects.create(name="云顶村", kind=AreaKind.VILLAGE, parent=elsewhere)
    inactive = Unit.objects.create(name="东村旧调解室", kind=UnitKind.VILLAGE_MEDIATION_ROOM, area=org.village, is_active=False)
    return {
        "other-subdistrict-committee": Unit.objects.create(name="云顶街道人民调解委员会", kind=UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE, area=elsewhere),
        "other-subdistrict-village-room": Unit.objects.create(name="云顶村小马调解室", kind=UnitKind.VILLAGE_MEDIATION_ROOM, area=far_village),
        "other-village-committee": org.other_village_committee,
        "deactivated": inactive,
    }


FOREIGN = ["other-subdistrict-committee", "other-subdistrict-village-room", "other-village-committee", "deactivated"]


@pytest.mark.parametrize("which", FOREIGN)
def test_override_at_intake_must_pick_a_unit_serving_the_case(which, foreign_units, org, dispute_type, centre_staff):
    before = counts()
    with pytest.raises(ValidationError) as info:
        register(org, dispute_type, centre_staff, routing_override={"unit": foreign_units[which], "reason": "选错了单位"})
    assert "routing_unit" in info.value.message_dict
    assert counts() == before


@pytest.mark.parametrize("which", FOREIGN)
def test_reroute_must_pick_a_unit_serving_the_case(which, foreign_units, make_case, centre_staff):
    case = make_case()
    before = snapshot(case)
    with pytest.raises(ValidationError) as info:
        case_reroute(case_id=case.pk, actor=centre_staff, unit=foreign_units[which], reason="选错了单位")
    assert "unit" in info.value.message_dict
    assert snapshot(case) == before


def test_units_of_the_cases_village_and_subdistrict_may_be_picked(org, dispute_type, centre_staff, make_case):
    for unit in (org.village_room, org.village_committee, org.subdistrict_room, org.subdistrict_committee):
        case = register(org, dispute_type, centre_staff, routing_override={"unit": unit, "reason": "人工指定"})
        assert case.assigned_unit == unit
    case = make_case()
    case = case_reroute(case_id=case.pk, actor=centre_staff, unit=org.subdistrict_room, reason="转街道小马调解室")
    assert case.assigned_unit == org.subdistrict_room
