"""Screening campaigns (大走访、大排查、大化解, DESIGN §11): which grids a campaign covers and how
many households each should reach, the grid workers' daily tallies, and the disputes they find.

A grid worker on a phone enters one tally per grid and day (households visited, disputes found,
a note); entering the same day again corrects that day's figures instead of adding a second row,
so the coverage is never counted twice. A dispute worth following gets its own finding, which
can open a case in one step.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area, Person


class CampaignKind(models.TextChoices):
    VISIT = "visit", _("大走访")
    SCREENING = "screening", _("大排查")
    RESOLUTION = "resolution", _("大化解")
    COMBINED = "combined", _("大走访、大排查、大化解")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    subdistrict = models.ForeignKey(
        Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+", limit_choices_to={"kind": "subdistrict"}
    )
    name = models.CharField(_("活动名称"), max_length=120)
    kind = models.CharField(_("活动类型"), max_length=20, choices=CampaignKind.choices, default=CampaignKind.COMBINED)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    description = models.TextField(_("工作要求"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED)
    closed_on = models.DateField(_("结束于"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("排查活动")
        verbose_name_plural = _("排查活动")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="campaign_dates_in_order"),
        ]
        indexes = [models.Index(fields=["subdistrict", "status"], name="campaign_sub_status")]

    def __str__(self):
        return self.name


class CampaignGrid(models.Model):
    """One grid a campaign covers, its household target and the grid workers who screen it."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("排查活动"), on_delete=models.CASCADE, related_name="grids")
    grid = models.ForeignKey(
        Area, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+", limit_choices_to={"kind": "grid"}
    )
    households_target = models.PositiveIntegerField(_("应走访户数"))
    workers = models.ManyToManyField(Person, verbose_name=_("网格员"), blank=True, related_name="screening_grids")

    class Meta:
        verbose_name = _("活动网格")
        verbose_name_plural = _("活动网格")
        ordering = ["grid__village__sort_order", "grid__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "grid"], name="campaign_grid_once")]

    def __str__(self):
        return f"{self.campaign} · {self.grid}"


class ScreeningTally(models.Model):
    """What one grid worker did in one grid on one day."""

    campaign_grid = models.ForeignKey(CampaignGrid, verbose_name=_("活动网格"), on_delete=models.CASCADE, related_name="tallies")
    worker = models.ForeignKey(Person, verbose_name=_("网格员"), on_delete=models.PROTECT, related_name="screening_tallies")
    date = models.DateField(_("走访日期"))
    households_visited = models.PositiveIntegerField(_("走访户数"))
    disputes_found = models.PositiveIntegerField(_("发现矛盾纠纷(件)"), default=0)
    note = models.CharField(_("情况说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("填报时间"), auto_now=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign_grid", "worker", "date"], name="tally_once_per_day"),
        ]
        indexes = [models.Index(fields=["date"], name="tally_date")]

    def __str__(self):
        return f"{self.campaign_grid.grid} {self.date} {self.households_visited}"


class ScreeningFinding(models.Model):
    """A dispute found while screening; it may become a case (据此登记案件)."""

    campaign_grid = models.ForeignKey(CampaignGrid, verbose_name=_("活动网格"), on_delete=models.CASCADE, related_name="findings")
    description = models.TextField(_("纠纷情况"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    parties = models.CharField(_("当事人姓名"), max_length=200, blank=True, help_text=_("多人用顿号或逗号分隔。"))
    found_by = models.ForeignKey(
        Person, verbose_name=_("发现人"), null=True, blank=True, on_delete=models.PROTECT, related_name="screening_findings"
    )
    found_on = models.DateField(_("发现日期"))
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("登记的案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="screening_finding"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("排查发现")
        verbose_name_plural = _("排查发现")
        ordering = ["-found_on", "-id"]

    def __str__(self):
        return f"{self.campaign_grid.grid} {self.found_on} {self.description[:20]}"

    @property
    def party_names(self) -> list[str]:
        text = self.parties or ""
        for separator in "，,、;；/ ":
            text = text.replace(separator, "|")
        return [name for name in (part.strip() for part in text.split("|")) if name]


class LogKind(models.TextChoices):
    CREATED = "created", _("创建活动")
    STARTED = "started", _("开始活动")
    CLOSED = "closed", _("结束活动")
    TARGET_CHANGED = "target_changed", _("调整应走访户数")
    TALLY = "tally", _("填报走访")
    TALLY_CORRECTED = "tally_corrected", _("更正走访")
    FINDING = "finding", _("记录排查发现")
    FINDING_CASE = "finding_case", _("据排查发现登记案件")
    MISSED = "missed", _("排查遗漏")


class ScreeningLog(models.Model):
    """Append-only record of every write on a campaign: who, when, what."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("排查活动"), on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(_("事项"), max_length=20, choices=LogKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("排查活动记录")
        verbose_name_plural = _("排查活动记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.campaign_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Screening log rows are append-only.")
        super().save(*args, **kwargs)
