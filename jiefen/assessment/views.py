"""Pages for 不到位 incidents, appeals and cards. Reads go through the selectors, writes through
the services; a refused write comes back beside its form, never as an error page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.cases.selectors import cases_visible_to
from jiefen.common.errors import DomainError
from jiefen.organisation.models import Person, Role, Unit
from jiefen.web.responses import forbidden, refused_status

from . import selectors, services
from .access import (
    access_for,
    appeals_visible_to,
    can_appeal,
    can_review,
    can_see_leader,
    can_see_unit,
    in_subdistricts,
    incidents_visible_to,
)
from .forms import AppealForm, DecideForm, QueueFilterForm, RecordForm, ReviewForm, VoidForm
from .models import AppealStatus, IncidentStatus


def _year(request):
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else selectors.current_year()


def _visible_case_ids(user, incidents):
    ids = {i.case_id for i in incidents if i.case_id}
    return set(cases_visible_to(user).filter(id__in=ids).values_list("id", flat=True)) if ids else set()


# ---------------------------------------------------------------- the review queue


@login_required
@require_GET
def incident_list(request):
    access = access_for(request.user)
    if not access.sees_anything:
        return forbidden(request, _("不到位情形由领导小组审核，责任单位查阅本单位的情形。您没有查看权限。"))
    subdistricts = None if access.is_superuser else access.reader_subdistrict_ids
    data = request.GET.copy()
    if "status" not in data and access.reviews:
        data["status"] = IncidentStatus.PENDING  # a reviewer opens on what waits for review
    form = QueueFilterForm(data, subdistrict_ids=subdistricts)
    filters = {"kind": "", "status": "", "year": None, "village_id": None, "before_id": None}
    if form.is_valid():
        filters = {
            "kind": form.cleaned_data["kind"],
            "status": form.cleaned_data["status"],
            "year": form.cleaned_data["year"],
            "village_id": form.cleaned_data["village"].pk if form.cleaned_data["village"] else None,
            "before_id": form.cleaned_data["before"],
        }
    rows, next_before = selectors.incident_queue(request.user, **filters)
    query = data.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "incidents": rows,
        "next_before": next_before,
        "query": query.urlencode(),
        "first_page": not filters["before_id"],
        "visible_case_ids": _visible_case_ids(request.user, rows),
        "reviews": access.reviews,
        "access": access,
        "section": "queue",
    }
    template = "assessment/_incident_rows.html" if request.htmx and request.htmx.target == "incident-rows" else "assessment/incident_list.html"
    return render(request, template, context)


def _incident(request, pk):
    return get_object_or_404(
        incidents_visible_to(request.user).select_related("unit__area", "case", "liaison_leader", "responsible_user", "reviewed_by"), pk=pk
    )


def _incident_context(request, incident, *, review_form=None, void_form=None, appeal_form=None, decide_form=None, error=None):
    user = request.user
    reviewer = can_review(user, incident.unit)
    pending_appeal = incident.appeals.filter(status=AppealStatus.PENDING).first()
    appealable = can_appeal(user, incident.unit) and incident.status != IncidentStatus.VOID and pending_appeal is None
    return {
        "incident": incident,
        "events": list(incident.events.select_related("actor").order_by("id")),
        "cards": list(incident.cards.select_related("unit", "leader").order_by("id")),
        "appeals": list(incident.appeals.select_related("filed_by", "decided_by").order_by("-id")),
        "pending_appeal": pending_appeal,
        "case_visible": bool(incident.case_id and cases_visible_to(user).filter(pk=incident.case_id).exists()),
        "reviewer": reviewer,
        "review_form": (review_form or ReviewForm(initial={"expected_version": incident.version})) if reviewer else None,
        "void_form": (void_form or VoidForm(initial={"expected_version": incident.version})) if reviewer else None,
        "decide_form": (decide_form or DecideForm()) if reviewer and pending_appeal else None,
        "appeal_form": (appeal_form or AppealForm()) if appealable else None,
        "error": error,
        "section": "queue",
        "language_next": reverse("assessment:incident_detail", args=[incident.pk]),
    }


@login_required
@require_GET
def incident_detail(request, pk):
    incident = _incident(request, pk)
    return render(request, "assessment/incident_detail.html", _incident_context(request, incident))


def _review(request, pk, *, confirm: bool):
    incident = _incident(request, pk)
    if not can_review(request.user, incident.unit):
        return forbidden(request, str(services.REVIEWER_ONLY))
    form = (ReviewForm if confirm else VoidForm)(request.POST)
    status = 400
    if form.is_valid():
        try:
            call = services.incident_confirm if confirm else services.incident_void
            incident = call(
                actor=request.user,
                incident_id=incident.pk,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            if request.htmx:
                # From the queue: redraw the row in its new state.
                return render(
                    request,
                    "assessment/_incident_row.html",
                    {"incident": incident, "visible_case_ids": _visible_case_ids(request.user, [incident]), "reviews": True},
                )
            messages.success(request, _("已确认该不到位情形。") if confirm else _("已撤销该不到位情形。"))
            return redirect("assessment:incident_detail", pk=incident.pk)
    if request.htmx:
        errors = "；".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(format_html('<p class="error" role="alert">{}</p>', errors), status=status)
    incident.refresh_from_db()
    kwargs = {"review_form": form} if confirm else {"void_form": form}
    return render(request, "assessment/incident_detail.html", _incident_context(request, incident, **kwargs), status=status)


@login_required
@require_POST
def incident_confirm(request, pk):
    return _review(request, pk, confirm=True)


@login_required
@require_POST
def incident_void(request, pk):
    return _review(request, pk, confirm=False)


@login_required
@require_POST
def incident_appeal(request, pk):
    incident = _incident(request, pk)
    if not can_appeal(request.user, incident.unit):
        return forbidden(request, _("只有责任单位（或其所在村、社区）的工作人员可以对该不到位情形提出申诉。"))
    form = AppealForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.incident_appeal_file(actor=request.user, incident_id=incident.pk, reason=form.cleaned_data["reason"])
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("申诉已提交，领导小组将审核决定。"))
            return redirect("assessment:incident_detail", pk=incident.pk)
    incident.refresh_from_db()
    return render(request, "assessment/incident_detail.html", _incident_context(request, incident, appeal_form=form), status=status)


@login_required
def incident_new(request):
    access = access_for(request.user)
    if not access.reviews:
        return forbidden(request, _("只有综治中心工作人员和领导小组可以记录不到位情形。"))
    units = Unit.objects.filter(is_active=True).select_related("area").order_by("area__sort_order", "id")
    if not access.is_superuser:
        units = units.filter(in_subdistricts(access.reviewer_subdistrict_ids, ""))
    status = 200
    if request.method == "POST":
        form = RecordForm(request.POST, units=units)
        if form.is_valid():
            case = None
            number = form.cleaned_data["case_number"].strip()
            if number:
                case = cases_visible_to(request.user).filter(number=number).first()
                if case is None:
                    form.add_error("case_number", _("没有找到该编号的案件。"))
            if not form.errors:
                try:
                    incident = services.incident_record(
                        actor=request.user,
                        unit=form.cleaned_data["unit"],
                        kind=form.cleaned_data["kind"],
                        description=form.cleaned_data["description"],
                        case=case,
                        detected_on=form.cleaned_data["detected_on"],
                    )
                except (DomainError, ValidationError) as exc:
                    status = refused_status(exc, form)
                else:
                    messages.success(request, _("不到位情形已记录，待领导小组审核。"))
                    return redirect("assessment:incident_detail", pk=incident.pk)
        if form.errors and status == 200:
            status = 400
    else:
        form = RecordForm(units=units)
    return render(request, "assessment/incident_new.html", {"form": form, "section": "queue"}, status=status)


# ---------------------------------------------------------------- appeals


@login_required
@require_GET
def appeal_list(request):
    access = access_for(request.user)
    if not access.sees_anything:
        return forbidden(request, _("您没有查看申诉的权限。"))
    which = request.GET.get("status", AppealStatus.PENDING)
    if which not in (*AppealStatus.values, "all"):
        which = AppealStatus.PENDING
    appeals = selectors.pending_appeals(request.user, status="" if which == "all" else which)
    rows = [(appeal, DecideForm() if appeal.status == AppealStatus.PENDING and can_review(request.user, appeal.incident.unit) else None) for appeal in appeals]
    return render(
        request,
        "assessment/appeal_list.html",
        {"rows": rows, "which": which, "statuses": [*AppealStatus.choices, ("all", _("全部"))], "section": "appeals"},
    )


@login_required
@require_POST
def appeal_decide(request, pk):
    appeal = get_object_or_404(appeals_visible_to(request.user).select_related("incident__unit"), pk=pk)
    incident = appeal.incident
    if not can_review(request.user, incident.unit):
        return forbidden(request, str(services.REVIEWER_ONLY))
    form = DecideForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.incident_appeal_decide(
                actor=request.user, appeal_id=appeal.pk, granted=form.cleaned_data["granted"], reason=form.cleaned_data["reason"]
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("已对申诉作出决定。"))
            return redirect(request.POST.get("next") or reverse("assessment:incident_detail", args=[incident.pk]))
    incident = _incident(request, incident.pk)
    return render(request, "assessment/incident_detail.html", _incident_context(request, incident, decide_form=form), status=status)


# ---------------------------------------------------------------- holders and cards


@login_required
@require_GET
def unit_detail(request, pk):
    unit = get_object_or_404(Unit.objects.select_related("area"), pk=pk)
    if not can_see_unit(request.user, unit):
        raise Http404
    year = _year(request)
    standing, withdrawn = selectors.holder_cards(request.user, year=year, unit=unit)
    incidents = selectors.holder_incidents(request.user, year=year, unit=unit)
    return render(
        request,
        "assessment/holder_detail.html",
        {
            "holder_name": unit.name,
            "holder_kind": _("单位"),
            "unit": unit,
            "leader": services.liaison_leader_for(unit),
            "year": year,
            "years": range(year - 2, year + 2),
            "standing": standing,
            "withdrawn": withdrawn,
            "incidents": incidents,
            "confirmed": sum(1 for i in incidents if i.status == IncidentStatus.CONFIRMED),
            "visible_case_ids": _visible_case_ids(request.user, incidents),
            "section": "cards",
        },
    )


@login_required
@require_GET
def leader_detail(request, pk):
    person = get_object_or_404(Person, pk=pk)
    if not can_see_leader(request.user, person):
        raise Http404
    year = _year(request)
    standing, withdrawn = selectors.holder_cards(request.user, year=year, leader=person)
    incidents = selectors.holder_incidents(request.user, year=year, leader=person)
    return render(
        request,
        "assessment/holder_detail.html",
        {
            "holder_name": person.name,
            "holder_kind": _("联系领导"),
            "person": person,
            "villages": list(person.roles.filter(role=Role.LIAISON_LEADER).select_related("area", "unit")),
            "year": year,
            "years": range(year - 2, year + 2),
            "standing": standing,
            "withdrawn": withdrawn,
            "incidents": incidents,
            "confirmed": sum(1 for i in incidents if i.status == IncidentStatus.CONFIRMED),
            "visible_case_ids": _visible_case_ids(request.user, incidents),
            "section": "cards",
        },
    )


def _cards_allowed(request):
    access = access_for(request.user)
    return access.reads_all


@login_required
@require_GET
def card_list(request):
    if not _cards_allowed(request):
        return forbidden(request, _("三色牌总览供综治中心和领导查阅；责任单位请在本单位页面查看。"))
    year = _year(request)
    groups = selectors.cards_overview(request.user, year=year)
    return render(
        request,
        "assessment/card_list.html",
        {"groups": groups, "year": year, "years": range(year - 2, year + 2), "total": sum(len(g["cards"]) for g in groups), "section": "cards"},
    )


@login_required
@require_GET
def card_export(request):
    if not _cards_allowed(request):
        return forbidden(request, _("三色牌总览供综治中心和领导查阅；责任单位请在本单位页面查看。"))
    year = _year(request)
    from .exports import cards_workbook  # openpyxl is loaded only by the processes that export

    content = cards_workbook(selectors.cards_overview(request.user, year=year), year=year)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="cards-{year}.xlsx"'
    return response

