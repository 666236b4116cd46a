from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "jiefen.common"
    verbose_name = _("公共")

    def ready(self):
        from . import lookups  # noqa: F401  registers the integer `__in` lookup
