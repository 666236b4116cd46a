"""Records (Art. 27) and evidence: what a record holds; uploads are images or PDF by content,
within the size limit, stored on disk with a random name and their SHA-256, and served only
to those who may see the case, as a download that browsers will not sniff or render."""

import hashlib
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import CaseEvent, CaseState, EventKind
from jiefen.common.errors import PermissionDenied
from jiefen.mediation.models import Evidence, Record, RecordKind, SessionKind, SessionStatus
from jiefen.mediation.services.sittings import evidence_upload, record_create, session_book, session_cancel

from .casework import walk

pytestmark = pytest.mark.django_db


def png_bytes(width=2, height=2):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JIEFEN_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    return settings.MEDIA_ROOT


@pytest.fixture
def mediating(make_case, centre_staff, village_mediator):
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# ---------------------------------------------------------------- records


def test_a_record_holds_time_place_people_statements_result_and_who_recorded(mediating, village_mediator):
    held = timezone.now() - timedelta(hours=2)
    record = record_create(
        case_id=mediating.pk,
        actor=village_mediator,
        kind=RecordKind.MEDIATION,
        held_at=held,
        place=" 东村调解室 ",
        participants="张三、李四、调解员乙",
        statements="张三称排水沟被堵；李四同意清理。",
        result="双方同意三日内清理排水沟。",
    )
    record = Record.objects.get(pk=record.pk)
    assert (record.kind, record.held_at, record.place) == (RecordKind.MEDIATION, held, "东村调解室")
    assert (record.participants, record.statements) == ("张三、李四、调解员乙", "张三称排水沟被堵；李四同意清理。")
    assert (record.result, record.recorded_by) == ("双方同意三日内清理排水沟。", village_mediator)
    event = CaseEvent.objects.filter(case=mediating).latest("id")
    assert (event.kind, event.action, event.data["record"]) == (EventKind.NOTE, "record_created", record.pk)


@pytest.mark.parametrize(
    ("field", "value"),
    [("place", " "), ("participants", ""), ("statements", "  "), ("held_at", None), ("kind", "minutes")],
)
def test_a_record_without_its_required_parts_is_refused(field, value, mediating, village_mediator):
    arguments = {
        "kind": RecordKind.INVESTIGATION,
        "held_at": timezone.now(),
        "place": "东村3组",
        "participants": "张三",
        "statements": "现场查看排水沟。",
        field: value,
    }
    with pytest.raises(ValidationError) as info:
        record_create(case_id=mediating.pk, actor=village_mediator, **arguments)
    assert field in info.value.message_dict
    assert not Record.objects.exists()


def test_a_record_of_the_future_is_refused(mediating, village_mediator):
    with pytest.raises(ValidationError) as info:
        record_create(
            case_id=mediating.pk, actor=village_mediator, kind=RecordKind.INVESTIGATION, held_at=timezone.now() + timedelta(days=1),
            place="东村3组", participants="张三", statements="现场查看。",
        )
    assert "held_at" in info.value.message_dict


def test_the_record_of_a_session_marks_it_held_and_must_match_it(mediating, village_mediator, make_case):
    start = timezone.now() - timedelta(hours=3)
    session = session_book(
        case_id=mediating.pk, actor=village_mediator, kind=SessionKind.INVESTIGATION, starts_at=start,
        ends_at=start + timedelta(hours=1), mediator_ids=[village_mediator.pk], place="东村3组",
    )
    base = {"case_id": mediating.pk, "actor": village_mediator, "held_at": start, "place": "东村3组", "participants": "张三", "statements": "查看。"}
    with pytest.raises(ValidationError) as info:
        record_create(kind=RecordKind.MEDIATION, session_id=session.pk, **base)
    assert "session" in info.value.message_dict
    record = record_create(kind=RecordKind.INVESTIGATION, session_id=session.pk, **base)
    assert record.session == session
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD

    other = session_book(
        case_id=mediating.pk, actor=village_mediator, kind=SessionKind.INVESTIGATION, starts_at=start - timedelta(days=1),
        ends_at=start - timedelta(days=1, hours=-1), mediator_ids=[village_mediator.pk], place="东村3组",
    )
    session_cancel(session_id=other.pk, actor=village_mediator, reason="改期")
    with pytest.raises(ValidationError):
        record_create(kind=RecordKind.INVESTIGATION, session_id=other.pk, **base)


# ---------------------------------------------------------------- uploads


