"""GeoReport v2 bodies in XML and JSON. The JSON is the spec's mapping of the XML: the root
element's list becomes an array, child lists (attributes, values) become arrays, empty
elements become null."""

import json
import xml.etree.ElementTree as ET

from django.http import HttpResponse

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The element name of one item of each list element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value):
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, (list, tuple)):
        tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, tag), child)
    else:
        element.text = _text(value)


def xml_body(root: str, value) -> str:
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def json_body(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def respond(fmt: str, root: str, value, *, status: int = 200, headers=None) -> HttpResponse:
    body = xml_body(root, value) if fmt == "xml" else json_body(value)
    response = HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])
    for name, header in (headers or {}).items():
        response[name] = header
    return response


def error_response(fmt: str, status: int, messages, *, code: int | None = None) -> HttpResponse:
    errors = [{"code": code or status, "description": str(message)} for message in messages]
    return respond(fmt, "errors", errors, status=status)
