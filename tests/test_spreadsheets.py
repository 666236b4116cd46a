"""The XLSX exports read back with openpyxl: headers, title with the period, frozen header,
column widths, masked personal numbers, and figures equal to the indicators."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from jiefen.cases.models import Case
from jiefen.reports import indicators as ind
from jiefen.reports import spreadsheets
from jiefen.reports.periods import parse_period

from .stats_scenario import court, october, types  # noqa: F401  fixtures

OCT = parse_period("2026-10")


def _book(content):
    return load_workbook(io.BytesIO(content))


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _find(rows, first):
    for index, row in enumerate(rows):
        if row and row[0] == first:
            return index, row
    raise AssertionError(f"no row starting {first!r}")


def test_statistics_table_equals_the_indicators(october):
    cases = Case.objects.all()
    book = _book(spreadsheets.statistics_table_xlsx(cases, OCT, org_name="测试街道"))
    assert book.sheetnames == ["统计表", "分村(社区)统计"]
    sheet = book["统计表"]
    rows = _rows(sheet)
    assert rows[0][0] == "人民调解案件统计表"
    assert "2026年10月" in rows[1][0] and "测试街道" in rows[1][0] and "2026-10-01 至 2026-10-31" in rows[1][0]
    assert "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}

    header_index, header = _find(rows, "纠纷类型")
    assert header == spreadsheets.TYPE_HEADERS
    assert sheet.freeze_panes == f"B{header_index + 2}"
    assert sheet.column_dimensions["A"].width >= 14

    summary = ind.summary(cases, OCT)
    _i, total = _find(rows[header_index:], "合计")
    assert total[1:5] == [summary.new_cases, summary.agreements, summary.terminations, summary.concluded]
    assert total[5] == pytest.approx(summary.success_rate.value) and total[5] == pytest.approx(0.75)
    assert total[6:8] == [summary.closed, summary.open_at_end]
    assert total[8] == 8000
    by_type = {row.label: row for row in ind.breakdown(cases, OCT, "dispute_type")}
    _i, neighbour = _find(rows[header_index:], "邻里")
    assert neighbour[1:5] == [by_type["邻里"].new_cases, by_type["邻里"].agreements, by_type["邻里"].terminations, by_type["邻里"].concluded]
    _i, medical = _find(rows[header_index:], "医疗")
    assert medical[5] == "—"  # nothing to divide

    _i, channel = _find(rows, "网格排查")
    assert channel[1] == 2
    _i, screened = _find(rows, "排查户数")
    assert screened[1] == "—" and screened[2] == "暂无排查活动数据"
    for label, value in (("防范民转刑", 1), ("化解群体性纠纷", 0), ("司法确认", 1), ("不到位情形", 2), ("排查发现纠纷", 2)):
        assert _find(rows, label)[1][1] == value, label
    for label, rate in (("调解成功率", summary.success_rate), ("协议履行率", summary.performance_rate),
                        ("按期办结率", summary.on_time_rate), ("矛盾不上交率", summary.not_handed_up_rate)):
        row = [r for r in rows if r[0] == label and len(r) > 3 and isinstance(r[2], int)][0]
        assert row[1] == pytest.approx(rate.value) and row[2:4] == [rate.numerator, rate.denominator], label

    villages = _rows(book["分村(社区)统计"])
    v_header, header = _find(villages, "村(社区)")
    assert header == spreadsheets.VILLAGE_HEADERS
    _i, east = _find(villages, "东村")
    figures = {r.label: r for r in ind.breakdown(cases, OCT, "village")}["东村"]
    assert east[1:4] == [figures.new_cases, figures.concluded, figures.agreements]
    assert east[4] == pytest.approx(2 / 3)
    _i, west = _find(villages, "西村")
    assert west[7] == "—"  # no agreement of 西村 fell due in October
    assert book["分村(社区)统计"].freeze_panes == f"B{v_header + 2}"


def test_statistics_table_of_an_empty_period(october):
    book = _book(spreadsheets.statistics_table_xlsx(Case.objects.all(), parse_period("2025-02")))
    rows = _rows(book["统计表"])
    _i, total = _find(rows, "合计")
    assert total[1] == 0 and total[5] == "—"


def test_dispute_ledger(october):
    cases = Case.objects.all()
    book = _book(spreadsheets.dispute_ledger_xlsx(cases, OCT, org_name="测试街道"))
    sheet = book.active
    rows = _rows(sheet)
    assert rows[0][0] == "矛盾纠纷排查调处台账" and "2026年10月" in rows[1][0] and "共4件" in rows[1][0]
    header = rows[2]
    assert header == [h for h, _w in spreadsheets.LEDGER_HEADERS]
    assert sheet.freeze_panes == "C4"
    assert sheet.column_dimensions["L"].width == 40  # 纠纷概况
    body = rows[3:]
    assert len(body) == ind.summary(cases, OCT).new_cases == 4
    assert [r[1] for r in body] == [october[k].number for k in "ACDE"]  # registration order
    a = body[0]
    col = {name: i for i, name in enumerate(header)}
    assert a[col["登记日期"]].date() == date(2026, 10, 9)
    assert a[col["当事人"]] == "张三（申请人）、李四（被申请人）"
    assert a[col["身份证号码"]] == "1101**********002X"
    assert a[col["联系电话"]] == "138****8000、139****9000"
    assert "11010519491231002X" not in str(rows) and "13800138000" not in str(rows)
    assert a[col["调处结果"]] == "调解成功" and a[col["当前状态"]] == "归档" and a[col["按期办结"]] == "是"
    assert a[col["承办单位"]] == "东村小马调解室" and a[col["调解员"]] == "村调解员乙"
    assert a[col["调处层级"]] == "一级" and a[col["来源渠道"]] == "网格排查"
    c = body[1]
    assert c[col["调处结果"]] == "调解不成（已上交）" and c[col["办结日期"]].date() == date(2026, 10, 16)
    e = body[3]
    assert e[col["调处结果"]] == "待受理" and e[col["登记日期"]].date() == date(2026, 10, 31)


def test_ledger_filtered_and_empty(october, org):
    from jiefen.reports.indicators import Filters

    book = _book(spreadsheets.dispute_ledger_xlsx(Case.objects.all(), OCT, Filters.of(village=org.other_village)))
    rows = _rows(book.active)
    assert "村(社区)：西村" in rows[1][0]
    assert [r[3] for r in rows[3:]] == ["西村"]
    empty = _rows(_book(spreadsheets.dispute_ledger_xlsx(Case.objects.all(), parse_period("2025-02"))).active)
    assert "共0件" in empty[1][0] and empty[3][0] == "本期无登记的矛盾纠纷。"


def test_export_command(october, tmp_path, org):
    from django.core.management import call_command

    table = tmp_path / "table.xlsx"
    ledger = tmp_path / "ledger.xlsx"
    call_command("statistics_export", kind="table", period="2026-10", out=str(table))
    call_command("statistics_export", kind="ledger", period="2026-10", out=str(ledger), village=["东村"])
    rows = _rows(load_workbook(table)["统计表"])
    assert rows[0][0] == "人民调解案件统计表" and "测试街道" in rows[1][0]
    assert _find(rows, "合计")[1][1] == 4
    ledger_rows = _rows(load_workbook(ledger).active)
    assert len(ledger_rows[3:]) == 3  # A C D


def test_export_command_refuses_a_bad_period(db, tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="无法识别统计期"):
        call_command("statistics_export", kind="table", period="2026-13x", out=str(tmp_path / "x.xlsx"))


def test_template_has_every_column():
    from jiefen.reports.ledger_import import LEDGER_COLUMNS

    sheet = _book(spreadsheets.ledger_template_xlsx()).active
    rows = _rows(sheet)
    assert [h.replace(" *", "") for h in rows[2]] == [c.header for c in LEDGER_COLUMNS]
    assert rows[2][1] == "登记日期 *"
    assert sheet.cell(row=3, column=2).comment is not None
