"""The written reports (DESIGN §8) read back: the DOCX tables and text, the PDF text, fonts and
page size, and the XLSX sheets carry the figures of jiefen.reports.indicators for a hand-built
October 2026; each kind renders with its charts; a period run again makes a new version and
keeps the old; numbers run per kind and year; the `report` command for every kind and format,
and its refusals.

October 2026 (National Day holiday 1–7 October), subdistrict 测试街道 (prefix 测试):

case  village  type      channel     flags              what happens
A     东村     邻里      网格排查     ¥2,000            reg 10-09, agreement 10-12 (due 10-20), performed 10-19, visit 10-22, archived 10-23
B     西村     婚姻家庭  当事人申请   民转刑, ¥5,000    reg 10-08, agreement 10-13 (due 11-15); police referral in 10-08, no feedback by 10-15
C     东村     邻里      热线         群体性, 红色      reg 10-10, terminated 10-14, handed up 10-15 (an incident), archived 10-16
D     东村     合同      网格排查     ¥1,000            reg 10-10, agreement 10-13 (due 10-25), not performed; confirmed by the court 10-25
E     西村     邻里      当事人申请   橙色              reg 10-20, accepted; a missed limit recorded 10-23
F     东村     邻里      网格排查                        reg 10-21, escalated 10-22
G     西村     邻里      当事人申请                      reg 09-25, never handled (open at the end of October)

By hand: 6 new (3 by screening), 3 agreements and 1 termination (75.0%, 3/4), 2 closed (A, C;
1 inside the subdistrict: 50.0%), performance 1/2 (A performed, D not), 1 criminal risk
prevented (B), 1 judicial confirmation, ¥8,000.00 in agreements, 2 incidents (C handed up, E's
missed limit; a missed 督办 task without a case is listed apart), 5 open at the end.
"""

import io
import json
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases.models import Case, Channel, DisputeType, RiskGrade
from jiefen.mediation.models import ConfirmationOutcome, Referral, ReferralDirection, ReferralKind
from jiefen.mediation.services.agreements import (
    effective_agreement,
    judicial_confirmation_apply,
    judicial_confirmation_update,
)
from jiefen.organisation.models import Person, Unit, UnitKind
from jiefen.reports import indicators as ind
from jiefen.reports.models import Report, ReportNumber, ReportStatus
from jiefen.reports.periods import parse_period
from jiefen.reports.written.kinds import ReportInputError, report_period
from jiefen.reports.written.services import report_file_path, report_produce, report_verify

from .casework import act, register

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUTPUT = Path(django_settings.BASE_DIR) / "test-output" / "reports"
OCT = parse_period("2026-10")
A4 = (595.28, 841.89)


@contextmanager
def clock(y, m, d, hh=10, mm=0):
    moment = datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt_timezone.utc)):
        yield moment.date()


def new(org, dtype, actor, when, **overrides):
    with clock(*when) as day:
        return register(org, dtype, actor, on=day, **overrides)


def step(case, action, when, staff, mediator, **kwargs):
    with clock(*when) as day:
        return act(case, action, staff, mediator=mediator, on=day, **kwargs)


def steps(case, actions, when, staff, mediator):
    for action in actions:
        case = step(case, action, when, staff, mediator)
    return case


START = ("accept", "assign", "start_mediation")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def types(db):
    return {t.code: t for t in DisputeType.objects.all()}


@pytest.fixture
def court(org):
    return Unit.objects.create(name="测试人民法庭", kind=UnitKind.PEOPLES_TRIBUNAL, area=org.subdistrict)


