from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day that differs from the plain Monday–Friday week: a public holiday or a 调休 workday."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("国务院办公厅通知（自动导入）")
        MANUAL = "manual", _("手工维护")

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"), help_text=_("节假日不勾选；调休上班的周末勾选。"))
    name = models.CharField(_("说明"), max_length=50, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"
