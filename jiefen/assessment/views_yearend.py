"""Pages of the year-end assessment: the sheets of each year, a sheet with its lines, bonus items
and ranking, the forms that change a draft, and the XLSX/DOCX downloads.

Subdistrict staff and superusers change, compute and publish; the subdistrict's leaders read;
anybody else is refused the list (403) and does not see a sheet (404)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.organisation.models import Area, AreaKind
from jiefen.web.responses import forbidden

from . import yearend
from .forms_yearend import BonusAwardForm, BonusItemForm, IndicatorForm, SheetCreateForm, SheetSettingsForm
from .models import BonusAward, CardColour, SheetStatus, SubjectKind
from .yearend_export import FORMATS, ExportError, export_bytes, export_filename

NO_ACCESS = gettext_lazy("年度综合考核由街道综治中心编制、计算和发布，领导查阅。您没有查看考核的权限。")


def _sheet(request, pk):
    return get_object_or_404(yearend.sheets_visible_to(request.user), pk=pk)


def _detail(sheet):
    return redirect("yearend:sheet_detail", sheet.pk)


# ---------------------------------------------------------------- list and create


@login_required
@require_GET
def sheet_list(request):
    if not yearend.may_use_assessment(request.user):
        return forbidden(request, NO_ACCESS)
    sheets = list(yearend.sheets_visible_to(request.user).order_by("-year", "subdistrict__sort_order", "subdistrict_id"))
    order = {kind: index for index, kind in enumerate(SubjectKind.values)}
    groups = {}
    for sheet in sorted(sheets, key=lambda s: (-s.year, s.subdistrict_id, order.get(s.subject_kind, 9))):
        groups.setdefault((sheet.year, sheet.subdistrict), []).append(sheet)
    return render(
        request,
        "assessment/yearend_list.html",
        {
            "groups": [(year, subdistrict, group) for (year, subdistrict), group in groups.items()],
            "several_subdistricts": len({s.subdistrict_id for s in sheets}) > 1,
            "can_create": yearend.subdistricts_managed_by(request.user).exists(),
            "this_year": timezone.localdate().year,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheet_new(request):
    if not yearend.subdistricts_managed_by(request.user).exists():
        return forbidden(request, _("评分表由街道综治中心（政法委员）建立；领导可以查阅。您没有建立评分表的权限。"))
    form = SheetCreateForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            sheet = yearend.score_sheet_create_default(
                request.user, form.cleaned_data["subdistrict"], form.cleaned_data["year"], form.cleaned_data["subject_kind"]
            )
        except PermissionDenied as exc:
            return forbidden(request, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            messages.success(request, _("已按默认指标建立“%(name)s”，可修改后计算。") % {"name": sheet.name})
            return _detail(sheet)
    elif request.method == "POST":
        status = 400
    return render(request, "assessment/yearend_new.html", {"form": form}, status=status)


# ---------------------------------------------------------------- a sheet


def _sheet_context(request, sheet, **forms):
    can_manage = yearend.may_manage(request.user, sheet.subdistrict_id)
    is_draft = sheet.status == SheetStatus.DRAFT
    editable = can_manage and is_draft
    results = yearend.sheet_results(sheet)
    lines = list(sheet.indicators.all())
    items = list(sheet.bonus_items.prefetch_related("awards__unit", "awards__leader", "awards__awarded_by"))
    context = {
        "sheet": sheet,
        "can_manage": can_manage,
        "editable": editable,
        "is_draft": is_draft,
        "lines": [(line, yearend.indicator_label(line.indicator), yearend.plain_number(line.target)) for line in lines],
        "items": items,
        "results": results,
        "computed_at": results[0].computed_at if results else None,
        "events": yearend.sheet_events(sheet) if can_manage else [],
        "colours": CardColour,
        "formats": list(FORMATS),
    }
    if editable:
        context["settings_form"] = forms.get("settings_form") or SheetSettingsForm.for_sheet(sheet)
        context["indicator_form"] = forms.get("indicator_form") or IndicatorForm()
        context["item_form"] = forms.get("item_form") or BonusItemForm()
    return context


@login_required
@require_GET
def sheet_detail(request, pk):
    sheet = _sheet(request, pk)
    return render(request, "assessment/yearend_sheet.html", _sheet_context(request, sheet))


@login_required
@require_GET
def result_detail(request, pk, result_pk):
    sheet = _sheet(request, pk)
    result = get_object_or_404(sheet.results.select_related("unit", "leader"), pk=result_pk)
    return render(request, "assessment/yearend_result.html", {"sheet": sheet, "result": result, "detail": result.breakdown})


def _act(request, pk, action, success):
    """Run a service on the sheet; a refusal comes back as a message on the sheet page."""
    sheet = _sheet(request, pk)
    if not yearend.may_manage(request.user, sheet.subdistrict_id):
        return forbidden(request, str(yearend.NOT_STAFF))
    try:
        action(sheet)
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return _detail(sheet)


@login_required
@require_POST
def sheet_compute(request, pk):
    return _act(request, pk, lambda sheet: yearend.assessment_compute(request.user, sheet.pk), _("已按当前数据重新计算考核结果。"))


@login_required
@require_POST
def sheet_publish(request, pk):
    return _act(
        request, pk, lambda sheet: yearend.assessment_publish(request.user, sheet.pk),
        _("考核结果已发布并冻结，此后数据变化不再影响本评分表。"),
    )


def _form_post(request, pk, form_class, key, call, success, **form_kwargs):
    """A draft-editing form: the service on success, the sheet page with the form's errors otherwise."""
    sheet = _sheet(request, pk)
    if not yearend.may_manage(request.user, sheet.subdistrict_id):
        return forbidden(request, str(yearend.NOT_STAFF))
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            call(sheet, form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc.message)
        except DomainError as exc:
            if sheet.status == SheetStatus.PUBLISHED or exc.code == "published":
                messages.error(request, exc.message)
                return _detail(sheet)
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, success)
            return _detail(sheet)
    return render(request, "assessment/yearend_sheet.html", _sheet_context(request, sheet, **{key: form}), status=400)


