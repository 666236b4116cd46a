from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "jiefen.assessment"
    verbose_name = _("考核")

    def ready(self):
        from jiefen.reports.indicators import register_counter

        from .counters import cards_issued

        register_counter("cards", cards_issued)
