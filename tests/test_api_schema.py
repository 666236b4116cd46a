"""The OpenAPI document and the docs page, and the API fuzzed against its own document:
Schemathesis generates requests for every operation from /api/openapi.json and sends them
with a token through the WSGI app; no answer may be a 5xx or stray from the document.

Deterministic (derandomize) and bounded (max_examples per operation), so CI sees the same
requests every run."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiefen.api.services import api_token_create

from .casework import act, walk
from .conftest import case_data, parties_data

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_the_document_describes_errors_auth_and_pagination(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json") or response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    schemes = document["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["tokenAuth"]["description"],
    }
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")
    body = document["components"]["schemas"]["ErrorBody"]
    assert {"code", "message", "message_en", "fields"} <= set(body["required"])
    listing = document["paths"]["/api/v1/cases/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"after", "limit", "state", "village", "q"} <= names
    page = document["components"]["schemas"]["CasePage"]["properties"]
    assert {"results", "next_cursor", "next"} <= set(page)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"401", "404", "default"} <= set(operation["responses"]), (path, method)
            assert operation["security"] == [{"tokenAuth": []}, {"bearerAuth": []}, {"cookieAuth": []}]
    transitions = document["paths"]["/api/v1/cases/{id}/transitions/"]["post"]["responses"]
    assert transitions["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_the_docs_page_needs_no_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # No inline start-up script: it comes from the page's own address.
    assert '<script src="/api/docs/?script="></script>' in html
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/openapi.json" in script.content.decode()


@pytest.fixture
def fuzz_data(org, dispute_type, centre_staff, village_mediator, grid_worker):
    """A few cases in several states, so that generated ids sometimes hit real records."""
    from jiefen.cases.services import case_register

    def new(**overrides):
        return case_register(actor=grid_worker, data=case_data(org, dispute_type, **overrides), parties=parties_data())

    registered = new(title="新登记")
    accepted = act(new(title="已受理"), "accept", centre_staff)
    agreed = walk(new(title="已调解"), "agreed", staff=centre_staff, mediator=village_mediator)
    return [registered, accepted, agreed]


@pytest.fixture
def keep_test_connection():
    """Schemathesis drives the real WSGI handler, whose request signals would close the
    database connection that holds the test's transaction (Django's test client unhooks them
    for the same reason)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


def test_the_api_keeps_to_its_document(settings, keep_test_connection, fuzz_data, centre_staff):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": None}}
    cache.clear()
    _token, key = api_token_create(user=centre_staff, name="schemathesis")
    headers = {"Authorization": f"Token {key}"}
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    real_ids = [case.pk for case in fuzz_data]
    for operation in operations:
        # Valid and invalid requests alike: an invalid one must be refused with a 4xx, never a 5xx.
        strategy = st.one_of(
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        )
        # Most examples on cases that exist, so the answers are not all 404s; not the dossier,
        # whose PDF of the whole case file takes seconds (test_api.py downloads it once).
        if "{id}" in operation.path and not operation.path.endswith("dossier.pdf"):
            strategy = st.one_of(strategy, *(operation.as_strategy(path_parameters={"id": pk}) for pk in real_ids))

        @given(case=strategy)
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except Exception as exc:  # collect every operation's failures, then report them together
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
                raise

        try:
            run()
        except Exception:
            pass  # recorded in `failures`

    assert not failures, "\n\n".join(failures[:5])
