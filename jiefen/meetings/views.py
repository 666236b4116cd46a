"""Pages for meetings, 督办 tasks and 三联三议. Reads go through the selectors, writes through the
services; a refused write comes back beside its form, never as an error page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.cases.models import Case, CaseState
from jiefen.cases.selectors import cases_visible_to
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.web.responses import forbidden, refused_status

from . import selectors, services
from .access import (
    access_for,
    deliberation_can_write,
    deliberations_visible_to,
    meeting_can_write,
    meetings_visible_to,
    task_can_act,
    tasks_visible_to,
)
from .forms import (
    CompleteForm,
    DecisionForm,
    DeliberationForm,
    DeliberationRecordForm,
    MeetingFilterForm,
    MinutesForm,
    ProgressForm,
    TaskFilterForm,
    compounds_for,
    owners_for_unit,
)
from .models import AttendanceStatus, MeetingKind, SanlianRole

ATTENDANCE_ORDER = {AttendanceStatus.PRESENT: 0, AttendanceStatus.EXCUSED: 1, AttendanceStatus.ABSENT: 2}


# ---------------------------------------------------------------- meetings


@login_required
@require_GET
def meeting_list(request):
    access = access_for(request.user)
    if not access.reads_meetings:
        return forbidden(request, _("会商会议由综治中心、政法委员、党支部书记组织，领导查阅。您没有查看会议的权限。"))
    form = MeetingFilterForm(request.GET or None)
    when, kind = "upcoming", ""
    if form.is_bound and form.is_valid():
        when = form.cleaned_data["when"] or "upcoming"
        kind = form.cleaned_data["kind"]
    meetings = selectors.meeting_list(request.user, when=when, kind=kind)
    return render(
        request,
        "meetings/meeting_list.html",
        {"form": form, "meetings": meetings, "when": when, "kind": kind, "kinds": MeetingKind.choices, "today": timezone.localdate()},
    )


def _meeting_context(request, meeting, *, minutes_form=None, decision_form=None, error=None):
    user = request.user
    agenda = selectors.meeting_agenda(meeting)
    display = selectors.agenda_for_display(agenda)
    can_write = meeting_can_write(user, meeting)
    agenda_cases, seen = [], set()
    for section in agenda.get("sections", []):
        for row in section["cases"]:
            if row["id"] not in seen:
                seen.add(row["id"])
                agenda_cases.append(row)
    case_ids = seen | {i["case_id"] for i in agenda.get("incidents", []) if i.get("case_id")}
    context = {
        "meeting": meeting,
        "agenda": display,
        "visible_case_ids": set(cases_visible_to(user).filter(id__in=case_ids).values_list("id", flat=True)),
        "agenda_is_live": not meeting.is_held,
        "attendance": sorted(
            meeting.attendance.select_related("person"), key=lambda row: (ATTENDANCE_ORDER.get(row.status, 9), row.id)
        ),
        "tasks": list(meeting.tasks.select_related("owner_unit", "owner").order_by("id")),
        "activity": list(meeting.activity.select_related("actor").order_by("-id")[:20]),
        "can_write": can_write,
        "today": timezone.localdate(),
        "error": error,
        "language_next": reverse("meetings:meeting_detail", args=[meeting.pk]),
    }
    if can_write:
        context["minutes_form"] = minutes_form or MinutesForm(meeting=meeting)
        if meeting.is_held:
            context["decision_form"] = decision_form or DecisionForm(meeting=meeting, user=user, agenda_cases=agenda_cases)
    return context


def _meeting(request, pk):
    return get_object_or_404(meetings_visible_to(request.user).select_related("unit__area", "subdistrict", "chair"), pk=pk)


@login_required
@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_prepare(request, pk):
    meeting = _meeting(request, pk)
    try:
        services.meeting_prepare_agenda(meeting_id=meeting.pk, actor=request.user)
    except DomainError as exc:
        return render(
            request,
            "meetings/meeting_detail.html",
            _meeting_context(request, meeting, error=str(exc.message)),
            status=403 if isinstance(exc, PermissionDenied) else 400,
        )
    messages.success(request, _("已按最新数据生成议程。"))
    return redirect("meetings:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_minutes(request, pk):
    meeting = _meeting(request, pk)
    if not meeting_can_write(request.user, meeting):
        return forbidden(request, _("您无权记录该会议的纪要。"))
    form = MinutesForm(request.POST, meeting=meeting)
    status = 400
    if form.is_valid():
        try:
            services.meeting_record_minutes(
                meeting_id=meeting.pk,
                actor=request.user,
                attendance=form.attendance(),
                notes=form.cleaned_data["notes"],
                chair=form.cleaned_data.get("chair"),
                location=form.cleaned_data.get("location", ""),
                held_at=None if meeting.is_held else form.cleaned_data["held_at"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("会议纪要已保存。") if meeting.is_held else _("会议纪要已保存，议程已存档。"))
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    meeting.refresh_from_db()
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting, minutes_form=form), status=status)


@login_required
@require_POST
def meeting_decision(request, pk):
    meeting = _meeting(request, pk)
    if not meeting_can_write(request.user, meeting):
        return forbidden(request, _("您无权为该会议交办督办任务。"))
    agenda = selectors.meeting_agenda(meeting)
    rows = {row["id"]: row for s in agenda.get("sections", []) for row in s["cases"]}
    form = DecisionForm(request.POST, meeting=meeting, user=request.user, agenda_cases=list(rows.values()))
    status = 400
    if form.is_valid():
        try:
            task = services.decision_create_task(
                meeting_id=meeting.pk,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                title=form.cleaned_data["title"],
                owner_unit=form.cleaned_data["owner_unit"],
                owner=form.cleaned_data["owner"],
                working_days=form.cleaned_data.get("working_days") if not form.cleaned_data.get("deadline") else None,
                deadline=form.cleaned_data.get("deadline"),
                cases=form.cleaned_data["case_objects"],
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(
                request,
                _("已交办督办任务 %(number)s，责任人：%(owner)s，期限：%(deadline)s。")
                % {"number": task.number, "owner": task.owner.get_full_name() or task.owner.username, "deadline": task.deadline.isoformat()},
            )
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting, decision_form=form), status=status)


@login_required
@require_GET
def task_owner_options(request, pk):
    """The 责任人 options for the unit just chosen (htmx)."""
    meeting = _meeting(request, pk)
    if not meeting_can_write(request.user, meeting):
        raise Http404
    owners = owners_for_unit(meeting.subdistrict_id, request.GET.get("owner_unit") or None)
    return render(request, "meetings/_owner_options.html", {"owners": owners})


# ---------------------------------------------------------------- 督办 tasks


@login_required
@require_GET
def task_list(request):
    access = access_for(request.user)
    sees_all = access.is_superuser or bool(access.reads_subdistrict)
    form = TaskFilterForm(request.GET or None)
    which, state, overdue = ("all" if sees_all else "mine"), "open", False
    if form.is_bound and form.is_valid():
        which = form.cleaned_data["which"] or which
        state = form.cleaned_data["state"] or "open"
        overdue = form.cleaned_data["overdue"]
    if which == "all" and not sees_all:
        which = "mine"
    tabs = [("mine", _("我的")), ("unit", _("本单位"))] + ([("all", _("全部"))] if sees_all else [])
    tasks = selectors.task_list(request.user, which=which, state=state, overdue=overdue)
    return render(
        request,
        "meetings/task_list.html",
        {"form": form, "tasks": tasks, "which": which, "state": state, "overdue": overdue, "tabs": tabs, "today": timezone.localdate()},
    )


def _task(request, pk):
    return get_object_or_404(
        tasks_visible_to(request.user).select_related("owner_unit", "owner", "meeting", "created_by", "done_by", "incident"), pk=pk
    )


def _task_context(request, task, *, progress_form=None, complete_form=None, error=None):
    can_act = task_can_act(request.user, task) and task.is_open
    return {
        "task": task,
        "cases": list(cases_visible_to(request.user).filter(supervision_tasks=task).select_related("village")),
        "hidden_cases": task.cases.count() - cases_visible_to(request.user).filter(supervision_tasks=task).count(),
        "activity": list(task.activity.select_related("actor").order_by("id")),
        "can_act": can_act,
        "progress_form": (progress_form or ProgressForm()) if can_act else None,
        "complete_form": (complete_form or CompleteForm(initial={"expected_version": task.version})) if can_act else None,
        "today": timezone.localdate(),
        "error": error,
        "language_next": reverse("meetings:task_detail", args=[task.pk]),
    }


@login_required
@require_GET
def task_detail(request, pk):
    return render(request, "meetings/task_detail.html", _task_context(request, _task(request, pk)))


@login_required
@require_POST
def task_progress(request, pk):
    task = _task(request, pk)
    if not task_can_act(request.user, task):
        return forbidden(request, _("您不是该督办任务的责任单位人员，不能填报进展。"))
    form = ProgressForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.task_record_progress(task_id=task.pk, actor=request.user, note=form.cleaned_data["note"])
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("办理进展已记录。"))
            return redirect("meetings:task_detail", pk=task.pk)
    return render(request, "meetings/task_detail.html", _task_context(request, task, progress_form=form), status=status)


@login_required
@require_POST
def task_complete(request, pk):
    task = _task(request, pk)
    if not task_can_act(request.user, task):
        return forbidden(request, _("您不是该督办任务的责任单位人员，不能办结。"))
    form = CompleteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.task_complete(
                task_id=task.pk, actor=request.user, result=form.cleaned_data["result"], expected_version=form.cleaned_data["expected_version"]
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("督办任务 %(number)s 已办结。") % {"number": task.number})
            return redirect("meetings:task_detail", pk=task.pk)
    task.refresh_from_db()
    return render(request, "meetings/task_detail.html", _task_context(request, task, complete_form=form), status=status)


# ---------------------------------------------------------------- 三联三议


@login_required
@require_GET
def deliberation_list(request):
    deliberations = selectors.deliberation_list(request.user)
    can_start = compounds_for(request.user).exists()
    return render(request, "meetings/deliberation_list.html", {"deliberations": deliberations, "can_start": can_start})


def _compound_cases(compounds, compound_id):
    """Open cases of a compound the user organises 三联三议 for: those the deliberation may take up."""
    return (
        Case.objects.filter(compound_id=compound_id, compound__in=compounds)
        .exclude(state=CaseState.ARCHIVED)
        .order_by("-needs_sanlian", "-id")
    )


@login_required
def deliberation_new(request):
    compounds = compounds_for(request.user)
    if not compounds.exists():
        return forbidden(request, _("三联三议由综治中心、小区党支部书记或所在社区(村)的调解员组织。"))
    case = None
    if request.GET.get("case"):
        # A case the user may see, or one in a compound they organise 三联三议 for (a branch
        # secretary does not otherwise see cases).
        linkable = cases_visible_to(request.user) | Case.objects.filter(compound__in=compounds)
        case = get_object_or_404(linkable, pk=request.GET["case"])
    compound_id = request.POST.get("compound") or request.GET.get("compound") or (case.compound_id if case else None)
    try:
        compound_id = int(compound_id) if compound_id else None
    except ValueError:
        compound_id = None
    cases = _compound_cases(compounds, compound_id) if compound_id else Case.objects.none()
    status = 200
    if request.method == "POST":
        form = DeliberationForm(request.POST, compounds=compounds, cases=cases)
        if form.is_valid():
            try:
                deliberation = services.deliberation_create(
                    actor=request.user,
                    compound=form.cleaned_data["compound"],
                    subject=form.cleaned_data["subject"],
                    agenda=form.cleaned_data["agenda"],
                    scheduled_on=form.cleaned_data["scheduled_on"],
                    cases=form.cleaned_data["cases"],
                )
            except (DomainError, ValidationError) as exc:
                status = refused_status(exc, form)
            else:
                messages.success(request, _("已发起三联三议，三方单位已自动列入。"))
                return redirect("meetings:deliberation_detail", pk=deliberation.pk)
        else:
            status = 400
    else:
        initial = {"scheduled_on": timezone.localdate()}
        if compound_id:
            initial["compound"] = compound_id
        if case is not None:
            initial.update({"subject": case.title, "cases": [case.pk]})
        form = DeliberationForm(initial=initial, compounds=compounds, cases=cases)
    parties = {}
    if compound_id:
        compound = compounds.filter(pk=compound_id).first()
        if compound is not None:
            parties = services.sanlian_parties(compound)
    party_rows = [(SanlianRole(role).label, unit) for role, unit in parties.items()]
    return render(
        request,
        "meetings/deliberation_new.html",
        {"form": form, "case": case, "party_rows": party_rows, "compound_id": compound_id},
        status=status,
    )


def _deliberation(request, pk):
    return get_object_or_404(deliberations_visible_to(request.user).select_related("compound", "village", "created_by"), pk=pk)


def _deliberation_context(request, deliberation, *, record_form=None):
    can_write = deliberation_can_write(request.user, deliberation) and not deliberation.is_held
    return {
        "deliberation": deliberation,
        "parties": list(deliberation.parties.select_related("unit")),
        "cases": list(cases_visible_to(request.user).filter(sanlian_deliberations=deliberation).select_related("village")),
        "activity": list(deliberation.activity.select_related("actor").order_by("id")),
        "record_form": (record_form or DeliberationRecordForm(deliberation=deliberation)) if can_write else None,
        "language_next": reverse("meetings:deliberation_detail", args=[deliberation.pk]),
    }


@login_required
@require_GET
def deliberation_detail(request, pk):
    deliberation = _deliberation(request, pk)
    return render(request, "meetings/deliberation_detail.html", _deliberation_context(request, deliberation))


@login_required
@require_POST
def deliberation_record(request, pk):
    deliberation = _deliberation(request, pk)
    if not deliberation_can_write(request.user, deliberation):
        return forbidden(request, _("您无权记录该小区的三联三议。"))
    form = DeliberationRecordForm(request.POST, deliberation=deliberation)
    status = 400
    if form.is_valid():
        try:
            services.deliberation_record(
                deliberation_id=deliberation.pk,
                actor=request.user,
                held_on=form.cleaned_data["held_on"],
                attendance=form.attendance(),
                resolution=form.cleaned_data["resolution"],
                location=form.cleaned_data.get("location", ""),
                other_attendees=form.cleaned_data.get("other_attendees", ""),
                expected_version=form.cleaned_data["expected_version"],
            )
        except (DomainError, ValidationError) as exc:
            status = refused_status(exc, form)
        else:
            messages.success(request, _("三联三议已记录为召开。"))
            return redirect("meetings:deliberation_detail", pk=deliberation.pk)
    deliberation.refresh_from_db()
    return render(request, "meetings/deliberation_detail.html", _deliberation_context(request, deliberation, record_form=form), status=status)

