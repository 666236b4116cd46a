"""XLSX of a written report: its tables, one sheet each, with numbers as numbers and rates as
fractions formatted 0.0%, after a cover sheet naming the report, its number and version."""

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jiefen.documents.content import cn_date

from .content import V, cell_text, cell_value

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E3F3F1")
_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(number: int, caption: str, used: set) -> str:
    name = _BAD.sub("", f"表{number} {caption}")[:31]
    while name in used:
        name = name[:28] + f"~{len(used)}"
    used.add(name)
    return name


def render_report_xlsx(report) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = _("说明")
    local = timezone.localtime(report.generated_at)
    lines = [
        (_("标题"), report.title),
        (_("文号"), report.number),
        (_("统计时段"), report.period_line.strip("（）")),
        (_("统计期代码"), report.period_code),
        (_("版本"), report.version),
        (_("生成方式"), _("自动") if report.automatic else _("按需")),
        (_("生成时间"), f"{cn_date(local.date())} {local:%H:%M}"),
        (_("发文单位"), report.issuer),
        (_("说明"), _("各表数据与同一版本的DOCX、PDF报告一致，由系统统计指标模块统一口径计算。")),
    ]
    for row, (label, value) in enumerate(lines, 1):
        cover.cell(row=row, column=1, value=label).font = Font(bold=True)
        cover.cell(row=row, column=2, value=value)
    cover.column_dimensions["A"].width = 14
    cover.column_dimensions["B"].width = 70
    used = {cover.title}
    for table in report.tables:
        sheet = book.create_sheet(_sheet_name(table.number, table.caption, used))
        sheet.append([_("表%(n)d　%(caption)s") % {"n": table.number, "caption": table.caption}])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(list(table.header))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = HEAD_FILL
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths = [len(str(head)) * 2 + 2 for head in table.header]
        for source in table.all_rows():
            values = [cell_value(cell) for cell in source]
            sheet.append(values)
            row = sheet.max_row
            for index, cell in enumerate(source):
                target = sheet.cell(row=row, column=index + 1)
                target.border = BORDER
                if isinstance(cell, V) and cell.percent and cell.value is not None:
                    target.number_format = "0.0%"
                if table.total is source:
                    target.font = Font(bold=True)
                widths[index] = max(widths[index], min(40, len(cell_text(cell)) * 2 + 2))
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A3"
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    book.properties.title = report.title
    book.properties.subject = report.number
    book.properties.creator = report.issuer
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
