from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "jiefen.mediation"
    verbose_name = _("人民调解")

    def ready(self):
        from . import preconditions  # noqa: F401  registers the law's checks on lifecycle steps
