"""One error body for every refusal of the API:

    {"error": {"code": "<stable code>", "message": "<中文>", "message_en": "<English>",
               "fields": {"<field>": [{"code": …, "message": …, "message_en": …}]},
               "details": {…}}}

`code` is stable and meant for programs; the messages are for people. Field names are the
request's own, with parties addressed as `parties[0].id_number`."""

import logging
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.utils import translation
from rest_framework import exceptions, status
from rest_framework.response import Response

from jiefen.common.errors import ConflictError, DomainError, IllegalTransition, PermissionDenied

from .messages import CHINESE, ENGLISH, both, english_of, error_both, render

logger = logging.getLogger(__name__)

NON_FIELD = "non_field_errors"
INVALID_INPUT = exceptions.ValidationError.default_detail
NOT_FOUND = exceptions.NotFound.default_detail
FORBIDDEN = exceptions.PermissionDenied.default_detail
SERVER_ERROR = exceptions.APIException.default_detail
CSRF_FAILED = _("CSRF 校验失败：以登录会话调用接口时，请在 X-CSRFToken 请求头中提交 csrftoken Cookie 的值。")
SERVICE_PARTY_KEY = re.compile(r"^parties-(\d+)-(\w+)$")

# Refusals of the domain layer that are not a plain 400.
DOMAIN_STATUS = (
    (PermissionDenied, status.HTTP_403_FORBIDDEN),
    (ConflictError, status.HTTP_409_CONFLICT),
    # The case is not in a state that allows the step: a conflict with the resource's state.
    (IllegalTransition, status.HTTP_409_CONFLICT),
)
DOMAIN_CODE_STATUS = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "document_unavailable": status.HTTP_404_NOT_FOUND,
    "fonts_missing": status.HTTP_503_SERVICE_UNAVAILABLE,
}


class FieldErrors(Exception):
    """Validation errors already rendered in both languages: {field: [entry, …]}."""

    def __init__(self, fields: dict, *, message=INVALID_INPUT, code="validation_error", details=None):
        super().__init__(code)
        self.fields = fields
        self.message = message
        self.code = code
        self.details = details or {}


def entry(code, zh, en) -> dict:
    return {"code": str(code or "invalid"), "message": zh, "message_en": en}


# ---------------------------------------------------------------- validation in both languages


def flatten_drf(errors, prefix="") -> dict:
    """DRF's nested serializer errors as {path: [(code, message)]}."""
    flat = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key in ("non_field_errors", "__all__"):
                # An object's own errors belong to the object: `parties`, not `parties.non_field_errors`.
                path = prefix or NON_FIELD
            else:
                path = f"{prefix}.{key}" if prefix else key
            for sub, items in flatten_drf(value, path).items():
                flat.setdefault(sub, []).extend(items)
    elif isinstance(errors, list):
        if all(not isinstance(item, (dict, list)) for item in errors):
            flat[prefix or NON_FIELD] = [(getattr(item, "code", "invalid"), str(item)) for item in errors]
        else:
            for index, item in enumerate(errors):
                for sub, items in flatten_drf(item, f"{prefix}[{index}]").items():
                    flat.setdefault(sub, []).extend(items)
    else:
        flat[prefix or NON_FIELD] = [(getattr(errors, "code", "invalid"), str(errors))]
    return flat


def form_errors(form, prefix="", names=None) -> dict:
    """A Django form's errors as {path: [(code, message)]}, rendered in the active language.
    `names` maps the form's field names to the request's."""
    flat = {}
    for field, errors in form.errors.as_data().items():
        name = NON_FIELD if field == "__all__" else (names or {}).get(field, field)
        path = f"{prefix}.{name}" if prefix and name != NON_FIELD else (f"{prefix}" if prefix else name)
        for error in errors:
            for message in error:
                flat.setdefault(path, []).append((error.code or "invalid", str(message)))
    return flat


def merge(zh: dict, en: dict) -> dict:
    fields = {}
    for path, items in zh.items():
        english = en.get(path, [])
        rows = []
        for index, (code, message) in enumerate(items):
            other = english[index][1] if index < len(english) else ""
            if not other or other == message:
                other = english_of(message)
            rows.append(entry(code, message, other))
        fields[path] = rows
    return fields


def check_both(validate):
    """Run `validate()` (a read-only check returning (result, {path: [(code, message)]}))
    in Chinese; if it fails, again in English, and raise FieldErrors with both."""
    with translation.override(CHINESE):
        result, zh = validate()
    if not zh:
        return result
    with translation.override(ENGLISH):
        _result, en = validate()
    raise FieldErrors(merge(zh, en))


