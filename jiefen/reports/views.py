"""The dashboard (统计分析), the statistics tables, the XLSX downloads and the ledger import.

Every figure on these pages comes from jiefen.reports.indicators over the cases the user may
see (access.statistics_cases), and every chart from jiefen.reports.charts — the same calls the
written reports make. The two pages show a snapshot of them computed at most a few minutes
ago (snapshots.py), with the time it was computed and a button to recompute it; the downloads
compute afresh.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiefen.organisation.selectors import user_scope
from jiefen.web.responses import forbidden

from . import indicators as ind
from . import snapshots, spreadsheets
from .access import may_import_ledgers, may_view_statistics, sees_whole_subdistrict, statistics_cases
from .forms import LedgerUploadForm, StatisticsFilterForm
from .ledger_import import LEDGER_COLUMNS, ledger_import
from .periods import MONTH, period_containing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


NO_STATISTICS = gettext_lazy("统计分析供综治中心、领导和调解员使用。网格员请在“我的工作”中查看所报纠纷的办理情况。")


def _org_name(user) -> str:
    from jiefen.organisation.models import Area

    scope = user_scope(user)
    ids = scope.subdistrict_ids
    if len(ids) == 1:
        return Area.objects.filter(pk__in=ids).values_list("name", flat=True).first() or ""
    return ""


# Long enough to serve every reader of a snapshot; a refreshed snapshot has a new fragment key.
FRAGMENT_TIMEOUT = 600


def _query(request):
    """The filter form, the period and the filters (the default period when the form is wrong).

    Without a query string (a leader opening the dashboard) there is nothing to validate, and
    the form is only needed to draw the filters, which are usually served already rendered: it
    is built only if drawn."""
    if not request.GET:
        user = request.user
        form = SimpleLazyObject(lambda: StatisticsFilterForm(None, user=user))
        return form, period_containing(MONTH, timezone.localdate()), ind.NO_FILTERS
    form = StatisticsFilterForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["period"], form.filters()
    return form, form.default_period(), ind.NO_FILTERS


# Seconds before a page whose figures are being computed for the first time looks again.
PENDING_RELOAD_SECONDS = 3


def _context(request, page):
    """The page's context; with "pending" set (and no figures) while they are first computed."""
    form, period, filters = _query(request)
    snapshot = snapshots.snapshot_get(snapshots.View.of(request.user, period, filters), page)
    querystring = request.GET.urlencode()
    if snapshot is None:
        return {
            "pending": True,
            "reload_seconds": PENDING_RELOAD_SECONDS,
            "period": period,
            "filter_parts": filters.describe(),
            "page": page,
            "whole_subdistrict": sees_whole_subdistrict(request.user),
        }
    stats = snapshot.stats
    return {
        "form": form,
        "period": period,
        "filters": filters,
        "filter_parts": filters.describe(),
        "stats": stats,
        "summary": stats.summary,
        "charts": snapshot.charts,
        "computed_at": snapshot.computed_at,
        "stale": snapshot.stale,
        "refreshing": snapshot.refreshing,
        # What the rendered figures depend on besides the query string: the parts of the pages
        # drawn from a snapshot are kept rendered (in the default cache) under it — rendering
        # them costs more than everything else in the request. The day is in it for the
        # period picker.
        "fragment": f"{snapshot.key}:{snapshot.computed_at.timestamp()}:{timezone.localdate()}",
        "fragment_timeout": FRAGMENT_TIMEOUT,
        "page": page,
        "whole_subdistrict": sees_whole_subdistrict(request.user),
        "may_import": may_import_ledgers(request.user),
        "querystring": querystring,
        "previous_code": period.previous().code,
        "next_code": period.next().code,
        "labels": ind.FIGURE_LABELS,
        "notes": ind.COUNTER_NOTES,
        "filtered": bool(request.GET and any(v for k, v in request.GET.items() if k != "period")),
    }


@login_required
@require_GET
def dashboard(request):
    if not may_view_statistics(request.user):
        return forbidden(request, NO_STATISTICS)
    context = _context(request, "dashboard")
    return render(request, "reports/pending.html" if context.get("pending") else "reports/dashboard.html", context)


