"""`Authorization: Token <key>` (or `Bearer <key>`) for programs; browsers use the session,
with DRF's CSRF check on every unsafe method."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken
from .selectors import api_token_for_key
from .services import api_token_touch

KEYWORDS = ("token", "bearer")


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    """Keeps the lazy message, so the error body can carry it in both languages."""

    def __init__(self, message, code):
        super().__init__(message, code)
        self.lazy_message = message


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise TokenAuthenticationFailed(
                _("Authorization 请求头格式应为“Token <令牌>”或“Bearer <令牌>”。"), "token_malformed"
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenAuthenticationFailed(_("令牌无效。"), "token_invalid") from None
        token = api_token_for_key(key)
        if token is None:
            raise TokenAuthenticationFailed(_("令牌无效。"), "token_invalid")
        if token.revoked_at is not None:
            raise TokenAuthenticationFailed(_("令牌已被吊销。"), "token_revoked")
        if not token.user.is_active:
            raise TokenAuthenticationFailed(_("令牌所属账号已停用。"), "user_inactive")
        api_token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        # A WWW-Authenticate header makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="api"'


def is_token_request(request) -> bool:
    return isinstance(getattr(request, "auth", None), ApiToken)
