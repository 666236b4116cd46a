from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.backup import BackupError, backup_create


class Command(BaseCommand):
    help = gettext_lazy("备份数据库和上传的材料到一个 .tar.gz 文件（SQLite 在线备份；PostgreSQL 用 pg_dump）。")

    def add_arguments(self, parser):
        parser.add_argument("--out", help=gettext_lazy("备份文件路径，默认 var/backups/jiefen-<时间>.tar.gz"))

    def handle(self, *args, out=None, **options):
        from django.conf import settings

        path = Path(out) if out else Path(settings.VAR_DIR) / "backups" / f"jiefen-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            manifest = backup_create(path)
        except BackupError as exc:
            raise CommandError(exc.message) from None
        counts = "，".join(f"{label} {n}" for label, n in manifest["counts"].items())
        self.stdout.write(self.style.SUCCESS(_("已备份到 %(path)s（%(counts)s）。") % {"path": path, "counts": counts}))
