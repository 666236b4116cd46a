"""Incidents the system detects itself; here: a case handed up that its tier should have held
(应在本级化解而上交, DESIGN §5 and §10: 小事不出村、大事不出街道).

The rule. An escalation is recorded as a pending HELD_TIER_ESCALATED incident against the unit
the case leaves when both hold:

1. the tier's own mediation had ended without agreement (the case is escalated from 调解终止):
   the unit tried and gave the dispute up. An escalation during the attempt (assigned or
   mediating) is the unit calling in the next tier while the dispute is still being worked,
   with its reason logged on the case and looked at in the weekly 会商; it is not counted.
2. the routing table, applied to the case's facts at that moment — complexity, risk grade,
   dispute type, place, group and criminal-risk flags, as revised since intake — still sends
   the case to the tier it is leaving or a lower one: nothing about the dispute had changed
   that took it beyond this tier. A case whose risk or complexity was raised (and therefore
   now routes higher) leaves for a reason the table itself accepts.

The incident waits for the leading group, who confirm or void it with the evidence recorded
here (the case, the tiers, the rule that still applied, the facts and the reason given).
"""

from datetime import date

from django.db import IntegrityError, transaction

from jiefen.common.errors import DomainError

from .models import Incident, IncidentAction, IncidentEvent, IncidentKind, IncidentStatus


def routed_tier(case):
    """The tier and rule the routing table gives the case's current facts; (None, None) when the
    table cannot place it (a rule naming a unit that is switched off …)."""
    from jiefen.cases.routing import route_propose

    try:
        proposal = route_propose(
            village=case.village,
            compound=case.compound,
            complexity=case.complexity,
            risk_grade=case.risk_grade,
            dispute_type_id=case.dispute_type_id,
            is_group=case.is_group,
            criminal_risk=case.criminal_risk,
        )
    except DomainError:
        return None, None
    return proposal.tier, proposal.rule


def _last_mediator_id(case):
    from jiefen.cases.models import EventKind

    assign = case.events.filter(kind=EventKind.TRANSITION, action="assign").order_by("-id").values_list("data", flat=True).first()
    return (assign or {}).get("mediator")


def incident_detect_held_tier(*, case, from_state: str, event_data: dict, reason: str, today: date) -> Incident | None:
    """Called by case escalation inside its transaction, with the case row locked."""
    from jiefen.cases.models import CaseState

    if from_state != CaseState.TERMINATED:
        return None
    from_tier = event_data["from_tier"]
    tier, rule = routed_tier(case)
    if tier is None or tier > from_tier:
        return None
    evidence = {
        "case_number": case.number,
        "from_tier": from_tier,
        "to_tier": event_data["to_tier"],
        "from_unit": event_data["from_unit"],
        "from_unit_name": event_data.get("from_unit_name", ""),
        "to_unit": event_data["to_unit"],
        "to_unit_name": event_data.get("to_unit_name", ""),
        "routed_tier": tier,
        "rule": rule.pk if rule else None,
        "rule_name": rule.name if rule else "",
        "complexity": case.complexity,
        "risk_grade": case.risk_grade,
        "is_group": case.is_group,
        "criminal_risk": case.criminal_risk,
        "from_state": from_state,
        "reason": reason,
    }
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                kind=IncidentKind.HELD_TIER_ESCALATED,
                case=case,
                unit_id=event_data["from_unit"],
                responsible_user_id=_last_mediator_id(case),
                # One per case and tier left: the stage names the tier, the date the escalation.
                stage=f"tier:{from_tier}",
                due_date=today,
                detected_on=today,
                assessment_year=today.year,
                status=IncidentStatus.PENDING,
                evidence=evidence,
            )
    except IntegrityError:
        return None  # the same escalation recorded already
    IncidentEvent.objects.create(
        incident=incident, action=IncidentAction.RECORDED, to_status=IncidentStatus.PENDING, reason=reason, data={"detected": "held_tier"}
    )
    return incident
