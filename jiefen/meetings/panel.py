"""The case page's 三联三议 and 督办 panel (registered from apps.py)."""

from jiefen.organisation.models import AreaKind

from .access import deliberation_can_write_for
from .models import Deliberation, SupervisionTask


def case_panel_context(request, case):
    """Shown for a case that needs 三联三议, or that a deliberation or 督办 task is about."""
    deliberations = list(Deliberation.objects.filter(cases=case).select_related("compound").order_by("-scheduled_on", "-id"))
    tasks = list(SupervisionTask.objects.filter(cases=case).order_by("-id"))
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
