"""Prevention work: social organisations' activities and their counts, and psychological
counselling referrals (心理疏导) — their rules, their audit trail, and who may see them."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Party
from jiefen.common.errors import ConflictError, IllegalTransition, PermissionDenied
from jiefen.organisation.models import Role, Room, RoomKind, Unit, UnitKind
from jiefen.prevention import selectors, services
from jiefen.prevention.access import referrals_visible_to
from jiefen.prevention.models import LogAction, PreventionLog, Programme, ReferralStatus

from .conftest import _user

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def social(org):
    return Unit.objects.create(name="关爱服务队", kind=UnitKind.SOCIAL_ORGANISATION, area=org.subdistrict)


@pytest.fixture
def volunteer(social):
    return _user("volunteer", "社工甲", (Role.MEMBER, social, None))


def programme(name):
    return Programme.objects.get(name=name)


def record(actor, unit, name, day, village=None, participants=10, households=5, volunteers=2, title="活动"):
    return services.activity_record(
        actor=actor, unit=unit, programme=programme(name), title=title, day=day, village=village,
        participants=participants, households_reached=households, volunteers=volunteers, today=date(2026, 12, 31),
    )


# ---------------------------------------------------------------- activities


def test_the_programme_list_is_seeded_and_editable():
    names = list(Programme.objects.values_list("name", flat=True))
    assert names[:4] == ["一老一小", "慈孝文韵", "法治宣传", "心理健康"]


def test_activity_counts_by_programme_village_and_month(org, social, volunteer, centre_staff):
    record(volunteer, social, "一老一小", date(2026, 9, 9), org.village, 30, 12, 5)
    record(volunteer, social, "一老一小", date(2026, 10, 1), org.other_village, 20, 8, 3)
    record(volunteer, social, "慈孝文韵", date(2026, 10, 20), org.village, 50, 20, 6)
    record(centre_staff, org.centre, "法治宣传", date(2026, 10, 25), None, 80, 0, 4)
    record(centre_staff, org.centre, "法治宣传", date(2025, 10, 25), None, 99, 0, 4)  # another year

    summary = selectors.activity_summary(centre_staff, start=date(2026, 1, 1), end=date(2026, 12, 31))
    by_programme = {row.label: (row.activities, row.participants, row.households, row.volunteers) for row in summary["by_programme"]}
    assert by_programme == {"一老一小": (2, 50, 20, 8), "慈孝文韵": (1, 50, 20, 6), "法治宣传": (1, 80, 0, 4)}
    by_village = {row.label: (row.activities, row.participants) for row in summary["by_village"]}
    assert by_village == {"东村": (2, 80), "西村": (1, 20), "全街道": (1, 80)}
    assert [(row.label, row.activities) for row in summary["by_month"]] == [("2026-09", 1), ("2026-10", 3)]
    total = summary["total"]
    assert (total.activities, total.participants, total.households, total.volunteers) == (4, 180, 40, 18)
    assert PreventionLog.objects.filter(action=LogAction.ACTIVITY_RECORDED).count() == 5
    assert PreventionLog.objects.filter(action=LogAction.ACTIVITY_RECORDED, actor=volunteer).count() == 3


def test_who_records_activities(org, social, volunteer, leader, grid_worker, centre_staff):
    for user in (leader, grid_worker):
        with pytest.raises(PermissionDenied):
            record(user, social, "一老一小", date(2026, 10, 1))
    with pytest.raises(PermissionDenied):
        record(volunteer, org.centre, "一老一小", date(2026, 10, 1))  # not their unit
    with pytest.raises(ValidationError):
        services.activity_record(actor=volunteer, unit=social, programme=programme("一老一小"), title="x", day=today() + timedelta(days=1))
    record(centre_staff, social, "一老一小", date(2026, 10, 1))  # staff on the organisation's behalf


def test_activity_pages_per_persona(client, org, social, volunteer, leader, outsider, village_mediator, other_village_mediator, centre_staff):
    record(volunteer, social, "一老一小", today(), org.village, title="东村敬老活动")
    record(volunteer, social, "一老一小", today(), org.other_village, title="西村敬老活动")
    url = reverse("prevention:activity_list")
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    for user, east, west in ((leader, True, True), (centre_staff, True, True), (volunteer, True, True), (village_mediator, True, False), (other_village_mediator, False, True)):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert ("东村敬老活动" in page, "西村敬老活动" in page) == (east, west), user
    client.force_login(leader)
    assert client.get(reverse("prevention:activity_new")).status_code == 403
    client.force_login(volunteer)
    form = client.get(reverse("prevention:activity_new")).content.decode()
    assert "关爱服务队" in form and "测试街道综治中心" not in form  # their own unit only
    response = client.post(
        reverse("prevention:activity_new"),
        {"unit": social.pk, "programme": programme("心理健康").pk, "title": "心理健康讲座", "day": today().isoformat(), "village": org.village.pk,
         "place": "东村党群服务中心", "participants": "40", "households_reached": "25", "volunteers": "3", "description": ""},
    )
    assert response.status_code == 302


# ---------------------------------------------------------------- counselling referrals


@pytest.fixture
def case(make_case):
    return make_case()


@pytest.fixture
def counselling_room(org):
    return Room.objects.create(name="心理咨询室", kind=RoomKind.COUNSELLING, unit=org.centre)


def test_a_referral_walks_its_steps_with_an_audit_trail(case, village_mediator, counselling_room):
    party = case.parties.first()
    referral = services.referral_create(actor=village_mediator, case_id=case.pk, party_id=party.pk, reason="当事人情绪激动，多次表示想不开。", room=counselling_room)
    assert referral.status == ReferralStatus.REFERRED
    with pytest.raises(IllegalTransition):
        services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="complete", note="好转")
    referral = services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="accept")
    with pytest.raises(IllegalTransition):
        services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="complete", note="好转")  # no session yet
    services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="session")
    referral = services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="session")
    assert (referral.status, referral.sessions) == (ReferralStatus.IN_PROGRESS, 2)
    with pytest.raises(ValidationError):
        services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="complete", note="")
    with pytest.raises(ConflictError):
        services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="complete", note="x", expected_version=0)
    referral = services.referral_transition(actor=village_mediator, referral_id=referral.pk, action="complete", note="情绪平稳，同意继续调解。")
    assert referral.status == ReferralStatus.COMPLETED and referral.closed_on == today()
    trail = list(PreventionLog.objects.filter(referral=referral).values_list("action", "from_status", "to_status"))
    assert trail == [
        (LogAction.REFERRED, "", "referred"),
        (LogAction.ACCEPTED, "referred", "accepted"),
        (LogAction.SESSION, "accepted", "in_progress"),
        (LogAction.SESSION, "in_progress", "in_progress"),
        (LogAction.COMPLETED, "in_progress", "completed"),
    ]
    # Sensitive: nothing about it in the case timeline, which more people read.
    assert not case.events.filter(data__icontains="心理").exists()


def test_referral_rules(case, make_case, village_mediator, grid_worker, leader, centre_staff, other_village_mediator):
    party = case.parties.first()
    other_party = make_case().parties.first()
    with pytest.raises(ValidationError):
        services.referral_create(actor=village_mediator, case_id=case.pk, party_id=other_party.pk, reason="x")
    with pytest.raises(ValidationError):
        services.referral_create(actor=village_mediator, case_id=case.pk, party_id=party.pk, reason=" ")
    for user in (grid_worker, leader):
        with pytest.raises(PermissionDenied):
            services.referral_create(actor=user, case_id=case.pk, party_id=party.pk, reason="x")
    with pytest.raises(Exception) as unseen:
        services.referral_create(actor=other_village_mediator, case_id=case.pk, party_id=party.pk, reason="x")
    assert "找不到该案件" in str(unseen.value)
    services.referral_create(actor=centre_staff, case_id=case.pk, party_id=party.pk, reason="情绪低落")
    with pytest.raises(ConflictError):
        services.referral_create(actor=village_mediator, case_id=case.pk, party_id=party.pk, reason="再次转介")
    declined = services.referral_transition(actor=village_mediator, referral_id=case.counselling_referrals.get().pk, action="decline", note="当事人拒绝")
    assert declined.status == ReferralStatus.DECLINED
    services.referral_create(actor=village_mediator, case_id=case.pk, party_id=party.pk, reason="再次转介")  # the last one is over


def test_only_handlers_and_staff_see_referrals(client, case, village_mediator, centre_staff, grid_worker, leader, subdistrict_mediator):
    party = case.parties.first()
    services.referral_create(actor=village_mediator, case_id=case.pk, party_id=party.pk, reason="长期失眠焦虑")
    assert referrals_visible_to(village_mediator).count() == 1
    assert referrals_visible_to(centre_staff).count() == 1
    for user in (grid_worker, leader, subdistrict_mediator):
        assert referrals_visible_to(user).count() == 0
    detail = reverse("web:case_detail", args=[case.pk])
    for user, shown in ((village_mediator, True), (centre_staff, True), (grid_worker, False), (leader, False), (subdistrict_mediator, False)):
        client.force_login(user)
        page = client.get(detail).content.decode()
        assert ("长期失眠焦虑" in page) == shown, user
        assert ('id="counselling"' in page) == shown, user
    client.force_login(leader)
    assert client.get(reverse("prevention:referral_list")).status_code == 403
    client.force_login(centre_staff)
    assert party.name in client.get(reverse("prevention:referral_list")).content.decode()


def test_referring_from_the_case_page(client, case, village_mediator, grid_worker, counselling_room):
    party = case.parties.first()
    url = reverse("prevention:referral_new", args=[case.pk])
    client.force_login(grid_worker)
    refused = client.post(url, {"party": party.pk, "reason": "情绪激动", "room": ""})
    assert refused.status_code == 403
    client.force_login(village_mediator)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "转介心理疏导" in page and "心理咨询室" in page
    missing = client.post(url, {"party": party.pk, "reason": "", "room": ""})
    assert missing.status_code == 400 and "转介原因" in missing.content.decode()
    response = client.post(url, {"party": party.pk, "reason": "情绪激动", "room": counselling_room.pk})
    assert response.status_code == 302
    referral = case.counselling_referrals.get()
    assert referral.room == counselling_room and referral.referred_by == village_mediator
    step = client.post(reverse("prevention:referral_step", args=[referral.pk, "accept"]), {"version": referral.version})
    assert step.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    stale = client.post(reverse("prevention:referral_step", args=[referral.pk, "session"]), {"version": 0})
    assert stale.status_code == 409
    client.force_login(grid_worker)
    assert client.post(reverse("prevention:referral_step", args=[referral.pk, "session"])).status_code == 404
    assert Party.objects.filter(case=case).count() == 2
