"""The year-end assessment (综合考核, DESIGN §10): score sheets, their computation and publication.

Who is assessed
---------------
- 村(社区) sheets: every village and community of the subdistrict. The result is held by the
  village's 村(社区)调解委员会 (or, where a village has none, its 小马调解室, 综治服务站 or
  治保委员会, in that order), because awards and cards go to a unit; the result is named after
  the village. A village's figures are those of the cases *located* in it, whichever tier
  holds them (a case escalated to the subdistrict still counts in the village's 不上交率), and
  its deductions are the standing cards of all its village-level bodies (VILLAGE_UNIT_KINDS).
- 部门 sheets: the subdistrict's own departments of the kinds in DEPARTMENT_KINDS (社会治理办,
  综治中心, 派出所, 司法所, 人民法庭, 街道人民调解委员会, 街道小马调解室, 调解工作专班). The 党工委
  (who assesses), the 领导小组 (who reviews incidents) and the social bodies are not assessed.
  A department's figures are those of the cases it holds (Case.assigned_unit).
- 联系领导 sheets: every person with the 联系领导 role in the subdistrict. A leader's figures
  are the sums of the volumes of the villages and departments they liaise with (RoleAssignment
  area or unit); a case of a liaised village held by a liaised department counts in both, as it
  does in both subjects' own assessments. Deductions are the cards held by the leader.

How a subject is scored
-----------------------
Every indicator line gives ``weight × min(value ÷ target, 1)`` points (rounded to 0.01), the
value read from jiefen.reports.indicators over the calendar year. A rate with nothing to divide
(a village without any concluded mediation) scores the full weight: there was no work to fault,
and a village without disputes must not rank below one that handled them badly. The breakdown
says so on the line.

score = base score + Σ line points − Σ standing card deductions + Σ bonus points,
each bonus item counted at most to its max_points per subject.

Subjects holding a standing card of ``ineligible_from`` colour or worse are not eligible for
awards (评先评优); the reason is on the result.

Ranks follow the score only, competition style (1, 2, 2, 4): two subjects with the same score
share a place, because an award depends on the place. Within a shared place the one with the
larger volume (调结 — mediations concluded in the year) is listed first, and the volume is shown
beside the score.

Computing is a constant number of queries: one grouped breakdown per kind of subject, one query
for the cards, one for the awards, a delete and a bulk insert — however many villages there are.

While a sheet is a draft, computing rewrites its results; publishing computes one last time and
freezes them. A published sheet's lines, bonuses and results can no longer change, and nothing
recomputes them: later incidents, cards or cases leave a published assessment as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.organisation.models import (
    VILLAGE_LEVEL,
    VILLAGE_UNIT_KINDS,
    Area,
    AreaKind,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
)
from jiefen.organisation.selectors import user_scope
from jiefen.reports import indicators as ind
from jiefen.reports.periods import Period, year_period

from .models import (
    AssessmentResult,
    BonusAward,
    BonusItem,
    Card,
    CardColour,
    ScoreIndicator,
    ScoreSheet,
    SheetStatus,
    SubjectKind,
)
from .yearend_models import AssessmentAction, AssessmentEvent

CENT = Decimal("0.01")
ZERO = Decimal("0")

DEPARTMENT_KINDS = (
    UnitKind.GOVERNANCE_OFFICE,
    UnitKind.GOVERNANCE_CENTRE,
    UnitKind.POLICE_STATION,
    UnitKind.JUSTICE_OFFICE,
    UnitKind.PEOPLES_TRIBUNAL,
    UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE,
    UnitKind.SUBDISTRICT_MEDIATION_ROOM,
    UnitKind.TASK_FORCE,
)
# Which of a village's bodies holds its result, in order of preference.
VILLAGE_SUBJECT_UNIT_KINDS = (
    UnitKind.VILLAGE_MEDIATION_COMMITTEE,
    UnitKind.VILLAGE_MEDIATION_ROOM,
    UnitKind.GOVERNANCE_STATION,
    UnitKind.SECURITY_COMMITTEE,
)
CARD_SEVERITY = {CardColour.YELLOW: 1, CardColour.RED: 2, CardColour.BLACK: 3}
COLOURS = (CardColour.YELLOW, CardColour.RED, CardColour.BLACK)

RATE, COUNT, AMOUNT = "rate", "count", "amount"


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    measure: str  # the jiefen.reports.indicators measure that computes it
    kind: str  # rate, count or amount

    @property
    def label(self) -> str:
        return str(ind.FIGURE_LABELS.get(self.code, self.code))


# The indicators a score sheet can weigh: the §9 rates and the counts where more is better.
# (不到位 and cards are deductions, not indicators; open cases say nothing good or bad.)
INDICATORS = {
    spec.code: spec
    for spec in (
        IndicatorSpec("success_rate", ind.OUTCOMES, RATE),
        IndicatorSpec("performance_rate", ind.PERFORMANCE, RATE),
        IndicatorSpec("on_time_rate", ind.CLOSURES, RATE),
        IndicatorSpec("not_handed_up_rate", ind.CLOSURES, RATE),
        IndicatorSpec("screening_found", ind.NEW, COUNT),
        IndicatorSpec("new_cases", ind.NEW, COUNT),
        IndicatorSpec("agreements", ind.OUTCOMES, COUNT),
        IndicatorSpec("concluded", ind.OUTCOMES, COUNT),
        IndicatorSpec("closed", ind.CLOSURES, COUNT),
        IndicatorSpec("criminal_prevented", ind.OUTCOMES, COUNT),
        IndicatorSpec("group_prevented", ind.OUTCOMES, COUNT),
        IndicatorSpec("judicial_confirmations", ind.CONFIRMATIONS, COUNT),
        IndicatorSpec("agreement_amount", ind.OUTCOMES, AMOUNT),
    )
}


def indicator_choices() -> list[tuple[str, str]]:
    return [(code, spec.label) for code, spec in INDICATORS.items()]


def indicator_label(code: str) -> str:
    spec = INDICATORS.get(code)
    return spec.label if spec else code


# ---------------------------------------------------------------- defaults

# (indicator, weight, target): each sheet's lines add up to 100 points.
DEFAULT_LINES = {
    SubjectKind.VILLAGE: (
        ("success_rate", "30", "0.90"),
        ("performance_rate", "20", "0.95"),
        ("on_time_rate", "20", "0.95"),
        ("not_handed_up_rate", "20", "0.98"),
        ("screening_found", "10", "5"),
    ),
    SubjectKind.DEPARTMENT: (
        ("success_rate", "30", "0.90"),
        ("on_time_rate", "25", "0.95"),
        ("not_handed_up_rate", "25", "0.98"),
        ("judicial_confirmations", "20", "2"),
    ),
    SubjectKind.LIAISON_LEADER: (
        ("success_rate", "30", "0.90"),
        ("not_handed_up_rate", "30", "0.98"),
        ("on_time_rate", "20", "0.95"),
        ("performance_rate", "20", "0.95"),
    ),
}
DEFAULT_BONUS_ITEMS = {
    SubjectKind.VILLAGE: (
        (gettext_lazy("化解重大疑难或群体性纠纷"), "5"),
        (gettext_lazy("经验做法获县级以上推广或表彰"), "5"),
    ),
    SubjectKind.DEPARTMENT: (
        (gettext_lazy("警调、诉调、访调对接成效突出"), "5"),
        (gettext_lazy("经验做法获县级以上推广或表彰"), "5"),
    ),
    SubjectKind.LIAISON_LEADER: (
        (gettext_lazy("包案化解重大矛盾纠纷"), "5"),
        (gettext_lazy("带案下访、领导接访成效突出"), "5"),
    ),
}
SHEET_NAMES = {
    SubjectKind.VILLAGE: gettext_lazy("%(year)d年度村(社区)矛盾纠纷多元化解工作综合考核"),
    SubjectKind.DEPARTMENT: gettext_lazy("%(year)d年度街道部门矛盾纠纷多元化解工作综合考核"),
    SubjectKind.LIAISON_LEADER: gettext_lazy("%(year)d年度联系领导矛盾纠纷多元化解工作综合考核"),
}


# ---------------------------------------------------------------- who may


def may_manage(user, subdistrict_id) -> bool:
    """Subdistrict staff (综治中心, 政法委员, 基层治理专员) and superusers edit, compute and publish."""
    scope = user_scope(user)
    return scope.is_superuser or subdistrict_id in scope.staff_subdistrict_ids


def may_read(user, subdistrict_id) -> bool:
    """Leaders of the subdistrict read the sheets and results as well."""
    scope = user_scope(user)
    return may_manage(user, subdistrict_id) or subdistrict_id in scope.leader_subdistrict_ids


def may_use_assessment(user) -> bool:
    scope = user_scope(user)
    return bool(scope.is_superuser or scope.staff_subdistrict_ids or scope.leader_subdistrict_ids)


def sheets_visible_to(user):
    scope = user_scope(user)
    sheets = ScoreSheet.objects.select_related("subdistrict", "published_by")
    if scope.is_superuser:
        return sheets
    return sheets.filter(subdistrict_id__in=scope.staff_subdistrict_ids | scope.leader_subdistrict_ids)


def subdistricts_managed_by(user):
    scope = user_scope(user)
    subdistricts = Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("sort_order", "id")
    return subdistricts if scope.is_superuser else subdistricts.filter(pk__in=scope.staff_subdistrict_ids)


NOT_STAFF = gettext_lazy("考核评分表的编制、计算和发布由街道综治中心（政法委员）负责；领导可以查阅。您没有修改权限。")


def _refuse_unless_manager(actor, subdistrict_id):
    if not may_manage(actor, subdistrict_id):
        raise PermissionDenied(NOT_STAFF)


def _locked(actor, sheet_id) -> ScoreSheet:
    """The sheet locked for a change by `actor`: DoesNotExist when they may not even see it."""
    sheet = ScoreSheet.objects.select_for_update().filter(pk=sheet_id).first()
    if sheet is None or not may_read(actor, sheet.subdistrict_id):
        raise ScoreSheet.DoesNotExist(_("评分表不存在。"))
    _refuse_unless_manager(actor, sheet.subdistrict_id)
    return sheet


def _locked_draft(actor, sheet_id) -> ScoreSheet:
    sheet = _locked(actor, sheet_id)
    if sheet.status == SheetStatus.PUBLISHED:
        raise DomainError(
            _("“%(name)s”已于%(when)s发布，考核结果已冻结，不能再修改、加分或重新计算。")
            % {"name": sheet.name, "when": timezone.localtime(sheet.published_at).strftime("%Y-%m-%d %H:%M")},
            code="published",
        )
    return sheet


def _event(sheet, actor, action, data=None, *, subdistrict=None, year=None) -> AssessmentEvent:
    return AssessmentEvent.objects.create(
        subdistrict_id=subdistrict.pk if subdistrict else sheet.subdistrict_id,
        year=year or sheet.year,
        sheet=sheet,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        data=data or {},
    )


def _decimal(value, what, *, positive=False) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("%(what)s应为数字。") % {"what": what}) from None
    if positive and number <= 0:
        raise DomainError(_("%(what)s应大于0。") % {"what": what})
    if number < 0:
        raise DomainError(_("%(what)s不能为负数。") % {"what": what})
    return number


# ---------------------------------------------------------------- sheets and their lines


def score_sheet_create_default(actor, subdistrict, year: int, subject_kind: str) -> ScoreSheet:
    """A draft sheet with the default lines and bonus items for `subject_kind`; refused when
    the subdistrict already has that year's sheet of that kind."""
    if subject_kind not in SubjectKind.values:
        raise DomainError(_("考核对象只能是村(社区)、部门或联系领导。"))
    if not (2000 <= int(year) <= 2100):
        raise DomainError(_("考核年度不正确。"))
    _refuse_unless_manager(actor, subdistrict.pk)
    with transaction.atomic():
        # The subdistrict row serialises two people creating the same sheet at once.
        Area.objects.select_for_update().filter(pk=subdistrict.pk).first()
        if ScoreSheet.objects.filter(subdistrict=subdistrict, year=year, subject_kind=subject_kind).exists():
            raise DomainError(
                _("%(year)d年度%(kind)s考核评分表已经建立。")
                % {"year": int(year), "kind": SubjectKind(subject_kind).label}
            )
        sheet = ScoreSheet.objects.create(
            subdistrict=subdistrict,
            year=year,
            subject_kind=subject_kind,
            name=str(SHEET_NAMES[subject_kind]) % {"year": int(year)},
        )
        ScoreIndicator.objects.bulk_create(
            ScoreIndicator(sheet=sheet, indicator=code, weight=Decimal(weight), target=Decimal(target), sort_order=index)
            for index, (code, weight, target) in enumerate(DEFAULT_LINES[subject_kind], start=1)
        )
        BonusItem.objects.bulk_create(
            BonusItem(sheet=sheet, name=str(name), max_points=Decimal(points)) for name, points in DEFAULT_BONUS_ITEMS[subject_kind]
        )
        _event(sheet, actor, AssessmentAction.CREATED, {"name": sheet.name, "subject_kind": subject_kind})
    return sheet


