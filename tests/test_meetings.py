"""The meeting rhythm (DESIGN §8): periods and their holidays, meetings created once per period
(even by schedulers racing each other), the agenda assembled from live data and frozen when the
meeting is held, minutes with attendance, and who may write them."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from jiefen.cases.models import Case, CaseState, RiskGrade, Tier
from jiefen.common.errors import ConflictError, IllegalTransition, PermissionDenied
from jiefen.meetings import periods
from jiefen.reports.periods import parse_period
from jiefen.meetings.models import (
    Activity,
    ActivityKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingState,
)
from jiefen.meetings.selectors import agenda_case_ids, meeting_agenda, meeting_agenda_compute, meeting_invitees
from jiefen.meetings.services import meeting_prepare_agenda, meeting_record_minutes, meeting_schedule_period
from jiefen.organisation.models import Person, Role, Unit, UnitKind

from .casework import register
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures
from .conftest import _user

TZ = ZoneInfo("Asia/Shanghai")
SUBDISTRICT_KINDS = {MeetingKind.CONSULTATION, MeetingKind.BULLETIN, MeetingKind.ANALYSIS, MeetingKind.JOINT_CONFERENCE}


def at(day: date, hour=9, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def units(org):
    """The units that hold meetings, and the three parties of 东苑小区."""

    def unit(name, kind, area, **extra):
        return Unit.objects.create(name=name, kind=kind, area=area, **extra)

    return {
        "committee": unit("测试街道党工委", UnitKind.PARTY_WORKING_COMMITTEE, org.subdistrict),
        "leading_group": unit("测试街道领导小组", UnitKind.LEADING_GROUP, org.subdistrict),
        "police": unit("测试派出所", UnitKind.POLICE_STATION, org.subdistrict),
        "branch": unit("东苑小区党支部", UnitKind.PARTY_BRANCH, org.compound, subtype="物业小区"),
        "owners": unit("东苑小区业主委员会", UnitKind.OWNERS_COMMITTEE, org.compound),
        "property": unit("安居物业服务有限公司", UnitKind.PROPERTY_COMPANY, org.compound),
        "veterans": unit("测试街道退役军人党支部", UnitKind.PARTY_BRANCH, org.subdistrict, subtype="退役军人"),
    }


@pytest.fixture
def commissioner(org):
    return _user("zfwy", "政法委员己", (Role.POLITICAL_LEGAL_COMMISSIONER, org.centre, None))


@pytest.fixture
def secretary(units):
    return _user("sj", "支部书记庚", (Role.BRANCH_SECRETARY, units["branch"], None))


@pytest.fixture
def police_officer(units):
    return _user("mj", "民警辛", (Role.MEMBER, units["police"], None))


def person(user):
    return Person.objects.get(user=user)


def meeting_of(kind, unit=None, **filters):
    qs = Meeting.objects.filter(kind=kind, **filters)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.get()


# ---------------------------------------------------------------- periods and holidays


@pytest.mark.django_db
class TestPeriods:
    def test_a_week_across_the_new_year_is_week_1_of_the_new_iso_year(self):
        week = periods.period_containing(periods.WEEKLY, date(2025, 12, 31))
        assert (week.start, week.end, week.year, week.index) == (date(2025, 12, 29), date(2026, 1, 4), 2026, 1)
        assert week.label == "2026年第1周"
        assert periods.period_containing(periods.WEEKLY, date(2026, 1, 4)) == week
        assert week.next().start == date(2026, 1, 5)
        assert week.previous().end == date(2025, 12, 28)

    def test_months_and_quarters_end_on_their_last_day(self):
        feb = periods.period_containing(periods.MONTHLY, date(2028, 2, 10))
        assert (feb.start, feb.end) == (date(2028, 2, 1), date(2028, 2, 29))
        dec = periods.period_containing(periods.MONTHLY, date(2026, 12, 31))
        assert (dec.start, dec.end, dec.next().start) == (date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 1))
        q4 = periods.period_containing(periods.QUARTERLY, date(2026, 11, 27))
        assert (q4.start, q4.end, q4.index, q4.label) == (date(2026, 10, 1), date(2026, 12, 31), 4, "2026年第4季度")
        assert q4.next() == periods.period_containing(periods.QUARTERLY, date(2027, 2, 1))
        assert q4.next().index == 1 and q4.previous().start == date(2026, 7, 1)

    def test_fortnights_are_the_statistics_biweekly_periods(self):
        day = date(2025, 12, 20)
        for _step in range(60):
            fortnight = periods.period_containing(periods.BIWEEKLY, day)
            statistics = parse_period(f"{fortnight.year}-B{fortnight.index:02d}")
            assert (fortnight.start, fortnight.end) == (statistics.start, statistics.end)
            assert fortnight.contains(day) and fortnight.start.weekday() == 0
            day += timedelta(days=7)
        first = periods.period_containing(periods.BIWEEKLY, date(2026, 1, 1))
        assert (first.start, first.end, first.year, first.index) == (date(2025, 12, 29), date(2026, 1, 11), 2026, 1)
        assert first.label == "2026年第1期"
        # 2026 has 53 ISO weeks: the last bulletin period is week 53 alone, and 2027 starts afresh.
        last = periods.period_containing(periods.BIWEEKLY, date(2026, 12, 30))
        assert (last.start, last.end, last.index) == (date(2026, 12, 28), date(2027, 1, 3), 27)
        assert (last.next().start, last.next().year, last.next().index) == (date(2027, 1, 4), 2027, 1)
        assert last.previous().end == date(2026, 12, 27)

    def test_the_first_working_day_follows_the_holiday_table(self):
        # 2026: 1–3 January are holidays and Sunday 4 January is a 调休 working day.
        assert periods.period_containing(periods.MONTHLY, date(2026, 1, 20)).first_working_day() == date(2026, 1, 4)
        # National Day, 1–7 October 2026: the fourth quarter starts on the 8th.
        assert periods.period_containing(periods.QUARTERLY, date(2026, 12, 1)).first_working_day() == date(2026, 10, 8)
        # The Spring Festival week, 16–22 February 2026, has no working day at all.
        assert periods.period_containing(periods.WEEKLY, date(2026, 2, 18)).first_working_day() is None
        # An ordinary week starts on Monday.
        assert periods.period_containing(periods.WEEKLY, date(2026, 3, 12)).first_working_day() == date(2026, 3, 9)


# ---------------------------------------------------------------- scheduling


@pytest.mark.django_db
class TestScheduling:
    def test_one_meeting_per_kind_and_unit_for_the_periods_of_the_day(self, org, units):
        created = meeting_schedule_period(today=date(2026, 3, 12))
        by_kind = {(m.kind, m.unit_id): m for m in created}
        assert set(by_kind) == {
            (MeetingKind.CONSULTATION, org.centre.id),
            (MeetingKind.BULLETIN, org.centre.id),
            (MeetingKind.ANALYSIS, units["leading_group"].id),
            (MeetingKind.JOINT_CONFERENCE, units["committee"].id),
            (MeetingKind.BRANCH_DISPATCH, units["branch"].id),
            (MeetingKind.BRANCH_ANALYSIS, units["branch"].id),
            (MeetingKind.BRANCH_DISPATCH, units["veterans"].id),
            (MeetingKind.BRANCH_ANALYSIS, units["veterans"].id),
        }
        weekly = by_kind[(MeetingKind.CONSULTATION, org.centre.id)]
        assert (weekly.period_start, weekly.period_end, weekly.scheduled_on) == (date(2026, 3, 9), date(2026, 3, 15), date(2026, 3, 9))
        assert weekly.title == "2026年第11周矛盾纠纷会商"
        assert weekly.state == MeetingState.SCHEDULED and weekly.subdistrict == org.subdistrict
        monthly = by_kind[(MeetingKind.BRANCH_ANALYSIS, units["branch"].id)]
        assert (monthly.period_start, monthly.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
        assert monthly.scheduled_on == date(2026, 3, 2)  # 1 March 2026 is a Sunday
        assert monthly.title == "东苑小区党支部2026年3月研判会"
        quarterly = by_kind[(MeetingKind.JOINT_CONFERENCE, units["committee"].id)]
        assert (quarterly.period_start, quarterly.period_end, quarterly.title) == (
            date(2026, 1, 1), date(2026, 3, 31), "2026年第1季度政法工作联席会"
        )
        assert Activity.objects.filter(kind=ActivityKind.MEETING_SCHEDULED).count() == 8

    def test_scheduling_again_in_the_same_periods_creates_nothing(self, org, units):
        first = meeting_schedule_period(today=date(2026, 3, 9))
        assert len(first) == 8
        for day in (date(2026, 3, 9), date(2026, 3, 11), date(2026, 3, 15)):
            assert meeting_schedule_period(today=day) == []
        assert Meeting.objects.count() == 8
        # Monday brings a new week: the weekly meetings only; the fortnight started on 9 March.
        later = meeting_schedule_period(today=date(2026, 3, 16))
        assert sorted(m.kind for m in later) == sorted([MeetingKind.CONSULTATION, MeetingKind.BRANCH_DISPATCH, MeetingKind.BRANCH_DISPATCH])
        assert {m.period_start for m in later} == {date(2026, 3, 16)}

    def test_period_boundaries_across_month_quarter_and_year(self, org, units):
        meeting_schedule_period(today=date(2026, 12, 31))
        meeting_schedule_period(today=date(2027, 1, 1))
        consultations = Meeting.objects.filter(kind=MeetingKind.CONSULTATION)
        # 31 December 2026 and 1 January 2027 are in the same ISO week (week 53 of 2026).
        assert list(consultations.values_list("period_start", "title")) == [(date(2026, 12, 28), "2026年第53周矛盾纠纷会商")]
        monthly = Meeting.objects.filter(kind=MeetingKind.ANALYSIS).order_by("period_start")
        assert [(m.period_start, m.period_end) for m in monthly] == [
            (date(2026, 12, 1), date(2026, 12, 31)),
            (date(2027, 1, 1), date(2027, 1, 31)),
        ]
        quarterly = Meeting.objects.filter(kind=MeetingKind.JOINT_CONFERENCE).order_by("period_start")
        assert [(m.period_start, m.title) for m in quarterly] == [
            (date(2026, 10, 1), "2026年第4季度政法工作联席会"),
            (date(2027, 1, 1), "2027年第1季度政法工作联席会"),
        ]
        # The fourth quarter's meeting is planned after the National Day holiday.
        assert quarterly[0].scheduled_on == date(2026, 10, 8)
        # The holiday table (from the State Council notices) ends with 2026, so 1 January 2027,
        # a Friday, counts as a working day until someone enters the 2027 holidays.
        assert monthly[1].scheduled_on == date(2027, 1, 1)

    def test_a_holiday_week_gets_no_weekly_meeting_but_the_month_still_does(self, org, units):
        created = meeting_schedule_period(today=date(2026, 2, 18))  # the Spring Festival week
        kinds = {m.kind for m in created}
        assert MeetingKind.CONSULTATION not in kinds and MeetingKind.BRANCH_DISPATCH not in kinds
        assert {MeetingKind.ANALYSIS, MeetingKind.BRANCH_ANALYSIS, MeetingKind.JOINT_CONFERENCE} <= kinds
        feb = meeting_of(MeetingKind.ANALYSIS)
        assert feb.scheduled_on == date(2026, 2, 2)
        # The National Day week of 2026 has working days (Monday 28 September to Wednesday).
        october = meeting_schedule_period(today=date(2026, 10, 3))
        consultation = next(m for m in october if m.kind == MeetingKind.CONSULTATION)
        assert consultation.scheduled_on == date(2026, 9, 28)
        # The week of 5–11 October starts with three holidays and meets on Thursday the 8th.
        later = meeting_schedule_period(today=date(2026, 10, 6))
        assert next(m for m in later if m.kind == MeetingKind.CONSULTATION).scheduled_on == date(2026, 10, 8)

    def test_a_subdistrict_without_the_holding_unit_gets_no_meeting_of_that_kind(self, org):
        created = meeting_schedule_period(today=date(2026, 3, 12))
        assert {m.kind for m in created} == {MeetingKind.CONSULTATION, MeetingKind.BULLETIN}

    def test_inactive_branches_hold_no_meetings(self, org, units):
        Unit.objects.filter(pk=units["veterans"].pk).update(is_active=False)
        meeting_schedule_period(today=date(2026, 3, 12))
        assert not Meeting.objects.filter(unit=units["veterans"]).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_racing_create_each_meeting_once(concurrent_db, org, units):  # noqa: F811
    for day in (date(2026, 3, 12), date(2026, 3, 16), date(2026, 4, 1)):
        outcomes = concurrent_db.run(*[(lambda day=day: meeting_schedule_period(today=day)) for _i in range(3)])
        errors = [error for _result, error in outcomes if error is not None]
        assert not errors, errors
        created = [meeting.id for result, _error in outcomes for meeting in result]
        # Between them the schedulers created every meeting exactly once.
        assert len(created) == len(set(created))
    # 12 March: all 8; 16 March: the 3 weekly ones; 1 April: a new week (3), fortnight (1),
    # month (3) and quarter (1).
    expected = 8 + 3 + 8
    assert Meeting.objects.count() == expected
    assert Activity.objects.filter(kind=ActivityKind.MEETING_SCHEDULED).count() == expected


# ---------------------------------------------------------------- the agenda


@pytest.fixture
def week(org, units):
    """This week's 会商 and the 东苑小区 branch's 调度, with last week's 会商 held on Monday 9 March."""
    meeting_schedule_period(today=date(2026, 3, 9))
    last = meeting_of(MeetingKind.CONSULTATION)
    Meeting.objects.filter(pk=last.pk).update(state=MeetingState.HELD, held_at=at(date(2026, 3, 9), 10))
    meeting_schedule_period(today=date(2026, 3, 16))
    return {
        "consultation": meeting_of(MeetingKind.CONSULTATION, period_start=date(2026, 3, 16)),
        "branch": meeting_of(MeetingKind.BRANCH_DISPATCH, units["branch"], period_start=date(2026, 3, 16)),
        "veterans": meeting_of(MeetingKind.BRANCH_DISPATCH, units["veterans"], period_start=date(2026, 3, 16)),
    }


