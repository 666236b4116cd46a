"""The 文书与卷宗 section of the case page: the dossier checklist (required items marked present
or missing), download links for every document as DOCX and PDF, and the dossier PDF."""

from django.urls import reverse

from jiefen.web.panels import CasePanel, register_case_panel

from .selectors import AS_NEEDED, REQUIRED, checklist_missing, dossier_checklist
from .views import may_download


def panel_context(request, case):
    items = dossier_checklist(case)
    return {
        "items": items,
        "required": [entry for entry in items if entry.requirement == REQUIRED],
        "as_needed": [entry for entry in items if entry.requirement == AS_NEEDED],
        "missing": checklist_missing(items),
        "can_download": may_download(request.user, case),
        "dossier_url": reverse("documents:dossier", args=[case.pk]),
    }


def register():
    register_case_panel(CasePanel(key="documents", template="documents/panel.html", context=panel_context, order=200))
