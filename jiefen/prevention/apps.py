from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "jiefen.prevention"
    verbose_name = _("源头预防")

    def ready(self):
        from jiefen.web.panels import CasePanel, register_case_panel

        from .panel import panel_context
        from .selectors import referrals_of_case_prefetch

        register_case_panel(CasePanel(key="counselling", template="prevention/case_panel.html", context=panel_context, order=70, prefetch=referrals_of_case_prefetch))
