"""Business writes on meetings, 督办 tasks and 三联三议 deliberations.

Each service validates, writes and appends its Activity row in one transaction, locking the
row it changes; notifications are written in the same transaction, so a refused write leaves
no trace. `tasks_sweep` is set-based like the deadline sweep: a few statements however many
tasks there are, and running it again changes nothing.
"""

import uuid
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.common.errors import IllegalTransition, PermissionDenied
from jiefen.common.versioning import version_bump, version_check
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.notifications.outbox import outbox_enqueue_written_at
from jiefen.notifications.services import notify
from jiefen.organisation.models import Area, AreaKind, Person, RoleAssignment, Unit
from jiefen.workdays.services import add_working_days, next_working_day

from . import periods
from .access import deliberation_can_write, deliberation_can_write_for, meeting_can_write, task_can_act
from .models import (
    BRANCH_KINDS,
    CADENCE,
    RESPONSIBLE_UNIT_KIND,
    SANLIAN_UNIT_KIND,
    Activity,
    ActivityKind,
    Attendance,
    AttendanceStatus,
    Deliberation,
    DeliberationParty,
    DeliberationState,
    Meeting,
    MeetingKind,
    MeetingState,
    SanlianRole,
    SupervisionTask,
    TaskNumberSequence,
    TaskState,
)
from .selectors import meeting_agenda_compute


DEFAULT_TASK_WORKING_DAYS = 5
MAX_TASK_WORKING_DAYS = 120


def _log(*, subdistrict_id, kind, actor=None, meeting=None, task=None, deliberation=None, note="", data=None):
    return Activity.objects.create(
        subdistrict_id=subdistrict_id,
        kind=kind,
        actor=actor,
        meeting=meeting,
        task=task,
        deliberation=deliberation,
        note=note or "",
        data=data or {},
    )


def _user_name(user):
    return user.get_full_name() or user.username


# ---------------------------------------------------------------- scheduling


TITLES = {
    MeetingKind.CONSULTATION: _lazy("%(period)s矛盾纠纷会商"),
    MeetingKind.BULLETIN: _lazy("%(period)s矛盾纠纷工作通报"),
    MeetingKind.ANALYSIS: _lazy("%(period)s矛盾纠纷形势研判会"),
    MeetingKind.JOINT_CONFERENCE: _lazy("%(period)s政法工作联席会"),
    MeetingKind.BRANCH_DISPATCH: _lazy("%(unit)s%(period)s调度会"),
    MeetingKind.BRANCH_ANALYSIS: _lazy("%(unit)s%(period)s研判会"),
}


def meeting_title(kind: str, unit: Unit, period: periods.Period) -> str:
    return str(TITLES[kind]) % {"period": period.label, "unit": unit.name}


def _holding_units(subdistrict: Area, kind: str):
    unit_kind = RESPONSIBLE_UNIT_KIND[kind]
    units = Unit.objects.filter(kind=unit_kind, is_active=True)
    if kind in BRANCH_KINDS:
        # Every party branch of the subdistrict: compound branches and those of the whole subdistrict.
        return list(units.filter(area__subdistrict=subdistrict) | units.filter(area=subdistrict))
    return list(units.filter(area=subdistrict).order_by("id")[:1])


