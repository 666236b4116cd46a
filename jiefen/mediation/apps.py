from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "jiefen.mediation"
    verbose_name = _("人民调解")

    def ready(self):
        from jiefen.web.panels import CasePanel, register_case_panel

        from . import preconditions  # noqa: F401  registers the law's checks on lifecycle steps
        from . import timeline
        from .panel import case_page_prefetch, panel_context

        timeline.register()
        register_case_panel(CasePanel(key="mediation", template="mediation/panel.html", context=panel_context, order=20, prefetch=case_page_prefetch))

        from . import panel_agreements  # agreements, performance, judicial confirmation, return visits

        panel_agreements.register_timeline()
        register_case_panel(CasePanel(key="agreements", template="mediation/agreements_panel.html", context=panel_agreements.panel_context, order=30, prefetch=case_page_prefetch))