# ---------------------------------------------------------------- exceptions → bodies


def _service_field(key: str) -> str:
    match = SERVICE_PARTY_KEY.match(key)
    if match:
        return f"parties[{match[1]}].{match[2]}"
    return NON_FIELD if key == "__all__" else key


def django_validation_fields(exc: DjangoValidationError) -> dict:
    fields = {}
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            path = _service_field(key)
            for error in errors:
                fields.setdefault(path, []).append(entry(error.code, *error_both(error)))
    else:
        for error in exc.error_list:
            fields.setdefault(NON_FIELD, []).append(entry(error.code, *error_both(error)))
    return fields


def _api_exception_message(exc, request):
    """A lazy message for DRF's own exceptions, rebuilt so both languages come from DRF's
    catalogue; the rendered detail when it was custom."""
    lazy = getattr(exc, "lazy_message", None)
    if lazy is not None:
        return lazy
    if isinstance(exc, exceptions.Throttled):
        return _Rebuilt(lambda: str(exceptions.Throttled(wait=exc.wait).detail))
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = request.method if request is not None else ""
        return _Rebuilt(lambda: str(exceptions.MethodNotAllowed(method).detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        media_type = request.content_type if request is not None else ""
        return _Rebuilt(lambda: str(exceptions.UnsupportedMediaType(media_type).detail))
    if isinstance(exc, exceptions.ParseError):
        # The parser's own detail names Python's JSON error, in English only.
        return exceptions.ParseError.default_detail
    default = getattr(type(exc), "default_detail", None)
    if default is not None and str(exc.detail) == render(default, CHINESE):
        return default
    return str(exc.detail)


class _Rebuilt:
    """A message rebuilt by a function under each language (DRF formats some at raise time)."""

    def __init__(self, build):
        self.build = build

    def pair(self):
        with translation.override(CHINESE):
            zh = self.build()
        with translation.override(ENGLISH):
            en = self.build()
        return zh, en


def _response(status_code, code, message, *, fields=None, details=None, headers=None):
    if isinstance(message, _Rebuilt):
        zh, en = message.pair()
    elif isinstance(message, tuple):
        zh, en = message
    else:
        zh, en = both(message)
    error = {"code": code, "message": zh, "message_en": en, "fields": fields or {}}
    if details:
        error["details"] = details
    return Response({"error": error}, status=status_code, headers=headers)


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, FieldErrors):
        return _response(400, exc.code, exc.message, fields=exc.fields, details=exc.details)
    if isinstance(exc, Http404):
        return _response(404, "not_found", NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return _response(403, "permission_denied", FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        return _response(400, "validation_error", INVALID_INPUT, fields=django_validation_fields(exc))
    if isinstance(exc, DomainError):
        status_code = DOMAIN_CODE_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
        for kind, mapped in DOMAIN_STATUS:
            if isinstance(exc, kind):
                status_code = mapped
                break
        fields = None
        if exc.field:
            fields = {exc.field: [entry(exc.code, *both(exc.message))]}
        return _response(status_code, exc.code, exc.message, fields=fields)
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_drf(exc.detail if isinstance(exc.detail, (dict, list)) else [exc.detail])
        return _response(400, "validation_error", INVALID_INPUT, fields=merge(fields, {}))
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # A browser session writing without the CSRF token; DRF words this in English only.
        zh, en = both(CSRF_FAILED)
        return _response(403, "csrf_failed", (zh, en if en != zh else str(exc.detail)))
    if isinstance(exc, exceptions.APIException):
        headers = {}
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        return _response(exc.status_code, code, _api_exception_message(exc, request), headers=headers)
    if isinstance(exc, DatabaseError):
        # The database is unreachable (or refused): Django's error handler answers 503 with
        # Retry-After (jiefen.web.errors), the same for every client.
        return None
    # Anything else is a bug; answer in the API's own format rather than an HTML page, and log it.
    logger.exception("Unhandled error in the API", exc_info=exc)
    return _response(500, "server_error", SERVER_ERROR)


@csrf_exempt
def not_found_response(request, *args, **kwargs):
    """For paths under /api/ that match nothing: the same JSON 404 as a missing case, with
    the address of the documentation. A GET that only lacks its trailing slash is redirected,
    as Django's APPEND_SLASH would (this catch-all keeps CommonMiddleware from doing it)."""
    if request.method in ("GET", "HEAD") and not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not_found":
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    zh, en = both(NOT_FOUND)
    return JsonResponse(
        {"error": {"code": "not_found", "message": zh, "message_en": en, "fields": {}, "details": {"docs": "/api/docs/"}}},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
