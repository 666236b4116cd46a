"""Sections other apps add to the case page (mediation, documents …) without the web app
knowing them: each registers a template and a function giving that template its context."""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class CasePanel:
    key: str
    template: str
    context: Callable  # (request, case) -> dict, or None to hide the panel
    order: int = 100


CASE_PANELS: dict[str, CasePanel] = {}


def register_case_panel(panel: CasePanel) -> None:
    CASE_PANELS[panel.key] = panel


def case_panels(request, case) -> list[dict]:
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
