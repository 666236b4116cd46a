"""Writes of the API app: creating, revoking and touching personal API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.common.errors import DomainError, PermissionDenied

from .models import ApiToken, ApiTokenEvent, TokenEventKind

# token_urlsafe(30) gives exactly 40 characters.
SECRET_BYTES = 30
PREFIX_LENGTH = 8
MAX_ACTIVE_TOKENS = 10
# last_used_at is a hint for the owner ("is this token still in use?"), not an access log;
# writing it at most once a minute keeps a busy client from turning every read into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def user_may_administer_tokens(user) -> bool:
    """Administrators who may revoke anyone's token (a leaked key, a person who left)."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or (user.is_staff and user.has_perm("api.change_apitoken")))
    )


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the row and the full key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌的用途名称。")})
    if len(name) > 60:
        raise ValidationError({"name": _("名称不能超过60个字。")})
    if not user.is_active:
        raise PermissionDenied(_("该账号已停用，不能创建接口令牌。"))
    with transaction.atomic():
        # Serialise one user's creations so two parallel requests cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise DomainError(
                _("每个账号最多同时持有%(max)d个有效令牌，请先吊销不再使用的令牌。") % {"max": MAX_ACTIVE_TOKENS},
                code="token_limit",
            )
        key = secrets.token_urlsafe(SECRET_BYTES)
        token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=token_hash(key))
        ApiTokenEvent.objects.create(token=token, kind=TokenEventKind.CREATED, actor=user, data={"name": name})
    return token, key


def api_token_revoke(*, token_id: int, actor) -> ApiToken:
    """Revoke a token: by its owner, or by an administrator. A revoked token answers 401."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise DomainError(_("没有这个令牌。"), code="not_found")
        if token.user_id != actor.pk and not user_may_administer_tokens(actor):
            raise PermissionDenied(_("只能吊销自己的令牌；如需吊销他人的令牌，请联系系统管理员。"))
        if token.revoked_at is not None:
            raise DomainError(_("该令牌已于%(when)s吊销。") % {"when": timezone.localtime(token.revoked_at).strftime("%Y-%m-%d %H:%M")}, code="already_revoked")
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        ApiTokenEvent.objects.create(
            token=token,
            kind=TokenEventKind.REVOKED,
            actor=actor,
            data={"by_owner": token.user_id == actor.pk},
        )
    return token


def api_token_touch(token: ApiToken, *, now=None) -> bool:
    """Record that the token was used, unless that was recorded less than a minute ago.

    A conditional UPDATE rather than read-then-write: concurrent requests of one client write
    the row once, and a request never waits on another's row lock for a hint like this."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return False
    changed = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL))
        .update(last_used_at=now)
    )
    if changed:
        token.last_used_at = now
    return bool(changed)
