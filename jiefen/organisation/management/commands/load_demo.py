from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError
from jiefen.organisation.demo import DEMO_LOGINS, DEMO_NOTE, DEMO_PASSWORD, demo_load, demo_reset, demo_subdistrict


class Command(BaseCommand):
    help = gettext_lazy("加载演示街道“古湖街道(演示)”（演示数据，均为虚构）；已加载时不重复加载，只列出演示账号。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_lazy("先删除演示街道及其全部数据（案件、人员、演示账号），再重新生成。"),
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help=gettext_lazy("重置时不再询问确认。"))

    def handle(self, *args, reset=False, interactive=True, **options):
        if reset and demo_subdistrict() is not None:
            if interactive:
                answer = input(_("将删除“古湖街道(演示)”的全部数据并重新生成，输入 yes 确认：")).strip().lower()
                if answer != "yes":
                    raise CommandError(_("已取消。"))
            try:
                removed = demo_reset()
            except Exception as exc:  # noqa: BLE001 - whatever the database refused, nothing was deleted
                raise CommandError(
                    _("无法安全删除演示数据（已全部回滚，未做任何修改）：%(error)s") % {"error": exc}
                ) from exc
            self.stdout.write(
                _("已删除演示数据：案件 %(cases)s 件，人员 %(people)s 人，账号 %(users)s 个。") % removed
            )
        try:
            report = demo_load()
        except DomainError as exc:
            raise CommandError(exc.message) from None

        counts = report.counts
        if report.created:
            self.stdout.write(
                self.style.SUCCESS(_("已加载演示街道“%(name)s”（%(note)s），用时 %(seconds).1f 秒。") % {
                    "name": report.subdistrict.name, "note": DEMO_NOTE, "seconds": report.seconds})
            )
        else:
            self.stdout.write(_("演示街道“%(name)s”已存在（%(note)s），未重复加载。") % {"name": report.subdistrict.name, "note": DEMO_NOTE})
        self.stdout.write(
            _("村(社区) %(villages)s 个，网格 %(grids)s 个，单位 %(units)s 个，人员 %(people)s 人（其中网格力量 %(grid_people)s 人），"
              "案件 %(cases)s 件（超期 %(overdue)s 件），办理记录 %(events)s 条。") % counts
        )
        self.stdout.write("")
        self.stdout.write(_("演示账号（密码均为 %(password)s）：") % {"password": DEMO_PASSWORD})
        rows = [(_("角色"), _("用户名"), _("密码"), _("可以看到"))]
        for login in DEMO_LOGINS:
            password = DEMO_PASSWORD
            if login.username == "admin" and report.existing_admin:
                password = _("（沿用已有管理员账号的密码）")
            rows.append((str(login.role), login.username, password, str(login.sees)))
        widths = [max(_display_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [row[i] + " " * (widths[i] - _display_width(row[i])) for i in range(3)]
            self.stdout.write("  ".join(cells + [row[3]]))


def _display_width(text):
    # Chinese characters take two columns in a terminal.
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))
