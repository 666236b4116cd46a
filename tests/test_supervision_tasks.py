"""督办 tasks (DESIGN §8, §10): each decision of a held meeting becomes a task with an owner unit
and person and a deadline in working days; it is tracked to completion; a deadline passed
without completion becomes ONE 不到位 incident against the owner unit and person, found by a
set-based sweep that is safe to run again, and at the same time."""

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.common.errors import ConflictError, IllegalTransition, PermissionDenied
from jiefen.meetings.models import Activity, ActivityKind, AttendanceStatus, Meeting, MeetingKind, SupervisionTask, TaskState
from jiefen.meetings.services import (
    decision_create_task,
    meeting_record_minutes,
    meeting_schedule_period,
    task_complete,
    task_record_progress,
    tasks_sweep,
)
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.organisation.models import Person, Role

from .casework import register
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures
from .conftest import _user

TZ = ZoneInfo("Asia/Shanghai")
HELD = date(2026, 9, 30)  # Wednesday before the National Day holiday (1–7 October 2026)


@pytest.fixture
def commissioner(org):
    return _user("zfwy", "政法委员己", (Role.POLITICAL_LEGAL_COMMISSIONER, org.centre, None))


@pytest.fixture
def room_member(org):
    """A second person of the village room (not the owner), who may also report progress."""
    return _user("roommate", "调解室同事", (Role.MEDIATOR, org.village_room, None))


@pytest.fixture
def held_meeting(org, commissioner):
    meeting_schedule_period(today=HELD)
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION)
    me = Person.objects.get(user=commissioner)
    meeting_record_minutes(
        meeting_id=meeting.pk,
        actor=commissioner,
        attendance={me.pk: AttendanceStatus.PRESENT},
        notes="研究节前矛盾纠纷排查化解。",
        chair=me,
        held_at=datetime(2026, 9, 30, 9, tzinfo=TZ),
    )
    return Meeting.objects.get(pk=meeting.pk)


@pytest.fixture
def new_task(held_meeting, commissioner, org, village_mediator):
    def make(**overrides):
        arguments = {
            "meeting_id": held_meeting.pk,
            "actor": commissioner,
            "decision": "节前对东村排水纠纷再调解一次，做通双方工作。",
            "title": "东村排水纠纷节前再调解",
            "owner_unit": org.village_room,
            "owner": village_mediator,
            "working_days": 5,
            "today": HELD,
        }
        arguments.update(overrides)
        return decision_create_task(**arguments)

    return make


def missed_incidents():
    return list(Incident.objects.filter(kind=IncidentKind.TASK_MISSED))


# ---------------------------------------------------------------- from decision to task


@pytest.mark.django_db
class TestDecisionToTask:
    def test_a_decision_becomes_a_numbered_task_with_a_working_day_deadline(
        self, new_task, held_meeting, org, village_mediator, commissioner, dispute_type, centre_staff
    ):
        case = register(org, dispute_type, centre_staff, on=HELD)
        task = new_task(cases=[case])
        # Five working days from Wednesday 30 September: 8, 9, 10 (调休 Saturday), 12, 13 October.
        assert task.deadline == date(2026, 10, 13)
        assert task.number == "测试督-2026-0001"
        assert (task.meeting, task.owner_unit, task.owner, task.state) == (held_meeting, org.village_room, village_mediator, TaskState.OPEN)
        assert list(task.cases.all()) == [case]
        assert new_task(cases=[]).number == "测试督-2026-0002"
        log = Activity.objects.filter(task=task).get()
        assert (log.kind, log.actor, log.meeting, log.data["cases"]) == (ActivityKind.TASK_CREATED, commissioner, held_meeting, [case.number])
        notice = Notification.objects.get(user=village_mediator, case=case, kind=NotificationKind.TASK)
        assert task.number in notice.message and notice.due_date == task.deadline and notice.link == f"/tasks/{task.pk}/"

    def test_a_deadline_given_as_a_holiday_moves_to_the_next_working_day(self, new_task):
        assert new_task(working_days=None, deadline=date(2026, 10, 3)).deadline == date(2026, 10, 8)
        assert new_task(working_days=None, deadline=date(2026, 10, 9)).deadline == date(2026, 10, 9)

    def test_only_a_held_meeting_hands_out_tasks(self, org, commissioner, village_mediator):
        meeting_schedule_period(today=HELD)
        meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION)
        with pytest.raises(IllegalTransition):
            decision_create_task(
                meeting_id=meeting.pk, actor=commissioner, decision="x", title="x", owner_unit=org.village_room, owner=village_mediator
            )
        assert not SupervisionTask.objects.exists()

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"decision": " "}, "decision"),
            ({"title": ""}, "title"),
            ({"working_days": 0}, "working_days"),
            ({"working_days": None, "deadline": date(2026, 9, 1)}, "deadline"),
        ],
    )
    def test_a_task_needs_a_decision_a_title_and_a_sensible_deadline(self, new_task, overrides, field):
        with pytest.raises(ValidationError) as excinfo:
            new_task(**overrides)
        assert field in excinfo.value.message_dict
        assert not SupervisionTask.objects.exists()

    def test_the_owner_must_hold_a_role_in_the_owner_unit(self, new_task, org, other_village_mediator):
        with pytest.raises(ValidationError) as excinfo:
            new_task(owner=other_village_mediator)
        assert "owner" in excinfo.value.message_dict
        assert not Notification.objects.exists()

    def test_only_meeting_writers_hand_out_tasks(self, new_task, leader, village_mediator):
        for user in (leader, village_mediator):
            with pytest.raises(PermissionDenied):
                new_task(actor=user)


