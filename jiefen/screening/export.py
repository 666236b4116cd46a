"""The coverage of a campaign as XLSX: one sheet by grid (grouped by village, with village
subtotals) and one by grid worker. Names only: no phone numbers leave the system here."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from jiefen.common.spreadsheets import put_cell

FONT = "等线"
HEADER = Font(name=FONT, size=10, bold=True, color="FFFFFF")
BODY = Font(name=FONT, size=10)
BOLD = Font(name=FONT, size=10, bold=True)
TITLE = Font(name=FONT, size=14, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="0B6E69")
TOTAL_FILL = PatternFill("solid", fgColor="E3F3F1")
PERCENT = "0.0%"


def _header(sheet, row, titles, widths):
    for column, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font, cell.fill = HEADER, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width


def _line(sheet, row, values, *, bold=False, fill=None, percent_column=None):
    for column, value in enumerate(values, start=1):
        cell = put_cell(sheet, row, column, value)
        cell.font = BOLD if bold else BODY
        if fill:
            cell.fill = fill
        if column == percent_column and value is not None:
            cell.number_format = PERCENT


def coverage_xlsx(coverage) -> bytes:
    campaign = coverage.campaign
    book = Workbook()
    sheet = book.active
    sheet.title = _("网格覆盖")
    sheet.cell(row=1, column=1, value=_("%(name)s 排查覆盖情况") % {"name": campaign.name}).font = TITLE
    sheet.cell(row=2, column=1, value=_("%(start)s 至 %(end)s · %(kind)s · %(status)s") % {
        "start": campaign.start_date, "end": campaign.end_date, "kind": campaign.get_kind_display(), "status": campaign.get_status_display(),
    }).font = BODY
    titles = [_("村(社区)"), _("网格"), _("网格员"), _("应走访户数"), _("已走访户数"), _("覆盖率"), _("发现纠纷(件)"), _("排查发现记录"), _("走访天数")]
    _header(sheet, 4, titles, [14, 20, 16, 11, 11, 9, 11, 11, 9])
    row = 5
    for village in coverage.villages:
        for grid in village.grids:
            _line(sheet, row, [
                village.name, grid.name, "、".join(p.name for p in grid.workers), grid.target, grid.visited, grid.rate,
                grid.disputes, grid.findings, grid.days,
            ], percent_column=6)
            row += 1
        _line(sheet, row, [village.name, _("小计"), "", village.target, village.visited, village.rate, village.disputes, village.findings, None],
              bold=True, fill=TOTAL_FILL, percent_column=6)
        row += 1
    total = coverage.total
    _line(sheet, row, [_("合计"), "", "", total.target, total.visited, total.rate, total.disputes, total.findings, None],
          bold=True, fill=TOTAL_FILL, percent_column=6)
    sheet.freeze_panes = "A5"

    workers = book.create_sheet(_("网格员进度"))
    _header(workers, 1, [_("网格员"), _("负责网格"), _("应走访户数"), _("已走访户数"), _("完成率"), _("发现纠纷(件)"), _("排查发现记录"), _("走访天数")],
            [12, 30, 11, 11, 9, 11, 11, 9])
    for index, person in enumerate(coverage.workers, start=2):
        _line(workers, index, [person.name, "、".join(person.grids), person.target, person.households, person.rate,
                               person.disputes, person.findings, person.days], percent_column=5)
    workers.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
