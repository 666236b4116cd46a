"""The registers as CSV or XLSX. Phone numbers are masked (PIPL); case numbers are given only
for cases the user may see."""

import csv
import io
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.web.display import mask_phone

from .models import RECEPTION, FieldVisitKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A register's free text is typed by many people; a cell starting like a formula must stay text
# when the file is opened in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def reception_table(visits, visible_case_ids):
    header = [
        _("接访日期"), _("接访领导"), _("来访人"), _("联系电话"), _("来访人数"), _("村(社区)"), _("反映事项"),
        _("处理情况"), _("处理结果"), _("后续跟进"), _("案件编号"),
    ]
    rows = [
        [
            v.received_on.isoformat(),
            v.slot.leader.name,
            v.visitor_name,
            mask_phone(v.phone),
            v.visitors_count,
            v.village.name if v.village_id else "",
            v.matter,
            v.handling,
            v.get_outcome_display(),
            v.follow_up,
            v.case.number if v.case_id in visible_case_ids else "",
        ]
        for v in visits
    ]
    return header, rows


def field_table(visits, visible_case_ids):
    header = [
        _("类别"), _("开始时间"), _("结束时间"), _("村(社区)"), _("网格"), _("小区/村民小组"), _("地点"), _("巡逻路线"),
        _("参加人员"), _("走访户数"), _("发现情况"), _("发现问题数"), _("据此登记的案件"), _("登记人"),
    ]
    rows = []
    for v in visits:
        people = [p.name for p in v.participants.all()]
        if v.other_participants:
            people.append(v.other_participants)
        rows.append(
            [
                v.get_kind_display(),
                _local(v.started_at),
                _local(v.ended_at),
                v.village.name,
                v.grid.name if v.grid_id else "",
                v.compound.name if v.compound_id else "",
                v.address,
                v.route,
                "、".join(people),
                v.households_visited,
                v.findings,
                v.issues_found,
                "、".join(c.number for c in v.opened_cases.all() if c.id in visible_case_ids),
                v.recorded_by.get_full_name() or v.recorded_by.username,
            ]
        )
    return header, rows


def title_of(filters):
    if filters.kind == RECEPTION:
        return _("领导接访登记簿")
    if filters.kind:
        return _("%(kind)s登记簿") % {"kind": FieldVisitKind(filters.kind).label}
    return _("走访巡逻登记簿")


def response(visits, visible_case_ids, filters, fmt):
    header, rows = (reception_table if filters.is_reception else field_table)(visits, visible_case_ids)
    title = title_of(filters)
    stamp = timezone.localdate().strftime("%Y%m%d")
    ascii_name = f"discovery-{filters.kind or 'field'}-{stamp}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows([_csv_safe(v) for v in row] for row in rows)
        content, content_type = buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content, content_type = _xlsx(title, header, rows), XLSX
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    filename = f"{title}-{stamp}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def _xlsx(title, header, rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from jiefen.common.spreadsheets import append_row

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, row)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        wide = name in (_("反映事项"), _("处理情况"), _("发现情况"), _("后续跟进"))
        sheet.column_dimensions[get_column_letter(index)].width = 40 if wide else 14
        if wide:
            for cell in sheet[get_column_letter(index)][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
