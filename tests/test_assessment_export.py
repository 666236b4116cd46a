"""`python manage.py assessment_export`: the year's assessment as XLSX (read back with openpyxl)
and as the written report to the 党工委 (opened with python-docx), read from the stored results."""

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from jiefen.assessment import yearend
from jiefen.assessment.models import CardColour, SubjectKind
from jiefen.assessment.yearend_models import AssessmentAction, AssessmentEvent
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind

from .test_yearend_assessment import YEAR, card, ledger_case


@pytest.fixture
def assessed(org, centre_staff, dispute_type, grid_worker):
    """A published village sheet (东村 with a black card, so not eligible) and a draft leader sheet."""
    ledger_case(org, dispute_type, grid_worker, village=org.village, unit=org.village_committee, agreed=True,
                due=(2026, 5, 1), closed=(2026, 6, 1))
    ledger_case(org, dispute_type, grid_worker, village=org.village, unit=org.village_committee, agreed=False, closed=(2026, 6, 1))
    card(CardColour.BLACK, unit=org.village_committee)
    person = Person.objects.create(name="联系领导甲", phone="13800138000")
    RoleAssignment.objects.create(person=person, role=Role.LIAISON_LEADER, area=org.village)
    villages = yearend.score_sheet_create_default(centre_staff, org.subdistrict, YEAR, SubjectKind.VILLAGE)
    yearend.assessment_publish(centre_staff, villages.pk)
    leaders = yearend.score_sheet_create_default(centre_staff, org.subdistrict, YEAR, SubjectKind.LIAISON_LEADER)
    yearend.assessment_compute(centre_staff, leaders.pk)
    return villages, leaders


def test_xlsx_has_a_sheet_per_kind_and_the_cards(assessed, tmp_path):
    out = tmp_path / "考核.xlsx"
    call_command("assessment_export", "--year", str(YEAR), "--out", str(out))
    book = load_workbook(out)
    assert book.sheetnames == ["村(社区)", "联系领导", "警示牌"]
    ws = book["村(社区)"]
    assert "已于" in ws["A1"].value and "发布" in ws["A1"].value
    header = [cell.value for cell in ws[3]]
    assert header[:3] == ["排名", "考核对象", "调结(件)"]
    assert "调解成功率" in header and "调解成功率得分" in header
    assert header[-8:] == ["黄牌扣分", "红牌扣分", "黑牌扣分", "扣分合计", "加分", "得分", "评优资格", "原因"]
    rows = {row[1]: dict(zip(header, row)) for row in ws.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {"东村", "西村"}
    east, west = rows["东村"], rows["西村"]
    # 东村: success 1/2 → 30 × 0.5/0.9 = 16.67; performance 1/1 → 20; on time 2/2 → 20; inside 2/2 → 20;
    # none found by screening → 0: 76.67 − 10 (black) = 66.67
    assert east["调解成功率"] == pytest.approx(0.5)
    assert east["调解成功率得分"] == pytest.approx(16.67)
    assert east["黑牌扣分"] == pytest.approx(10)
    assert east["得分"] == pytest.approx(66.67)
    assert east["评优资格"] == "否" and "黑牌" in east["原因"]
    assert (east["排名"], west["排名"]) == (2, 1)
    assert west["调解成功率"] == "—" and west["得分"] == pytest.approx(90)
    assert ws.cell(row=4, column=4).number_format == "0.0%" or ws.cell(row=5, column=4).number_format == "0.0%"

    leaders = book["联系领导"]
    assert "试算" in leaders["A1"].value
    assert [row[1] for row in leaders.iter_rows(min_row=4, values_only=True)] == ["联系领导甲"]
    cards = list(book["警示牌"].iter_rows(min_row=4, values_only=True))
    assert cards == [("村(社区)", "东村", "东村调解委员会", "黑牌", "超过办理时限", cards[0][5], 10)]
    # No phone numbers in the export.
    text = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    assert "13800138000" not in text


def test_docx_is_a_numbered_report_with_the_ranking_tables(assessed, tmp_path, org):
    Unit.objects.create(name="测试街道党工委", kind=UnitKind.PARTY_WORKING_COMMITTEE, area=org.subdistrict)
    out = tmp_path / "report.docx"
    call_command("assessment_export", "--year", str(YEAR), "--out", str(out))
    document = Document(out)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于2026年度矛盾纠纷多元化解工作综合考核结果的报告" in text
    assert "测试矛调考〔2026〕1号" in text
    assert "测试街道党工委：" in text
    assert "东村" in text and "不得评先评优" in text
    tables = [t for t in document.tables if t.rows and t.rows[0].cells[0].text == "排名"]
    assert len(tables) == 2
    ranking = [[cell.text for cell in row.cells] for row in tables[0].rows]
    assert ranking[0] == ["排名", "考核对象", "调结", "指标得分", "扣分", "加分", "得分", "评优资格"]
    assert ranking[1][:2] == ["1", "西村"] and ranking[1][6] == "90.00"
    assert ranking[2][:2] == ["2", "东村"] and ranking[2][4] == "-10.00" and ranking[2][7] == "否"

    # The number is issued once: a second export carries the same one.
    again = tmp_path / "again.docx"
    call_command("assessment_export", "--year", str(YEAR), "--out", str(again), "--format", "docx")
    assert "测试矛调考〔2026〕1号" in "\n".join(p.text for p in Document(again).paragraphs)
    assert AssessmentEvent.objects.filter(action=AssessmentAction.REPORT_NUMBERED).count() == 1


def test_published_export_does_not_change_with_later_data(assessed, tmp_path, org, dispute_type, grid_worker):
    first = tmp_path / "a.xlsx"
    call_command("assessment_export", "--year", str(YEAR), "--out", str(first))
    card(CardColour.RED, unit=org.other_village_committee)
    ledger_case(org, dispute_type, grid_worker, village=org.other_village, unit=org.other_village_committee, agreed=False, closed=(2026, 6, 1))
    second = tmp_path / "b.xlsx"
    call_command("assessment_export", "--year", str(YEAR), "--out", str(second))
    values = [
        [row for row in load_workbook(path)["村(社区)"].iter_rows(values_only=True)] for path in (first, second)
    ]
    assert values[0] == values[1]


def test_bad_arguments_are_refused_in_chinese(db, org, tmp_path, centre_staff):
    with pytest.raises(CommandError, match="没有2026年度的考核评分表"):
        call_command("assessment_export", "--year", "2026", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="不是年份"):
        call_command("assessment_export", "--year", "二〇二六", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="无法确定导出格式"):
        call_command("assessment_export", "--year", "2026", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="找不到唯一的街道"):
        call_command("assessment_export", "--year", "2026", "--out", str(tmp_path / "x.xlsx"), "--subdistrict", "无此街道")
    Area.objects.create(name="另一街道", kind=AreaKind.SUBDISTRICT, code="另一")
    with pytest.raises(CommandError, match="有多个街道"):
        call_command("assessment_export", "--year", "2026", "--out", str(tmp_path / "x.xlsx"))
    yearend.score_sheet_create_default(centre_staff, org.subdistrict, 2026, SubjectKind.DEPARTMENT)
    out = tmp_path / "dept.xlsx"
    call_command("assessment_export", "--year", "2026", "--out", str(out), "--subdistrict", "测试")
    book = load_workbook(out)
    assert book.sheetnames == ["部门", "警示牌"]
    assert book["部门"]["A4"].value == "尚未计算。"
