"""Import of historical ledgers: valid files, row-by-row errors, all or nothing, idempotence."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from jiefen.cases.models import Case, CaseEvent, CaseNumberSequence, CaseState, EventKind
from jiefen.reports import indicators as ind
from jiefen.reports.ledger_import import LEDGER_COLUMNS, ledger_import
from jiefen.reports.periods import parse_period

HEADERS = [
    "原台账编号", "登记日期", "村(社区)", "纠纷类型", "来源渠道", "纠纷简题", "纠纷概况", "发生地点",
    "申请人", "申请人身份证号", "申请人电话", "被申请人", "争议金额(元)", "民转刑风险", "群体性",
    "调处层级", "承办单位", "调解员", "受理日期", "调处结果", "协议形式", "约定履行期限", "调解结束日期",
    "是否上交", "移送/上交至", "是否按期办结", "办结日期",
]

AGREED = {
    "原台账编号": "东村-2024-07", "登记日期": date(2024, 5, 6), "村(社区)": "东村", "纠纷类型": "房屋宅基地",
    "来源渠道": "网格排查", "纠纷简题": "宅基地边界纠纷", "纠纷概况": "两户宅基地边界争议。", "发生地点": "东村5组",
    "申请人": "王五", "申请人身份证号": "11010519491231002X", "申请人电话": "13800138000", "被申请人": "赵六",
    "争议金额(元)": 3000, "民转刑风险": "是", "调解员": "老调解员", "受理日期": "2024-05-07", "调处结果": "调解成功",
    "协议形式": "书面", "约定履行期限": "2024/5/30", "调解结束日期": "2024年5月20日", "办结日期": date(2024, 6, 3),
}
TERMINATED = {
    "登记日期": "2024-05-08", "村(社区)": "西村", "纠纷类型": "劳动争议", "来源渠道": "公安移送", "纠纷简题": "劳务费纠纷",
    "发生地点": "西村1组", "申请人": "钱七、孙八", "被申请人": "某建筑公司", "调处层级": "三级",
    "调处结果": "调解不成", "调解结束日期": "2024-05-28", "是否上交": "是", "移送/上交至": "隆昌市矛盾纠纷调处中心",
    "办结日期": "2024-06-10",
}
REJECTED = {
    "登记日期": "2024-06-11", "村(社区)": "东村", "纠纷类型": "合同", "纠纷简题": "借款纠纷", "发生地点": "东村2组",
    "申请人": "周九", "调处结果": "不予受理", "办结日期": "2024-06-12",
}


def xlsx(rows, headers=HEADERS, title=True):
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(["东村历史台账（2024年）"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_valid_ledger_becomes_archived_imported_cases(org, centre_staff):
    result = ledger_import(xlsx([AGREED, TERMINATED, REJECTED]), actor=centre_staff, source_name="东村台账.xlsx", today=date(2026, 10, 1))
    assert result.ok, [str(e) for e in result.errors]
    assert len(result.created) == 3 and result.skipped == []
    a, t, r = (Case.objects.get(pk=c.pk) for c in result.created)
    assert [c.number for c in (a, t, r)] == ["测试-2024-000001", "测试-2024-000002", "测试-2024-000003"]
    for case in (a, t, r):
        assert case.imported and case.state == CaseState.ARCHIVED and case.reported_by == centre_staff
        (event,) = CaseEvent.objects.filter(case=case)
        assert event.kind == EventKind.IMPORTED and event.actor == centre_staff
        assert "东村台账.xlsx" in event.reason
    assert timezone.localtime(a.created_at).date() == date(2024, 5, 6)
    assert timezone.localtime(a.concluded_at).date() == date(2024, 5, 20)
    assert timezone.localtime(a.closed_at).date() == date(2024, 6, 3)
    assert (a.agreement_form, a.performance_due, a.amount_in_dispute, a.criminal_risk) == ("written", date(2024, 5, 30), Decimal("3000.00"), True)
    # 民转刑风险 routes it, like a new case, to the subdistrict committee (tier 3).
    assert a.channel == "grid_screening" and a.tier == 3 and a.assigned_unit == org.subdistrict_committee
    assert a.closed_within_limits is True and a.closed_inside_subdistrict is True
    assert CaseEvent.objects.get(case=a).data["mediator_name"] == "老调解员"
    assert CaseEvent.objects.get(case=a).data["original_number"] == "东村-2024-07"
    assert [(p.name, p.role, p.id_number) for p in a.parties.all()] == [("王五", "applicant", "11010519491231002X"), ("赵六", "respondent", "")]
    assert t.agreement_form == "" and t.closed_inside_subdistrict is False and t.tier == 3
    assert t.assigned_unit == org.subdistrict_committee and t.channel == "police_referral"
    assert [p.kind for p in t.parties.order_by("id")] == ["person", "person", "organisation"]
    assert r.concluded_at is None and r.accepted_at is None and r.closed_within_limits is True
    # The indicators count them in the months they happened.
    may = ind.summary(Case.objects.all(), parse_period("2024-05"))
    assert (may.new_cases, may.agreements, may.terminations) == (2, 1, 1)
    june = ind.summary(Case.objects.all(), parse_period("2024-06"))
    assert (june.new_cases, june.closed, june.closed_inside) == (1, 3, 2)


def test_within_limits_is_worked_out_with_the_holiday_table(org, centre_staff):
    # Accepted 2024-09-20; 30 calendar days → 20 October. Concluded 22 October: late.
    late = dict(AGREED, 原台账编号="L1", 登记日期="2024-09-20", 受理日期="2024-09-20", 调解结束日期="2024-10-22",
                约定履行期限="2024-10-30", 办结日期="2024-11-05")
    # Rejected 2024-09-27; 10 working days across National Day (1–7 Oct, 调休 29 Sep and 12 Oct) → 15 Oct.
    rejected = dict(REJECTED, 登记日期="2024-09-27", 办结日期="2024-10-14")
    said = dict(AGREED, 原台账编号="L3", 是否按期办结="否")
    result = ledger_import(xlsx([late, rejected, said]), actor=centre_staff, today=date(2026, 10, 1))
    assert result.ok, [str(e) for e in result.errors]
    assert [c.closed_within_limits for c in result.created] == [False, True, False]


def _errors(result):
    return {(e.row, e.column): e.message for e in result.errors}


def test_invalid_rows_are_all_reported_and_nothing_is_written(org, centre_staff):
    bad = [
        dict(AGREED, 登记日期="2024-02-30"),  # row 3
        dict(AGREED, 原台账编号="X2", **{"村(社区)": "北村"}),  # row 4
        dict(AGREED, 原台账编号="X3", 纠纷类型="邻居"),  # row 5
        dict(AGREED, 原台账编号="X4", 申请人身份证号="110105194912310021"),  # row 6
        dict(AGREED, 原台账编号="X5", 调处结果=None),  # row 7
        dict(AGREED, 原台账编号="X6", 办结日期="2024-05-01"),  # row 8: closed before registration
        dict(TERMINATED, 办结日期=None),  # row 9: still open
        dict(AGREED, 原台账编号="X8", 申请人电话="12345"),  # row 10
        dict(AGREED, 原台账编号="X9", 民转刑风险="也许"),  # row 11
        dict(REJECTED, 是否上交="是"),  # row 12
        dict(AGREED, 原台账编号="X11", 承办单位="西村小马调解室"),  # row 13: another village's room
    ]
    before = (Case.objects.count(), CaseEvent.objects.count(), CaseNumberSequence.objects.count())
    result = ledger_import(xlsx(bad), actor=centre_staff, today=date(2026, 10, 1))
    assert not result.ok and result.created == []
    assert (Case.objects.count(), CaseEvent.objects.count(), CaseNumberSequence.objects.count()) == before
    errors = _errors(result)
    assert "不存在" in errors[(3, "登记日期")]
    assert errors[(4, "村(社区)")] == "系统中没有名为“北村”的村(社区)。"
    assert "邻居" in errors[(5, "纠纷类型")]
    assert "校验位" in errors[(6, "申请人身份证号")]
    assert errors[(7, "调处结果")] == "必填项不能为空。"
    assert "不能早于调解结束日期" in errors[(8, "办结日期")]
    assert "已办结" in errors[(9, "办结日期")]
    assert "电话号码格式不正确" in errors[(10, "申请人电话")]
    assert errors[(11, "民转刑风险")] == "请填写“是”或“否”。"
    assert "调解不成" in errors[(12, "是否上交")]
    assert "不服务于该村" in errors[(13, "承办单位")]
    assert str(result.errors[0]).startswith("第3行“登记日期”列：")


def test_missing_columns_and_unreadable_files(org, centre_staff):
    headers = [h for h in HEADERS if h != "纠纷类型"]
    result = ledger_import(xlsx([AGREED], headers=headers), actor=centre_staff)
    assert _errors(result) == {(2, "纠纷类型"): "缺少必填列。"}
    result = ledger_import(io.BytesIO(b"not a spreadsheet"), actor=centre_staff)
    assert "xlsx" in result.errors[0].message
    result = ledger_import(xlsx([], headers=["甲", "乙"]), actor=centre_staff)
    assert "未找到表头行" in result.errors[0].message
    result = ledger_import(xlsx([]), actor=centre_staff)
    assert "没有数据行" in result.errors[0].message


def test_columns_in_any_order_with_aliases_and_no_title(org, centre_staff):
    headers = ["办结日期", "调处结果", "申请人", "发生地点", "纠纷名称", "类型", "村（社区）", "登记日期 *"]
    row = {"办结日期": "2024-06-12", "调处结果": "不予受理", "申请人": "周九", "发生地点": "东村2组", "纠纷名称": "借款纠纷",
           "类型": "合同", "村（社区）": "东村", "登记日期 *": "2024-06-11"}
    result = ledger_import(xlsx([row], headers=headers, title=False), actor=centre_staff, today=date(2026, 10, 1))
    assert result.ok, [str(e) for e in result.errors]
    assert result.created[0].title == "借款纠纷"


def test_importing_twice_changes_nothing_the_second_time(org, centre_staff):
    first = ledger_import(xlsx([AGREED, TERMINATED]), actor=centre_staff, today=date(2026, 10, 1))
    assert len(first.created) == 2
    again = ledger_import(xlsx([AGREED, TERMINATED]), actor=centre_staff, today=date(2026, 10, 1))
    assert again.ok and again.created == []
    assert again.skipped == [(3, first.created[0].number), (4, first.created[1].number)]
    more = ledger_import(xlsx([AGREED, TERMINATED, REJECTED]), actor=centre_staff, today=date(2026, 10, 1))
    assert [c.title for c in more.created] == ["借款纠纷"] and len(more.skipped) == 2
    assert Case.objects.filter(imported=True).count() == 3
    # A dry run tells what would be skipped and writes nothing.
    dry = ledger_import(xlsx([AGREED, dict(REJECTED, 纠纷简题="另一借款纠纷")]), actor=centre_staff, dry_run=True, today=date(2026, 10, 1))
    assert dry.ok and dry.created == [] and [row for row, _n in dry.skipped] == [3]
    assert Case.objects.filter(imported=True).count() == 3


def test_the_same_dispute_twice_in_one_file_is_an_error(org, centre_staff):
    result = ledger_import(xlsx([REJECTED, REJECTED]), actor=centre_staff, today=date(2026, 10, 1))
    assert _errors(result) == {(4, ""): "与第3行重复。"}
    assert Case.objects.count() == 0


def test_a_failure_while_writing_rolls_everything_back(org, centre_staff):
    from jiefen.organisation.models import Area, AreaKind

    # 南村 has no mediation room, so routing its row fails only when the cases are written.
    Area.objects.create(name="南村", kind=AreaKind.VILLAGE, parent=org.subdistrict)
    rows = [AGREED, dict(REJECTED, **{"村(社区)": "南村"})]
    result = ledger_import(xlsx(rows), actor=centre_staff, today=date(2026, 10, 1))
    assert not result.ok and "南村" in result.errors[0].message
    assert Case.objects.count() == 0 and CaseNumberSequence.objects.filter(last_value__gt=0).count() == 0


def test_only_staff_may_import(org, village_mediator, leader, grid_worker):
    for user in (village_mediator, leader, grid_worker):
        result = ledger_import(xlsx([AGREED]), actor=user, today=date(2026, 10, 1))
        assert "综治中心" in result.errors[0].message
    assert Case.objects.count() == 0


def test_the_template_imports_nothing_until_filled(org, centre_staff):
    from jiefen.reports.spreadsheets import ledger_template_xlsx

    result = ledger_import(io.BytesIO(ledger_template_xlsx()), actor=centre_staff)
    assert "没有数据行" in result.errors[0].message
    assert len(LEDGER_COLUMNS) == len({c.header for c in LEDGER_COLUMNS})


def test_import_command(org, centre_staff, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([AGREED, REJECTED]).getvalue())
    out = io.StringIO()
    call_command("import_ledger", str(good), actor="staff", dry_run=True, stdout=out)
    assert "检查通过：2行可导入" in out.getvalue() and Case.objects.count() == 0
    call_command("import_ledger", str(good), actor="staff", stdout=out)
    assert "已导入2件历史案件" in out.getvalue()
    call_command("import_ledger", str(good), actor="staff", stdout=out)
    assert "跳过2件" in out.getvalue() and Case.objects.count() == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([dict(AGREED, 原台账编号="B1", 纠纷类型="邻居")]).getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何案件"):
        call_command("import_ledger", str(bad), actor="staff", stderr=err)
    assert "第3行“纠纷类型”列" in err.getvalue()
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("import_ledger", str(good), actor="nobody")
