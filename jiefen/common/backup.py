"""Backups that can be restored: one archive with the database, the uploaded files and a manifest.

SQLite is copied with its online backup API, so the site keeps serving while it runs and the
copy is a consistent snapshot even in WAL mode; PostgreSQL is dumped with pg_dump's custom
format and restored with pg_restore. The manifest records row counts of the tables that
matter and the audit chain's head, and a restore is only reported as done when the restored
database shows the same counts and its hash chain verifies.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError

FORMAT = 1
COUNTED = [
    "cases.Case",
    "cases.CaseEvent",
    "cases.Party",
    "mediation.Agreement",
    "assessment.Incident",
    "audit.EventSeal",
    "organisation.Person",
]


class BackupError(DomainError):
    code = "backup_failed"


def table_counts() -> dict[str, int]:
    counts = {}
    for label in COUNTED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        counts[label] = model.objects.count()
    return counts


def _chain_head():
    from jiefen.audit.models import EventSeal

    head = EventSeal.objects.order_by("-id").values_list("event_id", "chain_hash").first()
    return {"event_id": head[0], "chain_hash": head[1]} if head else None


def _pg_env():
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    return env, args, db["NAME"]


def _run(command, env):
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(
            _("找不到 %(tool)s：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。") % {"tool": command[0]}
        ) from None
    if result.returncode != 0:
        raise BackupError(_("%(tool)s 失败：%(error)s") % {"tool": command[0], "error": result.stderr.strip()[-500:]})


def backup_create(out: Path) -> dict:
    """Write the archive to ``out`` (a .tar.gz); returns the manifest."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as work:
        work = Path(work)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "counts": table_counts(),
            "chain_head": _chain_head(),
        }
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(work / "database.sqlite3")
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            env, args, name = _pg_env()
            _run(["pg_dump", *args, "-Fc", "--no-owner", "-f", str(work / "database.pgdump"), name], env)
        else:
            raise BackupError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": connection.vendor})
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            for item in sorted(work.iterdir()):
                archive.add(item, arcname=item.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname="media")
        partial.replace(out)  # a half-written archive never carries the final name
    return manifest


def _safe_members(archive: tarfile.TarFile):
    for member in archive.getmembers():
        if member.name.startswith(("/", "..")) or ".." in Path(member.name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(_("备份文件含有不安全的路径：%(name)s") % {"name": member.name})
        yield member


def backup_restore(source: Path) -> dict:
    """Replace the database and the uploaded files with the archive's; returns the manifest.

    Refuses an archive of another database kind. Call it with the site stopped.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(_("找不到备份文件：%(path)s") % {"path": source})
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(work, members=list(_safe_members(archive)), filter="data")
            manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise BackupError(_("备份文件已损坏或格式不对：%(error)s") % {"error": exc}) from None
        if manifest.get("format") != FORMAT or manifest.get("vendor") != connection.vendor:
            raise BackupError(
                _("该备份来自 %(theirs)s 数据库，当前是 %(ours)s，不能直接恢复。")
                % {"theirs": manifest.get("vendor"), "ours": connection.vendor}
            )
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            if connection.in_atomic_block:
                raise BackupError(_("不能在事务中恢复数据库。"))
            dump = sqlite3.connect(work / "database.sqlite3")
            try:
                dump.backup(connection.connection)
            finally:
                dump.close()
        else:
            env, args, name = _pg_env()
            connection.close()  # pg_restore --clean drops tables this connection may hold locks on
            _run(["pg_restore", *args, "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", name,
                  str(work / "database.pgdump")], env)
        media_source = work / "media"
        if media_source.is_dir():
            media = Path(settings.MEDIA_ROOT)
            staged = media.with_name(media.name + f".restoring-{datetime.now():%Y%m%d%H%M%S}")
            shutil.copytree(media_source, staged)
            if media.exists():
                shutil.rmtree(media)
            staged.replace(media)
    return manifest
