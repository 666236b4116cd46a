"""Every list page and row export runs a bounded number of queries whatever the number of rows it
shows: each list is read with a few rows and again with several times more, all on the page, and
the two counts must be equal. Paginated lists are also read deep in (page 2), where the second
read is again compared with a page holding more rows."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiefen.api.services import api_token_create
from jiefen.assessment.models import Card, CardColour, Incident, IncidentKind, IncidentStatus, SubjectKind
from jiefen.assessment.services import incident_appeal_file, incident_confirm
from jiefen.assessment.yearend import score_sheet_create_default
from jiefen.cases.models import Case, CaseState
from jiefen.discovery.models import FieldVisitKind
from jiefen.discovery.services import field_visit_record, reception_slot_create, reception_visit_record
from jiefen.meetings.models import AttendanceStatus, Meeting, MeetingKind
from jiefen.meetings.services import decision_create_task, deliberation_create, meeting_record_minutes, meeting_schedule_period
from jiefen.notifications.models import NotificationKind
from jiefen.notifications.services import notify
from jiefen.open311.services import open311_client_create
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Room, RoomKind, Unit, UnitKind
from jiefen.prevention import services as prevention
from jiefen.prevention.models import Programme
from jiefen.reports.models import Report, ReportKind, ReportNumber, ReportStatus
from jiefen.screening import services as screening

from .casework import walk
from .conftest import _user

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def read(client, url):
    """(number of queries, response) of one GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(queries.captured_queries), response


@dataclass
class Ctx:
    """What a row-builder may use: the fixtures (as attributes), a counter so rows differ, and
    what the first call of a builder set up for the later ones."""

    request: pytest.FixtureRequest
    made: int = 0
    kept: dict = field(default_factory=dict)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.request.getfixturevalue(name)

    def next(self) -> int:
        self.made += 1
        return self.made

    def once(self, key, make):
        if key not in self.kept:
            self.kept[key] = make()
        return self.kept[key]


# ---------------------------------------------------------------- row builders: each adds `n` rows


def add_meetings(ctx, n):
    # Each week scheduled adds the centre's weekly meeting; weeks of 2026 before today are past.
    for _ in range(n):
        meeting_schedule_period(today=date(2026, 1, 5) + timedelta(weeks=ctx.next()))


def _held_meeting(ctx):
    """The centre's consultation meeting of 2026-09-30, held, and the commissioner who chaired it."""
    commissioner = _user("zfwy", "政法委员己", (Role.POLITICAL_LEGAL_COMMISSIONER, ctx.org.centre, None))
    meeting_schedule_period(today=date(2026, 9, 28))
    meeting = Meeting.objects.filter(kind=MeetingKind.CONSULTATION).order_by("id").first()
    me = Person.objects.get(user=commissioner)
    meeting_record_minutes(
        meeting_id=meeting.pk, actor=commissioner, attendance={me.pk: AttendanceStatus.PRESENT}, notes="研究节前矛盾纠纷排查化解。",
        chair=me, held_at=datetime(2026, 9, 30, 9, tzinfo=TZ),
    )
    return meeting, commissioner


def add_tasks(ctx, n):
    meeting, commissioner = ctx.once("meeting", lambda: _held_meeting(ctx))
    for _ in range(n):
        decision_create_task(
            meeting_id=meeting.pk, actor=commissioner, decision="节前再调解一次。", title=f"督办{ctx.next()}",
            owner_unit=ctx.org.village_room, owner=ctx.village_mediator, working_days=5, cases=[ctx.make_case()], today=date(2026, 9, 30),
        )


def add_deliberations(ctx, n):
    # The compound's three parties (党支部, 业委会, 物业) must all exist for it to deliberate.
    org = ctx.org
    ctx.once("three", lambda: [
        Unit.objects.create(name="东苑小区党支部", kind=UnitKind.PARTY_BRANCH, area=org.compound),
        Unit.objects.create(name="东苑小区业主委员会", kind=UnitKind.OWNERS_COMMITTEE, area=org.compound),
        Unit.objects.create(name="安居物业", kind=UnitKind.PROPERTY_COMPANY, area=org.compound),
    ])
    for _ in range(n):
        case = ctx.make_case(actor=ctx.centre_staff, compound=org.compound)
        deliberation_create(
            actor=ctx.centre_staff, compound=org.compound, subject=f"议题{ctx.next()}", agenda="业主反映电梯停运。",
            scheduled_on=timezone.localdate(), cases=[case],
        )