def meeting_schedule_period(*, today: date | None = None, subdistrict: Area | None = None) -> list[Meeting]:
    """Create the meetings of the periods `today` falls in, for every kind and holding unit.

    Idempotent: a meeting already there is left alone, and two schedulers racing to create
    the same one both end with one row (the unique constraint refuses the second, which then
    simply moves on). A period with no working day at all (a holiday week) gets no meeting;
    the next meeting's agenda covers everything since the last one held. Returns the meetings
    created by this call.
    """
    today = today or timezone.localdate()
    subdistricts = [subdistrict] if subdistrict else list(Area.objects.filter(kind=AreaKind.SUBDISTRICT))
    created = []
    for sub in subdistricts:
        for kind in MeetingKind.values:
            period = periods.period_containing(CADENCE[kind], today)
            scheduled_on = period.first_working_day()
            if scheduled_on is None:
                continue
            for unit in _holding_units(sub, kind):
                if Meeting.objects.filter(kind=kind, unit=unit, period_start=period.start).exists():
                    continue
                try:
                    with transaction.atomic():
                        meeting = Meeting.objects.create(
                            kind=kind,
                            subdistrict=sub,
                            unit=unit,
                            period_start=period.start,
                            period_end=period.end,
                            title=meeting_title(kind, unit, period),
                            scheduled_on=scheduled_on,
                        )
                        _log(
                            subdistrict_id=sub.id,
                            kind=ActivityKind.MEETING_SCHEDULED,
                            meeting=meeting,
                            data={"period_start": period.start.isoformat(), "period_end": period.end.isoformat()},
                        )
                except IntegrityError:
                    continue  # another scheduler created it a moment ago
                created.append(meeting)
    return created


# ---------------------------------------------------------------- agenda and minutes


def _lock_meeting(meeting_id: int) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("unit__area", "subdistrict").get(pk=meeting_id)


def meeting_prepare_agenda(*, meeting_id: int, actor=None, now: datetime | None = None) -> Meeting:
    """Assemble the agenda from live data and keep it on the meeting (with the time it was
    assembled), for circulation before the meeting. A held meeting's agenda never changes."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        if actor is not None and not meeting_can_write(actor, meeting):
            raise PermissionDenied(_("您无权筹备该会议。"))
        if meeting.is_held:
            raise IllegalTransition(_("会议已召开，议程已存档，不能再更新。"))
        meeting.agenda = meeting_agenda_compute(meeting, now=now)
        meeting.agenda_at = now
        version_bump(meeting)
        _log(
            subdistrict_id=meeting.subdistrict_id,
            kind=ActivityKind.AGENDA_PREPARED,
            actor=actor,
            meeting=meeting,
            data={s["key"]: s["count"] for s in meeting.agenda["sections"]},
        )
    return meeting


def meeting_record_minutes(
    *,
    meeting_id: int,
    actor,
    attendance: dict,
    notes: str,
    chair: Person | None = None,
    location: str = "",
    held_at: datetime | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Record that the meeting was held: who attended (present, absent or excused), who
    chaired, what was discussed. The first time, the agenda is frozen as it stands, so the
    minutes read the same in a year; later calls amend attendance and notes only.

    `attendance` maps Person ids to an AttendanceStatus.
    """
    now = now or timezone.now()
    held_at = held_at or now
    notes = (notes or "").strip()
    location = (location or "").strip()
    errors = {}
    if not notes:
        errors["notes"] = _("请填写会议讨论情况。")
    clean = {}
    for person_id, status in (attendance or {}).items():
        if status not in AttendanceStatus.values:
            errors["attendance"] = _("出席情况只能是出席、缺席或请假。")
            break
        clean[int(person_id)] = status
    if not any(status == AttendanceStatus.PRESENT for status in clean.values()):
        errors["attendance"] = _("请至少登记一名出席人员。")
    if chair is not None and clean.get(chair.pk) != AttendanceStatus.PRESENT:
        errors["chair"] = _("主持人应登记为出席。")
    if held_at > now:
        errors["held_at"] = _("召开时间不能晚于现在。")
    if errors:
        raise ValidationError(errors)
    known = set(Person.objects.filter(pk__in=clean, is_active=True).values_list("pk", flat=True))
    if known != set(clean):
        raise ValidationError({"attendance": _("参会人员中有不存在或已离岗的人员。")})

    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        if not meeting_can_write(actor, meeting):
            raise PermissionDenied(_("您无权记录该会议的纪要。"))
        version_check(meeting, expected_version, _("会议"))
        if timezone.localtime(held_at).date() < meeting.period_start:
            raise ValidationError({"held_at": _("召开时间早于会议所属周期。")})
        first = not meeting.is_held
        if first:
            # The snapshot is taken now, before the meeting is marked held, so it shows the
            # cases as they stood when the meeting sat.
            meeting.agenda = meeting_agenda_compute(meeting, now=now)
            meeting.agenda_at = now
            meeting.state = MeetingState.HELD
            meeting.held_at = held_at
        before = {a.person_id: a.status for a in meeting.attendance.all()}
        meeting.notes = notes
        meeting.chair = chair
        meeting.location = location
        meeting.recorded_by = actor
        version_bump(meeting)
        Attendance.objects.filter(meeting=meeting).exclude(person_id__in=clean).delete()
        for person_id, status in clean.items():
            Attendance.objects.update_or_create(meeting=meeting, person_id=person_id, defaults={"status": status})
        counts = {status: sum(1 for s in clean.values() if s == status) for status in AttendanceStatus.values}
        _log(
            subdistrict_id=meeting.subdistrict_id,
            kind=ActivityKind.MINUTES_RECORDED if first else ActivityKind.MINUTES_AMENDED,
            actor=actor,
            meeting=meeting,
            data={"attendance": counts, "changed": {str(k): v for k, v in clean.items() if before.get(k) != v}},
        )
    return meeting


