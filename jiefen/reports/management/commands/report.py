"""python manage.py report KIND --period P --format docx|pdf|xlsx --out DIR

Produces a new version of a written report on demand, archives it (like "generate now" on the
archive page), and copies the requested file into DIR. With --no-archive the file is only
written to DIR: no version, no number used up (the number printed is marked 样稿).
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.documents.errors import FontsMissing
from jiefen.organisation.models import Area, AreaKind
from jiefen.reports.written.kinds import ReportInputError, report_period, spec_of
from jiefen.reports.written.services import (
    FORMATS,
    renderers_preload,
    report_download_name,
    report_file_path,
    report_produce,
    report_render,
    single_subdistrict,
)


class Command(BaseCommand):
    help = _("生成书面报告（周会商材料、双周通报、月度研判、季度政法工作联席会议报告、年度总结）并归档。")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="weekly | biweekly | monthly | quarterly | annual")
        parser.add_argument("--period", required=True, help=_("统计期：2026-W44、2026-B22、2026-10、2026-Q3、2026"))
        parser.add_argument("--format", dest="fmt", default="pdf", help="docx | pdf | xlsx")
        parser.add_argument("--out", default=".", help=_("输出目录（不存在时创建）"))
        parser.add_argument("--subdistrict", default="", help=_("街道名称或编号前缀；系统中只有一个街道时可省略"))
        parser.add_argument("--judgement", default=None, help=_("研判意见（不填则沿用上一版）"))
        parser.add_argument("--judgement-file", default=None, help=_("从UTF-8文本文件读取研判意见"))
        parser.add_argument("--user", default="", help=_("记为生成人的用户名"))
        parser.add_argument("--no-archive", action="store_true", help=_("只输出文件，不归档、不占用文号"))

    def handle(self, *args, kind, period, fmt, out, subdistrict, judgement, judgement_file, user, no_archive, **options):
        fmt = (fmt or "").lower().strip()
        if fmt not in FORMATS:
            raise CommandError(_("不支持的格式“%(fmt)s”。可用：docx、pdf、xlsx。") % {"fmt": fmt})
        try:
            spec_of(kind)
            the_period = report_period(kind, period)
            area = self._subdistrict(subdistrict)
        except ReportInputError as exc:
            raise CommandError(str(exc)) from None
        if judgement_file:
            try:
                judgement = Path(judgement_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(_("无法读取研判意见文件：%(error)s") % {"error": exc}) from None
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(_("没有用户名为“%(user)s”的用户。") % {"user": user})
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(_("无法创建输出目录：%(error)s") % {"error": exc}) from None

        started = time.perf_counter()
        try:
            if no_archive:
                target, content = self._draft(area, kind, the_period, fmt, judgement or "")
                target = folder / target
                target.write_bytes(content)
            else:
                report = report_produce(subdistrict=area, kind=kind, period=the_period, actor=actor, judgement=judgement)
                source = report_file_path(report, fmt)
                if source is None:
                    raise CommandError(_("本系统配置为不保存%(fmt)s格式（JIEFEN_REPORT_FORMATS）。") % {"fmt": fmt})
                target = folder / report_download_name(report, fmt)
                target.write_bytes(source.read_bytes())
        except FontsMissing as exc:
            raise CommandError(exc.message) from None
        seconds = time.perf_counter() - started
        if no_archive:
            self.stdout.write(_("已输出（未归档）：%(path)s（%(s).1f秒）") % {"path": target, "s": seconds})
        else:
            self.stdout.write(
                _("已生成 %(number)s 第%(version)d版：%(path)s（%(s).1f秒）")
                % {"number": report.number.text, "version": report.version, "path": target, "s": seconds}
            )

    def _subdistrict(self, text):
        if not text:
            return single_subdistrict()
        found = Area.objects.filter(kind=AreaKind.SUBDISTRICT, name=text).first() or Area.objects.filter(
            kind=AreaKind.SUBDISTRICT, code=text
        ).first()
        if found is None:
            raise ReportInputError(_("没有名为“%(name)s”的街道。") % {"name": text})
        return found

    def _draft(self, area, kind, period, fmt, judgement):
        from jiefen.reports.written.builders import gather
        from jiefen.reports.written.kinds import report_title

        preload = renderers_preload()
        inputs = gather(area, kind, period)
        preload.join()
        rendered = report_render(inputs, number=_("（样稿，未编号）"), version=1, automatic=False, judgement=judgement, formats=(fmt,))
        name = f"{report_title(kind, period)}_{_('样稿')}_{timezone.localdate():%Y%m%d}.{fmt}"
        return name, rendered.files[fmt]


