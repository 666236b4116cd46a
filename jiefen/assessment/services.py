"""Business writes on 不到位 incidents: recording, review by the leading group, appeals, and the
cards that follow (DESIGN §10).

Each service locks the incident row, checks who acts and the version the form showed, writes
the change and its IncidentEvent in one transaction, reconciles the holders' cards in that same
transaction (with the unit and the liaison leader rows locked), and writes the notifications
there too — so a review that is rolled back leaves no card and no message behind.

Status moves: 待审核 → 已确认 or 已撤销; 已确认 → 已撤销 (voided on review or when an appeal is
granted); 已撤销 → 已确认 (confirmed again after a void: its cards come back). Confirming a
confirmed incident, or voiding a void one, changes nothing.
"""

from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jiefen.common.errors import ConflictError, DomainError, PermissionDenied
from jiefen.notifications.models import NotificationKind
from jiefen.notifications.services import notify
from jiefen.organisation.models import Person, Role, RoleAssignment, Unit

from . import access
from .cards import cards_reconcile, lock_holders, subdistrict_id_of
from .models import AppealStatus, Incident, IncidentAction, IncidentAppeal, IncidentEvent, IncidentKind, IncidentStatus

REVIEWER_ONLY = _lazy("不到位情形由矛盾纠纷多元化解领导小组审核（综治中心、政法委员、基层治理专员和街道领导）；您没有审核权限。")


def _event(incident, *, action, actor, from_status="", to_status="", reason="", data=None):
    return IncidentEvent.objects.create(
        incident=incident,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason or "",
        data=data or {},
    )


def _lock(incident_id: int) -> Incident:
    # Only the incident row: the unit and leader are locked on their own, in a fixed order.
    return Incident.objects.select_for_update(of=("self",)).select_related("unit__area", "case", "liaison_leader").get(pk=incident_id)


def _check_version(incident: Incident, expected_version: int | None):
    if expected_version is not None and incident.version != expected_version:
        last = incident.events.exclude(actor=None).select_related("actor").order_by("-id").first()
        who = (last.actor.get_full_name() or last.actor.username) if last and last.actor else _("系统")
        raise ConflictError(
            _("该不到位情形已被%(who)s处理（当前状态：%(status)s），您的操作未执行。请刷新页面后再操作。")
            % {"who": who, "status": incident.get_status_display()}
        )


def _bump(incident: Incident, **fields):
    fields["version"] = F("version") + 1
    Incident.objects.filter(pk=incident.pk).update(**fields)
    incident.refresh_from_db()


def liaison_leader_for(unit: Unit) -> Person | None:
    """The 联系领导 of a unit: the one assigned to the unit itself (a department), else the one
    assigned to its village (a village's bodies); none for a subdistrict unit nobody links."""
    assignments = RoleAssignment.objects.filter(role=Role.LIAISON_LEADER, person__is_active=True).select_related("person")
    found = assignments.filter(unit=unit).order_by("id").first()
    village = unit.area.village_area
    if found is None and village is not None:
        found = assignments.filter(area=village).order_by("id").first()
    return found.person if found else None


def _check_reviewer(actor, incident: Incident, leader_id=None):
    if not access.can_review(actor, incident.unit):
        raise PermissionDenied(REVIEWER_ONLY)
    if leader_id is None:
        leader_id = incident.liaison_leader_id
        if leader_id is None:
            leader = liaison_leader_for(incident.unit)
            leader_id = leader.pk if leader else None
    if access.reviewer_recuses(actor, leader_id):
        raise PermissionDenied(_("您是该单位的联系领导，不到位情形计入您本人的考核，请由领导小组其他成员审核。"))


def _no_pending_appeal(incident: Incident):
    if incident.appeals.filter(status=AppealStatus.PENDING).exists():
        raise DomainError(_("该不到位情形有待决定的申诉，请在申诉处理中作出决定。"), code="appeal_pending")


def _reconcile(incident: Incident, actor, leader_ids):
    """Lock the holders and bring their cards in line with the new count."""
    unit, leaders = lock_holders(unit_id=incident.unit_id, leader_ids=leader_ids)
    subdistrict_id = subdistrict_id_of(unit)
    result = {"unit": cards_reconcile(cause=incident, actor=actor, year=incident.assessment_year, subdistrict_id=subdistrict_id, unit=unit)}
    for leader in leaders.values():
        result[f"leader:{leader.pk}"] = cards_reconcile(
            cause=incident, actor=actor, year=incident.assessment_year, subdistrict_id=subdistrict_id, leader=leader
        )
    return result