# ---------------------------------------------------------------- 督办 tasks


def _next_task_number(subdistrict: Area, year: int) -> str:
    sequence, _created = TaskNumberSequence.objects.select_for_update().get_or_create(subdistrict=subdistrict, year=year)
    TaskNumberSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    sequence.refresh_from_db()
    prefix = subdistrict.code or subdistrict.name
    return f"{prefix}督-{year}-{sequence.last_value:04d}"


def _unit_in_subdistrict(unit: Unit, subdistrict_id: int) -> bool:
    return unit.area_id == subdistrict_id or unit.area.subdistrict_id == subdistrict_id


def task_deadline(start: date, *, working_days: int | None = None, deadline: date | None = None) -> date:
    """A deadline counted in working days from `start`, or a date given outright, moved to the
    next working day if it falls on a holiday."""
    if deadline is not None:
        return next_working_day(deadline)
    return add_working_days(start, int(working_days or DEFAULT_TASK_WORKING_DAYS))


def decision_create_task(
    *,
    meeting_id: int,
    actor,
    decision: str,
    title: str,
    owner_unit: Unit,
    owner,
    working_days: int | None = None,
    deadline: date | None = None,
    cases=(),
    today: date | None = None,
) -> SupervisionTask:
    """Turn a decision of a held meeting into a 督办 task with an owner unit and person and a
    deadline (working days from today, or a date), linked to cases if given; the owner is told."""
    today = today or timezone.localdate()
    decision, title = (decision or "").strip(), (title or "").strip()
    errors = {}
    if not decision:
        errors["decision"] = _("请填写会议决定事项。")
    if not title:
        errors["title"] = _("请填写督办事项的简要名称。")
    if working_days is not None and not 1 <= int(working_days) <= MAX_TASK_WORKING_DAYS:
        errors["working_days"] = _("办理时限应在1至%(max)s个工作日之间。") % {"max": MAX_TASK_WORKING_DAYS}
    if deadline is not None and deadline < today:
        errors["deadline"] = _("办结期限不能早于今天。")
    if owner_unit is None:
        errors["owner_unit"] = _("请选择责任单位。")
    if owner is None:
        errors["owner"] = _("请选择责任人。")
    if errors:
        raise ValidationError(errors)
    if not RoleAssignment.objects.filter(
        person__user=owner, person__is_active=True, unit=owner_unit
    ).exists() or not owner.is_active:
        raise ValidationError({"owner": _("%(name)s不在%(unit)s任职，不能作为该单位的责任人。") % {"name": _user_name(owner), "unit": owner_unit.name}})
    cases = list(cases)

    with transaction.atomic():
        meeting = _lock_meeting(meeting_id)
        if not meeting_can_write(actor, meeting):
            raise PermissionDenied(_("您无权为该会议交办督办任务。"))
        if not meeting.is_held:
            raise IllegalTransition(_("会议记录纪要后才能把决定事项交办为督办任务。"))
        if not _unit_in_subdistrict(owner_unit, meeting.subdistrict_id):
            raise ValidationError({"owner_unit": _("责任单位不属于本街道。")})
        if any(case.subdistrict_id != meeting.subdistrict_id for case in cases):
            raise ValidationError({"cases": _("关联案件不属于本街道。")})
        task = SupervisionTask.objects.create(
            number=_next_task_number(meeting.subdistrict, today.year),
            subdistrict_id=meeting.subdistrict_id,
            meeting=meeting,
            title=title,
            decision=decision,
            owner_unit=owner_unit,
            owner=owner,
            deadline=task_deadline(today, working_days=working_days, deadline=deadline),
            created_by=actor,
        )
        if cases:
            task.cases.set(cases)
        _log(
            subdistrict_id=meeting.subdistrict_id,
            kind=ActivityKind.TASK_CREATED,
            actor=actor,
            meeting=meeting,
            task=task,
            note=decision,
            data={
                "owner_unit": owner_unit.name,
                "owner": _user_name(owner),
                "deadline": task.deadline.isoformat(),
                "cases": [case.number for case in cases],
            },
        )
        notify(
            [owner],
            kind=NotificationKind.TASK,
            case=cases[0] if len(cases) == 1 else None,
            link=reverse("meetings:task_detail", args=[task.pk]),
            due_date=task.deadline,
            message=_("督办任务 %(number)s：%(title)s，请于%(deadline)s前办结。")
            % {"number": task.number, "title": title, "deadline": task.deadline.isoformat()},
        )
    return task