SHEET_FIELDS = ("name", "base_score", "yellow_deduction", "red_deduction", "black_deduction", "ineligible_from")


def score_sheet_update(actor, sheet_id, **changes) -> ScoreSheet:
    """Change a draft sheet's name, base score, card deductions or eligibility rule."""
    unknown = set(changes) - set(SHEET_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些内容：%(fields)s。") % {"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        before = {}
        for name, value in changes.items():
            if name == "name":
                value = (value or "").strip()
                if not value:
                    raise DomainError(_("请填写评分表名称。"), field="name")
            elif name == "ineligible_from":
                value = value or ""
                if value and value not in CardColour.values:
                    raise DomainError(_("取消评优资格的牌色只能是黄牌、红牌、黑牌或不限制。"), field=name)
            else:
                value = _decimal(value, str(ScoreSheet._meta.get_field(name).verbose_name)).quantize(CENT)
            old = getattr(sheet, name)
            if old != value:
                before[name] = [str(old), str(value)]
                setattr(sheet, name, value)
        if before:
            sheet.save(update_fields=list(before))
            _event(sheet, actor, AssessmentAction.UPDATED, {"changes": before})
    return sheet


def score_indicator_set(actor, sheet_id, *, indicator: str, weight, target, sort_order: int | None = None) -> ScoreIndicator:
    """Add an indicator line to a draft sheet, or change the weight and target of the one there."""
    if indicator not in INDICATORS:
        raise DomainError(_("未知的考核指标“%(code)s”。") % {"code": indicator}, field="indicator")
    weight = _decimal(weight, _("分值"), positive=True).quantize(CENT)
    target = _decimal(target, _("目标值"), positive=True)
    if INDICATORS[indicator].kind == RATE and target > 1:
        raise DomainError(_("比率指标的目标值应在0到1之间，如0.95。"), field="target")
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        line = ScoreIndicator.objects.filter(sheet=sheet, indicator=indicator).first()
        if line is None:
            if sort_order is None:
                sort_order = (sheet.indicators.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0) + 1
            line = ScoreIndicator.objects.create(sheet=sheet, indicator=indicator, weight=weight, target=target, sort_order=sort_order)
        else:
            line.weight, line.target = weight, target
            if sort_order is not None:
                line.sort_order = sort_order
            line.save(update_fields=["weight", "target", "sort_order"])
        _event(
            sheet, actor, AssessmentAction.INDICATOR_SET,
            {"indicator": indicator, "weight": str(weight), "target": str(target)},
        )
    return line


def score_indicator_remove(actor, sheet_id, *, line_id) -> None:
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        line = ScoreIndicator.objects.filter(sheet=sheet, pk=line_id).first()
        if line is None:
            raise DomainError(_("该考核指标不存在。"))
        line.delete()
        _event(sheet, actor, AssessmentAction.INDICATOR_REMOVED, {"indicator": line.indicator})


def bonus_item_set(actor, sheet_id, *, name: str, max_points, item_id=None) -> BonusItem:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写加分项名称。"), field="name")
    max_points = _decimal(max_points, _("最高加分"), positive=True).quantize(CENT)
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        if item_id:
            item = BonusItem.objects.filter(sheet=sheet, pk=item_id).first()
            if item is None:
                raise DomainError(_("该加分项不存在。"))
            item.name, item.max_points = name, max_points
            item.save(update_fields=["name", "max_points"])
        else:
            item = BonusItem.objects.create(sheet=sheet, name=name, max_points=max_points)
        _event(sheet, actor, AssessmentAction.BONUS_ITEM_SET, {"item": item.pk, "name": name, "max_points": str(max_points)})
    return item


def bonus_item_remove(actor, sheet_id, *, item_id) -> None:
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        item = BonusItem.objects.filter(sheet=sheet, pk=item_id).first()
        if item is None:
            raise DomainError(_("该加分项不存在。"))
        if item.awards.exists():
            raise DomainError(_("“%(name)s”已有加分记录，请先撤销这些记录。") % {"name": item.name})
        item.delete()
        _event(sheet, actor, AssessmentAction.BONUS_ITEM_REMOVED, {"name": item.name})


def bonus_award_record(actor, *, item_id, points, reason: str, unit=None, leader=None) -> BonusAward:
    """Award bonus points to one subject of the item's sheet. A subject's points on one item
    never exceed the item's max_points: an award beyond what is left is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写加分事由。"), field="reason")
    points = _decimal(points, _("加分"), positive=True).quantize(CENT)
    if (unit is None) == (leader is None):
        raise DomainError(_("请选择一个加分对象。"), field="subject")
    item = BonusItem.objects.filter(pk=item_id).only("sheet_id").first()
    if item is None:
        raise DomainError(_("该加分项不存在。"))
    with transaction.atomic():
        sheet = _locked_draft(actor, item.sheet_id)
        item = BonusItem.objects.get(pk=item_id)
        key = _subject_key(unit=unit, leader=leader)
        subject = next((s for s in subjects_of(sheet) if s.key == key), None)
        if subject is None:
            raise DomainError(_("加分对象不是本评分表的考核对象。"), field="subject")
        already = sum(
            (award.points for award in item.awards.filter(unit=unit, leader=leader)), ZERO
        )
        left = item.max_points - already
        if points > left:
            raise DomainError(
                _("“%(item)s”最高加%(max)s分，%(subject)s已加%(already)s分，本次最多还能加%(left)s分。")
                % {"item": item.name, "max": item.max_points, "subject": subject.name, "already": already, "left": max(left, ZERO)},
                field="points",
            )
        award = BonusAward.objects.create(item=item, unit=unit, leader=leader, points=points, reason=reason, awarded_by=actor)
        _event(
            sheet, actor, AssessmentAction.BONUS_AWARDED,
            {"award": award.pk, "item": item.name, "subject": subject.name, "points": str(points), "reason": reason},
        )
    return award


def bonus_award_revoke(actor, *, award_id) -> None:
    award = BonusAward.objects.filter(pk=award_id).select_related("item").first()
    if award is None:
        raise DomainError(_("该加分记录不存在。"))
    with transaction.atomic():
        sheet = _locked_draft(actor, award.item.sheet_id)
        award.delete()
        _event(
            sheet, actor, AssessmentAction.BONUS_REVOKED,
            {"item": award.item.name, "points": str(award.points), "reason": award.reason},
        )


# ---------------------------------------------------------------- subjects


@dataclass
class Subject:
    key: str  # "u:<unit>", "p:<person>" or "v:<village>" (a village without any body)
    name: str
    order: int
    unit: Unit | None = None
    leader: Person | None = None
    village_ids: list = field(default_factory=list)  # figures by village
    unit_ids: list = field(default_factory=list)  # figures by unit
    card_unit_ids: list = field(default_factory=list)
    whole_subdistrict: bool = False
    covers: list = field(default_factory=list)  # names of what a leader liaises with


def _subject_key(*, unit=None, leader=None, village=None) -> str:
    if unit is not None:
        return f"u:{getattr(unit, 'pk', unit)}"
    if leader is not None:
        return f"p:{getattr(leader, 'pk', leader)}"
    return f"v:{getattr(village, 'pk', village)}"


def subjects_of(sheet: ScoreSheet) -> list[Subject]:
    """Everybody the sheet assesses, in the organisation's order (two or three queries)."""
    subdistrict_id = sheet.subdistrict_id
    if sheet.subject_kind == SubjectKind.VILLAGE:
        villages = list(Area.objects.filter(subdistrict_id=subdistrict_id, kind__in=VILLAGE_LEVEL).order_by("sort_order", "id"))
        bodies = defaultdict(list)
        for unit in Unit.objects.filter(
            area__subdistrict_id=subdistrict_id, area__kind__in=VILLAGE_LEVEL, kind__in=VILLAGE_UNIT_KINDS, is_active=True
        ).order_by("id"):
            bodies[unit.area_id].append(unit)
        subjects = []
        for order, village in enumerate(villages):
            units = bodies.get(village.pk, [])
            holder = next(
                (u for kind in VILLAGE_SUBJECT_UNIT_KINDS for u in units if u.kind == kind),
                None,
            )
            subjects.append(
                Subject(
                    key=_subject_key(unit=holder, village=village),
                    name=village.name,
                    order=order,
                    unit=holder,
                    village_ids=[village.pk],
                    card_unit_ids=[u.pk for u in units],
                )
            )
        return subjects
    if sheet.subject_kind == SubjectKind.DEPARTMENT:
        units = list(Unit.objects.filter(area_id=subdistrict_id, kind__in=DEPARTMENT_KINDS, is_active=True))
        units.sort(key=lambda u: (DEPARTMENT_KINDS.index(u.kind), u.pk))
        return [
            Subject(key=_subject_key(unit=u), name=u.name, order=order, unit=u, unit_ids=[u.pk], card_unit_ids=[u.pk])
            for order, u in enumerate(units)
        ]
    assignments = (
        RoleAssignment.objects.filter(role=Role.LIAISON_LEADER, person__is_active=True)
        .filter(
            Q(area_id=subdistrict_id)
            | Q(area__subdistrict_id=subdistrict_id)
            | Q(unit__area_id=subdistrict_id)
            | Q(unit__area__subdistrict_id=subdistrict_id)
        )
        .select_related("person", "area", "unit__area")
        .order_by("person_id", "id")
    )
    by_person: dict[int, Subject] = {}
    village_order = {}
    for assignment in assignments:
        person = assignment.person
        subject = by_person.get(person.pk)
        if subject is None:
            subject = by_person[person.pk] = Subject(key=_subject_key(leader=person), name=person.name, order=0, leader=person)
        area = assignment.unit.area if assignment.unit else assignment.area
        if assignment.unit and assignment.unit.area.kind == AreaKind.SUBDISTRICT:
            subject.unit_ids.append(assignment.unit_id)
            subject.covers.append(assignment.unit.name)
        elif area is not None and area.kind == AreaKind.SUBDISTRICT:
            subject.whole_subdistrict = True
            subject.covers.append(area.name)
        elif area is not None:
            village = area if area.is_village_level else area.village
            if village is not None and village.pk not in subject.village_ids:
                subject.village_ids.append(village.pk)
                subject.covers.append(village.name)
                village_order.setdefault(person.pk, (village.sort_order, village.pk))
    subjects = sorted(by_person.values(), key=lambda s: (village_order.get(s.leader.pk, (10**9, 0)), s.leader.pk))
    for order, subject in enumerate(subjects):
        subject.order = order
    return subjects


# ---------------------------------------------------------------- computing


def _sum_figures(rows) -> ind.Figures:
    total = ind.Figures()
    for row in rows:
        for name in ind.COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


def _figures_by_subject(sheet, subjects, lines, period: Period) -> dict[str, ind.Figures]:
    """Each subject's figures for the year, from at most three grouped computations."""
    measures = {ind.OUTCOMES} | {INDICATORS[line.indicator].measure for line in lines if line.indicator in INDICATORS}
    cases = ind.subdistrict_cases(sheet.subdistrict_id)
    by_village, by_unit, whole = {}, {}, None
    if any(s.village_ids for s in subjects):
        by_village = {row.key: row for row in ind.breakdown(cases, period, "village", measures=measures, include_empty=False)}
    if any(s.unit_ids for s in subjects):
        by_unit = {row.key: row for row in ind.breakdown(cases, period, "unit", measures=measures, include_empty=False)}
    if any(s.whole_subdistrict for s in subjects):
        whole = ind.breakdown(cases, period, "tier", measures=measures, include_empty=False)
    out = {}
    for subject in subjects:
        rows = [by_village[v] for v in subject.village_ids if v in by_village]
        rows += [by_unit[u] for u in subject.unit_ids if u in by_unit]
        if subject.whole_subdistrict and whole is not None:
            rows = list(whole)
        out[subject.key] = _sum_figures(rows)
    return out


def _line_value(figures: ind.Figures, spec: IndicatorSpec):
    """(value as Decimal or None, the text shown, numerator, denominator)."""
    if spec.kind == RATE:
        rate = getattr(figures, spec.code)
        if not rate.denominator:
            return None, ind.DASH, rate.numerator, rate.denominator
        value = Decimal(rate.numerator) / Decimal(rate.denominator)
        return value, f"{rate.percent}（{rate.fraction}）", rate.numerator, rate.denominator
    raw = getattr(figures, spec.code)
    value = Decimal(raw or 0)
    text = ind.format_amount(value) if spec.kind == AMOUNT else str(raw or 0)
    return value, text, None, None


def line_points(weight: Decimal, target: Decimal, value: Decimal | None) -> Decimal:
    """weight × min(value ÷ target, 1), to the cent; the full weight when there was nothing to measure."""
    if value is None or target <= 0:
        return Decimal(weight).quantize(CENT, ROUND_HALF_UP)
    ratio = min(value / Decimal(target), Decimal(1))
    return (Decimal(weight) * ratio).quantize(CENT, ROUND_HALF_UP)


def plain_number(value) -> str:
    """0.9000 → "0.9", 5.0000 → "5", 10 → "10" (never "1E+1")."""
    return format(Decimal(value).normalize(), "f")


def _money(value) -> str:
    return str(Decimal(value).quantize(CENT, ROUND_HALF_UP))


def _score_subject(sheet, subject, figures, lines, cards, items, awards) -> dict:
    breakdown_lines, line_total = [], ZERO
    for line in lines:
        spec = INDICATORS.get(line.indicator)
        if spec is None:
            breakdown_lines.append(
                {"indicator": line.indicator, "label": line.indicator, "value": None, "display": ind.DASH,
                 "target": str(line.target), "weight": _money(line.weight), "points": "0.00", "note": _("未知指标，不计分")}
            )
            continue
        value, display, numerator, denominator = _line_value(figures, spec)
        points = line_points(line.weight, line.target, value)
        line_total += points
        note = ""
        if value is None:
            note = _("无可计算的案件，按满分计")
        elif value >= line.target:
            note = _("达到目标")
        breakdown_lines.append(
            {
                "indicator": line.indicator,
                "label": spec.label,
                "kind": spec.kind,
                "value": None if value is None else str(value.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
                "display": display,
                "numerator": numerator,
                "denominator": denominator,
                "target": plain_number(line.target),
                "weight": _money(line.weight),
                "points": _money(points),
                "note": note,
            }
        )

    deductions = {colour: {"count": 0, "points": ZERO} for colour in COLOURS}
    card_rows, worst = [], None
    for card in cards:
        per_card = getattr(sheet, f"{card.colour}_deduction")
        slot = deductions[card.colour]
        slot["count"] += 1
        slot["points"] += per_card
        if worst is None or CARD_SEVERITY[card.colour] > CARD_SEVERITY[worst.colour]:
            worst = card
        card_rows.append(
            {
                "id": card.pk,
                "colour": card.colour,
                "colour_label": str(CardColour(card.colour).label),
                "holder": str(card.unit or card.leader),
                "incident": card.incident.get_kind_display() if card.incident_id else "",
                "issued_on": timezone.localtime(card.issued_at).date().isoformat() if card.issued_at else "",
                "deduction": _money(per_card),
            }
        )
    deduction_total = sum((slot["points"] for slot in deductions.values()), ZERO)

    bonus_rows, bonus_total = [], ZERO
    for item in items:
        given = awards.get((item.pk, subject.key), [])
        if not given:
            continue
        awarded = sum((a.points for a in given), ZERO)
        counted = min(awarded, item.max_points)
        bonus_total += counted
        bonus_rows.append(
            {
                "item_id": item.pk,
                "item": item.name,
                "max": _money(item.max_points),
                "awarded": _money(awarded),
                "counted": _money(counted),
                "reasons": [a.reason for a in given],
            }
        )

    score = (sheet.base_score + line_total - deduction_total + bonus_total).quantize(CENT, ROUND_HALF_UP)
    eligible, reason = True, ""
    if sheet.ineligible_from and worst is not None and CARD_SEVERITY[worst.colour] >= CARD_SEVERITY[sheet.ineligible_from]:
        eligible = False
        reason = _("持有%(colour)s（%(holder)s），按规定持有%(rule)s及以上警示牌的不得评先评优。") % {
            "colour": CardColour(worst.colour).label,
            "holder": str(worst.unit or worst.leader),
            "rule": CardColour(sheet.ineligible_from).label,
        }
    return {
        "subject": {
            "kind": sheet.subject_kind,
            "key": subject.key,
            "village_ids": subject.village_ids,
            "unit_ids": subject.unit_ids,
            "covers": subject.covers,
        },
        "volume": figures.concluded,
        "volume_label": str(ind.FIGURE_LABELS["concluded"]),
        "base": _money(sheet.base_score),
        "lines": breakdown_lines,
        "indicator_points": _money(line_total),
        "cards": card_rows,
        "deductions": {
            **{colour: {"count": slot["count"], "points": _money(slot["points"])} for colour, slot in deductions.items()},
            "total": _money(deduction_total),
        },
        "bonuses": bonus_rows,
        "bonus_total": _money(bonus_total),
        "score": _money(score),
        "eligible": eligible,
        "ineligible_reason": reason,
    }


def rank_rows(rows: list[dict]) -> list[dict]:
    """Sort by score (volume, then the organisation's order, within a tie) and give places
    1, 2, 2, 4 by score alone. Each row needs "score" (Decimal), "volume" and "order"."""
    rows.sort(key=lambda r: (-r["score"], -r["volume"], r["order"]))
    place, last = 0, None
    for index, row in enumerate(rows, start=1):
        if row["score"] != last:
            place, last = index, row["score"]
        row["rank"] = place
    return rows


def _compute(sheet: ScoreSheet, now: datetime) -> list[AssessmentResult]:
    period = year_period(sheet.year)
    lines = list(sheet.indicators.all())
    items = list(sheet.bonus_items.all())
    subjects = subjects_of(sheet)
    figures = _figures_by_subject(sheet, subjects, lines, period)

    awards = defaultdict(list)
    for award in BonusAward.objects.filter(item__sheet=sheet).order_by("id"):
        awards[(award.item_id, _subject_key(unit=award.unit_id, leader=award.leader_id))].append(award)

    unit_holder = {u: s.key for s in subjects for u in s.card_unit_ids}
    leader_holder = {s.leader.pk: s.key for s in subjects if s.leader is not None}
    cards = defaultdict(list)
    standing = Card.objects.filter(assessment_year=sheet.year, withdrawn_at__isnull=True)
    if sheet.subject_kind == SubjectKind.LIAISON_LEADER:
        standing = standing.filter(leader_id__in=list(leader_holder))
    else:
        standing = standing.filter(unit_id__in=list(unit_holder))
    for card in standing.select_related("unit", "leader", "incident").order_by("id"):
        key = unit_holder.get(card.unit_id) if card.unit_id else leader_holder.get(card.leader_id)
        if key:
            cards[key].append(card)

    rows = []
    for subject in subjects:
        detail = _score_subject(sheet, subject, figures[subject.key], lines, cards[subject.key], items, awards)
        detail["period"] = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        rows.append({"subject": subject, "detail": detail, "score": Decimal(detail["score"]), "volume": detail["volume"], "order": subject.order})
    rank_rows(rows)
    results = [
        AssessmentResult(
            sheet=sheet,
            unit=row["subject"].unit,
            leader=row["subject"].leader,
            subject_name=row["subject"].name,
            score=row["score"],
            rank=row["rank"],
            eligible=row["detail"]["eligible"],
            breakdown=row["detail"],
            computed_at=now,
        )
        for row in rows
    ]
    AssessmentResult.objects.filter(sheet=sheet).delete()
    return AssessmentResult.objects.bulk_create(results)


def _result_summary(results) -> dict:
    return {
        "subjects": len(results),
        "ineligible": sum(1 for r in results if not r.eligible),
        "top": [{"rank": r.rank, "subject": r.subject_name, "score": str(r.score)} for r in results[:3]],
    }


def assessment_compute(actor, sheet_id, *, now: datetime | None = None) -> list[AssessmentResult]:
    """Compute (or recompute) every subject's result on a draft sheet."""
    now = now or timezone.now()
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        results = _compute(sheet, now)
        _event(sheet, actor, AssessmentAction.COMPUTED, _result_summary(results))
    return results


def assessment_publish(actor, sheet_id, *, now: datetime | None = None) -> ScoreSheet:
    """Compute one final time and freeze the sheet and its results."""
    now = now or timezone.now()
    with transaction.atomic():
        sheet = _locked_draft(actor, sheet_id)
        if not sheet.indicators.exists():
            raise DomainError(_("评分表还没有考核指标，不能发布。"))
        results = _compute(sheet, now)
        sheet.status = SheetStatus.PUBLISHED
        sheet.published_at = now
        sheet.published_by = actor
        sheet.save(update_fields=["status", "published_at", "published_by"])
        _event(sheet, actor, AssessmentAction.PUBLISHED, _result_summary(results))
    return sheet


# ---------------------------------------------------------------- reading


def sheet_results(sheet: ScoreSheet) -> list[AssessmentResult]:
    """The results in their printed order: by place, the larger volume first within a place."""
    results = list(sheet.results.select_related("unit", "leader"))
    results.sort(key=lambda r: (r.rank, -int(r.breakdown.get("volume") or 0), r.id))
    return results


def year_sheets(subdistrict, year: int) -> list[ScoreSheet]:
    order = {kind: index for index, kind in enumerate(SubjectKind.values)}
    sheets = list(
        ScoreSheet.objects.filter(subdistrict=subdistrict, year=year)
        .select_related("subdistrict", "published_by")
        .prefetch_related("indicators", "bonus_items")
    )
    sheets.sort(key=lambda s: order.get(s.subject_kind, 9))
    return sheets


def sheet_subject_choices(sheet: ScoreSheet) -> list[tuple[str, str]]:
    """(key, name) of the subjects a bonus can go to; villages without a body cannot get one."""
    return [(s.key, s.name) for s in subjects_of(sheet) if not s.key.startswith("v:")]


def subject_from_key(key: str) -> dict:
    """{"unit": Unit} or {"leader": Person} for a key of sheet_subject_choices."""
    kind, _sep, pk = (key or "").partition(":")
    if kind == "u" and pk.isdigit():
        unit = Unit.objects.filter(pk=int(pk)).first()
        if unit is not None:
            return {"unit": unit}
    if kind == "p" and pk.isdigit():
        person = Person.objects.filter(pk=int(pk)).first()
        if person is not None:
            return {"leader": person}
    raise DomainError(_("请选择一个加分对象。"), field="subject")


def sheet_events(sheet: ScoreSheet, limit: int = 30) -> list[AssessmentEvent]:
    return list(sheet.events.select_related("actor").order_by("-id")[:limit])


# ---------------------------------------------------------------- the report's number

REPORT_SEQUENCE_KIND = "assessment:yearend"
REPORT_CODE = "矛调考"


def assessment_report_number(subdistrict, year: int, *, actor=None, now: datetime | None = None) -> str:
    """The 发文字号 of the year's written assessment report (古湖矛调考〔2026〕1号), issued from the
    documents app's per-subdistrict, per-year sequence the first time and the same ever after."""
    from jiefen.documents.models import DocumentSequence

    found = AssessmentEvent.objects.filter(subdistrict=subdistrict, year=year, action=AssessmentAction.REPORT_NUMBERED).first()
    if found is not None:
        return found.data["number"]
    now = now or timezone.now()
    with transaction.atomic():
        sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
            subdistrict=subdistrict, year=year, kind=REPORT_SEQUENCE_KIND
        )
        found = AssessmentEvent.objects.filter(subdistrict=subdistrict, year=year, action=AssessmentAction.REPORT_NUMBERED).first()
        if found is not None:
            return found.data["number"]
        DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
        sequence.refresh_from_db(fields=["last_value"])
        prefix = subdistrict.code or subdistrict.name
        number = f"{prefix}{REPORT_CODE}〔{year}〕{sequence.last_value}号"
        AssessmentEvent.objects.create(
            subdistrict=subdistrict, year=year, action=AssessmentAction.REPORT_NUMBERED,
            actor=actor if getattr(actor, "pk", None) else None, data={"number": number},
        )
    return number
