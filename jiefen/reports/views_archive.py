"""The archive of written reports: every report by kind and period with all its versions and
their files; staff generate a report now (any period) or a new version with the analyst's
judgement; leaders read. Files are served only here, after the reader's subdistrict is checked
and the file's SHA-256 is found unchanged."""

from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.documents.errors import FontsMissing
from jiefen.organisation.models import Area, AreaKind
from jiefen.organisation.selectors import user_scope

from . import periods
from .models import Report, ReportKind, ReportStatus
from .written.kinds import SPECS, ReportInputError, report_period, spec_of
from .written.services import (
    CONTENT_TYPES,
    report_download_name,
    report_due_date,
    report_due_dates,
    report_file_path,
    report_produce,
    report_verify,
)

PERIODS_SHOWN = 60  # periods per kind on the list; older ones by filtering on the period


def readable_subdistrict_ids(user) -> set:
    scope = user_scope(user)
    if scope.is_superuser:
        return set(Area.objects.filter(kind=AreaKind.SUBDISTRICT).values_list("id", flat=True))
    return set(scope.staff_subdistrict_ids | scope.leader_subdistrict_ids)


def writable_subdistrict_ids(user) -> set:
    scope = user_scope(user)
    if scope.is_superuser:
        return set(Area.objects.filter(kind=AreaKind.SUBDISTRICT).values_list("id", flat=True))
    return set(scope.staff_subdistrict_ids)


def _forbidden(request):
    return render(
        request,
        "web/forbidden.html",
        {"message": _("书面报告仅供街道综治中心工作人员和领导查阅。")},
        status=403,
    )


def _subdistrict(request, readable: set):
    """The subdistrict asked for (?subdistrict=), or the reader's first."""
    wanted = request.GET.get("subdistrict") or request.POST.get("subdistrict")
    areas = list(Area.objects.filter(pk__in=readable).order_by("sort_order", "id"))
    if wanted:
        chosen = next((area for area in areas if str(area.pk) == str(wanted)), None)
        if chosen is None:
            raise Http404
        return chosen, areas
    return areas[0], areas


def _recent_periods(today) -> dict:
    """Suggestions for the period field: each kind's last few periods."""
    suggestions = {}
    for kind, spec in SPECS.items():
        period = periods.period_containing(spec.period_kind, today)
        items = []
        for _step in range(6):
            items.append((period.code, period.label))
            period = period.previous()
        suggestions[kind] = items
    return suggestions


@login_required
@require_GET
def archive(request):
    readable = readable_subdistrict_ids(request.user)
    if not readable:
        return _forbidden(request)
    subdistrict, areas = _subdistrict(request, readable)
    kind = request.GET.get("kind", "")
    if kind and kind not in ReportKind.values:
        kind = ""
    reports = Report.objects.filter(subdistrict=subdistrict, status=ReportStatus.READY).select_related("number", "created_by")
    if kind:
        reports = reports.filter(kind=kind)
    groups: OrderedDict = OrderedDict()
    for report in reports.order_by("-period_start", "kind", "-version")[: PERIODS_SHOWN * 6]:
        key = (report.kind, report.period_code)
        group = groups.setdefault(key, {"kind": report.kind, "period_code": report.period_code, "versions": []})
        group["versions"].append(report)
    today = timezone.localdate()
    context = {
        "subdistrict": subdistrict,
        "areas": areas,
        "kind": kind,
        "kinds": ReportKind.choices,
        "groups": list(groups.values())[:PERIODS_SHOWN],
        "can_generate": subdistrict.pk in writable_subdistrict_ids(request.user),
        "suggestions": _recent_periods(today),
        "next_due": _next_due(today),
    }
    return render(request, "reports/archive/list.html", context)


def _next_due(today) -> list:
    """Each kind's next automatic report: the period and the day it is due."""
    # The last complete period's report, or the current one's once that day has passed.
    candidates = {
        kind: (periods.last_complete(spec.period_kind, today), periods.period_containing(spec.period_kind, today))
        for kind, spec in SPECS.items()
    }
    due_on = report_due_dates(period for pair in candidates.values() for period in pair)
    rows = []
    for kind, spec in SPECS.items():
        period = next((p for p in candidates[kind] if due_on[p] >= today), candidates[kind][1])
        rows.append({"kind": kind, "name": spec.name, "period": period, "due": due_on[period]})
    return rows


@login_required
@require_GET
def report_detail(request, kind, period):
    readable = readable_subdistrict_ids(request.user)
    if not readable:
        return _forbidden(request)
    subdistrict, areas = _subdistrict(request, readable)
    try:
        spec = spec_of(kind)
        the_period = report_period(kind, period)
    except ReportInputError:
        raise Http404 from None
    versions = list(
        Report.objects.filter(subdistrict=subdistrict, kind=kind, period_code=the_period.code, status=ReportStatus.READY)
        .select_related("number", "created_by")
        .order_by("-version")
    )
    context = {
        "subdistrict": subdistrict,
        "areas": areas,
        "spec": spec,
        "kind": kind,
        "period": the_period,
        "versions": versions,
        "latest": versions[0] if versions else None,
        "due": report_due_date(the_period),
        "can_generate": subdistrict.pk in writable_subdistrict_ids(request.user),
    }
    return render(request, "reports/archive/detail.html", context)


@login_required
@require_POST
def report_generate(request):
    writable = writable_subdistrict_ids(request.user)
    if not writable:
        return _forbidden(request)
    subdistrict, _areas = _subdistrict(request, writable)
    kind = request.POST.get("kind", "")
    code = (request.POST.get("period") or "").strip()
    judgement = request.POST.get("judgement")
    if judgement is not None:
        judgement = judgement.replace("\r\n", "\n")[:20000]
        if request.POST.get("keep_judgement") == "1" and not judgement.strip():
            judgement = None
    back = request.POST.get("next") or reverse("reports_archive:list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("reports_archive:list")
    try:
        report = report_produce(subdistrict=subdistrict, kind=kind, period=code, actor=request.user, judgement=judgement)
    except ReportInputError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    except FontsMissing as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        _("已生成%(title)s（%(number)s，第%(version)d版），用时%(seconds).1f秒。")
        % {"title": report.title, "number": report.number.text, "version": report.version, "seconds": report.render_ms / 1000},
    )
    url = reverse("reports_archive:detail", args=[report.kind, report.period_code])
    return redirect(f"{url}?subdistrict={subdistrict.pk}")


@login_required
@require_GET
def report_download(request, pk, fmt):
    report = Report.objects.filter(pk=pk, status=ReportStatus.READY).select_related("number").first()
    if report is None or fmt not in CONTENT_TYPES or report.subdistrict_id not in readable_subdistrict_ids(request.user):
        raise Http404
    path = report_file_path(report, fmt)
    if path is None or not path.is_file():
        raise Http404
    if not report_verify(report, fmt):
        return render(
            request,
            "reports/archive/problem.html",
            {
                "title": _("文件校验未通过"),
                "message": _("该报告文件与归档时的校验值（SHA-256）不一致，可能已被改动，已停止下载。请联系系统管理员。"),
            },
            status=409,
        )
    response = FileResponse(path.open("rb"), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, report_download_name(report, fmt))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Content-SHA256"] = report.sha256_of(fmt)
    return response
