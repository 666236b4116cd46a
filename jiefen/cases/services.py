"""Business writes on cases. Each locks the case, checks role, state and preconditions, writes
the change and its event in one transaction, and leaves side effects to on_commit."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.assessment.detection import incident_detect_held_tier
from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.common.errors import ConflictError, IllegalTransition, PermissionDenied
from jiefen.common.validators import normalise_id_number, normalise_phone, validate_id_number, validate_phone
from jiefen.notifications.models import NotificationKind
from jiefen.notifications.services import notify
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, Area, AreaKind, Role, Unit
from jiefen.organisation.selectors import may_register_in, mediators_of_unit, unit_mediators, user_scope

from .deadlines import case_record_missed_limit, case_set_deadline, deadline_after
from .hooks import run_after_registration
from .lifecycle import PRECONDITIONS, STAFF, TRANSITIONS, actions_from
from .models import (
    AgreementForm,
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseState,
    DeadlineStage,
    EventKind,
    Party,
    PartyKind,
    ReferralRoute,
    Tier,
)
from .routing import UNIT_OUT_OF_AREA, route_escalation, route_propose, unit_serves

User = get_user_model()


# ---------------------------------------------------------------- permissions


def user_can_handle(user, case: Case) -> bool:
    scope = user_scope(user)
    return (
        scope.is_superuser
        or case.subdistrict_id in scope.staff_subdistrict_ids
        or case.assigned_unit_id in scope.mediator_unit_ids
    )


def user_is_staff_for(user, case: Case) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or case.subdistrict_id in scope.staff_subdistrict_ids


def allowed_actions(user, case: Case) -> list:
    """The transitions this user may take on this case now; the UI shows exactly these."""
    if not user_can_handle(user, case):
        return []
    staff = user_is_staff_for(user, case)
    return [
        t
        for t in actions_from(case.state)
        if (t.who != STAFF or staff) and not (t.action == "escalate" and case.tier >= Tier.SUBDISTRICT_COMMITTEE)
    ]


# ---------------------------------------------------------------- helpers


def _event(case, *, kind, actor, action="", from_state="", to_state="", reason="", data=None):
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        reason=reason or "",
        data=data or {},
    )


def _notify(users, *, kind, case, message):
    notify(users, kind=kind, case=case, message=message)


def _unit_mediators_users(unit):
    return unit_mediators(unit)


def _lock(case_id: int, expected_version: int | None) -> Case:
    # Lock the case row only: without `of`, PostgreSQL would also lock the joined village and
    # unit rows, so every transition in a village would queue behind every other one.
    case = Case.objects.select_for_update(of=("self",)).select_related("village", "assigned_unit").get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        # Name the last person who changed it: the sweep logs OVERDUE events (no actor)
        # without bumping the version, so it is never the cause of a conflict.
        last = case.events.exclude(actor=None).select_related("actor").order_by("-id").first()
        who = (last.actor.get_full_name() or last.actor.username) if last and last.actor else _("系统")
        raise ConflictError(
            _("该案件已被%(who)s更新（当前状态：%(state)s），您的操作未执行。请刷新页面后确认再操作。")
            % {"who": who, "state": case.get_state_display()}
        )
    return case


def _save(case: Case):
    case.version = F("version") + 1
    case.save()
    case.refresh_from_db(fields=["version", "updated_at"])


def _next_number(subdistrict: Area, year: int) -> str:
    """Draw the next number in one statement: the UPDATE takes the row's write lock and hands
    the new value back, so concurrent registrations never see the same value and the lock is
    held only until the registering transaction ends."""
    table = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    sql = f"UPDATE {table} SET last_value = last_value + 1 WHERE subdistrict_id = %s AND year = %s RETURNING last_value"
    with connection.cursor() as cursor:
        cursor.execute(sql, [subdistrict.pk, year])
        row = cursor.fetchone()
        if row is None:
            # The first number of the year: create the row (a concurrent first registration
            # makes get_or_create find the other's row), then draw from it as above.
            CaseNumberSequence.objects.get_or_create(subdistrict=subdistrict, year=year)
            cursor.execute(sql, [subdistrict.pk, year])
            row = cursor.fetchone()
    prefix = subdistrict.code or subdistrict.name
    return f"{prefix}-{year}-{row[0]:06d}"


def _clean_party(raw: dict, index: int) -> dict:
    errors = {}
    name = (raw.get("name") or "").strip()
    kind = raw.get("kind") or PartyKind.PERSON
    id_number = normalise_id_number(raw.get("id_number", ""))
    phone = normalise_phone(raw.get("phone", ""))
    if not name:
        errors["name"] = _("请填写当事人姓名或名称。")
    if id_number and kind == PartyKind.PERSON:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    rep_phone = normalise_phone(raw.get("representative_phone", ""))
    if rep_phone:
        try:
            validate_phone(rep_phone)
        except ValidationError as exc:
            errors["representative_phone"] = exc.messages[0]
    if errors:
        raise ValidationError({f"parties-{index}-{field}": message for field, message in errors.items()})
    return {
        "role": raw.get("role") or "applicant",
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "address": (raw.get("address") or "").strip(),
        "representative_name": (raw.get("representative_name") or "").strip(),
        "representative_phone": rep_phone,
    }


def _check_place(village: Area, compound: Area | None, grid: Area | None):
    if village.kind not in (AreaKind.VILLAGE, AreaKind.COMMUNITY):
        raise ValidationError({"village": _("请选择村或社区。")})
    if compound and (compound.village_id != village.id or compound.kind not in (AreaKind.GROUP, AreaKind.COMPOUND)):
        raise ValidationError({"compound": _("所选村民小组/小区不属于该村(社区)。")})
    if grid and (grid.kind != AreaKind.GRID or grid.village_id != village.id):
        raise ValidationError({"grid": _("所选网格不属于该村(社区)。")})


# ---------------------------------------------------------------- intake


CASE_FIELDS = (
    "title",
    "description",
    "dispute_type",
    "channel",
    "village",
    "compound",
    "grid",
    "address",
    "latitude",
    "longitude",
    "people_involved",
    "amount_in_dispute",
    "is_group",
    "criminal_risk",
    "risk_grade",
    "complexity",
)


def case_intake_check(*, actor, data: dict, parties: list[dict]) -> list[dict]:
    """Registration's own checks of the place and the parties (the parties come back cleaned):
    they read nothing but the rows handed in, except for a grid worker's village."""
    village = data["village"]
    _check_place(village, data.get("compound"), data.get("grid"))
    if not parties:
        raise ValidationError({"parties": _("至少需要一名当事人。")})
    clean_parties = [_clean_party(raw, index) for index, raw in enumerate(parties)]
    if not may_register_in(actor, village):
        raise PermissionDenied(_("您不能在该村(社区)登记纠纷。"))
    return clean_parties


