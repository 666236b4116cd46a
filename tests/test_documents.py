"""The standard documents (issue 3 §8): every kind rendered as DOCX and as PDF and read back.

Rendering is the slow part, so one module-scoped fixture builds four cases (a party's
application settled by a written agreement with everything on file, a mediation that failed and
was referred to court, an oral agreement, a rejected case) in a transaction rolled back at the
end, renders every document once in both formats, and hands the tests bytes. The tests read
the DOCX back with python-docx and the PDF with pypdf and look for every field the law and the
brief ask for, the (YYYY)<code>人调X字第N号 number, A4 pages and embedded CJK fonts."""

import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from jiefen.cases.models import Case
from jiefen.documents.builders import KINDS, case_documents, cn_date, document_build
from jiefen.documents.errors import DocumentUnavailable, FontsMissing
from jiefen.documents.models import DocumentNumber
from jiefen.documents.render_docx import render_docx
from jiefen.documents.render_pdf import render_pdf

from . import steps_documents as S
from .casework import act, register
from .conftest import Org, _area, _user
from jiefen.organisation.models import AreaKind, Role, Unit, UnitKind

# Every test is a database test, even those that only read the module fixture's bytes: pytest-django
# runs database tests before transactional ones, which flush the data migrations' rows (the dispute
# types) that the fixture needs.
pytestmark = pytest.mark.django_db

OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "documents"
NUMBER = re.compile(r"（(\d{4})）文书人调(\S{0,2})字第(\d+)号")


