"""Writes of the Open311 intake: clients and their keys, and submitting a service request as a case."""

import hashlib
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.models import CaseEvent, Channel, Complexity, DisputeType, EventKind, PartyKind, PartyRole, RiskGrade
from jiefen.cases.services import case_register
from jiefen.common.validators import normalise_phone, validate_phone
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind

from .attributes import attributes_clean
from .errors import Open311Error, Open311Forbidden, Open311NotFound
from .location import place_resolve
from .models import Open311Client, Open311Request

User = get_user_model()

# GeoReport v2: "free form text limited to 4,000 characters".
DESCRIPTION_MAX = 4000
RECEIVED_ACTION = "open311_received"


# ---------------------------------------------------------------- clients and keys


def open311_key_hash(key: str) -> str:
    # Keys are long random strings, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _service_username(subdistrict: Area) -> str:
    base = f"open311-{subdistrict.pk}"
    taken = set(User.objects.filter(username__startswith=base).values_list("username", flat=True))
    index = 1
    while f"{base}-{index}" in taken:
        index += 1
    return f"{base}-{index}"


def open311_client_create(*, name: str, subdistrict: Area, key: str | None = None, note: str = "") -> tuple[Open311Client, str]:
    """Create a client with its intake service account; returns the client and its plain key,
    which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写接入方名称。")})
    if subdistrict.kind != AreaKind.SUBDISTRICT:
        raise ValidationError({"subdistrict": _("请选择街道。")})
    if Open311Client.objects.filter(name=name).exists():
        raise ValidationError({"name": _("已有同名的接入方。")})
    key = key or _new_key()
    if len(key) < 8:
        raise ValidationError({"key": _("密钥至少8个字符。")})
    with transaction.atomic():
        user = User(username=_service_username(subdistrict), first_name=(_("%(name)s(Open311)") % {"name": name})[:150])
        user.set_unusable_password()
        user.save()
        person = Person.objects.create(name=name[:50], user=user, note=(note or _("Open311 接口服务账号，不能登录"))[:200])
        centre = Unit.objects.filter(area=subdistrict, kind=UnitKind.GOVERNANCE_CENTRE, is_active=True).order_by("id").first()
        # Centre staff may register in every village of the subdistrict, which is what intake needs.
        RoleAssignment.objects.create(person=person, role=Role.CENTRE_STAFF, unit=centre, area=None if centre else subdistrict)
        client = Open311Client.objects.create(
            name=name, subdistrict=subdistrict, intake_user=user, key_prefix=key[:8], key_hash=open311_key_hash(key)
        )
    return client, key


def open311_client_rotate_key(*, client_id: int) -> str:
    key = _new_key()
    with transaction.atomic():
        client = Open311Client.objects.select_for_update().get(pk=client_id)
        client.key_prefix, client.key_hash = key[:8], open311_key_hash(key)
        client.save(update_fields=["key_prefix", "key_hash"])
    return key


def open311_client_set_active(*, client_id: int, active: bool) -> Open311Client:
    """Suspend or restore a client; its service account follows, so nothing registers in its name."""
    with transaction.atomic():
        client = Open311Client.objects.select_for_update().get(pk=client_id)
        client.is_active = active
        client.save(update_fields=["is_active"])
        User.objects.filter(pk=client.intake_user_id).update(is_active=active)
    return client


# ---------------------------------------------------------------- submitting a request


def _text(data, name, limit, label):
    value = str(data.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(_("%(field)s 不能超过 %(n)s 个字符。") % {"field": label, "n": limit})
    return value


def _coordinate(raw, name, bound):
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise Open311Error(_("%(field)s 应为数字（WGS84 经纬度）。") % {"field": name}) from None
    if not value.is_finite() or not -bound <= value <= bound:
        raise Open311Error(_("%(field)s 超出范围。") % {"field": name})
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _title(kind: DisputeType, description: str) -> str:
    first_line = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not first_line:
        return _("%(type)s纠纷(网上反映)") % {"type": kind.name}
    snippet = first_line if len(first_line) <= 30 else first_line[:30] + "…"
    return (_("%(type)s纠纷：%(text)s") % {"type": kind.name, "text": snippet})[:120]


def open311_request_clean(client: Open311Client, data: dict) -> dict:
    """Check a request against the GeoReport v2 rules and our intake's; every problem found is
    reported at once (the spec's error body is a list)."""
    problems = []

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Open311Error as exc:
            problems.extend(exc.messages)
            return None

    code = str(data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(_("缺少 service_code。"))
    kind = DisputeType.objects.filter(code=code, is_active=True).first()
    if kind is None:
        raise Open311NotFound(_("service_code “%(code)s” 不存在。") % {"code": code})

    lat_raw, lon_raw = str(data.get("lat") or "").strip(), str(data.get("long") or "").strip()
    lat = lon = None
    if bool(lat_raw) != bool(lon_raw):
        problems.append(_("lat 和 long 必须同时提供。"))
    elif lat_raw:
        lat = check(_coordinate, lat_raw, "lat", 90)
        lon = check(_coordinate, lon_raw, "long", 180)
    address_string = check(_text, data, "address_string", 500, "address_string") or ""
    address_id = check(_text, data, "address_id", 100, "address_id") or ""
    if not (lat_raw and lon_raw) and not address_string and not address_id:
        problems.append(_("缺少位置：须提供 lat 和 long、address_string 或 address_id 之一。"))

    description = str(data.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(_("description 不能超过 %(n)s 个字符（当前 %(len)s 个）。") % {"n": DESCRIPTION_MAX, "len": len(description)})
    first_name = check(_text, data, "first_name", 50, "first_name") or ""
    last_name = check(_text, data, "last_name", 50, "last_name") or ""
    device_id = check(_text, data, "device_id", 200, "device_id") or ""
    account_id = check(_text, data, "account_id", 200, "account_id") or ""
    email = check(_text, data, "email", 254, "email") or ""
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            problems.append(_("email 格式不正确。"))
    media_url = check(_text, data, "media_url", 500, "media_url") or ""
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(_("media_url 应为 http 或 https 链接。"))
    phone = normalise_phone(str(data.get("phone") or ""))
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            problems.append(_("phone：%(message)s") % {"message": exc.messages[0]})
    attributes = check(attributes_clean, data.get("attributes") or {})

    place = None
    if not problems:
        place = check(place_resolve, client.subdistrict, lat=lat, lon=lon, address_string=address_string, address_id=address_id)
    if problems:
        raise Open311Error(*problems)
    return {
        "kind": kind,
        "place": place,
        "lat": lat,
        "lon": lon,
        "address_string": address_string,
        "address_id": address_id,
        "description": description,
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "email": email,
        "device_id": device_id,
        "account_id": account_id,
        "media_url": media_url,
        "attributes": attributes,
        "jurisdiction_id": str(data.get("jurisdiction_id") or "").strip()[:100],
        "raw_attributes": data.get("attributes") or {},
    }


def _address(clean: dict) -> str:
    place = clean["place"]
    if clean["address_string"]:
        return clean["address_string"][:200]
    parts = [place.village.name] + ([place.compound.name] if place.compound else [])
    if clean["lat"] is not None:
        parts.append(_("(坐标 %(lat)s, %(lon)s)") % {"lat": clean["lat"], "lon": clean["lon"]})
    return "".join(parts)[:200]


def open311_request_submit(*, client: Open311Client, data: dict, today=None) -> Open311Request:
    """Register an Open311 service request as a case through the normal intake and routing,
    with the requester as the applicant, and record what was received — all in one transaction."""
    clean = open311_request_clean(client, data)
    kind, place, extra = clean["kind"], clean["place"], clean["attributes"]
    description = clean["description"] or _("群众通过网上渠道反映%(type)s纠纷，未填写具体情况。") % {"type": kind.name}
    # Chinese names are written family name first.
    requester = (clean["last_name"] + clean["first_name"]).strip() or _("网上反映人(未留姓名)")
    parties = [{"role": PartyRole.APPLICANT, "kind": PartyKind.PERSON, "name": requester[:100], "phone": clean["phone"]}]
    if extra.get("respondent_name"):
        parties.append({"role": PartyRole.RESPONDENT, "kind": PartyKind.PERSON, "name": extra["respondent_name"][:100]})
    case_data = {
        "title": _title(kind, clean["description"]),
        "description": description,
        "dispute_type": kind,
        "channel": Channel.HOTLINE_ONLINE,
        "village": place.village,
        "compound": place.compound,
        "grid": place.grid,
        "address": _address(clean),
        "latitude": clean["lat"],
        "longitude": clean["lon"],
        "people_involved": extra.get("people_involved") or 2,
        "amount_in_dispute": extra.get("amount_in_dispute"),
        "is_group": bool(extra.get("is_group")),
        "criminal_risk": False,
        # Staff grade the risk and complexity when they accept; the defaults route to the village.
        "risk_grade": RiskGrade.BLUE,
        "complexity": Complexity.ORDINARY,
    }
    with transaction.atomic():
        locked = Open311Client.objects.select_for_update().select_related("intake_user", "subdistrict").get(pk=client.pk)
        if not locked.is_active or not locked.intake_user.is_active:
            raise Open311Forbidden(_("该 api_key 已停用。"))
        try:
            case = case_register(actor=locked.intake_user, data=case_data, parties=parties, today=today)
        except ValidationError as exc:
            raise Open311Error(*_validation_messages(exc)) from None
        received = Open311Request.objects.create(
            client=locked,
            case=case,
            service_code=kind.code,
            jurisdiction_id=clean["jurisdiction_id"],
            first_name=clean["first_name"],
            last_name=clean["last_name"],
            phone=clean["phone"],
            email=clean["email"],
            device_id=clean["device_id"],
            account_id=clean["account_id"],
            media_url=clean["media_url"],
            address_string=clean["address_string"],
            address_id=clean["address_id"],
            latitude=clean["lat"],
            longitude=clean["lon"],
            attributes=clean["raw_attributes"],
        )
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.NOTE,
            action=RECEIVED_ACTION,
            actor=locked.intake_user,
            data={
                "client": locked.name,
                "client_id": locked.pk,
                "service_code": kind.code,
                "located_by": place.how,
                "media_url": clean["media_url"],
            },
        )
        Open311Client.objects.filter(pk=locked.pk).update(last_used_at=timezone.now())
    return received


def _validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{field}: {message}" for field, messages in exc.message_dict.items() for message in messages]
    return list(exc.messages)


__all__ = [
    "open311_client_create",
    "open311_client_rotate_key",
    "open311_client_set_active",
    "open311_request_submit",
    "open311_request_clean",
    "open311_key_hash",
]
