"""python manage.py assessment_export --year 2026 --out FILE.xlsx|FILE.docx [--format xlsx|docx] [--subdistrict 古湖]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.assessment.yearend_export import FORMATS, ExportError, export_bytes
from jiefen.organisation.models import Area, AreaKind


class Command(BaseCommand):
    help = gettext_lazy(
        "导出年度综合考核结果：xlsx 为各类考核对象的排名、指标得分、扣分、加分和评优资格及警示牌清单；docx 为报党工委的考核结果报告。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help=gettext_lazy("考核年度，如 2026"))
        parser.add_argument("--out", required=True, help=gettext_lazy("输出文件路径（.xlsx 或 .docx）"))
        parser.add_argument("--format", dest="fmt", help=gettext_lazy("xlsx 或 docx；不填时按输出文件的扩展名"))
        parser.add_argument("--subdistrict", help=gettext_lazy("街道名称或编号前缀；系统中只有一个街道时可不填"))

    def handle(self, *args, year, out, fmt=None, subdistrict=None, **options):
        try:
            year = int(year)
        except ValueError:
            raise CommandError(_("考核年度“%(year)s”不是年份，应写作如 2026。") % {"year": year}) from None
        if not 2000 <= year <= 2100:
            raise CommandError(_("考核年度“%(year)d”不正确。") % {"year": year})
        suffix = Path(out).suffix.lower().lstrip(".")
        fmt = (fmt or suffix).lower()
        if fmt not in FORMATS:
            raise CommandError(_("无法确定导出格式：请用 --format xlsx 或 --format docx，或让输出文件以 .xlsx 或 .docx 结尾。"))
        place = self._subdistrict(subdistrict)
        try:
            content = export_bytes(place, year, fmt)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        try:
            Path(out).write_bytes(content)
        except OSError as exc:
            raise CommandError(_("无法写入文件 %(path)s：%(error)s") % {"path": out, "error": exc}) from None
        self.stdout.write(
            _("已导出%(sub)s%(year)d年度综合考核结果（%(fmt)s）：%(path)s") % {"sub": place.name, "year": year, "fmt": fmt, "path": out}
        )

    def _subdistrict(self, name):
        subdistricts = Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("sort_order", "id")
        if name:
            matches = list(subdistricts.filter(Q(name=name) | Q(code=name))[:2])
            if not matches and name.isdigit():
                matches = list(subdistricts.filter(pk=int(name)))
            if len(matches) != 1:
                raise CommandError(_("找不到唯一的街道“%(name)s”。") % {"name": name})
            return matches[0]
        found = list(subdistricts[:50])
        if not found:
            raise CommandError(_("系统中还没有街道。"))
        if len(found) > 1:
            raise CommandError(
                _("系统中有多个街道，请用 --subdistrict 指定：%(names)s。") % {"names": "、".join(a.name for a in found)}
            )
        return found[0]