def case_register(*, actor, data: dict, parties: list[dict], routing_override: dict | None = None, today: date | None = None) -> Case:
    """Register a dispute: validate, number it, route it, set its first deadline, log it.

    `routing_override` ({"tier", "unit", "reason"}) lets subdistrict staff send the case
    elsewhere than the rule table proposes; the proposal and the reason are logged.
    """
    scope = user_scope(actor)
    if not scope.can_register:
        raise PermissionDenied(_("您没有登记矛盾纠纷的权限。"))
    today = today or timezone.localdate()
    village = data["village"]
    clean_parties = case_intake_check(actor=actor, data=data, parties=parties)

    proposal = route_propose(
        village=village,
        compound=data.get("compound"),
        complexity=data["complexity"],
        risk_grade=data["risk_grade"],
        dispute_type_id=data["dispute_type"].id,
        is_group=bool(data.get("is_group")),
        criminal_risk=bool(data.get("criminal_risk")),
    )
    tier, unit = proposal.tier, proposal.unit
    override_reason = ""
    if routing_override and routing_override.get("unit"):
        if not scope.is_superuser and village.subdistrict_id not in scope.staff_subdistrict_ids:
            raise PermissionDenied(_("只有综治中心工作人员可以调整分流。"))
        override_reason = (routing_override.get("reason") or "").strip()
        if not override_reason:
            raise ValidationError({"routing_reason": _("调整分流时必须填写理由。")})
        unit = routing_override["unit"]
        tier = int(routing_override.get("tier") or MEDIATION_TIER_BY_KIND.get(unit.kind) or tier)
        if MEDIATION_TIER_BY_KIND.get(unit.kind) != tier:
            raise ValidationError({"routing_unit": _("所选单位不是第%(tier)s级调解组织。") % {"tier": tier}})
        if not unit_serves(unit, village):
            raise ValidationError({"routing_unit": str(UNIT_OUT_OF_AREA)})

    case = Case(**{name: data.get(name) for name in CASE_FIELDS if name in data})
    case.title = case.title.strip()
    case.address = (case.address or "").strip()
    case.subdistrict = village.subdistrict_area
    case.tier = tier
    case.assigned_unit = unit
    case.needs_sanlian = proposal.needs_sanlian
    case.reported_by = actor
    case.state = CaseState.REGISTERED
    case.is_group = bool(case.is_group)
    case.criminal_risk = bool(case.criminal_risk)
    # Related rows handed in as loaded instances exist (the database's foreign keys hold them
    # to it); asking again would cost a query each.
    loaded = [name for name in ("dispute_type", "compound", "grid") if getattr(data.get(name), "pk", None) is not None]
    case.full_clean(exclude=["number", "reported_by", "assigned_unit", "subdistrict", "village", "tier", *loaded])
    # Everything that only reads happens before the write transaction: on SQLite a writer
    # holds the whole database, so the transaction is kept to the inserts.
    case_set_deadline(case, today)
    recipients = _unit_mediators_users(unit)
    message = _("新登记案件 %(number)s：%(title)s")
    routed = {
        "proposed_tier": proposal.tier,
        "proposed_unit": proposal.unit.id,
        "proposed_unit_name": proposal.unit.name,
        "rule": proposal.rule.name if proposal.rule else "",
        "needs_sanlian": proposal.needs_sanlian,
    }

    with transaction.atomic():
        case.number = _next_number(case.subdistrict, today.year)
        case.save()
        written = Party.objects.bulk_create([Party(case=case, **party) for party in clean_parties])
        events = [
            CaseEvent(case=case, kind=EventKind.CREATED, actor=actor, to_state=CaseState.REGISTERED, data={"channel": case.channel}),
            CaseEvent(case=case, kind=EventKind.ROUTED, actor=actor, data=routed),
        ]
        if override_reason:
            events.append(
                CaseEvent(
                    case=case,
                    kind=EventKind.ROUTING_OVERRIDE,
                    actor=actor,
                    reason=override_reason,
                    data={"from_tier": proposal.tier, "from_unit": proposal.unit.id, "to_tier": tier, "to_unit": unit.id},
                )
            )
        CaseEvent.objects.bulk_create(events)
        _notify(recipients, kind=NotificationKind.NEW_CASE, case=case, message=message % {"number": case.number, "title": case.title})
        run_after_registration(case, actor=actor, today=today)
    # The case comes back with the parties just written (in id order, as `case.parties` lists
    # them), so the caller can show them without reading them back.
    # (What prefetch_related would leave on it.)
    parties_written = case.parties.all()
    parties_written._result_cache = sorted(written, key=lambda party: party.pk)
    parties_written._prefetch_done = True
    case._prefetched_objects_cache = {"parties": parties_written}
    return case


