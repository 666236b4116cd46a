from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "jiefen.meetings"
    verbose_name = _("会商与督办")

    def ready(self):
        from jiefen.web.panels import CasePanel, register_case_panel

        from .panel import case_panel_context, case_panel_probes

        register_case_panel(CasePanel(key="sanlian", template="meetings/case_panel.html", context=case_panel_context, order=60, probes=case_panel_probes))
