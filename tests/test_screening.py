"""Screening campaigns (大走访、大排查、大化解): coverage per grid, village, campaign and grid
worker on a hand-built campaign, the reports' screened-households count, opening a case from a
finding, and who may see and write what."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiefen.cases.models import Case, Channel
from jiefen.common.errors import IllegalTransition, PermissionDenied
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment
from jiefen.reports import indicators as ind
from jiefen.reports.periods import make_period
from jiefen.screening import selectors, services
from jiefen.screening.models import Campaign, CampaignStatus, LogKind, ScreeningFinding, ScreeningLog, ScreeningTally

from .casework import intake_post
from .conftest import _user

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)
TODAY = date(2026, 3, 10)


@pytest.fixture
def second_grid(org):
    return Area.objects.create(name="东村第2网格", kind=AreaKind.GRID, parent=org.village)


@pytest.fixture
def second_worker(org, second_grid):
    return _user("grid2", "网格员乙", (Role.GRID_WORKER, None, second_grid))


@pytest.fixture
def west_worker(org):
    return _user("grid3", "网格员丙", (Role.GRID_WORKER, None, org.other_grid))


@pytest.fixture
def campaign(org, centre_staff, grid_worker, second_worker, west_worker, second_grid):
    campaign = services.campaign_create(
        actor=centre_staff,
        subdistrict=org.subdistrict,
        name="春季矛盾纠纷大排查",
        start_date=START,
        end_date=date(2026, 3, 31),
        default_target=100,
        today=TODAY,
    )
    rows = {row.grid_id: row for row in campaign.grids.all()}
    services.campaign_grid_set_target(campaign_grid_id=rows[second_grid.id].id, actor=centre_staff, households_target=50)
    return campaign


def row_of(campaign, grid):
    return campaign.grids.get(grid=grid)


def tally(user, campaign, grid, day, n, disputes=0, **extra):
    return services.tally_record(
        actor=user, campaign_grid_id=row_of(campaign, grid).id, day=day, households_visited=n, disputes_found=disputes, today=TODAY, **extra
    )


@pytest.fixture
def screened(campaign, org, second_grid, grid_worker, second_worker):
    tally(grid_worker, campaign, org.grid, date(2026, 3, 3), 30, 1)
    tally(grid_worker, campaign, org.grid, date(2026, 3, 4), 40)
    tally(grid_worker, campaign, org.grid, date(2026, 3, 4), 45, 2, note="更正")  # corrects the 4th
    tally(second_worker, campaign, second_grid, date(2026, 3, 5), 60, 0)
    services.finding_record(
        actor=grid_worker, campaign_grid_id=row_of(campaign, org.grid).id, description="两户因宅基地界址争吵。",
        found_on=date(2026, 3, 4), parties="王五、赵六", address="东村2组", today=TODAY,
    )
    return campaign


# ---------------------------------------------------------------- creating a campaign


def test_a_campaign_covers_every_grid_with_its_rostered_workers(campaign, org, second_grid, grid_worker, second_worker, west_worker):
    assert campaign.status == CampaignStatus.ACTIVE
    rows = {row.grid_id: row for row in campaign.grids.prefetch_related("workers")}
    assert set(rows) == {org.grid.id, second_grid.id, org.other_grid.id}
    assert [p.user for p in rows[org.grid.id].workers.all()] == [grid_worker]
    assert [p.user for p in rows[org.other_grid.id].workers.all()] == [west_worker]
    assert rows[org.grid.id].households_target == 100 and rows[second_grid.id].households_target == 50
    kinds = list(ScreeningLog.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert kinds == [LogKind.CREATED, LogKind.TARGET_CHANGED]


def test_a_later_campaign_starts_from_the_grid_targets_of_the_last_one(campaign, org, second_grid, centre_staff):
    later = services.campaign_create(
        actor=centre_staff, subdistrict=org.subdistrict, name="夏季大走访", start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 30), default_target=80, villages=[org.village], today=TODAY,
    )
    assert later.status == CampaignStatus.PLANNED
    assert dict(later.grids.values_list("grid_id", "households_target")) == {org.grid.id: 100, second_grid.id: 50}


def test_only_staff_create_and_close(org, campaign, leader, grid_worker, village_mediator, centre_staff):
    for user in (leader, grid_worker, village_mediator):
        with pytest.raises(PermissionDenied):
            services.campaign_create(actor=user, subdistrict=org.subdistrict, name="x", start_date=START, end_date=START, default_target=1)
        with pytest.raises(PermissionDenied):
            services.campaign_close(campaign_id=campaign.id, actor=user)
    with pytest.raises(ValidationError):
        services.campaign_create(actor=centre_staff, subdistrict=org.subdistrict, name="x", start_date=START, end_date=START - timedelta(days=1), default_target=1)
    closed = services.campaign_close(campaign_id=campaign.id, actor=centre_staff, today=TODAY)
    assert closed.status == CampaignStatus.CLOSED and closed.closed_on == TODAY
    with pytest.raises(IllegalTransition):
        services.campaign_close(campaign_id=campaign.id, actor=centre_staff)
    assert ScreeningLog.objects.filter(campaign=campaign, kind=LogKind.CLOSED, actor=centre_staff).count() == 1


# ---------------------------------------------------------------- tallies


def test_a_grid_worker_records_their_own_grid_only(campaign, org, grid_worker, second_grid):
    with pytest.raises(PermissionDenied):
        tally(grid_worker, campaign, second_grid, date(2026, 3, 3), 10)
    with pytest.raises(ValidationError):
        tally(grid_worker, campaign, org.grid, TODAY + timedelta(days=1), 10)  # the future
    with pytest.raises(ValidationError):
        tally(grid_worker, campaign, org.grid, START - timedelta(days=1), 10)  # before the campaign
    assert not ScreeningTally.objects.exists()


def test_the_same_day_again_corrects_it(screened, org, grid_worker):
    rows = ScreeningTally.objects.filter(campaign_grid__grid=org.grid).order_by("date")
    assert [(t.date.day, t.households_visited, t.disputes_found) for t in rows] == [(3, 30, 1), (4, 45, 2)]
    corrected = ScreeningLog.objects.get(kind=LogKind.TALLY_CORRECTED)
    assert corrected.actor == grid_worker
    assert corrected.data["before"] == {"households_visited": 40, "disputes_found": 0}
    assert corrected.data["households_visited"] == 45
    assert ScreeningLog.objects.filter(kind=LogKind.TALLY).count() == 3
    assert ScreeningLog.objects.filter(kind=LogKind.FINDING).count() == 1


def test_a_closed_campaign_takes_no_more_tallies(screened, org, grid_worker, centre_staff):
    services.campaign_close(campaign_id=screened.id, actor=centre_staff, today=TODAY)
    with pytest.raises(IllegalTransition):
        tally(grid_worker, screened, org.grid, date(2026, 3, 6), 10)


def test_staff_record_on_behalf_of_an_assigned_worker(campaign, org, centre_staff, grid_worker, second_worker):
    worker = Person.objects.get(user=grid_worker)
    made = tally(centre_staff, campaign, org.grid, date(2026, 3, 6), 12, worker=worker)
    assert made.worker == worker and made.recorded_by == centre_staff
    with pytest.raises(ValidationError):
        tally(centre_staff, campaign, org.grid, date(2026, 3, 6), 12, worker=Person.objects.get(user=second_worker))


# ---------------------------------------------------------------- coverage


def test_coverage_by_hand(screened, org, second_grid, centre_staff, grid_worker, second_worker, west_worker):
    coverage = selectors.campaign_coverage(centre_staff, screened)
    grids = {g.grid_id: g for g in coverage.grids}
    east, second, west = grids[org.grid.id], grids[second_grid.id], grids[org.other_grid.id]
    assert (east.target, east.visited, east.disputes, east.findings, east.days) == (100, 75, 3, 1, 2)
    assert east.percent == "75.0%" and east.bar == 75
    assert (second.target, second.visited, second.percent, second.bar) == (50, 60, "120.0%", 100)  # true number kept, bar capped
    assert second.is_complete
    assert (west.target, west.visited, west.percent, west.bar) == (100, 0, "0.0%", 0)

    villages = {v.id: v for v in coverage.villages}
    assert (villages[org.village.id].target, villages[org.village.id].visited) == (150, 135)
    assert villages[org.village.id].percent == "90.0%"
    assert [g.grid_id for g in villages[org.village.id].grids] == [org.grid.id, second_grid.id]
    assert (villages[org.other_village.id].target, villages[org.other_village.id].visited) == (100, 0)

    total = coverage.total
    assert (total.target, total.visited, total.disputes, total.findings) == (250, 135, 3, 1)
    assert total.percent == "54.0%"

    workers = {w.name: w for w in coverage.workers}
    assert (workers["网格员甲"].households, workers["网格员甲"].findings, workers["网格员甲"].days, workers["网格员甲"].disputes) == (75, 1, 2, 3)
    assert workers["网格员甲"].percent == "75.0%"
    assert (workers["网格员乙"].households, workers["网格员乙"].days, workers["网格员乙"].percent) == (60, 1, "120.0%")
    assert (workers["网格员丙"].households, workers["网格员丙"].days) == (0, 0)  # assigned, nothing yet

    [row] = selectors.campaign_list(centre_staff)
    assert (row.coverage.target, row.coverage.visited, row.coverage.disputes, row.coverage.findings) == (250, 135, 3, 1)


def test_a_grid_worker_sees_only_their_grids(screened, org, grid_worker):
    coverage = selectors.campaign_coverage(grid_worker, screened)
    assert not coverage.whole
    assert [g.grid_id for g in coverage.grids] == [org.grid.id]
    assert (coverage.total.target, coverage.total.visited) == (100, 75)
    [row] = selectors.campaign_list(grid_worker)
    assert (row.coverage.target, row.coverage.visited) == (100, 75)


def test_coverage_queries_do_not_grow_with_the_grids(screened, org, centre_staff, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    selectors.campaign_coverage(centre_staff, screened)  # warm the user's scope
    with CaptureQueriesContext(connection) as few:
        selectors.campaign_coverage(centre_staff, screened)
        selectors.campaign_list(centre_staff)
    for n in range(3, 13):
        grid = Area.objects.create(name=f"东村第{n}网格", kind=AreaKind.GRID, parent=org.village)
        person = Person.objects.create(name=f"网格员{n}")
        RoleAssignment.objects.create(person=person, role=Role.GRID_WORKER, area=grid)
        row = screened.grids.create(grid=grid, households_target=10)
        row.workers.add(person)
        services.tally_record(actor=centre_staff, campaign_grid_id=row.id, day=date(2026, 3, 5), households_visited=n, worker=person, today=TODAY)
    with django_assert_max_num_queries(len(few)):
        coverage = selectors.campaign_coverage(centre_staff, screened)
        selectors.campaign_list(centre_staff)
    assert len(coverage.grids) == 13
    assert len(few) <= 8


# ---------------------------------------------------------------- the reports' count


def test_screened_households_in_the_indicators(screened, org, make_case):
    make_case()
    cases = Case.objects.filter(subdistrict=org.subdistrict)
    assert ind.summary(cases, make_period(date(2026, 3, 1), date(2026, 3, 31))).screened_households == 135
    assert ind.summary(cases, make_period(date(2026, 3, 4), date(2026, 3, 4))).screened_households == 45
    assert ind.summary(cases, make_period(date(2026, 4, 1), date(2026, 4, 30))).screened_households == 0
    elsewhere = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT, code="别")
    assert ind.summary(Case.objects.filter(subdistrict=elsewhere), make_period(date(2026, 3, 1), date(2026, 3, 31))).screened_households is None


# ---------------------------------------------------------------- a finding opens a case


def test_a_finding_opens_a_case_through_the_intake_form(client, screened, org, dispute_type, grid_worker):
    finding = ScreeningFinding.objects.get()
    client.force_login(grid_worker)
    url = reverse("web:case_new") + f"?source=screeningfinding:{finding.id}"
    page = client.get(url).content.decode()
    assert "据此登记：" in page and "排查发现" in page
    assert "两户因宅基地界址争吵。" in page
    assert 'value="grid_screening" selected' in page

    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, source=f"screeningfinding:{finding.id}"))
    assert response.status_code == 302
    case = Case.objects.get()
    finding.refresh_from_db()
    assert finding.case == case and case.channel == Channel.GRID_SCREENING
    log = ScreeningLog.objects.get(kind=LogKind.FINDING_CASE)
    assert (log.actor, log.data["number"]) == (grid_worker, case.number)

    again = client.get(url)
    assert again.status_code == 403 and "已登记为案件" in again.content.decode()
    detail = client.get(reverse("screening:campaign_detail", args=[screened.id])).content.decode()
    assert case.number in detail


def test_a_finding_the_user_may_not_see_is_refused(client, screened, west_worker):
    finding = ScreeningFinding.objects.get()
    client.force_login(west_worker)
    response = client.get(reverse("web:case_new") + f"?source=screeningfinding:{finding.id}")
    assert response.status_code == 403


# ---------------------------------------------------------------- the pages, per persona


def test_pages_per_persona(client, screened, org, grid_worker, village_mediator, other_village_mediator, leader, outsider, centre_staff, subdistrict_mediator):
    detail = reverse("screening:campaign_detail", args=[screened.id])
    for user in (outsider,):
        client.force_login(user)
        assert client.get(reverse("screening:campaign_list")).status_code == 403
        assert client.get(detail).status_code == 404
        assert client.get(reverse("screening:tally_new")).status_code == 403
    for user, sees_east, sees_west in (
        (leader, True, True),
        (subdistrict_mediator, True, True),
        (centre_staff, True, True),
        (village_mediator, True, False),
        (other_village_mediator, False, True),
        (grid_worker, True, False),
    ):
        client.force_login(user)
        assert client.get(reverse("screening:campaign_list")).status_code == 200
        page = client.get(detail).content.decode()
        assert ("东村第1网格" in page) == sees_east, user
        assert ("西村第1网格" in page) == sees_west, user
    client.force_login(leader)
    assert client.get(reverse("screening:campaign_new")).status_code == 403
    assert client.post(reverse("screening:campaign_close", args=[screened.id])).status_code == 403
    assert client.get(reverse("screening:tally_new")).status_code == 403
    client.force_login(village_mediator)
    assert client.get(reverse("screening:tally_new")).status_code == 403


def test_a_grid_worker_tallies_from_the_phone_form(client, org, centre_staff, grid_worker, second_worker, second_grid):
    now = timezone.localdate()
    campaign = services.campaign_create(
        actor=centre_staff, subdistrict=org.subdistrict, name="本月大走访", start_date=now - timedelta(days=5),
        end_date=now + timedelta(days=20), default_target=100,
    )
    client.force_login(grid_worker)
    page = client.get(reverse("screening:tally_new")).content.decode()
    assert "东村第1网格" in page and "东村第2网格" not in page
    own = row_of(campaign, org.grid)
    today = timezone.localdate().isoformat()
    response = client.post(reverse("screening:tally_new"), {"campaign_grid": own.id, "day": today, "households_visited": "25", "disputes_found": "1", "note": ""})
    assert response.status_code == 302
    assert ScreeningTally.objects.get().households_visited == 25
    other = row_of(campaign, second_grid)
    refused = client.post(reverse("screening:tally_new"), {"campaign_grid": other.id, "day": today, "households_visited": "5", "disputes_found": "0"})
    assert refused.status_code == 400
    assert ScreeningTally.objects.count() == 1
    response = client.post(
        reverse("screening:finding_new"),
        {"campaign_grid": own.id, "found_on": today, "description": "邻居噪音纠纷", "parties": "甲、乙", "address": ""},
    )
    assert response.status_code == 302
    assert ScreeningFinding.objects.get().found_by.user == grid_worker


def test_staff_create_and_close_from_the_web(client, org, centre_staff, grid_worker):
    client.force_login(centre_staff)
    form = client.get(reverse("screening:campaign_new"))
    assert form.status_code == 200 and "每个网格应走访户数" in form.content.decode()
    response = client.post(
        reverse("screening:campaign_new"),
        {"subdistrict": org.subdistrict.id, "name": "节前大排查", "kind": "screening", "start_date": timezone.localdate().isoformat(),
         "end_date": (timezone.localdate() + timedelta(days=10)).isoformat(), "default_target": "120", "description": ""},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.grids.count() == 2 and campaign.status == CampaignStatus.ACTIVE
    page = client.get(reverse("screening:tally_new")).content.decode()
    assert 'name="worker"' in page and "网格员甲" in page  # staff enter paper tallies for a worker
    response = client.post(reverse("screening:campaign_close", args=[campaign.id]))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert client.get(reverse("screening:tally_new")).status_code == 403  # nothing running any more


def test_coverage_export(client, screened, centre_staff):
    client.force_login(centre_staff)
    response = client.get(reverse("screening:campaign_export", args=[screened.id]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    east = next(r for r in rows if r[1] == "东村第1网格")
    assert east[3:6] == [100, 75, 0.75]
    total = rows[-1]
    assert total[0] == "合计" and total[3:5] == [250, 135]
    workers = book.worksheets[1]
    assert {row[0].value for row in workers.iter_rows(min_row=2)} == {"网格员甲", "网格员乙", "网格员丙"}
