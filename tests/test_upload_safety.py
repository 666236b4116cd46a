"""Uploads that try to run in the browser: an SVG with script, HTML named as an image or a PDF,
an executable, and polyglots (a real image or PDF header with HTML after it). Content decides:
what is not a JPEG, PNG or PDF is refused, and what passes is served only as an inert download —
attachment, nosniff, a sandboxing CSP and the sniffed content type, never the browser's claim.
(tests/test_records_evidence.py covers the ordinary cases; this file covers the hostile ones.)"""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiefen.cases.models import CaseEvent, CaseState
from jiefen.mediation.models import Evidence
from jiefen.mediation.services.sittings import evidence_upload

from .casework import walk
from .test_records_evidence import JPEG, PDF, png_bytes

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64
SHELL = b"#!/bin/sh\nrm -rf /\n"
HTML_WITH_BOM = b"\xef\xbb\xbf<html><body>" + SCRIPT + b"</body></html>"
XHTML = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>' + SCRIPT + b"</body></html>"

REFUSED = [
    ("现场.svg", SVG, "image/svg+xml"),
    ("现场.jpg", SVG, "image/jpeg"),
    ("照片.png", HTML_WITH_BOM, "image/png"),
    ("扫描.pdf", XHTML, "application/pdf"),
    ("setup.pdf", WINDOWS_EXE, "application/pdf"),
    ("photo.jpg", ELF, "image/jpeg"),
    ("run.png", SHELL, "image/png"),
    ("page.html", b"<html>" + SCRIPT, "text/html"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIEFEN_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    return settings.MEDIA_ROOT


@pytest.fixture
def mediating(make_case, centre_staff, village_mediator):
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)


def _upload(client, case, name, content, content_type):
    return client.post(
        reverse("mediation:act", args=[case.pk, "evidence"]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type), "description": "材料"},
    )


@pytest.mark.parametrize(("name", "content", "declared"), REFUSED, ids=[row[0] for row in REFUSED])
def test_active_content_is_refused_whatever_its_name_or_declared_type(client, mediating, village_mediator, media, name, content, declared):
    client.force_login(village_mediator)
    events = CaseEvent.objects.filter(case=mediating).count()
    response = _upload(client, mediating, name, content, declared)
    assert response.status_code == 400
    assert "JPEG、PNG 图片或 PDF" in response.content.decode()
    assert not Evidence.objects.exists()
    assert CaseEvent.objects.filter(case=mediating).count() == events
    assert not any(Path(media).rglob("*.*"))


@pytest.mark.parametrize(
    ("name", "content", "sniffed", "suffix"),
    [
        ("x.html", JPEG[:-2] + SCRIPT + b"\xff\xd9", "image/jpeg", ".jpg"),
        ("x.svg", png_bytes() + SVG, "image/png", ".png"),
        ("x.htm", PDF + b"<html><body>" + SCRIPT + b"</body></html>", "application/pdf", ".pdf"),
    ],
    ids=["jpeg-html", "png-svg", "pdf-html"],
)
def test_a_polyglot_is_kept_only_as_an_inert_download(client, mediating, village_mediator, media, name, content, sniffed, suffix):
    client.force_login(village_mediator)
    assert _upload(client, mediating, name, content, "text/html").status_code == 302
    evidence = Evidence.objects.get()
    # The type is the sniffed one, and so is the stored suffix: never .html, never text/html.
    assert evidence.content_type == sniffed
    assert Path(evidence.file.path).suffix == suffix
    response = client.get(reverse("mediation:evidence", args=[mediating.pk, evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == sniffed
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert b"".join(response.streaming_content) == content


def test_a_hostile_file_name_is_cut_to_its_last_part_and_shown_escaped(client, mediating, village_mediator, media):
    client.force_login(village_mediator)
    name = '..\\..\\<img src=x onerror=alert(1)>".png'
    assert _upload(client, mediating, name, png_bytes(), "image/png").status_code == 302
    evidence = Evidence.objects.get()
    assert "\\" not in evidence.original_name and ".." not in evidence.original_name
    assert evidence.original_name.endswith(".png") and "<img" in evidence.original_name
    stored = Path(evidence.file.path)
    assert stored.is_relative_to(media) and "img" not in stored.name
    page = client.get(reverse("web:case_detail", args=[mediating.pk])).content.decode()
    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    response = client.get(reverse("mediation:evidence", args=[mediating.pk, evidence.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "\r" not in disposition
    # The quote in the name is escaped: one filename parameter, no second one smuggled in.
    assert disposition == 'attachment; filename="<img src=x onerror=alert(1)>\\".png"'


def test_the_service_refuses_an_svg_even_when_told_it_is_a_png(mediating, village_mediator, media):
    with pytest.raises(ValidationError) as info:
        evidence_upload(
            case_id=mediating.pk, actor=village_mediator, uploaded_file=SimpleUploadedFile("a.png", SVG, content_type="image/png")
        )
    assert "file" in info.value.message_dict
    assert not Evidence.objects.exists()


def test_the_agreement_scan_refuses_active_content_too(mediating, village_mediator, media, settings):
    from jiefen.mediation.services.agreements import agreement_attach_scan

    from .casework import today
    from .steps_agreements import draft

    agreement = draft(mediating, village_mediator, on=today(), due=today())
    for name, content in (("协议.pdf", XHTML), ("协议.jpg", SVG), ("协议.png", WINDOWS_EXE)):
        with pytest.raises(ValidationError):
            agreement_attach_scan(agreement_id=agreement.pk, actor=village_mediator, uploaded_file=SimpleUploadedFile(name, content))
    agreement.refresh_from_db()
    assert not agreement.signed_scan
