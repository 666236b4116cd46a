"""python manage.py statistics_export --kind table|ledger --period 2026-10 --out FILE.xlsx"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.cases.models import Case, Channel, DisputeType
from jiefen.organisation.models import Area, AreaKind, Unit
from jiefen.reports import spreadsheets
from jiefen.reports.indicators import Filters
from jiefen.reports.periods import PeriodError, parse_period


class Command(BaseCommand):
    help = gettext_lazy("导出人民调解案件统计表（table）或矛盾纠纷排查调处台账（ledger）为 .xlsx 文件。")

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["table", "ledger"], required=True, help=gettext_lazy("table：统计表；ledger：台账"))
        parser.add_argument(
            "--period", required=True, help=gettext_lazy("统计期，如 2026、2026-Q3、2026-10、2026-B22（双周）、2026-W44、2026-10-01..2026-10-31")
        )
        parser.add_argument("--out", required=True, help=gettext_lazy("输出文件路径（.xlsx）"))
        parser.add_argument("--subdistrict", help=gettext_lazy("街道名称或编号前缀；系统中只有一个街道时可不填"))
        parser.add_argument("--village", action="append", default=[], help=gettext_lazy("只统计该村(社区)，可重复"))
        parser.add_argument("--unit", action="append", default=[], help=gettext_lazy("只统计该承办单位，可重复"))
        parser.add_argument("--type", dest="dispute_type", action="append", default=[], help=gettext_lazy("只统计该纠纷类型，可重复"))
        parser.add_argument("--channel", action="append", default=[], help=gettext_lazy("只统计该来源渠道（名称），可重复"))
        parser.add_argument("--tier", action="append", default=[], type=int, choices=[1, 2, 3], help=gettext_lazy("只统计该层级，可重复"))

    def handle(self, *args, kind, period, out, subdistrict=None, village=(), unit=(), dispute_type=(), channel=(), tier=(), **options):
        try:
            span = parse_period(period)
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        place = self._subdistrict(subdistrict)
        cases = Case.objects.filter(subdistrict=place) if place else Case.objects.all()
        filters = Filters.of(
            village=[self._one(Area.objects.filter(kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY], **({"subdistrict": place} if place else {})), name, _("村(社区)")) for name in village],
            unit=[self._one(Unit.objects.all(), name, _("承办单位")) for name in unit],
            dispute_type=[self._one(DisputeType.objects.all(), name, _("纠纷类型")) for name in dispute_type],
            channel=[self._channel(name) for name in channel],
            tier=list(tier),
        )
        org_name = place.name if place else ""
        if kind == "table":
            content = spreadsheets.statistics_table_xlsx(cases, span, filters, org_name=org_name)
        else:
            content = spreadsheets.dispute_ledger_xlsx(cases, span, filters, org_name=org_name)
        try:
            spreadsheets.write(out, content)
        except OSError as exc:
            raise CommandError(_("无法写入文件 %(path)s：%(error)s") % {"path": out, "error": exc}) from None
        self.stdout.write(_("已导出%(what)s（%(period)s）：%(path)s") % {
            "what": _("统计表") if kind == "table" else _("台账"), "period": span.label, "path": out,
        })

    def _subdistrict(self, name):
        subdistricts = Area.objects.filter(kind=AreaKind.SUBDISTRICT)
        if name:
            matches = list(subdistricts.filter(Q(name=name) | Q(code=name))[:2])
            if len(matches) != 1:
                raise CommandError(_("找不到唯一的街道“%(name)s”。") % {"name": name})
            return matches[0]
        found = list(subdistricts[:2])
        return found[0] if len(found) == 1 else None

    def _one(self, queryset, name, what):
        matches = list(queryset.filter(name=name)[:2])
        if len(matches) != 1:
            raise CommandError(_("找不到唯一的%(what)s“%(name)s”。") % {"what": what, "name": name})
        return matches[0]

    def _channel(self, name):
        for value, label in Channel.choices:
            if name in (value, str(label)) or str(label).startswith(name):
                return value
        raise CommandError(_("未知的来源渠道“%(name)s”。") % {"name": name})
