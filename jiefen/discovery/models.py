"""The discovery registers (早发现, DESIGN §11): the 领导接访 rota and the visitors received, and the
field-work log of 带案下访, 干部走访, 廉情夜访 and 治安巡逻. Any entry can open a case whose channel
says where the dispute was found; the entry keeps the link."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import Channel
from jiefen.common.crypto import EncryptedCharField
from jiefen.organisation.models import Area, Person, Room


class FieldVisitKind(models.TextChoices):
    CASE_VISIT = "case_visit", _("带案下访")
    CADRE_VISIT = "cadre_visit", _("干部走访")
    NIGHT_VISIT = "night_visit", _("廉情夜访")
    PATROL = "patrol", _("治安巡逻")


RECEPTION = "reception"
# The case channel of each register: a case opened from an entry is counted under it.
CHANNEL_OF_KIND = {
    RECEPTION: Channel.LEADER_RECEPTION,
    FieldVisitKind.CASE_VISIT: Channel.CASE_VISIT,
    FieldVisitKind.CADRE_VISIT: Channel.CADRE_VISIT,
    FieldVisitKind.NIGHT_VISIT: Channel.NIGHT_VISIT,
    FieldVisitKind.PATROL: Channel.PATROL,
}
# Field work that village mediators and grid workers do themselves; 带案下访 and 廉情夜访 are
# the cadres' (centre staff, leaders).
GRASSROOTS_KINDS = (FieldVisitKind.PATROL, FieldVisitKind.CADRE_VISIT)


class ReceptionSlot(models.Model):
    """One turn of the 领导接访 rota: a leader receives visitors at a place and time."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(Person, verbose_name=_("接访领导"), on_delete=models.PROTECT, related_name="reception_slots")
    date = models.DateField(_("接访日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    place = models.CharField(_("接访地点"), max_length=100)
    room = models.ForeignKey(
        Room, verbose_name=_("接访场所"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reception_slots"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_cancelled = models.BooleanField(_("已取消"), default=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("排班人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("排班时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("领导接访排班")
        verbose_name_plural = _("领导接访排班")
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(fields=["subdistrict", "date"], name="reception_slot_sub_date"),
            models.Index(fields=["leader", "date"], name="reception_slot_leader_date"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M} {self.leader}"


class ReceptionOutcome(models.TextChoices):
    ANSWERED = "answered", _("当场答复化解")
    REFERRED = "referred", _("交办相关部门")
    CASE = "case", _("登记为矛盾纠纷")
    FOLLOW_UP = "follow_up", _("继续跟进")


class ReceptionVisit(models.Model):
    """A visitor (or a group) received in a rota slot."""

    slot = models.ForeignKey(ReceptionSlot, verbose_name=_("接访排班"), on_delete=models.PROTECT, related_name="visits")
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField(_("接访日期"))
    visitor_name = models.CharField(_("来访人"), max_length=50)
    phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)  # personal data: stored encrypted
    visitors_count = models.PositiveIntegerField(_("来访人数"), default=1)
    village = models.ForeignKey(
        Area, verbose_name=_("所属村(社区)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)
    matter = models.TextField(_("反映事项"))
    handling = models.TextField(_("处理情况"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=20, choices=ReceptionOutcome.choices, default=ReceptionOutcome.ANSWERED)
    follow_up = models.TextField(_("后续跟进"), blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("登记的案件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reception_visits"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("领导接访登记")
        verbose_name_plural = _("领导接访登记")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "-received_on", "-id"], name="reception_visit_sub_day"),
            models.Index(fields=["village", "-received_on"], name="reception_visit_village_day"),
        ]

    def __str__(self):
        return f"{self.received_on:%Y-%m-%d} {self.visitor_name}"

    kind = RECEPTION

    @property
    def channel(self):
        return CHANNEL_OF_KIND[RECEPTION]


class FieldVisit(models.Model):
    """One outing of field work: a 带案下访, a 干部走访, a 廉情夜访 or a 治安巡逻."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=20, choices=FieldVisitKind.choices)
    village = models.ForeignKey(Area, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Area, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(
        Area, verbose_name=_("小区/村民小组"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地点"), max_length=200, blank=True)
    route = models.CharField(_("巡逻路线"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    participants = models.ManyToManyField(Person, verbose_name=_("参加人员"), blank=True, related_name="field_visits")
    other_participants = models.CharField(
        _("其他参加人员"), max_length=300, blank=True, help_text=_("如民警、乡贤、志愿者，用顿号分隔。")
    )
    households_visited = models.PositiveIntegerField(_("走访户数"), default=0)
    findings = models.TextField(_("发现情况"))
    issues_found = models.PositiveIntegerField(_("发现问题数"), default=0)
    carried_cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("携带案件"), blank=True, related_name="carried_on_field_visits"
    )
    opened_cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("据此登记的案件"), blank=True, related_name="opened_from_field_visits"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("走访巡逻记录")
        verbose_name_plural = _("走访巡逻记录")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["subdistrict", "-started_at", "-id"], name="field_visit_sub_start"),
            models.Index(fields=["subdistrict", "kind", "-started_at"], name="field_visit_sub_kind_start"),
            models.Index(fields=["village", "-started_at"], name="field_visit_village_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.village} {self.started_at:%Y-%m-%d}"

    @property
    def channel(self):
        return CHANNEL_OF_KIND[self.kind]


class DiscoveryEventKind(models.TextChoices):
    SLOT_CREATED = "slot_created", _("排定接访")
    SLOT_UPDATED = "slot_updated", _("调整接访排班")
    SLOT_CANCELLED = "slot_cancelled", _("取消接访")
    VISITOR_RECORDED = "visitor_recorded", _("登记来访")
    FIELD_VISIT_RECORDED = "field_visit_recorded", _("登记走访巡逻")
    FIELD_VISIT_UPDATED = "field_visit_updated", _("修改走访巡逻记录")
    CASE_OPENED = "case_opened", _("据此登记案件")
    CASES_CARRIED = "cases_carried", _("关联携带案件")


class DiscoveryEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Discovery events are append-only.")

    def delete(self):
        raise TypeError("Discovery events are append-only.")


class DiscoveryEvent(models.Model):
    """Append-only audit of every write to the registers: who, when, what, on which entry."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=30, choices=DiscoveryEventKind.choices)
    slot = models.ForeignKey(
        ReceptionSlot, verbose_name=_("接访排班"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    reception_visit = models.ForeignKey(
        ReceptionVisit, verbose_name=_("来访登记"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    field_visit = models.ForeignKey(
        FieldVisit, verbose_name=_("走访巡逻记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    note = models.TextField(_("内容"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = DiscoveryEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("排查走访操作记录")
        verbose_name_plural = _("排查走访操作记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Discovery events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Discovery events are append-only.")
