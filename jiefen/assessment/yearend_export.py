"""The year's assessment on paper: an XLSX workbook (one worksheet per kind of subject and one of
the cards counted) and a numbered written report to the 党工委 (DOCX), both read from the stored
results — a published assessment prints exactly as it was published, whatever changed since.

The report is built from the blocks of the written reports (jiefen.reports.written.content) and
rendered by their DOCX renderer, so it has the same masthead, number line, tables and 版记."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.documents.content import cn_date
from jiefen.organisation.models import UnitKind
from jiefen.reports.periods import year_period

from .models import CardColour, SheetStatus, SubjectKind
from .yearend import COLOURS, assessment_report_number, sheet_results, year_sheets

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = {"xlsx": XLSX_TYPE, "docx": DOCX_TYPE}


class ExportError(ValueError):
    """Nothing to export, or an input that is not one; the message is Chinese."""


@dataclass
class SheetPack:
    sheet: object
    results: list

    @property
    def kind_label(self) -> str:
        return str(SubjectKind(self.sheet.subject_kind).label)

    @property
    def lines(self) -> list[dict]:
        """The indicator lines as the results were computed with (the sheet's lines before any result)."""
        if self.results:
            return [{"indicator": line["indicator"], "label": line["label"]} for line in self.results[0].breakdown.get("lines", [])]
        from .yearend import indicator_label

        return [{"indicator": line.indicator, "label": indicator_label(line.indicator)} for line in self.sheet.indicators.all()]

    @property
    def status_note(self) -> str:
        if self.sheet.status == SheetStatus.PUBLISHED:
            return _("已于%(date)s发布") % {"date": cn_date(timezone.localtime(self.sheet.published_at).date())}
        if not self.results:
            return _("草稿，尚未计算")
        return _("草稿，结果为试算")


def export_packs(subdistrict, year: int) -> list[SheetPack]:
    sheets = year_sheets(subdistrict, year)
    if not sheets:
        raise ExportError(_("%(sub)s没有%(year)d年度的考核评分表，请先建立评分表。") % {"sub": subdistrict.name, "year": year})
    return [SheetPack(sheet, sheet_results(sheet)) for sheet in sheets]


def export_filename(subdistrict, year: int, fmt: str) -> str:
    return _("%(sub)s%(year)d年度综合考核结果") % {"sub": subdistrict.name, "year": year} + f".{fmt}"


def export_bytes(subdistrict, year: int, fmt: str, *, actor=None) -> bytes:
    if fmt == "xlsx":
        return export_xlsx(subdistrict, year)
    if fmt == "docx":
        return export_docx(subdistrict, year, actor=actor)
    raise ExportError(_("导出格式只能是 xlsx 或 docx。"))


def _eligibility(result) -> str:
    return _("是") if result.eligible else _("否")


def _decimal(text) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


# ---------------------------------------------------------------- XLSX


def export_xlsx(subdistrict, year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    packs = export_packs(subdistrict, year)
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="E8EEF3")

    def header_row(ws, row, titles):
        for column, title in enumerate(titles, start=1):
            cell = ws.cell(row=row, column=column, value=title)
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    for pack in packs:
        ws = book.create_sheet(pack.kind_label)
        ws.cell(row=1, column=1, value=f"{pack.sheet.name}（{pack.status_note}）").font = Font(bold=True, size=13)
        lines = pack.lines
        titles = [_("排名"), _("考核对象"), _("调结(件)")]
        for line in lines:
            titles += [line["label"], _("%(label)s得分") % {"label": line["label"]}]
        titles += [_("黄牌扣分"), _("红牌扣分"), _("黑牌扣分"), _("扣分合计"), _("加分"), _("得分"), _("评优资格"), _("原因")]
        header_row(ws, 3, titles)
        for offset, result in enumerate(pack.results):
            detail = result.breakdown
            row = [result.rank, result.subject_name, detail.get("volume", 0)]
            formats = {}
            by_code = {line["indicator"]: line for line in detail.get("lines", [])}
            for line in lines:
                found = by_code.get(line["indicator"], {})
                value = _decimal(found.get("value"))
                if found.get("kind") == "rate" and value is not None:
                    formats[len(row) + 1] = "0.0%"
                row += [value if value is not None else "—", _decimal(found.get("points"))]
            deductions = detail.get("deductions", {})
            row += [_decimal(deductions.get(colour, {}).get("points")) for colour in COLOURS]
            row += [
                _decimal(deductions.get("total")),
                _decimal(detail.get("bonus_total")),
                result.score,
                _eligibility(result),
                detail.get("ineligible_reason", ""),
            ]
            for column, value in enumerate(row, start=1):
                cell = ws.cell(row=4 + offset, column=column, value=value)
                if column in formats:
                    cell.number_format = formats[column]
                elif isinstance(value, Decimal):
                    cell.number_format = "0.00"
        if not pack.results:
            ws.cell(row=4, column=1, value=_("尚未计算。"))
        ws.freeze_panes = "C4"
        for column in range(1, len(titles) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 22 if column == 2 else (40 if column == len(titles) else 12)

    ws = book.create_sheet(_("警示牌"))
    ws.cell(row=1, column=1, value=_("%(year)d年度计入考核的警示牌") % {"year": year}).font = Font(bold=True, size=13)
    header_row(ws, 3, [_("考核类别"), _("考核对象"), _("持牌单位/联系领导"), _("牌色"), _("触发情形"), _("亮牌日期"), _("扣分")])
    row = 4
    for pack in packs:
        for result in pack.results:
            for card in result.breakdown.get("cards", []):
                values = [pack.kind_label, result.subject_name, card["holder"], card["colour_label"], card["incident"], card["issued_on"], _decimal(card["deduction"])]
                for column, value in enumerate(values, start=1):
                    ws.cell(row=row, column=column, value=value)
                row += 1
    if row == 4:
        ws.cell(row=4, column=1, value=_("本年度没有计入考核的警示牌。"))
    for column, width in enumerate((12, 22, 26, 8, 22, 12, 8), start=1):
        ws.column_dimensions[get_column_letter(column)].width = width

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- DOCX


def _ranking_table(pack: SheetPack):
    from jiefen.reports.written.content import Table, V

    rows = []
    for result in pack.results:
        detail = result.breakdown
        rows.append(
            [
                V(str(result.rank), result.rank),
                result.subject_name,
                V(str(detail.get("volume", 0)), detail.get("volume", 0)),
                V(detail.get("indicator_points", ""), None),
                V(("-" + detail["deductions"]["total"]) if detail.get("deductions", {}).get("total", "0.00") != "0.00" else "0", None),
                V(detail.get("bonus_total", "0.00") if detail.get("bonus_total") != "0.00" else "0", None),
                V(str(result.score), float(result.score)),
                _("是") if result.eligible else _("否"),
            ]
        )
    return Table(
        key=f"assessment_{pack.sheet.subject_kind}",
        caption=_("%(kind)s综合考核排名") % {"kind": pack.kind_label},
        header=[_("排名"), _("考核对象"), _("调结"), _("指标得分"), _("扣分"), _("加分"), _("得分"), _("评优资格")],
        rows=rows,
        widths=(8, 26, 9, 13, 10, 9, 12, 13),
        numeric=(0, 2, 3, 4, 5, 6, 7),
        note=_("注：得分相同的并列名次，并列者按调结件数多少排列；扣分为持有的黄、红、黑牌按评分表标准扣减。"),
    )


def _summary_words(pack: SheetPack) -> str:
    results = pack.results
    if not results:
        return _("%(kind)s评分表尚未计算。") % {"kind": pack.kind_label}
    average = sum((r.score for r in results), Decimal(0)) / len(results)
    first = [r for r in results if r.rank == 1]
    carded = [r for r in results if r.breakdown.get("cards")]
    ineligible = [r for r in results if not r.eligible]
    words = _(
        "%(kind)s共%(n)d个考核对象，平均得分%(avg)s分；%(first)s得分最高（%(score)s分）；"
        "%(carded)d个考核对象因持有警示牌被扣分，%(ineligible)d个不具备评先评优资格。"
    ) % {
        "kind": pack.kind_label,
        "n": len(results),
        "avg": f"{average:.2f}",
        "first": "、".join(r.subject_name for r in first),
        "score": first[0].score,
        "carded": len(carded),
        "ineligible": len(ineligible),
    }
    if pack.sheet.status != SheetStatus.PUBLISHED:
        words += _("（评分表尚未发布，以上为试算结果。）")
    return words


def build_report(subdistrict, year: int, *, actor=None, now=None):
    from jiefen.reports.written.builders import unit_name
    from jiefen.reports.written.content import Heading, Paragraph, ReportDocument, SubHeading

    packs = export_packs(subdistrict, year)
    now = now or timezone.now()
    local_today = timezone.localtime(now).date()
    period = year_period(year)
    issuer = unit_name(subdistrict, UnitKind.LEADING_GROUP, _("矛盾纠纷多元化解领导小组"))
    recipient = unit_name(subdistrict, UnitKind.PARTY_WORKING_COMMITTEE, _("党工委"))
    number = assessment_report_number(subdistrict, year, actor=actor, now=now)
    title = _("关于%(year)d年度矛盾纠纷多元化解工作综合考核结果的报告") % {"year": year}

    blocks = [
        Paragraph(
            _(
                "根据街道矛盾纠纷多元化解工作综合考核办法，领导小组依据解纷平台统计数据、经审核确认的不到位情形及警示牌、"
                "加分事项，对%(year)d年度各村(社区)、街道有关部门和联系领导的工作进行了综合考核。现将考核结果报告如下。"
            )
            % {"year": year}
        ),
        Heading(_("一、总体情况")),
    ]
    blocks += [Paragraph(_summary_words(pack)) for pack in packs]
    blocks.append(Heading(_("二、考核排名")))
    for index, pack in enumerate(packs, start=1):
        blocks.append(SubHeading(_("（%(n)s）%(kind)s") % {"n": "一二三四五六"[index - 1], "kind": pack.kind_label}))
        blocks.append(Paragraph(_("《%(name)s》（%(status)s）。") % {"name": pack.sheet.name, "status": pack.status_note}))
        if pack.results:
            blocks.append(_ranking_table(pack))
    blocks.append(Heading(_("三、警示牌及评先评优资格")))
    ineligible = [(pack, r) for pack in packs for r in pack.results if not r.eligible]
    cards = sum(len(r.breakdown.get("cards", [])) for pack in packs for r in pack.results)
    counts = {colour: 0 for colour in COLOURS}
    for pack in packs:
        for result in pack.results:
            for card in result.breakdown.get("cards", []):
                counts[card["colour"]] = counts.get(card["colour"], 0) + 1
    blocks.append(
        Paragraph(
            _("全年计入考核的警示牌%(n)d张，其中黄牌%(y)d张、红牌%(r)d张、黑牌%(b)d张。")
            % {"n": cards, "y": counts[CardColour.YELLOW], "r": counts[CardColour.RED], "b": counts[CardColour.BLACK]}
        )
    )
    if ineligible:
        for pack, result in ineligible:
            blocks.append(Paragraph(f"{pack.kind_label}：{result.subject_name}，{result.breakdown.get('ineligible_reason', '')}"))
    else:
        blocks.append(Paragraph(_("本年度没有因持有警示牌而取消评先评优资格的考核对象。")))
    blocks.append(Heading(_("四、有关说明")))
    blocks.append(
        Paragraph(
            _(
                "各项指标按“分值×实际值÷目标值”计分，达到目标值的得满分；本年度无可计算案件的比率指标按满分计。"
                "得分＝基础分＋各项指标得分－警示牌扣分＋加分，每项加分不超过该项最高分。"
                "村(社区)的数据按纠纷发生地统计，部门的数据按承办单位统计，联系领导的数据为其联系的村(社区)和单位的合计。"
            )
        )
    )
    blocks.append(Paragraph(_("以上报告，请审阅。")))

    document = ReportDocument(
        kind="assessment",
        kind_name=_("综合考核结果报告"),
        mast=issuer,
        number=number,
        title=title,
        period_line=_("（考核年度：%(start)s至%(end)s）") % {"start": cn_date(period.start), "end": cn_date(period.end)},
        recipient=recipient,
        issuer=issuer,
        issued_on=local_today,
        version=1,
        generated_at=now,
        automatic=False,
        period_code=period.code,
        blocks=blocks,
        distribution=_("街道矛盾纠纷多元化解领导小组成员单位，各村(社区)"),
        filename=f"{title}_{number}",
    )
    document.number_blocks()
    return document


def export_docx(subdistrict, year: int, *, actor=None, now=None) -> bytes:
    from jiefen.reports.written.render_docx import render_report_docx

    return render_report_docx(build_report(subdistrict, year, actor=actor, now=now))