def _notify_unit(incident: Incident, message: str):
    from django.urls import reverse

    notify(
        access.unit_people(incident.unit),
        kind=NotificationKind.INCIDENT,
        message=message,
        link=reverse("assessment:incident_detail", args=[incident.pk]),
    )


# ---------------------------------------------------------------- recording


def incident_record(
    *,
    actor,
    unit: Unit,
    kind: str,
    description: str,
    case=None,
    responsible_user=None,
    detected_on: date | None = None,
    evidence: dict | None = None,
) -> Incident:
    """A person records an incident the system cannot see (a dispute missed by screening that
    surfaced as a petition …). It waits for review like the detected ones."""
    description = (description or "").strip()
    if kind not in IncidentKind.values:
        raise DomainError(_("请选择不到位情形的类型。"), field="kind")
    if not description:
        raise DomainError(_("请写明不到位的事实和依据。"), field="description")
    if not access.can_review(actor, unit):
        raise PermissionDenied(_("只有综治中心工作人员和领导小组可以记录不到位情形。"))
    if case is not None and case.subdistrict_id != subdistrict_id_of(unit):
        raise DomainError(_("案件与责任单位不在同一街道。"), field="case")
    detected_on = detected_on or timezone.localdate()
    if detected_on > timezone.localdate():
        raise DomainError(_("发现日期不能晚于今天。"), field="detected_on")
    data = dict(evidence or {})
    data["description"] = description
    if case is not None:
        data.setdefault("case_number", case.number)
    with transaction.atomic():
        incident = Incident.objects.create(
            kind=kind,
            case=case,
            unit=unit,
            responsible_user=responsible_user,
            stage="",
            # Recorded by hand, one per case, kind and day; the detected ones carry their own keys.
            due_date=detected_on if case is not None else None,
            detected_on=detected_on,
            assessment_year=detected_on.year,
            status=IncidentStatus.PENDING,
            evidence=data,
        )
        _event(incident, action=IncidentAction.RECORDED, actor=actor, to_status=IncidentStatus.PENDING, reason=description, data={"recorded_by_hand": True})
    return incident


# ---------------------------------------------------------------- review


def incident_confirm(*, actor, incident_id: int, reason: str = "", expected_version: int | None = None) -> Incident:
    """The leading group confirms: the incident counts, and the cards it earns are issued."""
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = _lock(incident_id)
        leader = liaison_leader_for(incident.unit)
        _check_reviewer(actor, incident, leader_id=leader.pk if leader else None)
        if incident.status == IncidentStatus.CONFIRMED:
            return incident  # already counted; a second confirmation changes nothing
        _check_version(incident, expected_version)
        _no_pending_appeal(incident)
        before = incident.status
        _bump(
            incident,
            status=IncidentStatus.CONFIRMED,
            liaison_leader=leader,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
            review_reason=reason,
        )
        _event(
            incident,
            action=IncidentAction.CONFIRMED,
            actor=actor,
            from_status=before,
            to_status=IncidentStatus.CONFIRMED,
            reason=reason,
            data={"liaison_leader": leader.pk if leader else None, "liaison_leader_name": leader.name if leader else ""},
        )
        _reconcile(incident, actor, [incident.liaison_leader_id])
        _notify_unit(
            incident,
            _("%(unit)s的不到位情形（%(kind)s）经领导小组审核确认，计入%(year)d年度考核；如有异议可申诉。")
            % {"unit": incident.unit.name, "kind": incident.get_kind_display(), "year": incident.assessment_year},
        )
    return incident


