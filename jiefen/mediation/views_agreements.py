"""Writes of the agreement section of the case page, and the download of a signed scan. Every
write goes through a service; a refused one re-renders the case page with the form open, its
errors beside the fields and the service's message on top."""

from jiefen.web.panels import panel_refused, refused_text
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.cases.selectors import case_get_for_user
from jiefen.common.errors import DomainError, PermissionDenied

from .forms_agreements import FORMS, ROW_FORMS
from .panel_agreements import confirmation_form, panel_may_handle
from .models import Agreement, JudicialConfirmation, PerformanceItem
from .services import aftercare, agreements


def _perform(op, user, case, form, row):
    data = form.cleaned_data
    if op == "draft":
        return agreements.agreement_draft(
            case_id=case.pk,
            actor=user,
            form=data["form"],
            facts=data["facts"],
            matters_in_dispute=data["matters_in_dispute"],
            responsibilities=data["responsibilities"],
            terms=data["terms"],
            items=form.items(),
        )
    if op == "sign":
        return agreements.agreement_sign(
            agreement_id=row, actor=user, method=data["method"], signed_at=data["signed_at"], **form.signer_arguments()
        )
    if op == "register_oral":
        return agreements.agreement_register_oral(agreement_id=row, actor=user)
    if op == "scan":
        return agreements.agreement_attach_scan(agreement_id=row, actor=user, uploaded_file=data["file"])
    if op == "mark":
        return agreements.performance_item_mark(item_id=row, actor=user, performed_on=data["performed_on"], note=data["note"])
    if op == "jc_apply":
        return agreements.judicial_confirmation_apply(
            agreement_id=row,
            actor=user,
            court_id=data["court_id"].pk,
            applied_on=data["applied_on"],
            applicant_party_ids=[p.pk for p in data["applicant_party_ids"]],
        )
    if op == "jc_update":
        return agreements.judicial_confirmation_update(
            confirmation_id=row,
            actor=user,
            accepted_on=data["accepted_on"],
            decided_on=data["decided_on"],
            extended=data["extended"],
            outcome=data["outcome"],
            ruling_number=data["ruling_number"],
            note=data["note"],
        )
    if op == "visit":
        return aftercare.return_visit_record(
            case_id=case.pk,
            actor=user,
            party_id=data["party_id"].pk,
            visited_on=data["visited_on"],
            method=data["method"],
            performance=data["performance"],
            satisfaction=data["satisfaction"],
            hidden_risk=data["hidden_risk"],
            measures=data["measures"],
            dispute_back=data["dispute_back"],
        )
    raise Http404


def _row_exists(op, case, row):
    kind = ROW_FORMS[op]
    if kind == "agreement":
        return Agreement.objects.filter(pk=row, case=case).exists()
    if kind == "item":
        return PerformanceItem.objects.filter(pk=row, agreement__case=case).exists()
    return JudicialConfirmation.objects.filter(pk=row, agreement__case=case).exists()


def _apply_errors(exc, form):
    if isinstance(exc, DomainError):
        field = form.service_field(exc.field) if exc.field else None
        form.add_error(field, str(exc.message))
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages_ in exc.message_dict.items():
        form.add_error(form.service_field(key), messages_)


def _refused(request, case, form, message, status):
    return panel_refused(request, case, attribute="agreements_failed", form=form, message=message, status=status)


_error_text = refused_text


@login_required
@require_GET
def agreements_fields(request, pk, op, row=None):
    """The fields of one form of the section, fetched when its <details> on the case page is opened."""
    case = case_get_for_user(request.user, pk=pk)
    form_class = FORMS.get(op)
    if form_class is None or (op in ROW_FORMS) != (row is not None) or not panel_may_handle(request.user, case):
        raise Http404
    if row is not None and not _row_exists(op, case, row):
        raise Http404
    if op == "jc_update":
        form = confirmation_form(request, case, JudicialConfirmation.objects.get(pk=row))
    else:
        form = form_class(case=case, user=request.user, row=row)
    return render(request, "mediation/_agreement_form_fields.html", {"case": case, "form": form})


@login_required
@require_POST
def agreements_act(request, pk, op, row=None):
    case = case_get_for_user(request.user, pk=pk)
    form_class = FORMS.get(op)
    if form_class is None or (op in ROW_FORMS) != (row is not None):
        raise Http404
    if row is not None and not _row_exists(op, case, row):
        raise Http404
    form = form_class(request.POST, request.FILES, case=case, user=request.user, row=row)
    if not form.is_valid():
        errors = [m for field_errors in form.errors.values() for m in field_errors]
        return _refused(request, case, form, _error_text(form, errors), 400)
    try:
        result = _perform(op, request.user, case, form, row)
    except (DomainError, ValidationError) as exc:
        _apply_errors(exc, form)
        message = str(exc.message) if isinstance(exc, DomainError) else _error_text(form, exc.messages)
        return _refused(request, case, form, message, 403 if isinstance(exc, PermissionDenied) else 400)
    recurrence = getattr(result, "recurrence", None)
    if recurrence is not None:
        messages.success(request, _("已登记回访，并登记复发案件 %(number)s。") % {"number": recurrence.number})
        return redirect("web:case_detail", pk=recurrence.pk)
    fresh = case_get_for_user(request.user, pk=pk)
    text = _("已完成：%(action)s。") % {"action": form.title}
    if fresh.state != case.state:
        text += " " + _("案件当前状态：%(state)s。") % {"state": fresh.get_state_display()}
    messages.success(request, text)
    return redirect(reverse("web:case_detail", args=[case.pk]) + "#agreements")


@login_required
@require_GET
def agreement_scan(request, pk, agreement_id):
    """The signed scan, to users who may see the case only (404 otherwise), as a download."""
    case = case_get_for_user(request.user, pk=pk)
    agreement = Agreement.objects.filter(pk=agreement_id, case=case).first()
    if agreement is None or not agreement.signed_scan:
        raise Http404
    try:
        handle = agreement.signed_scan.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    suffix = agreement.signed_scan.name.rsplit(".", 1)[-1]
    content_type = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}.get(suffix, "application/octet-stream")
    response = FileResponse(
        handle, as_attachment=True, filename=f"{case.number}-调解协议.{suffix}", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
