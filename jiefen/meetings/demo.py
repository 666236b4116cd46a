"""The demo's meetings (演示数据，均为虚构): the last six weeks of the meeting rhythm of 古湖街道(演示),
with minutes, decisions handed out as 督办 tasks (most done, some late, some missed and so
recorded as 不到位), and a few 三联三议 deliberations.

Like the cases, everything goes through the services with the clock set to the simulated
moment, and the 督办 sweep runs once per simulated day, so the records are what the system
would have written. Called at the end of the demo build; removed by `meetings_demo_reset`.
"""

import heapq
import itertools
import random
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

from django.db import connection

from jiefen.assessment.models import Incident
from jiefen.cases.models import Case, CaseState
from jiefen.organisation.models import Person

from .models import (
    Activity,
    AttendanceStatus,
    Deliberation,
    Meeting,
    MeetingKind,
    SanlianRole,
    SupervisionTask,
    TaskNumberSequence,
)

WEEKS = 6
SEED = 20260412 + 41

NOTES = {
    MeetingKind.CONSULTATION: [
        "逐案研究本周新登记纠纷和红色、橙色风险纠纷；对超期案件逐一分析原因，明确责任单位和办结时限。",
        "听取各村(社区)排查情况汇报；研究上报街道的案件，两所一庭提出法律意见；部署节前矛盾纠纷集中排查。",
        "对群体性纠纷逐件研判，明确包案领导；对调解终止案件研究移送途径，防止矛盾上交。",
    ],
    MeetingKind.BULLETIN: [
        "通报各村(社区)双周受理、化解、超期情况和不到位情形；对超期较多的村(社区)进行提醒。",
        "通报调解成功率、协议履行率和矛盾不上交率；点评典型案例，交流经验做法。",
    ],
    MeetingKind.ANALYSIS: ["分析本月纠纷类型、来源渠道和区域分布，研判婚姻家庭、邻里、物业纠纷上升趋势，提出防范建议。"],
    MeetingKind.JOINT_CONFERENCE: ["派出所、司法所、人民法庭通报本季度警调、诉调、访调对接情况；研究重大疑难纠纷化解方案。"],
    MeetingKind.BRANCH_DISPATCH: ["支部书记调度本周小区矛盾纠纷排查情况，安排党员楼栋长入户走访。"],
    MeetingKind.BRANCH_ANALYSIS: ["支部研判本月小区矛盾纠纷情况，梳理物业服务、邻里噪音、停车等问题。"],
}
DECISIONS = [
    ("{title}限期化解", "{unit}对{number}（{title}）加大调解力度，限期化解；确有困难的及时上报。"),
    ("{title}包案跟进", "{unit}明确专人包案，每周向综治中心报告{number}（{title}）进展。"),
    ("{title}回访核实", "{unit}对{number}（{title}）当事人进行回访，核实协议履行情况，防止矛盾反弹。"),
    ("{title}联合调处", "{unit}会同司法所、派出所对{number}（{title}）开展联合调处。"),
]
PROGRESS = [
    "已与双方当事人电话沟通，约定本周面谈。",
    "已组织双方面对面调解一次，分歧缩小。",
    "已邀请村干部和乡贤参与调解。",
    "已联系司法所提供法律意见。",
]
RESULTS = [
    "经调解双方达成书面协议，已签字生效。",
    "已完成回访，当事人表示满意，协议正在履行。",
    "经联合调处，纠纷已化解。",
    "已明确包案人，案件按期推进。",
]
SANLIAN = [
    ("电梯长期停运与物业费缴纳", "业主反映小区电梯多次停运，部分业主以此拒缴物业费，双方矛盾激化。", "物业公司十日内完成电梯维修并公示维修费用；业委会组织业主代表监督；支部党员带头按时缴费。"),
    ("地下车库停车位分配", "车位少于车辆数，业主对车位租售方案意见较大。", "车位优先出租给本小区业主，租金按原标准执行；业委会牵头制定轮换方案并公示七日。"),
    ("小区公共收益公开", "业主要求公开广告位、场地出租等公共收益的收支情况。", "物业公司每季度公示公共收益收支；业委会聘请第三方审计；支部跟踪落实。"),
    ("高空抛物与楼道堆物整治", "多名业主反映高空抛物和楼道堆放杂物，存在安全隐患。", "物业加装监控并每周巡查；业委会发布倡议书；党员楼栋长包楼栋劝导。"),
]


