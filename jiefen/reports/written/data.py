"""The lists a written report prints beside the figures: cases, meetings, 督办 tasks,
referrals, judicial confirmations and 不到位 incidents.

Figures (counts and rates of DESIGN §9) come from jiefen.reports.indicators and nowhere else.
The lists here use the same definitions where they meet a figure — the new cases of a period
are the cases registered in it (their count is the indicator's 新登记), the incidents are those
detected in it on the same cases, voided ones left out (the indicator's 不到位情形), the
confirmations are those decided in it (确认有效 is the indicator's 司法确认) — and the tests
check that each list agrees with its figure."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q
from django.utils import timezone

from jiefen.assessment.models import Incident, IncidentStatus
from jiefen.cases.models import Case, CaseEvent, CaseState, RiskGrade
from jiefen.documents.content import cn_date
from jiefen.organisation.models import Unit

from ..periods import Period

LIST_LIMIT = 60  # rows a printed list shows; the count above it is always the full one


def local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


@dataclass
class CaseList:
    count: int
    cases: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.cases)


def _listed(queryset) -> CaseList:
    queryset = queryset.select_related("village", "assigned_unit", "dispute_type")
    return CaseList(queryset.count(), list(queryset[:LIST_LIMIT]))


def new_cases(cases, period: Period) -> CaseList:
    start, end = period.bounds()
    return _listed(cases.filter(created_at__gte=start, created_at__lt=end).order_by("created_at", "id"))


def open_risk_cases(cases) -> CaseList:
    """Open (not archived) cases graded red or orange now, red first."""
    return _listed(
        cases.exclude(state=CaseState.ARCHIVED)
        .filter(risk_grade__in=[RiskGrade.RED, RiskGrade.ORANGE])
        .order_by("-risk_grade", "due_date", "id")  # "red" > "orange"
    )


def overdue_cases(cases) -> CaseList:
    """Open cases past their current limit now."""
    return _listed(cases.exclude(state=CaseState.ARCHIVED).filter(is_overdue=True).order_by("due_date", "id"))


RISK_WATCH_ORDER = ("-risk_grade", "created_at", "id")  # "red" > "orange"


def risk_watch_cases(cases, period: Period) -> CaseList:
    """Cases open at the end of the period (the indicator's 期末在办) that carry a risk: red or
    orange grade, risk of turning criminal, or a group dispute.

    Read as two sets that cannot overlap — open now, and closed after the end — each one range
    of the closure index: asked as one condition ("open now or closed after the end"), the
    database ranged over the registration date instead and read nearly every case of the
    subdistrict (about two seconds at a million cases). The count is one query over both sets;
    the rows listed are taken by id from the first rows of each set, in the report's order."""
    _start, end = period.bounds()
    risky = Q(risk_grade__in=[RiskGrade.RED, RiskGrade.ORANGE]) | Q(criminal_risk=True) | Q(is_group=True)
    halves = [
        cases.filter(risky, closed_at__isnull=True, created_at__lt=end).order_by(),
        cases.filter(risky, closed_at__gte=end, created_at__lt=end).order_by(),
    ]
    count = halves[0].values("pk").union(halves[1].values("pk"), all=True).count()
    if not count:
        return CaseList(0)
    first = (
        halves[0].values_list("id", "risk_grade", "created_at")
        .union(halves[1].values_list("id", "risk_grade", "created_at"), all=True)
        .order_by(*RISK_WATCH_ORDER)[:LIST_LIMIT]
    )
    ids = [row[0] for row in first]
    rows = cases.filter(pk__in=ids).select_related("village", "assigned_unit", "dispute_type").order_by(*RISK_WATCH_ORDER)
    return CaseList(count, list(rows))


@dataclass
class Escalation:
    case: Case
    action: str  # escalate | hand_up
    on: date
    reason: str


def escalations(cases, period: Period) -> list[Escalation]:
    """Cases escalated one tier (上报上一级) or handed up out of the subdistrict (上交) in the period."""
    start, end = period.bounds()
    events = (
        CaseEvent.objects.filter(case__in=cases, action__in=["escalate", "hand_up"], at__gte=start, at__lt=end)
        .select_related("case__village", "case__assigned_unit", "case__dispute_type")
        .order_by("at", "id")
    )
    return [Escalation(event.case, event.action, local_date(event.at), event.reason) for event in events[:LIST_LIMIT]]


# ---------------------------------------------------------------- incidents


def incidents(cases, period: Period):
    """不到位 incidents detected in the period on these cases, voided ones left out — the rows
    behind the indicator 不到位情形."""
    return (
        Incident.objects.filter(case__in=cases, detected_on__gte=period.start, detected_on__lte=period.end)
        .exclude(status=IncidentStatus.VOID)
        .select_related("unit", "case")
        .order_by("detected_on", "id")
    )


def units_of(subdistrict):
    return Unit.objects.filter(Q(area_id=subdistrict.pk) | Q(area__subdistrict_id=subdistrict.pk))


def other_incidents(subdistrict, period: Period):
    """Incidents without a case (a 督办 task missed …) against the subdistrict's units."""
    return (
        Incident.objects.filter(case__isnull=True, unit__in=units_of(subdistrict))
        .filter(detected_on__gte=period.start, detected_on__lte=period.end)
        .exclude(status=IncidentStatus.VOID)
        .select_related("unit")
        .order_by("detected_on", "id")
    )


def incidents_in_year_by_unit(subdistrict, year: int, until: date) -> list[dict]:
    """Confirmed and pending incidents of the assessment year up to `until`, per unit — what the
    cards of DESIGN §10 will be drawn from."""
    rows = (
        Incident.objects.filter(unit__in=units_of(subdistrict), assessment_year=year, detected_on__lte=until)
        .exclude(status=IncidentStatus.VOID)
        .order_by()
        .values("unit__name")
        .annotate(
            confirmed=Count("id", filter=Q(status=IncidentStatus.CONFIRMED)),
            pending=Count("id", filter=Q(status=IncidentStatus.PENDING)),
        )
    )
    return sorted(rows, key=lambda row: (-(row["confirmed"] + row["pending"]), row["unit__name"]))


# ---------------------------------------------------------------- the meeting of the week


@dataclass
class MeetingPack:
    meeting: object
    agenda: dict
    attendance: list
    decisions: list  # 督办 tasks created at this meeting
    carried: list  # open tasks of earlier meetings


def consultation_meetings(subdistrict, period: Period) -> list:
    """The subdistrict's weekly 会商 meetings of the period (the meetings app), with their
    agenda (frozen once held), attendance and the 督办 tasks decided; [] without the app."""
    try:
        from jiefen.meetings.models import Meeting, MeetingKind, SupervisionTask, TaskState
        from jiefen.meetings.selectors import agenda_for_display, meeting_agenda
    except ImportError:  # pragma: no cover - the meetings app is part of the project
        return []
    meetings = (
        Meeting.objects.filter(
            subdistrict=subdistrict, kind=MeetingKind.CONSULTATION, period_start__gte=period.start, period_start__lte=period.end
        )
        .select_related("unit", "chair")
        .order_by("period_start", "id")
    )
    packs = []
    for meeting in meetings:
        agenda = agenda_for_display(meeting_agenda(meeting))
        attendance = list(meeting.attendance.select_related("person").order_by("id"))
        decisions = list(meeting.tasks.select_related("owner_unit", "owner").order_by("id"))
        carried = list(
            SupervisionTask.objects.filter(subdistrict=subdistrict, state=TaskState.OPEN, meeting__period_start__lt=meeting.period_start)
            .select_related("owner_unit", "owner")
            .order_by("deadline", "id")[:LIST_LIMIT]
        )
        packs.append(MeetingPack(meeting, agenda, attendance, decisions, carried))
    return packs


# ---------------------------------------------------------------- 两所一庭


@dataclass
class ReferralRow:
    kind: str
    label: str
    incoming: int = 0
    outgoing: int = 0
    answered: int = 0
    late: int = 0  # feedback due by the period's end and not given by its due date


def referrals(cases, period: Period) -> list[ReferralRow]:
    """Referrals in and out (诉调、警调、访调对接, Art. 18) registered in the period."""
    from jiefen.mediation.models import Referral, ReferralDirection, ReferralKind

    found = {
        row["kind"]: row
        for row in Referral.objects.filter(case__in=cases, sent_on__gte=period.start, sent_on__lte=period.end)
        .order_by()
        .values("kind")
        .annotate(
            incoming=Count("id", filter=Q(direction=ReferralDirection.IN)),
            outgoing=Count("id", filter=Q(direction=ReferralDirection.OUT)),
            answered=Count("id", filter=Q(feedback_on__isnull=False, feedback_on__lte=period.end)),
            late=Count(
                "id",
                filter=Q(feedback_due__isnull=False, feedback_due__lte=period.end)
                & (Q(feedback_on__isnull=True) | Q(feedback_on__gt=F("feedback_due"))),
            ),
        )
    }
    rows = []
    for kind, label in ReferralKind.choices:
        values = found.get(kind, {})
        rows.append(
            ReferralRow(kind, str(label), values.get("incoming", 0), values.get("outgoing", 0), values.get("answered", 0), values.get("late", 0))
        )
    return rows


def police_reports(cases, period: Period) -> int:
    """民转刑风险报告 (Art. 25) made to the police in the period."""
    from jiefen.mediation.models import PoliceReport

    start, end = period.bounds()
    return PoliceReport.objects.filter(case__in=cases, reported_at__gte=start, reported_at__lt=end).count()


@dataclass
class Confirmations:
    applied: int
    by_outcome: list  # (label, count) of those decided in the period
    rows: list  # the confirmations decided in the period


def confirmations(cases, period: Period) -> Confirmations:
    from jiefen.mediation.models import ConfirmationOutcome, JudicialConfirmation

    base = JudicialConfirmation.objects.filter(agreement__case__in=cases)
    applied = base.filter(applied_on__gte=period.start, applied_on__lte=period.end).count()
    decided = base.filter(decided_on__gte=period.start, decided_on__lte=period.end)
    counts = dict(decided.order_by().values_list("outcome").annotate(n=Count("id")))
    outcomes = [
        (str(label), counts.get(value, 0))
        for value, label in ConfirmationOutcome.choices
        if value != ConfirmationOutcome.PENDING
    ]
    rows = list(decided.select_related("agreement__case", "court").order_by("decided_on", "id")[:LIST_LIMIT])
    return Confirmations(applied, outcomes, rows)


def case_date(case: Case) -> str:
    return cn_date(local_date(case.created_at))