@pytest.fixture
def october(org, types, centre_staff, village_mediator, subdistrict_mediator, other_village_mediator, court, media):
    staff, vmed, smed = centre_staff, village_mediator, subdistrict_mediator
    east, west = {"village": org.village, "grid": org.grid}, {"village": org.other_village, "grid": org.other_grid}
    applied = {"channel": Channel.PARTY_APPLICATION}
    cases = {}

    a = new(org, types["neighbour"], staff, (2026, 10, 9, 9), amount_in_dispute=Decimal("2000"), **east)
    a = steps(a, START, (2026, 10, 9, 9, 30), staff, vmed)
    a = step(a, "reach_agreement", (2026, 10, 12, 15), staff, vmed, performance_due=date(2026, 10, 20))
    a = step(a, "confirm_performed", (2026, 10, 19), staff, vmed)
    a = step(a, "record_return_visit", (2026, 10, 22), staff, vmed)
    cases["A"] = step(a, "archive", (2026, 10, 23), staff, vmed)

    b = new(org, types["marriage_family"], staff, (2026, 10, 8), criminal_risk=True, amount_in_dispute=Decimal("5000"), **west, **applied)
    b = steps(b, START, (2026, 10, 8, 11), staff, smed)
    cases["B"] = step(b, "reach_agreement", (2026, 10, 13), staff, smed, performance_due=date(2026, 11, 15))

    c = new(org, types["neighbour"], staff, (2026, 10, 10), is_group=True, risk_grade=RiskGrade.RED, channel=Channel.HOTLINE_ONLINE, **east)
    c = steps(c, START, (2026, 10, 10, 11), staff, smed)
    c = step(c, "terminate", (2026, 10, 14), staff, smed)
    c = step(c, "hand_up", (2026, 10, 15), staff, smed)
    cases["C"] = step(c, "archive", (2026, 10, 16), staff, smed)

    d = new(org, types["contract"], staff, (2026, 10, 10), amount_in_dispute=Decimal("1000"), **east)
    d = steps(d, START, (2026, 10, 10, 11), staff, vmed)
    cases["D"] = d = step(d, "reach_agreement", (2026, 10, 13), staff, vmed, performance_due=date(2026, 10, 25))
    with clock(2026, 10, 14) as day:
        confirmation = judicial_confirmation_apply(
            agreement_id=effective_agreement(d).pk, actor=staff, court_id=court.pk, applied_on=day,
            applicant_party_ids=list(d.parties.values_list("pk", flat=True)), today=day,
        )
    with clock(2026, 10, 25) as day:
        judicial_confirmation_update(
            confirmation_id=confirmation.pk, actor=staff, accepted_on=date(2026, 10, 15), decided_on=day,
            outcome=ConfirmationOutcome.CONFIRMED, ruling_number="(2026)川1028民特12号", today=day,
        )

    e = new(org, types["neighbour"], staff, (2026, 10, 20), risk_grade=RiskGrade.ORANGE, **west, **applied)
    cases["E"] = e = step(e, "accept", (2026, 10, 20, 11), staff, vmed)

    f = new(org, types["neighbour"], staff, (2026, 10, 21), **east)
    f = steps(f, ("accept", "assign"), (2026, 10, 21, 11), staff, vmed)
    cases["F"] = step(f, "escalate", (2026, 10, 22), staff, vmed)

    cases["G"] = new(org, types["neighbour"], staff, (2026, 9, 25), **west, **applied)

    Incident.objects.create(
        kind=IncidentKind.MISSED_LIMIT, case=e, unit=org.other_village_room, stage="mediation",
        due_date=date(2026, 10, 22), detected_on=date(2026, 10, 23), assessment_year=2026, status=IncidentStatus.PENDING,
    )
    Incident.objects.create(
        kind=IncidentKind.TASK_MISSED, case=None, unit=org.centre, detected_on=date(2026, 10, 26),
        assessment_year=2026, status=IncidentStatus.CONFIRMED, evidence={"task_number": "测试督-2026-0001"},
    )
    Referral.objects.create(
        case=cases["B"], direction=ReferralDirection.IN, kind=ReferralKind.POLICE, counterpart_name="测试派出所",
        sent_on=date(2026, 10, 8), feedback_due=date(2026, 10, 15), created_by=staff,
    )
    Referral.objects.create(
        case=d, direction=ReferralDirection.OUT, kind=ReferralKind.COURT, counterpart=court, sent_on=date(2026, 10, 14),
        feedback_due=date(2026, 10, 21), feedback_on=date(2026, 10, 20), feedback="已立案审查", created_by=staff,
    )
    return {key: Case.objects.get(pk=case.pk) for key, case in cases.items()}


@pytest.fixture
def week_meeting(october, org, centre_staff, other_village_mediator):
    """The 会商 of ISO week 43 (19–25 October), held on the 21st, with one decision."""
    from jiefen.meetings.models import Meeting, MeetingKind
    from jiefen.meetings.services import decision_create_task, meeting_record_minutes, meeting_schedule_period

    with clock(2026, 10, 19, 8):
        meeting_schedule_period(today=date(2026, 10, 19), subdistrict=org.subdistrict)
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION, period_start=date(2026, 10, 19))
    chair = Person.objects.get(user=centre_staff)
    with clock(2026, 10, 21, 16) as day:
        meeting_record_minutes(
            meeting_id=meeting.pk, actor=centre_staff, attendance={chair.pk: "present"}, notes="逐案研究了在办的红色、橙色风险纠纷。",
            chair=chair, location="综治中心会商室", held_at=datetime(2026, 10, 21, 15, tzinfo=SHANGHAI),
        )
        task = decision_create_task(
            meeting_id=meeting.pk, actor=centre_staff, decision="西村邻里纠纷由西村小马调解室专人跟踪，五个工作日内化解。",
            title="西村邻里纠纷专人跟踪", owner_unit=org.other_village_room, owner=other_village_mediator,
            working_days=5, cases=[october["E"]], today=day,
        )
    return meeting, task


