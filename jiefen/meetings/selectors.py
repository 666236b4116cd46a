"""Reads for meetings: the agenda assembled from live data, lists, and the people to invite."""

from datetime import date, datetime, time

from django.db.models import Case as When_, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.assessment.models import Incident, IncidentKind
from jiefen.cases.models import Case, CaseState, RiskGrade, Tier
from jiefen.organisation.models import AreaKind, Person, Unit

from . import periods
from .access import deliberations_visible_to, meetings_visible_to, tasks_visible_to
from .models import (
    CADENCE,
    INVITED_UNIT_KINDS,
    Meeting,
    MeetingState,
    SupervisionTask,
    TaskState,
)

SECTION_LIMIT = 50

# The agenda's sections, in the order they are discussed (DESIGN §8).
SECTIONS = [
    ("new", _("上次会议以来新登记的纠纷")),
    ("red_orange", _("在办红色、橙色风险纠纷")),
    ("overdue", _("超期未办结的纠纷")),
    ("escalated", _("上报上一级及上交的纠纷")),
    ("multi_department", _("需多部门协同化解的纠纷")),
]
SECTION_TITLES = dict(SECTIONS)
# Why a case needs several departments; shown beside it in that section.
MULTI_REASONS = {
    "group": _("群体性"),
    "tier3": _("街道调委会调处"),
    "referral": _("已移送，跟踪处理"),
    "sanlian": _("三联三议"),
}


# ---------------------------------------------------------------- the agenda


def meeting_case_scope(meeting: Meeting):
    """The cases a meeting looks at: its subdistrict's, or for a party branch its own area's."""
    cases = Case.objects.filter(subdistrict_id=meeting.subdistrict_id)
    if not meeting.is_branch_meeting:
        return cases
    area = meeting.unit.area
    if area.kind == AreaKind.SUBDISTRICT:
        return cases
    if area.is_village_level:
        return cases.filter(village_id=area.id)
    if area.kind == AreaKind.GRID:
        return cases.filter(grid_id=area.id)
    return cases.filter(compound_id=area.id)


def meeting_previous_held(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(
            kind=meeting.kind, unit_id=meeting.unit_id, state=MeetingState.HELD, period_start__lt=meeting.period_start
        )
        .order_by("-period_start")
        .first()
    )


def meeting_since(meeting: Meeting) -> datetime:
    """New cases are those registered since the last meeting of the series was held; for the
    first meeting of a series, since the start of the period before this one."""
    previous = meeting_previous_held(meeting)
    if previous is not None and previous.held_at is not None:
        return previous.held_at
    start = periods.period_containing(CADENCE[meeting.kind], meeting.period_start).previous().start
    return timezone.make_aware(datetime.combine(start, time.min))


def _case_row(case: Case, **extra) -> dict:
    return {
        "id": case.id,
        "number": case.number,
        "title": case.title,
        "village": case.village.name,
        "unit": case.assigned_unit.name,
        "risk_grade": case.risk_grade,
        "state": case.state,
        "due_date": case.due_date.isoformat() if case.due_date else "",
        "is_overdue": case.is_overdue,
        **extra,
    }


def _section(key: str, queryset, row=_case_row) -> dict:
    total = queryset.count()
    rows = [row(case) for case in queryset.select_related("village", "assigned_unit")[:SECTION_LIMIT]]
    return {"key": key, "count": total, "cases": rows}


def _multi_reasons(case: Case) -> list:
    reasons = []
    if case.is_group:
        reasons.append("group")
    if case.tier == Tier.SUBDISTRICT_COMMITTEE:
        reasons.append("tier3")
    if case.state == CaseState.REFERRED_OUT:
        reasons.append("referral")
    if case.needs_sanlian:
        reasons.append("sanlian")
    return reasons