def _lock_task(task_id: int) -> SupervisionTask:
    return SupervisionTask.objects.select_for_update(of=("self",)).select_related("owner_unit").get(pk=task_id)


def task_record_progress(*, task_id: int, actor, note: str) -> Activity:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写办理进展。")})
    with transaction.atomic():
        task = _lock_task(task_id)
        if not task_can_act(actor, task):
            raise PermissionDenied(_("您不是该督办任务的责任单位人员，不能填报进展。"))
        if task.state != TaskState.OPEN:
            raise IllegalTransition(_("督办任务已办结，不能再填报进展。"))
        return _log(subdistrict_id=task.subdistrict_id, kind=ActivityKind.TASK_PROGRESS, actor=actor, task=task, note=note)


def task_complete(*, task_id: int, actor, result: str, expected_version: int | None = None, today: date | None = None) -> SupervisionTask:
    """Mark a task done with its result. Done after the deadline is still done, and the miss
    stays on record: a deadline that ran out before the sweep noticed is recorded here."""
    today = today or timezone.localdate()
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": _("请填写办理结果。")})
    with transaction.atomic():
        task = _lock_task(task_id)
        if not task_can_act(actor, task):
            raise PermissionDenied(_("您不是该督办任务的责任单位人员，不能办结。"))
        version_check(task, expected_version, _("督办任务"))
        if task.state != TaskState.OPEN:
            raise IllegalTransition(_("督办任务已办结。"))
        if task.deadline < today and task.missed_on is None:
            _record_missed(task, today)
        task.state = TaskState.DONE
        task.done_at = timezone.now()
        task.done_by = actor
        task.result = result
        version_bump(task)
        _log(
            subdistrict_id=task.subdistrict_id,
            kind=ActivityKind.TASK_COMPLETED,
            actor=actor,
            task=task,
            note=result,
            data={"late": task.missed_on is not None},
        )
    return task


