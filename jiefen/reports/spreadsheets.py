"""XLSX exports: the statistical table of people's mediation (人民调解案件统计表), the dispute
ledger (矛盾纠纷排查调处台账), and the template for importing historical ledgers.

Every figure in the statistical table comes from jiefen.reports.indicators — the same call the
dashboard and the written reports make — so the paper and the screen never disagree. The ledger
lists the cases registered in the period (as many rows as the table's 新登记), with ID and
phone numbers masked (PIPL): a ledger is printed, passed around and filed.

Each function returns the workbook as bytes; ``write_*`` helpers take a path.
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.models import AgreementForm, Case, CaseEvent, CaseState, EventKind
from jiefen.web.display import mask_id_number, mask_phone

from . import indicators as ind
from .ledger_import import LEDGER_COLUMNS
from .periods import Period

if TYPE_CHECKING:
    from openpyxl import Workbook

# The workbook styles under their old names, for modules that import them (built on first use).
STYLE_NAMES = ("TITLE", "SUBTITLE", "HEADER", "BODY", "BOLD", "SECTION", "HEADER_FILL", "TOTAL_FILL", "BOX", "CENTRE", "LEFT")


def __getattr__(name):
    if name in STYLE_NAMES:
        return getattr(_xl(), name)
    raise AttributeError(name)


def put_cell(*args, **kwargs):
    # jiefen.common.spreadsheets imports openpyxl at module level.
    from jiefen.common.spreadsheets import put_cell

    return put_cell(*args, **kwargs)


FONT = "等线"  # Excel's default CJK font; WPS and LibreOffice substitute their own
PERCENT = "0.0%"
AMOUNT = "#,##0.00"


@lru_cache(maxsize=1)
def _xl() -> SimpleNamespace:
    """openpyxl and the workbook styles, loaded on the first export: the web process imports
    this module for its views and should not carry openpyxl until someone downloads a sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="B6C4D2")
    return SimpleNamespace(
        Workbook=Workbook,
        Comment=Comment,
        get_column_letter=get_column_letter,
        TITLE=Font(name=FONT, size=16, bold=True),
        SUBTITLE=Font(name=FONT, size=10, color="52606D"),
        HEADER=Font(name=FONT, size=10, bold=True, color="FFFFFF"),
        BODY=Font(name=FONT, size=10),
        BOLD=Font(name=FONT, size=10, bold=True),
        SECTION=Font(name=FONT, size=12, bold=True, color="08524E"),
        HEADER_FILL=PatternFill("solid", fgColor="0B6E69"),
        TOTAL_FILL=PatternFill("solid", fgColor="E3F3F1"),
        BOX=Border(left=thin, right=thin, top=thin, bottom=thin),
        CENTRE=Alignment(horizontal="center", vertical="center", wrap_text=True),
        LEFT=Alignment(horizontal="left", vertical="center", wrap_text=True),
    )


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _title(sheet, title: str, subtitle: str, width: int) -> int:
    """A merged title row and a subtitle row; returns the next free row."""
    sheet.cell(row=1, column=1, value=title).font = _xl().TITLE
    sheet.cell(row=1, column=1).alignment = _xl().CENTRE
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    sheet.row_dimensions[1].height = 30
    sheet.cell(row=2, column=1, value=subtitle).font = _xl().SUBTITLE
    sheet.cell(row=2, column=1).alignment = _xl().LEFT
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    sheet.row_dimensions[2].height = 30
    return 3


def _header(sheet, row: int, headers, widths=None) -> None:
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=column, value=str(text))
        cell.font, cell.fill, cell.alignment, cell.border = _xl().HEADER, _xl().HEADER_FILL, _xl().CENTRE, _xl().BOX
    sheet.row_dimensions[row].height = 32
    if widths:
        for column, width in enumerate(widths, start=1):
            current = sheet.column_dimensions[_xl().get_column_letter(column)].width or 0
            sheet.column_dimensions[_xl().get_column_letter(column)].width = max(current, width)


