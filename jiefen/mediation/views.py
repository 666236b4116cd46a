"""The mediation panel's writes, and evidence downloads. Every write goes through a service;
a refused one re-renders the case page with the form, its errors and the service's message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.audit.models import AccessKind
from jiefen.audit.services import case_access_record
from jiefen.cases.selectors import case_get_for_user
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.web.forms import apply_service_errors
from jiefen.web.panels import panel_refused, refused_text

from .forms import FORMS, ROW_FORMS
from .panel import panel_may_handle
from .models import Evidence, Referral, Session
from .services import preparation, sittings

# Service argument names that differ from the form's field names.
FIELD_NAMES = {"acknowledged_party_ids": "parties", "consenting_party_ids": "consenting_parties"}


def _pk(value):
    return value.pk if value is not None else None


def _perform(op, user, case, data, row):
    if op == "consent":
        return preparation.consent_record(
            case_id=case.pk, party_id=_pk(data["party"]), decision=data["decision"], actor=user, method=data["method"], note=data["note"]
        )
    if op == "notice":
        return preparation.rights_notice_serve(
            case_id=case.pk,
            actor=user,
            acknowledged_party_ids=[p.pk for p in data["parties"]],
            served_at=data["served_at"],
            method=data["method"],
        )
    if op == "plan":
        return preparation.mediation_plan_set(
            case_id=case.pk, actor=user, is_public=data["is_public"], private_reason=data["private_reason"]
        )
    if op == "third_party":
        return preparation.third_party_invite(
            case_id=case.pk,
            actor=user,
            name=data["name"],
            relation=data["relation"],
            phone=data["phone"],
            consenting_party_ids=[p.pk for p in data["consenting_parties"]],
        )
    if op == "session":
        return sittings.session_book(
            case_id=case.pk,
            actor=user,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            mediator_ids=[u.pk for u in data["mediators"]],
            room_id=_pk(data["room"]),
            place=data["place"],
        )
    if op == "session_cancel":
        return sittings.session_cancel(session_id=row, actor=user, reason=data["reason"])
    if op == "session_held":
        return sittings.session_mark_held(session_id=row, actor=user)
    if op == "record":
        return sittings.record_create(
            case_id=case.pk,
            actor=user,
            kind=data["kind"],
            held_at=data["held_at"],
            place=data["place"],
            participants=data["participants"],
            statements=data["statements"],
            result=data["result"],
            session_id=_pk(data["session"]),
        )
    if op == "evidence":
        return sittings.evidence_upload(
            case_id=case.pk, actor=user, uploaded_file=data["file"], description=data["description"], record_id=_pk(data["record"])
        )
    if op == "referral":
        return preparation.referral_create(
            case_id=case.pk,
            actor=user,
            direction=data["direction"],
            kind=data["kind"],
            sent_on=data["sent_on"],
            counterpart_id=_pk(data["counterpart"]),
            counterpart_name=data["counterpart_name"],
            feedback_due=data["feedback_due"],
            reason=data["reason"],
        )
    if op == "feedback":
        return preparation.referral_record_feedback(
            referral_id=row, actor=user, feedback_on=data["feedback_on"], feedback=data["feedback"]
        )
    if op == "police":
        return preparation.police_report_file(
            case_id=case.pk,
            actor=user,
            police_station_id=_pk(data["police_station"]),
            risk_description=data["risk_description"],
            measures=data["measures"],
            reported_at=data["reported_at"],
            feedback_due=data["feedback_due"],
        )
    raise Http404


def _renamed(exc):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return ValidationError({FIELD_NAMES.get(key, key): value for key, value in exc.error_dict.items()})
    if isinstance(exc, DomainError) and exc.field in FIELD_NAMES:
        exc.field = FIELD_NAMES[exc.field]
    return exc


def _refused(request, case, form, message, status):
    return panel_refused(request, case, attribute="mediation_failed", form=form, message=message, status=status)


_error_text = refused_text


@login_required
@require_GET
def mediation_fields(request, pk, op):
    """The fields of one panel form, fetched when its <details> on the case page is opened."""
    case = case_get_for_user(request.user, pk=pk)
    form_class = FORMS.get(op)
    if form_class is None or op in ROW_FORMS or not panel_may_handle(request.user, case):
        raise Http404
    form = form_class(case=case, user=request.user)
    return render(request, "mediation/_form_fields.html", {"case": case, "form": form})


@login_required
@require_POST
def mediation_act(request, pk, op, row=None):
    case = case_get_for_user(request.user, pk=pk)
    form_class = FORMS.get(op)
    if form_class is None or (op in ROW_FORMS) != (row is not None):
        raise Http404
    if op in ROW_FORMS:
        rows = Referral.objects if op == "feedback" else Session.objects
        if not rows.filter(pk=row, case=case).exists():
            raise Http404
    form = form_class(request.POST, request.FILES, case=case, user=request.user)
    form.row = row
    if not form.is_valid():
        errors = [m for field_errors in form.errors.values() for m in field_errors]
        return _refused(request, case, form, _error_text(form, errors), 400)
    try:
        _perform(op, request.user, case, form.cleaned_data, row)
    except (DomainError, ValidationError) as exc:
        exc = _renamed(exc)
        apply_service_errors(exc, form)
        message = str(exc.message) if isinstance(exc, DomainError) else _error_text(form, exc.messages)
        return _refused(request, case, form, message, 403 if isinstance(exc, PermissionDenied) else 400)
    messages.success(request, _("已完成：%(action)s。") % {"action": form.title})
    return redirect(reverse("web:case_detail", args=[case.pk]) + "#mediation")


@login_required
@require_GET
def evidence_download(request, pk, evidence_id):
    """The file, to users who may see the case only (404 otherwise), always as a download."""
    case = case_get_for_user(request.user, pk=pk)
    evidence = Evidence.objects.filter(pk=evidence_id, case=case).first()
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    case_access_record(user=request.user, case=case, kind=AccessKind.EVIDENCE, detail=evidence.original_name, request=request)
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
