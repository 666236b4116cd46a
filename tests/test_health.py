"""The health check answers JSON through the whole middleware stack, signed in or not."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_json_for_anonymous_visitors(client):
    response = client.get(reverse("web:healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["ok"] is True
    assert body["db"] in {"sqlite", "postgresql"}
    assert body["authenticated"] is False
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reads_the_session_of_a_signed_in_user(client, leader):
    client.force_login(leader)
    assert client.get("/healthz").json()["authenticated"] is True


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
