from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "jiefen.reports"
    verbose_name = _("统计与报告")