def meeting_agenda_compute(meeting: Meeting, *, now: datetime | None = None) -> dict:
    """The agenda as live data has it now, as a JSON-ready snapshot.

    A case may stand in several sections (a red case that is also overdue is discussed under
    both headings); each section lists at most SECTION_LIMIT cases and gives the full count.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = meeting_since(meeting)
    # Cases registered after `now` did not exist yet (matters when `now` is in the past).
    scope = meeting_case_scope(meeting).filter(created_at__lte=now)
    open_cases = scope.exclude(state=CaseState.ARCHIVED)
    risk_order = When_(
        When(risk_grade=RiskGrade.RED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    sections = [
        _section("new", scope.filter(created_at__gte=since).order_by("-created_at", "-id")),
        _section(
            "red_orange",
            open_cases.filter(risk_grade__in=[RiskGrade.RED, RiskGrade.ORANGE]).order_by(risk_order, "due_date", "id"),
        ),
        _section("overdue", open_cases.filter(is_overdue=True).order_by("due_date", "id")),
        _section(
            "escalated",
            open_cases.filter(Q(escalated_from_unit__isnull=False) | Q(state=CaseState.HANDED_UP)).order_by("-id"),
        ),
        _section(
            "multi_department",
            open_cases.filter(
                Q(is_group=True) | Q(tier=Tier.SUBDISTRICT_COMMITTEE) | Q(state=CaseState.REFERRED_OUT) | Q(needs_sanlian=True)
            ).order_by("-id"),
            row=lambda case: _case_row(case, reasons=_multi_reasons(case)),
        ),
    ]
    return {
        "computed_at": now.isoformat(),
        "since": since.isoformat(),
        "scope": meeting.unit.area.name if meeting.is_branch_meeting else meeting.subdistrict.name,
        "sections": sections,
        "tasks": _open_tasks(meeting, today),
        "incidents": [] if meeting.is_branch_meeting else _incidents_since(meeting, since, now),
    }


def _open_tasks(meeting: Meeting, today: date) -> list:
    """督办 tasks still open from earlier meetings: each meeting follows up on the last ones."""
    tasks = SupervisionTask.objects.filter(state=TaskState.OPEN, subdistrict_id=meeting.subdistrict_id)
    if meeting.is_branch_meeting:
        tasks = tasks.filter(Q(meeting__unit_id=meeting.unit_id) | Q(owner_unit_id=meeting.unit_id))
    if meeting.pk:
        tasks = tasks.exclude(meeting_id=meeting.pk)
    return [
        {
            "id": task.id,
            "number": task.number,
            "title": task.title,
            "owner_unit": task.owner_unit.name,
            "owner": task.owner.get_full_name() or task.owner.username,
            "deadline": task.deadline.isoformat(),
            "overdue": task.deadline < today,
        }
        for task in tasks.select_related("owner_unit", "owner").order_by("deadline", "id")[:SECTION_LIMIT]
    ]


def _incidents_since(meeting: Meeting, since: datetime, now: datetime) -> list:
    incidents = Incident.objects.filter(
        Q(unit__area_id=meeting.subdistrict_id) | Q(unit__area__subdistrict_id=meeting.subdistrict_id),
        created_at__gte=since,
        created_at__lte=now,
    ).select_related("unit", "case")
    return [
        {
            "id": incident.id,
            "kind": incident.kind,
            "unit": incident.unit.name,
            "case_id": incident.case_id,
            "case_number": incident.case.number if incident.case else "",
            "task": (incident.evidence or {}).get("task_number", ""),
            "due_date": incident.due_date.isoformat() if incident.due_date else "",
        }
        for incident in incidents.order_by("-id")[:SECTION_LIMIT]
    ]


def meeting_agenda(meeting: Meeting, *, now: datetime | None = None) -> dict:
    """What the meeting page shows: the frozen snapshot once held, live data until then."""
    if meeting.is_held and meeting.agenda:
        return meeting.agenda
    return meeting_agenda_compute(meeting, now=now)


def agenda_for_display(agenda: dict) -> dict:
    """The snapshot with labels in the reader's language, and dates as dates."""
    risk = dict(RiskGrade.choices)
    states = dict(CaseState.choices)
    kinds = dict(IncidentKind.choices)

    def day(value):
        return date.fromisoformat(value) if value else None

    sections = []
    for section in agenda.get("sections", []):
        cases = [
            {
                **row,
                "risk_label": risk.get(row["risk_grade"], row["risk_grade"]),
                "state_label": states.get(row["state"], row["state"]),
                "due": day(row.get("due_date")),
                "reason_labels": [MULTI_REASONS.get(r, r) for r in row.get("reasons", [])],
            }
            for row in section["cases"]
        ]
        sections.append(
            {
                "key": section["key"],
                "title": SECTION_TITLES.get(section["key"], section["key"]),
                "count": section["count"],
                "cases": cases,
                "more": section["count"] - len(cases),
            }
        )
    return {
        "computed_at": datetime.fromisoformat(agenda["computed_at"]) if agenda.get("computed_at") else None,
        "since": datetime.fromisoformat(agenda["since"]) if agenda.get("since") else None,
        "scope": agenda.get("scope", ""),
        "sections": sections,
        "tasks": [{**t, "deadline_date": day(t["deadline"])} for t in agenda.get("tasks", [])],
        "incidents": [
            {**i, "kind_label": kinds.get(i["kind"], i["kind"]), "due": day(i.get("due_date"))}
            for i in agenda.get("incidents", [])
        ],
    }


