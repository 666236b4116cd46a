"""Error pages that work when nothing else does.

When the database is unreachable every request fails in the session or auth middleware; the
user should see "the service is briefly unavailable" (503, retry later) rather than a server
error, and nothing on that page may need the database. Connections are checked before reuse
(CONN_HEALTH_CHECKS), so the first request after the database returns is served normally.
"""

import logging
import sys

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _database_down() -> bool:
    _type, exc, _tb = sys.exc_info()
    return isinstance(exc, DatabaseError)


def server_error(request):
    if not _database_down():
        return HttpResponse(render_to_string("500.html"), status=500)
    logger.error("database unavailable while serving %s", request.path)
    if request.path.startswith(("/api/", "/open311/")):
        with translation.override("zh-hans"):
            message = _("服务暂时不可用，请稍后再试。")
        with translation.override("en"):
            message_en = _("服务暂时不可用，请稍后再试。")
        response = JsonResponse(
            {"error": {"code": "service_unavailable", "message": message, "message_en": message_en, "fields": {}}}, status=503
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
