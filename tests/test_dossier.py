"""The dossier (卷宗, Art. 27): the checklist of required and as-needed items, archiving refused
while a required item is missing, the case-page section, the dossier PDF (cover, contents with
page numbers, documents, evidence) and the yearly batch export."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case, CaseState, Channel
from jiefen.cases.services import case_transition
from jiefen.common.errors import DomainError
from jiefen.documents.dossier import dossier_render, retention_period
from jiefen.documents.selectors import checklist_missing, dossier_checklist
from jiefen.mediation.models import ConsentDecision, Record
from jiefen.mediation.services.preparation import consent_record

from . import steps_documents as S
from .casework import act, register, snapshot, walk
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def items(case):
    return {entry.key: entry for entry in dossier_checklist(case)}


def required(case):
    return {key for key, entry in items(case).items() if entry.required}


def missing(case):
    return {entry.key for entry in checklist_missing(dossier_checklist(case))}


def visited_without_record(org, dispute_type, staff, mediator):
    """A settled case walked through the services, minus the mediation record archiving needs."""
    case = register(org, dispute_type, staff)
    for action in ("accept", "assign", "start_mediation", "reach_agreement", "confirm_performed", "record_return_visit"):
        case = act(case, action, staff, mediator=mediator)
    assert not Record.objects.filter(case=case).exists()
    return case


def archive(case, actor):
    """Archive through the service itself, without the test support's preparation."""
    return case_transition(case_id=case.pk, action="archive", actor=actor, expected_version=case.version)


# ---------------------------------------------------------------- the checklist


def test_a_settled_case_requires_registration_notice_record_agreement_visit_and_report(org, dispute_type, centre_staff, village_mediator):
    case = visited_without_record(org, dispute_type, centre_staff, village_mediator)
    assert required(case) == {"acceptance", "rights_notice", "mediation_record", "outcome", "return_visit", "closing_report"}
    found = items(case)
    assert found["outcome"].name == "调解协议书" and found["outcome"].present
    assert {key: found[key].present for key in ("acceptance", "rights_notice", "return_visit", "closing_report")} == dict.fromkeys(
        ("acceptance", "rights_notice", "return_visit", "closing_report"), True
    )
    assert missing(case) == {"mediation_record"}
    # As-needed items are listed and never missing.
    assert {"investigation", "judicial_confirmation", "evidence", "referral"} <= {k for k, e in found.items() if not e.required}
    # Every present document has a PDF and a DOCX link.
    link = found["outcome"].documents[0]
    assert link.pdf.endswith(".pdf") and link.docx.endswith(".docx") and found["outcome"].link == link.pdf


def test_a_party_application_requires_the_application_instead_of_the_registration_form(org, dispute_type, centre_staff, village_mediator):
    case = register(org, dispute_type, centre_staff, channel=Channel.PARTY_APPLICATION)
    found = items(case)
    assert found["application"].required and found["application"].present
    assert not found["acceptance"].required


def test_an_oral_agreement_requires_the_oral_registration(org, dispute_type, centre_staff, village_mediator):
    case = S.oral_case(org, dispute_type, staff=centre_staff, mediator=village_mediator)
    found = items(case)
    assert found["outcome"].name == "口头协议登记表" and found["outcome"].present
    assert "return_visit" in missing(case)  # required once an agreement is reached, visit not yet paid


def test_a_failed_mediation_requires_the_termination_notice_and_no_visit(org, dispute_type, centre_staff, village_mediator):
    case = S.terminated_case(org, dispute_type, staff=centre_staff, mediator=village_mediator)
    found = items(case)
    assert found["outcome"].name == "终止调解告知书" and found["outcome"].present
    assert "return_visit" not in found
    assert required(case) == {"acceptance", "rights_notice", "mediation_record", "outcome", "closing_report"}
    assert missing(case) == set()


