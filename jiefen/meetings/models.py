"""The meeting rhythm (定期会商, DESIGN §8), the 督办 tasks that meeting decisions become, and the
compound's 三联三议 deliberations (DESIGN §5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area, Person, Unit, UnitKind

from . import periods


class MeetingKind(models.TextChoices):
    CONSULTATION = "consultation", _("周会商")
    BULLETIN = "bulletin", _("双周通报")
    ANALYSIS = "analysis", _("月度研判")
    JOINT_CONFERENCE = "joint_conference", _("政法工作联席会")
    BRANCH_DISPATCH = "branch_dispatch", _("党支部周调度")
    BRANCH_ANALYSIS = "branch_analysis", _("党支部月研判")


# How often each kind meets, and which kind of unit holds it (DESIGN §8).
CADENCE = {
    MeetingKind.CONSULTATION: periods.WEEKLY,
    MeetingKind.BULLETIN: periods.BIWEEKLY,
    MeetingKind.ANALYSIS: periods.MONTHLY,
    MeetingKind.JOINT_CONFERENCE: periods.QUARTERLY,
    MeetingKind.BRANCH_DISPATCH: periods.WEEKLY,
    MeetingKind.BRANCH_ANALYSIS: periods.MONTHLY,
}
RESPONSIBLE_UNIT_KIND = {
    MeetingKind.CONSULTATION: UnitKind.GOVERNANCE_CENTRE,
    MeetingKind.BULLETIN: UnitKind.GOVERNANCE_CENTRE,
    MeetingKind.ANALYSIS: UnitKind.LEADING_GROUP,
    MeetingKind.JOINT_CONFERENCE: UnitKind.PARTY_WORKING_COMMITTEE,
    MeetingKind.BRANCH_DISPATCH: UnitKind.PARTY_BRANCH,
    MeetingKind.BRANCH_ANALYSIS: UnitKind.PARTY_BRANCH,
}
BRANCH_KINDS = (MeetingKind.BRANCH_DISPATCH, MeetingKind.BRANCH_ANALYSIS)
# Units whose people are expected at a subdistrict-level meeting, besides the holding unit.
INVITED_UNIT_KINDS = {
    MeetingKind.CONSULTATION: [
        UnitKind.GOVERNANCE_CENTRE,
        UnitKind.TASK_FORCE,
        UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE,
        UnitKind.JUSTICE_OFFICE,
        UnitKind.POLICE_STATION,
    ],
    MeetingKind.BULLETIN: [UnitKind.GOVERNANCE_CENTRE, UnitKind.GOVERNANCE_OFFICE, UnitKind.TASK_FORCE],
    MeetingKind.ANALYSIS: [UnitKind.LEADING_GROUP, UnitKind.GOVERNANCE_CENTRE, UnitKind.GOVERNANCE_OFFICE],
    MeetingKind.JOINT_CONFERENCE: [
        UnitKind.PARTY_WORKING_COMMITTEE,
        UnitKind.GOVERNANCE_CENTRE,
        UnitKind.POLICE_STATION,
        UnitKind.JUSTICE_OFFICE,
        UnitKind.PEOPLES_TRIBUNAL,
    ],
}


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    HELD = "held", _("已召开")


class Meeting(models.Model):
    """One meeting of a recurring kind, for one period, held by one unit.

    The scheduler creates it; the unique constraint makes that idempotent even when several
    schedulers race. Until it is held its agenda is computed from live data each time it is
    opened; when the minutes are recorded the agenda is frozen into `agenda`.
    """

    kind = models.CharField(_("会议类型"), max_length=30, choices=MeetingKind.choices)
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("召集单位"), on_delete=models.PROTECT, related_name="meetings")
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    title = models.CharField(_("会议名称"), max_length=160)
    scheduled_on = models.DateField(_("计划召开日期"))
    state = models.CharField(_("状态"), max_length=20, choices=MeetingState.choices, default=MeetingState.SCHEDULED)
    chair = models.ForeignKey(
        Person, verbose_name=_("主持人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.CharField(_("地点"), max_length=100, blank=True)
    held_at = models.DateTimeField(_("召开时间"), null=True, blank=True)
    notes = models.TextField(_("讨论情况"), blank=True)
    agenda = models.JSONField(_("议程"), default=dict, blank=True)
    agenda_at = models.DateTimeField(_("议程生成时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("纪要记录人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-period_start", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "unit", "period_start"], name="meeting_once_per_period"),
        ]
        indexes = [
            models.Index(fields=["subdistrict", "state", "scheduled_on"], name="meeting_sub_state_day"),
            models.Index(fields=["unit", "kind", "held_at"], name="meeting_unit_kind_held"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_held(self):
        return self.state == MeetingState.HELD

    @property
    def is_branch_meeting(self):
        return self.kind in BRANCH_KINDS


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    EXCUSED = "excused", _("请假")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("出席情况"), max_length=10, choices=AttendanceStatus.choices)
    note = models.CharField(_("备注"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("参会情况")
        verbose_name_plural = _("参会情况")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once_per_person")]

    def __str__(self):
        return f"{self.person} · {self.get_status_display()}"


class TaskState(models.TextChoices):
    OPEN = "open", _("办理中")
    DONE = "done", _("已办结")


class TaskNumberSequence(models.Model):
    """Last 督办 number issued per subdistrict and year; locked while a number is drawn."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("督办编号序列")
        verbose_name_plural = _("督办编号序列")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "year"], name="task_sequence_unique")]