def everything():
    return Case.objects.all()


def produce(org, kind, code, **kwargs):
    started = time.perf_counter()
    report = report_produce(subdistrict=org.subdistrict, kind=kind, period=code, **kwargs)
    report.elapsed = time.perf_counter() - started
    return report


# ---------------------------------------------------------------- reading the files back


def docx_of(report):
    from docx import Document

    return Document(str(report_file_path(report, "docx")))


def docx_tables(document) -> dict:
    """{caption: [[cell text …] …]} for every captioned table (表N　caption), in body order."""
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    tables, caption = {}, None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = DocxParagraph(child, document).text
            if re.match(r"^表\d+　", text):
                caption = text.split("　", 1)[1]
        elif tag == "tbl" and caption is not None:
            table = DocxTable(child, document)
            # A narrow cell may set a rate over two lines (85.7% / （6/7））: read it as one.
            tables[caption] = [[cell.text.replace("\n", "") for cell in row.cells] for row in table.rows]
            caption = None
    return tables


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def rows_by_label(rows):
    return {row[0]: row[1:] for row in rows[1:]}


def pdf_of(report):
    from pypdf import PdfReader

    return PdfReader(str(report_file_path(report, "pdf")))


def pdf_text(reader) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_fonts(reader) -> dict:
    """{font name: embedded?} over every page."""
    fonts = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def save_pages(report, name, pages=(0,)):
    """Keep rendered pages as PNG in test-output/reports/ to look at."""
    import pypdfium2 as pdfium

    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(str(report_file_path(report, "pdf")))
    try:
        for index in pages:
            if index < len(pdf):
                pdf[index].render(scale=1.4).to_pil().save(OUTPUT / f"{name}-p{index + 1}.png")
    finally:
        pdf.close()


# ---------------------------------------------------------------- the figures


@pytest.mark.django_db
def test_the_monthly_analysis_docx_carries_the_indicators(october, org, centre_staff):
    report = produce(org, "monthly", "2026-10", actor=centre_staff)
    summary = ind.summary(everything(), OCT)
    # The hand-worked answers of the module docstring, and the indicators agree with them.
    assert (summary.new_cases, summary.screening_found, summary.agreements, summary.terminations) == (6, 3, 3, 1)
    assert (summary.closed, summary.performance_due, summary.performed, summary.open_at_end) == (2, 2, 1, 5)
    assert (summary.criminal_prevented, summary.judicial_confirmations, summary.incidents) == (1, 1, 2)
    assert summary.agreement_amount == Decimal("8000")

    document = docx_of(report)
    tables = docx_tables(document)
    key = rows_by_label(tables["主要指标"])
    previous = ind.summary(everything(), OCT.previous())
    assert key["新登记"][:2] == [str(summary.new_cases), str(previous.new_cases)] == ["6", "1"]
    assert key["排查发现"][0] == "3"
    assert key["达成协议"][0] == "3" and key["调解终止"][0] == "1"
    assert key["调解成功率"][0] == f"{summary.success_rate.percent}（3/4）" == "75.0%（3/4）"
    assert key["协议履行率"][0] == "50.0%（1/2）"
    assert key["矛盾不上交率"][0] == f"{summary.not_handed_up_rate.percent}（{summary.not_handed_up_rate.fraction}）" == "50.0%（1/2）"
    assert key["按期办结率"][0] == f"{summary.on_time_rate.percent}（{summary.on_time_rate.fraction}）"
    assert key["办结"][0] == "2" and key["期末在办"][0] == "5"
    assert key["防范民转刑"][0] == "1" and key["司法确认"][0] == "1" and key["不到位情形"][0] == "2"
    assert key["协议涉及金额(元)"][0] == "8,000.00"
    assert key["排查户数"][0] == "—"  # no screening campaign in this subdistrict
    assert key["三色牌"][0] == "0"  # the assessment counts cards; none were issued

    # The village table has every village's figures as the indicators break them down.
    villages = {row[1]: row for row in tables["各村(社区)矛盾纠纷化解情况"][1:]}
    for row in ind.breakdown(everything(), OCT, "village"):
        printed = villages[row.label]
        assert printed[2:4] == [str(row.new_cases), str(row.concluded)]
        assert printed[4] == (f"{row.success_rate.percent}（{row.success_rate.fraction}）" if row.success_rate.value is not None else "—")
        assert printed[5] == str(row.closed) and printed[8] == str(row.incidents)
    assert villages["东村"][2:5] == ["4", "3", "66.7%（2/3）"] and villages["西村"][2:5] == ["2", "1", "100.0%（1/1）"]
    assert villages["西村"][0] == "1" and villages["东村"][0] == "2"  # ranked by success rate
    assert tables["各村(社区)矛盾纠纷化解情况"][-1][1:5] == ["全街道", "6", "4", "75.0%（3/4）"]

    types = rows_by_label(tables["纠纷类型分布"])
    for row in ind.breakdown(everything(), OCT, "dispute_type"):
        if not row.is_empty:
            assert types[row.label][0] == str(row.new_cases)
    assert types[DisputeType.objects.get(code="neighbour").name][0] == "4"  # A, C, E, F
    trend = rows_by_label(tables["月度走势"])
    for point in ind.monthly_trend(everything(), OCT):
        label = f"{point.period.start.year}年{point.period.start.month}月"
        assert trend[label][:3] == [str(point.new_cases), str(point.agreements), str(point.terminations)]
    assert trend["2026年10月"][0] == "6" and trend["2026年9月"][0] == "1"

    # Charts: rates, trend, types, villages as inline pictures.
    assert len(document.inline_shapes) == 4
    text = docx_text(document)
    assert "测试矛调研〔2026〕1号" in text and "2026年10月矛盾纠纷形势研判报告" in text
    assert "全街道共新登记矛盾纠纷6件" in text and "调解成功率75.0%（3/4）" in text
    assert "（由研判人员填写）" in text  # the analyst's box, empty
    # The archive row keeps the headline figures and the files' hashes.
    assert report.figures["success_rate"] == "75.0%" and report.figures["new_cases"] == 6
    assert all(report_verify(report, fmt) for fmt in ("docx", "pdf", "xlsx"))


