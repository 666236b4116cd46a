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
