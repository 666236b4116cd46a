"""Routing: which tier and which unit a new case goes to (DESIGN §5)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jiefen.common.errors import DomainError
from jiefen.common.prepared import Prepared
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, VILLAGE_UNIT_KINDS, Area, AreaKind, Unit, UnitKind

from .models import RoutingRule, Tier


@dataclass
class RoutingProposal:
    tier: int
    unit: Unit
    rule: RoutingRule | None
    needs_sanlian: bool


def _matches(rule: RoutingRule, *, complexity, risk_grade, dispute_type_id, village_id, is_group, criminal_risk, in_compound):
    checks = (
        (rule.complexity, complexity),
        (rule.risk_grade, risk_grade),
    )
    if any(want and want != have for want, have in checks):
        return False
    if rule.dispute_type_id and rule.dispute_type_id != dispute_type_id:
        return False
    if rule.village_id and rule.village_id != village_id:
        return False
    for want, have in ((rule.is_group, is_group), (rule.criminal_risk, criminal_risk), (rule.in_compound, in_compound)):
        if want is not None and want != have:
            return False
    return True


# Compiled once (jiefen/common/prepared.py): read for every registration.
_ACTIVE_RULES = Prepared(lambda: RoutingRule.objects.filter(is_active=True).select_related("unit").order_by("priority", "id"))
_FIRST_ACTIVE_UNIT = Prepared(
    lambda kind, area: Unit.objects.filter(kind=kind, area=area, is_active=True).order_by("id")[:1], kind=str, area=int
)


def unit_for_kind(kind: str, village: Area) -> Unit:
    """The unit of that kind serving the case's place: the village's own for village kinds,
    the subdistrict's for the rest."""
    home = village if kind in VILLAGE_UNIT_KINDS else village.subdistrict_area
    found = _FIRST_ACTIVE_UNIT(kind=kind, area=home.pk) if home is not None else []
    unit = found[0] if found else None
    if unit is None:
        raise DomainError(
            _("%(place)s没有启用的“%(kind)s”，请先在组织架构中设置。") % {"place": home, "kind": UnitKind(kind).label},
            code="routing_unit_missing",
        )
    return unit


def unit_serves(unit: Unit, village: Area) -> bool:
    """Whether a chosen unit may take a case of `village`: an active unit of that village or
    of its subdistrict (the same choice the forms offer), never another village's or
    another subdistrict's."""
    return unit.is_active and unit.area_id in (village.id, village.subdistrict_id)


def route_propose(*, village: Area, compound: Area | None, complexity, risk_grade, dispute_type_id, is_group, criminal_risk):
    in_compound = bool(compound and compound.kind == AreaKind.COMPOUND)
    facts = dict(
        complexity=complexity,
        risk_grade=risk_grade,
        dispute_type_id=dispute_type_id,
        village_id=village.id,
        is_group=is_group,
        criminal_risk=criminal_risk,
        in_compound=in_compound,
    )
    for rule in _ACTIVE_RULES():
        if _matches(rule, **facts):
            if rule.unit is not None and not rule.unit.is_active:
                # A deactivated unit would leave the case without anyone to handle it.
                raise DomainError(
                    _("分流规则“%(rule)s”指定的承办单位“%(unit)s”已停用，请在分流规则中重新指定。")
                    % {"rule": rule.name, "unit": rule.unit.name},
                    code="routing_unit_missing",
                )
            unit = rule.unit or unit_for_kind(rule.unit_kind, village)
            return RoutingProposal(tier=rule.tier, unit=unit, rule=rule, needs_sanlian=rule.needs_sanlian and in_compound)
    return RoutingProposal(
        tier=Tier.VILLAGE_ROOM, unit=unit_for_kind(UnitKind.VILLAGE_MEDIATION_ROOM, village), rule=None, needs_sanlian=False
    )


UNIT_OUT_OF_AREA = _lazy("所选单位不服务于该村(社区)，请选择本村或街道的调解组织。")

ESCALATION_UNIT_KIND = {
    Tier.VILLAGE_ROOM: (Tier.VILLAGE_COMMITTEE, UnitKind.VILLAGE_MEDIATION_COMMITTEE),
    Tier.VILLAGE_COMMITTEE: (Tier.SUBDISTRICT_COMMITTEE, UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE),
}


def route_escalation(*, tier: int, village: Area, target_unit: Unit | None = None) -> tuple[int, Unit]:
    """The next tier up and its unit. A chosen unit must serve exactly that tier."""
    if tier not in ESCALATION_UNIT_KIND:
        raise DomainError(
            _("案件已在最高层级（街道人民调解委员会），不能再上报；如确需上交，请使用“上交”。"), code="top_tier"
        )
    next_tier, default_kind = ESCALATION_UNIT_KIND[tier]
    if target_unit is not None:
        if MEDIATION_TIER_BY_KIND.get(target_unit.kind) != next_tier:
            raise DomainError(_("所选单位不是第%(tier)s级调解组织。") % {"tier": next_tier}, code="wrong_tier_unit", field="unit")
        if not unit_serves(target_unit, village):
            raise DomainError(UNIT_OUT_OF_AREA, code="unit_out_of_area", field="unit")
        return next_tier, target_unit
    return next_tier, unit_for_kind(default_kind, village)