def case_reroute(*, case_id: int, actor, unit: Unit, reason: str, expected_version: int | None = None) -> Case:
    """Staff send a case that has not started mediation to another unit, with a logged reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("调整分流时必须填写理由。")})
    tier = MEDIATION_TIER_BY_KIND.get(unit.kind)
    if tier is None:
        raise ValidationError({"unit": _("所选单位不是调解组织。")})
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        if not user_is_staff_for(actor, case):
            raise PermissionDenied(_("只有综治中心工作人员可以调整分流。"))
        if case.state not in (CaseState.REGISTERED, CaseState.ACCEPTED, CaseState.ASSIGNED):
            raise IllegalTransition(_("案件已开始调解，不能再调整分流；如需上一级调处，请使用“上报上一级”。"))
        if not unit_serves(unit, case.village):
            raise ValidationError({"unit": str(UNIT_OUT_OF_AREA)})
        before = {"tier": case.tier, "unit": case.assigned_unit_id}
        from_state = case.state
        case.tier, case.assigned_unit = tier, unit
        if case.mediator_id and case.mediator_id not in {u.id for u in _unit_mediators_users(unit)}:
            case.mediator = None
            if case.state == CaseState.ASSIGNED:
                case.state = CaseState.ACCEPTED
                case_set_deadline(case, timezone.localdate())
        _save(case)
        _event(
            case,
            kind=EventKind.ROUTING_OVERRIDE,
            actor=actor,
            # A mediator who does not belong to the new unit is released and the case goes back
            # to assignment; the log records that step back like any other change of state.
            from_state=from_state if case.state != from_state else "",
            to_state=case.state if case.state != from_state else "",
            reason=reason,
            data={"from_tier": before["tier"], "from_unit": before["unit"], "to_tier": tier, "to_unit": unit.id},
        )
        _notify(
            _unit_mediators_users(unit),
            kind=NotificationKind.ASSIGNED,
            case=case,
            message=_("案件 %(number)s 已转至本单位办理。") % {"number": case.number},
        )
    return case


def case_update_risk(*, case_id: int, actor, risk_grade: str, complexity: str, reason: str, expected_version=None) -> Case:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("调整风险等级或复杂程度时必须填写理由。")})
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        if not user_can_handle(actor, case):
            raise PermissionDenied(_("您无权调整该案件。"))
        if case.state == CaseState.ARCHIVED:
            raise IllegalTransition(_("已归档案件不能修改。"))
        before = {"risk_grade": case.risk_grade, "complexity": case.complexity}
        case.risk_grade, case.complexity = risk_grade, complexity
        case.full_clean(exclude=["number"])
        # A graver risk tightens the limit of the stage the case is in (red: same day); a
        # milder one never loosens a limit already running. Routing stays a staff decision.
        if case.due_stage in (DeadlineStage.ACCEPTANCE, DeadlineStage.ASSIGNMENT) and case.due_date:
            entered = case.events.filter(kind__in=[EventKind.CREATED, EventKind.TRANSITION, EventKind.ESCALATED]).order_by("-id").first()
            stage_start = timezone.localtime(entered.at if entered else case.created_at).date()
            tighter = deadline_after(case.due_stage, risk_grade, stage_start)
            if tighter < case.due_date:
                case.due_date = tighter
        _save(case)
        _event(case, kind=EventKind.RISK_CHANGED, actor=actor, reason=reason, data={"before": before, "after": {"risk_grade": risk_grade, "complexity": complexity}})
    return case


def case_extend_mediation(*, case_id: int, actor, days: int, reason: str, expected_version=None) -> Case:
    """Extend the mediation period; the parties' consent is the reason (MOJ 2002 Art. 33)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明当事人同意延长的情况。")})
    if not 1 <= int(days) <= 60:
        raise ValidationError({"days": _("延长天数应在1至60日之间。")})
    from datetime import timedelta

    with transaction.atomic():
        case = _lock(case_id, expected_version)
        if not user_can_handle(actor, case):
            raise PermissionDenied(_("您无权调整该案件。"))
        if case.state not in (CaseState.ASSIGNED, CaseState.MEDIATING):
            raise IllegalTransition(_("只有调解阶段的案件可以延长调解期限。"))
        case_record_missed_limit(case, timezone.localdate())
        case.mediation_due_date = case.mediation_due_date + timedelta(days=int(days))
        case.mediation_extended_days += int(days)
        case_set_deadline(case, timezone.localdate())
        _save(case)
        _event(case, kind=EventKind.DEADLINE_EXTENDED, actor=actor, reason=reason, data={"days": int(days), "new_due": case.mediation_due_date.isoformat()})
    return case