def incident_void(*, actor, incident_id: int, reason: str, expected_version: int | None = None) -> Incident:
    """The leading group voids with a reason: the incident no longer counts; cards above what
    the remaining confirmed incidents earn are withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("撤销不到位情形时必须填写理由。"), field="reason")
    with transaction.atomic():
        incident = _lock(incident_id)
        _check_reviewer(actor, incident)
        if incident.status == IncidentStatus.VOID:
            return incident
        _check_version(incident, expected_version)
        _no_pending_appeal(incident)
        _void(incident, actor, reason, action=IncidentAction.VOIDED)
    return incident


def _void(incident: Incident, actor, reason: str, *, action, data=None):
    before = incident.status
    _bump(incident, status=IncidentStatus.VOID, reviewed_by=actor, reviewed_at=timezone.now(), review_reason=reason)
    _event(incident, action=action, actor=actor, from_status=before, to_status=IncidentStatus.VOID, reason=reason, data=data)
    if before == IncidentStatus.CONFIRMED:
        _reconcile(incident, actor, [incident.liaison_leader_id])


# ---------------------------------------------------------------- appeals


def incident_appeal_file(*, actor, incident_id: int, reason: str) -> IncidentAppeal:
    """The responsible unit's people (or its village's staff) dispute a pending or confirmed incident."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明申诉理由。"), field="reason")
    with transaction.atomic():
        incident = _lock(incident_id)
        if not access.can_appeal(actor, incident.unit):
            raise PermissionDenied(_("只有责任单位（或其所在村、社区）的工作人员可以对该不到位情形提出申诉。"))
        if incident.status == IncidentStatus.VOID:
            raise DomainError(_("该不到位情形已撤销，无需申诉。"), code="void")
        if incident.appeals.filter(status=AppealStatus.PENDING).exists():
            raise DomainError(_("该不到位情形已有申诉待决定，请等候领导小组的决定。"), code="appeal_pending")
        appeal = IncidentAppeal.objects.create(incident=incident, filed_by=actor, reason=reason)
        _bump(incident)
        _event(incident, action=IncidentAction.APPEALED, actor=actor, reason=reason, data={"appeal": appeal.pk})
        from django.urls import reverse

        notify(
            access.reviewers_of(subdistrict_id_of(incident.unit)),
            kind=NotificationKind.APPEAL,
            message=_("%(unit)s对不到位情形（%(kind)s）提出申诉，请审核决定。") % {"unit": incident.unit.name, "kind": incident.get_kind_display()},
            link=reverse("assessment:incident_detail", args=[incident.pk]),
        )
    return appeal


def incident_appeal_decide(*, actor, appeal_id: int, granted: bool, reason: str) -> IncidentAppeal:
    """Granted: the incident is voided and its cards withdrawn. Rejected: it stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明对申诉的决定理由。"), field="reason")
    incident_id = IncidentAppeal.objects.filter(pk=appeal_id).values_list("incident_id", flat=True).first()
    if incident_id is None:
        raise DomainError(_("申诉不存在。"))
    with transaction.atomic():
        incident = _lock(incident_id)
        appeal = IncidentAppeal.objects.select_for_update().get(pk=appeal_id)
        _check_reviewer(actor, incident)
        if appeal.status != AppealStatus.PENDING:
            raise ConflictError(_("该申诉已由他人作出决定（%(status)s），您的操作未执行。") % {"status": appeal.get_status_display()})
        appeal.status = AppealStatus.GRANTED if granted else AppealStatus.REJECTED
        appeal.decided_by, appeal.decided_at, appeal.decision_reason = actor, timezone.now(), reason
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if granted and incident.status != IncidentStatus.VOID:
            _void(incident, actor, reason, action=IncidentAction.APPEAL_GRANTED, data={"appeal": appeal.pk})
        else:
            _bump(incident)
            _event(
                incident,
                action=IncidentAction.APPEAL_GRANTED if granted else IncidentAction.APPEAL_REJECTED,
                actor=actor,
                reason=reason,
                data={"appeal": appeal.pk},
            )
        from django.urls import reverse

        outcome = _("申诉成立，该情形已撤销") if granted else _("申诉驳回")
        notify(
            [appeal.filed_by, *access.unit_people(incident.unit)],
            kind=NotificationKind.APPEAL,
            message=_("%(unit)s关于不到位情形（%(kind)s）的申诉：%(outcome)s。理由：%(reason)s")
            % {"unit": incident.unit.name, "kind": incident.get_kind_display(), "outcome": outcome, "reason": reason},
            link=reverse("assessment:incident_detail", args=[incident.pk]),
        )
    return appeal


__all__ = [
    "incident_record",
    "incident_confirm",
    "incident_void",
    "incident_appeal_file",
    "incident_appeal_decide",
    "liaison_leader_for",
]
