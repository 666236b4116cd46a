from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "jiefen.api"
    verbose_name = _("开放接口")

    def ready(self):
        from . import schema  # noqa: F401  registers the token scheme with drf-spectacular
