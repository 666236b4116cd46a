"""Script, markup, template and SQL probes typed into every text field of the main records,
through the real forms: each is stored verbatim and comes back harmless everywhere it is shown —
escaped in the pages (never a live <script> or <img onerror>, never a template evaluated),
verbatim in the API's JSON, the DOCX and the PDF, as text cells in the spreadsheets — and the
tables are all still there. Text that starts like a formula (= + - @) stays text in XLSX and
CSV exports."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from jiefen.cases.models import Case, Party
from jiefen.discovery.models import FieldVisit
from jiefen.mediation.models import Agreement, Record

from .casework import act, intake_post

pytestmark = pytest.mark.django_db

PROBES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE cases_case; --",
    "{{ 7*7 }}",
    "{% debug %}",
    "javascript:alert(1)",
]
ALL = " ".join(PROBES)
TABLES = ["cases_case", "cases_party", "cases_caseevent", "mediation_record", "mediation_agreement", "auth_user"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def assert_harmless(html: str, *values: str) -> None:
    """The page shows each value escaped, and nothing the user typed became live markup."""
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html and "onerror=alert(1)>" not in html
    assert 'href="javascript:' not in html
    for value in values:
        assert escape(value) in html, value


def assert_tables_intact() -> None:
    tables = set(connection.introspection.table_names())
    assert set(TABLES) <= tables
    assert Case.objects.count() >= 1


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def document(client, case, kind, fmt, ref=None):
    if ref:
        url = reverse("documents:document_ref", kwargs={"pk": case.pk, "kind": kind, "ref": ref, "fmt": fmt})
    else:
        url = reverse("documents:document", kwargs={"pk": case.pk, "kind": kind, "fmt": fmt})
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content


def register_through_the_form(client, org, dispute_type, probe) -> Case:
    data = intake_post(
        org,
        dispute_type,
        title=f"纠纷{probe}",
        description=f"概况：{probe}",
        address=f"地址{probe}",
        **{"parties-0-name": f"张三{probe}", "parties-0-address": f"住址{probe}", "parties-1-name": f"李四{probe}"},
    )
    response = client.post(reverse("web:case_new"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Case.objects.latest("id")


def record_through_the_form(client, case, probe) -> Record:
    held = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("mediation:act", args=[case.pk, "record"]),
        {
            "kind": "investigation", "session": "", "held_at": held, "place": f"地点{probe}",
            "participants": f"参加人{probe}", "statements": f"陈述{probe}", "result": f"结果{probe}",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Record.objects.filter(case=case).latest("id")


@pytest.mark.parametrize("probe", PROBES, ids=["script", "img-onerror", "sql", "template-var", "template-tag", "js-url"])
def test_a_probe_in_every_case_field_is_stored_verbatim_and_shown_harmlessly(
    probe, client, org, dispute_type, centre_staff, village_mediator
):
    client.force_login(centre_staff)
    case = register_through_the_form(client, org, dispute_type, probe)
    assert (case.title, case.description, case.address) == (f"纠纷{probe}", f"概况：{probe}", f"地址{probe}")
    applicant, respondent = case.parties.order_by("id")
    assert (applicant.name, applicant.address, respondent.name) == (f"张三{probe}", f"住址{probe}", f"李四{probe}")

    for action in ("accept", "assign", "start_mediation"):
        case = act(case, action, centre_staff, mediator=village_mediator)
    client.force_login(village_mediator)
    record = record_through_the_form(client, case, probe)
    assert (record.place, record.participants, record.statements, record.result) == (
        f"地点{probe}", f"参加人{probe}", f"陈述{probe}", f"结果{probe}",
    )

    detail = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert_harmless(detail, case.title, case.description, case.address, applicant.name, respondent.name, record.statements)
    assert "纠纷49" not in detail and "概况：49" not in detail  # {{ 7*7 }} was not evaluated
    printed = client.get(reverse("web:case_print", args=[case.pk])).content.decode()
    assert_harmless(printed, case.title, case.description, applicant.name)
    listing = client.get(reverse("web:case_list")).content.decode()
    assert_harmless(listing, case.title)

    api = client.get(f"/api/v1/cases/{case.pk}/")
    assert api.status_code == 200
    body = api.json()
    assert (body["title"], body["description"], body["address"]) == (case.title, case.description, case.address)
    assert api["Content-Type"].startswith("application/json")

    acceptance = docx_text(document(client, case, "acceptance", "docx"))
    assert case.title in acceptance and applicant.name in acceptance
    investigation = docx_text(document(client, case, "investigation", "docx", ref=record.pk))
    assert record.statements in investigation and record.place in investigation

    client.force_login(centre_staff)
    ledger = load_workbook(io.BytesIO(client.get(reverse("statistics:export_ledger"), {"period": timezone.localdate().strftime("%Y-%m")}).content))
    cells = [cell for row in ledger.active.iter_rows() for cell in row if isinstance(cell.value, str)]
    for value in (case.title, case.description, case.address):
        assert any(cell.value == value and cell.data_type == "s" for cell in cells), value
    assert_tables_intact()
    assert Case.objects.filter(title=f"纠纷{probe}").count() == 1


def test_all_probes_at_once_in_the_pdf_and_an_agreement(client, org, dispute_type, centre_staff, village_mediator):
    client.force_login(centre_staff)
    case = register_through_the_form(client, org, dispute_type, "")
    Case.objects.filter(pk=case.pk).update(description=f"概况：{ALL}")  # description has no length limit, the title has
    case = Case.objects.get(pk=case.pk)
    for action in ("accept", "assign", "start_mediation"):
        case = act(case, action, centre_staff, mediator=village_mediator)
    client.force_login(village_mediator)
    record = record_through_the_form(client, case, ALL)

    pdf = PdfReader(io.BytesIO(document(client, case, "investigation", "pdf", ref=record.pk)))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    for probe in PROBES:
        assert probe.replace(" ", "") in text.replace(" ", ""), probe

    respondent = case.parties.order_by("id").last()
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = client.post(
        reverse("agreements:act", args=[case.pk, "draft"]),
        {
            "form": "written", "facts": f"事实{ALL}", "matters_in_dispute": f"争议{ALL}", "responsibilities": f"责任{ALL}",
            "terms": f"条款{ALL}", "items-0-what": f"事项{PROBES[0]}", "items-0-obligor_party_id": str(respondent.pk),
            "items-0-how": f"方式{PROBES[1]}", "items-0-due_date": due, "items-0-place": f"地点{PROBES[2]}",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    agreement = Agreement.objects.get(case=case)
    assert (agreement.facts, agreement.terms) == (f"事实{ALL}", f"条款{ALL}")
    item = agreement.items.get()
    assert (item.what, item.how, item.place) == (f"事项{PROBES[0]}", f"方式{PROBES[1]}", f"地点{PROBES[2]}")
    detail = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert_harmless(detail, agreement.terms, item.what)
    text = docx_text(document(client, case, "agreement", "docx", ref=agreement.pk))
    assert agreement.terms in text and agreement.facts in text and item.what in text
    assert_tables_intact()


def test_meeting_minutes_hold_probes_harmlessly(client, org):
    from datetime import date

    from jiefen.meetings.models import Meeting, MeetingKind
    from jiefen.meetings.services import meeting_schedule_period
    from jiefen.organisation.models import Person, Role

    from .conftest import _user

    commissioner = _user("zfwy", "政法委员己", (Role.POLITICAL_LEGAL_COMMISSIONER, org.centre, None))
    meeting_schedule_period(today=date(2026, 3, 16))
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION, period_start=date(2026, 3, 16))
    me = Person.objects.get(user=commissioner)
    client.force_login(commissioner)
    response = client.post(
        f"/meetings/{meeting.pk}/minutes/",
        {"held_at": "2026-03-16T09:00", "location": f"会商室{PROBES[1]}", "chair": me.pk, "notes": f"纪要{ALL}",
         "expected_version": meeting.version, f"p{me.pk}": "present"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.location) == (f"纪要{ALL}", f"会商室{PROBES[1]}")
    assert_harmless(client.get(f"/meetings/{meeting.pk}/").content.decode(), meeting.notes, meeting.location)
    assert_tables_intact_without_cases()


def assert_tables_intact_without_cases():
    assert set(TABLES) <= set(connection.introspection.table_names())


def field_visit_through_the_form(client, org, **texts) -> FieldVisit:
    now = timezone.localtime(timezone.now())
    data = {
        "kind": "patrol", "village": org.village.pk, "grid": org.grid.pk, "compound": "", "address": "东村主干道",
        "route": "村委会—3组", "started_at": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "other_participants": "",
        "households_visited": "8", "issues_found": "1", "findings": "未发现矛盾纠纷。", "case_numbers": "",
    }
    data.update(texts)
    response = client.post(reverse("discovery:field_new"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return FieldVisit.objects.latest("id")


def test_a_field_visit_holds_probes_harmlessly(client, org, grid_worker):
    client.force_login(grid_worker)
    visit = field_visit_through_the_form(
        client, org, findings=f"发现{ALL}", address=f"地点{PROBES[1]}", route=f"路线{PROBES[0]}", other_participants=f"民警{PROBES[2]}"
    )
    assert (visit.findings, visit.address, visit.route) == (f"发现{ALL}", f"地点{PROBES[1]}", f"路线{PROBES[0]}")
    page = client.get(reverse("discovery:field_detail", args=[visit.pk])).content.decode()
    assert_harmless(page, visit.findings, visit.address, visit.route)
    assert_tables_intact_without_cases()


# ---------------------------------------------------------------- formula injection

FORMULAS = {
    "title": '=HYPERLINK("http://example.com/x","点我")',
    "description": "+1+1",
    "address": "-2+3",
    "parties-0-name": "@SUM(1+1)",
}


def _formula_cells(workbook):
    return {cell.value: cell for sheet in workbook for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}


def test_typed_formulas_stay_text_in_the_ledger(client, org, dispute_type, centre_staff):
    client.force_login(centre_staff)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, **FORMULAS))
    assert response.status_code == 302, response.content.decode()[-2000:]
    case = Case.objects.get()
    assert case.title == FORMULAS["title"] and Party.objects.filter(name="@SUM(1+1)").exists()
    content = client.get(reverse("statistics:export_ledger"), {"period": timezone.localdate().strftime("%Y-%m")}).content
    cells = _formula_cells(load_workbook(io.BytesIO(content)))
    for value in (FORMULAS["title"], FORMULAS["description"], FORMULAS["address"]):
        cell = cells[value]
        assert cell.data_type == "s" and cell.quotePrefix, value
    # The party column joins names with their roles; the cell starts with the typed formula.
    [parties] = [cell for text, cell in cells.items() if text.startswith("@SUM(1+1)")]
    assert parties.data_type == "s" and parties.quotePrefix
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        sheets = [package.read(name) for name in package.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)  # no formula anywhere in the file


def test_typed_formulas_stay_text_in_the_discovery_register(client, org, grid_worker, centre_staff):
    client.force_login(grid_worker)
    field_visit_through_the_form(client, org, findings="=1+1", address="@SUM(A1)", route="+cmd|' /C calc'!A0", other_participants="-2+3")
    client.force_login(centre_staff)
    xlsx = client.get(reverse("discovery:export", kwargs={"fmt": "xlsx"}))
    assert xlsx.status_code == 200
    cells = _formula_cells(load_workbook(io.BytesIO(xlsx.content)))
    found = [cells[text] for text in cells if text.lstrip("'") in ("=1+1", "@SUM(A1)") or text.startswith("=1+1")]
    assert found and all(cell.data_type == "s" for cell in found)
    csv_response = client.get(reverse("discovery:export", kwargs={"fmt": "csv"}))
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    values = [value for row in rows[1:] for value in row]
    assert not any(value.startswith(("=", "+", "-", "@")) for value in values if value), values
    assert any(value == "'=1+1" or value.startswith("'=1+1") for value in values)


def test_the_shared_helper():
    from openpyxl import Workbook

    from jiefen.common.spreadsheets import append_row, csv_value, put_cell

    sheet = Workbook().active
    put_cell(sheet, 1, 1, "=1+1")
    put_cell(sheet, 1, 2, "东村\x0b3组")  # a character XML cannot hold is dropped, not a failed export
    put_cell(sheet, 1, 3, 42)
    append_row(sheet, ["@x", "-1", -1, "普通文字", None])
    assert (sheet["A1"].data_type, sheet["A1"].value, sheet["A1"].quotePrefix) == ("s", "=1+1", True)
    assert sheet["B1"].value == "东村3组"
    assert (sheet["C1"].data_type, sheet["C1"].value) == ("n", 42)
    assert [c.quotePrefix for c in sheet[2]][:4] == [True, True, False, False]
    assert sheet["C2"].value == -1 and sheet["C2"].data_type == "n"
    assert [csv_value(v) for v in ("=1", "+1", "-1", "@1", "a=1", 5)] == ["'=1", "'+1", "'-1", "'@1", "a=1", 5]


def test_records_holding_control_characters_still_print_and_export(client, make_case, centre_staff):
    """Input refuses control characters (see test_fuzz_forms); records written before, or by
    an import, must not break the documents and exports that read them."""
    case = act(make_case(title="排水\x0b纠纷", description="概况\x01\x1f。", address="东村\x0c3组"), "accept", centre_staff)
    client.force_login(centre_staff)
    text = docx_text(document(client, case, "acceptance", "docx"))
    assert "排水纠纷" in text
    ledger = client.get(reverse("statistics:export_ledger"), {"period": timezone.localdate().strftime("%Y-%m")})
    assert ledger.status_code == 200
    values = {cell.value for row in load_workbook(io.BytesIO(ledger.content)).active.iter_rows() for cell in row}
    assert {"排水纠纷", "概况。", "东村3组"} <= values