def test_a_case_still_in_mediation_misses_its_outcome(org, dispute_type, centre_staff, village_mediator):
    case = walk(register(org, dispute_type, centre_staff), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    assert {"outcome", "mediation_record", "closing_report"} <= missing(case)
    assert items(case)["outcome"].name == "调解结果文书"


def test_a_rejected_case_needs_only_its_registration_and_the_rejection_notice(org, dispute_type, centre_staff):
    case = act(register(org, dispute_type, centre_staff), "reject", centre_staff)
    assert required(case) == {"acceptance", "rejection"}
    assert missing(case) == set()
    case = archive(case, centre_staff)
    assert case.state == CaseState.ARCHIVED


def test_a_refusal_before_mediation_needs_no_notice_or_mediation_record(org, dispute_type, centre_staff, village_mediator):
    case = register(org, dispute_type, centre_staff)
    case = act(case, "accept", centre_staff)
    party = case.parties.order_by("id").last()
    consent_record(case_id=case.pk, party_id=party.pk, decision=ConsentDecision.REFUSE, actor=centre_staff, method="当面口头表示")
    case = Case.objects.get(pk=case.pk)
    if case.state != CaseState.TERMINATED:  # the refusal ends the attempt (Art. 17)
        case = act(case, "terminate", centre_staff, reason="被申请人拒绝调解")
    case = act(case, "refer_out", centre_staff)
    found = items(case)
    assert not found["rights_notice"].required and not found["mediation_record"].required
    assert missing(case) == set()
    assert archive(case, centre_staff).state == CaseState.ARCHIVED


# ---------------------------------------------------------------- archiving


def test_archiving_is_refused_naming_the_missing_items_and_allowed_once_complete(org, dispute_type, centre_staff, village_mediator):
    case = visited_without_record(org, dispute_type, centre_staff, village_mediator)
    before = snapshot(case)
    with pytest.raises(DomainError) as info:
        archive(case, village_mediator)
    assert "卷宗缺少必备材料" in info.value.message and "调解记录" in info.value.message
    assert info.value.code == "dossier_incomplete"
    assert snapshot(case) == before
    S.mediation_record(case, village_mediator)
    case = archive(Case.objects.get(pk=case.pk), village_mediator)
    assert case.state == CaseState.ARCHIVED


def test_archiving_a_referred_case_without_its_mediation_record_is_refused(org, dispute_type, centre_staff, village_mediator):
    case = register(org, dispute_type, centre_staff)
    for action in ("accept", "assign", "start_mediation", "terminate", "refer_out"):
        case = act(case, action, centre_staff, mediator=village_mediator)
    with pytest.raises(DomainError, match="调解记录"):
        archive(case, centre_staff)


def test_the_archive_button_shows_the_refusal(client, org, dispute_type, centre_staff, village_mediator):
    case = visited_without_record(org, dispute_type, centre_staff, village_mediator)
    client.login(username=village_mediator.username, password=PASSWORD)
    response = client.post(reverse("web:case_act", args=[case.pk, "archive"]), {"expected_version": case.version})
    assert "卷宗缺少必备材料，不能归档：调解记录" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.VISITED


# ---------------------------------------------------------------- the case page


def test_the_case_page_lists_missing_items_and_download_links(client, org, dispute_type, centre_staff, village_mediator):
    case = visited_without_record(org, dispute_type, centre_staff, village_mediator)
    client.login(username=village_mediator.username, password=PASSWORD)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "文书与卷宗" in page and "卷宗尚缺必备材料" in page
    section = page[page.index('id="documents"'):]
    assert "<li>调解记录" in section
    assert reverse("documents:document", kwargs={"pk": case.pk, "kind": "acceptance", "fmt": "pdf"}) in section
    assert reverse("documents:document", kwargs={"pk": case.pk, "kind": "acceptance", "fmt": "docx"}) in section
    assert reverse("documents:dossier", args=[case.pk]) in section
    S.mediation_record(case, village_mediator)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "必备材料齐全" in page and "卷宗尚缺必备材料" not in page


def test_a_grid_worker_sees_the_checklist_but_no_download_links(client, org, dispute_type, grid_worker, centre_staff):
    case = register(org, dispute_type, grid_worker)
    client.login(username=grid_worker.username, password=PASSWORD)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    section = page[page.index('id="documents"'):]
    assert "仅承办人员和街道工作人员可以下载" in section
    assert reverse("documents:dossier", args=[case.pk]) not in section


# ---------------------------------------------------------------- the dossier PDF


def page_texts(pdf):
    from pypdf import PdfReader

    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_dossier_pdf_holds_cover_contents_documents_and_evidence(org, dispute_type, centre_staff, village_mediator):
    case = S.rich_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, archive=True)
    rendered = dossier_render(case)
    pages = page_texts(rendered.pdf)
    cover, contents = pages[0], "".join(pages[1:rendered.front_pages])
    assert "人民调解卷宗" in cover and case.number in cover and "张三（申请人）、李四（被申请人）" in cover
    assert "测试人调卷字第1号" in cover and "保管期限定期30年" in cover and "结案日期" in cover
    assert "东村调解委员会" in cover
    assert "卷内目录" in contents
    # Every document of the case is in the contents and in the body, at the page the contents say.
    rows = [row for row in rendered.contents if row.get("anchor") or row.get("page")]
    names = [row["name"] for row in rendered.contents]
    for expected in ("申请书", "权利义务告知书", "调查记录", "调解记录", "调解协议书", "司法确认申请书", "回访记录", "结案报告表"):
        assert expected in names, expected
    assert any(name.startswith("证据材料：积水现场照片") for name in names)
    assert any(name.startswith("证据材料：维修费用报价单") for name in names)
    for row in rows:
        index = rendered.front_pages + row["page"] - 1
        assert f"—{row['page']}—" in pages[index], row
        if row.get("number"):
            assert row["number"] in pages[index], row
        assert str(row["page"]) in contents
    # The evidence PDF (2 pages) is appended, numbered on.
    appended = next(row for row in rows if row["name"].startswith("证据材料：维修费用报价单"))
    assert len(pages) == rendered.front_pages + appended["page"] + 1
    assert f"—{appended['page'] + 1}—" in pages[-1]