def test_an_image_is_stored_on_disk_with_a_random_name_and_its_hash(mediating, village_mediator, media):
    content = png_bytes()
    evidence = evidence_upload(
        case_id=mediating.pk, actor=village_mediator, uploaded_file=upload("现场照片.jpg", content, "image/jpeg"), description="排水沟现场"
    )
    evidence = Evidence.objects.get(pk=evidence.pk)
    # The type comes from the content: a PNG named .jpg is a PNG.
    assert (evidence.content_type, evidence.original_name, evidence.size) == ("image/png", "现场照片.jpg", len(content))
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    path = Path(evidence.file.path)
    assert path.read_bytes() == content
    assert path.is_relative_to(media)
    assert path.parent == Path(media) / "evidence" / str(mediating.pk)
    assert "现场照片" not in path.name and path.suffix == ".png" and len(path.stem) == 32
    # Only the path is in the database, never the bytes.
    assert evidence.file.name == f"evidence/{mediating.pk}/{path.name}"
    event = CaseEvent.objects.filter(case=mediating).latest("id")
    assert (event.action, event.data["sha256"]) == ("evidence_uploaded", evidence.sha256)


@pytest.mark.parametrize(("name", "content", "mime"), [("协议扫描件.pdf", PDF, "application/pdf"), ("照片.jpeg", JPEG, "image/jpeg")])
def test_pdf_and_jpeg_are_accepted(name, content, mime, mediating, village_mediator):
    evidence = evidence_upload(case_id=mediating.pk, actor=village_mediator, uploaded_file=upload(name, content))
    assert evidence.content_type == mime


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", HTML),  # HTML dressed up as a photo
        ("report.pdf", b"just some text, not a PDF at all"),
        ("scan.png", b"GIF89a" + b"\x00" * 32),  # an image, but not one we take
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 64),  # a zip
    ],
    ids=["html-as-jpg", "text-as-pdf", "gif-as-png", "zip-as-pdf"],
)
def test_anything_else_is_refused_whatever_its_name(name, content, mediating, village_mediator, media):
    with pytest.raises(ValidationError) as info:
        evidence_upload(case_id=mediating.pk, actor=village_mediator, uploaded_file=upload(name, content, "image/jpeg"))
    assert "JPEG、PNG 图片或 PDF" in info.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    assert not any(Path(media).rglob("*.*"))


def test_oversize_and_empty_files_are_refused(settings, mediating, village_mediator, media):
    big = png_bytes()
    settings.JIEFEN_MAX_UPLOAD_BYTES = len(big) - 1
    with pytest.raises(ValidationError) as info:
        evidence_upload(case_id=mediating.pk, actor=village_mediator, uploaded_file=upload("big.png", big))
    assert "文件过大" in info.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as info:
        evidence_upload(case_id=mediating.pk, actor=village_mediator, uploaded_file=upload("empty.png", b""))
    assert "空" in info.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    assert not any(Path(media).rglob("*.*"))
    settings.JIEFEN_MAX_UPLOAD_BYTES = len(big)  # exactly at the limit is fine
    assert evidence_upload(case_id=mediating.pk, actor=village_mediator, uploaded_file=upload("big.png", big)).size == len(big)


def test_only_handlers_upload(mediating, grid_worker, leader, media):
    for user in (grid_worker, leader):
        with pytest.raises(PermissionDenied):
            evidence_upload(case_id=mediating.pk, actor=user, uploaded_file=upload("a.png", png_bytes()))
    assert not Evidence.objects.exists()
    assert not any(Path(media).rglob("*.*"))


# ---------------------------------------------------------------- downloads


@pytest.fixture
def stored(mediating, village_mediator):
    return evidence_upload(case_id=mediating.pk, actor=village_mediator, uploaded_file=upload("现场照片.png", png_bytes()))


def download_url(case, evidence):
    return reverse("mediation:evidence", args=[case.pk, evidence.pk])


@pytest.mark.parametrize("persona", ["village_mediator", "centre_staff", "leader", "grid_worker", "subdistrict_mediator"])
def test_those_who_see_the_case_download_it_as_an_attachment(persona, request, client, mediating, stored):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(download_url(mediating, stored))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("persona", ["other_village_mediator", "outsider"])
def test_others_get_a_404(persona, request, client, mediating, stored):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(download_url(mediating, stored)).status_code == 404


def test_anonymous_users_are_sent_to_log_in_and_ids_must_match(client, mediating, stored, make_case, village_mediator):
    response = client.get(download_url(mediating, stored))
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(village_mediator)
    other = make_case()
    # The evidence of one case is not reachable under another visible case's address.
    assert client.get(reverse("mediation:evidence", args=[other.pk, stored.pk])).status_code == 404


def test_uploading_through_the_page(client, mediating, village_mediator, media):
    client.force_login(village_mediator)
    url = reverse("mediation:act", args=[mediating.pk, "evidence"])
    response = client.post(url, {"file": upload("fake.jpg", HTML, "image/jpeg"), "description": "伪装的网页"})
    assert response.status_code == 400
    assert "JPEG、PNG 图片或 PDF" in response.content.decode()
    response = client.post(url, {"file": upload("协议.pdf", PDF, "application/pdf"), "description": "协议扫描件"})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    page = client.get(reverse("web:case_detail", args=[mediating.pk])).content.decode()
    assert download_url(mediating, evidence) in page and "协议.pdf" in page
