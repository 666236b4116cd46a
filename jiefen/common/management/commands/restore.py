from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.audit.chain import events_verify
from jiefen.common.backup import BackupError, backup_restore, table_counts


class Command(BaseCommand):
    help = gettext_lazy("从备份文件恢复数据库和上传的材料（会覆盖现有数据；请先停止网站和后台进程）。")

    def add_arguments(self, parser):
        parser.add_argument("archive", help=gettext_lazy("backup 命令生成的 .tar.gz 文件"))
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help=gettext_lazy("不再询问确认。"))

    def handle(self, *args, archive, interactive=True, **options):
        if interactive:
            answer = input(_("将用备份覆盖当前数据库和上传的材料，输入 yes 确认：")).strip().lower()
            if answer != "yes":
                raise CommandError(_("已取消。"))
        try:
            manifest = backup_restore(archive)
        except BackupError as exc:
            raise CommandError(exc.message) from None
        counts = table_counts()
        differing = {label: (n, counts.get(label)) for label, n in manifest["counts"].items() if counts.get(label) != n}
        if differing:
            raise CommandError(_("恢复后的记录数与备份不一致：%(diff)s") % {"diff": differing})
        verdict = events_verify()
        if not verdict.ok:
            raise CommandError(_("恢复后的哈希链在第 %(id)s 号事件处断裂。") % {"id": verdict.broken_event_id})
        self.stdout.write(
            self.style.SUCCESS(_("已恢复 %(created)s 的备份；记录数一致，哈希链完整（%(n)s 条）。") % {
                "created": manifest["created_at"], "n": verdict.checked})
        )
