"""The case file (卷宗, Art. 27) as one PDF: the cover (卷宗封面), the contents (卷内目录: every
checklist item marked present or missing, with page numbers), every document on file, then the
evidence: images embedded as pages, PDFs appended with pypdf.

Pages are numbered from the first document on (cover and contents unnumbered, as archives
number them). The contents' page numbers of the documents and images come from WeasyPrint's
target-counter(); the appended PDFs' from the page count of a first layout. Appended pages are
fitted onto A4 and numbered like the rest, so the printed dossier is one run of numbered pages."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from jiefen.cases.models import AgreementForm, Case
from jiefen.mediation.models import Evidence, JudicialConfirmation

from .builders import DOSSIER_CODE, case_documents, closed_on, committee_name, document_build, local_date, outcome_text, was_rejected
from .content import cn_date
from .errors import DocumentUnavailable
from .fonts import document_fonts, require_fonts
from .selectors import dossier_checklist
from .services import document_number_issue

A4 = (595.2756, 841.8898)  # points
MAX_IMAGE_PIXELS = 2000  # longest side of an evidence photo in the dossier


@dataclass
class Material:
    """One evidence file (or the signed agreement's scan) as it goes into the dossier."""

    key: str
    title: str
    meta: str
    kind: str  # "image", "pdf" or "unreadable"
    data: bytes = b""
    content_type: str = ""
    pages: int = 0
    first_page: int | None = None  # the dossier page number of an appended PDF
    note: str = ""


def retention_period(case: Case) -> str:
    """保管期限: 定期30年 for a case with a written agreement, a judicial confirmation, or a group or
    criminal-risk dispute; 定期10年 otherwise (configurable with JIEFEN_DOSSIER_RETENTION)."""
    custom = getattr(settings, "JIEFEN_DOSSIER_RETENTION", None)
    if callable(custom):
        return custom(case)
    weighty = (
        case.agreements.filter(form=AgreementForm.WRITTEN, effective_at__isnull=False).exists()
        or JudicialConfirmation.objects.filter(agreement__case=case).exists()
        or case.is_group
        or case.criminal_risk
    )
    return "定期30年" if weighty else "定期10年"


def _sniff(data: bytes) -> str:
    import filetype

    kind = filetype.guess(data[:8192]) if data else None
    return kind.mime if kind else ""


def _image(data: bytes) -> tuple[bytes, str]:
    """The photo upright (EXIF orientation) and at most MAX_IMAGE_PIXELS on its longest side,
    so a dossier of phone photos stays a few megabytes."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        if max(image.size) > MAX_IMAGE_PIXELS:
            image.thumbnail((MAX_IMAGE_PIXELS, MAX_IMAGE_PIXELS))
        out = io.BytesIO()
        if image.mode in ("RGBA", "LA", "P"):
            image.save(out, "PNG", optimize=True)
            return out.getvalue(), "image/png"
        image.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue(), "image/jpeg"


def _read(field) -> bytes:
    try:
        field.open("rb")
        try:
            return field.read()
        finally:
            field.close()
    except (OSError, ValueError):
        return b""


def _material(key, title, meta, data) -> Material:
    from pypdf import PdfReader

    mime = _sniff(data)
    if mime in ("image/jpeg", "image/png"):
        try:
            image, content_type = _image(data)
            return Material(key, title, meta, "image", image, content_type)
        except Exception:  # a damaged image: listed, not embedded
            return Material(key, title, meta, "unreadable", note="图像文件已损坏，未能编入")
    if mime == "application/pdf":
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                reader.decrypt("")
            return Material(key, title, meta, "pdf", data, mime, pages=len(reader.pages), note=f"PDF原件，共{len(reader.pages)}页")
        except Exception:
            return Material(key, title, meta, "unreadable", note="PDF文件已损坏或加密，未能编入")
    if not data:
        return Material(key, title, meta, "unreadable", note="文件缺失，未能编入")
    return Material(key, title, meta, "unreadable", note="文件类型无法识别，未能编入")


def case_materials(case: Case) -> list[Material]:
    materials = []
    for agreement in case.agreements.exclude(signed_scan="").order_by("id"):
        if not agreement.signed_scan:
            continue
        materials.append(
            _material(
                f"scan-{agreement.id}",
                f"{agreement.get_form_display()}签字盖章扫描件",
                f"上传于{cn_date(local_date(agreement.created_at))}",
                _read(agreement.signed_scan),
            )
        )
    for evidence in Evidence.objects.filter(case=case).select_related("uploaded_by").order_by("id"):
        who = evidence.uploaded_by.get_full_name() or evidence.uploaded_by.username
        meta = f"原文件名：{evidence.original_name}；上传：{who}，{cn_date(local_date(evidence.uploaded_at))}；SHA-256：{evidence.sha256[:16]}…"
        materials.append(_material(f"ev-{evidence.id}", f"证据材料：{evidence.description or evidence.original_name}", meta, _read(evidence.file)))
    # Images are pages of the HTML; PDFs are appended after them.
    return [m for m in materials if m.kind != "pdf"] + [m for m in materials if m.kind == "pdf"]


def _rows(case, checklist, built, materials):
    """The 卷内目录: checklist items in order, one row per document; evidence one row per file."""
    names = {(ref.kind, ref.ref): ref.name for ref in case_documents(case)}
    by_kind = {}
    for document in built:
        by_kind.setdefault(document.kind, []).append(document)
    rows = []
    placed = {(link.kind, link.ref) for entry in checklist for link in entry.documents}
    for entry in checklist:
        requirement = "必备" if entry.required else "视情"
        if entry.key == "evidence":
            # Documents on file that no item names (a draft agreement awaiting signature …).
            for document in built:
                if (document.kind, document.ref) not in placed:
                    rows.append(
                        {
                            "name": names.get((document.kind, document.ref), document.name),
                            "number": document.number,
                            "date": f"{document.on:%Y%m%d}" if document.on else "",
                            "requirement": "视情",
                            "status": "有",
                            "anchor": document.anchor,
                        }
                    )
            if not materials:
                rows.append({"name": entry.name, "requirement": requirement, "status": "无"})
            for material in materials:
                rows.append(
                    {
                        "name": material.title,
                        "requirement": requirement,
                        "status": "有" if material.kind != "unreadable" else "缺",
                        "anchor": material.key if material.kind == "image" else "",
                        "page": material.first_page,
                        "note": material.note,
                    }
                )
            continue
        documents = [d for link in entry.documents for d in by_kind.get(link.kind, []) if d.ref == link.ref]
        if not documents:
            rows.append(
                {
                    "name": entry.name,
                    "requirement": requirement,
                    "status": "缺" if entry.required else "无",
                    "note": entry.note if entry.required else "",
                    "missing": entry.required,
                }
            )
        for document in documents:
            rows.append(
                {
                    "name": names.get((document.kind, document.ref), document.name),
                    "number": document.number,
                    # Archives write the date of a file as eight digits (DA/T 22).
                    "date": f"{document.on:%Y%m%d}" if document.on else "",
                    "requirement": requirement,
                    "status": "有",
                    "anchor": document.anchor,
                    "note": "" if entry.present else entry.note,
                }
            )
    for index, row in enumerate(rows, 1):
        row["index"] = index
    return rows


def _cover(case, built):
    parties = list(case.parties.all())
    closed = closed_on(case)
    opened = local_date(case.accepted_at) if case.accepted_at else local_date(case.created_at)
    year = (closed or timezone.localdate()).year
    number = document_number_issue(case=case, kind="dossier", code=DOSSIER_CODE, ref=0, year=year).text
    if was_rejected(case):
        outcome = "不予受理"
    else:
        outcome = outcome_text(case).rstrip("。")
    return {
        "issuer": committee_name(case),
        "number": number,
        "rows": [
            ("卷宗号", number),
            ("案件编号", case.number),
            ("案由", f"{case.title}（{case.dispute_type.name}纠纷）"),
            ("当事人", "、".join(f"{p.name}（{p.get_role_display()}）" for p in parties)),
            ("受理日期" if case.accepted_at else "登记日期", cn_date(opened)),
            ("结案日期", cn_date(closed) if closed and case.state in ("archived", "visited", "referred_out", "handed_up", "rejected") else "（未结案）"),
            ("调解结果", outcome or "—"),
            ("承办人", (case.mediator.get_full_name() or case.mediator.username) if case.mediator else "—"),
            ("保管期限", retention_period(case)),
            ("卷内文件", f"{len(built)}件"),
        ],
    }


def _dossier_html(case, cover, rows, built, materials, page_numbers):
    return render_to_string(
        "documents/dossier.html",
        {
            "case": case,
            "cover": cover,
            "rows": rows,
            "documents": built,
            "images": [m for m in materials if m.kind == "image"],
            "fonts": document_fonts(),
            "title": f"{case.number} 人民调解卷宗",
            "page_numbers": page_numbers,
        },
    )


def _numbered_a4(pages_with_numbers) -> bytes:
    """Fit appended PDF pages onto A4 inside the margins and number them like the dossier."""
    import weasyprint
    from pypdf import PageObject, PdfReader, PdfWriter, Transformation

    overlay_html = render_to_string(
        "documents/page_numbers.html", {"numbers": [n for _page, n in pages_with_numbers], "fonts": document_fonts()}
    )
    overlay = PdfReader(io.BytesIO(weasyprint.HTML(string=overlay_html).write_pdf()))
    writer = PdfWriter()
    left, bottom, right, top = 28 / 25.4 * 72, 35 / 25.4 * 72, 26 / 25.4 * 72, 37 / 25.4 * 72
    box_w, box_h = A4[0] - left - right, A4[1] - top - bottom
    for (page, _number), stamp in zip(pages_with_numbers, overlay.pages):
        blank = PageObject.create_blank_page(width=A4[0], height=A4[1])
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        rotation = (page.get("/Rotate") or 0) % 360
        if rotation in (90, 270):
            page.transfer_rotation_to_content()
            width, height = float(page.mediabox.width), float(page.mediabox.height)
        scale = min(box_w / width, box_h / height, 1.0)
        x = left + (box_w - width * scale) / 2 - float(page.mediabox.left) * scale
        y = bottom + (box_h - height * scale) / 2 - float(page.mediabox.bottom) * scale
        blank.merge_transformed_page(page, Transformation().scale(scale).translate(x, y))
        blank.merge_page(stamp)
        writer.add_page(blank)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def dossier_documents(case: Case, checklist=None) -> list:
    """Every document on file, built, in the order of the contents (the checklist's order)."""
    checklist = checklist if checklist is not None else dossier_checklist(case)
    order = [(link.kind, link.ref) for entry in checklist for link in entry.documents]
    rest = [(ref.kind, ref.ref) for ref in case_documents(case) if (ref.kind, ref.ref) not in order]
    built = []
    for kind, ref in order + rest:
        try:
            built.append(document_build(case, kind, ref))
        except DocumentUnavailable:
            continue  # listed as missing in the contents
    return built


@dataclass
class RenderedDossier:
    pdf: bytes
    front_pages: int  # cover and contents, unnumbered
    contents: list  # the 卷内目录 rows, each with the page number it printed ("page")


def dossier_pdf(case: Case) -> bytes:
    """The whole 卷宗 of a case as one PDF."""
    return dossier_render(case).pdf


def dossier_render(case: Case) -> RenderedDossier:
    """The dossier PDF, with the contents as laid out (for checks and the export)."""
    import weasyprint
    from pypdf import PdfReader, PdfWriter

    from .render_pdf import _fetcher_class

    require_fonts()
    checklist = dossier_checklist(case)
    built = dossier_documents(case, checklist)
    materials = case_materials(case)
    cover = _cover(case, built)
    resources = {m.key: (m.content_type, m.data) for m in materials if m.kind == "image"}
    appended = [m for m in materials if m.kind == "pdf"]
    rows = []

    def layout():
        rows[:] = _rows(case, checklist, built, materials)
        html = _dossier_html(case, cover, rows, built, materials, True)
        return weasyprint.HTML(string=html, base_url="jiefen:/", url_fetcher=_fetcher_class()(resources)).render()

    images = [m for m in materials if m.kind == "image"]
    first_anchor = built[0].anchor if built else (images[0].key if images else "")
    document = layout()
    if appended:
        # The appended PDFs start after the last page of the layout; their numbers go into the
        # contents, which then is laid out again (the same length: only the digits change).
        front = _front_pages(document, first_anchor)
        next_number = len(document.pages) - front + 1
        for material in appended:
            material.first_page = next_number
            next_number += material.pages
        document = layout()
    front = _front_pages(document, first_anchor)
    # The page each anchored row points at, as target-counter() printed it.
    anchors = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index - front + 1)  # a box split over pages is anchored on each
    for row in rows:
        if row.get("anchor"):
            row["page"] = anchors.get(row["anchor"])
    main = document.write_pdf()
    if not appended:
        return RenderedDossier(main, front, rows)
    number = len(document.pages) - front + 1
    pages = []
    for material in appended:
        reader = PdfReader(io.BytesIO(material.data))
        if reader.is_encrypted:
            reader.decrypt("")
        for page in reader.pages:
            pages.append((page, number))
            number += 1
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(main)))
    writer.append(PdfReader(io.BytesIO(_numbered_a4(pages))))
    writer.add_metadata({"/Title": f"{case.number} 人民调解卷宗"})
    out = io.BytesIO()
    writer.write(out)
    return RenderedDossier(out.getvalue(), front, rows)


def _front_pages(document, first_anchor) -> int:
    """How many pages the cover and the contents take (they carry no page number)."""
    for index, page in enumerate(document.pages):
        if first_anchor in page.anchors:
            return index
    return len(document.pages)