def _incident_stage(task_id) -> str:
    # The incident's `stage` names the task, so the incident is found from the task and the
    # sweep can link the two in one statement.
    return f"task-{task_id}"


def _record_missed(task: SupervisionTask, today: date) -> None:
    """The one-off form of what the sweep does for a set of tasks (caller holds the row lock)."""
    claim = uuid.uuid4().hex
    if not SupervisionTask.objects.filter(pk=task.pk, missed_claim="").update(missed_claim=claim, missed_on=today):
        return
    incident = Incident.objects.create(
        kind=IncidentKind.TASK_MISSED,
        unit_id=task.owner_unit_id,
        responsible_user_id=task.owner_id,
        stage=_incident_stage(task.pk),
        due_date=task.deadline,
        detected_on=today,
        assessment_year=today.year,
        status=IncidentStatus.PENDING,
        evidence={"task_id": task.pk, "task_number": task.number, "title": task.title},
    )
    SupervisionTask.objects.filter(pk=task.pk).update(incident=incident)
    task.missed_on, task.missed_claim, task.incident = today, claim, incident
    _log(subdistrict_id=task.subdistrict_id, kind=ActivityKind.TASK_MISSED, task=task, data={"deadline": task.deadline.isoformat()})


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def tasks_sweep(today: date | None = None) -> dict:
    """Find 督办 tasks whose deadline has passed unfinished, record each as ONE 不到位 incident
    against its owner unit and person, log it and tell the owner; remind owners of tasks due
    soon. Set-based, like the case deadline sweep: the same handful of statements for ten
    tasks or ten thousand.

    Each run claims the rows it handles by writing its own token into a claim column that must
    be empty (compare-and-set), then works only on rows carrying its token: a second run, or
    a concurrent one, finds nothing left to claim.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    soon = add_working_days(today, settings.JIEFEN_DUE_SOON_WORKING_DAYS)
    token = uuid.uuid4().hex
    task_t, incident_t, notice_t, activity_t = (
        _table(SupervisionTask),
        _table(Incident),
        _table(Notification),
        _table(Activity),
    )
    overdue_prefix, overdue_suffix = _("督办任务 %(number)s 已超过办结期限，已记入不到位情形，请尽快办结。").split("%(number)s")
    soon_prefix, soon_suffix = _("督办任务 %(number)s 即将到期，请按时办结。").split("%(number)s")
    # The incident's evidence names the task, built in SQL (the function's name differs).
    json_object = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {task_t} SET missed_claim = %s, missed_on = %s
                WHERE state = %s AND deadline < %s AND missed_claim = ''""",
            [token, today, TaskState.OPEN, today],
        )
        counts["missed"] = cursor.rowcount
        if counts["missed"]:
            cursor.execute(
                f"""INSERT INTO {incident_t}
                        (kind, case_id, unit_id, responsible_user_id, stage, due_date, detected_on,
                         assessment_year, status, evidence, created_at)
                    SELECT %s, NULL, t.owner_unit_id, t.owner_id, %s || CAST(t.id AS VARCHAR(20)), t.deadline, %s, %s, %s,
                           {json_object}('task_id', t.id, 'task_number', t.number, 'title', t.title), %s
                    FROM {task_t} t WHERE t.missed_claim = %s""",
                [IncidentKind.TASK_MISSED, "task-", today, today.year, IncidentStatus.PENDING, now, token],
            )
            cursor.execute(
                f"""UPDATE {task_t} SET incident_id = (
                        SELECT i.id FROM {incident_t} i
                        WHERE i.kind = %s AND i.case_id IS NULL AND i.stage = %s || CAST({task_t}.id AS VARCHAR(20)))
                    WHERE missed_claim = %s""",
                [IncidentKind.TASK_MISSED, "task-", token],
            )
            cursor.execute(
                f"""INSERT INTO {activity_t} (subdistrict_id, meeting_id, task_id, deliberation_id, kind, actor_id, at, note, data)
                    SELECT t.subdistrict_id, NULL, t.id, NULL, %s, NULL, %s, '', '{{}}'
                    FROM {task_t} t WHERE t.missed_claim = %s""",
                [ActivityKind.TASK_MISSED, now, token],
            )
            cursor.execute(
                f"""INSERT INTO {notice_t} (user_id, kind, case_id, message, due_date, created_at, read_at)
                    SELECT t.owner_id, %s, NULL, %s || t.number || %s, t.deadline, %s, NULL
                    FROM {task_t} t WHERE t.missed_claim = %s""",
                [NotificationKind.OVERDUE, overdue_prefix, overdue_suffix, now, token],
            )
        cursor.execute(
            f"""UPDATE {task_t} SET reminded_claim = %s
                WHERE state = %s AND deadline >= %s AND deadline <= %s AND reminded_claim = ''""",
            [token, TaskState.OPEN, today, soon],
        )
        counts["reminded"] = cursor.rowcount
        if counts["reminded"]:
            cursor.execute(
                f"""INSERT INTO {notice_t} (user_id, kind, case_id, message, due_date, created_at, read_at)
                    SELECT t.owner_id, %s, NULL, %s || t.number || %s, t.deadline, %s, NULL
                    FROM {task_t} t WHERE t.reminded_claim = %s""",
                [NotificationKind.DUE_SOON, soon_prefix, soon_suffix, now, token],
            )
        if counts["missed"] or counts["reminded"]:
            # Their email and webhook deliveries, in the same transaction and one statement.
            outbox_enqueue_written_at(cursor, created_at=now, kinds=[NotificationKind.OVERDUE, NotificationKind.DUE_SOON])
    return counts


