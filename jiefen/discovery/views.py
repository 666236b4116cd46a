"""Pages of the discovery registers. Reads go through the selectors and the access rules (an
entry the user may not see answers 404), writes through the services; a refused write comes
back beside its form."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from jiefen.cases.selectors import cases_visible_to
from jiefen.common.errors import DomainError
from jiefen.organisation.models import Area, AreaKind
from jiefen.organisation.selectors import user_scope
from jiefen.web.responses import forbidden, refused_status

from . import exports, selectors, services
from .access import (
    access_for,
    field_visit_can_edit,
    field_visit_kinds_for,
    field_visits_visible_to,
    reception_visits_visible_to,
    rota_can_manage,
    slot_can_record_visitor,
    slots_visible_to,
    villages_for_field_visits,
)
from .forms import (
    AttachCasesForm,
    CancelForm,
    FieldVisitEditForm,
    FieldVisitForm,
    PeriodForm,
    RegisterFilterForm,
    SlotForm,
    VisitorForm,
    cases_by_numbers,
)
from .models import RECEPTION, FieldVisitKind

NO_ACCESS = _lazy("排查走访登记簿供综治中心、领导、调解员和网格员使用。您没有查看的权限。")


def _week(request) -> date:
    day = parse_date(request.GET.get("week") or "") or timezone.localdate()
    return selectors.week_start(day)


def _staff_subdistrict(user):
    """The subdistrict whose rota the user keeps (the first, for the rare user keeping several)."""
    access = access_for(user)
    ids = access.staff_subdistrict_ids
    if access.is_superuser and not ids:
        ids = frozenset(Area.objects.filter(kind=AreaKind.SUBDISTRICT).values_list("id", flat=True)[:1])
    return Area.objects.filter(id__in=ids).order_by("id").first()


# ---------------------------------------------------------------- home and rota


@login_required
@require_GET
def home(request):
    access = access_for(request.user)
    if not access.reads_anything:
        return forbidden(request, NO_ACCESS)
    start = _week(request)
    field, reception = selectors.recent_entries(request.user)
    mine = []
    if access.person_id is not None and access.leader_subdistrict_ids:
        mine = selectors.leader_upcoming_slots(access.person_id, timezone.localdate())
    return render(
        request,
        "discovery/home.html",
        {
            "week": selectors.rota_by_day(request.user, start),
            "week_start": start,
            "previous_week": start - timedelta(days=7),
            "next_week": start + timedelta(days=7),
            "today": timezone.localdate(),
            "field_visits": field,
            "reception_visits": reception,
            "access": access,
            "my_slots": mine,
        },
    )


def _rota_context(request, start, form=None):
    subdistrict = _staff_subdistrict(request.user)
    if form is None and subdistrict is not None:
        form = SlotForm(subdistrict=subdistrict, initial={"date": max(start, timezone.localdate())})
    return {
        "weeks": [selectors.rota_by_day(request.user, start), selectors.rota_by_day(request.user, start + timedelta(days=7))],
        "week_start": start,
        "previous_week": start - timedelta(days=7),
        "next_week": start + timedelta(days=7),
        "today": timezone.localdate(),
        "form": form,
        "access": access_for(request.user),
    }


@login_required
def rota(request):
    """Two weeks of the rota; staff add turns below it."""
    access = access_for(request.user)
    if not access.reads_anything:
        return forbidden(request, NO_ACCESS)
    start = _week(request)
    if request.method != "POST":
        return render(request, "discovery/rota.html", _rota_context(request, start))
    subdistrict = _staff_subdistrict(request.user)
    if subdistrict is None:
        return forbidden(request, _("领导接访排班由综治中心安排，您无权排班。"))
    form = SlotForm(request.POST, subdistrict=subdistrict)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            slot = services.reception_slot_create(
                actor=request.user,
                subdistrict=subdistrict,
                leader=data["leader"],
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                place=data["place"],
                room=data["room"],
                note=data["note"],
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(
                request,
                _("已排定：%(day)s %(leader)s接访。") % {"day": slot.date.isoformat(), "leader": slot.leader.name},
            )
            return redirect(reverse("discovery:rota") + f"?week={selectors.week_start(slot.date).isoformat()}")
    return render(request, "discovery/rota.html", _rota_context(request, start, form), status=status)


def _slot(request, pk):
    return get_object_or_404(slots_visible_to(request.user).select_related("leader", "room__unit", "subdistrict", "created_by"), pk=pk)


def _slot_context(request, slot, *, visitor_form=None, edit_form=None, cancel_form=None):
    user = request.user
    can_manage = rota_can_manage(user, slot.subdistrict_id) and not slot.is_cancelled
    can_record = slot_can_record_visitor(user, slot) and not slot.is_cancelled and slot.date <= timezone.localdate()
    context = {
        "slot": slot,
        "visits": list(reception_visits_visible_to(user).filter(slot=slot).select_related("slot__leader", "village", "case").order_by("id")),
        "hidden_visits": slot.visits.count(),
        "events": list(slot.events.select_related("actor").order_by("-id")[:20]),
        "can_manage": can_manage,
        "can_record": can_record,
    }
    context["hidden_visits"] -= len(context["visits"])
    if can_record:
        context["visitor_form"] = visitor_form or VisitorForm(subdistrict=slot.subdistrict)
    if can_manage:
        context["edit_form"] = edit_form or SlotForm(
            subdistrict=slot.subdistrict,
            initial={
                "leader": slot.leader_id,
                "date": slot.date,
                "start_time": slot.start_time,
                "end_time": slot.end_time,
                "room": slot.room_id,
                "place": slot.place,
                "note": slot.note,
                "expected_version": slot.version,
            },
        )
        context["cancel_form"] = cancel_form or CancelForm(initial={"expected_version": slot.version})
    return context


@login_required
@require_GET
def slot_detail(request, pk):
    slot = _slot(request, pk)
    return render(request, "discovery/slot_detail.html", _slot_context(request, slot))


@login_required
@require_POST
def slot_edit(request, pk):
    slot = _slot(request, pk)
    if not rota_can_manage(request.user, slot.subdistrict_id):
        return forbidden(request, _("领导接访排班由综治中心安排，您无权调整。"))
    form = SlotForm(request.POST, subdistrict=slot.subdistrict)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reception_slot_update(
                slot_id=slot.pk,
                actor=request.user,
                leader=data["leader"],
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                place=data["place"],
                room=data["room"],
                note=data["note"],
                expected_version=data["expected_version"],
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("接访排班已调整。"))
            return redirect("discovery:slot_detail", pk=slot.pk)
    slot.refresh_from_db()
    return render(request, "discovery/slot_detail.html", _slot_context(request, slot, edit_form=form), status=status)


@login_required
@require_POST
def slot_cancel(request, pk):
    slot = _slot(request, pk)
    if not rota_can_manage(request.user, slot.subdistrict_id):
        return forbidden(request, _("领导接访排班由综治中心安排，您无权取消。"))
    form = CancelForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.reception_slot_cancel(
                slot_id=slot.pk, actor=request.user, reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["expected_version"]
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("该场接访已取消。"))
            return redirect("discovery:slot_detail", pk=slot.pk)
    slot.refresh_from_db()
    return render(request, "discovery/slot_detail.html", _slot_context(request, slot, cancel_form=form), status=status)


@login_required
@require_POST
def visitor_new(request, pk):
    slot = _slot(request, pk)
    if not slot_can_record_visitor(request.user, slot):
        return forbidden(request, _("只有综治中心工作人员和本场接访领导可以登记来访。"))
    form = VisitorForm(request.POST, subdistrict=slot.subdistrict)
    status = 400
    if form.is_valid():
        try:
            visit = services.reception_visit_record(slot_id=slot.pk, actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("已登记来访：%(name)s。") % {"name": visit.visitor_name})
            return redirect("discovery:reception_detail", pk=visit.pk)
    return render(request, "discovery/slot_detail.html", _slot_context(request, slot, visitor_form=form), status=status)


@login_required
@require_GET
def reception_detail(request, pk):
    visit = get_object_or_404(
        reception_visits_visible_to(request.user).select_related("slot__leader", "village", "recorded_by", "case"), pk=pk
    )
    case_visible = visit.case_id is not None and cases_visible_to(request.user).filter(pk=visit.case_id).exists()
    return render(
        request,
        "discovery/reception_detail.html",
        {
            "visit": visit,
            "case_visible": case_visible,
            "can_open_case": visit.case_id is None and user_scope(request.user).can_register,
            "case_new_url": reverse("web:case_new") + f"?source=reception:{visit.pk}",
            "events": list(visit.events.select_related("actor").order_by("id")),
        },
    )


# ---------------------------------------------------------------- field work


@login_required
def field_new(request):
    villages = villages_for_field_visits(request.user)
    village_list = list(villages.select_related("subdistrict")[:200])
    kinds = []
    for village in village_list:
        for kind in field_visit_kinds_for(request.user, village):
            if kind not in kinds:
                kinds.append(kind)
    if not kinds:
        return forbidden(request, _("走访巡逻由综治中心、领导、调解员和网格员登记。您没有登记的权限。"))
    kinds = [k for k in FieldVisitKind.values if k in kinds]
    status = 200
    if request.method == "POST":
        form = FieldVisitForm(request.POST, user=request.user, villages=villages, kinds=kinds)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = services.field_visit_record(
                    actor=request.user,
                    kind=data["kind"],
                    village=data["village"],
                    grid=data["grid"],
                    compound=data["compound"],
                    address=data["address"],
                    route=data["route"],
                    started_at=data["started_at"],
                    ended_at=data["ended_at"],
                    participants=data["participants"],
                    other_participants=data["other_participants"],
                    households_visited=data["households_visited"],
                    issues_found=data["issues_found"],
                    findings=data["findings"],
                    carried_cases=data["carried_cases"],
                )
            except (DomainError, ValidationError) as exc:
                status = refused_status(exc, form)
            else:
                messages.success(request, _("已登记%(kind)s记录。") % {"kind": visit.get_kind_display()})
                return redirect("discovery:field_detail", pk=visit.pk)
        else:
            status = 400
    else:
        initial = {}
        if request.GET.get("kind") in kinds:
            initial["kind"] = request.GET["kind"]
        form = FieldVisitForm(user=request.user, villages=villages, kinds=kinds, initial=initial)
    return render(request, "discovery/field_form.html", {"form": form}, status=status)


def _field_visit(request, pk):
    return get_object_or_404(
        field_visits_visible_to(request.user).select_related("village", "grid", "compound", "recorded_by", "subdistrict"), pk=pk
    )


def _field_context(request, visit, *, attach_form=None):
    user = request.user
    opened = list(visit.opened_cases.order_by("id"))
    carried = list(visit.carried_cases.order_by("id"))
    visible = set(cases_visible_to(user).filter(id__in=[c.id for c in opened + carried]).values_list("id", flat=True))
    can_edit = field_visit_can_edit(user, visit)
    can_attach = can_edit and visit.kind == FieldVisitKind.CASE_VISIT
    return {
        "visit": visit,
        "participants": list(visit.participants.order_by("id")),
        "opened": [c for c in opened if c.id in visible],
        "opened_hidden": len([c for c in opened if c.id not in visible]),
        "carried": [c for c in carried if c.id in visible],
        "carried_hidden": len([c for c in carried if c.id not in visible]),
        "can_edit": can_edit,
        "attach_form": (attach_form or AttachCasesForm()) if can_attach else None,
        "can_open_case": user_scope(user).can_register,
        "case_new_url": reverse("web:case_new") + f"?source=fieldvisit:{visit.pk}",
        "events": list(visit.events.select_related("actor").order_by("id")),
    }


@login_required
@require_GET
def field_detail(request, pk):
    visit = _field_visit(request, pk)
    return render(request, "discovery/field_detail.html", _field_context(request, visit))


@login_required
def field_edit(request, pk):
    visit = _field_visit(request, pk)
    if not field_visit_can_edit(request.user, visit):
        return forbidden(request, _("只有登记人和综治中心工作人员可以修改该记录。"))
    status = 200
    if request.method == "POST":
        form = FieldVisitEditForm(request.POST, visit=visit)
        if form.is_valid():
            try:
                services.field_visit_update(
                    visit_id=visit.pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["expected_version"],
                    participants=form.cleaned_data["participants"],
                    **form.changes(),
                )
            except (DomainError, ValidationError) as exc:
                status = refused_status(exc, form)
            else:
                messages.success(request, _("记录已修改。"))
                return redirect("discovery:field_detail", pk=visit.pk)
        else:
            status = 400
    else:
        form = FieldVisitEditForm(visit=visit)
    return render(request, "discovery/field_edit.html", {"form": form, "visit": visit}, status=status)


@login_required
@require_POST
def field_attach(request, pk):
    visit = _field_visit(request, pk)
    if not field_visit_can_edit(request.user, visit):
        return forbidden(request, _("只有登记人和综治中心工作人员可以关联案件。"))
    form = AttachCasesForm(request.POST)
    status = 400
    if form.is_valid():
        found, missing = cases_by_numbers(request.user, form.cleaned_data["case_numbers"], visit.subdistrict_id)
        if missing:
            form.add_error("case_numbers", _("找不到案件或无权查看：%(numbers)s") % {"numbers": "、".join(missing)})
        else:
            try:
                services.field_visit_attach_cases(visit_id=visit.pk, actor=request.user, cases=found)
            except (DomainError, ValidationError) as exc:
                status = refused_status(exc, form)
            else:
                messages.success(request, _("已关联携带案件。"))
                return redirect("discovery:field_detail", pk=visit.pk)
    return render(request, "discovery/field_detail.html", _field_context(request, visit, attach_form=form), status=status)


# ---------------------------------------------------------------- lists, counts, export


def _filters(request):
    form = RegisterFilterForm(request.GET or None, user=request.user)
    filters = selectors.RegisterFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.RegisterFilters(
            kind=data["kind"] or "",
            village_id=data["village"].pk if data["village"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
            has_case=data["has_case"] or "",
        )
    return form, filters


@login_required
@require_GET
def register(request):
    if not access_for(request.user).reads_anything:
        return forbidden(request, NO_ACCESS)
    form, filters = _filters(request)
    try:
        after = int(request.GET.get("after") or 0) or None
    except ValueError:
        after = None
    if filters.is_reception:
        rows, next_after = selectors.reception_visit_page(request.user, filters, after_id=after)
    else:
        rows, next_after = selectors.field_visit_page(request.user, filters, after_id=after)
    filtered = any(request.GET.get(name) for name in ("village", "date_from", "date_to", "has_case"))
    return render(
        request,
        "discovery/register.html",
        {
            "form": form,
            "filters": filters,
            "rows": rows,
            "next_after": next_after,
            "is_later_page": bool(after),
            "filtered": filtered,
            "is_reception": filters.is_reception,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def export(request, fmt):
    if not access_for(request.user).reads_anything:
        return forbidden(request, NO_ACCESS)
    form, filters = _filters(request)
    if form.errors:
        return redirect(reverse("discovery:register") + "?" + request.GET.urlencode())
    rows, visible_case_ids = selectors.export_rows(request.user, filters)
    return exports.response(rows, visible_case_ids, filters, fmt)


@login_required
@require_GET
def counts(request):
    if not access_for(request.user).reads_anything:
        return forbidden(request, NO_ACCESS)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = today.replace(day=1), today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
    table = selectors.register_counts(request.user, start, end)
    labels = [_("领导接访") if k == RECEPTION else FieldVisitKind(k).label for k in table["kinds"]]
    return render(
        request,
        "discovery/counts.html",
        {"form": form, "start": start, "end": end, "table": table, "labels": labels},
        status=400 if form.errors else 200,
    )
