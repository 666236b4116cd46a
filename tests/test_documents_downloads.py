"""Downloading documents from the case page: who may, what comes back, and how it is named."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from jiefen.documents.models import DocumentNumber

from .casework import act, register
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def url(case, kind, fmt, ref=None):
    if ref:
        return reverse("documents:document_ref", kwargs={"pk": case.pk, "kind": kind, "ref": ref, "fmt": fmt})
    return reverse("documents:document", kwargs={"pk": case.pk, "kind": kind, "fmt": fmt})


@pytest.fixture
def accepted(org, dispute_type, centre_staff):
    return act(register(org, dispute_type, centre_staff), "accept", centre_staff)


def get(client, user, path):
    client.login(username=user.username, password=PASSWORD)
    return client.get(path)


@pytest.mark.parametrize("fmt,content_type,magic", [
    ("pdf", "application/pdf", b"%PDF"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
])
def test_a_handler_downloads_a_document_with_a_utf8_filename(client, accepted, village_mediator, fmt, content_type, magic):
    response = get(client, village_mediator, url(accepted, "acceptance", fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    disposition = response["Content-Disposition"]
    expected = quote(f"{accepted.number}_受理登记表.{fmt}")
    assert disposition == f'attachment; filename="case-{accepted.pk}-acceptance.{fmt}"; filename*=UTF-8\'\'{expected}'
    assert response["Cache-Control"] == "private, no-store"


def test_staff_and_leaders_of_the_subdistrict_may_download(client, accepted, centre_staff, leader):
    assert get(client, centre_staff, url(accepted, "acceptance", "pdf")).status_code == 200
    client.logout()
    assert get(client, leader, url(accepted, "acceptance", "docx")).status_code == 200


def test_users_who_may_not_see_the_case_get_404(client, accepted, outsider, other_village_mediator):
    for user in (outsider, other_village_mediator):
        client.logout()
        assert get(client, user, url(accepted, "acceptance", "pdf")).status_code == 404
        assert get(client, user, reverse("documents:dossier", args=[accepted.pk])).status_code == 404
    assert not DocumentNumber.objects.exists()


def test_a_grid_worker_who_sees_the_case_may_not_download_personal_data(client, org, dispute_type, grid_worker):
    case = register(org, dispute_type, grid_worker)
    response = get(client, grid_worker, url(case, "acceptance", "pdf"))
    assert response.status_code == 403
    assert "仅承办人员和街道工作人员可以下载" in response.content.decode()


def test_anonymous_users_are_sent_to_log_in(client, accepted):
    response = client.get(url(accepted, "acceptance", "pdf"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_document_without_data_is_a_404_with_the_reason(client, accepted, village_mediator):
    response = get(client, village_mediator, url(accepted, "agreement", "pdf"))
    assert response.status_code == 404
    assert "没有书面调解协议" in response.content.decode()
    response = get(client, village_mediator, url(accepted, "mediation_record", "docx", ref=999999))
    assert response.status_code == 404
    assert "调解记录" in response.content.decode()


def test_only_pdf_and_docx_are_offered(client, accepted, village_mediator):
    response = get(client, village_mediator, url(accepted, "acceptance", "odt"))
    assert response.status_code == 404


def test_missing_fonts_are_a_clear_503(client, accepted, village_mediator, settings):
    settings.JIEFEN_DOCUMENT_FONTS = {"body": "Noto Serif CJK XX (not installed)"}
    response = get(client, village_mediator, url(accepted, "acceptance", "pdf"))
    assert response.status_code == 503
    assert "fonts-noto-cjk" in response.content.decode()
