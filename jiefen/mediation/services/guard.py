"""What every mediation write does first and last: lock the case, check the user may handle
it, and log what happened on the case's event log (kind NOTE, `action` says what)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.models import Case, CaseEvent, CaseState, EventKind
from jiefen.cases.services import user_can_handle
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied

# Stages in which the case is being prepared for, or is in, mediation.
BEFORE_CONCLUSION = (CaseState.REGISTERED, CaseState.ACCEPTED, CaseState.ASSIGNED, CaseState.MEDIATING)
# A time typed a few minutes ahead of the server clock is still "now".
CLOCK_SKEW = timedelta(minutes=5)


def lock_case(case_id: int, actor) -> Case:
    """The case, locked for this transaction, once we know the actor may handle it."""
    try:
        # `of` keeps PostgreSQL from also locking the joined rows (the unit, the village).
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("dispute_type", "assigned_unit", "village", "subdistrict")
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("案件不存在。"), code="not_found") from None
    if not user_can_handle(actor, case):
        raise PermissionDenied(_("您无权办理该案件。"))
    if case.state == CaseState.ARCHIVED:
        raise IllegalTransition(_("已归档案件不能修改。"))
    return case


def require_state(case: Case, states, what: str) -> None:
    if case.state not in states:
        raise IllegalTransition(
            _("案件当前状态为“%(state)s”，不能%(what)s。") % {"state": case.get_state_display(), "what": what}
        )


def note(case: Case, actor, action: str, *, data=None, reason: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, action=action, actor=actor, reason=(reason or "").strip(), data=data or {}
    )


def bump_version(case: Case, **fields) -> None:
    """Change case fields and the version, so that open forms on the case page go stale."""
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, **fields)
    case.refresh_from_db(fields=["version", *fields])


def text(value, field: str, message: str, *, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if max_length and len(value) > max_length:
        raise ValidationError({field: _("不能超过%(n)d个字。") % {"n": max_length}})
    return value


def optional_text(value, field: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise ValidationError({field: _("不能超过%(n)d个字。") % {"n": max_length}})
    return value


def moment(value, field: str, *, default_now=True) -> datetime:
    """An aware datetime not in the future (a record is of what has happened)."""
    now = timezone.now()
    if value is None:
        if default_now:
            return now
        raise ValidationError({field: _("请填写时间。")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: _("时间不能晚于现在。")})
    return value


def aware(value, field: str) -> datetime:
    if value is None:
        raise ValidationError({field: _("请填写时间。")})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def party_names(parties) -> str:
    return "、".join(p.name for p in parties)


def user_name(user) -> str:
    return user.get_full_name() or user.username
