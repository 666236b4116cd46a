"""The GeoReport v2 endpoints. Plain views: parse the request, call a selector or service,
render the spec's body in the requested format; every refusal is the spec's <errors> body."""

import functools
import re

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .attributes import ATTRIBUTES
from .catalogue import service_entry
from .errors import Open311Error, Open311Forbidden
from .models import Open311Request
from .render import error_response, respond
from .selectors import (
    jurisdiction_resolve,
    open311_client_authenticate,
    open311_request_get,
    open311_requests_query,
    open311_token_get,
    request_entry,
    service_get,
    service_notice,
    services_active,
)
from .services import open311_request_submit

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def open311_endpoint(methods=("GET",)):
    """Allow only `methods`, and turn every Open311Error into the spec's error body."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, fmt, **kwargs):
            if request.method not in methods:
                response = error_response(fmt, 405, [_("不支持 %(method)s 方法。") % {"method": request.method}])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.status, exc.messages or [str(exc)])

        return csrf_exempt(wrapper)

    return decorate


def _caller(request):
    """The client whose api_key came with a read, if any; a wrong key is refused, not ignored."""
    key = request.GET.get("api_key", "")
    return open311_client_authenticate(key) if key.strip() else None


@open311_endpoint()
def discovery(request, *, fmt):
    base = settings.SITE_URL + reverse("open311:services", kwargs={"fmt": "xml"}).rsplit("/", 1)[0]
    changeset = "2026-11-01T00:00:00+08:00"
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": _("请联系所在街道综治中心。"),
            "key_service": _("接入密钥(api_key)由街道综治中心发放。"),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_endpoint()
def services(request, *, fmt):
    jurisdiction_resolve(request.GET.get("jurisdiction_id", ""))
    return respond(fmt, "services", [service_entry(kind) for kind in services_active()])


@open311_endpoint()
def service_definition(request, *, service_code, fmt):
    jurisdiction_resolve(request.GET.get("jurisdiction_id", ""))
    kind = service_get(service_code)
    attributes = [
        {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": str(attribute.datatype_description) or None,
            "order": attribute.order,
            "description": str(attribute.description),
            "values": [{"key": key, "name": str(name)} for key, name in attribute.values],
        }
        for attribute in ATTRIBUTES
    ]
    return respond(fmt, "service_definition", {"service_code": kind.code, "attributes": attributes})


def _post_data(request) -> dict:
    data = {key: request.POST.get(key, "") for key in request.POST if not key.startswith("attribute[")}
    attributes = {}
    for key in request.POST:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            values = request.POST.getlist(key)
            attributes[match.group(1)] = values if match.group(2) else (values[-1] if values else "")
    data["attributes"] = attributes
    return data


def _submit(request, fmt):
    client = open311_client_authenticate(request.POST.get("api_key", ""))
    jurisdiction = (request.POST.get("jurisdiction_id") or "").strip()
    if jurisdiction and jurisdiction not in (client.subdistrict.code, client.subdistrict.name):
        jurisdiction_resolve(jurisdiction)  # 404 for an unknown one
        raise Open311Forbidden(_("该 api_key 不能向 jurisdiction_id “%(value)s” 提交诉求。") % {"value": jurisdiction})
    received = open311_request_submit(client=client, data=_post_data(request))
    case = received.case
    entry = {"service_request_id": case.number, "service_notice": service_notice(case), "account_id": received.account_id or None}
    return respond(fmt, "service_requests", [entry])


@open311_endpoint(methods=("GET", "POST"))
def requests_endpoint(request, *, fmt):
    if request.method == "POST":
        return _submit(request, fmt)
    caller = _caller(request)
    subdistrict = jurisdiction_resolve(request.GET.get("jurisdiction_id", ""))
    found = open311_requests_query(subdistrict, request.GET)
    return respond(fmt, "service_requests", [request_entry(r, own=_own(caller, r)) for r in found])


def _own(caller, received: Open311Request) -> bool:
    return caller is not None and received.client_id == caller.pk


@open311_endpoint()
def request_detail(request, *, service_request_id, fmt):
    caller = _caller(request)
    subdistrict = jurisdiction_resolve(request.GET.get("jurisdiction_id", ""))
    received = open311_request_get(subdistrict, service_request_id)
    return respond(fmt, "service_requests", [request_entry(received, own=_own(caller, received))])


@open311_endpoint()
def token_detail(request, *, token, fmt):
    subdistrict = jurisdiction_resolve(request.GET.get("jurisdiction_id", ""))
    received = open311_token_get(subdistrict, token)
    return respond(fmt, "service_requests", [{"service_request_id": received.case.number, "token": str(received.token)}])
