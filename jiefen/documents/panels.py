"""The 文书与卷宗 section of the case page: the dossier checklist (required items marked present
or missing), download links for every document as DOCX and PDF, and the dossier PDF."""

from django.db.models import Prefetch

from jiefen.cases.models import CaseEvent
from jiefen.mediation.panel import case_page_prefetch

from jiefen.web.display import url_path
from jiefen.web.panels import CasePanel, register_case_panel

from .builders import LIFECYCLE_KINDS
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
        "dossier_url": url_path("documents:dossier", case.pk),
    }


def prefetch():
    """The rows the checklist reads (builders.loaded): mediation's, and the lifecycle steps."""
    events = CaseEvent.objects.filter(kind__in=LIFECYCLE_KINDS).order_by("id")
    return [*case_page_prefetch(), Prefetch("events", events, to_attr="lifecycle_events")]


def register():
    register_case_panel(
        CasePanel(key="documents", template="documents/panel.html", context=panel_context, order=200, prefetch=prefetch)
    )
