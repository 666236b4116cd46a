"""Refuses input no record may hold: invisible control characters in submitted text, and
request bodies over Django's limits, answered in the format of whoever sent them.

Control characters (as pasted from other software, or sent by a careless client) pass every
form's max_length and are accepted by the database, and then break what reads the records
later: XML documents (DOCX), spreadsheets and PostgreSQL itself (NUL). Refusing them once, at
the door, keeps every form, the REST API and Open311 consistent; tab and line breaks stay
allowed, they are ordinary text."""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .text import find_control_character

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# No form takes a file over 20 MB (the roster import); a body far beyond that is refused before
# Django streams it to a temporary file.
DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024
TOO_LARGE = gettext_noop("提交的数据过大，超过了系统允许的上限。")
TOO_MANY_FIELDS = gettext_noop("提交的字段过多。")
TOO_DEEP = gettext_noop("提交的数据嵌套层数过多。")
CONTROL_CHARACTERS = gettext_noop("提交的内容含有不可见的控制字符（常见于从其他软件复制的文字），请删除后重新提交。")


def _json_strings(value, path=""):
    """(path, text) of every key and string in a decoded JSON document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key)
            yield from _json_strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}[{index}]")


def _form_strings(query_dict):
    for key, values in query_dict.lists():
        yield key, key
        for value in values:
            yield key, value


def _offending_field(strings):
    for path, text in strings:
        if find_control_character(text) is not None:
            return path or "non_field_errors"
    return None


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > getattr(settings, "JIEFEN_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES):
            return self._refuse(request, 413, "request_too_large", TOO_LARGE, None)
        try:
            field = self._offending_field(request)
        except RequestDataTooBig:
            # A web page answers 400 as Django would, but in words the user can read.
            status = 400 if self._kind(request) == "web" else 413
            return self._refuse(request, status, "request_too_large", TOO_LARGE, None)
        except TooManyFieldsSent:
            return self._refuse(request, 400, "too_many_fields", TOO_MANY_FIELDS, None)
        except RecursionError:
            # json.loads gives up on deep nesting with RecursionError, which the API's parser
            # would not catch either.
            return self._refuse(request, 400, "too_deep", TOO_DEEP, None)
        if field is not None:
            return self._refuse(request, 400, "control_characters", CONTROL_CHARACTERS, field)
        return self.get_response(request)

    def _offending_field(self, request):
        # The path too: a URL argument (an Open311 request id, a slug) reaches queries as text.
        field = _offending_field([("path", request.path), *_form_strings(request.GET)])
        if field is not None or request.method not in WRITE_METHODS:
            return field
        if request.content_type == "application/json":
            body = request.body  # raises RequestDataTooBig over the limit, as request.POST does
            try:
                document = json.loads(body or b"null")
            except (ValueError, UnicodeDecodeError):
                return None  # the API answers malformed JSON itself
            return _offending_field(_json_strings(document))
        return _offending_field(_form_strings(request.POST))

    @staticmethod
    def _kind(request):
        if request.path.startswith("/api/"):
            return "api"
        if request.path.startswith("/open311/"):
            return "open311"
        return "web"

    def _refuse(self, request, status, code, source, field):
        """`source` is the untranslated (Chinese) message; the API carries it in both languages."""
        kind = self._kind(request)
        message = _(source)
        if kind == "api":
            with translation.override(settings.LANGUAGE_CODE):
                message = _(source)
            with translation.override("en"):
                english = _(source)
            fields = {field: [{"code": code, "message": message, "message_en": english}]} if field else {}
            return JsonResponse(
                {"error": {"code": code, "message": message, "message_en": english, "fields": fields}},
                status=status,
                json_dumps_params={"ensure_ascii": False},
            )
        if kind == "open311":
            from jiefen.open311.render import error_response

            fmt = "xml" if request.path.endswith(".xml") else "json"
            return error_response(fmt, status, [message])
        return render(
            request,
            "common/bad_input.html",
            {"message": message, "back": request.META.get("HTTP_REFERER", "")},
            status=status,
        )


__all__ = ["BadInputMiddleware"]