# ---------------------------------------------------------------- 三联三议


def sanlian_parties(compound: Area) -> dict:
    """The compound's 党支部, 业委会 and 物业公司, found by the compound's area. A compound without
    its own party branch is served by one of its community's branches."""
    found = {}
    for role, kind in SANLIAN_UNIT_KIND.items():
        unit = Unit.objects.filter(area=compound, kind=kind, is_active=True).order_by("id").first()
        if unit is None and role == SanlianRole.BRANCH and compound.village_id:
            unit = Unit.objects.filter(area_id=compound.village_id, kind=kind, is_active=True).order_by("id").first()
        found[role] = unit
    return found


def deliberation_create(
    *, actor, compound: Area, subject: str, agenda: str, scheduled_on: date, cases=(), today: date | None = None
) -> Deliberation:
    today = today or timezone.localdate()
    subject, agenda = (subject or "").strip(), (agenda or "").strip()
    errors = {}
    if compound is None or compound.kind != AreaKind.COMPOUND:
        errors["compound"] = _("三联三议针对住宅小区，请选择小区。")
    if not subject:
        errors["subject"] = _("请填写议题。")
    if not agenda:
        errors["agenda"] = _("请填写议程与情况说明。")
    if scheduled_on is None:
        errors["scheduled_on"] = _("请填写计划召开日期。")
    elif scheduled_on < today:
        errors["scheduled_on"] = _("计划召开日期不能早于今天。")
    if errors:
        raise ValidationError(errors)
    cases = list(cases)
    if any(case.compound_id != compound.id for case in cases):
        raise ValidationError({"cases": _("关联案件应发生在该小区。")})
    if not deliberation_can_write_for(actor, compound):
        raise PermissionDenied(_("您无权组织该小区的三联三议。"))
    parties = sanlian_parties(compound)
    missing = [SanlianRole(role).label for role, unit in parties.items() if unit is None]
    if missing:
        raise ValidationError(
            {"compound": _("%(compound)s尚未登记%(missing)s，无法组织三联三议。请先在组织架构中补充。")
            % {"compound": compound.name, "missing": "、".join(str(m) for m in missing)}}
        )
    with transaction.atomic():
        deliberation = Deliberation.objects.create(
            subdistrict_id=compound.subdistrict_id,
            village_id=compound.village_id,
            compound=compound,
            subject=subject,
            agenda=agenda,
            scheduled_on=scheduled_on,
            created_by=actor,
        )
        DeliberationParty.objects.bulk_create(
            [DeliberationParty(deliberation=deliberation, role=role, unit=unit) for role, unit in parties.items()]
        )
        if cases:
            deliberation.cases.set(cases)
        _log(
            subdistrict_id=deliberation.subdistrict_id,
            kind=ActivityKind.DELIBERATION_PLANNED,
            actor=actor,
            deliberation=deliberation,
            note=subject,
            data={"cases": [case.number for case in cases], "scheduled_on": scheduled_on.isoformat()},
        )
    return deliberation