@pytest.mark.django_db
def test_the_monthly_pdf_carries_the_figures_on_a4_with_embedded_fonts(october, org, centre_staff):
    report = produce(org, "monthly", "2026-10", actor=centre_staff)
    reader = pdf_of(report)
    text = pdf_text(reader)
    for expected in ("测试矛调研〔2026〕1号", "2026年10月矛盾纠纷形势研判报告", "全街道共新登记矛盾纠纷6件", "75.0%（3/4）", "50.0%（1/2）", "8,000.00", "研判意见和工作建议"):
        assert expected in text, expected
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1
    fonts = pdf_fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert any("Noto-Serif-CJK-SC" in name for name in fonts) and any("Noto-Sans-CJK-SC" in name for name in fonts)
    save_pages(report, "monthly", pages=(0, 2))


@pytest.mark.django_db
def test_the_xlsx_holds_the_tables_with_numbers_as_numbers(october, org, centre_staff):
    from openpyxl import load_workbook

    report = produce(org, "monthly", "2026-10", actor=centre_staff)
    book = load_workbook(report_file_path(report, "xlsx"))
    assert book.sheetnames[0] == "说明"
    key = book[next(name for name in book.sheetnames if name.endswith("主要指标"))]
    values = {row[0]: row[1] for row in key.iter_rows(min_row=3, values_only=True) if row[0]}
    formats = {row[0].value: row[1].number_format for row in key.iter_rows(min_row=3) if row[0].value}
    assert values["新登记"] == 6 and values["达成协议"] == 3
    assert values["调解成功率"] == pytest.approx(0.75)
    assert values["协议涉及金额(元)"] == pytest.approx(8000)
    assert values["三色牌"] == 0
    assert formats["调解成功率"] == "0.0%" and formats["新登记"] == "General"


@pytest.mark.django_db
def test_each_list_agrees_with_its_figure(october, org):
    from jiefen.reports.written import data

    cases = ind.subdistrict_cases(org.subdistrict)
    summary = ind.summary(cases, OCT)
    assert data.new_cases(cases, OCT).count == summary.new_cases
    assert len(list(data.incidents(cases, OCT))) == summary.incidents
    confirmed = dict(data.confirmations(cases, OCT).by_outcome)["确认有效"]
    assert confirmed == summary.judicial_confirmations == 1
    assert data.risk_watch_cases(cases, OCT).count <= summary.open_at_end


# ---------------------------------------------------------------- every kind