# ---------------------------------------------------------------- transitions


def case_transition(*, case_id: int, action: str, actor, reason: str = "", expected_version: int | None = None, today: date | None = None, **data) -> Case:
    """Take one step of the lifecycle. Refuses illegal moves naming the legal ones."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(_("未知的操作：%(action)s") % {"action": action})
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        if not user_can_handle(actor, case):
            raise PermissionDenied(_("您无权办理该案件。"))
        if case.state not in transition.sources:
            legal = [str(t.label) for t in allowed_actions(actor, case)]
            raise IllegalTransition(
                _("案件当前状态为“%(state)s”，不能执行“%(action)s”。当前可执行的操作：%(legal)s。")
                % {
                    "state": case.get_state_display(),
                    "action": transition.label,
                    "legal": "、".join(legal) if legal else _("无"),
                }
            )
        if transition.who == STAFF and not user_is_staff_for(actor, case):
            raise PermissionDenied(_("只有综治中心工作人员可以执行“%(action)s”。") % {"action": transition.label})
        if transition.needs_reason and not reason:
            raise ValidationError({"reason": _("执行“%(action)s”时必须填写理由或说明。") % {"action": transition.label}})
        for check in PRECONDITIONS.get(action, ()):
            check(case, actor=actor, data=data, today=today)
        from_state = case.state
        case_record_missed_limit(case, today)
        event_data = _apply(case, action, actor, today, reason, data)
        case.state = transition.target
        _stamp(case, from_state, today)
        case_set_deadline(case, today)
        _save(case)
        _event(
            case,
            kind=EventKind.ESCALATED if action == "escalate" else EventKind.TRANSITION,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=case.state,
            reason=reason,
            data=event_data,
        )
        _after(case, action, actor, from_state, reason, event_data, today)
    return case


def _apply(case: Case, action: str, actor, today: date, reason: str, data: dict) -> dict:
    """Action-specific checks and field changes; returns what goes into the event's data."""
    if action == "reject":
        pointed_to = (data.get("pointed_to") or "").strip()
        if not pointed_to:
            raise ValidationError({"pointed_to": _("不予受理时必须写明告知当事人的其他解决途径。")})
        case.rejection_pointed_to = pointed_to
        return {"pointed_to": pointed_to}
    if action == "accept":
        case.accepted_at = timezone.now()
        case.mediation_due_date = deadline_after(DeadlineStage.MEDIATION, case.risk_grade, today)
        return {"mediation_due_date": case.mediation_due_date.isoformat()}
    if action == "assign":
        mediator = data.get("mediator")
        if mediator is None:
            raise ValidationError({"mediator": _("请选择承办调解员。")})
        if not mediators_of_unit(case.assigned_unit).filter(pk=mediator.pk).exists():
            raise ValidationError({"mediator": _("%(name)s不是%(unit)s的调解员。") % {"name": mediator, "unit": case.assigned_unit}})
        case.mediator = mediator
        return {"mediator": mediator.pk, "mediator_name": mediator.get_full_name() or mediator.username}
    if action == "reach_agreement":
        form = data.get("agreement_form") or ""
        due = data.get("performance_due")
        if form not in AgreementForm.values:
            raise ValidationError({"agreement_form": _("请选择协议形式（书面或口头）。")})
        if due is None:
            raise ValidationError({"performance_due": _("请填写约定的履行期限。")})
        if due < today:
            raise ValidationError({"performance_due": _("履行期限不能早于今天。")})
        case.agreement_form, case.performance_due = form, due
        case.concluded_at = timezone.now()
        return {"agreement_form": form, "performance_due": due.isoformat()}
    if action == "terminate":
        # Art. 26: the parties are told they may pursue arbitration, administrative or judicial
        # routes; the notice is produced from this event (the reason and the routes told).
        told = data.get("routes_told")
        told = set(ReferralRoute.values) if told is None else set(told)
        routes = [route for route in ReferralRoute.values if route in told]
        if not routes or told - set(routes):
            raise ValidationError({"routes_told": _("请选择告知当事人的其他解决途径（仲裁、行政处理或诉讼）。")})
        case.concluded_at = timezone.now()
        return {"routes_told": routes}
    if action == "escalate":
        target = data.get("unit")
        tier, unit = route_escalation(tier=case.tier, village=case.village, target_unit=target)
        before = {"from_tier": case.tier, "from_unit": case.assigned_unit_id, "from_unit_name": case.assigned_unit.name}
        if case.escalated_from_unit_id is None:
            case.escalated_from_unit = case.assigned_unit
        case.tier, case.assigned_unit, case.mediator = tier, unit, None
        case.concluded_at = None
        case.mediation_due_date = deadline_after(DeadlineStage.MEDIATION, case.risk_grade, today)
        return {**before, "to_tier": tier, "to_unit": unit.id, "to_unit_name": unit.name}
    if action in ("refer_out", "hand_up"):
        referred_to = (data.get("referred_to") or "").strip()
        if not referred_to:
            raise ValidationError({"referred_to": _("请填写移送或上交的接收单位。")})
        case.referred_to = referred_to
        if action == "refer_out":
            route = data.get("route") or ""
            if route not in ReferralRoute.values:
                raise ValidationError({"route": _("请选择移送途径（诉讼、仲裁或行政处理）。")})
            case.referral_route = route
            return {"route": route, "referred_to": referred_to}
        return {"referred_to": referred_to}
    return {}