# ---------------------------------------------------------------- progress and completion


@pytest.mark.django_db
class TestTracking:
    def test_progress_and_completion_by_the_owner_unit(self, new_task, village_mediator, room_member):
        task = new_task()
        task_record_progress(task_id=task.pk, actor=room_member, note="已联系双方，约定10月9日再调解。")
        task_record_progress(task_id=task.pk, actor=village_mediator, note="双方同意调解。")
        done = task_complete(task_id=task.pk, actor=village_mediator, result="已达成书面协议。", today=date(2026, 10, 9))
        assert (done.state, done.done_by, done.result, done.missed_on) == (TaskState.DONE, village_mediator, "已达成书面协议。", None)
        assert done.done_at is not None and not done.finished_late
        assert list(Activity.objects.filter(task=task).values_list("kind", "note")) == [
            (ActivityKind.TASK_CREATED, task.decision),
            (ActivityKind.TASK_PROGRESS, "已联系双方，约定10月9日再调解。"),
            (ActivityKind.TASK_PROGRESS, "双方同意调解。"),
            (ActivityKind.TASK_COMPLETED, "已达成书面协议。"),
        ]
        # Done is done: no more progress, no second completion, and the sweep has nothing to record.
        with pytest.raises(IllegalTransition):
            task_record_progress(task_id=task.pk, actor=village_mediator, note="补充")
        with pytest.raises(IllegalTransition):
            task_complete(task_id=task.pk, actor=village_mediator, result="again", today=date(2026, 10, 9))
        assert tasks_sweep(today=date(2026, 10, 20))["missed"] == 0
        assert missed_incidents() == []

    def test_outsiders_neither_report_nor_complete(self, new_task, other_village_mediator, leader, grid_worker, centre_staff):
        task = new_task()
        for user in (other_village_mediator, leader, grid_worker):
            with pytest.raises(PermissionDenied):
                task_record_progress(task_id=task.pk, actor=user, note="x")
            with pytest.raises(PermissionDenied):
                task_complete(task_id=task.pk, actor=user, result="x", today=HELD)
        # Subdistrict staff may close a task on the owner's behalf.
        task_complete(task_id=task.pk, actor=centre_staff, result="经核实已办结。", today=HELD)

    def test_completion_needs_a_result_and_a_fresh_form(self, new_task, village_mediator):
        task = new_task()
        with pytest.raises(ValidationError):
            task_complete(task_id=task.pk, actor=village_mediator, result=" ", today=HELD)
        with pytest.raises(ConflictError):
            task_complete(task_id=task.pk, actor=village_mediator, result="ok", expected_version=task.version + 1, today=HELD)
        assert SupervisionTask.objects.get(pk=task.pk).state == TaskState.OPEN


