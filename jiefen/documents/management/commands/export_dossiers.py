"""Write the dossiers of a year to disk: one folder per case archived (or closed) in that year,
holding every document of the case as DOCX and PDF and the whole 卷宗 as one PDF.

    python manage.py export_dossiers --year 2026 --out /srv/archive/2026

A case counts for the year it was archived in; a case closed (已回访, 已移送, 已上交, 不予受理)
but not yet archived counts for the year of its last step. Running it again overwrites the
files with the same content: document numbers are kept, never drawn again."""

import os
import re
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Q

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import Case, CaseState, EventKind
from jiefen.common.errors import DomainError

from ...builders import case_documents, document_build
from ...dossier import dossier_pdf
from ...errors import DocumentUnavailable
from ...fonts import require_fonts
from ...render_docx import render_docx
from ...render_pdf import render_pdf

CLOSED_STATES = [state for state in TRANSITIONS["archive"].sources]
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(text: str) -> str:
    """A file or folder name that is valid on Linux, Windows and in a ZIP."""
    return UNSAFE.sub("_", text).strip(" .") or "_"


def cases_of_year(year: int, subdistrict_code: str = ""):
    archived = Q(state=CaseState.ARCHIVED, closed_at__year=year)
    closed = Q(state__in=CLOSED_STATES, last_step__year=year)
    cases = (
        Case.objects.annotate(last_step=Max("events__at", filter=Q(events__kind__in=[EventKind.TRANSITION, EventKind.ESCALATED])))
        .filter(archived | closed)
        .select_related("subdistrict", "village", "compound", "dispute_type", "assigned_unit", "mediator", "reported_by")
        .order_by("number")
    )
    if subdistrict_code:
        cases = cases.filter(Q(subdistrict__code=subdistrict_code) | Q(subdistrict__name=subdistrict_code))
    return cases


class Command(BaseCommand):
    help = "导出某一年度已归档（或已办结）案件的卷宗：每案一个文件夹，含全部文书（DOCX、PDF）和卷宗PDF。"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="年度，如 2026")
        parser.add_argument("--out", required=True, help="输出目录（不存在时自动创建）")
        parser.add_argument("--subdistrict", default="", help="只导出该街道（编号前缀或名称）")
        parser.add_argument("--case", action="append", default=[], dest="numbers", help="只导出该案件编号（可重复）")

    def handle(self, *args, year, out, subdistrict, numbers=(), **options):
        from tqdm import tqdm

        try:
            year = int(str(year).strip())
        except ValueError:
            raise CommandError(f"年度“{year}”无效：请填写四位数的年份，如 2026。") from None
        if not 1990 <= year <= 2100:
            raise CommandError(f"年度 {year} 无效：请填写 1990 至 2100 之间的年份。")
        root = Path(out).expanduser()
        self._check_writable(root)
        try:
            require_fonts()
        except DomainError as exc:
            raise CommandError(exc.message) from None

        cases = cases_of_year(year, subdistrict)
        if numbers:
            cases = cases.filter(number__in=numbers)
        cases = list(cases)
        if not cases:
            self.stdout.write(f"{year}年没有已归档或已办结的案件，未导出任何卷宗。")
            return
        failures = []
        written = 0
        progress = tqdm(cases, desc=f"导出{year}年卷宗", unit="件", file=self.stderr._out, disable=False)
        for case in progress:
            folder = root / safe_name(case.number)
            folder.mkdir(parents=True, exist_ok=True)
            try:
                written += self._export_case(case, folder, failures)
            except OSError as exc:
                raise CommandError(f"写入 {folder} 失败：{exc}") from None
        self.stdout.write(f"已导出{year}年卷宗 {len(cases)} 件，共 {written} 个文件，位于 {root}。")
        if failures:
            self.stdout.write("以下文书未能生成：")
            for line in failures:
                self.stdout.write(f"  {line}")

    def _check_writable(self, root: Path):
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"无法创建输出目录 {root}：{exc.strerror or exc}") from None
        if not root.is_dir():
            raise CommandError(f"输出路径 {root} 不是目录。")
        try:
            with tempfile.NamedTemporaryFile(dir=root, prefix=".write-test-"):
                pass
        except OSError as exc:
            raise CommandError(f"输出目录 {root} 不可写：{exc.strerror or exc}") from None
        if not os.access(root, os.W_OK):
            raise CommandError(f"输出目录 {root} 不可写。")

    def _export_case(self, case, folder: Path, failures: list) -> int:
        written = 0
        for index, ref in enumerate(case_documents(case), 1):
            try:
                document = document_build(case, ref.kind, ref.ref)
            except DocumentUnavailable as exc:
                failures.append(f"{case.number} {ref.name}：{exc.message}")
                continue
            stem = f"{index:02d}_{safe_name(ref.name)}"
            (folder / f"{stem}.docx").write_bytes(render_docx(document))
            (folder / f"{stem}.pdf").write_bytes(render_pdf(document))
            written += 2
        (folder / f"{safe_name(case.number)}_卷宗.pdf").write_bytes(dossier_pdf(case))
        return written + 1
