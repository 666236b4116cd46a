"""The 文书与卷宗 section of the case page: the dossier checklist (required items marked present
or missing), download links for every document as DOCX and PDF, and the dossier PDF."""

from django.db.models import Prefetch
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import CaseEvent
from jiefen.mediation.panel import case_page_prefetch

from jiefen.web.display import TranslatedTexts, escape_text, url_path
from jiefen.web.panels import CasePanel, register_case_panel

from .builders import LIFECYCLE_KINDS
from .selectors import AS_NEEDED, REQUIRED, checklist_missing, dossier_checklist
from .views import may_download


def panel_context(request, case):
    items = dossier_checklist(case)
    can_download = may_download(request.user, case)
    return {
        "items": items,
        "checklist_rows": checklist_rows_html(items, can_download=can_download),
        "required": [entry for entry in items if entry.requirement == REQUIRED],
        "as_needed": [entry for entry in items if entry.requirement == AS_NEEDED],
        "missing": checklist_missing(items),
        "can_download": can_download,
        "dossier_url": url_path("documents:dossier", case.pk),
    }


# One row of the dossier checklist (documents/panel.html), written out here: through the
# template language each of its dozen rows cost two to three hundred function calls.
_CHECKLIST_ROW = """
      <tr class="{row_class}">
        <th scope="row">{name}{note}</th>
        <td>{requirement}</td>
        <td>{status}</td>
        <td class="d-links">
          {links}
        </td>
      </tr>
    """
_CHECKLIST_TEXTS = TranslatedTexts(
    required=_("必备"), as_needed=_("视情"), present=_("已具备"), missing=_("缺"), none=_("无"), in_dossier=_("见卷宗")
)


def checklist_rows_html(items, *, can_download):
    texts = _CHECKLIST_TEXTS()
    rows = []
    for entry in items:
        links = ""
        if can_download:
            several = len(entry.documents) > 1
            links = "".join(
                '<span class="d-doc">{name}\n                <a href="{pdf}" download>PDF</a> · <a href="{docx}" download>DOCX</a></span>'.format(
                    name=f'<span class="d-doc-name">{escape_text(doc.name)}</span>' if several else "",
                    pdf=escape_text(doc.pdf),
                    docx=escape_text(doc.docx),
                )
                for doc in entry.documents
            )
            if not entry.documents and entry.key == "evidence" and entry.present:
                links = f'<span class="muted">{texts.in_dossier}</span>'
        if entry.present:
            status = f'<span class="badge d-ok">{texts.present}</span>'
        elif entry.required:
            status = f'<span class="badge badge-overdue">{texts.missing}</span>'
        else:
            status = f'<span class="muted">{texts.none}</span>'
        rows.append(
            _CHECKLIST_ROW.format(
                row_class="d-row-missing" if entry.missing else "d-row-present" if entry.present else "d-row-none",
                name=escape_text(entry.name),
                note=f'<span class="d-note">{escape_text(entry.note)}</span>' if entry.note else "",
                requirement=(
                    f'<span class="badge d-required">{texts.required}</span>'
                    if entry.required
                    else f'<span class="badge">{texts.as_needed}</span>'
                ),
                status=status,
                links=links,
            )
        )
    return mark_safe("".join(rows))


def prefetch():
    """The rows the checklist reads (builders.loaded): mediation's, and the lifecycle steps."""
    events = CaseEvent.objects.filter(kind__in=LIFECYCLE_KINDS).order_by("id")
    return [*case_page_prefetch(), Prefetch("events", events, to_attr="lifecycle_events")]


def register():
    register_case_panel(
        CasePanel(key="documents", template="documents/panel.html", context=panel_context, order=200, prefetch=prefetch)
    )
