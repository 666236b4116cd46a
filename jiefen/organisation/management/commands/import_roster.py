from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError
from jiefen.organisation.models import Area, AreaKind
from jiefen.organisation.roster import roster_import


class Command(BaseCommand):
    help = gettext_lazy("从 Excel 花名册（.xlsx）导入人员和岗位；有任何错误时不导入，并逐行列出问题。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("花名册文件路径（.xlsx）"))
        parser.add_argument("--actor", help=gettext_lazy("以该用户名的身份导入（记入操作日志）；不填则以服务器操作员身份导入。"))
        parser.add_argument("--subdistrict", help=gettext_lazy("导入到哪个街道（名称或编号前缀）；系统中只有一个街道时可不填。"))

    def handle(self, *args, file, actor=None, subdistrict=None, **options):
        user = None
        if actor:
            try:
                user = get_user_model().objects.get(username=actor)
            except get_user_model().DoesNotExist:
                raise CommandError(_("没有用户名为“%(name)s”的用户。") % {"name": actor}) from None
        place = None
        if subdistrict:
            matches = list(Area.objects.filter(Q(name=subdistrict) | Q(code=subdistrict), kind=AreaKind.SUBDISTRICT)[:2])
            if len(matches) != 1:
                raise CommandError(_("找不到唯一的街道“%(name)s”。") % {"name": subdistrict})
            place = matches[0]
        try:
            result = roster_import(file=file, actor=user, subdistrict=place)
        except OSError:
            raise CommandError(_("无法读取文件：%(path)s") % {"path": file}) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None

        if not result.ok:
            self.stderr.write(_("行号\t列\t问题"))
            for error in result.errors:
                where = _("第%(row)s行") % {"row": error.row} if error.row else _("整个文件")
                self.stderr.write(f"{where}\t{error.column or '-'}\t{error.message}")
            raise CommandError(
                _("导入失败：共 %(count)s 处问题，未做任何修改。") % {"count": len(result.errors)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入到%(place)s：%(rows)s 行；新建人员 %(created)s，已有人员补充 %(updated)s，"
                  "新增岗位 %(roles)s，已存在岗位 %(same)s，新建账号 %(users)s，关联账号 %(linked)s。")
                % {
                    "place": result.subdistrict,
                    "rows": result.rows,
                    "created": result.persons_created,
                    "updated": result.persons_updated,
                    "roles": result.roles_created,
                    "same": result.roles_unchanged,
                    "users": result.users_created,
                    "linked": result.users_linked,
                }
            )
        )