def _rate_value(rate: ind.Rate):
    """A rate as a number Excel can compute with, or "—" when there is nothing to divide."""
    return rate.value if rate.value is not None else ind.DASH


def _put(sheet, row: int, values, *, bold=False, fill=None, formats=None) -> None:
    for column, value in enumerate(values, start=1):
        cell = put_cell(sheet, row, column, value)
        cell.font = _xl().BOLD if bold else _xl().BODY
        cell.border = _xl().BOX
        cell.alignment = _xl().LEFT if column == 1 else _xl().CENTRE
        if fill is not None:
            cell.fill = fill
        fmt = (formats or {}).get(column)
        if fmt and not isinstance(value, str):
            cell.number_format = fmt


def _scope_line(period: Period, filters: ind.Filters, org_name: str) -> str:
    parts = [_("统计期：%(label)s（%(start)s 至 %(end)s）") % {"label": period.label, "start": period.start, "end": period.end}]
    if org_name:
        parts.insert(0, _("填报单位：%(org)s") % {"org": org_name})
    for label, values in filters.describe():
        parts.append(f"{label}：{values}")
    parts.append(_("制表时间：%(now)s") % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    return "　".join(parts)


# ---------------------------------------------------------------- 人民调解案件统计表

# 期末在办 counts every case not archived at the period's end (under mediation, awaiting
# performance or a return visit): the ledger's "正在办理", not only "正在调解".
TYPE_HEADERS = ["纠纷类型", "新登记", "调解成功", "调解不成", "调结合计", "调解成功率", "办结", "期末在办", "协议涉及金额(元)"]
RATE_HEADERS = ["指标", "比率", "分子", "分母", "口径"]


def statistics_table_xlsx(cases, period: Period, filters: ind.Filters = ind.NO_FILTERS, *, org_name: str = "", stats=None) -> bytes:
    """人民调解案件统计表 of `period` over `cases` narrowed by `filters` (see indicators for every definition)."""
    stats = stats or ind.statistics(cases, period, filters, months=12)
    workbook = _xl().Workbook()
    sheet = workbook.active
    sheet.title = _("统计表")
    row = _title(sheet, _("人民调解案件统计表"), _scope_line(period, filters, org_name), len(TYPE_HEADERS))
    summary = stats.summary

    # 1. types × outcomes
    sheet.cell(row=row, column=1, value=_("一、按纠纷类型统计")).font = _xl().SECTION
    row += 1
    header_row = row
    _header(sheet, row, TYPE_HEADERS, [16, 9, 9, 9, 9, 11, 9, 12, 16])
    row += 1
    formats = {6: PERCENT, 9: AMOUNT}
    for figures in stats.by_type:
        _put(sheet, row, _type_row(figures.label, figures), formats=formats)
        row += 1
    _put(sheet, row, _type_row(_("合计"), summary), bold=True, fill=_xl().TOTAL_FILL, formats=formats)
    row += 2

    # 2. sources
    sheet.cell(row=row, column=1, value=_("二、按来源渠道统计")).font = _xl().SECTION
    row += 1
    _header(sheet, row, ["来源渠道", "新登记", "调解成功", "调解不成", "调结合计", "调解成功率"])
    row += 1
    for figures in stats.by_channel:
        _put(sheet, row, _type_row(figures.label, figures)[:6], formats={6: PERCENT})
        row += 1
    _put(sheet, row, _type_row(_("合计"), summary)[:6], bold=True, fill=_xl().TOTAL_FILL, formats={6: PERCENT})
    row += 2

    # 3. tiers
    sheet.cell(row=row, column=1, value=_("三、按调处层级统计")).font = _xl().SECTION
    row += 1
    _header(sheet, row, ["调处层级", "新登记", "调解成功", "调解不成", "调结合计", "调解成功率"])
    row += 1
    for figures in stats.by_tier:
        _put(sheet, row, _type_row(figures.label, figures)[:6], formats={6: PERCENT})
        row += 1
    row += 1

    # 4. prevention and linkage
    sheet.cell(row=row, column=1, value=_("四、排查预防与衔接")).font = _xl().SECTION
    row += 1
    _header(sheet, row, ["项目", "数量", "说明"])
    row += 1
    for label, value, note in (
        (_("排查户数"), summary.screened_households, str(ind.COUNTER_NOTES["screened_households"]) if summary.screened_households is None else ""),
        (_("排查发现纠纷"), summary.screening_found, _("来源渠道为网格排查的新登记案件")),
        (_("防范民转刑"), summary.criminal_prevented, _("有民转刑风险、本期达成协议的案件")),
        (_("化解群体性纠纷"), summary.group_prevented, _("群体性、本期达成协议的案件")),
        (_("司法确认"), summary.judicial_confirmations, _("本期法院裁定确认有效的调解协议")),
        (_("协议涉及金额(元)"), summary.agreement_amount, _("本期达成协议案件的争议金额合计")),
        (_("不到位情形"), summary.incidents, _("本期发现、未撤销的不到位情形")),
        (_("三色牌"), summary.cards, str(ind.COUNTER_NOTES["cards"]) if summary.cards is None else ""),
        (_("期末在办"), summary.open_at_end, _("统计期末尚未归档的案件")),
    ):
        _put(sheet, row, [label, value if value is not None else ind.DASH, note], formats={2: AMOUNT if isinstance(value, type(summary.agreement_amount)) else "0"})
        row += 1
    row += 1

    # 5. rates
    sheet.cell(row=row, column=1, value=_("五、主要指标")).font = _xl().SECTION
    row += 1
    _header(sheet, row, RATE_HEADERS)
    row += 1
    for label, rate, definition in (
        (_("调解成功率"), summary.success_rate, _("达成协议 ÷ 调结（达成协议＋调解终止）")),
        (_("协议履行率"), summary.performance_rate, _("期末已全部履行的协议 ÷ 履行期限已届满的协议")),
        (_("按期办结率"), summary.on_time_rate, _("按期办结 ÷ 本期办结（归档）")),
        (_("矛盾不上交率"), summary.not_handed_up_rate, _("在街道内化解 ÷ 本期办结（归档）")),
    ):
        _put(sheet, row, [label, _rate_value(rate), rate.numerator, rate.denominator, definition], formats={2: PERCENT})
        row += 1
    sheet.cell(row=row + 1, column=1, value=_("注：“—”表示分母为零，无法计算比率。案件按现所在村(社区)、类型、渠道、层级统计。")).font = _xl().SUBTITLE
    sheet.column_dimensions["E"].width = max(sheet.column_dimensions["E"].width or 0, 12)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    _page_setup(sheet, landscape=True)

    _village_sheet(workbook, stats, period, filters, org_name)
    return _bytes(workbook)


def _type_row(label, figures):
    return [
        label,
        figures.new_cases,
        figures.agreements,
        figures.terminations,
        figures.concluded,
        _rate_value(figures.success_rate),
        figures.closed,
        figures.open_at_end,
        figures.agreement_amount,
    ]


VILLAGE_HEADERS = [
    "村(社区)", "新登记", "调结", "达成协议", "调解成功率", "应履行协议", "已履行协议", "协议履行率",
    "办结", "按期办结", "按期办结率", "街道内化解", "矛盾不上交率", "期末在办", "不到位情形",
]


def _village_row(label, f):
    return [
        label, f.new_cases, f.concluded, f.agreements, _rate_value(f.success_rate), f.performance_due, f.performed,
        _rate_value(f.performance_rate), f.closed, f.closed_within_limits, _rate_value(f.on_time_rate), f.closed_inside,
        _rate_value(f.not_handed_up_rate), f.open_at_end, f.incidents,
    ]


def _village_sheet(workbook, stats, period, filters, org_name):
    sheet = workbook.create_sheet(_("分村(社区)统计"))
    row = _title(sheet, _("各村(社区)矛盾纠纷化解情况"), _scope_line(period, filters, org_name), len(VILLAGE_HEADERS))
    header_row = row
    _header(sheet, row, VILLAGE_HEADERS, [14] + [9] * (len(VILLAGE_HEADERS) - 1))
    formats = {5: PERCENT, 8: PERCENT, 11: PERCENT, 13: PERCENT}
    for figures in stats.by_village:
        row += 1
        _put(sheet, row, _village_row(figures.label, figures), formats=formats)
    row += 1
    _put(sheet, row, _village_row(_("合计"), stats.summary), bold=True, fill=_xl().TOTAL_FILL, formats=formats)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    _page_setup(sheet, landscape=True)


def _page_setup(sheet, *, landscape=False):
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


# ---------------------------------------------------------------- 矛盾纠纷排查调处台账

LEDGER_HEADERS = [
    ("序号", 6),
    ("案件编号", 20),
    ("登记日期", 11),
    ("村(社区)", 11),
    ("发生地点", 20),
    ("当事人", 22),
    ("身份证号码", 22),
    ("联系电话", 14),
    ("纠纷类型", 11),
    ("来源渠道", 12),
    ("纠纷简题", 20),
    ("纠纷概况", 40),
    ("风险等级", 7),
    ("调处层级", 8),
    ("承办单位", 20),
    ("调解员", 10),
    ("当前状态", 9),
    ("调处结果", 11),
    ("受理日期", 11),
    ("调结日期", 11),
    ("履行期限", 11),
    ("办结日期", 11),
    ("按期办结", 8),
    ("备注", 16),
]


def outcome_label(case: Case) -> str:
    """调处结果 in the words of the ledger, from the case's state and what it recorded."""
    if case.agreement_form:
        return _("调解成功")
    if case.state == CaseState.REJECTED or (case.state == CaseState.ARCHIVED and case.rejection_pointed_to and not case.concluded_at):
        return _("不予受理")
    if case.state in (CaseState.TERMINATED, CaseState.REFERRED_OUT, CaseState.HANDED_UP) or (
        case.state == CaseState.ARCHIVED and case.concluded_at
    ):
        if case.state == CaseState.HANDED_UP or case.closed_inside_subdistrict is False:
            return _("调解不成（已上交）")
        if case.referral_route or case.state == CaseState.REFERRED_OUT:
            return _("调解不成（已移送）")
        return _("调解不成")
    if case.state == CaseState.REGISTERED:
        return _("待受理")
    if case.state == CaseState.ARCHIVED:
        return _("已办结")
    return _("正在调解")


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


def _yes_no(value):
    if value is None:
        return ""
    return _("是") if value else _("否")


def ledger_cases(cases, period: Period, filters: ind.Filters = ind.NO_FILTERS):
    """The ledger's cases: registered in the period (the same rows as the indicators' 新登记)."""
    start, end = period.bounds()
    return (
        filters.apply(cases)
        .filter(created_at__gte=start, created_at__lt=end)
        .select_related("dispute_type", "village", "assigned_unit", "mediator")
        .prefetch_related("parties")
        .order_by("created_at", "id")
    )


def dispute_ledger_xlsx(cases, period: Period, filters: ind.Filters = ind.NO_FILTERS, *, org_name: str = "") -> bytes:
    """矛盾纠纷排查调处台账: one row per case registered in the period, personal numbers masked."""
    rows = list(ledger_cases(cases, period, filters))
    imported_mediators = dict(
        CaseEvent.objects.filter(case__in=[c.pk for c in rows if c.imported], kind=EventKind.IMPORTED).values_list(
            "case_id", "data__mediator_name"
        )
    ) if any(c.imported for c in rows) else {}
    workbook = _xl().Workbook()
    sheet = workbook.active
    sheet.title = _("台账")
    headers = [h for h, _w in LEDGER_HEADERS]
    row = _title(sheet, _("矛盾纠纷排查调处台账"), _scope_line(period, filters, org_name) + "　" + _("共%(n)d件") % {"n": len(rows)}, len(headers))
    header_row = row
    _header(sheet, row, headers, [w for _h, w in LEDGER_HEADERS])
    role_names = {"applicant": _("申请人"), "respondent": _("被申请人"), "other": _("其他当事人")}
    for index, case in enumerate(rows, start=1):
        row += 1
        parties = list(case.parties.all())
        mediator = (case.mediator.get_full_name() or case.mediator.username) if case.mediator else imported_mediators.get(case.pk) or ""
        values = [
            index,
            case.number,
            _local_day(case.created_at),
            case.village.name,
            case.address,
            "、".join(f"{p.name}（{role_names.get(p.role, '')}）" for p in parties),
            "、".join(mask_id_number(p.id_number) for p in parties if p.id_number),
            "、".join(mask_phone(p.phone) for p in parties if p.phone),
            case.dispute_type.name,
            case.get_channel_display(),
            case.title,
            case.description,
            case.get_risk_grade_display(),
            {1: _("一级"), 2: _("二级"), 3: _("三级")}.get(case.tier, ""),
            case.assigned_unit.name,
            mediator,
            case.get_state_display(),
            outcome_label(case),
            _local_day(case.accepted_at),
            _local_day(case.concluded_at),
            case.performance_due,
            _local_day(case.closed_at),
            _yes_no(case.closed_within_limits),
            _("历史台账导入") if case.imported else ("" if case.agreement_form != AgreementForm.ORAL else _("口头协议")),
        ]
        for column, value in enumerate(values, start=1):
            cell = put_cell(sheet, row, column, value)
            cell.font, cell.border = _xl().BODY, _xl().BOX
            cell.alignment = _xl().CENTRE if column in (1, 3, 13, 14, 17, 19, 20, 21, 22, 23) else _xl().LEFT
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    if not rows:
        sheet.cell(row=row + 1, column=1, value=_("本期无登记的矛盾纠纷。")).font = _xl().SUBTITLE
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.auto_filter.ref = f"A{header_row}:{_xl().get_column_letter(len(headers))}{max(row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    _page_setup(sheet, landscape=True)
    return _bytes(workbook)


# ---------------------------------------------------------------- the import template


def ledger_template_xlsx() -> bytes:
    """The template for importing historical ledgers: the columns, a note row and one example."""
    workbook = _xl().Workbook()
    sheet = workbook.active
    sheet.title = _("历史台账")
    row = _title(
        sheet,
        _("矛盾纠纷历史台账导入模板"),
        _("带 * 的列为必填（列名上的批注有填写说明）；日期写作 2024-05-06；多个当事人用顿号分隔。只能导入已办结的案件。原台账编号以“示例”开头的行不会导入。"),
        len(LEDGER_COLUMNS),
    )
    headers = [c.header + (" *" if c.required else "") for c in LEDGER_COLUMNS]
    _header(sheet, row, headers, [c.width for c in LEDGER_COLUMNS])
    for column, spec in enumerate(LEDGER_COLUMNS, start=1):
        if spec.help:
            sheet.cell(row=row, column=column).comment = _xl().Comment(spec.help, "解纷")
    example = {
        "original_number": "示例-2024-001",
        "registered_on": date(2024, 5, 6),
        "village": "（本街道的村或社区名称）",
        "dispute_type": "邻里",
        "channel": "网格排查",
        "title": "（示例）排水沟堵塞纠纷",
        "description": "两户因排水沟堵塞发生争执。",
        "address": "某村3组12号",
        "applicants": "张三",
        "respondents": "李四",
        "outcome": "调解成功",
        "agreement_form": "书面",
        "performance_due": date(2024, 5, 30),
        "concluded_on": date(2024, 5, 20),
        "within_limits": "",
        "closed_on": date(2024, 6, 3),
    }
    for column, spec in enumerate(LEDGER_COLUMNS, start=1):
        cell = sheet.cell(row=row + 1, column=column, value=example.get(spec.field, ""))
        cell.font, cell.border = _xl().BODY, _xl().BOX
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
    return _bytes(workbook)


# ---------------------------------------------------------------- files


def write(path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)


__all__ = ["statistics_table_xlsx", "dispute_ledger_xlsx", "ledger_template_xlsx", "ledger_cases", "outcome_label", "write"]
