"""A case handed up that its tier should have held (应在本级化解而上交): recorded as a pending
incident inside the escalation's transaction when the tier's mediation had ended and the
routing table still places the case at that tier or below."""

from datetime import date

import pytest

from jiefen.assessment.models import Incident, IncidentAction, IncidentEvent, IncidentKind, IncidentStatus
from jiefen.assessment.services import incident_confirm
from jiefen.cases.models import CaseState, Complexity, RiskGrade, RoutingRule
from jiefen.cases.services import case_update_risk
from jiefen.common.errors import DomainError
from jiefen.organisation.models import Role

from .casework import act, walk
from .conftest import _user

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 10)


@pytest.fixture
def room_mediator(org):
    return _user("roommed", "东村调解室调解员", (Role.MEDIATOR, org.village_room, None))


@pytest.fixture
def terminated(make_case, centre_staff, room_mediator):
    """An ordinary, blue-risk neighbour dispute whose mediation at the village room has ended."""
    return walk(make_case(), CaseState.TERMINATED, staff=centre_staff, mediator=room_mediator, on=ON)


def held(case):
    return Incident.objects.filter(case=case, kind=IncidentKind.HELD_TIER_ESCALATED)


def test_an_ordinary_case_escalated_after_its_mediation_ended_is_recorded(terminated, org, room_mediator):
    case = act(terminated, "escalate", room_mediator, on=ON, reason="双方分歧大，本室难以调处")
    incident = held(case).get()
    assert (incident.unit, incident.responsible_user, incident.status) == (org.village_room, room_mediator, IncidentStatus.PENDING)
    assert (incident.detected_on, incident.assessment_year, incident.stage) == (ON, 2026, "tier:1")
    rule = RoutingRule.objects.get(priority=100)
    assert incident.evidence == {
        "case_number": case.number,
        "from_tier": 1,
        "to_tier": 2,
        "from_unit": org.village_room.pk,
        "from_unit_name": "东村小马调解室",
        "to_unit": org.village_committee.pk,
        "to_unit_name": "东村调解委员会",
        "routed_tier": 1,
        "rule": rule.pk,
        "rule_name": rule.name,
        "complexity": Complexity.ORDINARY,
        "risk_grade": RiskGrade.BLUE,
        "is_group": False,
        "criminal_risk": False,
        "from_state": CaseState.TERMINATED,
        "reason": "双方分歧大，本室难以调处",
    }
    event = IncidentEvent.objects.get(incident=incident)
    assert (event.action, event.actor, event.to_status) == (IncidentAction.RECORDED, None, IncidentStatus.PENDING)


def test_the_second_tier_that_gives_up_an_ordinary_case_is_recorded_too(terminated, org, room_mediator, village_mediator):
    case = act(terminated, "escalate", room_mediator, on=ON)
    for action in ("assign", "start_mediation", "terminate"):
        case = act(case, action, village_mediator, mediator=village_mediator, on=ON)
    case = act(case, "escalate", village_mediator, on=ON, reason="需街道协调")
    second = held(case).get(stage="tier:2")
    assert (second.unit, second.responsible_user) == (org.village_committee, village_mediator)
    assert (second.evidence["from_tier"], second.evidence["to_tier"], second.evidence["routed_tier"]) == (2, 3, 1)
    assert held(case).count() == 2


def test_an_escalation_while_mediation_is_still_open_is_not_counted(make_case, centre_staff, room_mediator):
    case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=room_mediator, on=ON)
    case = act(case, "escalate", room_mediator, on=ON, reason="涉及多个村民小组")
    assert case.tier == 2
    assert not held(case).exists()


def test_a_case_whose_risk_was_raised_leaves_for_a_reason_the_table_accepts(terminated, room_mediator):
    case = case_update_risk(
        case_id=terminated.pk, actor=room_mediator, risk_grade=RiskGrade.RED, complexity=Complexity.ORDINARY,
        reason="一方扬言报复，风险升级", expected_version=terminated.version,
    )
    case = act(case, "escalate", room_mediator, on=ON, reason="风险升级")
    assert not held(case).exists()


def test_a_fairly_complex_case_leaving_the_village_room_is_not_counted(make_case, centre_staff, room_mediator):
    # Routed to the committee, the case was placed in the room by a staff override; the room
    # handing it on is what the table asks for.
    case = make_case(actor=centre_staff, complexity=Complexity.FAIRLY_COMPLEX)
    from jiefen.cases.services import case_reroute

    case = case_reroute(case_id=case.pk, actor=centre_staff, unit=case.village.units.get(kind="village_mediation_room"), reason="先由调解室调处")
    case = walk(case, CaseState.TERMINATED, staff=centre_staff, mediator=room_mediator, on=ON)
    case = act(case, "escalate", room_mediator, on=ON)
    assert not held(case).exists()


def test_a_refused_escalation_records_nothing(terminated, room_mediator, org):
    with pytest.raises(DomainError):
        act(terminated, "escalate", room_mediator, on=ON, unit=org.other_village_committee)
    assert not held(terminated).exists()


def test_handing_up_still_records_its_own_incident(make_case, centre_staff, room_mediator):
    case = walk(make_case(), CaseState.HANDED_UP, staff=centre_staff, mediator=room_mediator, on=ON)
    kinds = list(Incident.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [IncidentKind.HANDED_UP]


def test_the_detected_incident_is_reviewed_like_any_other(terminated, room_mediator, centre_staff, org):
    case = act(terminated, "escalate", room_mediator, on=ON)
    incident = held(case).get()
    incident_confirm(actor=centre_staff, incident_id=incident.pk, reason="一般纠纷调解失败即上报，未尽力化解")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CONFIRMED
    assert incident.cards.get().unit == org.village_room
