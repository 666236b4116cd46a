"""排查遗漏 (DESIGN §10): a dispute that reaches the subdistrict by petition or police call from a
grid a screening campaign has just covered, without the screening having found it, is recorded
as a pending incident against the village's body and the grid's screening worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiefen.assessment.models import Incident, IncidentAction, IncidentKind, IncidentStatus
from jiefen.cases.models import Channel
from jiefen.organisation.models import Unit, UnitKind
from jiefen.screening import services
from jiefen.screening.models import LogKind, ScreeningLog

pytestmark = pytest.mark.django_db

PETITION = Channel.PETITION_REFERRAL


def today():
    return timezone.localdate()


def make_campaign(org, staff, *, start_days_ago=10, villages=None):
    return services.campaign_create(
        actor=staff,
        subdistrict=org.subdistrict,
        name="大排查",
        start_date=today() - timedelta(days=start_days_ago),
        end_date=today() + timedelta(days=10),
        default_target=100,
        villages=villages,
        today=today(),
    )


@pytest.fixture
def campaign(org, centre_staff, grid_worker):
    campaign = make_campaign(org, centre_staff)
    row = campaign.grids.get(grid=org.grid)
    services.tally_record(actor=grid_worker, campaign_grid_id=row.id, day=today() - timedelta(days=2), households_visited=37)
    return campaign


def missed(case=None):
    qs = Incident.objects.filter(kind=IncidentKind.MISSED_BY_SCREENING)
    return qs.filter(case=case) if case else qs


def test_a_petition_from_a_screened_grid_without_a_finding_is_an_incident(campaign, org, make_case, grid_worker):
    case = make_case(channel=PETITION)
    [incident] = missed()
    assert incident.case == case
    assert incident.status == IncidentStatus.PENDING
    assert incident.unit == org.village_committee  # no 综治服务站 in this village
    assert incident.responsible_user == grid_worker
    assert incident.assessment_year == case.created_at.year and incident.detected_on == today()
    assert incident.evidence["case_number"] == case.number
    assert incident.evidence["campaign"] == "大排查" and incident.evidence["grid"] == "东村第1网格"
    assert incident.evidence["households_visited"] == 37 and incident.evidence["findings"] == 0
    assert list(incident.events.values_list("action", flat=True)) == [IncidentAction.RECORDED]
    log = ScreeningLog.objects.get(kind=LogKind.MISSED)
    assert log.data["number"] == case.number and log.data["incident"] == incident.id


def test_a_police_referral_counts_too_and_the_station_answers_when_there_is_one(campaign, org, make_case):
    station = Unit.objects.create(name="东村综治服务站", kind=UnitKind.GOVERNANCE_STATION, area=org.village)
    make_case(channel=Channel.POLICE_REFERRAL)
    assert missed().get().unit == station


def test_checking_again_changes_nothing(campaign, make_case):
    case = make_case(channel=PETITION)
    assert services.case_check_missed_by_screening(case) is None
    assert missed().count() == 1
    assert ScreeningLog.objects.filter(kind=LogKind.MISSED).count() == 1


def test_a_finding_naming_a_party_means_the_screening_saw_it(campaign, org, make_case, grid_worker):
    services.finding_record(
        actor=grid_worker, campaign_grid_id=campaign.grids.get(grid=org.grid).id,
        description="排水沟纠纷", parties="李四、王五", found_on=today() - timedelta(days=1),
    )
    make_case(channel=PETITION)  # parties 张三 and 李四
    assert not missed().exists()


def test_a_finding_about_someone_else_does_not_excuse_the_miss(campaign, org, make_case, grid_worker):
    services.finding_record(
        actor=grid_worker, campaign_grid_id=campaign.grids.get(grid=org.grid).id,
        description="另一起纠纷", parties="孙七", found_on=today() - timedelta(days=1),
    )
    make_case(channel=PETITION)
    incident = missed().get()
    assert incident.evidence["campaign_findings_in_grid"] == 1


def test_a_grid_no_campaign_covered(org, centre_staff, make_case):
    make_campaign(org, centre_staff, villages=[org.other_village])
    make_case(channel=PETITION)
    assert not missed().exists()


def test_a_case_found_by_grid_screening_or_without_a_grid(campaign, make_case):
    make_case(channel=Channel.GRID_SCREENING)
    make_case(channel=Channel.PARTY_APPLICATION)
    make_case(channel=PETITION, grid=None)
    assert not missed().exists()


def test_a_campaign_closed_long_ago_answers_for_nothing(campaign, centre_staff, make_case):
    services.campaign_close(campaign_id=campaign.id, actor=centre_staff, today=today() - timedelta(days=services.MISSED_WINDOW_DAYS + 1))
    make_case(channel=PETITION)
    assert not missed().exists()


def test_a_campaign_closed_recently_still_answers(campaign, centre_staff, make_case):
    services.campaign_close(campaign_id=campaign.id, actor=centre_staff, today=today() - timedelta(days=5))
    make_case(channel=PETITION)
    assert missed().count() == 1


def test_a_planned_campaign_answers_for_nothing(org, centre_staff, make_case):
    services.campaign_create(
        actor=centre_staff, subdistrict=org.subdistrict, name="下月大排查", start_date=today() + timedelta(days=3),
        end_date=today() + timedelta(days=30), default_target=100, today=today(),
    )
    make_case(channel=PETITION)
    assert not missed().exists()


def test_a_refused_registration_leaves_no_incident(campaign, org, dispute_type, make_case, outsider):
    from jiefen.common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_case(actor=outsider, channel=PETITION)
    assert not missed().exists()