class _Clock:
    def __init__(self):
        self.moment = None

    def __call__(self):
        return self.moment.astimezone(dt_timezone.utc)

    def set(self, moment):
        self.moment = moment


def demo_meetings(builder) -> dict:
    """Build the demo's meetings, tasks and deliberations; returns counts."""
    from .services import (
        decision_create_task,
        deliberation_create,
        deliberation_record,
        meeting_record_minutes,
        meeting_schedule_period,
        task_complete,
        task_record_progress,
        tasks_sweep,
    )
    from .selectors import meeting_invitees

    rng = random.Random(SEED)
    tz = builder.tz
    now = builder.now
    today = now.date()
    staff = builder.users["zongzhi"]
    clock = _Clock()
    sub = builder.subdistrict
    counts = {"meetings": 0, "held": 0, "tasks": 0, "deliberations": 0}

    def at(day, hour, minute=0):
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    def owner_for(case):
        users = builder.mediators.get(case.assigned_unit_id) or []
        for login in ("cuntiao", "jietiao"):
            if builder.users[login] in users and rng.random() < 0.8:
                return builder.users[login]
        mediator = builder.users_by_id.get(case.mediator_id)
        if mediator in users:
            return mediator
        return rng.choice(users) if users else None

    first_day = today - timedelta(days=7 * WEEKS)
    planned_tasks = []

    def hold(meeting, held_at):
        """Record the minutes at the meeting's end; a 会商 hands out one to three 督办 tasks."""
        branch = meeting.kind in (MeetingKind.BRANCH_DISPATCH, MeetingKind.BRANCH_ANALYSIS)
        clock.set(held_at + timedelta(hours=2))
        invitees = list(meeting_invitees(meeting))
        attendance = {}
        for person in invitees:
            roll = rng.random()
            attendance[person.pk] = (
                AttendanceStatus.PRESENT if roll < 0.82 else AttendanceStatus.EXCUSED if roll < 0.95 else AttendanceStatus.ABSENT
            )
        chair = _chair(meeting, invitees)
        if chair is not None:
            attendance[chair.pk] = AttendanceStatus.PRESENT
        if not any(status == AttendanceStatus.PRESENT for status in attendance.values()):
            return []
        meeting_record_minutes(
            meeting_id=meeting.pk,
            actor=staff,
            attendance=attendance,
            notes=rng.choice(NOTES[meeting.kind]),
            chair=chair,
            location="综治中心会商室" if not branch else f"{meeting.unit.area.name}党群服务站",
            held_at=held_at,
        )
        counts["held"] += 1
        if meeting.kind != MeetingKind.CONSULTATION:
            return []
        meeting.refresh_from_db()
        candidates = _discussed_cases(meeting)
        rng.shuffle(candidates)
        # The village mediator's demo login should have 督办 tasks of its own to look at.
        village_login = builder.users["cuntiao"]
        their_units = [unit_id for unit_id, users in builder.mediators.items() if village_login in users]
        if meeting.scheduled_on >= today - timedelta(days=14) and not SupervisionTask.objects.filter(owner=village_login).exists():
            theirs = (
                Case.objects.filter(assigned_unit_id__in=their_units, created_at__lte=clock())
                .exclude(state=CaseState.ARCHIVED)
                .select_related("assigned_unit")
                .order_by("-id")
                .first()
            )
            if theirs is not None:
                candidates = [theirs] + [c for c in candidates if c.id != theirs.id]
        tasks = []
        for case in candidates[: rng.randint(1, 3)]:
            owner = owner_for(case)
            if owner is None:
                continue
            title, text = rng.choice(DECISIONS)
            words = {"number": case.number, "title": case.title, "unit": case.assigned_unit.name}
            tasks.append(
                decision_create_task(
                    meeting_id=meeting.pk,
                    actor=staff,
                    decision=text.format(**words),
                    title=title.format(**words)[:120],
                    owner_unit=case.assigned_unit,
                    owner=owner,
                    working_days=rng.choice([3, 5, 5, 7, 10]),
                    cases=[case],
                    today=meeting.scheduled_on,
                )
            )
        counts["tasks"] += len(tasks)
        planned_tasks.extend(tasks)
        return tasks

    def plan_task(task, held_at):
        """About two in three done in time, a few late, the rest left open (and, once their
        deadline passes, recorded by the sweep as 不到位)."""
        roll = rng.random()
        span = max((task.deadline - held_at.date()).days, 1)
        progress_day = held_at.date() + timedelta(days=rng.randint(1, span))
        if progress_day <= today:
            later(at(progress_day, 10, rng.randint(0, 59)), "progress", task)
        if roll < 0.65:
            done_day = min(held_at.date() + timedelta(days=rng.randint(1, span)), today)
            later(at(done_day, 16, rng.randint(0, 59)), "done", task)
        elif roll < 0.8:
            done_day = task.deadline + timedelta(days=rng.randint(2, 5))
            if done_day < today:
                later(at(done_day, 16, rng.randint(0, 59)), "done", task)
    with mock.patch("django.utils.timezone.now", new=clock):
        day = first_day
        while day <= today:
            clock.set(at(day, 7))
            counts["meetings"] += len(meeting_schedule_period(today=day, subdistrict=sub))
            day += timedelta(days=1)

        # Everything else happens in time order, with the 督办 sweep once a day, so each
        # meeting's frozen agenda shows the earlier tasks as they stood that day.
        queue, sequence = [], itertools.count()

        def later(moment, what, payload):
            heapq.heappush(queue, (moment, next(sequence), what, payload))

        for meeting in Meeting.objects.filter(subdistrict=sub, scheduled_on__lt=today).select_related("unit__area").order_by("scheduled_on", "id"):
            branch = meeting.kind in (MeetingKind.BRANCH_DISPATCH, MeetingKind.BRANCH_ANALYSIS)
            # Branches sometimes let a week slip; the subdistrict's meetings are always held.
            if branch and rng.random() < 0.3:
                continue
            later(at(meeting.scheduled_on, 9 if not branch else 15, rng.choice([0, 0, 30])), "hold", meeting)

        sweep_day = first_day
        while queue:
            moment, _seq, what, payload = heapq.heappop(queue)
            while sweep_day <= moment.date() and sweep_day < today:
                clock.set(at(sweep_day, 0, 45))
                tasks_sweep(today=sweep_day)
                sweep_day += timedelta(days=1)
            if what == "hold":
                for task in hold(payload, moment):
                    plan_task(task, moment)
                continue
            clock.set(moment)
            if not SupervisionTask.objects.filter(pk=payload.pk, state="open").exists():
                continue  # finished before this progress note would have come
            if what == "progress":
                task_record_progress(task_id=payload.pk, actor=payload.owner, note=rng.choice(PROGRESS))
            else:
                task_complete(task_id=payload.pk, actor=payload.owner, result=rng.choice(RESULTS), today=moment.date())
        while sweep_day < today:
            clock.set(at(sweep_day, 0, 45))
            tasks_sweep(today=sweep_day)
            sweep_day += timedelta(days=1)

        counts["deliberations"] = _deliberations(builder, rng, clock, at, staff, deliberation_create, deliberation_record)
    # Today's sweep on the real clock, as the scheduler would run it; reminders older than two
    # weeks have been read, as with the cases.
    tasks_sweep(today=today)
    from django.db.models import F

    from jiefen.notifications.models import Notification

    Notification.objects.filter(
        user_id__in={task.owner_id for task in planned_tasks},
        message__startswith="督办任务",
        created_at__lt=now - timedelta(days=14),
        read_at__isnull=True,
    ).update(read_at=F("created_at") + timedelta(hours=3))
    return counts