class SupervisionTask(models.Model):
    """A 督办 task: a meeting decision with an owner unit and person and a deadline, tracked to
    completion. A deadline passed without completion is recorded once as a 不到位 incident."""

    number = models.CharField(_("督办编号"), max_length=40, unique=True, editable=False)
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("来源会议"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    title = models.CharField(_("督办事项"), max_length=120)
    decision = models.TextField(_("会议决定"))
    owner_unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="supervision_tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="supervision_tasks"
    )
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("关联案件"), blank=True, related_name="supervision_tasks"
    )
    deadline = models.DateField(_("办结期限"))
    state = models.CharField(_("状态"), max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("交办人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("交办时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.TextField(_("办理结果"), blank=True)
    # Written by the sweep with a compare-and-set on the claim column, so a missed deadline is
    # recorded once however often (and however many at once) the sweep runs.
    missed_on = models.DateField(_("认定超期日期"), null=True, blank=True)
    missed_claim = models.CharField(max_length=36, blank=True, editable=False)
    reminded_claim = models.CharField(max_length=36, blank=True, editable=False)
    incident = models.OneToOneField(
        "assessment.Incident",
        verbose_name=_("不到位情形"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_task",
    )
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("督办任务")
        verbose_name_plural = _("督办任务")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="task_state_deadline"),
            models.Index(fields=["owner", "state"], name="task_owner_state"),
            models.Index(fields=["owner_unit", "state"], name="task_unit_state"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self):
        return self.state == TaskState.OPEN

    def is_overdue_on(self, day) -> bool:
        return self.state == TaskState.OPEN and self.deadline < day

    @property
    def finished_late(self) -> bool:
        return self.state == TaskState.DONE and self.missed_on is not None


class DeliberationState(models.TextChoices):
    PLANNED = "planned", _("待召开")
    HELD = "held", _("已召开")


class SanlianRole(models.TextChoices):
    BRANCH = "branch", _("小区党支部")
    OWNERS = "owners", _("业主委员会")
    PROPERTY = "property", _("物业服务企业")


SANLIAN_UNIT_KIND = {
    SanlianRole.BRANCH: UnitKind.PARTY_BRANCH,
    SanlianRole.OWNERS: UnitKind.OWNERS_COMMITTEE,
    SanlianRole.PROPERTY: UnitKind.PROPERTY_COMPANY,
}


class Deliberation(models.Model):
    """A 三联三议 deliberation of a residential compound: its party branch, owners' committee and
    property company discuss an issue together; it counts as held only with all three present."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Area, verbose_name=_("社区(村)"), on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Area, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("议题"), max_length=120)
    agenda = models.TextField(_("议程与情况说明"))
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("关联案件"), blank=True, related_name="sanlian_deliberations"
    )
    scheduled_on = models.DateField(_("计划召开日期"))
    state = models.CharField(_("状态"), max_length=10, choices=DeliberationState.choices, default=DeliberationState.PLANNED)
    held_on = models.DateField(_("召开日期"), null=True, blank=True)
    location = models.CharField(_("地点"), max_length=100, blank=True)
    resolution = models.TextField(_("议定事项"), blank=True)
    other_attendees = models.CharField(_("其他参加人员"), max_length=300, blank=True, help_text=_("如业主代表、网格员、社区民警。"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("三联三议")
        verbose_name_plural = _("三联三议")
        ordering = ["-scheduled_on", "-id"]
        indexes = [models.Index(fields=["compound", "-scheduled_on"], name="deliberation_compound_day")]

    def __str__(self):
        return f"{self.compound} · {self.subject}"

    @property
    def is_held(self):
        return self.state == DeliberationState.HELD


class DeliberationParty(models.Model):
    deliberation = models.ForeignKey(Deliberation, verbose_name=_("三联三议"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("三方"), max_length=10, choices=SanlianRole.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    attendee = models.CharField(_("到会代表"), max_length=50, blank=True)
    present = models.BooleanField(_("到会"), default=False)

    class Meta:
        verbose_name = _("三联三议参加方")
        verbose_name_plural = _("三联三议参加方")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["deliberation", "role"], name="deliberation_party_once")]

    def __str__(self):
        return f"{self.get_role_display()} · {self.unit}"


class ActivityKind(models.TextChoices):
    MEETING_SCHEDULED = "meeting_scheduled", _("会议排期")
    AGENDA_PREPARED = "agenda_prepared", _("生成议程")
    MINUTES_RECORDED = "minutes_recorded", _("记录会议纪要")
    MINUTES_AMENDED = "minutes_amended", _("修改会议纪要")
    TASK_CREATED = "task_created", _("交办督办任务")
    TASK_PROGRESS = "task_progress", _("办理进展")
    TASK_COMPLETED = "task_completed", _("督办任务办结")
    TASK_MISSED = "task_missed", _("督办任务超期")
    DELIBERATION_PLANNED = "deliberation_planned", _("发起三联三议")
    DELIBERATION_HELD = "deliberation_held", _("记录三联三议")


class ActivityQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Meeting activity is append-only.")

    def delete(self):
        raise TypeError("Meeting activity is append-only.")


class Activity(models.Model):
    """Append-only audit of every write in this app: who, when, what; progress notes of a task
    are rows of this log too, so the task page's history and the audit trail are one list."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), null=True, blank=True, on_delete=models.PROTECT, related_name="activity"
    )
    task = models.ForeignKey(
        SupervisionTask, verbose_name=_("督办任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="activity"
    )
    deliberation = models.ForeignKey(
        Deliberation, verbose_name=_("三联三议"), null=True, blank=True, on_delete=models.PROTECT, related_name="activity"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=ActivityKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    note = models.TextField(_("内容"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("会商督办记录")
        verbose_name_plural = _("会商督办记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Meeting activity is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Meeting activity is append-only.")
