"""Pages for screening campaigns: the list, a campaign's coverage, the phone forms for a grid
worker's daily tally and findings, and the coverage export."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.common.errors import ConflictError, DomainError, PermissionDenied
from jiefen.organisation.models import Area, AreaKind, Person
from jiefen.organisation.selectors import user_scope
from jiefen.web.forms import apply_service_errors
from jiefen.web.responses import forbidden

from . import selectors, services
from .access import access_for, campaign_can_manage, campaigns_visible_to
from .forms import CampaignForm, FindingForm, TallyForm, TargetForm
from .models import CampaignStatus, ScreeningTally

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _status(exc):
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    return 400


NO_ACCESS = _("排查活动由综治中心组织，网格员填报本人负责的网格，村(社区)调解员查看本村，领导查阅。您没有查看排查活动的权限。")


@login_required
@require_GET
def campaign_list(request):
    access = access_for(request.user)
    if not access.sees_anything:
        return forbidden(request, str(NO_ACCESS))
    status = request.GET.get("status", "")
    if status not in CampaignStatus.values:
        status = ""
    today = timezone.localdate()
    return render(
        request,
        "screening/campaign_list.html",
        {
            "rows": selectors.campaign_list(request.user, status=status),
            "status": status,
            "statuses": CampaignStatus.choices,
            "can_create": access.manages_anything,
            "can_record": selectors.active_grids_for_recording(request.user, today=today).exists(),
        },
    )


def _staff_subdistricts(user):
    access = access_for(user)
    subs = Area.objects.filter(kind=AreaKind.SUBDISTRICT)
    return subs if access.is_superuser else subs.filter(id__in=access.staff_subdistrict_ids)


@login_required
def campaign_new(request):
    if not access_for(request.user).manages_anything:
        return forbidden(request, _("只有综治中心工作人员可以发起排查活动。"))
    form = CampaignForm(request.POST or None, subdistricts=_staff_subdistricts(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    subdistrict=data["subdistrict"],
                    name=data["name"],
                    kind=data["kind"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    description=data["description"],
                    villages=list(data["villages"]),
                    default_target=data["default_target"],
                )
            except (DomainError, ValidationError) as exc:
                apply_service_errors(exc, form)
                status = _status(exc)
            else:
                messages.success(request, _("已发起排查活动“%(name)s”。") % {"name": campaign.name})
                return redirect("screening:campaign_detail", pk=campaign.pk)
        else:
            status = 400
    return render(request, "screening/campaign_new.html", {"form": form}, status=status)


def _campaign(request, pk):
    return get_object_or_404(campaigns_visible_to(request.user).select_related("subdistrict", "created_by"), pk=pk)


@login_required
@require_GET
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    coverage = selectors.campaign_coverage(request.user, campaign)
    findings = list(selectors.findings_of(request.user, campaign)[:100])
    scope = user_scope(request.user)
    can_manage = campaign_can_manage(request.user, campaign)
    return render(
        request,
        "screening/campaign_detail.html",
        {
            "campaign": campaign,
            "coverage": coverage,
            "findings": findings,
            "can_manage": can_manage,
            "can_edit_targets": can_manage and campaign.status != CampaignStatus.CLOSED,
            "can_register": scope.can_register,
            "can_record": campaign.status == CampaignStatus.ACTIVE
            and selectors.active_grids_for_recording(request.user, today=timezone.localdate()).filter(campaign=campaign).exists(),
            "log": list(campaign.log.select_related("actor").order_by("-id")[:15]) if can_manage else [],
            "case_new_url": reverse("web:case_new"),
        },
    )


def _manage(request, pk, action, done):
    campaign = _campaign(request, pk)
    try:
        action(campaign_id=campaign.pk, actor=request.user)
    except DomainError as exc:
        if isinstance(exc, PermissionDenied):
            return forbidden(request, str(exc.message))
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("screening:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_close(request, pk):
    return _manage(request, pk, services.campaign_close, _("活动已结束。"))


@login_required
@require_POST
def campaign_start(request, pk):
    return _manage(request, pk, services.campaign_start, _("活动已开始。"))


@login_required
@require_POST
def grid_target(request, pk, row):
    campaign = _campaign(request, pk)
    grid = get_object_or_404(campaign.grids.select_related("grid"), pk=row)
    form = TargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("应走访户数至少为 1。"))
        return redirect("screening:campaign_detail", pk=campaign.pk)
    try:
        services.campaign_grid_set_target(campaign_grid_id=grid.pk, actor=request.user, households_target=form.cleaned_data["households_target"])
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, PermissionDenied):
            return forbidden(request, str(exc.message))
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.message))
    else:
        messages.success(request, _("已调整%(grid)s的应走访户数。") % {"grid": grid.grid.name})
    return redirect(reverse("screening:campaign_detail", args=[campaign.pk]) + f"#grid-{grid.pk}")


# ---------------------------------------------------------------- the phone forms


def _recording_grids(request):
    return selectors.active_grids_for_recording(request.user, today=timezone.localdate())


def _initial_grid(request, grids):
    wanted = request.GET.get("grid")
    if wanted and wanted.isdigit() and grids.filter(pk=int(wanted)).exists():
        return {"campaign_grid": int(wanted)}
    return {}


NO_GRIDS = _("您没有正在进行的排查活动网格。排查活动由综治中心发起，网格员只能填报分配给本人的网格。")


@login_required
def tally_new(request):
    grids = _recording_grids(request)
    if not grids.exists():
        return forbidden(request, str(NO_GRIDS))
    access = access_for(request.user)
    workers = None
    if access.manages_anything:
        workers = Person.objects.filter(screening_grids__in=grids).distinct().order_by("name", "id")
    form = TallyForm(request.POST or None, grids=grids, workers=workers, initial=_initial_grid(request, grids))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                tally = services.tally_record(
                    actor=request.user,
                    campaign_grid_id=data["campaign_grid"].pk,
                    day=data["day"],
                    households_visited=data["households_visited"],
                    disputes_found=data["disputes_found"],
                    note=data["note"],
                    worker=data.get("worker"),
                )
            except (DomainError, ValidationError) as exc:
                apply_service_errors(exc, form)
                status = _status(exc)
            else:
                messages.success(
                    request,
                    _("已填报：%(grid)s %(day)s 走访 %(n)s 户。")
                    % {"grid": tally.campaign_grid.grid.name, "day": tally.date, "n": tally.households_visited},
                )
                return redirect(reverse("screening:tally_new") + f"?grid={tally.campaign_grid_id}")
        else:
            status = 400
    recent = list(
        ScreeningTally.objects.filter(campaign_grid__in=grids, recorded_by=request.user)
        .select_related("campaign_grid__grid", "worker")
        .order_by("-date", "-id")[:10]
    )
    return render(request, "screening/tally_new.html", {"form": form, "recent": recent}, status=status)


@login_required
def finding_new(request):
    grids = _recording_grids(request)
    if not grids.exists():
        return forbidden(request, str(NO_GRIDS))
    form = FindingForm(request.POST or None, grids=grids, initial=_initial_grid(request, grids))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                finding = services.finding_record(
                    actor=request.user,
                    campaign_grid_id=data["campaign_grid"].pk,
                    description=data["description"],
                    found_on=data["found_on"],
                    address=data["address"],
                    parties=data["parties"],
                )
            except (DomainError, ValidationError) as exc:
                apply_service_errors(exc, form)
                status = _status(exc)
            else:
                messages.success(request, _("已记录排查发现。需要调处的，请点“据此登记案件”。"))
                return redirect(reverse("screening:campaign_detail", args=[finding.campaign_grid.campaign_id]) + f"#finding-{finding.pk}")
        else:
            status = 400
    return render(request, "screening/finding_new.html", {"form": form}, status=status)


# ---------------------------------------------------------------- export


@login_required
@require_GET
def campaign_export(request, pk):
    campaign = _campaign(request, pk)
    coverage = selectors.campaign_coverage(request.user, campaign)
    from .export import coverage_xlsx

    content = coverage_xlsx(coverage)
    filename = _("排查覆盖情况-%(name)s.xlsx") % {"name": campaign.name}
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"screening-{campaign.pk}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response

