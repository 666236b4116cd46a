"""backup and restore round trip: the same rows come back and the audit chain still verifies."""

import tarfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from jiefen.audit.chain import events_seal, events_verify
from jiefen.cases.models import CaseEvent, Party
from jiefen.common.backup import table_counts

# The dump tools read committed data; the live connection is replaced underneath.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "evidence").mkdir(parents=True)
    (settings.MEDIA_ROOT / "evidence" / "photo.jpg").write_bytes(b"\xff\xd8\xff evidence")
    return settings.MEDIA_ROOT


def test_round_trip(make_case, media, tmp_path):
    for i in range(3):
        make_case(title=f"纠纷{i}")
    events_seal(now=timezone.now() + timedelta(hours=1))
    before = table_counts()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", out=str(archive))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "media/evidence/photo.jpg" in names

    # Damage after the backup: a case is gone, a file is changed.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Party._meta.db_table}")
    (media / "evidence" / "photo.jpg").write_bytes(b"overwritten")
    assert table_counts() != before

    call_command("restore", str(archive), interactive=False)
    assert table_counts() == before
    assert events_verify().ok and events_verify().checked == CaseEvent.objects.count()
    assert (media / "evidence" / "photo.jpg").read_bytes() == b"\xff\xd8\xff evidence"


def test_a_damaged_archive_is_refused_and_nothing_changes(media, tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not an archive")
    before = table_counts()
    with pytest.raises(CommandError, match="备份文件已损坏"):
        call_command("restore", str(bad), interactive=False)
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "missing.tar.gz"), interactive=False)
    assert table_counts() == before