@pytest.mark.django_db
def test_the_weekly_meeting_pack_lists_the_week_and_the_meeting(october, week_meeting, org, centre_staff):
    meeting, task = week_meeting
    report = produce(org, "weekly", "2026-W43", actor=centre_staff)
    document = docx_of(report)
    tables = docx_tables(document)
    week = parse_period("2026-W43")
    summary = ind.summary(everything(), week)
    new = tables["本周新登记纠纷"]
    assert len(new) - 1 == summary.new_cases == 2  # E and F
    assert {row[1] for row in new[1:]} == {october["E"].number, october["F"].number}
    risky = {row[1] for row in tables["在办红色、橙色风险纠纷"][1:]}
    assert october["E"].number in risky  # orange and open; C (red) is archived
    assert october["C"].number not in risky
    escalated = tables["本周上报上一级和上交的纠纷"]
    assert [row[1] for row in escalated[1:]] == [october["F"].number]
    decisions = tables["本周会商交办的督办事项"]
    assert decisions[1][1:4] == [task.number, "西村邻里纠纷专人跟踪", "西村小马调解室"]
    text = docx_text(document)
    assert "综治中心会商室" in text and "逐案研究了在办的红色、橙色风险纠纷。" in text
    assert "测试综治会〔2026〕1号" in text
    assert len(document.inline_shapes) == 2
    assert "会商补充意见" not in text  # no judgement, no box
    pdf = pdf_text(pdf_of(report))
    assert task.number in pdf and "2026年第43周矛盾纠纷排查化解会商材料" in pdf
    save_pages(report, "weekly", pages=(0, 2))


@pytest.mark.django_db
def test_the_biweekly_bulletin_ranks_villages_and_units_and_lists_incidents(october, org, centre_staff):
    period = parse_period("2026-B21")  # ISO weeks 41–42: 5–18 October
    report = produce(org, "biweekly", period.code, actor=centre_staff)
    tables = docx_tables(docx_of(report))
    villages = tables["各村(社区)矛盾纠纷化解情况排名"]
    by_village = {row.label: row for row in ind.breakdown(everything(), period, "village")}
    for row in villages[1:-1]:
        figures = by_village[row[1]]
        assert row[2:4] == [str(figures.new_cases), str(figures.concluded)]
    assert [row[1] for row in villages[1:-1]] == ["西村", "东村"]  # 西村 100% (1/1) before 东村 66.7% (2/3)
    # Departments: the subdistrict's own units (the villages' bodies are in the village table).
    units = tables["街道各承办部门矛盾纠纷化解情况排名"]
    own = set(Unit.objects.filter(area=org.subdistrict).values_list("name", flat=True))
    by_unit = {row.label: row for row in ind.breakdown(everything(), period, "unit", include_empty=False) if row.label in own}
    assert {row[1] for row in units[1:]} == set(by_unit) == {"测试街道人民调解委员会"}
    for row in units[1:]:
        assert row[4] == (f"{by_unit[row[1]].success_rate.percent}（{by_unit[row[1]].success_rate.fraction}）" if by_unit[row[1]].success_rate.value is not None else "—")
    # C's handing up (15 October) is in this bulletin; E's missed limit (23 October) in the next.
    incidents = tables["不到位情形"]
    assert len(incidents) - 1 == ind.summary(everything(), period).incidents == 1
    assert incidents[1][2:5] == ["测试街道人民调解委员会", "矛盾上交", october["C"].number]
    assert "其他不到位情形" not in tables
    assert "本期发放三色牌0张" in docx_text(docx_of(report))
    assert "截至本期末，没有单位和联系领导被亮牌" in docx_text(docx_of(report))

    later = produce(org, "biweekly", "2026-B22", actor=centre_staff)  # 19 October – 1 November
    tables = docx_tables(docx_of(later))
    incidents = tables["不到位情形"]
    assert len(incidents) - 1 == ind.summary(everything(), parse_period("2026-B22")).incidents == 1
    assert incidents[1][2:5] == ["西村小马调解室", "超过办理时限", october["E"].number]
    assert tables["其他不到位情形"][1][2:4] == ["测试街道综治中心", "督办任务未完成"]
    assert later.number.text == "测试综治通〔2026〕2号"
    save_pages(later, "biweekly", pages=(0, 2))


@pytest.mark.django_db
def test_the_quarterly_report_has_the_two_offices_and_the_court(october, org, centre_staff):
    report = produce(org, "quarterly", "2026-Q4", actor=centre_staff)
    document = docx_of(report)
    tables = docx_tables(document)
    referrals = rows_by_label(tables["对接移送登记情况"])
    assert referrals["警调对接"] == ["1", "0", "0", "1"]  # B: in, no feedback by its due date
    assert referrals["诉调对接"] == ["0", "1", "1", "0"]  # D: out, answered in time
    assert referrals["合计"] == ["1", "1", "1", "1"]
    outcomes = rows_by_label(tables["司法确认裁定结果"])
    q4 = parse_period("2026-Q4")
    assert outcomes["确认有效"] == [str(ind.summary(everything(), q4).judicial_confirmations)] == ["1"]
    assert tables["本期作出裁定的司法确认"][1][1:3] == [october["D"].number, "测试人民法庭"]
    tiers = rows_by_label(tables["各层级调处情况"])
    for row in ind.breakdown(everything(), q4, "tier"):
        assert tiers[row.label][:3] == [str(row.new_cases), str(row.agreements), str(row.terminations)]
    text = docx_text(document)
    assert "上交街道以外1件" in text and "提请联席会议研究的事项" in text
    assert len(document.inline_shapes) == 3  # rates, trend, tiers
    save_pages(report, "quarterly", pages=(0, 3))


