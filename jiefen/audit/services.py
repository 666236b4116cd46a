"""Writes of the audit app: the access log."""

from .models import AccessKind, CaseAccess


def case_access_record(*, user, case, kind: str = AccessKind.CASE, detail: str = "", request=None) -> CaseAccess | None:
    """Log that ``user`` opened ``case`` (PIPL: access to personal data is accountable)."""
    if user is None or not user.is_authenticated:
        return None
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return CaseAccess.objects.create(user=user, case=case, kind=kind, detail=detail[:200], ip=ip or None)
