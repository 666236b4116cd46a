"""The answers every page gives the same way: a refusal page, and the status of a form a
service refused."""

from django.shortcuts import render

from jiefen.common.errors import ConflictError, PermissionDenied

from .forms import apply_service_errors


def forbidden(request, message):
    """403 with a page that says why, in the site's layout."""
    return render(request, "web/forbidden.html", {"message": message}, status=403)


def refused_status(exc, form) -> int:
    """Put a service's refusal on the form; returns the HTTP status to answer with."""
    apply_service_errors(exc, form)
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    return 400
