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


class WorkerHeartbeat(models.Model):
    """A running `run_worker` process. It refreshes `last_seen_at` every few seconds from a
    thread of its own; a row that stops being refreshed belongs to a worker that died (killed,
    out of memory, machine lost), and the tasks it was running are handed back to the queue."""

    worker_id = models.CharField(_("工作进程标识"), max_length=64, unique=True)
    hostname = models.CharField(_("主机"), max_length=100, blank=True)
    pid = models.PositiveIntegerField(_("进程号"), null=True, blank=True)
    started_at = models.DateTimeField(_("启动时间"))
    last_seen_at = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("后台工作进程")
        verbose_name_plural = _("后台工作进程")

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