@pytest.fixture
def cases(org, dispute_type, centre_staff, units):
    """Hand-built cases, one per situation; fields set directly, as the agenda only reads them."""

    def make(key, *, created, compound=False, village=None, **fields):
        case = register(
            org,
            dispute_type,
            centre_staff,
            on=created.date(),
            title=key,
            compound=org.compound if compound else None,
            village=village or org.village,
            grid=org.grid if (village or org.village) == org.village else org.other_grid,
        )
        Case.objects.filter(pk=case.pk).update(created_at=created, **fields)
        return case

    before = at(date(2026, 3, 5))  # before last week's meeting
    after = at(date(2026, 3, 12))  # after it
    made = {
        "old_quiet": make("old_quiet", created=before, state=CaseState.MEDIATING, risk_grade=RiskGrade.BLUE),
        "new_quiet": make("new_quiet", created=after, state=CaseState.ACCEPTED),
        "new_in_compound": make("new_in_compound", created=after, compound=True),
        "red": make("red", created=before, state=CaseState.MEDIATING, risk_grade=RiskGrade.RED),
        "orange_compound": make("orange_compound", created=before, compound=True, state=CaseState.ASSIGNED, risk_grade=RiskGrade.ORANGE),
        "yellow": make("yellow", created=before, state=CaseState.MEDIATING, risk_grade=RiskGrade.YELLOW),
        "red_archived": make("red_archived", created=before, state=CaseState.ARCHIVED, risk_grade=RiskGrade.RED),
        "overdue": make("overdue", created=before, state=CaseState.MEDIATING, is_overdue=True, due_date=date(2026, 3, 10)),
        "overdue_archived": make("overdue_archived", created=before, state=CaseState.ARCHIVED, is_overdue=True),
        "escalated": make("escalated", created=before, state=CaseState.ACCEPTED, tier=Tier.VILLAGE_COMMITTEE, escalated_from_unit=org.village_room),
        "handed_up": make("handed_up", created=before, state=CaseState.HANDED_UP),
        "group": make("group", created=before, state=CaseState.MEDIATING, is_group=True),
        "tier3": make("tier3", created=before, state=CaseState.MEDIATING, tier=Tier.SUBDISTRICT_COMMITTEE, assigned_unit=org.subdistrict_committee),
        "referred": make("referred", created=before, state=CaseState.REFERRED_OUT),
        "sanlian": make("sanlian", created=before, compound=True, state=CaseState.MEDIATING, needs_sanlian=True),
        "other_village_red": make("other_village_red", created=after, village=org.other_village, state=CaseState.MEDIATING, risk_grade=RiskGrade.RED),
    }
    return made