@login_required
@require_POST
def sheet_update(request, pk):
    def call(sheet, data):
        yearend.score_sheet_update(request.user, sheet.pk, **data)

    return _form_post(request, pk, SheetSettingsForm, "settings_form", call, _("评分表设置已保存。"), prefix="settings")


@login_required
@require_POST
def indicator_set(request, pk):
    def call(sheet, data):
        yearend.score_indicator_set(request.user, sheet.pk, indicator=data["indicator"], weight=data["weight"], target=data["target"])

    return _form_post(request, pk, IndicatorForm, "indicator_form", call, _("考核指标已保存。"))


@login_required
@require_POST
def indicator_remove(request, pk, line_pk):
    return _act(request, pk, lambda sheet: yearend.score_indicator_remove(request.user, sheet.pk, line_id=line_pk), _("考核指标已删除。"))


@login_required
@require_POST
def bonus_item_set(request, pk):
    def call(sheet, data):
        yearend.bonus_item_set(request.user, sheet.pk, name=data["name"], max_points=data["max_points"])

    return _form_post(request, pk, BonusItemForm, "item_form", call, _("加分项已保存。"))


@login_required
@require_POST
def bonus_item_remove(request, pk, item_pk):
    return _act(request, pk, lambda sheet: yearend.bonus_item_remove(request.user, sheet.pk, item_id=item_pk), _("加分项已删除。"))


@login_required
@require_http_methods(["GET", "POST"])
def bonus_award(request, pk):
    sheet = _sheet(request, pk)
    if not yearend.may_manage(request.user, sheet.subdistrict_id):
        return forbidden(request, str(yearend.NOT_STAFF))
    if sheet.status == SheetStatus.PUBLISHED:
        messages.error(request, _("考核结果已发布并冻结，不能再加分。"))
        return _detail(sheet)
    form = BonusAwardForm(request.POST or None, sheet=sheet)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                subject = yearend.subject_from_key(form.cleaned_data["subject"])
                yearend.bonus_award_record(
                    request.user, item_id=int(form.cleaned_data["item"]), points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"], **subject,
                )
            except PermissionDenied as exc:
                return forbidden(request, exc.message)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("加分已记录，重新计算后计入得分。"))
                return _detail(sheet)
    awards = BonusAward.objects.filter(item__sheet=sheet).select_related("item", "unit", "leader", "awarded_by").order_by("-id")
    return render(request, "assessment/yearend_bonus.html", {"sheet": sheet, "form": form, "awards": awards}, status=status)


@login_required
@require_POST
def bonus_award_revoke(request, pk, award_pk):
    return _act(request, pk, lambda sheet: _revoke(request.user, sheet, award_pk), _("加分记录已撤销。"))


def _revoke(user, sheet, award_pk):
    if not BonusAward.objects.filter(pk=award_pk, item__sheet=sheet).exists():
        raise DomainError(_("该加分记录不存在。"))
    yearend.bonus_award_revoke(user, award_id=award_pk)


# ---------------------------------------------------------------- downloads


@login_required
@require_GET
def export(request, subdistrict_pk, year, fmt):
    if fmt not in FORMATS:
        raise Http404
    subdistrict = get_object_or_404(Area, pk=subdistrict_pk, kind=AreaKind.SUBDISTRICT)
    if not yearend.may_read(request.user, subdistrict.pk):
        raise Http404
    try:
        content = export_bytes(subdistrict, year, fmt, actor=request.user)
    except ExportError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("yearend:sheet_list"))
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export_filename(subdistrict, year, fmt))}"
    return response