def _chair(meeting, invitees):
    """政法委员 chairs the 会商; a branch secretary the branch's meetings; else the first invitee."""
    from jiefen.organisation.models import Role

    wanted = {
        MeetingKind.CONSULTATION: Role.POLITICAL_LEGAL_COMMISSIONER,
        MeetingKind.BRANCH_DISPATCH: Role.BRANCH_SECRETARY,
        MeetingKind.BRANCH_ANALYSIS: Role.BRANCH_SECRETARY,
    }.get(meeting.kind)
    if wanted is not None:
        person = Person.objects.filter(pk__in=[p.pk for p in invitees], roles__role=wanted).first()
        if person is not None:
            return person
    return invitees[0] if invitees else None


def _discussed_cases(meeting):
    ids = []
    for key in ("overdue", "red_orange", "escalated", "multi_department"):
        for section in meeting.agenda.get("sections", []):
            if section["key"] == key:
                ids += [row["id"] for row in section["cases"]]
    cases = Case.objects.filter(id__in=set(ids)).exclude(state=CaseState.ARCHIVED).select_related("assigned_unit")
    return sorted(cases, key=lambda case: case.id)


def _deliberations(builder, rng, clock, at, staff, deliberation_create, deliberation_record) -> int:
    from .services import sanlian_parties

    today = builder.now.date()
    made = 0
    compounds = [c for c in builder.sanlian_compounds if all(sanlian_parties(c).values())]
    for index, (subject, agenda, resolution) in enumerate(SANLIAN):
        if not compounds:
            break
        compound = compounds[index % len(compounds)]
        held = index < len(SANLIAN) - 1
        start = today - timedelta(days=(len(SANLIAN) - index) * 9) if held else today
        clock.set(at(start, 10))
        cases = list(
            Case.objects.filter(compound=compound, created_at__lte=clock()).exclude(state=CaseState.ARCHIVED).order_by("-needs_sanlian", "-id")[:2]
        )
        deliberation = deliberation_create(
            actor=staff,
            compound=compound,
            subject=subject,
            agenda=agenda,
            scheduled_on=start + timedelta(days=3 if held else 4),
            cases=cases,
            today=start,
        )
        made += 1
        if not held:
            continue
        held_on = start + timedelta(days=3)
        clock.set(at(held_on, 17))
        attendees = {}
        for party in deliberation.parties.select_related("unit"):
            person = Person.objects.filter(roles__unit=party.unit).order_by("id").first()
            title = {SanlianRole.BRANCH: "书记", SanlianRole.OWNERS: "主任", SanlianRole.PROPERTY: "项目经理"}[party.role]
            attendees[party.role] = (True, f"{person.name if person else ''}（{title}）")
        deliberation_record(
            deliberation_id=deliberation.pk,
            actor=staff,
            held_on=held_on,
            attendance=attendees,
            resolution=resolution,
            location=f"{compound.name}党群服务站",
            other_attendees=f"业主代表{rng.randint(3, 8)}人、网格员1人",
            today=held_on,
        )
    return made


def meetings_demo_reset(subdistrict) -> None:
    """Remove the demo's meetings, tasks and deliberations (called by demo_reset). The activity
    log is append-only, so its rows go with one DELETE scoped to the subdistrict."""
    table = connection.ops.quote_name(Activity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE subdistrict_id = %s", [subdistrict.pk])
    tasks = SupervisionTask.objects.filter(subdistrict=subdistrict)
    incident_ids = list(tasks.exclude(incident=None).values_list("incident_id", flat=True))
    tasks.delete()
    Incident.objects.filter(id__in=incident_ids).delete()
    Meeting.objects.filter(subdistrict=subdistrict).delete()
    Deliberation.objects.filter(subdistrict=subdistrict).delete()
    TaskNumberSequence.objects.filter(subdistrict=subdistrict).delete()


__all__ = ["demo_meetings", "meetings_demo_reset"]