def deliberation_record(
    *,
    deliberation_id: int,
    actor,
    held_on: date,
    attendance: dict,
    resolution: str,
    location: str = "",
    other_attendees: str = "",
    expected_version: int | None = None,
    today: date | None = None,
) -> Deliberation:
    """Record a deliberation as held. All three parties must have been there: `attendance`
    maps each SanlianRole to (present, attendee name), and a party absent, or present with
    nobody named, refuses the record."""
    today = today or timezone.localdate()
    resolution = (resolution or "").strip()
    errors = {}
    if not resolution:
        errors["resolution"] = _("请填写议定事项。")
    if held_on is None:
        errors["held_on"] = _("请填写召开日期。")
    elif held_on > today:
        errors["held_on"] = _("召开日期不能晚于今天。")
    absent = []
    clean = {}
    for role in SanlianRole.values:
        present, attendee = (attendance or {}).get(role, (False, ""))
        attendee = (attendee or "").strip()
        clean[role] = (bool(present), attendee)
        if not present or not attendee:
            absent.append(str(SanlianRole(role).label))
    if absent:
        errors["attendance"] = _("三联三议须小区党支部、业主委员会、物业服务企业三方到会，%(absent)s未到会或未填写到会代表。") % {
            "absent": "、".join(absent)
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        deliberation = Deliberation.objects.select_for_update(of=("self",)).select_related("compound").get(pk=deliberation_id)
        if not deliberation_can_write(actor, deliberation):
            raise PermissionDenied(_("您无权记录该小区的三联三议。"))
        version_check(deliberation, expected_version, _("三联三议"))
        if deliberation.state == DeliberationState.HELD:
            raise IllegalTransition(_("该三联三议已记录为召开，不能重复记录。"))
        parties = {party.role: party for party in deliberation.parties.all()}
        if set(parties) != set(SanlianRole.values):
            raise ValidationError({"attendance": _("该三联三议缺少参加方，请重新发起。")})
        for role, (present, attendee) in clean.items():
            DeliberationParty.objects.filter(pk=parties[role].pk).update(present=present, attendee=attendee)
        deliberation.state = DeliberationState.HELD
        deliberation.held_on = held_on
        deliberation.resolution = resolution
        deliberation.location = (location or "").strip()
        deliberation.other_attendees = (other_attendees or "").strip()
        deliberation.recorded_by = actor
        version_bump(deliberation)
        _log(
            subdistrict_id=deliberation.subdistrict_id,
            kind=ActivityKind.DELIBERATION_HELD,
            actor=actor,
            deliberation=deliberation,
            note=resolution,
            data={"attendees": {role: attendee for role, (_p, attendee) in clean.items()}},
        )
    return deliberation


__all__ = [
    "meeting_schedule_period",
    "meeting_prepare_agenda",
    "meeting_record_minutes",
    "decision_create_task",
    "task_record_progress",
    "task_complete",
    "tasks_sweep",
    "deliberation_create",
    "deliberation_record",
    "sanlian_parties",
]