@login_required
@require_GET
def statistics_tables(request):
    if not may_view_statistics(request.user):
        return forbidden(request, NO_STATISTICS)
    context = _context(request, "statistics")
    if context.get("pending"):
        return render(request, "reports/pending.html", context)
    stats = context["stats"]
    context["tables"] = [
        ("village", _("按村(社区)"), stats.by_village, ind.GROUP_LABELS["village"]),
        ("type", _("按纠纷类型"), stats.by_type, ind.GROUP_LABELS["dispute_type"]),
        ("channel", _("按来源渠道"), stats.by_channel, ind.GROUP_LABELS["channel"]),
        ("tier", _("按调处层级"), stats.by_tier, ind.GROUP_LABELS["tier"]),
        ("unit", _("按承办单位"), stats.by_unit, ind.GROUP_LABELS["unit"]),
    ]
    return render(request, "reports/statistics.html", context)


@login_required
@require_POST
def refresh(request):
    """Recompute the figures of the page the button is on (its period and filters are in the
    query string), at most once per STATISTICS_REFRESH_INTERVAL for everyone who shares them."""
    if not may_view_statistics(request.user):
        return forbidden(request, NO_STATISTICS)
    form, period, filters = _query(request)
    page = "statistics" if request.POST.get("page") == "statistics" else "dashboard"
    outcome = snapshots.snapshot_refresh(snapshots.View.of(request.user, period, filters), page)
    if outcome == snapshots.REFRESH_TOO_SOON:
        messages.info(request, _("统计数据刚刚更新过，请稍后再试。"))
    elif outcome == snapshots.REFRESH_QUEUED:
        messages.success(request, _("已开始重新计算，请稍后刷新页面；统计时间更新后即为最新数据。"))
    else:
        messages.success(request, _("统计数据已重新计算。"))
    querystring = request.GET.urlencode()
    return redirect(reverse(f"statistics:{page}") + (f"?{querystring}" if querystring else ""))


def _xlsx(content: bytes, filename: str, ascii_name: str) -> HttpResponse:
    """An XLSX download named in Chinese, with an ASCII name for clients that ignore filename*."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_table(request):
    if not may_view_statistics(request.user):
        return forbidden(request, NO_STATISTICS)
    form, period, filters = _query(request)
    content = spreadsheets.statistics_table_xlsx(statistics_cases(request.user), period, filters, org_name=_org_name(request.user))
    code = period.code.replace("..", "_")
    return _xlsx(content, _("人民调解案件统计表-%(code)s.xlsx") % {"code": code}, f"statistics-{code}.xlsx")


@login_required
@require_GET
def export_ledger(request):
    if not may_view_statistics(request.user):
        return forbidden(request, NO_STATISTICS)
    form, period, filters = _query(request)
    content = spreadsheets.dispute_ledger_xlsx(statistics_cases(request.user), period, filters, org_name=_org_name(request.user))
    code = period.code.replace("..", "_")
    return _xlsx(content, _("矛盾纠纷排查调处台账-%(code)s.xlsx") % {"code": code}, f"ledger-{code}.xlsx")


@login_required
@require_GET
def ledger_template(request):
    if not may_import_ledgers(request.user):
        return forbidden(request, _("只有综治中心工作人员可以导入历史台账。"))
    return _xlsx(spreadsheets.ledger_template_xlsx(), _("矛盾纠纷历史台账导入模板.xlsx"), "ledger-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def ledger_upload(request):
    if not may_import_ledgers(request.user):
        return forbidden(request, _("只有综治中心工作人员可以导入历史台账。"))
    result, status = None, 200
    if request.method == "POST":
        form = LedgerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = ledger_import(
                upload, actor=request.user, dry_run=form.cleaned_data["dry_run"], source_name=upload.name
            )
            status = 200 if result.ok else 400
        else:
            status = 400
    else:
        form = LedgerUploadForm()
    return render(
        request,
        "reports/ledger_import.html",
        {"form": form, "result": result, "columns": LEDGER_COLUMNS},
        status=status,
    )
