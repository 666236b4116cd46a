"""Cases from before the system: historical ledgers (纸质/电子台账) brought in as archived cases.

An imported case is an ordinary case in every list, search and statistic, with three
differences that keep it honest:

- ``Case.imported`` is set, and its log holds one IMPORTED event (who imported it, when, from
  which file and row, the ledger's own number and what the ledger said) instead of a made-up
  history of transitions;
- its dates are the ledger's: registration (created_at), acceptance, conclusion of mediation
  (concluded_at) and closing (closed_at) — so it counts in the periods it happened in;
- its number is a normal number of the year it was registered (古湖-2024-000123).

It arrives archived. A ledger row says how the dispute ended: 调解成功 (an agreement; archived
means performed), 调解不成 (mediation ended without one; 上交 when it left the subdistrict), or
不予受理. Whether it was closed within its limits comes from the ledger when it says so, else
from the same limit rule the system applies (the mediation limit from acceptance; for a
rejection, the archiving limit), in working days with the holiday table.

All rows of one call are written in one transaction, or none. A row already imported (same
ledger number, or same registration date, village, title and parties) is skipped, so importing
a file twice changes nothing the second time.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.common.errors import PermissionDenied
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, Area, AreaKind, Unit
from jiefen.organisation.selectors import user_scope

from .deadlines import deadline_after
from .models import AgreementForm, Case, CaseEvent, CaseState, Channel, Complexity, DeadlineStage, DisputeType, EventKind, Party, RiskGrade
from .routing import route_propose, unit_serves

AGREED = "agreed"
TERMINATED = "terminated"
REJECTED = "rejected"
OUTCOMES = {AGREED: "调解成功", TERMINATED: "调解不成", REJECTED: "不予受理"}

# A date becomes this local time of day: midday keeps it on its local date on any database.
IMPORT_TIME = time(12, 0)


@dataclass
class HistoricalCase:
    """One dispute as a ledger recorded it; `row` is where it came from (for messages)."""

    registered_on: date
    title: str
    dispute_type: DisputeType
    village: Area
    address: str
    parties: list  # [{"name", "role", "id_number", "phone", "kind"}]
    outcome: str  # AGREED, TERMINATED or REJECTED
    closed_on: date
    description: str = ""
    channel: str = Channel.PARTY_APPLICATION
    row: int = 0
    original_number: str = ""
    accepted_on: date | None = None
    concluded_on: date | None = None
    people_involved: int | None = None
    amount_in_dispute: Decimal | None = None
    is_group: bool = False
    criminal_risk: bool = False
    risk_grade: str = RiskGrade.BLUE
    complexity: str = Complexity.ORDINARY
    tier: int | None = None
    unit: Unit | None = None
    mediator_name: str = ""
    agreement_form: str = AgreementForm.WRITTEN
    performance_due: date | None = None
    handed_up: bool = False
    referred_to: str = ""
    rejection_pointed_to: str = ""
    within_limits: bool | None = None
    extra: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        """What makes two ledger rows the same dispute."""
        if self.original_number.strip():
            key = f"n|{self.village.subdistrict_id}|{self.original_number.strip()}"
        else:
            names = ",".join(sorted((p.get("name") or "").strip() for p in self.parties))
            key = f"r|{self.registered_on.isoformat()}|{self.village.pk}|{self.title.strip()}|{names}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass
class ImportOutcome:
    created: list  # of Case
    skipped: list  # of (row, existing case number)


def _aware(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, IMPORT_TIME))


def historical_problems(item: HistoricalCase, *, actor, today: date | None = None) -> list[tuple[str, str]]:
    """What is wrong with a row, as (field, Chinese message) pairs; empty when it can be imported."""
    from .services import _clean_party

    today = today or timezone.localdate()
    problems = []

    def bad(name, message):
        problems.append((name, str(message)))

    scope = user_scope(actor)
    if item.village is None or item.village.kind not in (AreaKind.VILLAGE, AreaKind.COMMUNITY):
        bad("village", _("请填写村或社区。"))
    elif not (scope.is_superuser or item.village.subdistrict_id in scope.staff_subdistrict_ids):
        bad("village", _("只能导入本街道的案件。"))
    if not (item.title or "").strip():
        bad("title", _("请填写纠纷简题。"))
    elif len(item.title.strip()) > 120:
        bad("title", _("不能超过%(n)d个字。") % {"n": 120})
    if not (item.address or "").strip():
        bad("address", _("请填写纠纷发生地点。"))
    elif len(item.address.strip()) > 200:
        bad("address", _("不能超过%(n)d个字。") % {"n": 200})
    if item.channel not in Channel.values:
        bad("channel", _("来源渠道无效。"))
    if item.outcome not in OUTCOMES:
        bad("outcome", _("调处结果应为“调解成功”“调解不成”或“不予受理”。"))
    if not item.parties:
        bad("parties", _("至少需要一名当事人。"))
    for index, raw in enumerate(item.parties):
        try:
            _clean_party(raw, index)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                bad(f"parties.{index}.{key.rsplit('-', 1)[-1]}", messages[0])

    dates = [
        ("registered_on", item.registered_on),
        ("accepted_on", item.accepted_on),
        ("concluded_on", item.concluded_on),
        ("closed_on", item.closed_on),
    ]
    if item.registered_on is None:
        bad("registered_on", _("请填写登记日期。"))
    if item.closed_on is None:
        bad("closed_on", _("历史台账只能导入已办结的案件，请填写办结日期；未办结的案件请在系统中登记办理。"))
    if item.outcome in (AGREED, TERMINATED) and item.concluded_on is None:
        bad("concluded_on", _("调解成功或调解不成的案件须填写调解结束日期。"))
    if item.outcome == REJECTED and item.concluded_on is not None:
        bad("concluded_on", _("不予受理的案件没有调解结束日期。"))
    previous = None
    for name, value in dates:
        if value is None:
            continue
        if value > today:
            bad(name, _("日期不能晚于今天。"))
        if previous is not None and value < previous[1]:
            bad(name, _("日期不能早于%(what)s。") % {"what": DATE_LABELS[previous[0]]})
        previous = (name, value)
    if item.performance_due and item.concluded_on and item.performance_due < item.concluded_on:
        bad("performance_due", _("履行期限不能早于调解结束日期。"))
    if item.outcome != AGREED and item.performance_due:
        bad("performance_due", _("只有调解成功的案件有履行期限。"))
    if item.handed_up and item.outcome != TERMINATED:
        bad("handed_up", _("只有调解不成的案件可能上交。"))
    if item.outcome == AGREED and item.agreement_form not in AgreementForm.values:
        bad("agreement_form", _("协议形式应为书面协议或口头协议。"))
    if item.amount_in_dispute is not None and item.amount_in_dispute < 0:
        bad("amount_in_dispute", _("金额不能为负数。"))
    if item.risk_grade not in RiskGrade.values:
        bad("risk_grade", _("风险等级应为红、橙、黄或蓝。"))
    if item.complexity not in Complexity.values:
        bad("complexity", _("复杂程度应为一般、较复杂或复杂。"))
    if item.unit is not None and item.village is not None:
        if MEDIATION_TIER_BY_KIND.get(item.unit.kind) is None:
            bad("unit", _("所选单位不是调解组织。"))
        elif not unit_serves(item.unit, item.village):
            bad("unit", _("所选单位不服务于该村(社区)，请填写本村或街道的调解组织。"))
        elif item.tier and MEDIATION_TIER_BY_KIND[item.unit.kind] != item.tier:
            bad("tier", _("承办单位与调处层级不一致。"))
    return problems


DATE_LABELS = {
    "registered_on": "登记日期",
    "accepted_on": "受理日期",
    "concluded_on": "调解结束日期",
    "closed_on": "办结日期",
}


def _within_limits(item: HistoricalCase) -> bool:
    if item.within_limits is not None:
        return item.within_limits
    if item.outcome == REJECTED:
        return item.closed_on <= deadline_after(DeadlineStage.ARCHIVING, item.risk_grade, item.registered_on)
    accepted = item.accepted_on or item.registered_on
    return item.concluded_on <= deadline_after(DeadlineStage.MEDIATION, item.risk_grade, accepted)


def _unit_for(item: HistoricalCase) -> tuple[int, Unit]:
    if item.unit is not None:
        return MEDIATION_TIER_BY_KIND[item.unit.kind], item.unit
    if item.tier:
        from .routing import unit_for_kind
        from jiefen.organisation.models import UnitKind

        kind = {
            1: UnitKind.VILLAGE_MEDIATION_ROOM,
            2: UnitKind.VILLAGE_MEDIATION_COMMITTEE,
            3: UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE,
        }[int(item.tier)]
        return int(item.tier), unit_for_kind(kind, item.village)
    proposal = route_propose(
        village=item.village,
        compound=None,
        complexity=item.complexity,
        risk_grade=item.risk_grade,
        dispute_type_id=item.dispute_type.pk,
        is_group=item.is_group,
        criminal_risk=item.criminal_risk,
    )
    return proposal.tier, proposal.unit


def imported_fingerprints(fingerprints) -> dict[str, str]:
    """{fingerprint: case number} of the rows already imported."""
    found = (
        CaseEvent.objects.filter(kind=EventKind.IMPORTED, data__fingerprint__in=list(fingerprints))
        .values_list("data__fingerprint", "case__number")
    )
    return dict(found)


def case_import_historical(*, actor, cases: list[HistoricalCase], source: str = "", today: date | None = None) -> ImportOutcome:
    """Bring historical disputes in as archived, imported cases — all of them or none.

    Raises PermissionDenied for anyone but subdistrict staff, and ValidationError (keys
    "<row>:<field>") when any row is wrong; rows already imported are skipped and reported.
    """
    from .services import _clean_party, _next_number

    scope = user_scope(actor)
    if not scope.is_staff_anywhere:
        raise PermissionDenied(_("只有综治中心工作人员可以导入历史台账。"))
    today = today or timezone.localdate()
    errors = {}
    seen = {}
    for item in cases:
        for name, message in historical_problems(item, actor=actor, today=today):
            errors.setdefault(f"{item.row}:{name}", message)
        if item.village is not None and item.registered_on is not None:
            mark = item.fingerprint()
            if mark in seen:
                errors.setdefault(f"{item.row}:row", _("与第%(row)s行重复。") % {"row": seen[mark]})
            seen.setdefault(mark, item.row)
    if errors:
        raise ValidationError(errors)

    done = imported_fingerprints(seen)
    created, skipped = [], []
    now = timezone.now()
    with transaction.atomic():
        for item in cases:
            mark = item.fingerprint()
            if mark in done:
                skipped.append((item.row, done[mark]))
                continue
            tier, unit = _unit_for(item)
            agreed = item.outcome == AGREED
            concluded = item.concluded_on if item.outcome != REJECTED else None
            case = Case(
                title=item.title.strip(),
                description=(item.description or "").strip() or item.title.strip(),
                dispute_type=item.dispute_type,
                channel=item.channel,
                subdistrict=item.village.subdistrict_area,
                village=item.village,
                address=item.address.strip(),
                people_involved=item.people_involved or max(len(item.parties), 1),
                amount_in_dispute=item.amount_in_dispute,
                is_group=bool(item.is_group),
                criminal_risk=bool(item.criminal_risk),
                risk_grade=item.risk_grade,
                complexity=item.complexity,
                state=CaseState.ARCHIVED,
                tier=tier,
                assigned_unit=unit,
                reported_by=actor,
                agreement_form=item.agreement_form if agreed else "",
                performance_due=(item.performance_due or item.concluded_on) if agreed else None,
                referred_to=(item.referred_to or "").strip()[:100],
                rejection_pointed_to=(item.rejection_pointed_to or "").strip()[:200],
                imported=True,
            )
            case.number = _next_number(case.subdistrict, item.registered_on.year)
            case.save()
            # created_at is stamped "now" on insert; the ledger's date is the truth.
            dated = {
                "created_at": _aware(item.registered_on),
                "accepted_at": _aware(item.accepted_on or item.registered_on) if item.outcome != REJECTED else None,
                "concluded_at": _aware(concluded),
                "closed_at": _aware(item.closed_on),
                "closed_within_limits": _within_limits(item),
                "closed_inside_subdistrict": not item.handed_up,
            }
            Case.objects.filter(pk=case.pk).update(**dated)
            for name, value in dated.items():
                setattr(case, name, value)
            Party.objects.bulk_create([Party(case=case, **_clean_party(raw, i)) for i, raw in enumerate(item.parties)])
            CaseEvent.objects.create(
                case=case,
                kind=EventKind.IMPORTED,
                action="import_historical",
                actor=actor,
                to_state=CaseState.ARCHIVED,
                reason=_("自历史台账导入（%(source)s 第%(row)s行）") % {"source": source or _("台账"), "row": item.row},
                data={
                    "fingerprint": mark,
                    "source": source,
                    "row": item.row,
                    "original_number": item.original_number,
                    "outcome": item.outcome,
                    "registered_on": item.registered_on.isoformat(),
                    "accepted_on": item.accepted_on.isoformat() if item.accepted_on else "",
                    "concluded_on": item.concluded_on.isoformat() if item.concluded_on else "",
                    "closed_on": item.closed_on.isoformat(),
                    "mediator_name": item.mediator_name,
                    "handed_up": item.handed_up,
                    "imported_at": now.isoformat(),
                    **item.extra,
                },
            )
            done[mark] = case.number
            created.append(case)
    return ImportOutcome(created=created, skipped=skipped)


__all__ = ["HistoricalCase", "ImportOutcome", "case_import_historical", "historical_problems", "imported_fingerprints"]