@pytest.mark.django_db
def test_the_annual_summary_covers_the_year(october, org, centre_staff):
    report = produce(org, "annual", "2026", actor=centre_staff)
    document = docx_of(report)
    tables = docx_tables(document)
    year = parse_period("2026")
    summary = ind.summary(everything(), year)
    key = rows_by_label(tables["主要指标"])
    assert key["新登记"][0] == str(summary.new_cases) == "7"
    assert tables["主要指标"][0][2] == "上年"
    trend = rows_by_label(tables["月度走势"])
    assert list(trend)[0] == "2026年1月" and list(trend)[-1] == "2026年12月"
    channels = rows_by_label(tables["来源渠道分布"])
    assert channels["热线/网上"][0] == "1"
    assert len(document.inline_shapes) == 6  # rates, trend, types, channels, tiers, villages
    # The year's incidents are counted by kind (not listed one by one), the count the indicators give.
    kinds = rows_by_label(tables["不到位情形分类"])
    assert kinds == {"矛盾上交": ["1"], "超过办理时限": ["1"], "合计": [str(summary.incidents)]} and summary.incidents == 2
    assert "不到位情形" not in tables
    assert "测试综治〔2026〕1号" in docx_text(document)
    save_pages(report, "annual", pages=(0, 1))


# ---------------------------------------------------------------- versions and numbers


@pytest.mark.django_db
def test_running_a_period_again_makes_version_2_and_keeps_version_1(october, org, centre_staff, leader):
    first = produce(org, "monthly", "2026-10", actor=centre_staff)
    first_files = {fmt: report_file_path(first, fmt).read_bytes() for fmt in ("docx", "pdf", "xlsx")}
    # A late registration for October changes the figures; the period is run again.
    new(org, DisputeType.objects.get(code="neighbour"), centre_staff, (2026, 10, 30), village=org.village, grid=org.grid)
    second = produce(org, "monthly", "2026-10", actor=leader, judgement="十月纠纷总量回升，邻里纠纷集中在东村，建议加强网格排查。")
    assert (first.version, second.version) == (1, 2)
    assert first.number_id == second.number_id and second.number.text == "测试矛调研〔2026〕1号"
    assert Report.objects.filter(kind="monthly", period_code="2026-10").count() == 2
    # Version 1 is untouched, on disk and in the archive.
    first.refresh_from_db()
    assert first.status == ReportStatus.READY and first.figures["new_cases"] == 6
    for fmt, content in first_files.items():
        assert report_file_path(first, fmt).read_bytes() == content
        assert report_verify(first, fmt)
    assert report_file_path(first, "pdf") != report_file_path(second, "pdf")
    # Version 2 has the new figures, says it is version 2, and prints the judgement.
    text = docx_text(docx_of(second))
    assert second.figures["new_cases"] == 7 and "全街道共新登记矛盾纠纷7件" in text
    assert "第2版" in text and "十月纠纷总量回升" in text and "（由研判人员填写）" not in text
    # A third run without a judgement keeps it; an explicit blank clears it.
    third = produce(org, "monthly", "2026-10", actor=centre_staff)
    assert third.version == 3 and third.judgement == second.judgement
    fourth = produce(org, "monthly", "2026-10", actor=centre_staff, judgement="")
    assert fourth.judgement == "" and "（由研判人员填写）" in docx_text(docx_of(fourth))


@pytest.mark.django_db
def test_numbers_run_per_kind_and_year(org, media):
    september = produce(org, "monthly", "2026-09")
    october_ = produce(org, "monthly", "2026-10")
    week = produce(org, "weekly", "2026-W44")
    again = produce(org, "monthly", "2026-09")
    assert [september.number.text, october_.number.text, week.number.text, again.number.text] == [
        "测试矛调研〔2026〕1号",
        "测试矛调研〔2026〕2号",
        "测试综治会〔2026〕1号",
        "测试矛调研〔2026〕1号",
    ]
    # The annual summary of 2026, produced in January 2027, is numbered in 2027.
    with clock(2027, 1, 4, 9):
        annual = produce(org, "annual", "2026")
        january = produce(org, "monthly", "2026-12")
    assert annual.number.text == "测试综治〔2027〕1号" and january.number.text == "测试矛调研〔2027〕1号"
    assert ReportNumber.objects.count() == 5