def _stamp(case: Case, from_state: str, today: date):
    if case.state == CaseState.ARCHIVED:
        case.closed_at = timezone.now()
        missed = Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT).exclude(status=IncidentStatus.VOID).exists()
        case.closed_within_limits = not (missed or case.is_overdue)
        case.closed_inside_subdistrict = from_state != CaseState.HANDED_UP


OUTCOME_ACTIONS = {"reach_agreement", "terminate", "archive", "refer_out", "hand_up", "confirm_performed"}


def _after(case: Case, action: str, actor, from_state: str, reason: str, event_data: dict, today: date):
    if action == "assign":
        _notify(
            [case.mediator],
            kind=NotificationKind.ASSIGNED,
            case=case,
            message=_("您被指派承办案件 %(number)s：%(title)s") % {"number": case.number, "title": case.title},
        )
    elif action == "escalate":
        origin = Unit.objects.get(pk=event_data["from_unit"])
        # The unit the case just left, and the unit it first came from (which gets the outcome
        # back) when the case is climbing a second tier.
        told = {user.pk: user for user in _unit_mediators_users(origin)}
        if case.escalated_from_unit_id and case.escalated_from_unit_id != origin.pk:
            told.update({user.pk: user for user in _unit_mediators_users(case.escalated_from_unit)})
        _notify(
            list(told.values()),
            kind=NotificationKind.ESCALATED,
            case=case,
            message=_("本村案件 %(number)s 已上报至%(unit)s，理由：%(reason)s")
            % {"number": case.number, "unit": case.assigned_unit.name, "reason": reason},
        )
        _notify(
            _unit_mediators_users(case.assigned_unit),
            kind=NotificationKind.ASSIGNED,
            case=case,
            message=_("%(unit)s上报案件 %(number)s，请及时受理分派。") % {"unit": origin.name, "number": case.number},
        )
        incident_detect_held_tier(case=case, from_state=from_state, event_data=event_data, reason=reason, today=today)
    elif action == "hand_up":
        Incident.objects.get_or_create(
            case=case,
            kind=IncidentKind.HANDED_UP,
            stage="",
            due_date=None,
            defaults={
                "unit": case.assigned_unit,
                "responsible_user": case.mediator,
                "detected_on": today,
                "assessment_year": today.year,
                "evidence": {"referred_to": case.referred_to, "reason": reason},
            },
        )
    if action in OUTCOME_ACTIONS and case.escalated_from_unit_id:
        # The village that handed the case up hears how it ended (DESIGN §5).
        _notify(
            _unit_mediators_users(case.escalated_from_unit),
            kind=NotificationKind.OUTCOME,
            case=case,
            message=_("上报案件 %(number)s 已%(outcome)s。") % {"number": case.number, "outcome": case.get_state_display()},
        )