def section_titles(agenda, key, cases):
    ids = agenda_case_ids(agenda, key)
    by_id = {case.id: name for name, case in cases.items()}
    return sorted(by_id[i] for i in ids)


@pytest.mark.django_db
class TestAgenda:
    def test_each_section_holds_exactly_its_cases(self, week, cases):
        agenda = meeting_agenda_compute(week["consultation"], now=at(date(2026, 3, 16), 8))
        assert datetime.fromisoformat(agenda["since"]) == at(date(2026, 3, 9), 10)
        assert section_titles(agenda, "new", cases) == ["new_in_compound", "new_quiet", "other_village_red"]
        assert section_titles(agenda, "red_orange", cases) == ["orange_compound", "other_village_red", "red"]
        assert section_titles(agenda, "overdue", cases) == ["overdue"]
        assert section_titles(agenda, "escalated", cases) == ["escalated", "handed_up"]
        assert section_titles(agenda, "multi_department", cases) == ["group", "referred", "sanlian", "tier3"]
        # Red before orange.
        assert agenda_case_ids(agenda, "red_orange")[:2] in (
            [cases["red"].id, cases["other_village_red"].id],
            [cases["other_village_red"].id, cases["red"].id],
        )
        reasons = {row["id"]: row["reasons"] for s in agenda["sections"] if s["key"] == "multi_department" for row in s["cases"]}
        assert reasons[cases["group"].id] == ["group"]
        assert reasons[cases["tier3"].id] == ["tier3"]
        assert reasons[cases["referred"].id] == ["referral"]
        assert reasons[cases["sanlian"].id] == ["sanlian"]
        counts = {s["key"]: s["count"] for s in agenda["sections"]}
        assert counts == {"new": 3, "red_orange": 3, "overdue": 1, "escalated": 2, "multi_department": 4}

    def test_the_first_meeting_of_a_series_looks_back_one_period(self, org, units, cases):
        meeting_schedule_period(today=date(2026, 3, 12))
        first = meeting_of(MeetingKind.CONSULTATION)
        agenda = meeting_agenda_compute(first, now=at(date(2026, 3, 12), 18))
        assert datetime.fromisoformat(agenda["since"]) == at(date(2026, 3, 2), 0)
        assert "old_quiet" in section_titles(agenda, "new", cases)

    def test_a_party_branch_sees_only_its_own_area(self, week, cases):
        agenda = meeting_agenda_compute(week["branch"], now=at(date(2026, 3, 16), 8))
        assert agenda["scope"] == "东苑小区"
        # The branch's meeting of last week was not held: it looks back to Monday 9 March.
        assert section_titles(agenda, "new", cases) == ["new_in_compound"]
        assert section_titles(agenda, "red_orange", cases) == ["orange_compound"]
        assert section_titles(agenda, "multi_department", cases) == ["sanlian"]
        assert section_titles(agenda, "overdue", cases) == [] and section_titles(agenda, "escalated", cases) == []
        assert agenda["incidents"] == []
        # A branch of the whole subdistrict (退役军人) looks at the whole subdistrict.
        whole = meeting_agenda_compute(week["veterans"], now=at(date(2026, 3, 16), 8))
        assert section_titles(whole, "red_orange", cases) == ["orange_compound", "other_village_red", "red"]

    def test_the_agenda_is_frozen_when_the_meeting_is_held(self, week, cases, commissioner, centre_staff):
        meeting = week["consultation"]
        present = {person(commissioner).pk: AttendanceStatus.PRESENT, person(centre_staff).pk: AttendanceStatus.EXCUSED}
        meeting_record_minutes(
            meeting_id=meeting.pk, actor=commissioner, attendance=present, notes="逐案研究", chair=person(commissioner), held_at=at(date(2026, 3, 16), 9)
        )
        meeting.refresh_from_db()
        frozen = meeting.agenda
        assert meeting.state == MeetingState.HELD and meeting.agenda_at is not None
        assert section_titles(frozen, "overdue", {"overdue": cases["overdue"]}) == ["overdue"]

        # Afterwards the facts change: the overdue case is cured, a quiet one turns red.
        Case.objects.filter(pk=cases["overdue"].pk).update(is_overdue=False)
        Case.objects.filter(pk=cases["yellow"].pk).update(risk_grade=RiskGrade.RED)
        assert meeting_agenda(Meeting.objects.get(pk=meeting.pk)) == frozen
        live = meeting_agenda_compute(meeting)
        assert agenda_case_ids(live, "overdue") == [] and cases["yellow"].id in agenda_case_ids(live, "red_orange")

        # Amending the minutes keeps the agenda as it was.
        meeting_record_minutes(meeting_id=meeting.pk, actor=commissioner, attendance=present, notes="补充：已逐案交办", chair=person(commissioner))
        meeting.refresh_from_db()
        assert meeting.agenda == frozen and meeting.notes == "补充：已逐案交办"
        kinds = list(Activity.objects.filter(meeting=meeting).values_list("kind", flat=True))
        assert kinds[-2:] == [ActivityKind.MINUTES_RECORDED, ActivityKind.MINUTES_AMENDED]
        with pytest.raises(IllegalTransition):
            meeting_prepare_agenda(meeting_id=meeting.pk, actor=commissioner)

    def test_preparing_keeps_a_dated_copy_until_the_meeting_is_held(self, week, cases, commissioner):
        meeting = meeting_prepare_agenda(meeting_id=week["consultation"].pk, actor=commissioner, now=at(date(2026, 3, 16), 8))
        assert meeting.agenda_at == at(date(2026, 3, 16), 8)
        assert section_titles(meeting.agenda, "overdue", cases) == ["overdue"]
        activity = Activity.objects.get(meeting=meeting, kind=ActivityKind.AGENDA_PREPARED)
        assert activity.actor == commissioner and activity.data["overdue"] == 1
        # Until held, the page shows live data.
        Case.objects.filter(pk=cases["overdue"].pk).update(is_overdue=False)
        assert agenda_case_ids(meeting_agenda(meeting), "overdue") == []

    def test_sections_are_capped_with_the_full_count(self, week, org, dispute_type, grid_worker, monkeypatch):
        monkeypatch.setattr("jiefen.meetings.selectors.SECTION_LIMIT", 2)
        for _i in range(3):
            case = register(org, dispute_type, grid_worker, on=date(2026, 3, 12))
            Case.objects.filter(pk=case.pk).update(created_at=at(date(2026, 3, 12)))
        agenda = meeting_agenda_compute(week["consultation"], now=at(date(2026, 3, 16), 8))
        new = next(s for s in agenda["sections"] if s["key"] == "new")
        assert new["count"] == 3 and len(new["cases"]) == 2


