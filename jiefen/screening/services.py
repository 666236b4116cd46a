"""Business writes on screening campaigns. Each checks who may do it, locks the row it changes,
writes the change and its ScreeningLog row in one transaction.

`case_check_missed_by_screening` runs inside every case registration (jiefen.cases.hooks): a
dispute that reaches the subdistrict by petition or police call from a grid a campaign has
just screened, without the screening having noticed it, is recorded as a 排查遗漏 incident.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.assessment.models import Incident, IncidentAction, IncidentEvent, IncidentKind, IncidentStatus
from jiefen.cases.models import Case, Channel
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind

from .access import access_for, campaign_can_manage, grid_can_record
from .models import (
    Campaign,
    CampaignGrid,
    CampaignKind,
    CampaignStatus,
    LogKind,
    ScreeningFinding,
    ScreeningLog,
    ScreeningTally,
)

# A campaign still answers for the disputes of its grids this many days after it closed: a
# dispute that surfaces as a petition a week after the 大排查 was missed by it.
MISSED_WINDOW_DAYS = 30
# Channels by which a dispute reaches the subdistrict over the grid's head (DESIGN §10).
MISSED_CHANNELS = (Channel.PETITION_REFERRAL, Channel.POLICE_REFERRAL)
# The village body that answers for its grids' screening: the 综治服务站 runs grid management;
# a village without one answers through its mediation committee.
RESPONSIBLE_UNIT_KINDS = (
    UnitKind.GOVERNANCE_STATION,
    UnitKind.VILLAGE_MEDIATION_COMMITTEE,
    UnitKind.VILLAGE_MEDIATION_ROOM,
)
MAX_HOUSEHOLDS_PER_DAY = 500


def _log(campaign, kind, actor=None, **data):
    return ScreeningLog.objects.create(campaign=campaign, kind=kind, actor=actor, data=data)


def _lock_campaign(campaign_id) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def _lock_grid(campaign_grid_id) -> CampaignGrid:
    return CampaignGrid.objects.select_for_update(of=("self",)).select_related("campaign", "grid").get(pk=campaign_grid_id)


# ---------------------------------------------------------------- campaigns


def campaign_create(
    *,
    actor,
    subdistrict: Area,
    name: str,
    kind: str = CampaignKind.COMBINED,
    start_date: date,
    end_date: date,
    description: str = "",
    villages=None,
    default_target: int,
    today: date | None = None,
) -> Campaign:
    """A campaign over every grid of the subdistrict (or of the chosen villages).

    Each grid's household target starts from the grid's target in its latest earlier campaign
    (the only household count the system holds), else `default_target`; staff correct it per
    grid afterwards. The grid's grid workers on the roster are assigned to it.
    """
    today = today or timezone.localdate()
    if subdistrict.kind != AreaKind.SUBDISTRICT:
        raise ValidationError({"subdistrict": _("请选择街道。")})
    if not campaign_can_manage(actor, subdistrict.id):
        raise PermissionDenied(_("只有本街道综治中心工作人员可以发起排查活动。"))
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写活动名称。")
    if end_date < start_date:
        errors["end_date"] = _("结束日期不能早于开始日期。")
    if kind not in CampaignKind.values:
        errors["kind"] = _("请选择活动类型。")
    if not default_target or default_target < 1:
        errors["default_target"] = _("每个网格的应走访户数至少为 1。")
    if errors:
        raise ValidationError(errors)
    grids = Area.objects.filter(kind=AreaKind.GRID, subdistrict=subdistrict)
    if villages:
        grids = grids.filter(village__in=villages)
    grid_ids = list(grids.order_by("village__sort_order", "sort_order", "id").values_list("id", flat=True))
    if not grid_ids:
        raise ValidationError({"villages": _("所选范围内没有网格。")})
    previous = {}
    for grid_id, target in (
        CampaignGrid.objects.filter(grid_id__in=grid_ids)
        .order_by("grid_id", "-campaign__start_date", "-id")
        .values_list("grid_id", "households_target")
    ):
        previous.setdefault(grid_id, target)
    rostered = RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, area_id__in=grid_ids, person__is_active=True
    ).values_list("area_id", "person_id")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            subdistrict=subdistrict,
            name=name,
            kind=kind,
            start_date=start_date,
            end_date=end_date,
            description=(description or "").strip(),
            status=CampaignStatus.ACTIVE if start_date <= today else CampaignStatus.PLANNED,
            created_by=actor,
        )
        rows = CampaignGrid.objects.bulk_create(
            [CampaignGrid(campaign=campaign, grid_id=g, households_target=previous.get(g, default_target)) for g in grid_ids]
        )
        by_grid = {row.grid_id: row.id for row in rows}
        Through = CampaignGrid.workers.through
        Through.objects.bulk_create(
            [Through(campaigngrid_id=by_grid[grid_id], person_id=person_id) for grid_id, person_id in rostered]
        )
        _log(campaign, LogKind.CREATED, actor, grids=len(grid_ids), status=campaign.status)
    return campaign


def campaign_start(*, campaign_id: int, actor, today: date | None = None) -> Campaign:
    today = today or timezone.localdate()
    with transaction.atomic():
        campaign = _lock_campaign(campaign_id)
        if not campaign_can_manage(actor, campaign):
            raise PermissionDenied(_("只有本街道综治中心工作人员可以开始排查活动。"))
        if campaign.status != CampaignStatus.PLANNED:
            raise IllegalTransition(_("只有计划中的活动可以开始（当前：%(status)s）。") % {"status": campaign.get_status_display()})
        campaign.status = CampaignStatus.ACTIVE
        if campaign.start_date > today:
            campaign.start_date = today
        campaign.save(update_fields=["status", "start_date"])
        _log(campaign, LogKind.STARTED, actor, on=today.isoformat())
    return campaign


def campaign_close(*, campaign_id: int, actor, today: date | None = None) -> Campaign:
    today = today or timezone.localdate()
    with transaction.atomic():
        campaign = _lock_campaign(campaign_id)
        if not campaign_can_manage(actor, campaign):
            raise PermissionDenied(_("只有本街道综治中心工作人员可以结束排查活动。"))
        if campaign.status == CampaignStatus.CLOSED:
            raise IllegalTransition(_("该活动已于%(day)s结束。") % {"day": campaign.closed_on})
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_on = today
        campaign.save(update_fields=["status", "closed_on"])
        _log(campaign, LogKind.CLOSED, actor, on=today.isoformat())
    return campaign


def campaign_grid_set_target(*, campaign_grid_id: int, actor, households_target: int, workers=None) -> CampaignGrid:
    """Staff correct a grid's household target and, optionally, who screens it."""
    if households_target is None or households_target < 1:
        raise ValidationError({"households_target": _("应走访户数至少为 1。")})
    with transaction.atomic():
        row = _lock_grid(campaign_grid_id)
        if not campaign_can_manage(actor, row.campaign):
            raise PermissionDenied(_("只有本街道综治中心工作人员可以调整网格任务。"))
        if row.campaign.status == CampaignStatus.CLOSED:
            raise IllegalTransition(_("活动已结束，不能再调整。"))
        before = row.households_target
        row.households_target = households_target
        row.save(update_fields=["households_target"])
        data = {"grid": row.grid.name, "from": before, "to": households_target}
        if workers is not None:
            row.workers.set(workers)
            data["workers"] = [p.name for p in workers]
        _log(row.campaign, LogKind.TARGET_CHANGED, actor, **data)
    return row


