"""Rate limits for programs calling with a token; people in a browser are not throttled.

Counts live in Django's cache. With the default local-memory cache each server process counts
on its own, so N processes let a client make up to N times the rate; a shared cache (Redis,
Memcached or the database cache) in CACHES makes the limit exact across processes."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import is_token_request


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        # Read per request: DRF's own THROTTLE_RATES class attribute is frozen at import, so
        # an overridden REST_FRAMEWORK setting would otherwise never reach it.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if not is_token_request(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
