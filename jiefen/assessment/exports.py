"""The year's standing cards as an XLSX sheet, in the look of the statistical exports."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from jiefen.common.spreadsheets import put_cell
from jiefen.reports.spreadsheets import BODY, BOX, CENTRE, LEFT, _bytes, _header, _title


def cards_workbook(groups, *, year: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("三色牌")
    headers = [_("序号"), _("牌色"), _("持牌对象"), _("类别"), _("所在村(社区)"), _("确认不到位次数"), _("亮牌时间"), _("触发情形")]
    row = _title(
        sheet,
        _("%(year)d年度三色牌（警示牌）一览") % {"year": year},
        _("截至%(now)s，按黑牌、红牌、黄牌排列；仅列未撤销的警示牌。") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        len(headers),
    )
    _header(sheet, row, headers, widths=(6, 8, 28, 10, 14, 14, 18, 26))
    number = 0
    for group in groups:
        for card in group["cards"]:
            number += 1
            row += 1
            village = ""
            if card.unit_id and card.unit.area.village_area is not None:
                village = card.unit.area.village_area.name
            values = [
                number,
                str(group["label"]),
                card.holder_name,
                str(_("单位")) if card.unit_id else str(_("联系领导")),
                village,
                card.confirmed,
                timezone.localtime(card.issued_at).strftime("%Y-%m-%d %H:%M"),
                f"#{card.incident_id} {card.incident.get_kind_display()}",
            ]
            for column, value in enumerate(values, start=1):
                cell = put_cell(sheet, row, column, value)
                cell.font, cell.border = BODY, BOX
                cell.alignment = CENTRE if column in (1, 2, 4, 6) else LEFT
    if not number:
        row += 1
        sheet.cell(row=row, column=1, value=_("本年度暂无警示牌。")).font = BODY
    return _bytes(workbook)