# ---------------------------------------------------------------- tallies and findings


def _check_recording(actor, row: CampaignGrid, day: date, today: date, field: str):
    if not grid_can_record(actor, row):
        raise PermissionDenied(_("只有该网格的网格员可以填报本网格的排查情况。"))
    campaign = row.campaign
    if campaign.status != CampaignStatus.ACTIVE:
        raise IllegalTransition(
            _("活动“%(name)s”%(status)s，不能填报。") % {"name": campaign.name, "status": campaign.get_status_display()}
        )
    if day > today:
        raise ValidationError({field: _("日期不能晚于今天。")})
    if day < campaign.start_date or day > campaign.end_date:
        raise ValidationError(
            {field: _("日期须在活动期间（%(start)s 至 %(end)s）。") % {"start": campaign.start_date, "end": campaign.end_date}}
        )


def _worker_for(actor, row: CampaignGrid, worker: Person | None) -> Person:
    """The grid worker a tally belongs to: the actor themself, or one chosen by staff."""
    access = access_for(actor)
    assigned = set(row.workers.values_list("id", flat=True))
    if worker is None:
        if access.person_id in assigned:
            return Person.objects.get(pk=access.person_id)
        raise ValidationError({"worker": _("请选择网格员。")})
    if worker.id not in assigned:
        raise ValidationError({"worker": _("%(name)s不是该网格的排查人员。") % {"name": worker.name}})
    if worker.id != access.person_id and not campaign_can_manage(actor, row.campaign):
        raise PermissionDenied(_("只能填报本人的走访情况。"))
    return worker


