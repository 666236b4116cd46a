"""Business writes on prevention work. Each checks who may do it, locks what it changes and
writes its PreventionLog row in the same transaction."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.cases.models import Case, CaseState, Party
from jiefen.cases.selectors import cases_visible_to
from jiefen.common.errors import ConflictError, DomainError, IllegalTransition, PermissionDenied
from jiefen.common.versioning import version_check
from jiefen.organisation.models import Area, AreaKind, Room, RoomKind, Unit

from .access import activity_can_record_for, referral_can_act
from .models import Activity, CounsellingReferral, LogAction, PreventionLog, Programme, ReferralStatus

MAX_COUNT = 100_000


def _log(action, *, actor, activity=None, referral=None, from_status="", to_status="", note="", data=None):
    return PreventionLog.objects.create(
        action=action, actor=actor, activity=activity, referral=referral,
        from_status=from_status, to_status=to_status, note=note or "", data=data or {},
    )


# ---------------------------------------------------------------- activities


def activity_record(
    *,
    actor,
    unit: Unit,
    programme: Programme,
    title: str,
    day: date,
    village: Area | None = None,
    place: str = "",
    participants: int = 0,
    households_reached: int = 0,
    volunteers: int = 0,
    description: str = "",
    today: date | None = None,
) -> Activity:
    today = today or timezone.localdate()
    if not activity_can_record_for(actor, unit):
        raise PermissionDenied(_("您只能记录本单位组织的活动；综治中心工作人员可代为记录。"))
    subdistrict = unit.area if unit.area.kind == AreaKind.SUBDISTRICT else unit.area.subdistrict
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("请填写活动名称。")
    if day > today:
        errors["day"] = _("只能记录已开展的活动，日期不能晚于今天。")
    if not programme.is_active:
        errors["programme"] = _("该项目已停用。")
    if village is not None and (village.kind not in (AreaKind.VILLAGE, AreaKind.COMMUNITY) or village.subdistrict_id != subdistrict.id):
        errors["village"] = _("所选村(社区)不属于组织单位所在街道。")
    for name, value in (("participants", participants), ("households_reached", households_reached), ("volunteers", volunteers)):
        if value is None or value < 0 or value > MAX_COUNT:
            errors[name] = _("请填写 0 到 %(max)s 之间的数。") % {"max": MAX_COUNT}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            subdistrict=subdistrict,
            unit=unit,
            programme=programme,
            title=title,
            date=day,
            village=village,
            place=(place or "").strip(),
            participants=participants,
            households_reached=households_reached,
            volunteers=volunteers,
            description=(description or "").strip(),
            recorded_by=actor,
        )
        _log(LogAction.ACTIVITY_RECORDED, actor=actor, activity=activity, data={"title": title, "programme": programme.name, "date": day.isoformat()})
    return activity


# ---------------------------------------------------------------- counselling referrals


def _visible_case(actor, case_id) -> Case:
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise DomainError(_("找不到该案件。"), code="not_found")
    if not referral_can_act(actor, case):
        raise PermissionDenied(_("只有案件承办人员和综治中心工作人员可以办理心理疏导转介。"))
    return case


def referral_create(*, actor, case_id: int, party_id: int, reason: str, room: Room | None = None, today: date | None = None) -> CounsellingReferral:
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明转介心理疏导的原因。")})
    case = _visible_case(actor, case_id)
    if case.state == CaseState.ARCHIVED:
        raise IllegalTransition(_("案件已归档，不能再转介。"))
    party = Party.objects.filter(pk=party_id, case=case).first()
    if party is None:
        raise ValidationError({"party": _("所选当事人不是本案当事人。")})
    if room is not None and room.kind != RoomKind.COUNSELLING:
        raise ValidationError({"room": _("请选择心理咨询室。")})
    with transaction.atomic():
        Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
        try:
            with transaction.atomic():
                referral = CounsellingReferral.objects.create(
                    case=case, party=party, referred_by=actor, reason=reason, room=room, referred_on=today
                )
        except IntegrityError:
            raise ConflictError(_("%(name)s已有正在进行的心理疏导转介。") % {"name": party.name}) from None
        _log(LogAction.REFERRED, actor=actor, referral=referral, to_status=referral.status, note=reason, data={"party": party.name})
    return referral


# action -> (from statuses, to status, log action)
TRANSITIONS = {
    "accept": ((ReferralStatus.REFERRED,), ReferralStatus.ACCEPTED, LogAction.ACCEPTED),
    "session": ((ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS), ReferralStatus.IN_PROGRESS, LogAction.SESSION),
    "complete": ((ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS), ReferralStatus.COMPLETED, LogAction.COMPLETED),
    "decline": ((ReferralStatus.REFERRED, ReferralStatus.ACCEPTED), ReferralStatus.DECLINED, LogAction.DECLINED),
}
ACTION_LABELS = {
    "accept": gettext_lazy("接收"),
    "session": gettext_lazy("记录一次疏导"),
    "complete": gettext_lazy("完成疏导"),
    "decline": gettext_lazy("当事人未接受"),
}


def referral_actions(referral: CounsellingReferral) -> list[str]:
    return [action for action, (sources, _to, _log_action) in TRANSITIONS.items() if referral.status in sources]


def referral_transition(
    *, actor, referral_id: int, action: str, note: str = "", expected_version: int | None = None, today: date | None = None
) -> CounsellingReferral:
    """Move a referral on: accept, record a session, complete (with the outcome), decline (with why)."""
    today = today or timezone.localdate()
    if action not in TRANSITIONS:
        raise DomainError(_("未知的操作。"))
    sources, target, log_action = TRANSITIONS[action]
    note = (note or "").strip()
    if action in ("complete", "decline") and not note:
        raise ValidationError({"note": _("完成疏导须填写疏导结果；未接受须写明原因。")})
    with transaction.atomic():
        referral = CounsellingReferral.objects.select_for_update(of=("self",)).select_related("case").filter(pk=referral_id).first()
        if referral is None:
            raise DomainError(_("找不到该转介。"), code="not_found")
        _visible_case(actor, referral.case_id)
        version_check(referral, expected_version, _("转介"))
        if referral.status not in sources:
            raise IllegalTransition(
                _("当前状态“%(status)s”不能%(action)s。") % {"status": referral.get_status_display(), "action": ACTION_LABELS[action]}
            )
        if action == "complete" and referral.sessions == 0:
            raise IllegalTransition(_("尚未记录任何一次疏导，不能完成。"))
        before = referral.status
        referral.status = target
        if action == "accept":
            referral.accepted_on = today
        elif action == "session":
            referral.sessions = F("sessions") + 1
            referral.accepted_on = referral.accepted_on or today
        elif action in ("complete", "decline"):
            referral.closed_on = today
            referral.outcome = note
        referral.version = F("version") + 1
        referral.save()
        referral.refresh_from_db()
        _log(log_action, actor=actor, referral=referral, from_status=before, to_status=target, note=note, data={"sessions": referral.sessions})
    return referral
