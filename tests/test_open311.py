"""Open311 GeoReport v2 intake: the service list and definitions, submitting a request (which
registers a case through the normal intake and routing), reading requests back without
personal data, tokens, and the spec's error bodies in XML and JSON."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case, CaseEvent, CaseState, Channel, EventKind, Party, PartyRole, Tier
from jiefen.open311.demo import DEMO_KEY, demo_extend, demo_extend_reset
from jiefen.open311.errors import Open311Forbidden
from jiefen.open311.models import Open311Client, Open311Request
from jiefen.open311.selectors import open311_client_authenticate
from jiefen.open311.services import open311_client_create, open311_client_set_active
from jiefen.organisation.models import Role, RoleAssignment
from jiefen.organisation.selectors import user_scope

from .casework import walk

KEY = "test-open311-key-0001"


@pytest.fixture
def hotline(org):
    client, _key = open311_client_create(name="测试热线", subdistrict=org.subdistrict, key=KEY)
    return client


def url(name, fmt, **kwargs):
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def body(response):
    """The response body as Python data: JSON as is; XML as (root tag, [dict per item])."""
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content.decode("utf-8"))
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(text.split("\n", 1)[1])


def xml_items(root):
    return [{child.tag: child.text for child in item} for item in root]


def post_request(client, fmt="json", **overrides):
    data = {
        "api_key": KEY,
        "service_code": "neighbour",
        "address_string": "东村3组12号",
        "description": "楼上住户长期深夜噪音，多次沟通无果。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        "email": "zhangsan@example.com",
        "device_id": "device-1",
        "account_id": "acct-42",
        "media_url": "https://example.com/photo.jpg",
    }
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(url("requests", fmt), data)


def submitted(client, **overrides) -> Case:
    response = post_request(client, **overrides)
    assert response.status_code == 200, response.content.decode()
    return Case.objects.get(number=body(response)[0]["service_request_id"])


# ---------------------------------------------------------------- services


def test_service_list_in_json_and_xml(client, hotline):
    response = client.get(url("services", "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = body(response)
    neighbour = next(s for s in services if s["service_code"] == "neighbour")
    assert neighbour == {
        "service_code": "neighbour",
        "service_name": "邻里",
        "description": neighbour["description"],
        "metadata": True,
        "type": "realtime",
        "keywords": neighbour["keywords"],
        "group": neighbour["group"],
    }
    assert neighbour["description"] and "噪音" in neighbour["keywords"]
    assert len(services) == 15

    response = client.get(url("services", "xml"))
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = body(response)
    assert root.tag == "services" and {item.tag for item in root} == {"service"}
    first = xml_items(root)[0]
    assert list(first) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    assert first["metadata"] == "true" and first["type"] == "realtime"


def test_service_definition_and_unknown_code(client, hotline):
    definition = body(client.get(url("service_definition", "json", service_code="neighbour")))
    assert definition["service_code"] == "neighbour"
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["people_involved", "amount_in_dispute", "is_group", "respondent_name"]
    group = definition["attributes"][2]
    assert group["datatype"] == "singlevaluelist" and group["required"] is False and group["variable"] is True
    assert [v["key"] for v in group["values"]] == ["yes", "no"]

    root = body(client.get(url("service_definition", "xml", service_code="neighbour")))
    assert root.tag == "service_definition"
    assert root.find("service_code").text == "neighbour"
    attribute = root.find("attributes").findall("attribute")[2]
    assert attribute.find("datatype").text == "singlevaluelist"
    assert [v.find("key").text for v in attribute.find("values").findall("value")] == ["yes", "no"]

    for fmt in ("json", "xml"):
        response = client.get(url("service_definition", fmt, service_code="potholes"))
        assert response.status_code == 404
        errors = body(response)
        if fmt == "json":
            assert errors[0]["code"] == 404 and "potholes" in errors[0]["description"]
        else:
            assert errors.tag == "errors" and errors.find("error/code").text == "404"


def test_unknown_jurisdiction_is_404(client, hotline):
    response = client.get(url("services", "json"), {"jurisdiction_id": "nowhere.example"})
    assert response.status_code == 404
    assert body(response)[0]["code"] == 404
    assert client.get(url("services", "json"), {"jurisdiction_id": "测试"}).status_code == 200


# ---------------------------------------------------------------- POST requests


def test_post_registers_a_case_through_intake(client, hotline, org):
    response = post_request(client, "json", **{"attribute[people_involved]": "3", "attribute[respondent_name]": "王五"})
    assert response.status_code == 200
    [answer] = body(response)
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "acct-42"
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.number.startswith("测试-")
    assert "东村小马调解室" in answer["service_notice"]

    assert case.channel == Channel.HOTLINE_ONLINE
    assert case.state == CaseState.REGISTERED
    assert case.village == org.village and case.subdistrict == org.subdistrict
    assert case.tier == Tier.VILLAGE_ROOM and case.assigned_unit == org.village_room  # routed by the rule table
    assert case.people_involved == 3
    assert case.description == "楼上住户长期深夜噪音，多次沟通无果。"
    assert case.title.startswith("邻里纠纷：")
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    assert (applicant.name, applicant.phone) == ("张三", "13800138000")
    assert case.parties.get(role=PartyRole.RESPONDENT).name == "王五"

    service_user = hotline.intake_user
    assert case.reported_by == service_user
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [(e.kind, e.action) for e in events] == [
        (EventKind.CREATED, ""),
        (EventKind.ROUTED, ""),
        (EventKind.NOTE, "open311_received"),
    ]
    assert events[0].actor == service_user and events[0].data == {"channel": "hotline_online"}
    assert events[2].data["client"] == "测试热线" and events[2].data["located_by"] == "address_string"

    received = Open311Request.objects.get(case=case)
    assert received.client == hotline
    assert (received.email, received.device_id, received.account_id) == ("zhangsan@example.com", "device-1", "acct-42")
    assert received.attributes == {"people_involved": "3", "respondent_name": "王五"}
    assert received.token is not None
    hotline.refresh_from_db()
    assert hotline.last_used_at is not None


def test_post_in_xml(client, hotline):
    response = post_request(client, "xml")
    assert response.status_code == 200
    root = body(response)
    assert root.tag == "service_requests"
    [item] = xml_items(root)
    assert list(item) == ["service_request_id", "service_notice", "account_id"]
    assert Case.objects.filter(number=item["service_request_id"], channel=Channel.HOTLINE_ONLINE).exists()


def test_service_account_is_centre_staff_without_a_password(hotline, org):
    user = hotline.intake_user
    assert not user.has_usable_password()
    assert RoleAssignment.objects.filter(person__user=user, role=Role.CENTRE_STAFF, unit=org.centre).exists()
    assert user_scope(user).staff_subdistrict_ids == {org.subdistrict.id}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", ["wrong-key-123456", ""])
def test_bad_api_key_is_403_with_the_spec_error_body(client, hotline, fmt, key):
    response = post_request(client, fmt, api_key=key)
    assert response.status_code == 403
    errors = body(response)
    if fmt == "json":
        assert len(errors) == 1 and errors[0]["code"] == 403 and errors[0]["description"]
    else:
        assert errors.tag == "errors"
        assert [e.tag for e in errors] == ["error"]
        assert [c.tag for c in errors[0]] == ["code", "description"]
        assert errors.find("error/code").text == "403"
    assert not Case.objects.exists()


def test_a_suspended_client_is_refused(client, hotline):
    open311_client_set_active(client_id=hotline.pk, active=False)
    assert post_request(client).status_code == 403
    with pytest.raises(Open311Forbidden):
        open311_client_authenticate(KEY)
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404_and_missing_one_400(client, hotline, fmt):
    response = post_request(client, fmt, service_code="potholes")
    assert response.status_code == 404
    response = post_request(client, fmt, service_code=None)
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_location_is_400(client, hotline, fmt):
    response = post_request(client, fmt, address_string=None)
    assert response.status_code == 400
    errors = body(response)
    text = json.dumps(errors, ensure_ascii=False) if fmt == "json" else ET.tostring(errors, encoding="unicode")
    assert "address_string" in text and "lat" in text
    assert not Case.objects.exists()


def test_description_is_limited_to_4000_characters(client, hotline):
    response = post_request(client, description="吵" * 4001)
    assert response.status_code == 400
    assert "4000" in body(response)[0]["description"]
    assert not Case.objects.exists()
    assert submitted(client, description="吵" * 4000).description == "吵" * 4000


def test_every_problem_is_reported_at_once(client, hotline):
    response = post_request(client, address_string=None, description="x" * 4001, email="not-an-email", lat="29.3")
    assert response.status_code == 400
    assert len(body(response)) == 4  # lat without long, no location, too long, bad email


def test_location_outside_the_jurisdiction_is_refused(client, hotline):
    response = post_request(client, address_string="北京市朝阳区某街道")
    assert response.status_code == 400
    assert "辖区" in body(response)[0]["description"]
    assert not Case.objects.exists()


def test_location_from_coordinates_near_a_village(client, hotline, make_case, org, centre_staff):
    make_case(actor=centre_staff, village=org.other_village, grid=org.other_grid, latitude=Decimal("29.400000"), longitude=Decimal("105.300000"))
    make_case(latitude=Decimal("29.300000"), longitude=Decimal("105.200000"))
    case = submitted(client, address_string=None, lat="29.405", long="105.301")
    assert case.village == org.other_village
    assert case.assigned_unit == org.other_village_room
    assert (case.latitude, case.longitude) == (Decimal("29.405000"), Decimal("105.301000"))
    assert CaseEvent.objects.get(case=case, action="open311_received").data["located_by"] == "coordinates"
    # Far from every village: outside the subdistrict.
    response = post_request(client, address_string=None, lat="39.9", long="116.4")
    assert response.status_code == 400


def test_location_from_an_address_id(client, hotline, org):
    case = submitted(client, address_string=None, address_id=str(org.compound.pk))
    assert (case.village, case.compound) == (org.village, org.compound)
    assert post_request(client, address_string=None, address_id="999999").status_code == 400


def test_bad_attribute_values_are_400(client, hotline):
    response = post_request(client, **{"attribute[people_involved]": "many", "attribute[is_group]": "maybe"})
    assert response.status_code == 400
    assert len(body(response)) == 2


def test_post_for_another_jurisdiction_is_refused(client, hotline):
    assert post_request(client, jurisdiction_id="测试").status_code == 200
    assert post_request(client, jurisdiction_id="nowhere.example").status_code == 404


# ---------------------------------------------------------------- GET requests


@pytest.fixture
def three_requests(client, hotline, centre_staff, village_mediator):
    recent = submitted(client)
    other_type = submitted(client, service_code="contract", description="借款到期不还。")
    closed = submitted(client)
    closed = walk(closed, CaseState.ARCHIVED, staff=centre_staff, mediator=village_mediator)
    old = submitted(client)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    return SimpleNamespace(recent=recent, other_type=other_type, closed=closed, old=old)


def numbers(response):
    assert response.status_code == 200, response.content.decode()
    data = body(response)
    if isinstance(data, list):
        return {item["service_request_id"] for item in data}
    return {item["service_request_id"] for item in xml_items(data)}


def test_get_requests_filters(client, three_requests):
    r = three_requests
    get = lambda fmt="json", **params: client.get(url("requests", fmt), params)  # noqa: E731
    # Default: the last 90 days, every status.
    assert numbers(get()) == {r.recent.number, r.other_type.number, r.closed.number}
    assert numbers(get("xml")) == {r.recent.number, r.other_type.number, r.closed.number}
    assert numbers(get(status="closed")) == {r.closed.number}
    assert numbers(get(status="open")) == {r.recent.number, r.other_type.number}
    assert numbers(get(status="open,closed")) == {r.recent.number, r.other_type.number, r.closed.number}
    assert numbers(get(service_code="contract")) == {r.other_type.number}
    start = (timezone.now() - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert numbers(get(start_date=start, end_date=end)) == {r.old.number}
    assert numbers(get(start_date=start)) == {r.old.number}  # 90 days from the start
    # Ids override every other argument, the window included.
    assert numbers(get(service_request_id=f"{r.old.number},{r.recent.number}", status="closed")) == {r.old.number, r.recent.number}

    too_long = get(start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z")
    assert too_long.status_code == 400 and "90" in body(too_long)[0]["description"]
    assert get(start_date="yesterday").status_code == 400
    assert get(status="pending").status_code == 400
    assert get("xml", status="pending").status_code == 400


def test_closed_request_shows_closing_time_and_notes(client, three_requests):
    [entry] = body(client.get(url("request_detail", "json", service_request_id=three_requests.closed.number)))
    case = three_requests.closed
    assert entry["status"] == "closed"
    assert entry["status_notes"] == "已办结。"
    assert entry["updated_datetime"] == timezone.localtime(case.closed_at).replace(microsecond=0).isoformat()
    assert entry["expected_datetime"] is None
    [open_entry] = body(client.get(url("request_detail", "json", service_request_id=three_requests.recent.number)))
    assert open_entry["status"] == "open"
    assert open_entry["agency_responsible"] == "东村小马调解室"
    assert open_entry["expected_datetime"].startswith(three_requests.recent.due_date.isoformat())
    assert open_entry["requested_datetime"].endswith("+08:00")


def test_public_reads_carry_no_personal_data(client, three_requests):
    for fmt in ("json", "xml"):
        text = client.get(url("requests", fmt)).content.decode("utf-8")
        for secret in ("张三", "13800138000", "zhangsan@example.com", "东村3组12号", "噪音", "借款", "photo.jpg", "device-1", "acct-42"):
            assert secret not in text, (fmt, secret)
    [entry] = body(client.get(url("request_detail", "json", service_request_id=three_requests.recent.number)))
    assert entry["description"] is None and entry["lat"] is None and entry["media_url"] is None
    assert entry["address"] == "东村，测试街道"
    assert list(entry) == [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url",
    ]


def test_the_submitting_client_reads_back_what_it_sent(client, three_requests):
    [entry] = body(client.get(url("request_detail", "json", service_request_id=three_requests.recent.number), {"api_key": KEY}))
    assert entry["description"] == "楼上住户长期深夜噪音，多次沟通无果。"
    assert entry["address"] == "东村3组12号"
    assert entry["media_url"] == "https://example.com/photo.jpg"
    assert client.get(url("requests", "json"), {"api_key": "wrong-key-123456"}).status_code == 403


def test_only_open311_requests_are_listed(client, hotline, make_case):
    registered_by_grid_worker = make_case()
    assert registered_by_grid_worker.number not in numbers(client.get(url("requests", "json")))
    response = client.get(url("request_detail", "json", service_request_id=registered_by_grid_worker.number))
    assert response.status_code == 404


def test_request_detail_in_xml_and_unknown_id(client, three_requests):
    root = body(client.get(url("request_detail", "xml", service_request_id=three_requests.recent.number)))
    assert root.tag == "service_requests"
    [item] = xml_items(root)
    assert item["service_request_id"] == three_requests.recent.number and item["status"] == "open"
    assert item["description"] is None  # an empty element
    for fmt in ("json", "xml"):
        assert client.get(url("request_detail", fmt, service_request_id="测试-2026-999999")).status_code == 404


def test_tokens(client, three_requests):
    received = Open311Request.objects.get(case=three_requests.recent)
    [entry] = body(client.get(url("token_detail", "json", token=str(received.token))))
    assert entry == {"service_request_id": three_requests.recent.number, "token": str(received.token)}
    root = body(client.get(url("token_detail", "xml", token=str(received.token))))
    assert xml_items(root) == [{"service_request_id": three_requests.recent.number, "token": str(received.token)}]
    for token in ("not-a-token", "7d6a3b2e-0000-4000-8000-000000000000"):
        response = client.get(url("token_detail", "xml", token=token))
        assert response.status_code == 404 and body(response).tag == "errors"


def test_wrong_method_gets_an_error_body(client, hotline):
    response = client.post(url("services", "json"))
    assert response.status_code == 405
    assert body(response)[0]["code"] == 405


# ---------------------------------------------------------------- clients, command, demo


def test_keys_are_stored_only_as_hashes(hotline):
    assert KEY not in (hotline.key_hash, hotline.key_prefix + "x")
    assert open311_client_authenticate(KEY) == hotline


def test_management_command_prints_the_key_once(org):
    out = StringIO()
    call_command("open311_client", "--name", "测试网站", "--subdistrict", "测试", stdout=out)
    key = out.getvalue().split("api_key: ")[1].split()[0]
    client = open311_client_authenticate(key)
    assert client.name == "测试网站" and client.subdistrict == org.subdistrict
    assert key not in Open311Client.objects.values_list("key_hash", flat=True)


def test_admin_creates_a_client_and_shows_the_key_once(client, org, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(admin)
    response = client.post(
        reverse("admin:open311_open311client_add"), {"name": "测试公众号", "subdistrict": org.subdistrict.pk}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = next(m for m in shown if "api_key" in m).split("api_key：")[1].split(" ")[0]
    assert open311_client_authenticate(key).name == "测试公众号"


def test_demo_client_uses_the_published_key(org):
    demo_extend(SimpleNamespace(subdistrict=org.subdistrict))
    client = open311_client_authenticate(DEMO_KEY)
    assert client.subdistrict == org.subdistrict
    assert not client.intake_user.has_usable_password()
    demo_extend_reset(org.subdistrict)
    assert not Open311Client.objects.exists()


def test_a_request_counts_like_any_intake_for_routing(client, hotline, org):
    case = submitted(client, **{"attribute[is_group]": "yes"})
    assert case.is_group and case.tier == Tier.SUBDISTRICT_COMMITTEE and case.assigned_unit == org.subdistrict_committee
    assert Party.objects.filter(case=case).count() == 1


def test_service_discovery(client, hotline):
    data = body(client.get(url("discovery", "json")))
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = body(client.get(url("discovery", "xml")))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]
