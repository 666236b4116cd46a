from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jiefen.cases"
    verbose_name = _("矛盾纠纷")
