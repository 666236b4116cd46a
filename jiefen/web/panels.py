"""Sections other apps add to the case page (mediation, documents …) without the web app
knowing them: each registers a template and a function giving that template its context.

Several panels read the same rows (records, agreements, the lifecycle events …). A panel names
the relations it reads in `prefetch`; the page loads all of them onto the case once, before any
panel runs, so each panel reads `case.<relation>.all()` from memory instead of querying."""

from dataclasses import dataclass
from typing import Callable

from django.db.models import Prefetch, prefetch_related_objects


@dataclass(frozen=True)
class CasePanel:
    key: str
    template: str
    context: Callable  # (request, case) -> dict, or None to hide the panel
    order: int = 100
    # () -> lookups (names or Prefetch objects) to load onto the case for this panel; a
    # callable because a Prefetch's queryset must be fresh for every request.
    prefetch: Callable | None = None


CASE_PANELS: dict[str, CasePanel] = {}


def register_case_panel(panel: CasePanel) -> None:
    CASE_PANELS[panel.key] = panel


def case_page_load(case) -> None:
    """Load every relation the panels read onto `case`, each once whichever panels share it."""
    lookups = {}
    for panel in CASE_PANELS.values():
        for lookup in panel.prefetch() if panel.prefetch else ():
            key = lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup
            lookups.setdefault(key, lookup)
    prefetch_related_objects([case], *lookups.values())


def case_panels(request, case) -> list[dict]:
    case_page_load(case)
    rendered = []
    for panel in sorted(CASE_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, case)
        if context is not None:
            rendered.append({"key": panel.key, "template": panel.template, "context": context})
    return rendered


def panel_refused(request, case, *, attribute: str, form, message: str, status: int):
    """Redraw the case page after a panel's form was refused: the panel finds the failed form
    on `request.<attribute>` and shows it open with its errors, above the fresh case."""
    from django.shortcuts import render

    from jiefen.cases.selectors import case_get_for_user

    from .views import _detail_context

    setattr(request, attribute, form)
    fresh = case_get_for_user(request.user, pk=case.pk)
    return render(request, "web/case_detail.html", _detail_context(request, fresh, error=message), status=status)


def refused_text(form, messages) -> str:
    from django.utils.translation import gettext as _

    return _("“%(action)s”未执行：%(errors)s") % {"action": form.title, "errors": " ".join(str(m) for m in messages)}