def tally_record(
    *,
    actor,
    campaign_grid_id: int,
    day: date,
    households_visited: int,
    disputes_found: int = 0,
    note: str = "",
    worker: Person | None = None,
    today: date | None = None,
) -> ScreeningTally:
    """Record a grid worker's day in a grid. Entering the same day again corrects it."""
    today = today or timezone.localdate()
    errors = {}
    if households_visited is None or households_visited < 0:
        errors["households_visited"] = _("走访户数不能为负数。")
    elif households_visited > MAX_HOUSEHOLDS_PER_DAY:
        errors["households_visited"] = _("一天走访户数不超过 %(n)s 户，请核对。") % {"n": MAX_HOUSEHOLDS_PER_DAY}
    if disputes_found is None or disputes_found < 0:
        errors["disputes_found"] = _("发现纠纷数不能为负数。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = _lock_grid(campaign_grid_id)
        _check_recording(actor, row, day, today, "day")
        person = _worker_for(actor, row, worker)
        tally = ScreeningTally.objects.filter(campaign_grid=row, worker=person, date=day).first()
        values = {"households_visited": households_visited, "disputes_found": disputes_found, "note": (note or "").strip()[:300]}
        data = {"grid": row.grid.name, "worker": person.name, "date": day.isoformat(), **values}
        if tally is None:
            tally = ScreeningTally.objects.create(campaign_grid=row, worker=person, date=day, recorded_by=actor, **values)
            _log(row.campaign, LogKind.TALLY, actor, tally=tally.id, **data)
        else:
            before = {"households_visited": tally.households_visited, "disputes_found": tally.disputes_found}
            for name, value in values.items():
                setattr(tally, name, value)
            tally.recorded_by = actor
            tally.save()
            _log(row.campaign, LogKind.TALLY_CORRECTED, actor, tally=tally.id, before=before, **data)
    return tally


def finding_record(
    *,
    actor,
    campaign_grid_id: int,
    description: str,
    found_on: date,
    address: str = "",
    parties: str = "",
    today: date | None = None,
) -> ScreeningFinding:
    today = today or timezone.localdate()
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("请简要写明发现的矛盾纠纷。")})
    with transaction.atomic():
        row = _lock_grid(campaign_grid_id)
        _check_recording(actor, row, found_on, today, "found_on")
        found_by = Person.objects.filter(user=actor).first()
        finding = ScreeningFinding.objects.create(
            campaign_grid=row,
            description=description,
            address=(address or "").strip(),
            parties=(parties or "").strip(),
            found_by=found_by,
            found_on=found_on,
            recorded_by=actor,
        )
        _log(row.campaign, LogKind.FINDING, actor, finding=finding.id, grid=row.grid.name, found_on=found_on.isoformat())
    return finding


def finding_link_case(*, finding_id: int, case: Case, actor) -> ScreeningFinding:
    """Link a finding to the case registered from it (called inside the registration's transaction)."""
    finding = ScreeningFinding.objects.select_for_update(of=("self",)).select_related("campaign_grid__campaign", "case").get(pk=finding_id)
    if finding.case_id and finding.case_id != case.pk:
        raise DomainError(_("该排查发现已登记为案件 %(number)s。") % {"number": finding.case.number})
    finding.case = case
    finding.save(update_fields=["case"])
    _log(finding.campaign_grid.campaign, LogKind.FINDING_CASE, actor, finding=finding.id, case=case.pk, number=case.number)
    return finding


