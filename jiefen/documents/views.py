"""Downloads of a case's standard documents (DOCX, PDF) and of its dossier (one PDF).

Every download first asks `case_get_for_user`, so a user who may not see the case gets a 404
and learns nothing of it. The documents carry full identity and phone numbers where the law
needs them (the ones the parties sign), so among those who see the case only the people who
handle it and the subdistrict's staff, leaders and subdistrict mediators download them; a grid
worker who reported the case sees the checklist but gets a 403 here."""

import time
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiefen.audit.models import AccessKind
from jiefen.audit.services import case_access_record, may_reveal_personal_data

from jiefen.cases.selectors import case_get_for_user
from jiefen.cases.services import user_can_handle
from jiefen.organisation.selectors import user_scope

from .builders import document_build, personal_data_masked
from .dossier import dossier_pdf
from .errors import DocumentUnavailable, FontsMissing
from .render_pdf import render_pdf

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def may_download(user, case) -> bool:
    scope = user_scope(user)
    return user_can_handle(user, case) or case.subdistrict_id in scope.subdistrict_ids


def _refused(request, message, status, case=None):
    return render(request, "documents/unavailable.html", {"message": message, "case": case}, status=status)


def _file(content: bytes, filename: str, fallback: str, fmt: str, started: float) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    # RFC 6266 / 5987: an ASCII name for old clients, and filename*=UTF-8''… for the Chinese one.
    response["Content-Disposition"] = f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(filename, safe="")}'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.0f}"
    return response


@login_required
@require_GET
def document_download(request, pk, kind, fmt, ref=0):
    started = time.perf_counter()
    case = case_get_for_user(request.user, pk=pk)
    if fmt not in CONTENT_TYPES:
        return _refused(request, _("只提供 PDF 和 DOCX 两种格式。"), 404, case)
    if not may_download(request.user, case):
        return _refused(request, _("文书载有当事人的身份证号码和联系电话，仅承办人员和街道工作人员可以下载。"), 403, case)
    try:
        with personal_data_masked(not may_reveal_personal_data(request.user)):
            document = document_build(case, kind, ref)
        from .render_docx import render_docx  # python-docx is loaded only by the processes that render

        content = render_pdf(document) if fmt == "pdf" else render_docx(document)
    except DocumentUnavailable as exc:
        return _refused(request, exc.message, 404, case)
    except FontsMissing as exc:
        return _refused(request, exc.message, 503, case)
    case_access_record(user=request.user, case=case, kind=AccessKind.DOCUMENT, detail=f"{kind}.{fmt}", request=request)
    fallback = f"case-{case.pk}-{kind}" + (f"-{ref}" if ref else "") + f".{fmt}"
    return _file(content, f"{document.filename}.{fmt}", fallback, fmt, started)


@login_required
@require_GET
def dossier_download(request, pk):
    started = time.perf_counter()
    case = case_get_for_user(request.user, pk=pk)
    if not may_download(request.user, case):
        return _refused(request, _("卷宗载有当事人的身份证号码和联系电话，仅承办人员和街道工作人员可以下载。"), 403, case)
    try:
        with personal_data_masked(not may_reveal_personal_data(request.user)):
            content = dossier_pdf(case)
    except FontsMissing as exc:
        return _refused(request, exc.message, 503, case)
    case_access_record(user=request.user, case=case, kind=AccessKind.DOSSIER, request=request)
    return _file(content, f"{case.number}_卷宗.pdf", f"case-{case.pk}-dossier.pdf", "pdf", started)
