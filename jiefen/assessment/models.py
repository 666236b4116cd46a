from django.conf import settings
from django.db import models
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
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    unit = models.ForeignKey(
        "organisation.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="incidents"
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("环节"), max_length=20, blank=True)
    due_date = models.DateField(_("应完成日期"), null=True, blank=True)
    detected_on = models.DateField(_("发现日期"))
    assessment_year = models.PositiveIntegerField(_("考核年度"))
    status = models.CharField(_("状态"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.PENDING)
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("不到位情形")
        verbose_name_plural = _("不到位情形")
        ordering = ["-id"]
        constraints = [
            # One missed limit is one incident, however often the sweep runs.
            models.UniqueConstraint(fields=["case", "kind", "stage", "due_date"], name="incident_once_per_limit"),
        ]
        indexes = [models.Index(fields=["unit", "assessment_year", "status"], name="incident_unit_year")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.unit}"
