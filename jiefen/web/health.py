"""GET /healthz: a liveness and database check for load balancers and the benchmark's floor.

It goes through the whole middleware stack (sessions, locale, CSRF, authentication) like any
page, so the benchmark's `floor` figure is the cost of the stack itself, and a deployment's
health check fails when the database does.
"""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"ok": False, "db": "error"}, status=503)
    # Reading the user loads the session when a cookie came with the request, as every page does.
    return JsonResponse({"ok": True, "db": connection.vendor, "authenticated": request.user.is_authenticated})
