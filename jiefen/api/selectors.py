"""Reads of the API app."""

from django.db.models import F

from .models import ApiToken
from .services import token_hash


def api_token_for_key(key: str) -> ApiToken | None:
    """The token whose secret is `key` (revoked ones included, so the caller can say so)."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()


def api_tokens_of(user):
    """Active tokens first, newest first; then the revoked ones, latest revoked first."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by").order_by(F("revoked_at").desc(nulls_first=True), "-id")
