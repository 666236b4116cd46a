"""Reads of the API app."""

from django.db.models import F

from jiefen.common.prepared import Prepared

from .models import ApiToken
from .services import token_hash


# Compiled once (jiefen/common/prepared.py): every request with a token reads it.
_TOKEN_BY_HASH = Prepared(
    lambda key_hash: ApiToken.objects.select_related("user").filter(key_hash=key_hash)[:1], key_hash=str
)


def api_token_for_key(key: str) -> ApiToken | None:
    """The token whose secret is `key` (revoked ones included, so the caller can say so)."""
    if not key or len(key) > 200:
        return None
    found = _TOKEN_BY_HASH(key_hash=token_hash(key))
    return found[0] if found else None


def api_tokens_of(user):
    """Active tokens first, newest first; then the revoked ones, latest revoked first."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by").order_by(F("revoked_at").desc(nulls_first=True), "-id")
