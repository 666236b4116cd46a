"""python manage.py import_ledger FILE.xlsx --actor USERNAME [--dry-run]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.reports.ledger_import import ledger_import


class Command(BaseCommand):
    help = gettext_lazy(
        "从 Excel（.xlsx）导入已办结的历史矛盾纠纷台账，导入后为已归档案件并标注“历史台账导入”。"
        "有任何错误时一行也不导入，并逐行列出问题；已导入过的行自动跳过。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("台账文件路径（.xlsx）"))
        parser.add_argument("--actor", required=True, help=gettext_lazy("以该用户名（综治中心工作人员）的身份导入，记为登记人"))
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("只检查，不导入"))

    def handle(self, *args, file, actor, dry_run=False, **options):
        try:
            user = get_user_model().objects.get(username=actor)
        except get_user_model().DoesNotExist:
            raise CommandError(_("没有用户名为“%(name)s”的用户。") % {"name": actor}) from None
        try:
            with open(file, "rb") as handle:
                result = ledger_import(handle, actor=user, dry_run=dry_run, source_name=file.rsplit("/", 1)[-1])
        except OSError:
            raise CommandError(_("无法读取文件：%(path)s") % {"path": file}) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(_("台账有%(n)d处问题，未导入任何案件。") % {"n": len(result.errors)})
        for row, number in result.skipped:
            self.stdout.write(_("第%(row)d行已导入过（案件编号 %(number)s），跳过。") % {"row": row, "number": number})
        if dry_run:
            self.stdout.write(_("检查通过：%(n)d行可导入，%(s)d行已导入过。") % {"n": result.rows - len(result.skipped), "s": len(result.skipped)})
            return
        self.stdout.write(_("已导入%(n)d件历史案件，跳过%(s)d件已导入的案件。") % {"n": len(result.created), "s": len(result.skipped)})
