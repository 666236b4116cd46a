"""The leading group reviews 不到位 incidents (DESIGN §10): who may confirm and void, the
version check, appeals by the responsible unit, incidents recorded by hand, and the
append-only log each step writes."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from jiefen.assessment.models import (
    AppealStatus,
    Incident,
    IncidentAction,
    IncidentAppeal,
    IncidentEvent,
    IncidentKind,
    IncidentStatus,
)
from jiefen.assessment.services import (
    incident_appeal_decide,
    incident_appeal_file,
    incident_confirm,
    incident_record,
    incident_void,
)
from jiefen.common.errors import ConflictError, DomainError, PermissionDenied
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import Area, AreaKind, Role, Unit, UnitKind

from .conftest import _user

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def incident(org):
    return Incident.objects.create(
        kind=IncidentKind.MISSED_LIMIT, unit=org.village_room, stage="acceptance", due_date=date(2026, 3, 2),
        detected_on=date(2026, 3, 3), assessment_year=2026, evidence={"stage": "acceptance"},
    )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password="x-pass-123456")


@pytest.fixture
def liaison_only(org):
    return _user("liaisononly", "联系领导庚", (Role.LIAISON_LEADER, None, org.other_village))


@pytest.fixture
def foreign_staff(db):
    elsewhere = Area.objects.create(name="云顶街道", kind=AreaKind.SUBDISTRICT, code="云顶")
    centre = Unit.objects.create(name="云顶综治中心", kind=UnitKind.GOVERNANCE_CENTRE, area=elsewhere)
    return _user("farstaff", "外街道工作人员", (Role.CENTRE_STAFF, centre, None))


@pytest.mark.parametrize("persona", ["centre_staff", "leader", "superuser"])
def test_the_leading_group_confirms(request, persona, incident):
    actor = request.getfixturevalue(persona)
    confirmed = incident_confirm(actor=actor, incident_id=incident.pk, reason="经核实属实", expected_version=1)
    assert confirmed.status == IncidentStatus.CONFIRMED
    event = IncidentEvent.objects.get(incident=incident, action=IncidentAction.CONFIRMED)
    assert (event.actor, event.from_status, event.to_status, event.reason) == (actor, "pending", "confirmed", "经核实属实")


@pytest.mark.parametrize(
    "persona", ["village_mediator", "subdistrict_mediator", "grid_worker", "outsider", "liaison_only", "foreign_staff"]
)
def test_others_cannot_review(request, persona, incident):
    actor = request.getfixturevalue(persona)
    for call in (
        lambda: incident_confirm(actor=actor, incident_id=incident.pk),
        lambda: incident_void(actor=actor, incident_id=incident.pk, reason="不属实"),
    ):
        with pytest.raises(PermissionDenied) as info:
            call()
        assert "领导小组" in str(info.value)
    incident.refresh_from_db()
    assert (incident.status, incident.version) == (IncidentStatus.PENDING, 1)
    assert not IncidentEvent.objects.exists()


def test_a_leader_does_not_review_what_counts_against_them(org, incident):
    both = _user("both", "领导兼联系领导", (Role.LEADER, org.centre, None), (Role.LIAISON_LEADER, None, org.village))
    with pytest.raises(PermissionDenied) as info:
        incident_confirm(actor=both, incident_id=incident.pk)
    assert "回避" in str(info.value) or "联系领导" in str(info.value)
    # An incident of another village is theirs to review.
    other = Incident.objects.create(kind=IncidentKind.TASK_MISSED, unit=org.other_village_room, detected_on=date(2026, 3, 3), assessment_year=2026)
    assert incident_confirm(actor=both, incident_id=other.pk).status == IncidentStatus.CONFIRMED


def test_a_stale_form_is_refused(incident, centre_staff, leader):
    incident_void(actor=leader, incident_id=incident.pk, reason="重复记录", expected_version=1)
    with pytest.raises(ConflictError) as info:
        incident_confirm(actor=centre_staff, incident_id=incident.pk, expected_version=1)
    assert "领导戊" in str(info.value)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.VOID


def test_void_needs_a_reason(incident, centre_staff):
    with pytest.raises(DomainError):
        incident_void(actor=centre_staff, incident_id=incident.pk, reason="  ")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.PENDING


def test_confirmation_tells_the_unit(incident, centre_staff, village_mediator):
    incident_confirm(actor=centre_staff, incident_id=incident.pk)
    note = Notification.objects.get(kind=NotificationKind.INCIDENT, user=village_mediator)
    assert "东村小马调解室" in note.message and note.link == f"/assessment/incidents/{incident.pk}/"


# ---------------------------------------------------------------- appeals


def test_the_unit_appeals_and_one_appeal_waits_at_a_time(incident, village_mediator, centre_staff, other_village_mediator, grid_worker):
    for outsider in (other_village_mediator, grid_worker, centre_staff):
        with pytest.raises(PermissionDenied):
            incident_appeal_file(actor=outsider, incident_id=incident.pk, reason="不服")
    appeal = incident_appeal_file(actor=village_mediator, incident_id=incident.pk, reason="受理当日系法定节假日")
    assert (appeal.status, appeal.filed_by) == (AppealStatus.PENDING, village_mediator)
    event = IncidentEvent.objects.get(incident=incident, action=IncidentAction.APPEALED)
    assert (event.actor, event.reason, event.data) == (village_mediator, "受理当日系法定节假日", {"appeal": appeal.pk})
    assert Notification.objects.filter(kind=NotificationKind.APPEAL, user=centre_staff).exists()

    with pytest.raises(DomainError):
        incident_appeal_file(actor=village_mediator, incident_id=incident.pk, reason="补充理由")
    # While it waits, the incident is decided through the appeal.
    with pytest.raises(DomainError):
        incident_confirm(actor=centre_staff, incident_id=incident.pk)

    incident_appeal_decide(actor=centre_staff, appeal_id=appeal.pk, granted=False, reason="节假日已顺延计算")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.decision_reason) == (AppealStatus.REJECTED, centre_staff, "节假日已顺延计算")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.PENDING  # a rejected appeal leaves it as it was
    assert Notification.objects.filter(kind=NotificationKind.APPEAL, user=village_mediator, message__contains="驳回").exists()
    with pytest.raises(ConflictError):
        incident_appeal_decide(actor=centre_staff, appeal_id=appeal.pk, granted=True, reason="改判")
    # After the decision, a new appeal may be filed.
    assert incident_appeal_file(actor=village_mediator, incident_id=incident.pk, reason="新证据").status == AppealStatus.PENDING


def test_village_staff_of_another_body_may_appeal_for_the_village(org, incident):
    station = Unit.objects.create(name="东村综治服务站", kind=UnitKind.GOVERNANCE_STATION, area=org.village)
    clerk = _user("clerk", "东村综治专干", (Role.MEMBER, station, None))
    assert incident_appeal_file(actor=clerk, incident_id=incident.pk, reason="已按期受理").filed_by == clerk


def test_a_void_incident_cannot_be_appealed(incident, centre_staff, village_mediator):
    incident_void(actor=centre_staff, incident_id=incident.pk, reason="重复")
    with pytest.raises(DomainError):
        incident_appeal_file(actor=village_mediator, incident_id=incident.pk, reason="不服")


def test_only_reviewers_decide_appeals(incident, village_mediator, leader):
    appeal = incident_appeal_file(actor=village_mediator, incident_id=incident.pk, reason="不服")
    with pytest.raises(PermissionDenied):
        incident_appeal_decide(actor=village_mediator, appeal_id=appeal.pk, granted=True, reason="自己批准")
    incident_appeal_decide(actor=leader, appeal_id=appeal.pk, granted=True, reason="理由成立")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.VOID
    assert IncidentAppeal.objects.get(pk=appeal.pk).status == AppealStatus.GRANTED
    granted = IncidentEvent.objects.get(incident=incident, action=IncidentAction.APPEAL_GRANTED)
    assert (granted.from_status, granted.to_status, granted.actor) == ("pending", "void", leader)


# ---------------------------------------------------------------- recorded by hand


def test_staff_record_a_missed_screening_case(org, centre_staff, make_case):
    case = make_case()
    incident = incident_record(
        actor=centre_staff, unit=org.village_room, kind=IncidentKind.MISSED_BY_SCREENING,
        description="该纠纷未在网格排查中发现，当事人到县信访局上访。", case=case, detected_on=date(2026, 3, 5),
        evidence={"petition": "县信访局转办单"},
    )
    assert (incident.status, incident.assessment_year, incident.case) == (IncidentStatus.PENDING, 2026, case)
    assert incident.evidence["petition"] == "县信访局转办单" and incident.evidence["case_number"] == case.number
    event = IncidentEvent.objects.get(incident=incident)
    assert (event.action, event.actor, event.to_status) == (IncidentAction.RECORDED, centre_staff, "pending")


def test_mediators_do_not_record_incidents(org, village_mediator):
    with pytest.raises(PermissionDenied):
        incident_record(actor=village_mediator, unit=org.village_room, kind=IncidentKind.MISSED_BY_SCREENING, description="x")
    assert not Incident.objects.exists()