# ---------------------------------------------------------------- missed deadlines


@pytest.mark.django_db
class TestMissed:
    def test_a_missed_task_becomes_one_incident_against_the_owner_unit_and_person(self, new_task, org, village_mediator):
        task = new_task()  # due 13 October
        assert tasks_sweep(today=date(2026, 10, 13))["missed"] == 0  # due today is not late
        counts = tasks_sweep(today=date(2026, 10, 14))
        assert counts["missed"] == 1
        (incident,) = missed_incidents()
        assert (incident.unit, incident.responsible_user, incident.due_date, incident.detected_on, incident.assessment_year) == (
            org.village_room, village_mediator, date(2026, 10, 13), date(2026, 10, 14), 2026
        )
        assert incident.status == IncidentStatus.PENDING and incident.case is None
        assert incident.evidence == {"task_id": task.pk, "task_number": task.number, "title": task.title}
        task.refresh_from_db()
        assert (task.incident, task.missed_on, task.state) == (incident, date(2026, 10, 14), TaskState.OPEN)
        assert Activity.objects.filter(task=task, kind=ActivityKind.TASK_MISSED).count() == 1
        overdue = Notification.objects.get(user=village_mediator, kind=NotificationKind.OVERDUE)
        assert task.number in overdue.message

    def test_the_sweep_is_idempotent(self, new_task, village_mediator):
        new_task()
        new_task(working_days=1)  # due 8 October
        first = tasks_sweep(today=date(2026, 10, 14))
        assert first["missed"] == 2
        totals = (Incident.objects.count(), Notification.objects.count(), Activity.objects.count())
        for day in (date(2026, 10, 14), date(2026, 10, 15), date(2026, 12, 31), date(2027, 1, 4)):
            assert tasks_sweep(today=day) == {"missed": 0, "reminded": 0}
        assert (Incident.objects.count(), Notification.objects.count(), Activity.objects.count()) == totals
        assert len(missed_incidents()) == 2

    def test_finishing_late_keeps_the_incident_and_the_sweep_adds_none(self, new_task, village_mediator):
        task = new_task()
        tasks_sweep(today=date(2026, 10, 14))
        done = task_complete(task_id=task.pk, actor=village_mediator, result="迟办结。", today=date(2026, 10, 16))
        assert done.state == TaskState.DONE and done.finished_late
        assert len(missed_incidents()) == 1

    def test_a_miss_cured_before_the_sweep_noticed_is_still_recorded_once(self, new_task, village_mediator):
        task = new_task()
        task_complete(task_id=task.pk, actor=village_mediator, result="逾期一天办结。", today=date(2026, 10, 14))
        (incident,) = missed_incidents()
        assert SupervisionTask.objects.get(pk=task.pk).incident == incident
        assert tasks_sweep(today=date(2026, 10, 15))["missed"] == 0
        assert len(missed_incidents()) == 1

    def test_owners_are_reminded_once_the_working_day_before(self, new_task, village_mediator):
        task = new_task(working_days=3)  # 8, 9, 10 October: due on the 调休 Saturday
        assert task.deadline == date(2026, 10, 10)
        for day in (date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 8)):
            assert tasks_sweep(today=day)["reminded"] == 0
        assert tasks_sweep(today=date(2026, 10, 9))["reminded"] == 1
        assert tasks_sweep(today=date(2026, 10, 10))["reminded"] == 0
        (notice,) = Notification.objects.filter(user=village_mediator, kind=NotificationKind.DUE_SOON)
        assert task.number in notice.message and notice.due_date == date(2026, 10, 10)
        # A holiday in between: from 30 September the next working day is 8 October.
        soon = new_task(working_days=1)
        assert soon.deadline == date(2026, 10, 8)
        assert tasks_sweep(today=date(2026, 9, 30))["reminded"] == 1

    def test_the_sweep_costs_the_same_few_queries_for_many_tasks(self, new_task):
        for _i in range(2):
            new_task()
        with CaptureQueriesContext(connection) as few:
            tasks_sweep(today=date(2026, 10, 14))
        for _i in range(30):
            new_task()
        with CaptureQueriesContext(connection) as many:
            tasks_sweep(today=date(2026, 10, 14))
        assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sweeps_running_at_once_record_each_missed_task_once(concurrent_db, org, commissioner, village_mediator):  # noqa: F811
    meeting_schedule_period(today=HELD)
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION)
    me = Person.objects.get(user=commissioner)
    meeting_record_minutes(
        meeting_id=meeting.pk, actor=commissioner, attendance={me.pk: AttendanceStatus.PRESENT}, notes="会商", held_at=datetime(2026, 9, 30, 9, tzinfo=TZ)
    )
    for index in range(5):
        decision_create_task(
            meeting_id=meeting.pk,
            actor=commissioner,
            decision=f"决定{index}",
            title=f"事项{index}",
            owner_unit=org.village_room,
            owner=village_mediator,
            working_days=index + 1,
            today=HELD,
        )
    outcomes = concurrent_db.run(*[(lambda: tasks_sweep(today=date(2026, 10, 20))) for _i in range(3)])
    errors = [error for _result, error in outcomes if error is not None]
    assert not errors, errors
    assert sum(result["missed"] for result, _error in outcomes) == 5
    assert Incident.objects.filter(kind=IncidentKind.TASK_MISSED).count() == 5
    assert set(SupervisionTask.objects.values_list("incident_id", flat=True)) == set(
        Incident.objects.filter(kind=IncidentKind.TASK_MISSED).values_list("id", flat=True)
    )
    assert Notification.objects.filter(kind=NotificationKind.OVERDUE).count() == 5


