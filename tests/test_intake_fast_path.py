"""The API's registration takes a valid request without building the intake forms
(views._intake_accepted); anything it does not accept goes through the serializer and the
forms as before (views._intake_checked). These tests hold the two together: whatever the quick
way accepts, the forms accept with the same values, over a battery of good and bad requests
from every persona who may register; the usual requests do take the quick way; and a
registration answers and writes the same either way."""

import copy
import json
from decimal import Decimal

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from jiefen.api import views
from jiefen.api.errors import FieldErrors
from jiefen.api.services import api_token_create
from jiefen.cases.models import Case, CaseEvent, DisputeType, Party
from jiefen.common.errors import DomainError
from jiefen.notifications.models import Notification, OutboxMessage
from jiefen.organisation.models import Area, AreaKind
from jiefen.organisation.selectors import user_scope

from .conftest import VALID_ID
from .test_api import intake

pytestmark = pytest.mark.django_db

REGISTRARS = ["grid_worker", "village_mediator", "other_village_mediator", "subdistrict_mediator", "centre_staff"]


@pytest.fixture
def places(org):
    """A group of the other village, and an inactive dispute type."""
    return {
        "other_group": Area.objects.create(name="西村一组", kind=AreaKind.GROUP, parent=org.other_village),
        "inactive_type": DisputeType.objects.create(name="停用类型", code="retired", is_active=False),
    }


def mutations(org, places, dispute_type):
    """(field, value) pairs, each replacing one value of a good request: good values, values
    of the wrong type or out of range, rows that do not exist or may not be chosen."""
    party = {"role": "applicant", "name": "王五", "id_number": VALID_ID, "phone": "13700137000"}
    other = {"role": "respondent", "name": "赵六"}

    def with_party(**changes):
        return [{**party, **changes}, other]

    texts = ["", "   ", " 前后有空格 ", "x" * 120, "x" * 121, "有\x00空字符", None, 7, True, ["列表"]]
    values = {
        "title": texts,
        "description": ["", "  有空格  ", "x" * 5000, None, 5],
        "dispute_type": [places["inactive_type"].pk, 999_999, 10**20, 0, -1, str(dispute_type.pk), "abc", None, True, 1.5],
        "channel": ["party_application", "police_referral", "petition", "", None, 1],
        "village": [org.other_village.pk, org.grid.pk, org.subdistrict.pk, org.compound.pk, 999_999, 2**63, "x", None, str(org.village.pk)],
        "compound": [org.compound.pk, org.grid.pk, places["other_group"].pk, org.village.pk, 999_999, 2**63 - 1, 10**30, 0, ""],
        "grid": [None, org.other_grid.pk, org.compound.pk, org.village.pk, 999_999, 2**64, "abc"],
        "address": ["", "  东村  ", "x" * 200, "x" * 201],
        "latitude": [None, "29.351234", 29.35, "-90", "1000", "abc", "29.1234567", "NaN", "Infinity", 1e-7, ""],
        "longitude": ["105.281234", 105, "105.2812345", "-1000.5"],
        "people_involved": [0, -1, 2_147_483_647, 2_147_483_648, "3", 3.0, 3.5, "many", None],
        "amount_in_dispute": [None, "100.00", "1.005", "-5", 1e13, "1e2", "999999999999.99", "9999999999999.99", ""],
        "is_group": [True, False, "true", "perhaps", 1, None],
        "criminal_risk": [True, "0"],
        "risk_grade": ["red", "orange", "yellow", "purple", "", None],
        "complexity": ["complex", "difficult", "bogus"],
        "routing_unit": [None, org.subdistrict_committee.pk, org.other_village_room.pk, 999_999],
        "routing_reason": ["", "涉及多方", None],
        "confirm_duplicate": [True, False, "yes", None],
        "unknown_field": ["ignored"],
        "parties": [
            [],
            {},
            "张三",
            [party] * 20,
            [party] * 21,
            [party],
            [{**party, "name": ""}],
            [{"role": "applicant"}],
            with_party(id_number=VALID_ID[:-1] + "1"),
            with_party(id_number=VALID_ID.lower()),
            with_party(id_number=f" {VALID_ID[:6]} {VALID_ID[6:]} "),
            with_party(kind="organisation", id_number="91110000MA0000000X"),
            with_party(kind="organisation", id_number="ß" * 30),
            with_party(kind="robot"),
            with_party(role="judge"),
            with_party(phone="12345"),
            with_party(phone="+86 138 0013 8000"),
            with_party(phone="+86+8613800138000"),
            with_party(phone="(0832)1234567"),
            with_party(phone=None),
            with_party(representative_name="代理人", representative_phone="999"),
            with_party(representative_name="代理人", representative_phone="139-0013-9000"),
            with_party(representative_name="x" * 51),
            with_party(name="x" * 100),
            with_party(name="x" * 101),
            with_party(address="x" * 201),
            with_party(id_number="1" * 31),
            [party, "not a party"],
        ],
    }
    for field, candidates in values.items():
        for value in candidates:
            yield field, value
    for field in ("title", "description", "dispute_type", "channel", "village", "address", "risk_grade", "complexity", "parties"):
        yield field, "<missing>"


def request_with(org, dispute_type, field, value):
    body = intake(org, dispute_type, confirm_duplicate=True)
    if value == "<missing>":
        body.pop(field)
    else:
        body[field] = copy.deepcopy(value)
    return body


def comparable(intake):
    """An Intake with rows as (model, id) and decimals with their exponent."""

    def plain(value):
        if isinstance(value, Model):
            return (type(value).__name__, value.pk)
        if isinstance(value, Decimal):
            return ("decimal", str(value))
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, str):
            # A choice the serializer defaults (PartyKind.PERSON) is the enum member, equal to its text.
            return ("str", str(value))
        return (type(value).__name__, value)

    village = intake.data["village"]
    return plain(intake._asdict()), (village.subdistrict.pk, village.subdistrict.code)


