"""Oversized requests are refused, never a server error: form bodies over
DATA_UPLOAD_MAX_MEMORY_SIZE and with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields get a 400,
the REST API and Open311 answer in their own error formats, and an evidence file over
JIEFEN_MAX_UPLOAD_BYTES is refused with a Chinese message and leaves nothing behind."""

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiefen.api.services import api_token_create
from jiefen.cases.models import Case, CaseEvent, CaseState
from jiefen.mediation.models import Evidence
from jiefen.open311.models import Open311Request

from .casework import intake_post, walk
from .test_records_evidence import png_bytes

pytestmark = pytest.mark.django_db

LIMIT = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_the_limits_are_set_explicitly():
    assert LIMIT == int(2.5 * 1024 * 1024)
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert "jiefen.common.middleware.BadInputMiddleware" in django_settings.MIDDLEWARE


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_form_post_over_the_limit_is_a_400(client, org, dispute_type, grid_worker, encoding):
    client.force_login(grid_worker)
    data = intake_post(org, dispute_type, description="纠" * (LIMIT // 3 + 10))  # 3 bytes a character in UTF-8
    if encoding == "multipart":
        response = client.post(reverse("web:case_new"), data)
    else:
        response = client.post(reverse("web:case_new"), urlencode(data), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "提交的数据过大" in response.content.decode()
    assert not Case.objects.exists()


def test_a_form_post_just_under_the_limit_is_read(client, org, dispute_type, grid_worker):
    """The limit refuses floods, not long texts: a too-long description is the form's error."""
    client.force_login(grid_worker)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, title="题" * 300))
    assert response.status_code == 400
    assert "title" in response.context["form"].errors


def test_too_many_fields_is_a_400(client, org, dispute_type, grid_worker):
    client.force_login(grid_worker)
    data = intake_post(org, dispute_type)
    data.update({f"extra{i}": "1" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    response = client.post(reverse("web:case_new"), urlencode(data), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "提交的字段过多" in response.content.decode()
    assert not Case.objects.exists()


def test_the_login_form_over_the_limit_is_a_400(client):
    response = client.post(reverse("login"), {"username": "x" * (LIMIT + 1), "password": "y"})
    assert response.status_code == 400


@pytest.fixture
def token(centre_staff):
    _token, key = api_token_create(user=centre_staff, name="oversized")
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_a_json_body_over_the_limit_gets_the_apis_413(client, token, org, dispute_type):
    body = json.dumps({"title": "纠纷", "description": "x" * (LIMIT + 1)})
    response = client.post("/api/v1/cases/", body, content_type="application/json", **token)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert "过大" in error["message"] and error["message_en"]
    assert not Case.objects.exists()


def test_an_api_form_body_with_too_many_fields_gets_a_json_400(client, token):
    body = urlencode({f"f{i}": "1" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
    response = client.post("/api/v1/cases/", body, content_type="application/x-www-form-urlencoded", **token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


def test_json_nested_beyond_reason_is_a_400_not_a_crash(client, token):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/cases/", body, content_type="application/json", **token)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_deep"


def test_open311_over_the_limit_answers_in_open311s_format(client, org):
    response = client.post(
        "/open311/v2/requests.json",
        urlencode({"service_code": "neighbour", "description": "x" * (LIMIT + 1)}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    [error] = response.json()
    assert error["code"] == 413 and "过大" in error["description"]
    assert not Open311Request.objects.exists()


# ---------------------------------------------------------------- evidence


@pytest.fixture
def mediating(make_case, centre_staff, village_mediator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)


def test_evidence_over_its_limit_is_refused_in_chinese_and_nothing_is_kept(client, settings, mediating, village_mediator):
    content = png_bytes(64, 64)
    settings.JIEFEN_MAX_UPLOAD_BYTES = len(content) - 1
    events_before = CaseEvent.objects.filter(case=mediating).count()
    client.force_login(village_mediator)
    response = client.post(
        reverse("mediation:act", args=[mediating.pk, "evidence"]),
        {"file": SimpleUploadedFile("现场.png", content, content_type="image/png"), "description": "现场照片"},
    )
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert not Evidence.objects.exists()
    assert CaseEvent.objects.filter(case=mediating).count() == events_before
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_an_evidence_file_larger_than_the_form_limit_is_still_judged_by_the_evidence_limit(client, settings, mediating, village_mediator):
    """Files do not count against DATA_UPLOAD_MAX_MEMORY_SIZE (Django streams them to disk):
    the evidence limit is what refuses a big file."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.JIEFEN_MAX_UPLOAD_BYTES = 4096
    client.force_login(village_mediator)
    big = b"%PDF-1.4\n" + b"0" * 8192
    response = client.post(
        reverse("mediation:act", args=[mediating.pk, "evidence"]),
        {"file": SimpleUploadedFile("协议.pdf", big, content_type="application/pdf"), "description": ""},
    )
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_body_beyond_any_upload_is_refused_before_it_is_read(client, settings, mediating, village_mediator):
    """Django streams files to disk without a limit of its own; a body larger than any form
    takes is refused from its Content-Length, before a byte of it is stored."""
    settings.JIEFEN_MAX_REQUEST_BYTES = 64 * 1024
    client.force_login(village_mediator)
    response = client.post(
        reverse("mediation:act", args=[mediating.pk, "evidence"]),
        {"file": SimpleUploadedFile("大.pdf", b"%PDF-1.4\n" + b"0" * (80 * 1024), content_type="application/pdf")},
    )
    assert response.status_code == 413
    assert "提交的数据过大" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_a_malformed_request_gets_a_chinese_page(client):
    from django.test import Client

    response = Client(raise_request_exception=False).get("/", HTTP_HOST="bad host name")
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()
