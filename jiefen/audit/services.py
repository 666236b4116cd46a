"""Writes of the audit app: the access log."""

from .models import AccessKind, CaseAccess


def case_access_record(*, user, case, kind: str = AccessKind.CASE, detail: str = "", request=None) -> CaseAccess | None:
    """Log that ``user`` opened ``case`` (PIPL: access to personal data is accountable)."""
    if user is None or not user.is_authenticated:
        return None
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return CaseAccess.objects.create(user=user, case=case, kind=kind, detail=detail[:200], ip=ip or None)


REVEAL_PERMISSION = "cases.reveal_personal_data"


def may_reveal_personal_data(user) -> bool:
    """Whether the user may see full ID numbers and phones (on request, logged) and receive the
    documents parties sign unmasked: mediators and the governance centre's staff, whose work is
    calling parties and drawing up agreements, and anyone granted the permission in the admin
    (用户组/权限). Leaders and grid workers see masked numbers only. Which cases a user can open
    at all is decided elsewhere (cases_visible_to)."""
    if user is None or not user.is_authenticated:
        return False
    from jiefen.organisation.selectors import user_scope

    scope = user_scope(user)
    return bool(scope.staff_subdistrict_ids or scope.mediator_unit_ids) or user.has_perm(REVEAL_PERMISSION)
