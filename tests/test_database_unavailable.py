"""The database unreachable: a clear 503 (HTML for people, JSON for programs) that needs no
database itself, and normal service again as soon as it is back."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def down():
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("connection refused"))


@pytest.fixture
def browser(village_mediator):
    client = Client(raise_request_exception=False)
    client.force_login(village_mediator)
    return client


def test_pages_answer_503_while_the_database_is_down_and_recover(browser):
    assert browser.get(reverse("web:case_list")).status_code == 200
    with down():
        response = browser.get(reverse("web:case_list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "服务暂时不可用" in page and "已保存的数据不受影响" in page
    assert browser.get(reverse("web:case_list")).status_code == 200


def test_the_api_gets_a_json_503(browser):
    with down():
        response = browser.get("/api/v1/cases/")
    assert response.status_code == 503
    body = response.json()["error"]
    assert body["code"] == "service_unavailable" and body["message"] == "服务暂时不可用，请稍后再试。"


def test_other_errors_stay_500(browser):
    with mock.patch("jiefen.web.views.render", side_effect=RuntimeError("bug")):
        response = browser.get(reverse("web:case_list"))
    assert response.status_code == 500 and "出错了" in response.content.decode()


def test_a_token_client_gets_the_json_503_too(client, centre_staff):
    from jiefen.api.services import api_token_create

    _token, key = api_token_create(user=centre_staff, name="热线")
    with down():
        response = Client(raise_request_exception=False).get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