def differences(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in a.keys() | b.keys() for d in differences(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return [d for index, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{index}]")]
    return [] if a == b else [(path, a, b)]


def checked(user, body):
    try:
        return views._intake_checked(user, user_scope(user), copy.deepcopy(body))
    except (FieldErrors, DomainError):
        return None


@pytest.mark.parametrize("name", REGISTRARS)
def test_the_quick_way_accepts_only_what_the_forms_accept_and_alike(request, org, dispute_type, places, name):
    user = request.getfixturevalue(name)
    quick_count = 0
    for field, value in mutations(org, places, dispute_type):
        body = request_with(org, dispute_type, field, value)
        quick = views._intake_accepted(user, copy.deepcopy(body))
        if quick is None:
            continue
        quick_count += 1
        slow = checked(user, body)
        assert slow is not None, (name, field, value)
        assert comparable(quick) == comparable(slow), (name, field, value, differences(comparable(quick), comparable(slow)))
    if name != "other_village_mediator":
        # Most good variants of a request in the east village take the quick way.
        assert quick_count > 40, quick_count
    else:
        assert quick_count == 0


@pytest.mark.parametrize("name", ["grid_worker", "village_mediator", "subdistrict_mediator", "centre_staff"])
def test_a_usual_request_takes_the_quick_way(request, org, dispute_type, name):
    user = request.getfixturevalue(name)
    for body in (
        intake(org, dispute_type),
        intake(org, dispute_type, compound=org.compound.pk, latitude="29.351234", amount_in_dispute="1200.5"),
        intake(org, dispute_type, grid=None, routing_reason="不调整"),
    ):
        quick = views._intake_accepted(user, copy.deepcopy(body))
        assert quick is not None
        assert comparable(quick) == comparable(checked(user, body))


def api(user):
    client = Client()
    _token, key = api_token_create(user=user, name="测试")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def written(case_id):
    """What a registration wrote, without ids, numbers and times."""
    case = Case.objects.get(pk=case_id)
    skip = {"id", "number", "created_at", "updated_at"}
    fields = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if f.attname not in skip}
    parties = list(case.parties.values("role", "kind", "name", "id_number", "phone", "address", "representative_name",
                                       "representative_phone", "id_number_hash", "phone_hash", "representative_phone_hash"))
    events = list(CaseEvent.objects.filter(case=case).order_by("id").values("kind", "action", "actor_id", "from_state", "to_state", "reason", "data"))
    notices = sorted(Notification.objects.filter(case=case).values_list("user_id", "kind", "link", "due_date"))
    outbox = sorted(OutboxMessage.objects.filter(notification__case=case).values_list("notification__user_id", "channel", "recipient", "status"))
    return fields, parties, events, notices, outbox


def answered(response):
    data = copy.deepcopy(response.json())
    for name in ("id", "number", "created_at", "updated_at", "url"):
        data.pop(name, None)
    for party in data.get("parties", []):
        party.pop("id")
    return response.status_code, data


@pytest.mark.parametrize("name", ["grid_worker", "centre_staff"])
def test_a_registration_answers_and_writes_the_same_either_way(request, monkeypatch, org, dispute_type, name):
    user = request.getfixturevalue(name)
    client = api(user)
    bodies = [
        intake(org, dispute_type, confirm_duplicate=True),
        intake(org, dispute_type, confirm_duplicate=True, compound=org.compound.pk, latitude=29.35, longitude="105.281234",
               amount_in_dispute="1200.5", people_involved=7, is_group=True, criminal_risk=True, risk_grade="red",
               complexity="complex", channel="police_referral", title="  有空格的简题  ",
               parties=[{"role": "applicant", "name": " 王五 ", "id_number": f" {VALID_ID.lower()} ", "phone": "+86 137 0013 7000",
                         "address": " 东村 ", "representative_name": "代理人", "representative_phone": "(0832)1234567"},
                        {"role": "other", "kind": "organisation", "name": "某公司", "id_number": "91110000ma0000000x"}]),
    ]
    for body in bodies:
        quick = client.post(reverse("api:case_list"), json.dumps(body), content_type="application/json")
        with monkeypatch.context() as patched:
            patched.setattr(views, "_intake_accepted", lambda user, raw: None)
            slow = client.post(reverse("api:case_list"), json.dumps(body), content_type="application/json")
        assert quick.status_code == 201, quick.content
        assert answered(quick) == answered(slow), differences(answered(quick), answered(slow))
        assert written(quick.json()["id"]) == written(slow.json()["id"])
        assert quick["Location"] != slow["Location"]


def test_a_refused_request_answers_as_before(monkeypatch, org, dispute_type, places, centre_staff):
    """A request the quick way passes on gets the forms' answer (its errors in both languages)."""
    client = api(centre_staff)
    for field, value in [("village", org.grid.pk), ("dispute_type", places["inactive_type"].pk), ("title", ""),
                         ("parties", [{"name": "王五", "id_number": VALID_ID[:-1] + "1"}]), ("compound", places["other_group"].pk)]:
        body = request_with(org, dispute_type, field, value)
        quick = client.post(reverse("api:case_list"), json.dumps(body), content_type="application/json")
        with monkeypatch.context() as patched:
            patched.setattr(views, "_intake_accepted", lambda user, raw: None)
            slow = client.post(reverse("api:case_list"), json.dumps(body), content_type="application/json")
        assert quick.status_code == 400
        assert quick.json() == slow.json()
    assert not Case.objects.exists() and not Party.objects.exists()
