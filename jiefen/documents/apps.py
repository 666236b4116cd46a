from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "jiefen.documents"
    verbose_name = _("文书与卷宗")

    def ready(self):
        from jiefen.cases.lifecycle import add_precondition

        from . import panels
        from .preconditions import dossier_complete

        panels.register()
        # A case is archived only with a complete dossier (Art. 27).
        add_precondition("archive", dossier_complete)
