"""Business writes on the discovery registers.

Each service locks what it changes, checks the user and the facts, writes the entry and its
DiscoveryEvent in one transaction. Linking a case to an entry runs inside the case's
registration transaction (see `jiefen.cases.intake_sources`), so a refused link leaves neither
the case nor the link behind.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.models import Case
from jiefen.cases.selectors import cases_visible_to
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.common.validators import normalise_phone, validate_phone
from jiefen.common.versioning import version_bump, version_check
from jiefen.organisation.models import LEADER_ROLES, VILLAGE_LEVEL, Area, AreaKind, Person, RoleAssignment

from .access import (
    access_for,
    field_visit_can_edit,
    field_visit_kinds_for,
    rota_can_manage,
    slot_can_record_visitor,
)
from .models import (
    CHANNEL_OF_KIND,
    RECEPTION,
    DiscoveryEvent,
    DiscoveryEventKind,
    FieldVisit,
    FieldVisitKind,
    ReceptionOutcome,
    ReceptionSlot,
    ReceptionVisit,
)

# The rota may be filled in after the fact (a turn nobody entered), but not rewritten a season later.
ROTA_BACKFILL_DAYS = 30
ROTA_AHEAD_DAYS = 366
FIELD_VISIT_MAX_HOURS = 24
FIELD_VISIT_BACKFILL_DAYS = 366
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)


def _log(*, subdistrict_id, kind, actor=None, slot=None, reception_visit=None, field_visit=None, note="", data=None):
    return DiscoveryEvent.objects.create(
        subdistrict_id=subdistrict_id,
        kind=kind,
        actor=actor,
        slot=slot,
        reception_visit=reception_visit,
        field_visit=field_visit,
        note=note or "",
        data=data or {},
    )


def _in_subdistrict(area: Area | None, subdistrict_id: int) -> bool:
    if area is None:
        return False
    return area.id == subdistrict_id or area.subdistrict_id == subdistrict_id


# ---------------------------------------------------------------- the rota


def leader_holds_role_in(person: Person, subdistrict: Area) -> bool:
    """A 领导 or 联系领导 whose unit, or linked village, lies in the subdistrict."""
    if person is None or not person.is_active:
        return False
    in_sub = Q(unit__area_id=subdistrict.id) | Q(unit__area__subdistrict_id=subdistrict.id)
    in_sub |= Q(area_id=subdistrict.id) | Q(area__subdistrict_id=subdistrict.id)
    return RoleAssignment.objects.filter(in_sub, person=person, role__in=LEADER_ROLES).exists()


def _clean_slot(*, subdistrict, leader, day, start_time, end_time, place, room, today, exclude_id=None):
    if subdistrict is None or subdistrict.kind != AreaKind.SUBDISTRICT:
        raise DomainError(_("请选择街道。"), field="subdistrict")
    if not leader_holds_role_in(leader, subdistrict):
        raise DomainError(
            _("%(name)s不是本街道的领导或联系领导，不能排入领导接访。") % {"name": getattr(leader, "name", "")}, field="leader"
        )
    if day is None:
        raise DomainError(_("请填写接访日期。"), field="date")
    if day < today - timedelta(days=ROTA_BACKFILL_DAYS):
        raise DomainError(_("只能补排%(days)d天以内的接访。") % {"days": ROTA_BACKFILL_DAYS}, field="date")
    if day > today + timedelta(days=ROTA_AHEAD_DAYS):
        raise DomainError(_("接访日期不能超过一年以后。"), field="date")
    if start_time is None or end_time is None:
        raise DomainError(_("请填写开始和结束时间。"), field="start_time")
    if end_time <= start_time:
        raise DomainError(_("结束时间应晚于开始时间。"), field="end_time")
    if room is not None and not _in_subdistrict(room.unit.area, subdistrict.id):
        raise DomainError(_("所选场所不属于本街道。"), field="room")
    place = (place or "").strip()
    if not place and room is not None:
        place = room.location or room.name
    if not place:
        raise DomainError(_("请填写接访地点或选择场所。"), field="place")
    # The leader's row is locked by the caller, so two schedulers cannot both book the same hour.
    clash = (
        ReceptionSlot.objects.filter(leader=leader, date=day, is_cancelled=False, start_time__lt=end_time, end_time__gt=start_time)
        .exclude(pk=exclude_id)
        .order_by("start_time")
        .first()
    )
    if clash is not None:
        raise DomainError(
            _("%(name)s在%(day)s %(start)s–%(end)s已有接访安排（%(place)s），时间不能重叠。")
            % {
                "name": leader.name,
                "day": day.isoformat(),
                "start": clash.start_time.strftime("%H:%M"),
                "end": clash.end_time.strftime("%H:%M"),
                "place": clash.place,
            },
            field="start_time",
        )
    return place


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def reception_slot_create(
    *, actor, subdistrict, leader, date: date, start_time: time, end_time: time, place="", room=None, note="", today=None
) -> ReceptionSlot:
    today = today or timezone.localdate()
    if subdistrict is None or not rota_can_manage(actor, subdistrict.id):
        raise PermissionDenied(_("领导接访排班由综治中心安排，您无权排班。"))
    with transaction.atomic():
        leader = _lock_person(leader)
        place = _clean_slot(
            subdistrict=subdistrict, leader=leader, day=date, start_time=start_time, end_time=end_time, place=place, room=room, today=today
        )
        slot = ReceptionSlot.objects.create(
            subdistrict=subdistrict,
            leader=leader,
            date=date,
            start_time=start_time,
            end_time=end_time,
            place=place,
            room=room,
            note=(note or "").strip(),
            created_by=actor,
        )
        _log(subdistrict_id=subdistrict.id, kind=DiscoveryEventKind.SLOT_CREATED, actor=actor, slot=slot, data=_slot_data(slot))
    return slot


def _slot_data(slot):
    return {
        "leader": slot.leader.name,
        "date": slot.date.isoformat(),
        "start": slot.start_time.strftime("%H:%M"),
        "end": slot.end_time.strftime("%H:%M"),
        "place": slot.place,
    }


def _lock_slot(slot_id) -> ReceptionSlot:
    try:
        return ReceptionSlot.objects.select_for_update(of=("self",)).select_related("subdistrict", "leader").get(pk=slot_id)
    except ReceptionSlot.DoesNotExist:
        raise DomainError(_("找不到该接访排班。")) from None


def reception_slot_update(
    *,
    slot_id,
    actor,
    leader,
    date: date,
    start_time: time,
    end_time: time,
    place="",
    room=None,
    note="",
    expected_version=None,
    today=None,
) -> ReceptionSlot:
    today = today or timezone.localdate()
    with transaction.atomic():
        slot = _lock_slot(slot_id)
        if not rota_can_manage(actor, slot.subdistrict_id):
            raise PermissionDenied(_("领导接访排班由综治中心安排，您无权调整。"))
        version_check(slot, expected_version, _("接访排班"))
        if slot.is_cancelled:
            raise DomainError(_("该接访已取消，不能再调整。"))
        if slot.visits.exists() and (date != slot.date or leader.pk != slot.leader_id):
            raise DomainError(_("该场接访已登记来访，不能再改日期或接访领导。"), field="date")
        # Lock both leaders, in id order so that two swaps cannot deadlock.
        for person_id in sorted({slot.leader_id, leader.pk}):
            Person.objects.select_for_update().filter(pk=person_id).first()
        leader = Person.objects.get(pk=leader.pk)
        before = _slot_data(slot)
        place = _clean_slot(
            subdistrict=slot.subdistrict,
            leader=leader,
            day=date,
            start_time=start_time,
            end_time=end_time,
            place=place,
            room=room,
            today=today,
            exclude_id=slot.pk,
        )
        slot.leader, slot.date, slot.start_time, slot.end_time = leader, date, start_time, end_time
        slot.place, slot.room, slot.note = place, room, (note or "").strip()
        version_bump(slot)
        _log(
            subdistrict_id=slot.subdistrict_id,
            kind=DiscoveryEventKind.SLOT_UPDATED,
            actor=actor,
            slot=slot,
            data={"before": before, "after": _slot_data(slot)},
        )
    return slot


def reception_slot_cancel(*, slot_id, actor, reason: str, expected_version=None) -> ReceptionSlot:
    reason = (reason or "").strip()
    with transaction.atomic():
        slot = _lock_slot(slot_id)
        if not rota_can_manage(actor, slot.subdistrict_id):
            raise PermissionDenied(_("领导接访排班由综治中心安排，您无权取消。"))
        version_check(slot, expected_version, _("接访排班"))
        if slot.is_cancelled:
            raise DomainError(_("该接访已取消。"))
        if not reason:
            raise DomainError(_("请填写取消原因。"), field="reason")
        if slot.visits.exists():
            raise DomainError(_("该场接访已登记来访，不能取消。"))
        slot.is_cancelled = True
        slot.cancel_reason = reason[:200]
        version_bump(slot)
        _log(subdistrict_id=slot.subdistrict_id, kind=DiscoveryEventKind.SLOT_CANCELLED, actor=actor, slot=slot, note=reason)
    return slot


# ---------------------------------------------------------------- visitors


def reception_visit_record(
    *,
    slot_id,
    actor,
    visitor_name: str,
    matter: str,
    phone: str = "",
    visitors_count: int = 1,
    village=None,
    address: str = "",
    handling: str = "",
    outcome: str = ReceptionOutcome.ANSWERED,
    follow_up: str = "",
    today=None,
) -> ReceptionVisit:
    today = today or timezone.localdate()
    visitor_name, matter = (visitor_name or "").strip(), (matter or "").strip()
    with transaction.atomic():
        slot = _lock_slot(slot_id)
        if not slot_can_record_visitor(actor, slot):
            raise PermissionDenied(_("只有综治中心工作人员和本场接访领导可以登记来访。"))
        if slot.is_cancelled:
            raise DomainError(_("该场接访已取消，不能登记来访。"))
        if slot.date > today:
            raise DomainError(_("接访尚未开始（%(day)s），不能提前登记来访。") % {"day": slot.date.isoformat()})
        if not visitor_name:
            raise DomainError(_("请填写来访人姓名。"), field="visitor_name")
        if not matter:
            raise DomainError(_("请填写反映事项。"), field="matter")
        if phone:
            try:
                validate_phone(phone)
            except ValidationError as exc:
                raise DomainError(exc.messages[0], field="phone") from None
            phone = normalise_phone(phone)
        if visitors_count is None or visitors_count < 1:
            raise DomainError(_("来访人数至少为1。"), field="visitors_count")
        if village is not None and (village.kind not in VILLAGE_LEVEL or village.subdistrict_id != slot.subdistrict_id):
            raise DomainError(_("所选村(社区)不在本街道。"), field="village")
        if outcome not in ReceptionOutcome.values:
            raise DomainError(_("请选择处理结果。"), field="outcome")
        if outcome == ReceptionOutcome.CASE:
            # The case is registered from the visit afterwards; until then it is followed up.
            outcome = ReceptionOutcome.FOLLOW_UP
        visit = ReceptionVisit.objects.create(
            slot=slot,
            subdistrict_id=slot.subdistrict_id,
            received_on=slot.date,
            visitor_name=visitor_name[:50],
            phone=phone,
            visitors_count=visitors_count,
            village=village,
            address=(address or "").strip(),
            matter=matter,
            handling=(handling or "").strip(),
            outcome=outcome,
            follow_up=(follow_up or "").strip(),
            recorded_by=actor,
        )
        _log(
            subdistrict_id=slot.subdistrict_id,
            kind=DiscoveryEventKind.VISITOR_RECORDED,
            actor=actor,
            slot=slot,
            reception_visit=visit,
            data={"visitors": visitors_count, "outcome": outcome, "village": village.name if village else ""},
        )
    return visit


def _check_channel(case: Case, kind: str):
    expected = CHANNEL_OF_KIND[kind]
    if case.channel != expected:
        raise DomainError(
            _("据此记录登记的案件，来源渠道应为“%(channel)s”。") % {"channel": expected.label}, field="channel"
        )


def reception_visit_link_case(*, visit_id, case: Case, actor) -> ReceptionVisit:
    """Record that `case` was opened from this visitor's matter (the intake form's attach step)."""
    with transaction.atomic():
        try:
            visit = ReceptionVisit.objects.select_for_update(of=("self",)).select_related("slot").get(pk=visit_id)
        except ReceptionVisit.DoesNotExist:
            raise DomainError(_("找不到该来访登记。")) from None
        from .access import reception_visits_visible_to

        if not reception_visits_visible_to(actor).filter(pk=visit.pk).exists():
            raise PermissionDenied(_("您无权据此来访登记案件。"))
        if visit.case_id is not None and visit.case_id != case.pk:
            raise DomainError(
                _("该来访已登记为案件 %(number)s，请勿重复登记。") % {"number": visit.case.number}, code="already_linked"
            )
        if case.subdistrict_id != visit.subdistrict_id:
            raise DomainError(_("案件与来访登记不属于同一街道。"), field="village")
        _check_channel(case, RECEPTION)
        visit.case = case
        visit.outcome = ReceptionOutcome.CASE
        visit.save(update_fields=["case", "outcome"])
        _log(
            subdistrict_id=visit.subdistrict_id,
            kind=DiscoveryEventKind.CASE_OPENED,
            actor=actor,
            slot=visit.slot,
            reception_visit=visit,
            data={"case_id": case.pk, "case_number": case.number},
        )
    return visit


# ---------------------------------------------------------------- field work


def _clean_field_visit(*, actor, kind, village, grid, compound, started_at, ended_at, findings, households_visited, issues_found, now):
    if kind not in FieldVisitKind.values:
        raise DomainError(_("请选择走访巡逻类别。"), field="kind")
    if village is None or village.kind not in VILLAGE_LEVEL:
        raise DomainError(_("请选择村(社区)。"), field="village")
    allowed = field_visit_kinds_for(actor, village)
    if not allowed:
        raise PermissionDenied(_("您无权登记%(village)s的走访巡逻记录。") % {"village": village.name})
    if kind not in allowed:
        raise PermissionDenied(
            _("“%(kind)s”由综治中心工作人员或领导登记；您可登记：%(allowed)s。")
            % {"kind": FieldVisitKind(kind).label, "allowed": "、".join(str(FieldVisitKind(k).label) for k in allowed)}
        )
    if grid is not None and (grid.kind != AreaKind.GRID or grid.village_id != village.id):
        raise DomainError(_("所选网格不在%(village)s。") % {"village": village.name}, field="grid")
    if compound is not None and (compound.kind not in (AreaKind.COMPOUND, AreaKind.GROUP) or compound.village_id != village.id):
        raise DomainError(_("所选小区/村民小组不在%(village)s。") % {"village": village.name}, field="compound")
    if started_at is None or ended_at is None:
        raise DomainError(_("请填写开始和结束时间。"), field="started_at")
    if started_at > now + CLOCK_SKEW:
        raise DomainError(_("开始时间不能晚于现在：请在走访巡逻结束后登记。"), field="started_at")
    if started_at < now - timedelta(days=FIELD_VISIT_BACKFILL_DAYS):
        raise DomainError(_("只能补登一年以内的走访巡逻。"), field="started_at")
    if ended_at <= started_at:
        raise DomainError(_("结束时间应晚于开始时间。"), field="ended_at")
    if ended_at - started_at > timedelta(hours=FIELD_VISIT_MAX_HOURS):
        raise DomainError(_("一次走访巡逻不超过%(hours)d小时，跨天的请分次登记。") % {"hours": FIELD_VISIT_MAX_HOURS}, field="ended_at")
    if ended_at > now + CLOCK_SKEW:
        raise DomainError(_("结束时间不能晚于现在。"), field="ended_at")
    if not (findings or "").strip():
        raise DomainError(_("请填写发现情况；未发现问题的，写明“未发现矛盾纠纷”。"), field="findings")
    if households_visited is None or households_visited < 0:
        raise DomainError(_("走访户数不能为负数。"), field="households_visited")
    if issues_found is None or issues_found < 0:
        raise DomainError(_("发现问题数不能为负数。"), field="issues_found")


def _carried_cases(actor, subdistrict_id, cases):
    cases = list(cases or [])
    if not cases:
        return []
    ids = {c.pk for c in cases}
    visible = set(cases_visible_to(actor).filter(pk__in=ids, subdistrict_id=subdistrict_id).values_list("pk", flat=True))
    missing = [c.number for c in cases if c.pk not in visible]
    if missing:
        raise DomainError(_("找不到案件或无权查看：%(numbers)s") % {"numbers": "、".join(missing)}, field="case_numbers")
    return cases


def field_visit_record(
    *,
    actor,
    kind: str,
    village,
    started_at: datetime,
    ended_at: datetime,
    findings: str,
    grid=None,
    compound=None,
    address: str = "",
    route: str = "",
    participants=(),
    other_participants: str = "",
    households_visited: int = 0,
    issues_found: int = 0,
    carried_cases=(),
    now=None,
) -> FieldVisit:
    now = now or timezone.now()
    _clean_field_visit(
        actor=actor,
        kind=kind,
        village=village,
        grid=grid,
        compound=compound,
        started_at=started_at,
        ended_at=ended_at,
        findings=findings,
        households_visited=households_visited,
        issues_found=issues_found,
        now=now,
    )
    if carried_cases and kind != FieldVisitKind.CASE_VISIT:
        raise DomainError(_("只有“带案下访”可以关联携带的案件。"), field="case_numbers")
    with transaction.atomic():
        carried = _carried_cases(actor, village.subdistrict_id, carried_cases)
        visit = FieldVisit.objects.create(
            subdistrict_id=village.subdistrict_id,
            kind=kind,
            village=village,
            grid=grid,
            compound=compound,
            address=(address or "").strip(),
            route=(route or "").strip() if kind == FieldVisitKind.PATROL else "",
            started_at=started_at,
            ended_at=ended_at,
            other_participants=(other_participants or "").strip()[:300],
            households_visited=households_visited,
            findings=findings.strip(),
            issues_found=issues_found,
            recorded_by=actor,
        )
        people = set(p.pk for p in participants or [])
        person_id = access_for(actor).person_id
        if person_id is not None:
            people.add(person_id)  # whoever records it was there
        visit.participants.set(people)
        if carried:
            visit.carried_cases.set(carried)
        _log(
            subdistrict_id=visit.subdistrict_id,
            kind=DiscoveryEventKind.FIELD_VISIT_RECORDED,
            actor=actor,
            field_visit=visit,
            data={
                "kind": kind,
                "village": village.name,
                "households": households_visited,
                "issues": issues_found,
                "carried_cases": [c.number for c in carried],
            },
        )
    return visit


UPDATABLE = ("grid", "compound", "address", "route", "started_at", "ended_at", "other_participants", "households_visited", "findings", "issues_found")


def _lock_field_visit(visit_id) -> FieldVisit:
    try:
        return FieldVisit.objects.select_for_update(of=("self",)).select_related("village").get(pk=visit_id)
    except FieldVisit.DoesNotExist:
        raise DomainError(_("找不到该走访巡逻记录。")) from None


def field_visit_update(*, visit_id, actor, expected_version=None, participants=None, now=None, **changes) -> FieldVisit:
    """Correct a field visit; its kind and village stay (a different outing is a new entry)."""
    now = now or timezone.now()
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"field_visit_update: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        visit = _lock_field_visit(visit_id)
        if not field_visit_can_edit(actor, visit):
            raise PermissionDenied(_("只有登记人和综治中心工作人员可以修改该记录。"))
        version_check(visit, expected_version, _("走访巡逻记录"))
        merged = {name: changes.get(name, getattr(visit, name)) for name in UPDATABLE}
        _clean_field_visit(
            actor=actor,
            kind=visit.kind,
            village=visit.village,
            grid=merged["grid"],
            compound=merged["compound"],
            started_at=merged["started_at"],
            ended_at=merged["ended_at"],
            findings=merged["findings"],
            households_visited=merged["households_visited"],
            issues_found=merged["issues_found"],
            now=max(now, visit.created_at),
        )
        changed = {}
        for name in UPDATABLE:
            value = merged[name]
            if isinstance(value, str):
                value = value.strip()
            if name == "route" and visit.kind != FieldVisitKind.PATROL:
                value = ""
            if getattr(visit, name) != value:
                changed[name] = str(getattr(value, "name", value))
                setattr(visit, name, value)
        if participants is not None:
            people = {p.pk for p in participants}
            if visit.recorded_by_id:
                recorder = Person.objects.filter(user_id=visit.recorded_by_id).values_list("id", flat=True).first()
                if recorder:
                    people.add(recorder)
            if people != set(visit.participants.values_list("id", flat=True)):
                visit.participants.set(people)
                changed["participants"] = sorted(people)
        if not changed:
            return visit
        version_bump(visit)
        _log(
            subdistrict_id=visit.subdistrict_id,
            kind=DiscoveryEventKind.FIELD_VISIT_UPDATED,
            actor=actor,
            field_visit=visit,
            data={"changed": changed},
        )
    return visit


def field_visit_link_case(*, visit_id, case: Case, actor) -> FieldVisit:
    """Record that `case` was opened from what this outing found (the intake form's attach step)."""
    with transaction.atomic():
        visit = _lock_field_visit(visit_id)
        from .access import field_visits_visible_to

        if not field_visits_visible_to(actor).filter(pk=visit.pk).exists():
            raise PermissionDenied(_("您无权据此记录登记案件。"))
        if case.subdistrict_id != visit.subdistrict_id:
            raise DomainError(_("案件与走访巡逻记录不属于同一街道。"), field="village")
        _check_channel(case, visit.kind)
        visit.opened_cases.add(case)
        _log(
            subdistrict_id=visit.subdistrict_id,
            kind=DiscoveryEventKind.CASE_OPENED,
            actor=actor,
            field_visit=visit,
            data={"case_id": case.pk, "case_number": case.number},
        )
    return visit


def field_visit_attach_cases(*, visit_id, actor, cases) -> FieldVisit:
    """Name the existing cases a 带案下访 carried (the user must see each of them)."""
    with transaction.atomic():
        visit = _lock_field_visit(visit_id)
        if not field_visit_can_edit(actor, visit):
            raise PermissionDenied(_("只有登记人和综治中心工作人员可以关联案件。"))
        if visit.kind != FieldVisitKind.CASE_VISIT:
            raise DomainError(_("只有“带案下访”可以关联携带的案件。"), field="case_numbers")
        carried = _carried_cases(actor, visit.subdistrict_id, cases)
        if not carried:
            raise DomainError(_("请填写要关联的案件编号。"), field="case_numbers")
        already = set(visit.carried_cases.values_list("id", flat=True))
        new = [c for c in carried if c.pk not in already]
        if not new:
            return visit
        visit.carried_cases.add(*new)
        _log(
            subdistrict_id=visit.subdistrict_id,
            kind=DiscoveryEventKind.CASES_CARRIED,
            actor=actor,
            field_visit=visit,
            data={"case_numbers": [c.number for c in new]},
        )
    return visit
