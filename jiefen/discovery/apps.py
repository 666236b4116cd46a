from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "jiefen.discovery"
    verbose_name = _("排查走访")

    def ready(self):
        from .intake import register

        register()
