"""Registering a case through the API costs a bounded number of queries: a fixed number per
registration, at most a small constant more per party, and nothing that grows with the cases
already on record."""

import json
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.api.services import api_token_create
from jiefen.cases.models import Case, CaseEvent, EventKind, Party
from jiefen.notifications.models import Notification

from .conftest import VALID_ID
from .test_api import intake

pytestmark = pytest.mark.django_db

# Token and scope, the dispute type and places chosen, routing (rules, unit), the first deadline
# (limit, holidays) and the mediators to tell, the write (number, case, parties, events,
# notifications and their deliveries) and the transaction itself.
MOST_QUERIES = 17
PHONES = ["13700137000", "13700137001", "13700137002", "13700137003", "13700137004", "13700137005"]


def parties(count):
    rows = [{"role": "applicant", "name": "王五", "id_number": VALID_ID, "phone": PHONES[0]}]
    rows += [{"role": "respondent", "name": f"当事人{index}", "phone": PHONES[index]} for index in range(1, count)]
    return rows


def body(org, dispute_type, party_count):
    return json.dumps(intake(org, dispute_type, confirm_duplicate=True, parties=parties(party_count)))


@pytest.fixture
def client(centre_staff):
    client = Client()
    _token, key = api_token_create(user=centre_staff, name="测试")
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def register(client, org, dispute_type, party_count) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("api:case_list"), body(org, dispute_type, party_count), content_type="application/json")
    assert response.status_code == 201, response.content
    return len(queries), response.json()


def test_one_registration_costs_a_bounded_number_of_queries(client, org, dispute_type, village_mediator):
    register(client, org, dispute_type, 2)  # the year's number sequence and the token's first use
    count, data = register(client, org, dispute_type, 2)
    assert count <= MOST_QUERIES, count
    case = Case.objects.get(pk=data["id"])
    # Everything a registration records is still recorded.
    assert [p["name"] for p in data["parties"]] == ["王五", "当事人1"]
    assert data["parties"][0]["id_number"] == "1101**********002X"
    assert case.parties.get(role="applicant").id_number == VALID_ID
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.CREATED, EventKind.ROUTED]
    assert Notification.objects.filter(case=case, user=village_mediator).exists()


def test_a_registration_compiles_no_read(client, org, dispute_type):
    """Every read of a registration (token, roles, the rows chosen, routing, limits, mediators)
    runs SQL compiled by an earlier one (jiefen/common/prepared.py): compiling them took more
    than half of a registration's work. Only the writes are compiled each time."""
    register(client, org, dispute_type, 2)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as compiled:
        register(client, org, dispute_type, 2)
    assert compiled.call_count == 0, [call.args[0].query.model for call in compiled.call_args_list]


def test_more_parties_do_not_cost_more_queries(client, org, dispute_type):
    register(client, org, dispute_type, 2)
    two, _data = register(client, org, dispute_type, 2)
    six, data = register(client, org, dispute_type, 6)
    assert six == two, (two, six)
    assert Party.objects.filter(case_id=data["id"]).count() == 6


def test_existing_cases_do_not_cost_more_queries(client, org, dispute_type):
    register(client, org, dispute_type, 2)
    few, _data = register(client, org, dispute_type, 2)
    for _ in range(5):
        register(client, org, dispute_type, 2)
    many, data = register(client, org, dispute_type, 2)
    assert many == few, (few, many)
    # Numbers keep counting up, one per registration.
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers[-1] == data["number"] and len(set(numbers)) == Case.objects.count() == 8
    assert CaseEvent.objects.filter(kind=EventKind.CREATED).count() == 8


CHOICES = ("village", "compound", "grid", "dispute_type", "routing_unit")


def choices(form) -> dict:
    return {name: sorted(form.fields[name].queryset.values_list("pk", flat=True)) for name in CHOICES if name in form.fields}


@pytest.mark.parametrize("name", ["grid_worker", "village_mediator", "subdistrict_mediator", "centre_staff", "other_village_mediator"])
def test_a_posted_intake_form_offers_what_the_page_offers(request, org, dispute_type, name):
    """A posted form (the API's, a submitted page) skips reading the list of villages, never a
    restriction of what may be chosen: its choices are those of the page drawn for the same village."""
    from jiefen.web.forms import CaseIntakeForm

    user = request.getfixturevalue(name)
    for village in ("", org.village.pk, org.other_village.pk):
        page = CaseIntakeForm(user=user, initial={"village": village or None})
        posted = CaseIntakeForm({"village": village, "routing_unit": ""}, user=user)
        assert set(posted.fields) == set(page.fields)
        assert posted.can_override_routing == page.can_override_routing
        assert choices(posted) == choices(page), (name, village)
    if name == "centre_staff":
        offered = choices(CaseIntakeForm({"village": org.village.pk, "routing_unit": ""}, user=user))
        assert org.grid.pk in offered["grid"] and org.compound.pk in offered["compound"]
