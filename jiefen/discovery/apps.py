from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "jiefen.discovery"
    verbose_name = _("排查走访")

    def ready(self):
        from jiefen.web.panels import CasePanel, register_case_panel

        from .intake import register
        from .panel import case_panel_context, case_panel_probes

        register()
        register_case_panel(CasePanel(key="discovery", template="discovery/case_panel.html", context=case_panel_context, order=65, probes=case_panel_probes))