# ---------------------------------------------------------------- 排查遗漏


def campaigns_covering(grid_id: int, on: date, *, window_days: int = MISSED_WINDOW_DAYS):
    """Campaign grids of `grid_id` whose campaign was running on `on` or closed within the window."""
    return CampaignGrid.objects.filter(grid_id=grid_id, campaign__start_date__lte=on).filter(
        Q(campaign__status=CampaignStatus.ACTIVE)
        | Q(campaign__status=CampaignStatus.CLOSED, campaign__closed_on__gte=on - timedelta(days=window_days))
    )


def _responsible_unit(village_id: int) -> Unit | None:
    units = {u.kind: u for u in Unit.objects.filter(area_id=village_id, kind__in=RESPONSIBLE_UNIT_KINDS, is_active=True).order_by("-id")}
    return next((units[kind] for kind in RESPONSIBLE_UNIT_KINDS if kind in units), None)


def case_check_missed_by_screening(case: Case, *, actor=None, today: date | None = None) -> Incident | None:
    """Record a 排查遗漏 incident if `case` is a dispute a campaign should have found.

    It is one when the case came by petition or police call, from a grid a campaign was
    screening when it was registered (or had finished screening within MISSED_WINDOW_DAYS),
    and no finding of that screening names the case or one of its parties. The incident goes
    against the village's body for the grid (RESPONSIBLE_UNIT_KINDS) and the grid's screening
    worker, pending the leading group's review. At most one per case.
    """
    if case.channel not in MISSED_CHANNELS or not case.grid_id:
        return None
    today = today or timezone.localdate()
    registered_on = timezone.localdate(case.created_at) if case.created_at else today
    rows = list(
        campaigns_covering(case.grid_id, registered_on)
        .select_related("campaign", "grid")
        .prefetch_related("findings", "workers__user")
        .order_by("-campaign__start_date", "-id")
    )
    if not rows:
        return None
    names = set(case.parties.values_list("name", flat=True))
    for row in rows:
        for finding in row.findings.all():
            if finding.case_id == case.pk or names & set(finding.party_names):
                return None
    if Incident.objects.filter(case=case, kind=IncidentKind.MISSED_BY_SCREENING).exists():
        return None
    unit = _responsible_unit(case.grid.village_id if case.grid.village_id else case.village_id)
    if unit is None:
        return None
    row = rows[0]
    users = [p.user for p in row.workers.all() if p.user_id and p.user.is_active and p.is_active]
    visited = row.tallies.aggregate(total=Sum("households_visited"))["total"] or 0
    evidence = {
        "case_number": case.number,
        "channel": case.channel,
        "campaign_id": row.campaign_id,
        "campaign": row.campaign.name,
        "grid_id": row.grid_id,
        "grid": row.grid.name,
        "households_target": row.households_target,
        "households_visited": visited,
        "findings": 0,
        "campaign_findings_in_grid": sum(len(r.findings.all()) for r in rows),
    }
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                kind=IncidentKind.MISSED_BY_SCREENING,
                case=case,
                unit=unit,
                responsible_user=users[0] if users else None,
                # The stage and the registration day make the (case, kind, stage, due_date)
                # constraint hold one such incident per case.
                stage="screening",
                due_date=registered_on,
                detected_on=today,
                assessment_year=registered_on.year,
                status=IncidentStatus.PENDING,
                evidence=evidence,
            )
    except IntegrityError:
        return None
    IncidentEvent.objects.create(
        incident=incident, action=IncidentAction.RECORDED, actor=None, to_status=IncidentStatus.PENDING, data=evidence
    )
    _log(row.campaign, LogKind.MISSED, actor, case=case.pk, number=case.number, grid=row.grid.name, incident=incident.id)
    return incident


def after_case_registered(*, case: Case, actor, today: date) -> None:
    """The post-registration hook (registered in ScreeningConfig.ready)."""
    case_check_missed_by_screening(case, actor=actor, today=today)
