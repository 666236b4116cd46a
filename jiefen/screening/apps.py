from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "jiefen.screening"
    verbose_name = _("排查活动")

    def ready(self):
        from jiefen.cases.hooks import register_after_registration
        from jiefen.cases.intake_sources import register_intake_source
        from jiefen.reports.indicators import register_counter

        from . import intake, selectors, services

        register_intake_source(intake.KIND, intake.resolve_finding)
        register_counter("screened_households", selectors.screened_households)
        register_after_registration(services.after_case_registered)
