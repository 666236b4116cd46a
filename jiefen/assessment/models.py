from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    MISSED_LIMIT = "missed_limit", _("超过办理时限")
    HANDED_UP = "handed_up", _("矛盾上交")
    HELD_TIER_ESCALATED = "held_tier_escalated", _("应在本级化解而上交")
    MISSED_BY_SCREENING = "missed_by_screening", _("排查遗漏")
    TASK_MISSED = "task_missed", _("督办任务未完成")
    RECURRENCE = "recurrence", _("化解后复发")


class IncidentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已确认")
    VOID = "void", _("已撤销")


class Incident(models.Model):
    """A 不到位 incident counted against a unit and a person; reviewed by the leading group."""

    kind = models.CharField(_("类型"), max_length=30, choices=IncidentKind.choices)
    # Case, unit and liaison leader are each the first column of an index or constraint in
    # Meta, which serves their lookups; no single-column index of their own to write as well.
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents",
        db_index=False,
    )
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    liaison_leader = models.ForeignKey(
        "organisation.Person",
        verbose_name=_("联系领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_incidents",
        help_text=_("确认时按责任单位所在村(社区)或单位的联系领导填写。"),
        db_index=False,
    )
    stage = models.CharField(_("环节"), max_length=20, blank=True)
    due_date = models.DateField(_("应完成日期"), null=True, blank=True)
    detected_on = models.DateField(_("发现日期"))
    assessment_year = models.PositiveIntegerField(_("考核年度"))
    status = models.CharField(_("状态"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.PENDING)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.TextField(_("审核意见"), blank=True, default="", db_default="")
    version = models.PositiveIntegerField(_("版本"), default=1, db_default=1)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("不到位情形")
        verbose_name_plural = _("不到位情形")
        ordering = ["-id"]
        constraints = [
            # One missed limit is one incident, however often the sweep runs.
            models.UniqueConstraint(fields=["case", "kind", "stage", "due_date"], name="incident_once_per_limit"),
        ]
        indexes = [
            models.Index(fields=["unit", "assessment_year", "status"], name="incident_unit_year"),
            models.Index(fields=["liaison_leader", "assessment_year", "status"], name="incident_leader_year"),
            models.Index(fields=["status", "-id"], name="incident_review_queue"),
            models.Index(fields=["detected_on"], name="incident_detected"),  # the statistics of a period
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.unit}"


class IncidentAction(models.TextChoices):
    RECORDED = "recorded", _("记录")
    CONFIRMED = "confirmed", _("确认")
    VOIDED = "voided", _("撤销")
    APPEALED = "appealed", _("申诉")
    APPEAL_GRANTED = "appeal_granted", _("申诉成立")
    APPEAL_REJECTED = "appeal_rejected", _("申诉驳回")
    CARD_ISSUED = "card_issued", _("亮牌")
    CARD_WITHDRAWN = "card_withdrawn", _("撤牌")


class IncidentEvent(models.Model):
    """Append-only log of everything that happened to an incident: review, appeal, cards."""

    incident = models.ForeignKey(Incident, verbose_name=_("不到位情形"), on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("动作"), max_length=20, choices=IncidentAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("不到位情形记录")
        verbose_name_plural = _("不到位情形记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.incident_id} · {self.get_action_display()}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待决定")
    GRANTED = "granted", _("申诉成立")
    REJECTED = "rejected", _("申诉驳回")


class IncidentAppeal(models.Model):
    """申诉: the unit disputes an incident; the leading group decides."""

    incident = models.ForeignKey(Incident, verbose_name=_("不到位情形"), on_delete=models.PROTECT, related_name="appeals")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申诉人"), on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(_("状态"), max_length=20, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"], condition=Q(status="pending"), name="appeal_one_pending_per_incident"
            ),
        ]

    def __str__(self):
        return f"{self.incident} · {self.get_status_display()}"


class CardColour(models.TextChoices):
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")
    BLACK = "black", _("黑牌")


class CardPolicy(models.Model):
    """How many confirmed incidents in one assessment year earn each card, per subdistrict."""

    subdistrict = models.OneToOneField(
        "organisation.Area", verbose_name=_("街道"), on_delete=models.CASCADE, related_name="card_policy"
    )
    yellow_at = models.PositiveSmallIntegerField(_("黄牌（确认不到位次数）"), default=1)
    red_at = models.PositiveSmallIntegerField(_("红牌（确认不到位次数）"), default=2)
    black_at = models.PositiveSmallIntegerField(_("黑牌（确认不到位次数）"), default=3)

    class Meta:
        verbose_name = _("亮牌规则")
        verbose_name_plural = _("亮牌规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(yellow_at__gte=1, red_at__gt=models.F("yellow_at"), black_at__gt=models.F("red_at")),
                name="card_policy_increasing",
            ),
        ]

    def __str__(self):
        return f"{self.subdistrict} {self.yellow_at}/{self.red_at}/{self.black_at}"


