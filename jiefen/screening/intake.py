"""A screening finding opens a case in one step (``?source=screeningfinding:<id>``)."""

from django.utils.translation import gettext as _

from jiefen.cases.intake_sources import IntakeSource
from jiefen.cases.models import Channel
from jiefen.common.errors import DomainError
from jiefen.organisation.selectors import user_scope

from .access import grids_visible_to
from .models import ScreeningFinding

KIND = "screeningfinding"


def resolve_finding(user, object_id: int) -> IntakeSource | None:
    if not user_scope(user).can_register:
        return None
    finding = (
        ScreeningFinding.objects.filter(pk=object_id, campaign_grid__in=grids_visible_to(user).values("id"))
        .select_related("campaign_grid__grid__village", "campaign_grid__campaign", "case")
        .first()
    )
    if finding is None:
        return None
    if finding.case_id:
        raise DomainError(_("该排查发现已登记为案件 %(number)s。") % {"number": finding.case.number}, code="intake_source_used")
    grid = finding.campaign_grid.grid
    description = finding.description
    if finding.parties:
        description += "\n" + _("当事人：%(names)s") % {"names": finding.parties}
    initial = {
        "channel": Channel.GRID_SCREENING,
        "title": finding.description.splitlines()[0][:40],
        "description": description,
        "address": finding.address,
        "grid": grid.pk,
    }
    if grid.village_id:
        initial["village"] = grid.village_id

    def attach(*, case, actor):
        from .services import finding_link_case

        finding_link_case(finding_id=finding.pk, case=case, actor=actor)

    return IntakeSource(
        token="",
        label=_("%(campaign)s · %(grid)s · %(day)s 排查发现")
        % {"campaign": finding.campaign_grid.campaign.name, "grid": grid.name, "day": finding.found_on},
        initial=initial,
        attach=attach,
    )