def test_the_contents_mark_missing_required_items(org, dispute_type, centre_staff, village_mediator):
    case = visited_without_record(org, dispute_type, centre_staff, village_mediator)
    rendered = dossier_render(case)
    row = next(row for row in rendered.contents if row["name"] == "调解记录")
    assert (row["requirement"], row["status"]) == ("必备", "缺")
    contents = "".join(page_texts(rendered.pdf)[1:rendered.front_pages])
    assert "调解记录" in contents and "必备缺" in contents
    absent = next(row for row in rendered.contents if row["name"] == "调查记录")
    assert (absent["requirement"], absent["status"]) == ("视情", "无")


def test_the_dossier_download_is_a_pdf_attachment(client, org, dispute_type, centre_staff):
    case = act(register(org, dispute_type, centre_staff), "reject", centre_staff)
    client.login(username=centre_staff.username, password=PASSWORD)
    response = client.get(reverse("documents:dossier", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    assert response.content.startswith(b"%PDF")


def test_retention_is_longer_for_written_agreements(org, dispute_type, centre_staff, village_mediator):
    settled = visited_without_record(org, dispute_type, centre_staff, village_mediator)
    rejected = act(register(org, dispute_type, centre_staff), "reject", centre_staff)
    assert retention_period(settled) == "定期30年"
    assert retention_period(rejected) == "定期10年"


# ---------------------------------------------------------------- export_dossiers


def test_export_writes_one_folder_per_case_closed_in_the_year(org, dispute_type, centre_staff, village_mediator, tmp_path):
    archived = act(act(register(org, dispute_type, centre_staff), "reject", centre_staff), "archive", centre_staff)
    closed = S.terminated_case(org, dispute_type, staff=centre_staff, mediator=village_mediator)
    open_case = register(org, dispute_type, centre_staff)
    old = act(act(register(org, dispute_type, centre_staff), "reject", centre_staff), "archive", centre_staff)
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=800))
    out, err = io.StringIO(), io.StringIO()
    year = timezone.localdate().year
    call_command("export_dossiers", "--year", str(year), "--out", str(tmp_path / "export"), stdout=out, stderr=err)
    folders = sorted(p.name for p in (tmp_path / "export").iterdir())
    assert folders == sorted([archived.number, closed.number])
    assert open_case.number not in folders and old.number not in folders
    files = sorted(p.name for p in (tmp_path / "export" / closed.number).iterdir())
    assert f"{closed.number}_卷宗.pdf" in files
    assert {"01_受理登记表.docx", "01_受理登记表.pdf"} <= set(files)
    assert any(name.endswith("终止调解告知书.pdf") for name in files)
    assert any(name.endswith("终止调解告知书.docx") for name in files)
    assert all((tmp_path / "export" / closed.number / name).stat().st_size > 1000 for name in files)
    assert "已导出" in out.getvalue() and "2 件" in out.getvalue()
    assert "导出" in err.getvalue() and "2/2" in err.getvalue()  # the tqdm progress bar
    # Running it again rewrites the same files (numbers are kept).
    call_command("export_dossiers", "--year", str(year), "--out", str(tmp_path / "export"), stdout=io.StringIO(), stderr=io.StringIO())
    assert sorted(p.name for p in (tmp_path / "export" / closed.number).iterdir()) == files


def test_export_of_an_empty_year_says_so(tmp_path):
    out = io.StringIO()
    call_command("export_dossiers", "--year", "2001", "--out", str(tmp_path / "none"), stdout=out, stderr=io.StringIO())
    assert "2001年没有已归档或已办结的案件" in out.getvalue()
    assert list((tmp_path / "none").iterdir()) == []


@pytest.mark.parametrize("year", ["20x6", "1899", "99999"])
def test_export_refuses_a_bad_year(year, tmp_path):
    with pytest.raises(CommandError, match="年度"):
        call_command("export_dossiers", "--year", year, "--out", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())


def test_export_refuses_an_unwritable_directory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="无法创建输出目录"):
        call_command("export_dossiers", "--year", "2026", "--out", str(blocker / "sub"), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="输出目录|输出路径"):
        call_command("export_dossiers", "--year", "2026", "--out", str(blocker), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_cover_fits_one_page_even_with_a_long_title_and_many_parties(org, dispute_type, centre_staff):
    parties = [{"role": "applicant" if i < 3 else "respondent", "kind": "person", "name": f"当事人{i}号"} for i in range(6)]
    title = "某某村第三村民小组六户村民与某某建材有限公司因采石场爆破震裂房屋及粉尘污染农田赔偿纠纷"
    case = act(register(org, dispute_type, centre_staff, parties=parties, title=title), "reject", centre_staff)
    rendered = dossier_render(case)
    pages = page_texts(rendered.pdf)
    assert title in pages[0] and "保管期限" in pages[0] and "卷内文件" in pages[0]
    assert pages[1].startswith("卷内目录")