# ---------------------------------------------------------------- pages


def body(response):
    return response.content.decode()


@pytest.fixture
def late_november():
    """The pages judge 'overdue' by today: pin today to 27 November 2026, after every deadline here."""
    moment = datetime(2026, 11, 27, 10, tzinfo=TZ).astimezone(ZoneInfo("UTC"))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("late_november")
class TestPages:
    def test_the_owner_sees_the_task_under_mine_with_an_overdue_badge(self, client, new_task, village_mediator, other_village_mediator, centre_staff):
        task = new_task()  # due 13 October 2026
        client.force_login(village_mediator)
        mine = body(client.get("/tasks/"))
        assert task.number in mine and "已超期" in mine
        assert task.number in body(client.get("/tasks/?which=unit"))
        assert task.number in body(client.get("/tasks/?which=mine&state=open&overdue=on"))
        assert task.number not in body(client.get("/tasks/?which=mine&state=done"))
        # "All" is for staff and leaders; for others it falls back to their own.
        assert "?which=all" not in mine
        client.force_login(other_village_mediator)
        assert task.number not in body(client.get("/tasks/?which=all"))
        assert client.get(f"/tasks/{task.pk}/").status_code == 404
        client.force_login(centre_staff)
        page = body(client.get("/tasks/"))
        assert task.number in page and "?which=all" in page

    def test_progress_and_completion_through_the_task_page(self, client, new_task, village_mediator, leader):
        task = new_task()
        client.force_login(leader)
        page = body(client.get(f"/tasks/{task.pk}/"))
        assert task.title in page and f"/tasks/{task.pk}/progress/" not in page
        assert client.post(f"/tasks/{task.pk}/complete/", {"result": "x", "expected_version": task.version}).status_code == 403
        client.force_login(village_mediator)
        assert f"/tasks/{task.pk}/progress/" in body(client.get(f"/tasks/{task.pk}/"))
        assert client.post(f"/tasks/{task.pk}/progress/", {"note": "已约双方面谈。"}).status_code == 302
        refused = client.post(f"/tasks/{task.pk}/complete/", {"result": " ", "expected_version": task.version})
        assert refused.status_code == 400
        done = client.post(f"/tasks/{task.pk}/complete/", {"result": "已化解。", "expected_version": task.version})
        assert done.status_code == 302
        page = body(client.get(f"/tasks/{task.pk}/"))
        assert "已约双方面谈。" in page and "已化解。" in page and "已办结" in page and "/complete/" not in page
        # Completed on 27 November, long after the deadline: late, with its incident.
        assert "逾期办结" in page and "已记入不到位情形" in page
