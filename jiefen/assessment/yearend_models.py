"""The audit log of the year-end assessment (综合考核): who created, changed, computed and
published which score sheet, and the 发文字号 of the year's written assessment report.

A row names its subdistrict and year as well as the sheet, so the log outlives a sheet that
is deleted (only drafts can be)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssessmentAction(models.TextChoices):
    CREATED = "created", _("创建评分表")
    UPDATED = "updated", _("修改评分表")
    INDICATOR_SET = "indicator_set", _("设置考核指标")
    INDICATOR_REMOVED = "indicator_removed", _("删除考核指标")
    BONUS_ITEM_SET = "bonus_item_set", _("设置加分项")
    BONUS_ITEM_REMOVED = "bonus_item_removed", _("删除加分项")
    BONUS_AWARDED = "bonus_awarded", _("记录加分")
    BONUS_REVOKED = "bonus_revoked", _("撤销加分")
    COMPUTED = "computed", _("计算得分")
    PUBLISHED = "published", _("发布结果")
    REPORT_NUMBERED = "report_numbered", _("考核报告编号")


class AssessmentEvent(models.Model):
    subdistrict = models.ForeignKey(
        "organisation.Area", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("考核年度"))
    sheet = models.ForeignKey(
        "assessment.ScoreSheet",
        verbose_name=_("评分表"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    action = models.CharField(_("动作"), max_length=30, choices=AssessmentAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考核操作记录")
        verbose_name_plural = _("考核操作记录")
        ordering = ["id"]
        constraints = [
            # The year's assessment report keeps the number it was first issued with.
            models.UniqueConstraint(
                fields=["subdistrict", "year"], condition=Q(action="report_numbered"), name="assessment_report_number_once"
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "year", "-id"], name="assessment_event_year")]

    def __str__(self):
        return f"{self.year} · {self.get_action_display()}"
