"""Pages for prevention work: activities with their counts, the record form, the referral list,
and the case page's 心理疏导 forms (a refused form comes back open on the case page)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.cases.selectors import case_get_for_user
from jiefen.cases.services import user_can_handle
from jiefen.common.errors import ConflictError, DomainError, PermissionDenied
from jiefen.web.forms import apply_service_errors
from jiefen.web.panels import panel_refused, refused_text
from jiefen.web.responses import forbidden

from . import selectors, services
from .access import reads_activities, reads_referrals, referrals_visible_to, units_recordable_by
from .forms import ActivityForm, ReferralForm, StepForm
from .models import Programme


def _status(exc):
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    return 400


@login_required
@require_GET
def activity_list(request):
    if not reads_activities(request.user):
        return forbidden(request, _("预防活动由社会组织、综治中心记录，村(社区)调解员和领导查阅。您没有查看的权限。"))
    today = timezone.localdate()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year
    programme_id = request.GET.get("programme", "")
    programme_id = int(programme_id) if programme_id.isdigit() else None
    start, end = date(year, 1, 1), date(year, 12, 31)
    return render(
        request,
        "prevention/activity_list.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 4, -1)),
            "summary": selectors.activity_summary(request.user, start=start, end=end),
            "activities": selectors.activity_list(request.user, start=start, end=end, programme_id=programme_id),
            "programmes": Programme.objects.filter(is_active=True),
            "programme_id": programme_id,
            "can_record": units_recordable_by(request.user).exists(),
            "can_see_referrals": reads_referrals(request.user),
        },
    )


@login_required
def activity_new(request):
    if not units_recordable_by(request.user).exists():
        return forbidden(request, _("只有社会组织等组织单位的人员和综治中心工作人员可以记录预防活动。"))
    form = ActivityForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = services.activity_record(
                    actor=request.user,
                    unit=data["unit"],
                    programme=data["programme"],
                    title=data["title"],
                    day=data["day"],
                    village=data["village"],
                    place=data["place"],
                    participants=data["participants"],
                    households_reached=data["households_reached"],
                    volunteers=data["volunteers"],
                    description=data["description"],
                )
            except (DomainError, ValidationError) as exc:
                apply_service_errors(exc, form)
                status = _status(exc)
            else:
                messages.success(request, _("已记录活动“%(title)s”。") % {"title": activity.title})
                return redirect(reverse("prevention:activity_list") + f"?year={activity.date.year}")
        else:
            status = 400
    return render(request, "prevention/activity_new.html", {"form": form}, status=status)


@login_required
@require_GET
def referral_list(request):
    if not reads_referrals(request.user):
        return forbidden(request, _("心理疏导信息属于敏感个人信息，仅案件承办人员和综治中心工作人员可以查看。"))
    open_only = request.GET.get("open") == "1"
    return render(
        request,
        "prevention/referral_list.html",
        {"referrals": selectors.referral_list(request.user, open_only=open_only), "open_only": open_only},
    )


def _refused(request, case, form, message, status):
    return panel_refused(request, case, attribute="counselling_failed", form=form, message=message, status=status)


def _message(form, exc):
    return str(exc.message) if isinstance(exc, DomainError) else refused_text(form, exc.messages)


@login_required
@require_GET
def referral_fields(request, pk):
    """The referral form's fields, fetched when its <details> on the case page is opened."""
    case = case_get_for_user(request.user, pk=pk)
    if not user_can_handle(request.user, case) or case.state == "archived":
        raise Http404
    return render(request, "prevention/_referral_fields.html", {"form": ReferralForm(case=case)})


@login_required
@require_POST
def referral_new(request, pk):
    case = case_get_for_user(request.user, pk=pk)
    form = ReferralForm(request.POST, case=case)
    if not form.is_valid():
        errors = [m for field_errors in form.errors.values() for m in field_errors]
        return _refused(request, case, form, refused_text(form, errors), 400)
    data = form.cleaned_data
    try:
        services.referral_create(actor=request.user, case_id=case.pk, party_id=data["party"].pk, reason=data["reason"], room=data["room"])
    except (DomainError, ValidationError) as exc:
        apply_service_errors(exc, form)
        return _refused(request, case, form, _message(form, exc), _status(exc))
    messages.success(request, _("已转介心理疏导。"))
    return redirect(reverse("web:case_detail", args=[case.pk]) + "#counselling")


@login_required
@require_POST
def referral_step(request, pk, action):
    referral = referrals_visible_to(request.user).filter(pk=pk).select_related("case").first()
    if referral is None or action not in services.TRANSITIONS:
        raise Http404
    case = case_get_for_user(request.user, pk=referral.case_id)
    form = StepForm(request.POST, title=str(services.ACTION_LABELS[action]), op=action)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.referral_transition(
            actor=request.user, referral_id=referral.pk, action=action, note=data.get("note", ""), expected_version=data.get("version")
        )
    except (DomainError, ValidationError) as exc:
        apply_service_errors(exc, form)
        return _refused(request, case, form, _message(form, exc), _status(exc))
    messages.success(request, _("已完成：%(action)s。") % {"action": form.title})
    return redirect(reverse("web:case_detail", args=[case.pk]) + "#counselling")