def squeeze(text: str) -> str:
    """PDF text extraction breaks lines (and may add spaces) where the layout wrapped."""
    return re.sub(r"\s+", "", text)


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> list[tuple[str, set]]:
    """(base font, embedded font-file keys) of every font used on every page."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get_object().get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            keys = set(descriptor.get_object().keys()) if descriptor else set()
            found.append((str(font.get("/BaseFont")), {k for k in keys if k.startswith("/FontFile")}))
    return found


# ---------------------------------------------------------------- the world, built once


def build_org() -> Org:
    sub = _area("文书街道", AreaKind.SUBDISTRICT, code="文书")
    village = _area("东村", AreaKind.VILLAGE, sub)
    other = _area("西村", AreaKind.VILLAGE, sub)

    def unit(name, kind, area):
        return Unit.objects.create(name=name, kind=kind, area=area)

    return Org(
        subdistrict=sub,
        village=village,
        other_village=other,
        compound=_area("东苑小区", AreaKind.COMPOUND, village),
        grid=_area("东村第1网格", AreaKind.GRID, village),
        other_grid=_area("西村第1网格", AreaKind.GRID, other),
        village_room=unit("东村小马调解室", UnitKind.VILLAGE_MEDIATION_ROOM, village),
        village_committee=unit("东村人民调解委员会", UnitKind.VILLAGE_MEDIATION_COMMITTEE, village),
        other_village_room=unit("西村小马调解室", UnitKind.VILLAGE_MEDIATION_ROOM, other),
        other_village_committee=unit("西村人民调解委员会", UnitKind.VILLAGE_MEDIATION_COMMITTEE, other),
        subdistrict_committee=unit("文书街道人民调解委员会", UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE, sub),
        subdistrict_room=unit("文书街道小马调解室", UnitKind.SUBDISTRICT_MEDIATION_ROOM, sub),
        centre=unit("文书街道综治中心", UnitKind.GOVERNANCE_CENTRE, sub),
    )


def expectations(rich, failed, oral, rejected) -> dict:
    """What each kind must say, from the test data (tests/steps_documents.py)."""
    on = timezone.localdate()
    items = [s for i in S.ITEMS for s in (i["what"], i["how"], i["place"], cn_date(on + timedelta(days=i["days"])))]
    full_ids = [S.APPLICANT["id_number"], S.RESPONDENT["id_number"], S.APPLICANT["phone"], S.RESPONDENT["phone"]]
    terms = [line for line in S.TERMS.splitlines()]
    return {
        ("application", "rich"): ["人民调解申请书", "张三", "李四", *full_ids, S.APPLICANT["address"], "申请事项", "事实和理由",
                                   "填堵两户之间的排水沟", "此致", "东村人民调解委员会", "李小四"],
        ("acceptance", "rich"): ["人民调解受理登记表", rich.number, "张三", "李四", "1101**********002X", "138****8000",
                                  "当事人申请", "邻里", "同意受理", "东村小马调解室", "800.00"],
        ("rights_notice", "rich"): ["人民调解权利义务告知书", "张三、李四", "选择或者接受人民调解员", "接受调解、拒绝调解或者要求终止调解",
                                     "要求调解公开进行或者不公开进行", "自主表达意愿、自愿达成调解协议", "如实陈述纠纷事实",
                                     "遵守调解现场秩序，尊重人民调解员", "尊重对方当事人行使权利", "不收取任何费用", "第二十三条"],
        ("investigation", "rich"): ["人民调解调查记录", "东村3组现场", "邻居王五", "王五证实", "排水沟被填堵属实", "被调查人"],
        ("mediation_record", "rich"): ["人民调解记录", S.MEDIATION_STATEMENTS, "张三、李四", "双方同意协商解决", "记录人"],
        ("agreement", "rich"): ["人民调解协议书", "申请人：张三", "被申请人：李四", *full_ids, S.APPLICANT["address"], S.RESPONDENT["address"],
                                 S.FACTS, S.MATTERS, S.RESPONSIBILITIES, *terms, *items, "本协议一式3份",
                                 "人民调解员签名并加盖人民调解委员会印章之日起生效", "具有法律约束力", "三十日内共同向人民法院申请司法确认",
                                 "申请人", "被申请人", "人民调解员", "东村人民调解委员会（印）", "（以下无正文）"],
        ("judicial_confirmation", "rich"): ["司法确认申请书", "文书人民法庭", "第三十三条", "三十日内", *full_ids[:2], "请求事项",
                                             "调解协议", "申请人"],
        ("referral", "rich"): ["对接移送登记表", "文书人民法庭", "就司法确认事宜与法庭对接", "民转刑风险", "文书派出所",
                                "双方曾发生推搡，有激化风险。", "已安排网格员每日走访。"],
        ("return_visit", "rich"): ["人民调解回访记录", "张三", "电话回访", "已全部履行", "满意", "被回访人"],
        ("closing_report", "rich"): ["人民调解结案报告表", rich.number, "书面协议", "张三、李四", "办理经过", "回访情况", "司法确认"],
        ("mediation_record", "failed"): ["人民调解记录", "双方分歧较大，未能达成一致"],
        ("termination", "failed"): ["终止人民调解告知书", "赵六与钱七宅基地纠纷", "双方对界址各执一词", "第二十六条", "决定终止调解",
                                     "仲裁途径", "申请仲裁", "行政途径", "行政机关处理", "司法途径", "人民法院提起诉讼",
                                     "移送隆昌市人民法院", "当事人签收"],
        ("closing_report", "failed"): ["人民调解结案报告表", "终止调解", "隆昌市人民法院"],
        ("oral_agreement", "oral"): ["人民调解口头协议登记表", "协议内容", "被申请人疏通排水沟",
                                      "自行雇工疏通，费用自理", cn_date(on + timedelta(days=3)), "口头调解协议自各方当事人达成协议之日起生效"],
        ("acceptance", "rejected"): ["人民调解受理登记表", "不予受理", "不属于人民调解受理范围", "向人民法院起诉"],
        ("rejection", "rejected"): ["不予受理告知书", "吴十劳动报酬纠纷", "不属于人民调解受理范围", "决定不予受理", "向人民法院起诉"],
    }


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    result = {"docs": {}, "expect": {}, "timings": {}}
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        with transaction.atomic():
            org = build_org()
            from jiefen.cases.models import DisputeType

            dispute_type = DisputeType.objects.get(code="neighbour")
            staff = _user("doc_staff", "综治中心丁", (Role.CENTRE_STAFF, org.centre, None))
            mediator = _user("doc_vmed", "村调解员乙", (Role.MEDIATOR, org.village_room, None), (Role.MEDIATOR, org.village_committee, None))
            rich = S.rich_case(org, dispute_type, staff=staff, mediator=mediator)
            failed = S.terminated_case(org, dispute_type, staff=staff, mediator=mediator)
            oral = S.oral_case(org, dispute_type, staff=staff, mediator=mediator)
            rejected = S.rejected_case(org, dispute_type, staff=staff)
            result["expect"] = expectations(rich, failed, oral, rejected)
            for case in (rich, failed, oral, rejected):
                for ref in case_documents(case):
                    document = document_build(case, ref.kind, ref.ref)
                    started = time.perf_counter()
                    pdf = render_pdf(document)
                    middle = time.perf_counter()
                    docx = render_docx(document)
                    ended = time.perf_counter()
                    again = document_build(case, ref.kind, ref.ref)
                    result["docs"].setdefault((ref.kind, case.pk), []).append(
                        {"document": document, "pdf": pdf, "docx": docx, "again": again.number}
                    )
                    result["timings"].setdefault(ref.kind, []).append((middle - started, ended - middle))
            result["cases"] = {"rich": rich.pk, "failed": failed.pk, "oral": oral.pk, "rejected": rejected.pk}
            transaction.set_rollback(True)
    return result


ALL_KINDS = [kind.key for kind in KINDS.values()]


def first(rendered, kind, case_key=None):
    for (found, case_id), docs in rendered["docs"].items():
        if found == kind and (case_key is None or rendered["cases"][case_key] == case_id):
            return docs[0]
    raise AssertionError(f"no {kind} rendered")


def test_every_kind_of_document_was_rendered(rendered):
    assert {kind for kind, _case in rendered["docs"]} == set(ALL_KINDS)


EXPECTED = [
    ("application", "rich"), ("acceptance", "rich"), ("rights_notice", "rich"), ("investigation", "rich"),
    ("mediation_record", "rich"), ("agreement", "rich"), ("judicial_confirmation", "rich"), ("referral", "rich"),
    ("return_visit", "rich"), ("closing_report", "rich"), ("mediation_record", "failed"), ("termination", "failed"),
    ("closing_report", "failed"), ("oral_agreement", "oral"), ("acceptance", "rejected"), ("rejection", "rejected"),
]


@pytest.mark.parametrize("kind,case_key", EXPECTED)
def test_docx_and_pdf_carry_every_required_field(rendered, kind, case_key):
    wanted = rendered["expect"][(kind, case_key)]
    entries = rendered["docs"][(kind, rendered["cases"][case_key])]  # a case may have several of a kind
    docx = "".join(squeeze(docx_text(entry["docx"])) for entry in entries)
    pdf = "".join(squeeze(pdf_text(entry["pdf"])) for entry in entries)
    for text in [*wanted, *(entry["document"].number for entry in entries)]:
        assert squeeze(text) in docx, f"{kind}: DOCX lacks {text!r}"
        assert squeeze(text) in pdf, f"{kind}: PDF lacks {text!r}"


def test_the_expectations_cover_every_kind(rendered):
    assert set(rendered["expect"]) == set(EXPECTED)
    assert {kind for kind, _case in EXPECTED} == set(ALL_KINDS)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_numbers_have_the_official_form_and_are_stable_on_re_render(rendered, kind):
    for (found, _case), docs in rendered["docs"].items():
        if found != kind:
            continue
        for entry in docs:
            number = entry["document"].number
            match = NUMBER.fullmatch(number)
            assert match, number
            assert int(match[1]) == timezone.localdate().year
            assert match[2] + "字" == KINDS[kind].code.removeprefix("人调")
            assert entry["again"] == number


def test_numbers_are_sequential_per_kind(rendered):
    by_kind = {}
    for (kind, _case), docs in rendered["docs"].items():
        for entry in docs:
            by_kind.setdefault(kind, []).append(int(NUMBER.fullmatch(entry["document"].number)[3]))
    for kind, values in by_kind.items():
        assert sorted(values) == list(range(1, len(values) + 1)), (kind, values)
    assert len(by_kind["acceptance"]) == 4  # four cases, one sequence
    assert len(by_kind["referral"]) == 2  # a court referral and a police report


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_pdfs_are_a4_with_every_font_embedded(rendered, kind):
    from pypdf import PdfReader

    pdf = first(rendered, kind)["pdf"]
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1, (width, height)
    fonts = pdf_fonts(pdf)
    assert fonts
    for name, files in fonts:
        assert files & {"/FontFile", "/FontFile2", "/FontFile3"}, f"{name} is not embedded"
    names = " ".join(name for name, _files in fonts)
    assert "Noto-Serif-CJK-SC" in names  # the 宋体/仿宋 role
    assert "Noto-Serif-CJK-SC-Bold" in names  # the 小标宋 role of the title


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_pdf_pages_are_numbered(rendered, kind):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(first(rendered, kind)["pdf"]))
    for index, page in enumerate(reader.pages, 1):
        assert f"— {index} —" in page.extract_text()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_docx_is_a4_with_official_margins_and_east_asian_fonts(rendered, kind):
    from docx import Document
    from docx.shared import Mm

    data = first(rendered, kind)["docx"]
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    assert abs(section.top_margin - Mm(37)) < Mm(0.5)
    assert abs(section.left_margin - Mm(28)) < Mm(0.5)
    xml = document.element.xml
    assert 'w:eastAsia="Noto Serif CJK SC"' in xml
    # The title is bold in the title face; page numbers are a PAGE field in both footers.
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml


def test_docx_and_pdf_say_the_same_thing(rendered):
    """Both renderers walk one structure: every text of the structure is in both files."""
    for (kind, _case), docs in rendered["docs"].items():
        entry = docs[0]
        docx, pdf = squeeze(docx_text(entry["docx"])), squeeze(pdf_text(entry["pdf"]))
        for text in entry["document"].texts():
            for line in str(text).split("\n"):
                assert squeeze(line) in docx, (kind, line)
                assert squeeze(line) in pdf, (kind, line)


def test_internal_forms_mask_personal_numbers_and_signed_documents_do_not(rendered):
    full_id, full_phone = S.APPLICANT["id_number"], S.APPLICANT["phone"]
    for kind in ("acceptance", "return_visit"):
        text = docx_text(first(rendered, kind, "rich")["docx"])
        assert full_id not in text and full_phone not in text, kind
    for kind in ("agreement", "application", "judicial_confirmation"):
        text = docx_text(first(rendered, kind, "rich")["docx"])
        assert full_id in text, kind


def test_one_page_of_each_kind_is_kept_as_png_for_a_human_eye(rendered):
    pdfium = pytest.importorskip("pypdfium2")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for kind in ALL_KINDS:
        pdf = pdfium.PdfDocument(first(rendered, kind)["pdf"])
        image = pdf[0].render(scale=1.5).to_pil()
        path = OUTPUT / f"{kind}.png"
        image.save(path)
        assert path.stat().st_size > 10_000
    timings = {kind: max(pdf for pdf, _docx in runs) for kind, runs in rendered["timings"].items()}
    (OUTPUT / "render-times.txt").write_text(
        "\n".join(
            f"{kind}\tpdf {max(p for p, _ in runs):.2f}s\tdocx {max(d for _, d in runs):.3f}s"
            for kind, runs in sorted(rendered["timings"].items())
        )
        + "\n"
    )
    assert max(timings.values()) < 10  # generous: a document takes well under a second here


# ---------------------------------------------------------------- numbering and refusal, case by case


def test_numbers_are_issued_per_subdistrict_year_and_kind(org, dispute_type, centre_staff):
    first_case = act(register(org, dispute_type, centre_staff), "accept", centre_staff)
    second = act(register(org, dispute_type, centre_staff), "accept", centre_staff)
    assert document_build(first_case, "acceptance").number == "（%d）测试人调受字第1号" % timezone.localdate().year
    assert document_build(second, "acceptance").number.endswith("人调受字第2号")
    # The first keeps its number when produced again, after the second was issued.
    assert document_build(first_case, "acceptance").number.endswith("人调受字第1号")
    # Another kind has its own sequence.
    rejected = act(register(org, dispute_type, centre_staff), "reject", centre_staff)
    assert document_build(rejected, "rejection").number.endswith("人调不受字第1号")
    # A document dated in another year is numbered in that year's sequence.
    last_year = act(register(org, dispute_type, centre_staff), "accept", centre_staff)
    Case.objects.filter(pk=last_year.pk).update(accepted_at=timezone.now() - timedelta(days=400))
    last_year = Case.objects.get(pk=last_year.pk)
    year = timezone.localtime(last_year.accepted_at).year
    assert document_build(last_year, "acceptance").number == f"（{year}）测试人调受字第1号"
    assert DocumentNumber.objects.filter(kind="acceptance").count() == 3


def test_a_document_whose_data_is_not_on_file_is_refused_and_takes_no_number(org, dispute_type, centre_staff):
    case = register(org, dispute_type, centre_staff)
    refusals = {
        "acceptance": "尚未作出受理或不予受理的决定",
        "application": "不是当事人申请",
        "rights_notice": "尚未登记权利义务告知",
        "investigation": "尚未登记调查记录",
        "mediation_record": "尚未登记调解记录",
        "agreement": "没有书面调解协议",
        "oral_agreement": "没有口头调解协议",
        "termination": "没有终止调解的记录",
        "return_visit": "尚未登记回访",
        "closing_report": "尚未办结",
        "judicial_confirmation": "没有司法确认申请",
        "rejection": "没有不予受理的决定",
        "referral": "没有对接移送",
    }
    assert set(refusals) == set(ALL_KINDS)
    for kind, message in refusals.items():
        with pytest.raises(DocumentUnavailable) as info:
            document_build(case, kind)
        assert message in info.value.message, (kind, info.value.message)
    with pytest.raises(DocumentUnavailable):
        document_build(case, "no_such_kind")
    assert not DocumentNumber.objects.exists()


def test_a_rejected_case_has_no_closing_report_and_an_accepted_one_no_rejection_notice(org, dispute_type, centre_staff):
    rejected = act(register(org, dispute_type, centre_staff), "reject", centre_staff)
    with pytest.raises(DocumentUnavailable, match="不予受理告知书结案"):
        document_build(rejected, "closing_report")
    accepted = act(register(org, dispute_type, centre_staff), "accept", centre_staff)
    with pytest.raises(DocumentUnavailable, match="没有不予受理的决定"):
        document_build(accepted, "rejection")


def test_missing_cjk_fonts_give_a_clear_message(org, dispute_type, centre_staff, settings):
    case = act(register(org, dispute_type, centre_staff), "accept", centre_staff)
    document = document_build(case, "acceptance")
    settings.JIEFEN_DOCUMENT_FONTS = {"body": "Noto Serif CJK XX (not installed)"}
    with pytest.raises(FontsMissing) as info:
        render_pdf(document)
    assert "fonts-noto-cjk" in info.value.message and "Noto Serif CJK XX" in info.value.message
    # The DOCX names its fonts and needs none installed.
    assert render_docx(document)[:2] == b"PK"
