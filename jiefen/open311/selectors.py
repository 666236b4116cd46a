"""Reads of the Open311 API: who is calling, which jurisdiction, which requests, and what of a
request may be shown.

Only requests received through Open311 are listed: cases registered by grid workers, police
referrals and so on are not "service requests" anyone made through this API. The public
view of a request carries no personal data (disputes are private matters, PIPL): no
description, no requester, the place only to the village, no coordinates or media link. A
client that passes its own api_key sees its own requests as it submitted them.
"""

import hmac
from datetime import datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from jiefen.cases.models import DisputeType
from jiefen.citizen.progress import CLOSED_STATES, case_open311_status, case_status_words
from jiefen.organisation.models import Area, AreaKind

from .errors import Open311Error, Open311Forbidden, Open311NotFound
from .models import Open311Client, Open311Request

# GeoReport v2 "Response Volume": a span of 90 days or the first 1000 requests, whichever is smaller.
WINDOW_DAYS = 90
MAX_REQUESTS = 1000


# ---------------------------------------------------------------- callers and jurisdictions


def open311_client_authenticate(key: str) -> Open311Client:
    """The active client holding this key; Open311Forbidden otherwise."""
    from .services import open311_key_hash

    key = (key or "").strip()
    if not key:
        raise Open311Forbidden(_("缺少 api_key。"))
    digest = open311_key_hash(key)
    found = None
    for client in Open311Client.objects.filter(key_prefix=key[:8], is_active=True).select_related("subdistrict", "intake_user"):
        # Compare every candidate in constant time, so the timing tells nothing about the key.
        if hmac.compare_digest(client.key_hash, digest):
            found = client
    if found is None:
        raise Open311Forbidden(_("api_key 无效或已停用。"))
    return found


def served_jurisdictions():
    return Area.objects.filter(kind=AreaKind.SUBDISTRICT, pk__in=Open311Client.objects.filter(is_active=True).values("subdistrict_id"))


def jurisdiction_key(subdistrict: Area) -> str:
    return subdistrict.code or subdistrict.name


def jurisdiction_resolve(value: str) -> Area | None:
    """The subdistrict a jurisdiction_id names (its case-number prefix, or its name). Without
    one, the only jurisdiction served; None if the endpoint serves none yet."""
    value = (value or "").strip()
    served = list(served_jurisdictions())
    if value:
        for area in served:
            if value in (area.code, area.name):
                return area
        raise Open311NotFound(_("jurisdiction_id “%(value)s” 不存在。") % {"value": value})
    if len(served) > 1:
        raise Open311Error(_("本接口服务多个辖区，请提供 jurisdiction_id（可选值：%(ids)s）。") % {"ids": "、".join(jurisdiction_key(a) for a in served)})
    return served[0] if served else None


# ---------------------------------------------------------------- services


def services_active():
    return DisputeType.objects.filter(is_active=True).order_by("sort_order", "id")


def service_get(code: str) -> DisputeType:
    kind = DisputeType.objects.filter(code=code, is_active=True).first()
    if kind is None:
        raise Open311NotFound(_("service_code “%(code)s” 不存在。") % {"code": code})
    return kind


# ---------------------------------------------------------------- requests


