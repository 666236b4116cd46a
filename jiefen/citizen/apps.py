from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizenConfig(AppConfig):
    name = "jiefen.citizen"
    verbose_name = _("群众查询")