# ---------------------------------------------------------------- minutes and who writes them


@pytest.mark.django_db
class TestMinutes:
    def test_attendance_is_recorded_with_present_absent_and_excused(self, week, commissioner, centre_staff, police_officer):
        meeting = week["consultation"]
        meeting_record_minutes(
            meeting_id=meeting.pk,
            actor=centre_staff,
            attendance={
                person(commissioner).pk: AttendanceStatus.PRESENT,
                person(centre_staff).pk: AttendanceStatus.PRESENT,
                person(police_officer).pk: AttendanceStatus.ABSENT,
            },
            notes="研究红色风险案件。",
            chair=person(commissioner),
            location="综治中心会商室",
            held_at=at(date(2026, 3, 16), 9),
        )
        rows = dict(Attendance.objects.filter(meeting=meeting).values_list("person__name", "status"))
        assert rows == {"政法委员己": "present", "综治中心丁": "present", "民警辛": "absent"}
        meeting.refresh_from_db()
        assert (meeting.chair, meeting.location, meeting.held_at, meeting.recorded_by) == (
            person(commissioner), "综治中心会商室", at(date(2026, 3, 16), 9), centre_staff
        )
        # Amending replaces the list: the officer turns out to have sent apologies.
        meeting_record_minutes(
            meeting_id=meeting.pk,
            actor=centre_staff,
            attendance={person(commissioner).pk: AttendanceStatus.PRESENT, person(police_officer).pk: AttendanceStatus.EXCUSED},
            notes="研究红色风险案件。",
            chair=person(commissioner),
        )
        rows = dict(Attendance.objects.filter(meeting=meeting).values_list("person__name", "status"))
        assert rows == {"政法委员己": "present", "民警辛": "excused"}

    @pytest.mark.parametrize(
        "attendance, chair, notes, field",
        [
            ("nobody_present", None, "讨论", "attendance"),
            ("ok", "absent_chair", "讨论", "chair"),
            ("ok", None, "  ", "notes"),
            ("bad_status", None, "讨论", "attendance"),
        ],
    )
    def test_minutes_need_someone_present_a_present_chair_and_notes(self, week, commissioner, police_officer, attendance, chair, notes, field):
        meeting = week["consultation"]
        lists = {
            "nobody_present": {person(commissioner).pk: AttendanceStatus.ABSENT},
            "ok": {person(commissioner).pk: AttendanceStatus.PRESENT, person(police_officer).pk: AttendanceStatus.ABSENT},
            "bad_status": {person(commissioner).pk: "maybe"},
        }
        with pytest.raises(ValidationError) as excinfo:
            meeting_record_minutes(
                meeting_id=meeting.pk,
                actor=commissioner,
                attendance=lists[attendance],
                notes=notes,
                chair=person(police_officer) if chair else None,
            )
        assert field in excinfo.value.message_dict
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.SCHEDULED and not Attendance.objects.filter(meeting=meeting).exists()

    def test_a_stale_form_is_refused(self, week, commissioner):
        meeting = week["consultation"]
        attendance = {person(commissioner).pk: AttendanceStatus.PRESENT}
        meeting_record_minutes(meeting_id=meeting.pk, actor=commissioner, attendance=attendance, notes="一", expected_version=0)
        with pytest.raises(ConflictError):
            meeting_record_minutes(meeting_id=meeting.pk, actor=commissioner, attendance=attendance, notes="二", expected_version=0)

    def test_who_writes_which_minutes(self, week, commissioner, secretary, leader, village_mediator, centre_staff):
        attendance = {person(commissioner).pk: AttendanceStatus.PRESENT}
        for outsider in (leader, village_mediator, secretary):
            with pytest.raises(PermissionDenied):
                meeting_record_minutes(meeting_id=week["consultation"].pk, actor=outsider, attendance=attendance, notes="x")
        with pytest.raises(PermissionDenied):
            meeting_record_minutes(meeting_id=week["veterans"].pk, actor=secretary, attendance=attendance, notes="x")
        # The branch secretary writes the branch's own meeting; staff write any.
        own = {person(secretary).pk: AttendanceStatus.PRESENT}
        meeting_record_minutes(meeting_id=week["branch"].pk, actor=secretary, attendance=own, notes="支部调度", chair=person(secretary))
        meeting_record_minutes(meeting_id=week["veterans"].pk, actor=centre_staff, attendance=attendance, notes="代为记录")
        assert Meeting.objects.filter(state=MeetingState.HELD).count() == 3  # with last week's

    def test_invitees_are_the_people_of_the_holding_and_invited_units(self, week, commissioner, centre_staff, police_officer, secretary, leader):
        names = set(meeting_invitees(week["consultation"]).values_list("name", flat=True))
        assert {"政法委员己", "综治中心丁", "民警辛"} <= names
        assert "支部书记庚" not in names
        assert set(meeting_invitees(week["branch"]).values_list("name", flat=True)) == {"支部书记庚"}