def agenda_case_ids(agenda: dict, key: str) -> list:
    for section in agenda.get("sections", []):
        if section["key"] == key:
            return [row["id"] for row in section["cases"]]
    return []


# ---------------------------------------------------------------- people


def meeting_invitees(meeting: Meeting):
    """People expected at the meeting: those holding a role in the holding unit, and for a
    subdistrict meeting in the invited units of the subdistrict (DESIGN §8)."""
    if meeting.is_branch_meeting:
        units = Unit.objects.filter(pk=meeting.unit_id)
    else:
        kinds = INVITED_UNIT_KINDS.get(meeting.kind, [])
        units = Unit.objects.filter(Q(pk=meeting.unit_id) | Q(kind__in=kinds, area_id=meeting.subdistrict_id), is_active=True)
    return Person.objects.filter(roles__unit__in=units, is_active=True).distinct().order_by("id")


def meeting_attendance_choices(meeting: Meeting):
    """Anyone the minutes may name: people of the subdistrict-level units and, for a party
    branch, of the units in the branch's area (the grid's 2,700 people are not offered)."""
    area = meeting.unit.area
    units = Unit.objects.filter(area_id=meeting.subdistrict_id)
    if meeting.is_branch_meeting and area.kind != AreaKind.SUBDISTRICT:
        units = units | Unit.objects.filter(Q(area_id=area.id) | Q(area__parent_id=area.id))
    return Person.objects.filter(roles__unit__in=units, is_active=True).distinct().order_by("name", "id")


def task_owner_units(subdistrict_id: int):
    return Unit.objects.filter(
        Q(area_id=subdistrict_id) | Q(area__subdistrict_id=subdistrict_id), is_active=True
    ).select_related("area")


# ---------------------------------------------------------------- lists


def meeting_list(user, *, when: str = "upcoming", kind: str = "", today: date | None = None, limit: int = 100):
    today = today or timezone.localdate()
    meetings = meetings_visible_to(user).select_related("unit", "subdistrict")
    if kind:
        meetings = meetings.filter(kind=kind)
    if when == "past":
        meetings = meetings.filter(Q(state=MeetingState.HELD) | Q(period_end__lt=today)).order_by("-scheduled_on", "-id")
    else:
        meetings = meetings.filter(state=MeetingState.SCHEDULED, period_end__gte=today).order_by("scheduled_on", "kind", "id")
    return list(meetings[:limit])


def task_list(user, *, which: str = "mine", state: str = "open", overdue: bool = False, today: date | None = None, limit: int = 200):
    from .access import access_for

    today = today or timezone.localdate()
    tasks = tasks_visible_to(user)
    if which == "mine":
        tasks = tasks.filter(owner_id=user.pk)
    elif which == "unit":
        tasks = tasks.filter(owner_unit_id__in=access_for(user).unit_ids)
    if state in TaskState.values:
        tasks = tasks.filter(state=state)
    if overdue:
        tasks = tasks.filter(state=TaskState.OPEN, deadline__lt=today)
    return list(tasks.select_related("owner_unit", "owner", "meeting").order_by("state", "deadline", "id")[:limit])


def deliberation_list(user, *, limit: int = 200):
    return list(
        deliberations_visible_to(user).select_related("compound", "village").order_by("-scheduled_on", "-id")[:limit]
    )