def _incident(ctx, unit, **extra):
    n = ctx.next()
    return Incident.objects.create(
        kind=extra.pop("kind", IncidentKind.TASK_MISSED), unit=unit, stage=f"list:{n}", detected_on=date(2026, 3, 1 + n % 28),
        assessment_year=2026, evidence={"task_number": f"督办-{n}", "title": "专人跟踪"}, **extra,
    )


def add_incidents(ctx, n):
    case = ctx.make_case()
    for index in range(n):
        _incident(ctx, ctx.org.village_room if index % 2 else ctx.org.other_village_room, case=case)


def add_appeals(ctx, n):
    for _ in range(n):
        incident = _incident(ctx, ctx.org.village_room)
        incident_confirm(actor=ctx.centre_staff, incident_id=incident.pk)
        incident_appeal_file(actor=ctx.village_mediator, incident_id=incident.pk, reason="已按时办结。")


def add_cards(ctx, n):
    # The database keeps one standing card per colour and holder: three of the first dozen go to
    # the liaison leader (one of the first two, so both holder kinds are there from the start),
    # the others to the units in turn.
    org = ctx.org
    leader = Person.objects.get(user=ctx.leader)
    units = [org.village_room, org.other_village_room, org.village_committee, org.other_village_committee, org.subdistrict_room, org.centre]
    colours = list(CardColour.values)
    for _ in range(n):
        i = Card.objects.count()
        unit = units[(i // len(colours)) % len(units)]
        holder = {"leader": leader} if i in (1, 5, 9) else {"unit": unit}
        incident = _incident(ctx, unit, status=IncidentStatus.CONFIRMED)
        Card.objects.create(assessment_year=2026, colour=colours[i % len(colours)], incident=incident, **holder)


def add_holder_rows(ctx, n):
    """Incidents and cards against the village room and its liaison leader."""
    leader = ctx.once("liaison", lambda: Person.objects.get(user=_user("liaison", "联系领导己", (Role.LIAISON_LEADER, None, ctx.org.village))))
    case = ctx.once("case", ctx.make_case)
    colours = list(CardColour.values)
    for _ in range(n):
        i = Card.objects.count()
        incident = _incident(ctx, ctx.org.village_room, case=case, liaison_leader=leader, status=IncidentStatus.CONFIRMED)
        # Cards alternate between the unit and the leader; one standing card per colour and
        # holder, the later ones withdrawn (the page lists those too).
        Card.objects.create(
            assessment_year=2026, colour=colours[(i // 2) % len(colours)], incident=incident,
            **({"unit": ctx.org.village_room} if i % 2 else {"leader": leader}),
            withdrawn_at=None if i < 2 * len(colours) else timezone.now(),
        )


def unit_page(ctx):
    return f"/assessment/units/{ctx.org.village_room.pk}/?year=2026"


def leader_page(ctx):
    add_holder_rows(ctx, 0)
    return f"/assessment/leaders/{ctx.kept['liaison'].pk}/?year=2026"


def add_sheets(ctx, n):
    for _ in range(n):
        i = ctx.next()
        kinds = list(SubjectKind.values)
        score_sheet_create_default(ctx.centre_staff, ctx.org.subdistrict, 2000 + i // len(kinds), kinds[i % len(kinds)])


def _slot(ctx, day):
    return reception_slot_create(
        actor=ctx.centre_staff, subdistrict=ctx.org.subdistrict, leader=Person.objects.get(user=ctx.leader), date=day,
        start_time=time(8 + ctx.next() % 10), end_time=time(8 + ctx.made % 10, 50), place="综治中心接待室",
    )


def add_slots(ctx, n):
    # This week's rota: the home page and the rota show the week around today.
    today = timezone.localdate()
    for _ in range(n):
        _slot(ctx, today)


def add_field_visits(ctx, n):
    now = timezone.now()
    for index in range(n):
        field_visit_record(
            actor=ctx.centre_staff, kind=FieldVisitKind.PATROL, village=ctx.org.village if index % 2 else ctx.org.other_village,
            grid=ctx.org.grid if index % 2 else ctx.org.other_grid,
            started_at=now - timedelta(hours=3), ended_at=now - timedelta(hours=1), findings=f"巡逻{ctx.next()}", households_visited=3,
            issues_found=1, now=now,
        )


def add_register(ctx, n):
    today = timezone.localdate()
    slot = _slot(ctx, today - timedelta(days=1)) if n else None
    add_field_visits(ctx, n)
    for _ in range(n):
        reception_visit_record(
            slot_id=slot.pk, actor=ctx.leader, visitor_name=f"来访人{ctx.next()}", matter="反映邻里噪音。", phone="13800138000",
            village=ctx.org.village,
        )


def add_visitors(ctx, n):
    slot = ctx.once("slot", lambda: _slot(ctx, timezone.localdate() - timedelta(days=1)))
    for index in range(n):
        reception_visit_record(
            slot_id=slot.pk, actor=ctx.leader, visitor_name=f"来访人{ctx.next()}", matter="反映邻里噪音。", phone="13800138000",
            village=ctx.org.village if index % 2 else ctx.org.other_village,
        )


def slot_page(ctx):
    add_visitors(ctx, 0)
    return f"/discovery/rota/{ctx.kept['slot'].pk}/"


def add_campaigns(ctx, n):
    today = timezone.localdate()
    for _ in range(n):
        screening.campaign_create(
            actor=ctx.centre_staff, subdistrict=ctx.org.subdistrict, name=f"排查{ctx.next()}", start_date=today - timedelta(days=3),
            end_date=today + timedelta(days=10), default_target=100,
        )


def add_campaign_grids(ctx, n):
    """Grids of one campaign, each with its rostered worker and a day's tally."""
    today = timezone.localdate()
    campaign = ctx.once("campaign", lambda: screening.campaign_create(
        actor=ctx.centre_staff, subdistrict=ctx.org.subdistrict, name="春季排查", start_date=today - timedelta(days=3),
        end_date=today + timedelta(days=10), default_target=100,
    ))
    for _ in range(n):
        i = ctx.next()
        grid = Area.objects.create(name=f"东村第{i + 1}网格", kind=AreaKind.GRID, parent=ctx.org.village)
        person = Person.objects.create(name=f"网格员{i}")
        RoleAssignment.objects.create(person=person, role=Role.GRID_WORKER, area=grid)
        row = campaign.grids.create(grid=grid, households_target=10)
        row.workers.add(person)
        screening.tally_record(
            actor=ctx.centre_staff, campaign_grid_id=row.id, day=today - timedelta(days=1), households_visited=i, worker=person, today=today
        )


def campaign_page(ctx):
    add_campaign_grids(ctx, 0)
    return f"/screening/{ctx.kept['campaign'].pk}/"


def campaign_export(ctx):
    return campaign_page(ctx) + "export.xlsx"


def add_activities(ctx, n):
    social = Unit.objects.get_or_create(name="关爱服务队", kind=UnitKind.SOCIAL_ORGANISATION, area=ctx.org.subdistrict)[0]
    programmes = list(Programme.objects.all()[:3])
    today = timezone.localdate()
    for index in range(n):
        prevention.activity_record(
            actor=ctx.centre_staff, unit=social, programme=programmes[index % len(programmes)], title=f"活动{ctx.next()}", day=today,
            village=ctx.org.village if index % 2 else None, participants=10, households_reached=5, volunteers=2,
        )


def add_referrals(ctx, n):
    room = Room.objects.get_or_create(name="心理咨询室", kind=RoomKind.COUNSELLING, unit=ctx.org.centre)[0]
    for _ in range(n):
        case = ctx.make_case()
        prevention.referral_create(
            actor=ctx.village_mediator, case_id=case.pk, party_id=case.parties.first().pk, reason="情绪激动。", room=room,
        )


def add_notifications(ctx, n):
    cases = ctx.once("cases", lambda: [ctx.make_case(), ctx.make_case()])
    for _ in range(n):
        i = ctx.next()
        notify([ctx.village_mediator], kind=NotificationKind.DUE_SOON, message=f"提醒{i}", case=cases[i % 2], due_date=date(2026, 1, 1) + timedelta(days=i))


def add_reports(ctx, n):
    """Ready reports, one number each, some with a second version; one generated on demand by an
    account since deleted (created_by empty), which the list names as 按需."""
    now = timezone.now()
    for _ in range(n):
        i = ctx.next()
        code = f"2025-W{i:02d}"
        number = ReportNumber.objects.create(
            subdistrict=ctx.org.subdistrict, kind=ReportKind.WEEKLY, period_code=code, year=2025, value=i, text=f"周〔2025〕{i}号", issued_at=now
        )
        for version in range(1, 2 + i % 2):
            Report.objects.create(
                subdistrict=ctx.org.subdistrict, kind=ReportKind.WEEKLY, period_code=code, period_start=date(2025, 1, 6) + timedelta(weeks=i),
                period_end=date(2025, 1, 12) + timedelta(weeks=i), period_label=f"第{i}周", version=version, number=number, title=f"周报{i}",
                status=ReportStatus.READY, automatic=version == 1 and i % 3 == 0, created_by=ctx.centre_staff if i % 3 == 1 else None,
                created_at=now,
                pdf_path=f"reports/{i}.pdf", pdf_sha256="0" * 64, figures={"new_cases": i, "success_rate": "90%"},
            )


def add_tokens(ctx, n):
    for _ in range(n):
        api_token_create(user=ctx.centre_staff, name=f"令牌{ctx.next()}")


def add_work(ctx, n):
    """Cases in every section of 我的工作: new ones waiting for acceptance, and cases in
    mediation, some of them already past their deadline."""
    for index in range(n):
        case = ctx.make_case(title=f"纠纷{ctx.next()}")
        if index % 3:
            case = walk(case, CaseState.MEDIATING, staff=ctx.centre_staff, mediator=ctx.village_mediator)
        if index % 3 == 2:
            Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - timedelta(days=index))


def add_cases(ctx, n):
    for _ in range(n):
        ctx.make_case(title=f"纠纷{ctx.next()}")


def add_open311(ctx, n):
    ctx.once("hotline", lambda: open311_client_create(name="测试热线", subdistrict=ctx.org.subdistrict, key="test-open311-key-0001"))
    client = ctx.client
    for _ in range(n):
        response = client.post(
            "/open311/v2/requests.json",
            {"api_key": "test-open311-key-0001", "service_code": "neighbour", "address_string": "东村3组12号",
             "description": f"楼上噪音{ctx.next()}", "first_name": "三", "last_name": "张", "phone": "13800138000"},
        )
        assert response.status_code == 200, response.content


# ---------------------------------------------------------------- the table

# (url or url(ctx), persona, builder, rows first, rows second); the second size stays within the page.
LISTS = [
    pytest.param("/", "village_mediator", add_work, 3, 12, id="my-work"),
    pytest.param("/", "centre_staff", add_work, 3, 12, id="my-work-staff"),
    pytest.param("/reports/archive/", "centre_staff", add_reports, 2, 8, id="reports-archive"),
    pytest.param("/reports/archive/", "leader", add_reports, 2, 8, id="reports-archive-leader"),
    pytest.param("/meetings/?when=past", "centre_staff", add_meetings, 2, 8, id="meetings"),
    pytest.param("/tasks/?which=all", "centre_staff", add_tasks, 2, 8, id="tasks-all"),
    pytest.param("/tasks/", "village_mediator", add_tasks, 2, 8, id="tasks-mine"),
    pytest.param("/sanlian/", "centre_staff", add_deliberations, 2, 8, id="sanlian"),
    pytest.param("/assessment/", "centre_staff", add_incidents, 2, 8, id="incidents"),
    pytest.param("/assessment/", "village_mediator", add_incidents, 2, 8, id="incidents-mediator"),
    pytest.param("/assessment/appeals/", "centre_staff", add_appeals, 2, 8, id="appeals"),
    pytest.param("/assessment/cards/?year=2026", "centre_staff", add_cards, 2, 12, id="cards"),
    pytest.param("/assessment/cards/export.xlsx?year=2026", "centre_staff", add_cards, 2, 12, id="cards-export"),
    pytest.param(unit_page, "centre_staff", add_holder_rows, 2, 12, id="assessment-unit"),
    pytest.param(leader_page, "centre_staff", add_holder_rows, 2, 12, id="assessment-leader"),
    pytest.param("/assessment/year-end/", "centre_staff", add_sheets, 2, 8, id="year-end"),
    pytest.param("/discovery/", "centre_staff", add_slots, 2, 8, id="discovery-home-rota"),
    pytest.param("/discovery/", "centre_staff", add_field_visits, 2, 8, id="discovery-home-field"),
    pytest.param("/discovery/register/", "centre_staff", add_register, 2, 8, id="discovery-register"),
    pytest.param("/discovery/register/?kind=reception", "centre_staff", add_register, 2, 8, id="discovery-register-reception"),
    pytest.param("/discovery/register/export.xlsx", "centre_staff", add_register, 2, 8, id="discovery-export-xlsx"),
    pytest.param("/discovery/register/export.csv", "centre_staff", add_register, 2, 8, id="discovery-export-csv"),
    pytest.param("/discovery/register/export.csv?kind=reception", "centre_staff", add_register, 2, 8, id="discovery-export-reception"),
    pytest.param("/discovery/rota/", "centre_staff", add_slots, 2, 8, id="discovery-rota"),
    pytest.param(slot_page, "centre_staff", add_visitors, 2, 8, id="discovery-slot-visitors"),
    pytest.param("/discovery/counts/", "centre_staff", add_register, 2, 8, id="discovery-counts"),
    pytest.param("/screening/", "centre_staff", add_campaigns, 2, 8, id="screening"),
    pytest.param(campaign_page, "centre_staff", add_campaign_grids, 2, 8, id="screening-campaign"),
    pytest.param(campaign_export, "centre_staff", add_campaign_grids, 2, 8, id="screening-campaign-export"),
    pytest.param("/prevention/", "centre_staff", add_activities, 2, 8, id="prevention"),
    pytest.param("/prevention/counselling/", "village_mediator", add_referrals, 2, 8, id="counselling"),
    pytest.param("/notifications/", "village_mediator", add_notifications, 2, 8, id="notifications"),
    pytest.param("/api/tokens/", "centre_staff", add_tokens, 2, 8, id="api-tokens"),
    pytest.param("/api/v1/cases/", "centre_staff", add_cases, 2, 8, id="api-cases"),
    pytest.param("/open311/v2/requests.json", "centre_staff", add_open311, 2, 8, id="open311"),
    pytest.param("/open311/v2/requests.json?status=open&service_code=neighbour", "centre_staff", add_open311, 2, 8, id="open311-filtered"),
    pytest.param("/statistics/ledger.xlsx", "centre_staff", add_cases, 2, 8, id="ledger-export"),
]


@pytest.mark.parametrize("url, persona, build, few, more", LISTS)
def test_a_list_runs_the_same_queries_for_few_and_many_rows(client, request, url, persona, build, few, more):
    ctx = Ctx(request)
    client.force_login(request.getfixturevalue(persona))
    build(ctx, few)
    url = url(ctx) if callable(url) else url
    read(client, url)  # warms per-process caches (content types, settings rows)
    small, before = read(client, url)
    build(ctx, more - few)
    large, after = read(client, url)
    assert after.content != before.content, f"{url} does not show the rows added"
    assert large == small, f"{url}: {small} queries with {few} rows, {large} with {more}"


def _after(response):
    return response.context["next_after"]


def _before(response):
    return response.context["next_before"]


def _api_cursor(response):
    return response.json()["next_cursor"]


# (url, persona, builder, page size, the page's cursor, the cursor's parameter)
PAGED = [
    pytest.param("/assessment/?status=", "centre_staff", add_incidents, 30, _before, "before", id="incidents"),
    pytest.param("/discovery/register/", "centre_staff", add_field_visits, 25, _after, "after", id="discovery-register"),
    pytest.param("/discovery/register/?kind=reception", "centre_staff", add_register, 25, _after, "after", id="discovery-register-reception"),
    pytest.param("/notifications/", "village_mediator", add_notifications, 50, _after, "after", id="notifications"),
    pytest.param("/api/v1/cases/?limit=5", "centre_staff", add_cases, 5, _api_cursor, "after", id="api-cases"),
]


@pytest.mark.parametrize("url, persona, build, size, cursor, param", PAGED)
def test_a_later_page_runs_the_same_queries_for_few_and_many_rows(client, request, url, persona, build, size, cursor, param):
    """Page 2 holds two rows, then (the newest rows pushing older ones down) a full page."""
    ctx = Ctx(request)
    client.force_login(request.getfixturevalue(persona))
    join = "&" if "?" in url else "?"

    def second_page():
        _count, first = read(client, url)
        return read(client, f"{url}{join}{param}={cursor(first)}")

    build(ctx, size + 2)
    second_page()
    small, before = second_page()
    build(ctx, size)
    large, after = second_page()
    assert after.content != before.content
    assert large == small, f"{url} page 2: {small} queries with 2 rows, {large} with a full page"