@pytest.mark.django_db
def test_a_failed_rendering_leaves_no_version_behind(org, media, monkeypatch):
    def broken(document):
        raise RuntimeError("disk full")

    monkeypatch.setattr("jiefen.reports.written.render_xlsx.render_report_xlsx", broken)
    with pytest.raises(RuntimeError):
        produce(org, "monthly", "2026-10")
    assert not Report.objects.exists()
    assert not list(Path(media).rglob("*.docx"))
    monkeypatch.undo()
    report = produce(org, "monthly", "2026-10")
    assert report.version == 1 and report.number.text == "测试矛调研〔2026〕1号"  # the number was kept, no gap


@pytest.mark.django_db
def test_report_periods_must_fit_the_kind():
    assert report_period("weekly", "2026-W44").code == "2026-W44"
    for kind, code in [("monthly", "2026-W44"), ("weekly", "2026-10"), ("annual", "2026-Q3"), ("quarterly", "2026-Q5"), ("biweekly", "2026-B30")]:
        with pytest.raises(ReportInputError):
            report_period(kind, code)
    with pytest.raises(ReportInputError, match="未知的报告种类"):
        report_period("daily", "2026-10-01")


# ---------------------------------------------------------------- the command


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, code, title",
    [
        ("weekly", "2026-W43", "2026年第43周矛盾纠纷排查化解会商材料"),
        ("biweekly", "2026-B22", "关于2026年第22期矛盾纠纷多元化解工作情况的通报"),
        ("monthly", "2026-10", "2026年10月矛盾纠纷形势研判报告"),
        ("quarterly", "2026-Q4", "2026年第四季度政法工作联席会议报告"),
        ("annual", "2026", "2026年度矛盾纠纷多元化解工作总结"),
    ],
)
def test_the_command_produces_each_kind_in_each_format(org, media, tmp_path, kind, code, title):
    from docx import Document
    from openpyxl import load_workbook
    from pypdf import PdfReader

    out = tmp_path / "out"
    for fmt in ("docx", "pdf", "xlsx"):
        stdout = io.StringIO()
        call_command("report", kind, "--period", code, "--format", fmt, "--out", str(out), stdout=stdout)
        assert "已生成" in stdout.getvalue()
    files = {path.suffix: path for path in out.iterdir()}
    assert set(files) == {".docx", ".pdf", ".xlsx"}
    assert title in docx_text(Document(str(files[".docx"])))
    assert title in pdf_text(PdfReader(str(files[".pdf"])))
    assert load_workbook(files[".xlsx"])["说明"]["B1"].value == title
    # Three runs, three versions of one report under one number.
    assert list(Report.objects.filter(kind=kind, period_code=code).values_list("version", flat=True).order_by("version")) == [1, 2, 3]
    assert Report.objects.filter(kind=kind).values("number").distinct().count() == 1


@pytest.mark.django_db
def test_the_command_without_archiving_writes_a_draft_only(org, media, tmp_path):
    call_command("report", "monthly", "--period", "2026-10", "--format", "docx", "--out", str(tmp_path), "--no-archive", stdout=io.StringIO())
    (path,) = tmp_path.glob("*.docx")
    assert "样稿" in path.name and not Report.objects.exists() and not ReportNumber.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments, message",
    [
        (["daily", "--period", "2026-10"], "未知的报告种类"),
        (["monthly", "--period", "2026-13"], "月份只能是 01 至 12"),
        (["monthly", "--period", "October"], "无法识别统计期"),
        (["monthly", "--period", "2026-W44"], "月度研判报告的统计期应为一个月"),
        (["quarterly", "--period", "2026-10"], "统计期应为一个季度"),
        (["monthly", "--period", "2026-10", "--format", "odt"], "不支持的格式"),
        (["monthly", "--period", "2026-10", "--subdistrict", "不存在街道"], "没有名为"),
        (["monthly", "--period", "2026-10", "--user", "nobody"], "没有用户名为"),
    ],
)
def test_the_command_refuses_bad_input_clearly(org, media, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *arguments, "--out", str(tmp_path), stdout=io.StringIO())
    assert not Report.objects.exists()


