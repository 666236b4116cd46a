"""The case (矛盾纠纷), its parties, its append-only event log, routing rules and time limits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiefen.common.crypto import EncryptedCharField, KeyedHashField
from jiefen.organisation.models import Area, Unit, UnitKind


class DisputeType(models.Model):
    """The statistical categories of people's mediation; editable by administrators."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_personal_status = models.BooleanField(
        _("涉及身份关系"), default=False, help_text=_("婚姻、收养等身份关系事项不能申请司法确认。")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("纠纷类型")
        verbose_name_plural = _("纠纷类型")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    GRID_SCREENING = "grid_screening", _("网格排查")
    LEADER_RECEPTION = "leader_reception", _("领导接访")
    CASE_VISIT = "case_visit", _("带案下访")
    CADRE_VISIT = "cadre_visit", _("干部走访")
    NIGHT_VISIT = "night_visit", _("廉情夜访")
    PATROL = "patrol", _("治安巡逻")
    PARTY_APPLICATION = "party_application", _("当事人申请")
    COMMITTEE_INITIATIVE = "committee_initiative", _("调委会主动调解")
    POLICE_REFERRAL = "police_referral", _("公安移送(警调)")
    COURT_REFERRAL = "court_referral", _("法院委托(诉调)")
    PETITION_REFERRAL = "petition_referral", _("信访转办(访调)")
    GOVERNMENT_ASSIGNED = "government_assigned", _("政府交办")
    HOTLINE_ONLINE = "hotline_online", _("热线/网上")


class RiskGrade(models.TextChoices):
    RED = "red", _("红")
    ORANGE = "orange", _("橙")
    YELLOW = "yellow", _("黄")
    BLUE = "blue", _("蓝")


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _("一般")
    FAIRLY_COMPLEX = "fairly_complex", _("较复杂")
    COMPLEX = "complex", _("复杂")


