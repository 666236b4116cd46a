from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulerConfig(AppConfig):
    name = "jiefen.scheduler"
    verbose_name = _("定时任务")