# ---------------------------------------------------------------- pages


def body(response):
    return response.content.decode()


@pytest.mark.django_db
class TestPages:
    def test_who_sees_the_meeting_list(self, client, week, centre_staff, leader, secretary, village_mediator):
        url = "/meetings/?when=upcoming"
        client.force_login(centre_staff)
        assert client.get(url).status_code == 200
        # Only meetings whose period has not ended are upcoming (today is long after March
        # 2026), so these fixtures are listed under the 'past' tab.
        past = set(re.findall(r'href="/meetings/(\d+)/"', body(client.get("/meetings/?when=past"))))
        assert str(week["consultation"].pk) in past and str(week["branch"].pk) in past
        client.force_login(leader)
        assert str(week["consultation"].pk) in body(client.get("/meetings/?when=past"))
        client.force_login(secretary)
        own = set(re.findall(r'href="/meetings/(\d+)/"', body(client.get("/meetings/?when=past"))))
        assert own == {str(m.pk) for m in Meeting.objects.filter(unit__name="东苑小区党支部")}
        client.force_login(village_mediator)
        assert client.get(url).status_code == 403
        assert client.get(f"/meetings/{week['consultation'].pk}/").status_code == 404

    def test_the_upcoming_tab_lists_this_period(self, client, org, centre_staff):
        meeting_schedule_period()
        client.force_login(centre_staff)
        page = body(client.get("/meetings/"))
        assert Meeting.objects.get(kind=MeetingKind.CONSULTATION).title in page
        filtered = body(client.get("/meetings/?when=upcoming&kind=bulletin"))
        assert Meeting.objects.get(kind=MeetingKind.BULLETIN).title in filtered
        assert Meeting.objects.get(kind=MeetingKind.CONSULTATION).title not in filtered

    def test_the_meeting_page_shows_the_live_agenda_with_links_to_cases(self, client, week, cases, centre_staff, leader):
        url = f"/meetings/{week['consultation'].pk}/"
        client.force_login(centre_staff)
        page = body(client.get(url))
        assert "实时生成" in page
        assert f'href="/cases/{cases["overdue"].pk}/"' in page and cases["overdue"].number in page
        assert 'action="/meetings/%d/minutes/"' % week["consultation"].pk in page
        client.force_login(leader)
        page = body(client.get(url))
        assert cases["overdue"].number in page and "/minutes/" not in page and "/prepare/" not in page

    def test_recording_minutes_and_a_decision_through_the_pages(self, client, week, cases, commissioner, village_mediator, org):
        meeting = week["consultation"]
        client.force_login(commissioner)
        form = client.get(f"/meetings/{meeting.pk}/")
        me = person(commissioner)
        assert f'name="p{me.pk}"' in body(form)
        response = client.post(
            f"/meetings/{meeting.pk}/minutes/",
            {
                "held_at": "2026-03-16T09:00",
                "location": "会商室",
                "chair": me.pk,
                "notes": "逐案研究超期案件。",
                "expected_version": meeting.version,
                f"p{me.pk}": "present",
            },
        )
        assert response.status_code == 302
        meeting.refresh_from_db()
        assert meeting.is_held and meeting.held_at == at(date(2026, 3, 16), 9)
        page = body(client.get(f"/meetings/{meeting.pk}/"))
        assert "会时存档" in page and "逐案研究超期案件。" in page

        owners = body(client.get(f"/meetings/{meeting.pk}/owners/?owner_unit={org.village_room.pk}"))
        assert f'value="{village_mediator.pk}"' in owners
        response = client.post(
            f"/meetings/{meeting.pk}/decisions/",
            {
                "title": "超期案件本周办结",
                "decision": "东村调解室对超期案件本周内办结。",
                "owner_unit": org.village_room.pk,
                "owner": village_mediator.pk,
                "working_days": 3,
                "cases": [cases["overdue"].pk],
                "case_numbers": cases["red"].number,
            },
        )
        assert response.status_code == 302, body(response)
        task = meeting.tasks.get()
        assert set(task.cases.all()) == {cases["overdue"], cases["red"]}
        assert task.number in body(client.get(f"/meetings/{meeting.pk}/"))

    def test_a_refused_minutes_post_comes_back_with_the_message(self, client, week, commissioner, leader):
        meeting = week["consultation"]
        client.force_login(commissioner)
        response = client.post(
            f"/meetings/{meeting.pk}/minutes/",
            {"held_at": "2026-03-16T09:00", "notes": "讨论", "expected_version": meeting.version},
        )
        assert response.status_code == 400 and "请至少登记一名出席人员" in body(response)
        client.force_login(leader)
        response = client.post(f"/meetings/{meeting.pk}/minutes/", {"notes": "x"})
        assert response.status_code == 403
        assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.SCHEDULED

    def test_nav_shows_the_right_entry(self, client, week, centre_staff, village_mediator):
        client.force_login(centre_staff)
        assert "会商督办" in body(client.get("/"))
        client.force_login(village_mediator)
        page = body(client.get("/"))
        assert "会商督办" not in page and 'href="/tasks/"' in page


@pytest.mark.django_db
def test_the_commissioner_is_offered_as_chair_of_the_weekly_consultation(client, week, commissioner, centre_staff):
    client.force_login(centre_staff)
    page = client.get(f"/meetings/{week['consultation'].pk}/").content.decode()
    assert re.search(rf'<option value="{person(commissioner).pk}" selected>政法委员己</option>', page)
