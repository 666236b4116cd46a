from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "jiefen.prevention"
    verbose_name = _("源头预防")