class CaseState(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("不予受理")
    ASSIGNED = "assigned", _("分派")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("达成协议")
    PERFORMING = "performing", _("履行中")
    PERFORMED = "performed", _("已履行")
    VISITED = "visited", _("已回访")
    TERMINATED = "terminated", _("调解终止")
    REFERRED_OUT = "referred_out", _("已移送")
    HANDED_UP = "handed_up", _("已上交")
    ARCHIVED = "archived", _("归档")


OPEN_STATES = [s for s in CaseState.values if s != CaseState.ARCHIVED]


class Tier(models.IntegerChoices):
    VILLAGE_ROOM = 1, _("一级：村(社区)小马调解室")
    VILLAGE_COMMITTEE = 2, _("二级：村(社区)调委会/街道小马调解室")
    SUBDISTRICT_COMMITTEE = 3, _("三级：街道人民调解委员会")


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class ReferralRoute(models.TextChoices):
    LITIGATION = "litigation", _("诉讼")
    ARBITRATION = "arbitration", _("仲裁")
    ADMINISTRATIVE = "administrative", _("行政处理")


class DeadlineStage(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理")
    ASSIGNMENT = "assignment", _("分派")
    MEDIATION = "mediation", _("调解")
    PERFORMANCE = "performance", _("协议履行")
    RETURN_VISIT = "return_visit", _("回访")
    DISPOSITION = "disposition", _("终止后处置")
    ARCHIVING = "archiving", _("归档")


class CaseNumberSequence(models.Model):
    """Last number issued per subdistrict and year; locked while a number is drawn."""

    subdistrict = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号序列")
        verbose_name_plural = _("案件编号序列")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "year"], name="case_sequence_unique")]


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("纠纷简题"), max_length=120)
    description = models.TextField(_("纠纷概况"))
    dispute_type = models.ForeignKey(DisputeType, verbose_name=_("纠纷类型"), on_delete=models.PROTECT)
    channel = models.CharField(_("来源渠道"), max_length=30, choices=Channel.choices)

    # The village, grid and reporter columns have no index of their own: (column, id) below
    # (Meta.indexes) serves every lookup by them in the lists' id order, and a registration
    # would otherwise write three more index entries. The subdistrict's, unit's and mediator's
    # own indexes stay: on SQLite an index holds the row id after its columns, so each is
    # also (column, id), the order the lists walk.
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Area, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="+", db_index=False)
    compound = models.ForeignKey(
        Area, verbose_name=_("村民小组/小区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Area, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    address = models.CharField(_("纠纷发生地址"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    amount_in_dispute = models.DecimalField(_("争议金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    is_group = models.BooleanField(_("群体性纠纷"), default=False)
    criminal_risk = models.BooleanField(_("有民转刑风险"), default=False)
    risk_grade = models.CharField(_("风险等级"), max_length=10, choices=RiskGrade.choices, default=RiskGrade.BLUE)
    complexity = models.CharField(_("复杂程度"), max_length=20, choices=Complexity.choices, default=Complexity.ORDINARY)
    needs_sanlian = models.BooleanField(_("需“三联三议”"), default=False)

    state = models.CharField(_("状态"), max_length=20, choices=CaseState.choices, default=CaseState.REGISTERED)
    tier = models.PositiveSmallIntegerField(_("调处层级"), choices=Tier.choices)
    assigned_unit = models.ForeignKey(Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="cases")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承办调解员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="reported_cases", db_index=False
    )
    escalated_from_unit = models.ForeignKey(
        Unit, verbose_name=_("原承办单位(上报前)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recurrence_of = models.ForeignKey(
        "self", verbose_name=_("复发自"), null=True, blank=True, on_delete=models.PROTECT, related_name="recurrences"
    )

    agreement_form = models.CharField(_("协议形式"), max_length=10, choices=AgreementForm.choices, blank=True)
    performance_due = models.DateField(_("约定履行期限"), null=True, blank=True)
    referral_route = models.CharField(_("移送途径"), max_length=20, choices=ReferralRoute.choices, blank=True)
    referred_to = models.CharField(_("移送/上交至"), max_length=100, blank=True)
    rejection_pointed_to = models.CharField(_("不予受理时告知的途径"), max_length=200, blank=True)

    due_stage = models.CharField(_("当前时限环节"), max_length=20, choices=DeadlineStage.choices, blank=True)
    due_date = models.DateField(_("当前时限"), null=True, blank=True)
    is_overdue = models.BooleanField(_("已超期"), default=False)
    mediation_due_date = models.DateField(_("调解期限"), null=True, blank=True)
    mediation_extended_days = models.PositiveIntegerField(_("经当事人同意延长(日)"), default=0)

    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("调解结束时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_within_limits = models.BooleanField(_("按期办结"), null=True, blank=True)
    closed_inside_subdistrict = models.BooleanField(_("在街道内化解"), null=True, blank=True)
    # Cases brought in from historical paper/XLSX ledgers (jiefen.reports.ledger_import): they
    # arrive archived, with their original dates on the fields above, and one IMPORTED event.
    imported = models.BooleanField(_("历史台账导入"), default=False, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-id"]
        indexes = [
            # Keyset pagination walks these from the newest id down, filtered by scope and state.
            models.Index(fields=["subdistrict", "state", "-id"], name="case_subdistrict_state"),
            models.Index(fields=["village", "-id"], name="case_village_id"),
            models.Index(fields=["grid", "-id"], name="case_grid_id"),
            models.Index(fields=["reported_by", "-id"], name="case_reporter_id"),
            models.Index(fields=["assigned_unit", "state"], name="case_unit_state"),
            # A unit's cases filtered by tier, newest first: without it a mediator of the
            # subdistrict committee asking for another tier's cases reads all of the unit's.
            models.Index(fields=["assigned_unit", "tier", "-id"], name="case_unit_tier_id"),
            models.Index(fields=["mediator", "state"], name="case_mediator_state"),
            models.Index(fields=["state", "due_date"], name="case_state_due"),
            models.Index(fields=["created_at"], name="case_created"),
            # The deadline sweep: limits still running (newly overdue ones are found at the low
            # end, due-soon ones in a short range) and the overdue cases, each a small part of a
            # table that is mostly archived cases. Flagging a case moves it from the first to the
            # second and touches no other index, so a catch-up rewrites two index entries per
            # case besides the row. The overdue ones by subdistrict: the meetings' and written
            # reports' overdue lists read a range of it; the sweep reads all of it.
            # Both conditions name the open state too, so that PostgreSQL can tell from the
            # index alone which cases the sweep is after.
            models.Index(
                fields=["due_date", "id"], condition=Q(due_date__isnull=False, is_overdue=False) & ~Q(state="archived"), name="case_limit_running"
            ),
            models.Index(fields=["subdistrict", "due_date", "id"], condition=Q(is_overdue=True) & ~Q(state="archived"), name="case_limit_overdue"),
            # The home page's lists of open cases by their limit (run out, due soon, later, none)
            # for staff by subdistrict, for mediators and reporters by the unit, the mediator and
            # the reporter, for administrators all of them (selectors.my_work): a page reads 20
            # rows of a range instead of sorting every open case of a unit. The lists are ranges
            # of the due date, so the sweep's flag is in neither the key nor the condition and
            # flagging a case leaves them alone. Open is said as not yet closed (a case is closed
            # when it is archived, and only then), and the due date is named: only the home
            # page's queries say both, so these serve them and no other query (the sweep's and
            # the meetings' keep to the indexes meant for them, on either database).
            *(
                models.Index(fields=[*columns, *key], condition=Q(closed_at__isnull=True, due_date__isnull=undated), name=name)
                for columns, short in (
                    (["subdistrict"], "sub"), (["assigned_unit"], "unit"), (["mediator"], "med"), (["reported_by"], "rep"), ([], "all"),
                )
                for undated, key, name in (
                    (False, ["due_date", "id"], f"case_home_{short}_limit"), (True, ["id"], f"case_home_{short}_nolimit"),
                )
            ),
            # The statistics read the cases of a period by these dates (jiefen.reports.indicators);
            # the subdistrict first, so SQLite ranges over the date within a subdistrict's
            # cases instead of reading them all through the subdistrict index.
            models.Index(fields=["subdistrict", "created_at"], name="case_subdistrict_created"),
            # State last: the closed-in-period counts read nothing but the index.
            models.Index(fields=["subdistrict", "closed_at", "state"], name="case_subdistrict_closed"),
            # The cases open now that were registered before a day, with their risk (the monthly
            # report's list of risky cases open at the period's end): without it SQLite, which
            # keeps no statistics, ranged over every case registered before that day rather than
            # the open ones; the risk columns are checked in the index, so only the risky rows
            # are read.
            models.Index(
                fields=["subdistrict", "created_at", "risk_grade", "criminal_risk", "is_group"],
                condition=Q(closed_at__isnull=True),
                name="case_subdistrict_open_risk",
            ),
            # Only imported cases are counted by their conclusion date; they are few.
            models.Index(
                fields=["subdistrict", "concluded_at"], condition=Q(imported=True), name="case_subdistrict_concluded"
            ),
            # The agreements due by a period end are cumulative (most agreed cases ever): the
            # index holds everything the performance counts read of them — the agreement, the
            # closure and import that decide which need checking, the breakdown columns — so
            # they are counted from the index without reading the case rows.
            models.Index(
                fields=[
                    "subdistrict", "performance_due", "agreement_form", "closed_at", "imported",
                    "dispute_type", "village", "channel", "tier", "assigned_unit",
                ],
                name="case_subdistrict_perf_due_all",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self):
        return self.state != CaseState.ARCHIVED


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("法人或其他组织")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


class Party(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("当事人地位"), max_length=20, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    kind = models.CharField(_("类别"), max_length=20, choices=PartyKind.choices, default=PartyKind.PERSON)
    name = models.CharField(_("姓名/名称"), max_length=100)
    # Sensitive personal data: stored encrypted; found through the keyed hashes beside them.
    id_number = EncryptedCharField(_("身份证号码/统一社会信用代码"), max_length=30, blank=True)
    phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    representative_name = models.CharField(_("代理人/法定代表人"), max_length=50, blank=True)
    representative_phone = EncryptedCharField(_("代理人电话"), max_length=30, blank=True)
    id_number_hash = KeyedHashField(_("证件号码摘要"), source="id_number")
    phone_hash = KeyedHashField(_("电话摘要"), source="phone")
    representative_phone_hash = KeyedHashField(_("代理人电话摘要"), source="representative_phone")

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["id"]
        permissions = [("reveal_personal_data", _("可查看完整的身份证号码和电话（每次查看留痕）"))]

    def __str__(self):
        return self.name


class EventKind(models.TextChoices):
    CREATED = "created", _("登记")
    TRANSITION = "transition", _("状态变更")
    ROUTED = "routed", _("分流")
    ROUTING_OVERRIDE = "routing_override", _("人工调整分流")
    ESCALATED = "escalated", _("上报上一级")
    RISK_CHANGED = "risk_changed", _("风险等级/复杂程度调整")
    DEADLINE_EXTENDED = "deadline_extended", _("延长调解期限")
    OVERDUE = "overdue", _("超期")
    RECURRENCE = "recurrence", _("纠纷复发")
    NOTE = "note", _("备注")
    IMPORTED = "imported", _("历史台账导入")


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Case events are append-only.")

    def delete(self):
        raise TypeError("Case events are append-only.")


class CaseEvent(models.Model):
    """Append-only history of a case: every change, who made it, when and why."""

    # Found by case through event_case_id (case, id) below, which serves every lookup a
    # single-column index would; one index fewer to write for every event.
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(_("事件类型"), max_length=30, choices=EventKind.choices)
    action = models.CharField(_("操作"), max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    from_state = models.CharField(_("原状态"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=CaseState.choices, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件事件")
        verbose_name_plural = _("案件事件")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "id"], name="event_case_id"),
            # Agreements and terminations of a period, for the statistics.
            # Kind and case too, so the statistics count a period's outcomes from the index alone.
            models.Index(fields=["action", "at", "kind", "case"], name="event_action_at"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Case events are append-only.")


class RoutingRule(models.Model):
    """One row of the routing table; the first active rule (by priority) whose conditions all hold wins.

    An empty condition matches anything.
    """

    priority = models.PositiveIntegerField(_("优先级"), help_text=_("数字越小越先匹配。"))
    name = models.CharField(_("规则名称"), max_length=100)
    complexity = models.CharField(_("复杂程度"), max_length=20, choices=Complexity.choices, blank=True)
    risk_grade = models.CharField(_("风险等级"), max_length=10, choices=RiskGrade.choices, blank=True)
    dispute_type = models.ForeignKey(DisputeType, verbose_name=_("纠纷类型"), null=True, blank=True, on_delete=models.CASCADE)
    village = models.ForeignKey(
        Area,
        verbose_name=_("村(社区)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        limit_choices_to={"kind__in": ["village", "community"]},
        related_name="+",
    )
    is_group = models.BooleanField(_("群体性"), null=True, blank=True)
    criminal_risk = models.BooleanField(_("民转刑风险"), null=True, blank=True)
    in_compound = models.BooleanField(_("发生在小区内"), null=True, blank=True)
    tier = models.PositiveSmallIntegerField(_("调处层级"), choices=Tier.choices)
    unit_kind = models.CharField(
        _("承办单位类型"),
        max_length=40,
        choices=UnitKind.choices,
        help_text=_("村级类型自动对应案件所在村(社区)的单位，街道级类型对应街道的单位。"),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("指定承办单位"), null=True, blank=True, on_delete=models.CASCADE, help_text=_("填写后优先于单位类型。")
    )
    needs_sanlian = models.BooleanField(_("转“三联三议”"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分流规则")
        verbose_name_plural = _("分流规则")
        ordering = ["priority", "id"]

    def __str__(self):
        return f"{self.priority}. {self.name}"


class DayKind(models.TextChoices):
    WORKING = "working", _("工作日")
    CALENDAR = "calendar", _("自然日")


class TimeLimit(models.Model):
    """How long a stage may take; a row for a risk grade beats the row for all grades."""

    stage = models.CharField(_("环节"), max_length=20, choices=DeadlineStage.choices)
    risk_grade = models.CharField(_("风险等级"), max_length=10, choices=RiskGrade.choices, blank=True)
    days = models.PositiveIntegerField(_("时限"), help_text=_("0 表示当日。"))
    day_kind = models.CharField(_("计算方式"), max_length=10, choices=DayKind.choices, default=DayKind.WORKING)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["stage", "risk_grade"]
        constraints = [models.UniqueConstraint(fields=["stage", "risk_grade"], name="time_limit_unique")]

    def __str__(self):
        grade = self.get_risk_grade_display() or _("全部")
        return f"{self.get_stage_display()} / {grade}: {self.days} {self.get_day_kind_display()}"


__all__ = ["Case", "Party", "CaseEvent", "DisputeType", "RoutingRule", "TimeLimit", "UnitKind"]