# ---------------------------------------------------------------- recurrence


def case_open_recurrence(*, original_id: int, actor, reason: str, description: str = "", today: date | None = None) -> Case:
    """A dispute that was resolved has come back: open a linked case with the same parties,
    log it on both, and record the recurrence against the unit that closed it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明纠纷复发的情况。")})
    today = today or timezone.localdate()
    original = Case.objects.select_related("village", "compound", "grid", "dispute_type").get(pk=original_id)
    if original.state not in (CaseState.ARCHIVED, CaseState.VISITED, CaseState.PERFORMED):
        raise IllegalTransition(_("只有已化解（已履行、已回访或已归档）的案件才能登记复发；未结案件请继续办理。"))
    parties = list(original.parties.values("role", "kind", "name", "id_number", "phone", "address", "representative_name", "representative_phone"))
    data = {name: getattr(original, name) for name in CASE_FIELDS}
    data["title"] = _("【复发】%(title)s") % {"title": original.title}
    data["description"] = description.strip() or reason
    with transaction.atomic():
        case = case_register(actor=actor, data=data, parties=parties, today=today)
        Case.objects.filter(pk=case.pk).update(recurrence_of=original)
        case.recurrence_of = original
        _event(original, kind=EventKind.RECURRENCE, actor=actor, reason=reason, data={"new_case": case.id, "new_number": case.number})
        _event(case, kind=EventKind.RECURRENCE, actor=actor, reason=reason, data={"recurrence_of": original.id, "original_number": original.number})
        if original.agreement_form:
            # Only a dispute the unit resolved (an agreement was reached) counts against it when
            # it comes back; 不予受理, referral out or 上交 did not resolve it here.
            try:
                with transaction.atomic():
                    Incident.objects.create(
                        kind=IncidentKind.RECURRENCE,
                        case=original,
                        unit=original.assigned_unit,
                        responsible_user=original.mediator,
                        stage="",
                        due_date=today,
                        detected_on=today,
                        assessment_year=today.year,
                        evidence={"new_case": case.number, "reason": reason},
                    )
            except IntegrityError:
                pass  # a second recurrence the same day is the same incident
    return case


__all__ = [
    "case_register",
    "case_transition",
    "case_reroute",
    "case_update_risk",
    "case_extend_mediation",
    "case_open_recurrence",
    "allowed_actions",
    "user_can_handle",
    "Role",
    "User",
]
