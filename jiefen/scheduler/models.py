from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicDuty(models.Model):
    """The next slot of a periodic duty. A scheduler claims a slot by moving `next_run_at`
    forward with a compare-and-set update, so of several schedulers exactly one runs it."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    next_run_at = models.DateTimeField(_("下次执行时间"))
    last_claimed_at = models.DateTimeField(_("上次领取时间"), null=True, blank=True)
    last_claimed_by = models.CharField(_("领取者"), max_length=100, blank=True)
    runs = models.PositiveIntegerField(_("执行次数"), default=0)

    class Meta:
        verbose_name = _("周期任务")
        verbose_name_plural = _("周期任务")

    def __str__(self):
        return self.name