class Card(models.Model):
    """A yellow, red or black card held by a unit or a liaison leader (联系领导) for one year."""

    assessment_year = models.PositiveIntegerField(_("考核年度"))
    colour = models.CharField(_("颜色"), max_length=10, choices=CardColour.choices)
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="cards"
    )
    leader = models.ForeignKey(
        "organisation.Person", verbose_name=_("联系领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="cards"
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("触发的不到位情形"), on_delete=models.PROTECT, related_name="cards"
    )
    issued_at = models.DateTimeField(_("亮牌时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤牌时间"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("撤牌原因"), blank=True)

    class Meta:
        verbose_name = _("警示牌")
        verbose_name_plural = _("警示牌")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False, leader__isnull=True) | Q(unit__isnull=True, leader__isnull=False)),
                name="card_one_holder",
            ),
            # A holder has at most one standing card of each colour per year: confirming again is a no-op.
            models.UniqueConstraint(
                fields=["unit", "assessment_year", "colour"],
                condition=Q(withdrawn_at__isnull=True, unit__isnull=False),
                name="card_unit_once",
            ),
            models.UniqueConstraint(
                fields=["leader", "assessment_year", "colour"],
                condition=Q(withdrawn_at__isnull=True, leader__isnull=False),
                name="card_leader_once",
            ),
        ]
        indexes = [models.Index(fields=["assessment_year", "colour"], name="card_year_colour")]

    def __str__(self):
        return f"{self.assessment_year} {self.get_colour_display()} · {self.unit or self.leader}"


# ---------------------------------------------------------------- year-end assessment (综合考核)


class SubjectKind(models.TextChoices):
    VILLAGE = "village", _("村(社区)")
    DEPARTMENT = "department", _("部门")
    LIAISON_LEADER = "liaison_leader", _("联系领导")


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class ScoreSheet(models.Model):
    """The year-end score sheet for one kind of subject; frozen once published."""

    subdistrict = models.ForeignKey(
        "organisation.Area", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="score_sheets"
    )
    year = models.PositiveIntegerField(_("考核年度"))
    subject_kind = models.CharField(_("考核对象"), max_length=20, choices=SubjectKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    base_score = models.DecimalField(_("基础分"), max_digits=7, decimal_places=2, default=0)
    yellow_deduction = models.DecimalField(_("黄牌扣分"), max_digits=6, decimal_places=2, default=2)
    red_deduction = models.DecimalField(_("红牌扣分"), max_digits=6, decimal_places=2, default=5)
    black_deduction = models.DecimalField(_("黑牌扣分"), max_digits=6, decimal_places=2, default=10)
    ineligible_from = models.CharField(
        _("取消评优资格的牌色"),
        max_length=10,
        choices=CardColour.choices,
        blank=True,
        default=CardColour.BLACK,
        help_text=_("持有该颜色或更重的牌即不得评先评优；留空表示不限制。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("考核评分表")
        verbose_name_plural = _("考核评分表")
        ordering = ["-year", "subject_kind"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "year", "subject_kind"], name="score_sheet_once"),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"


class ScoreIndicator(models.Model):
    """One weighted indicator line: points = weight × min(value ÷ target, 1)."""

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="indicators")
    indicator = models.CharField(_("指标"), max_length=40, help_text=_("统计指标的代码，见统计分析中的指标定义。"))
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    target = models.DecimalField(
        _("目标值"), max_digits=9, decimal_places=4, default=1, help_text=_("比率填 0–1 之间的数，如 0.95；达到目标即得满分。")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["sheet", "indicator"], name="score_indicator_once")]

    def __str__(self):
        return f"{self.indicator} × {self.weight}"


class BonusItem(models.Model):
    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="bonus_items")
    name = models.CharField(_("加分项"), max_length=100)
    max_points = models.DecimalField(_("最高加分"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("加分项")
        verbose_name_plural = _("加分项")
        ordering = ["id"]

    def __str__(self):
        return self.name


class BonusAward(models.Model):
    item = models.ForeignKey(BonusItem, verbose_name=_("加分项"), on_delete=models.CASCADE, related_name="awards")
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        "organisation.Person", verbose_name=_("联系领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("加分"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("事由"), max_length=300)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("加分记录")
        verbose_name_plural = _("加分记录")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False, leader__isnull=True) | Q(unit__isnull=True, leader__isnull=False)),
                name="bonus_award_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.item} +{self.points}"


class AssessmentResult(models.Model):
    """One subject's computed score on a sheet; rewritten while the sheet is a draft, frozen when published."""

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        "organisation.Person", verbose_name=_("联系领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_name = models.CharField(_("考核对象"), max_length=100)
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2)
    rank = models.PositiveIntegerField(_("排名"))
    eligible = models.BooleanField(_("具备评优资格"), default=True)
    breakdown = models.JSONField(_("得分明细"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["sheet", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "unit"], condition=Q(unit__isnull=False), name="result_unit_once"),
            models.UniqueConstraint(fields=["sheet", "leader"], condition=Q(leader__isnull=False), name="result_leader_once"),
        ]

    def __str__(self):
        return f"{self.sheet} · {self.subject_name} {self.score}"


# The year-end audit log lives beside its services; imported here so the app registers it.
from .yearend_models import AssessmentAction, AssessmentEvent  # noqa: E402, F401
