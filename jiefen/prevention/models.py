"""Prevention work (DESIGN §11): social organisations' activities (一老一小, 慈孝文韵, 法治宣传,
心理健康 …) logged with their reach, and psychological-counselling referrals (心理疏导) for the
parties of a case.

Counselling is sensitive personal information (PIPL): a referral is seen only by those who
handle the case and the subdistrict's staff, never written into the case timeline (which grid
workers and village mediators also read), and logged in its own append-only trail.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area, Room, Unit


class Programme(models.Model):
    """A prevention programme; an editable list (administrators add local brands)."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预防工作项目")
        verbose_name_plural = _("预防工作项目")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class Activity(models.Model):
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="prevention_activities")
    programme = models.ForeignKey(Programme, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(_("活动名称"), max_length=120)
    date = models.DateField(_("活动日期"))
    village = models.ForeignKey(
        Area, verbose_name=_("村(社区)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("全街道范围的活动可不填。"),
    )
    place = models.CharField(_("活动地点"), max_length=120, blank=True)
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    households_reached = models.PositiveIntegerField(_("覆盖户数"), default=0)
    volunteers = models.PositiveIntegerField(_("志愿者人数"), default=0)
    description = models.TextField(_("活动情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预防活动")
        verbose_name_plural = _("预防活动")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["subdistrict", "date"], name="activity_sub_date")]

    def __str__(self):
        return f"{self.date} {self.title}"


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("已转介")
    ACCEPTED = "accepted", _("已接收")
    IN_PROGRESS = "in_progress", _("疏导中")
    COMPLETED = "completed", _("已完成")
    DECLINED = "declined", _("未接受")


OPEN_REFERRAL_STATUSES = (ReferralStatus.REFERRED, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)


class CounsellingReferral(models.Model):
    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="counselling_referrals")
    party = models.ForeignKey("cases.Party", verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="counselling_referrals")
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("转介人"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("转介原因"))
    room = models.ForeignKey(
        Room, verbose_name=_("心理咨询室"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": "counselling"},
    )
    status = models.CharField(_("状态"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED)
    sessions = models.PositiveIntegerField(_("疏导次数"), default=0)
    outcome = models.TextField(_("疏导结果"), blank=True)
    referred_on = models.DateField(_("转介日期"))
    accepted_on = models.DateField(_("接收日期"), null=True, blank=True)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("心理疏导转介")
        verbose_name_plural = _("心理疏导转介")
        ordering = ["-referred_on", "-id"]
        constraints = [
            # One open referral per party: a second one would split the counsellor's record.
            models.UniqueConstraint(
                fields=["party"], condition=models.Q(status__in=["referred", "accepted", "in_progress"]), name="referral_one_open_per_party"
            ),
        ]

    def __str__(self):
        return f"{self.case_id} · {self.party} · {self.get_status_display()}"

    @property
    def is_open(self):
        return self.status in OPEN_REFERRAL_STATUSES


class LogAction(models.TextChoices):
    ACTIVITY_RECORDED = "activity_recorded", _("记录活动")
    REFERRED = "referred", _("转介")
    ACCEPTED = "accepted", _("接收")
    SESSION = "session", _("记录疏导")
    COMPLETED = "completed", _("完成")
    DECLINED = "declined", _("未接受")


class PreventionLog(models.Model):
    """Append-only trail of prevention writes: who recorded an activity, every referral step."""

    action = models.CharField(_("操作"), max_length=30, choices=LogAction.choices)
    activity = models.ForeignKey(Activity, verbose_name=_("预防活动"), null=True, blank=True, on_delete=models.CASCADE, related_name="log")
    referral = models.ForeignKey(
        CounsellingReferral, verbose_name=_("心理疏导转介"), null=True, blank=True, on_delete=models.CASCADE, related_name="log"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("预防工作记录")
        verbose_name_plural = _("预防工作记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Prevention log rows are append-only.")
        super().save(*args, **kwargs)