def test_the_command_exits_non_zero_on_bad_input(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "JIEFEN_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for arguments in (["daily", "--period", "2026-10"], ["monthly", "--period", "2026-10", "--format", "odt"]):
        result = subprocess.run(
            [sys.executable, "manage.py", "report", *arguments, "--out", str(tmp_path)],
            cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode != 0
        assert "CommandError" in result.stderr or "报告" in result.stderr or "格式" in result.stderr, result.stderr


# ---------------------------------------------------------------- timing


@pytest.mark.django_db
def test_render_times_are_reasonable(october, org, centre_staff):
    """Every kind renders its three files in seconds; the times are written for the record."""
    times = {}
    for kind, code in [("weekly", "2026-W43"), ("biweekly", "2026-B22"), ("monthly", "2026-10"), ("quarterly", "2026-Q4"), ("annual", "2026")]:
        report = produce(org, kind, code, actor=centre_staff)
        times[kind] = {"seconds": round(report.elapsed, 2), "render_ms": report.render_ms}
        assert report.elapsed < 30, (kind, report.elapsed)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "render-times.json").write_text(json.dumps(times, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------- the archive page


@pytest.mark.django_db
def test_staff_generate_from_the_archive_and_leaders_read_and_download(client, org, media, centre_staff, leader):
    from django.urls import reverse

    from .conftest import PASSWORD

    client.login(username="staff", password=PASSWORD)
    page = client.get(reverse("reports_archive:list"))
    assert page.status_code == 200 and "立即生成" in page.content.decode()
    response = client.post(
        reverse("reports_archive:generate"), {"subdistrict": org.subdistrict.pk, "kind": "monthly", "period": "2026-10", "keep_judgement": "1", "judgement": ""}
    )
    report = Report.objects.get(kind="monthly", period_code="2026-10")
    assert response.status_code == 302 and response["Location"].startswith(reverse("reports_archive:detail", args=["monthly", "2026-10"]))
    detail = client.get(response["Location"]).content.decode()
    assert "测试矛调研〔2026〕1号" in detail and "第1版" in detail and "研判意见和工作建议" in detail
    # The analyst's judgement makes version 2.
    client.post(
        reverse("reports_archive:generate"),
        {"subdistrict": org.subdistrict.pk, "kind": "monthly", "period": "2026-10", "judgement": "邻里纠纷上升，建议加强排查。"},
    )
    second = Report.objects.get(kind="monthly", period_code="2026-10", version=2)
    assert second.judgement == "邻里纠纷上升，建议加强排查。" and second.created_by == centre_staff
    # A period of the wrong kind is refused with the reason, and nothing is made.
    response = client.post(reverse("reports_archive:generate"), {"subdistrict": org.subdistrict.pk, "kind": "monthly", "period": "2026-W44"}, follow=True)
    assert "统计期应为一个月" in response.content.decode() and Report.objects.count() == 2

    client.logout()
    client.login(username="leader", password=PASSWORD)
    page = client.get(reverse("reports_archive:list")).content.decode()
    assert "2026年10月矛盾纠纷形势研判报告" in page and "立即生成" not in page
    download = client.get(reverse("reports_archive:download", args=[report.pk, "pdf"]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["X-Content-SHA256"] == report.pdf_sha256 and "attachment" in download["Content-Disposition"]
    assert client.post(reverse("reports_archive:generate"), {"kind": "monthly", "period": "2026-11"}).status_code == 403
    assert Report.objects.count() == 2

    # A file changed on disk after archiving is not handed out.
    report_file_path(report, "docx").write_bytes(b"tampered")
    assert client.get(reverse("reports_archive:download", args=[report.pk, "docx"])).status_code == 409


@pytest.mark.django_db
def test_the_archive_is_closed_to_mediators_grid_workers_and_other_subdistricts(client, org, media, village_mediator, grid_worker, centre_staff):
    from django.urls import reverse

    from jiefen.organisation.models import Area, AreaKind, Role, RoleAssignment

    from .conftest import PASSWORD

    report = produce(org, "weekly", "2026-W44")
    for username in ("vmed", "grid"):
        client.login(username=username, password=PASSWORD)
        assert client.get(reverse("reports_archive:list")).status_code == 403
        assert client.get(reverse("reports_archive:download", args=[report.pk, "pdf"])).status_code == 404
        client.logout()
    # Staff of another subdistrict see nothing of this one.
    other = Area.objects.create(name="另一街道", kind=AreaKind.SUBDISTRICT, code="另一")
    centre = Unit.objects.create(name="另一街道综治中心", kind=UnitKind.GOVERNANCE_CENTRE, area=other)
    person = Person.objects.get(user=centre_staff)
    RoleAssignment.objects.filter(person=person).delete()
    RoleAssignment.objects.create(person=person, role=Role.CENTRE_STAFF, unit=centre)
    client.login(username="staff", password=PASSWORD)
    assert client.get(reverse("reports_archive:download", args=[report.pk, "pdf"])).status_code == 404
    assert client.get(reverse("reports_archive:list") + f"?subdistrict={org.subdistrict.pk}").status_code == 404
    assert "还没有归档的报告" in client.get(reverse("reports_archive:list")).content.decode()
