"""The case page's 三联三议 and 督办 panel (registered from apps.py)."""

from django.db.models import Exists, OuterRef

from jiefen.organisation.models import AreaKind
from jiefen.web.panels import has_rows

from .access import deliberation_can_write_for
from .models import Deliberation, SupervisionTask


def case_panel_probes():
    """Asked by the case page with its other questions: most cases have neither."""
    return {
        "has_deliberations": Exists(Deliberation.objects.filter(cases=OuterRef("pk"))),
        "has_supervision_tasks": Exists(SupervisionTask.objects.filter(cases=OuterRef("pk"))),
    }


def case_panel_context(request, case):
    """Shown for a case that needs 三联三议, or that a deliberation or 督办 task is about."""
    deliberations = Deliberation.objects.filter(cases=case)
    tasks = SupervisionTask.objects.filter(cases=case)
    deliberations = (
        list(deliberations.select_related("compound").order_by("-scheduled_on", "-id"))
        if has_rows(case, "has_deliberations", deliberations)
        else []
    )
    tasks = list(tasks.order_by("-id")) if has_rows(case, "has_supervision_tasks", tasks) else []
    if not (case.needs_sanlian or deliberations or tasks):
        return None
    compound = case.compound
    can_start = (
        compound is not None
        and compound.kind == AreaKind.COMPOUND
        and case.state != "archived"
        and deliberation_can_write_for(request.user, compound)
    )
    return {"case": case, "deliberations": deliberations, "tasks": tasks, "can_start": can_start}
