"""Referrals with courts, police and petition offices (Art. 18) and reports to the police of a
risk of a public-security or criminal case (Art. 25, 警调对接)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case, CaseEvent, CaseState, EventKind
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.mediation.models import PoliceReport, Referral, ReferralDirection, ReferralKind
from jiefen.mediation.services.preparation import (
    police_report_file,
    referral_create,
    referral_is_overdue,
    referral_record_feedback,
    referrals_overdue,
)
from jiefen.organisation.models import Area, AreaKind, Unit, UnitKind

from .casework import walk

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def station(org):
    return Unit.objects.create(name="测试派出所", kind=UnitKind.POLICE_STATION, area=org.subdistrict)


@pytest.fixture
def tribunal(org):
    return Unit.objects.create(name="测试人民法庭", kind=UnitKind.PEOPLES_TRIBUNAL, area=org.subdistrict)


@pytest.fixture
def assigned(make_case, centre_staff, village_mediator):
    return walk(make_case(), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator)


def notes(case, action):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, action=action))


# ---------------------------------------------------------------- police reports (Art. 25)


def test_a_police_report_creates_its_referral_and_flags_the_case(assigned, village_mediator, station):
    version = assigned.version
    assert assigned.criminal_risk is False
    report = police_report_file(
        case_id=assigned.pk,
        actor=village_mediator,
        police_station_id=station.pk,
        risk_description="李四扬言要砸张三家门窗，情绪激动。",
        measures="已分别稳控双方情绪。",
    )
    referral = report.referral
    assert (referral.case, referral.direction, referral.kind) == (assigned, ReferralDirection.OUT, ReferralKind.POLICE)
    assert (referral.counterpart, referral.counterpart_name, referral.sent_on) == (station, "测试派出所", TODAY())
    assert referral.reason == report.risk_description
    assert (report.police_station, report.reported_by, report.measures) == (station, village_mediator, "已分别稳控双方情绪。")
    case = Case.objects.get(pk=assigned.pk)
    assert case.criminal_risk is True
    assert case.version == version + 1  # open forms on the case page go stale
    (reported,) = notes(case, "police_reported")
    (flagged,) = notes(case, "criminal_risk_flagged")
    assert reported.id < flagged.id and flagged.data["police_report"] == report.pk

    # A second report on a flagged case does not flag it again.
    police_report_file(case_id=case.pk, actor=village_mediator, police_station_id=station.pk, risk_description="再次发生口角。")
    assert PoliceReport.objects.filter(case=case).count() == 2
    assert len(notes(case, "criminal_risk_flagged")) == 1


def test_the_report_goes_to_a_police_station_of_the_cases_subdistrict(assigned, village_mediator, station, tribunal):
    elsewhere = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT)
    far_station = Unit.objects.create(name="别处派出所", kind=UnitKind.POLICE_STATION, area=elsewhere)
    for unit in (far_station, tribunal, None):
        with pytest.raises(ValidationError) as info:
            police_report_file(
                case_id=assigned.pk, actor=village_mediator, police_station_id=unit.pk if unit else None, risk_description="有冲突风险"
            )
        assert "police_station" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        police_report_file(case_id=assigned.pk, actor=village_mediator, police_station_id=station.pk, risk_description="  ")
    assert "risk_description" in info.value.message_dict
    assert not PoliceReport.objects.exists() and not Referral.objects.exists()
    assert Case.objects.get(pk=assigned.pk).criminal_risk is False


def test_only_handlers_report(assigned, station, grid_worker, leader):
    for user in (grid_worker, leader):
        with pytest.raises(PermissionDenied):
            police_report_file(case_id=assigned.pk, actor=user, police_station_id=station.pk, risk_description="有冲突风险")
    assert not PoliceReport.objects.exists()


# ---------------------------------------------------------------- referrals (Art. 18)


def test_an_incoming_court_referral_with_a_deadline_and_its_feedback(assigned, village_mediator, tribunal):
    sent = TODAY() - timedelta(days=3)
    referral = referral_create(
        case_id=assigned.pk,
        actor=village_mediator,
        direction=ReferralDirection.IN,
        kind=ReferralKind.COURT,
        sent_on=sent,
        counterpart_id=tribunal.pk,
        feedback_due=sent + timedelta(days=30),
        reason="诉前委派调解",
    )
    assert (referral.counterpart, referral.counterpart_name, referral.created_by) == (tribunal, "测试人民法庭", village_mediator)
    assert not referral_is_overdue(referral)
    (created,) = notes(assigned, "referral_created")
    assert created.data["referral"] == referral.pk and created.reason == "诉前委派调解"

    referral = referral_record_feedback(referral_id=referral.pk, actor=village_mediator, feedback_on=TODAY(), feedback="已调解成功，双方达成协议。")
    referral.refresh_from_db()
    assert (referral.feedback_on, referral.feedback) == (TODAY(), "已调解成功，双方达成协议。")
    (feedback,) = notes(assigned, "referral_feedback")
    assert feedback.data["late"] is False
    with pytest.raises(DomainError) as info:
        referral_record_feedback(referral_id=referral.pk, actor=village_mediator, feedback_on=TODAY(), feedback="再说一次")
    assert "已于" in str(info.value)


def test_a_referral_names_its_counterpart_and_keeps_its_dates_in_order(assigned, village_mediator, station, tribunal):
    base = {"case_id": assigned.pk, "actor": village_mediator, "direction": ReferralDirection.OUT, "sent_on": TODAY()}
    with pytest.raises(ValidationError) as info:
        referral_create(kind=ReferralKind.PETITION, **base)
    assert "counterpart_name" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        referral_create(kind=ReferralKind.COURT, counterpart_id=station.pk, **base)  # a police station is not a court
    assert "counterpart" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        referral_create(kind=ReferralKind.COURT, counterpart_id=tribunal.pk, feedback_due=TODAY() - timedelta(days=1), **base)
    assert "feedback_due" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        referral_create(kind=ReferralKind.COURT, counterpart_id=tribunal.pk, **{**base, "sent_on": TODAY() + timedelta(days=1)})
    assert "sent_on" in info.value.message_dict
    with pytest.raises(ValidationError):
        referral_create(kind="fax", counterpart_name="某单位", **base)
    assert not Referral.objects.exists()

    petition = referral_create(kind=ReferralKind.PETITION, counterpart_name="区信访局", **base)
    assert petition.counterpart is None and petition.counterpart_name == "区信访局"
    with pytest.raises(ValidationError) as info:
        referral_record_feedback(referral_id=petition.pk, actor=village_mediator, feedback_on=TODAY() - timedelta(days=1), feedback="已收到")
    assert "feedback_on" in info.value.message_dict


def test_a_referral_past_its_feedback_date_without_feedback_is_overdue(assigned, village_mediator, station, client):
    sent = TODAY() - timedelta(days=20)
    late = referral_create(
        case_id=assigned.pk, actor=village_mediator, direction=ReferralDirection.IN, kind=ReferralKind.POLICE,
        counterpart_id=station.pk, sent_on=sent, feedback_due=TODAY() - timedelta(days=1),
    )
    due_today = referral_create(
        case_id=assigned.pk, actor=village_mediator, direction=ReferralDirection.IN, kind=ReferralKind.POLICE,
        counterpart_id=station.pk, sent_on=sent, feedback_due=TODAY(),
    )
    no_due = referral_create(
        case_id=assigned.pk, actor=village_mediator, direction=ReferralDirection.OUT, kind=ReferralKind.OTHER,
        counterpart_name="区司法局", sent_on=sent,
    )
    assert referral_is_overdue(late) and not referral_is_overdue(due_today) and not referral_is_overdue(no_due)
    assert list(referrals_overdue()) == [late]
    assert referral_is_overdue(due_today, TODAY() + timedelta(days=1))

    client.force_login(village_mediator)
    page = client.get(reverse("web:case_detail", args=[assigned.pk])).content.decode()
    assert page.count("反馈已超期") == 1

    # Feedback given late is recorded as late, and the referral is no longer overdue.
    response = client.post(
        reverse("mediation:act_row", args=[assigned.pk, "feedback", late.pk]),
        {"feedback_on": TODAY().isoformat(), "feedback": "派出所已出警处置。"},
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert not referral_is_overdue(late)
    assert notes(assigned, "referral_feedback")[0].data["late"] is True
    assert list(referrals_overdue()) == []
    assert "反馈已超期" not in client.get(reverse("web:case_detail", args=[assigned.pk])).content.decode()


def test_a_referral_of_another_case_is_not_reachable_from_this_one(assigned, make_case, village_mediator, client):
    other = make_case()
    referral = referral_create(
        case_id=other.pk, actor=village_mediator, direction=ReferralDirection.IN, kind=ReferralKind.PETITION,
        counterpart_name="区信访局", sent_on=TODAY(),
    )
    client.force_login(village_mediator)
    response = client.post(
        reverse("mediation:act_row", args=[assigned.pk, "feedback", referral.pk]), {"feedback_on": TODAY().isoformat(), "feedback": "x"}
    )
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).feedback_on is None


def test_filing_a_police_report_through_the_page(assigned, village_mediator, station, client):
    client.force_login(village_mediator)
    page = client.get(reverse("mediation:fields", args=[assigned.pk, "police"])).content.decode()
    assert "测试派出所" in page
    response = client.post(
        reverse("mediation:act", args=[assigned.pk, "police"]),
        {"police_station": station.pk, "risk_description": "一方持械威胁。", "measures": ""},
    )
    assert response.status_code == 302
    page = client.get(reverse("web:case_detail", args=[assigned.pk])).content.decode()
    assert "一方持械威胁。" in page and "民转刑风险报告" in page and "警调对接" in page
    assert Case.objects.get(pk=assigned.pk).criminal_risk is True
