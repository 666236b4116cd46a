"""Yellow, red and black cards (DESIGN §10) follow the confirmed incidents of a unit and of its
liaison leader: thresholds, idempotence, withdrawal on void and on a granted appeal, the
policy per subdistrict, notifications and the audit trail."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from jiefen.assessment.cards import cards_reconcile
from jiefen.assessment.models import (
    Card,
    CardColour,
    CardPolicy,
    Incident,
    IncidentAction,
    IncidentEvent,
    IncidentKind,
    IncidentStatus,
)
from jiefen.assessment.services import incident_appeal_decide, incident_appeal_file, incident_confirm, incident_void
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import Role

from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures
from .conftest import _user

pytestmark = pytest.mark.django_db

YEAR = 2026


def make_incident(unit, *, kind=IncidentKind.TASK_MISSED, year=YEAR, n=[0]):
    n[0] += 1
    return Incident.objects.create(
        kind=kind, unit=unit, stage=f"test:{n[0]}", detected_on=date(year, 3, 1), assessment_year=year, evidence={"n": n[0]}
    )


@pytest.fixture
def liaison(org):
    """The 联系领导 of 东村, with a login."""
    return _user("liaison", "联系领导己", (Role.LIAISON_LEADER, None, org.village))


@pytest.fixture
def room_people(org):
    return _user("roomone", "东村调解室甲", (Role.MEDIATOR, org.village_room, None))


def standing(**holder):
    return sorted(Card.objects.filter(withdrawn_at__isnull=True, assessment_year=YEAR, **holder).values_list("colour", flat=True))


def colours(*names):
    return sorted(names)


def test_thresholds_issue_one_card_per_colour_for_the_unit_and_the_leader(org, centre_staff, liaison, room_people):
    leader = liaison.person
    incidents = [make_incident(org.village_room) for _ in range(4)]
    incident_confirm(actor=centre_staff, incident_id=incidents[0].pk, reason="属实")
    assert standing(unit=org.village_room) == ["yellow"]
    assert standing(leader=leader) == ["yellow"]
    incidents[0].refresh_from_db()
    assert incidents[0].liaison_leader == leader
    assert (incidents[0].status, incidents[0].reviewed_by, incidents[0].review_reason, incidents[0].version) == (
        IncidentStatus.CONFIRMED, centre_staff, "属实", 2
    )

    incident_confirm(actor=centre_staff, incident_id=incidents[1].pk)
    assert standing(unit=org.village_room) == colours("yellow", "red")
    incident_confirm(actor=centre_staff, incident_id=incidents[2].pk)
    assert standing(unit=org.village_room) == colours("yellow", "red", "black")
    assert standing(leader=leader) == colours("yellow", "red", "black")
    incident_confirm(actor=centre_staff, incident_id=incidents[3].pk)
    # A fourth confirmation earns nothing new.
    assert Card.objects.filter(unit=org.village_room).count() == 3
    black = Card.objects.get(unit=org.village_room, colour=CardColour.BLACK)
    assert black.incident == incidents[2]  # the confirmation that reached it

    issued = IncidentEvent.objects.filter(incident=incidents[2], action=IncidentAction.CARD_ISSUED)
    assert sorted((e.data["holder"], e.data["colour"], e.data["count"]) for e in issued) == [("leader", "black", 3), ("unit", "black", 3)]
    assert all(e.actor == centre_staff for e in issued)


def test_confirming_twice_is_a_no_op(org, centre_staff, liaison):
    incident = make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=incident.pk, expected_version=1)
    events_before = IncidentEvent.objects.count()
    notes_before = Notification.objects.count()
    again = incident_confirm(actor=centre_staff, incident_id=incident.pk, expected_version=1)
    assert again.status == IncidentStatus.CONFIRMED and again.version == 2
    assert IncidentEvent.objects.count() == events_before
    assert Notification.objects.count() == notes_before
    assert Card.objects.filter(unit=org.village_room).count() == 1


def test_void_withdraws_cards_above_the_remaining_count_and_confirm_again_reissues(org, centre_staff, liaison, room_people):
    first, second = make_incident(org.village_room), make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=first.pk)
    incident_confirm(actor=centre_staff, incident_id=second.pk)
    red = Card.objects.get(unit=org.village_room, colour=CardColour.RED)

    incident_void(actor=centre_staff, incident_id=second.pk, reason="经核实系系统误判", expected_version=2)
    red.refresh_from_db()
    assert red.withdrawn_at is not None and "不再达到红牌标准" in red.withdrawn_reason
    assert standing(unit=org.village_room) == ["yellow"]
    assert standing(leader=liaison.person) == ["yellow"]
    withdrawn = IncidentEvent.objects.filter(incident=second, action=IncidentAction.CARD_WITHDRAWN)
    assert {(e.data["holder"], e.data["colour"]) for e in withdrawn} == {("unit", "red"), ("leader", "red")}
    voided = IncidentEvent.objects.get(incident=second, action=IncidentAction.VOIDED)
    assert (voided.from_status, voided.to_status, voided.reason, voided.actor) == ("confirmed", "void", "经核实系系统误判", centre_staff)

    # Voiding the voided one again changes nothing.
    count = IncidentEvent.objects.count()
    incident_void(actor=centre_staff, incident_id=second.pk, reason="再次撤销")
    assert IncidentEvent.objects.count() == count

    incident_confirm(actor=centre_staff, incident_id=second.pk, reason="复核后确认")
    assert standing(unit=org.village_room) == colours("yellow", "red")
    assert Card.objects.filter(unit=org.village_room, colour=CardColour.RED).count() == 2  # one withdrawn, one standing
    reissued = Card.objects.get(unit=org.village_room, colour=CardColour.RED, withdrawn_at__isnull=True)
    assert reissued.incident == second
    confirmed = IncidentEvent.objects.filter(incident=second, action=IncidentAction.CONFIRMED).last()
    assert (confirmed.from_status, confirmed.to_status) == ("void", "confirmed")


def test_voiding_the_first_keeps_a_card_the_remaining_count_still_earns(org, centre_staff):
    first, second = make_incident(org.village_room), make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=first.pk)
    incident_confirm(actor=centre_staff, incident_id=second.pk)
    incident_void(actor=centre_staff, incident_id=first.pk, reason="不属实")
    # One confirmed incident left: the yellow card stands, the red goes.
    assert standing(unit=org.village_room) == ["yellow"]


def test_voiding_a_pending_incident_touches_no_card(org, centre_staff):
    incident = make_incident(org.village_room)
    incident_void(actor=centre_staff, incident_id=incident.pk, reason="不属实")
    assert not Card.objects.exists()
    assert not IncidentEvent.objects.filter(action__in=[IncidentAction.CARD_ISSUED, IncidentAction.CARD_WITHDRAWN]).exists()


def test_years_and_units_count_apart(org, centre_staff):
    incident_confirm(actor=centre_staff, incident_id=make_incident(org.village_room).pk)
    incident_confirm(actor=centre_staff, incident_id=make_incident(org.village_room, year=2025).pk)
    incident_confirm(actor=centre_staff, incident_id=make_incident(org.other_village_room).pk)
    assert standing(unit=org.village_room) == ["yellow"]
    assert Card.objects.get(unit=org.village_room, assessment_year=2025).colour == CardColour.YELLOW
    assert standing(unit=org.other_village_room) == ["yellow"]


def test_a_unit_without_liaison_leader_gets_unit_cards_only(org, centre_staff):
    incident = make_incident(org.subdistrict_committee)
    incident_confirm(actor=centre_staff, incident_id=incident.pk)
    incident.refresh_from_db()
    assert incident.liaison_leader is None
    assert not Card.objects.filter(leader__isnull=False).exists()
    assert standing(unit=org.subdistrict_committee) == ["yellow"]


def test_a_department_liaison_leader_is_found_by_unit(org, centre_staff):
    boss = _user("dept", "部门联系领导", (Role.LIAISON_LEADER, org.subdistrict_committee, None))
    incident = make_incident(org.subdistrict_committee)
    incident_confirm(actor=centre_staff, incident_id=incident.pk)
    incident.refresh_from_db()
    assert incident.liaison_leader == boss.person
    assert standing(leader=boss.person) == ["yellow"]


def test_the_subdistricts_policy_sets_the_thresholds(org, centre_staff):
    CardPolicy.objects.create(subdistrict=org.subdistrict, yellow_at=2, red_at=3, black_at=5)
    first, second = make_incident(org.village_room), make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=first.pk)
    assert not Card.objects.exists()
    incident_confirm(actor=centre_staff, incident_id=second.pk)
    assert standing(unit=org.village_room) == ["yellow"]


def test_appeal_granted_withdraws_the_card_rejected_keeps_it(org, centre_staff, village_mediator, liaison):
    kept, dropped = make_incident(org.village_room), make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=kept.pk)
    incident_confirm(actor=centre_staff, incident_id=dropped.pk)

    appeal = incident_appeal_file(actor=village_mediator, incident_id=kept.pk, reason="当事人主动撤回，非本室原因")
    incident_appeal_decide(actor=centre_staff, appeal_id=appeal.pk, granted=False, reason="理由不成立")
    kept.refresh_from_db()
    assert kept.status == IncidentStatus.CONFIRMED
    assert standing(unit=org.village_room) == colours("yellow", "red")

    appeal = incident_appeal_file(actor=village_mediator, incident_id=dropped.pk, reason="期限计算有误")
    incident_appeal_decide(actor=centre_staff, appeal_id=appeal.pk, granted=True, reason="经核实期限计算有误")
    dropped.refresh_from_db()
    assert dropped.status == IncidentStatus.VOID and dropped.review_reason == "经核实期限计算有误"
    assert standing(unit=org.village_room) == ["yellow"]
    assert standing(leader=liaison.person) == ["yellow"]
    actions = list(IncidentEvent.objects.filter(incident=dropped).values_list("action", flat=True))
    assert actions[-4:] == [IncidentAction.APPEALED, IncidentAction.APPEAL_GRANTED, IncidentAction.CARD_WITHDRAWN, IncidentAction.CARD_WITHDRAWN]


def test_cards_are_notified_to_the_units_people_and_the_liaison_leader(org, centre_staff, liaison, room_people, village_mediator):
    incident = make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=incident.pk)
    notes = Notification.objects.filter(kind=NotificationKind.CARD)
    told = {n.user.username for n in notes}
    assert {"roomone", "vmed", "liaison"} <= told
    assert "staff" not in told
    unit_note = notes.get(user=room_people)
    assert "黄牌" in unit_note.message and unit_note.link == f"/assessment/units/{org.village_room.pk}/"
    assert notes.get(user=liaison, link=f"/assessment/leaders/{liaison.person.pk}/")

    incident_void(actor=centre_staff, incident_id=incident.pk, reason="误判")
    withdrawn = Notification.objects.filter(kind=NotificationKind.CARD, user=room_people).order_by("-id").first()
    assert "已撤销" in withdrawn.message


def test_the_database_refuses_a_second_standing_card_of_a_colour(org):
    incident = make_incident(org.village_room)
    Card.objects.create(assessment_year=YEAR, colour=CardColour.YELLOW, unit=org.village_room, incident=incident)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(assessment_year=YEAR, colour=CardColour.YELLOW, unit=org.village_room, incident=incident)


def test_reconciling_again_issues_nothing(org, centre_staff):
    """What a second confirmation racing the first would do once it gets the unit's lock: it
    recounts under the lock and finds every earned colour standing already."""
    incident = make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=incident.pk)
    result = cards_reconcile(cause=incident, actor=centre_staff, year=YEAR, subdistrict_id=org.subdistrict.pk, unit=org.village_room)
    assert (result["count"], result["issued"], result["withdrawn"]) == (1, [], [])
    assert Card.objects.count() == 1


# ---------------------------------------------------------------- reports


def test_the_cards_counter_counts_cards_issued_in_the_period_that_still_stand(org, centre_staff, liaison, make_case):
    from django.utils import timezone

    from jiefen.reports import indicators as ind
    from jiefen.reports.periods import Period

    make_case()  # the subdistrict has a case, so the summary knows which subdistrict it is about
    first, second = make_incident(org.village_room), make_incident(org.village_room)
    incident_confirm(actor=centre_staff, incident_id=first.pk)
    incident_confirm(actor=centre_staff, incident_id=second.pk)
    today = timezone.localdate()
    period = Period(today, today)
    cases = ind.subdistrict_cases(org.subdistrict)
    assert ind.summary(cases, period).cards == 4  # yellow and red, for the room and its leader
    incident_void(actor=centre_staff, incident_id=second.pk, reason="误判")
    assert ind.summary(cases, period).cards == 2
    assert ind.summary(cases, Period(date(2020, 1, 1), date(2020, 1, 31))).cards == 0


def test_the_bulletin_lists_the_standing_cards_per_holder(org, centre_staff, liaison, make_case):
    from django.utils import timezone

    from jiefen.reports.periods import Period
    from jiefen.reports.written.builders import gather, incidents_section
    from jiefen.reports.written.content import Paragraph, Table

    make_case()
    for _i in range(2):
        incident_confirm(actor=centre_staff, incident_id=make_incident(org.village_room).pk)
    incident_confirm(actor=centre_staff, incident_id=make_incident(org.other_village_room).pk)
    today = timezone.localdate()
    inputs = gather(org.subdistrict, "biweekly", Period(today, today))
    blocks = incidents_section(inputs, heading="四、不到位情形和三色牌")
    table = next(b for b in blocks if isinstance(b, Table) and b.key == "cards")
    assert table.header == ["单位/联系领导", "牌色", "确认不到位次数"]
    assert table.rows == [
        ["东村小马调解室", "红牌", "2"],
        ["联系领导己（联系领导）", "红牌", "2"],
        ["西村小马调解室", "黄牌", "1"],
    ]
    assert any(isinstance(b, Paragraph) and "本期发放三色牌5张" in b.text for b in blocks)
    # A bulletin for a period before any card lists none.
    earlier = gather(org.subdistrict, "biweekly", Period(date(2026, 1, 1), date(2026, 1, 14)))
    assert not any(isinstance(b, Table) and b.key == "cards" for b in incidents_section(earlier, heading="x"))


# ---------------------------------------------------------------- concurrent reviews


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_confirmations_issue_each_card_once(concurrent_db, org, centre_staff, leader, liaison):  # noqa: F811
    """Three reviewers confirm three incidents of one unit at the same moment, and two of them
    also confirm the same incident: the unit's row lock makes them count one after another."""
    incidents = [make_incident(org.village_room) for _ in range(3)]

    def confirm(actor, incident):
        return lambda: incident_confirm(actor=actor, incident_id=incident.pk).status

    outcomes = concurrent_db.run(
        confirm(centre_staff, incidents[0]),
        confirm(leader, incidents[1]),
        confirm(centre_staff, incidents[2]),
        confirm(leader, incidents[2]),
    )
    assert [exc for _result, exc in outcomes] == [None] * 4
    assert standing(unit=org.village_room) == colours("yellow", "red", "black")
    assert standing(leader=liaison.person) == colours("yellow", "red", "black")
    assert Card.objects.count() == 6
    assert IncidentEvent.objects.filter(action=IncidentAction.CONFIRMED).count() == 3
    assert IncidentEvent.objects.filter(action=IncidentAction.CARD_ISSUED).count() == 6