def parse_w3_datetime(value: str, name: str) -> datetime:
    """A W3C date/time; a bare date means its first moment, a time without offset local time."""
    text = (value or "").strip()
    parsed = None
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            if day is not None:
                parsed = datetime.combine(day, time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(_("%(name)s 应为 W3C 日期时间格式，如 2026-01-01T00:00:00Z。") % {"name": name})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _split(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _base(subdistrict):
    qs = Open311Request.objects.select_related(
        "client", "case", "case__dispute_type", "case__assigned_unit", "case__village", "case__subdistrict"
    )
    return qs.filter(client__subdistrict=subdistrict) if subdistrict is not None else qs.none()


def open311_requests_query(subdistrict, params, *, now=None) -> list[Open311Request]:
    """GET requests: by id (which overrides every other argument), or by service codes,
    statuses and a window of at most 90 days (the last 90 days by default); newest first,
    at most 1000."""
    qs = _base(subdistrict)
    ids = _split(params.get("service_request_id", ""))
    if ids:
        return list(qs.filter(case__number__in=ids[:MAX_REQUESTS]).order_by("-case__created_at", "-id"))
    problems = []
    codes = _split(params.get("service_code", ""))
    statuses = _split(params.get("status", ""))
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        problems.append(_("status 只能是 open 或 closed。"))
    start = end = None
    for name in ("start_date", "end_date"):
        if (params.get(name) or "").strip():
            try:
                parsed = parse_w3_datetime(params[name], name)
            except Open311Error as exc:
                problems.extend(exc.messages)
                continue
            if name == "start_date":
                start = parsed
            else:
                end = parsed
    if problems:
        raise Open311Error(*problems)
    window = timedelta(days=WINDOW_DAYS)
    if start is None and end is None:
        end = now or timezone.now()
        start = end - window
    elif start is None:
        start = end - window
    elif end is None:
        end = start + window
    if end < start:
        raise Open311Error(_("end_date 不能早于 start_date。"))
    if end - start > window:
        raise Open311Error(_("start_date 与 end_date 的间隔不能超过 %(n)s 天。") % {"n": WINDOW_DAYS})
    qs = qs.filter(case__created_at__gte=start, case__created_at__lte=end)
    if codes:
        qs = qs.filter(case__dispute_type__code__in=codes)
    if set(statuses) == {"closed"}:
        qs = qs.filter(case__state__in=CLOSED_STATES)
    elif set(statuses) == {"open"}:
        qs = qs.exclude(case__state__in=CLOSED_STATES)
    return list(qs.order_by("-case__created_at", "-id")[:MAX_REQUESTS])


def open311_request_get(subdistrict, number: str) -> Open311Request:
    found = _base(subdistrict).filter(case__number=number).first()
    if found is None:
        raise Open311NotFound(_("service_request_id “%(id)s” 不存在。") % {"id": number})
    return found


def open311_token_get(subdistrict, token: str) -> Open311Request:
    import uuid

    try:
        value = uuid.UUID(str(token))
    except ValueError:
        value = None
    found = _base(subdistrict).filter(token=value).first() if value else None
    if found is None:
        raise Open311NotFound(_("token “%(token)s” 不存在。") % {"token": token})
    return found


# ---------------------------------------------------------------- what is shown


def w3(moment) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def service_notice(case) -> str:
    url = settings.SITE_URL + reverse("citizen:lookup")
    return _("已登记为矛盾纠纷案件，由%(unit)s办理。当事人可凭案件编号和登记的电话号码在 %(url)s 查询办理进度。") % {
        "unit": case.assigned_unit.name,
        "url": url,
    }


def _expected(case):
    if case.state in CLOSED_STATES or case.due_date is None:
        return None
    return timezone.make_aware(datetime.combine(case.due_date, time(23, 59, 59)))


def request_entry(received: Open311Request, *, own: bool = False) -> dict:
    """One <request> of GET requests / requests/{id}. `own`: the caller is the client that
    submitted it, and gets back what it sent."""
    case = received.case
    closed = case.state in CLOSED_STATES
    public_address = "，".join([case.village.name, case.subdistrict.name])
    return {
        "service_request_id": case.number,
        "status": case_open311_status(case),
        "status_notes": case_status_words(case),
        "service_name": case.dispute_type.name,
        "service_code": case.dispute_type.code,
        "description": case.description if own else None,
        "agency_responsible": case.assigned_unit.name,
        "service_notice": service_notice(case),
        "requested_datetime": w3(case.created_at),
        "updated_datetime": w3(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": w3(_expected(case)),
        "address": case.address if own else public_address,
        "address_id": received.address_id if own and received.address_id else case.village_id,
        "zipcode": None,
        "lat": float(case.latitude) if own and case.latitude is not None else None,
        "long": float(case.longitude) if own and case.longitude is not None else None,
        "media_url": (received.media_url or None) if own else None,
    }
