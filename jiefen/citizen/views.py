"""The public progress page: a party enters the case number and their phone number and sees
where the case stands in plain words; no login. A wrong phone and an unknown number get the
same answer, failures are rate-limited, and a successful look-up is remembered in the
session for half an hour."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jiefen.cases.models import Case, Party
from jiefen.common.errors import ConflictError, DomainError

from .forms import LookupForm, RatingForm
from .models import CaseRating
from .progress import case_progress_steps, case_status_words
from .services import (
    LOOKUP_WINDOW,
    case_rating_submit,
    lookup_record_failure,
    lookup_throttled,
    normalise_case_number,
    party_for_lookup,
    rating_allowed,
)

SESSION_KEY = "citizen_progress"
SESSION_SECONDS = 30 * 60


def client_ip(request) -> str:
    """The caller's address. Behind N trusted reverse proxies (JIEFEN_TRUSTED_PROXY_COUNT) it
    is the N-th address from the right of X-Forwarded-For; entries further left are whatever
    the client claimed and are ignored."""
    proxies = int(getattr(settings, "JIEFEN_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _remembered(request):
    """(case, party) of the look-up remembered in this session, if still within its 30 minutes."""
    saved = request.session.get(SESSION_KEY)
    if not saved or saved.get("until", 0) < timezone.now().timestamp():
        request.session.pop(SESSION_KEY, None)
        return None, None
    party = Party.objects.filter(pk=saved.get("party"), case_id=saved.get("case")).select_related("case").first()
    if party is None:
        request.session.pop(SESSION_KEY, None)
        return None, None
    case = Case.objects.select_related("dispute_type", "assigned_unit").get(pk=party.case_id)
    return case, party


def _throttled(request):
    minutes = int(LOOKUP_WINDOW.total_seconds() // 60)
    return render(request, "citizen/throttled.html", {"minutes": minutes}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    if request.method == "GET":
        case, _party = _remembered(request)
        if case is not None:
            return redirect("citizen:progress")
        return render(request, "citizen/lookup.html", {"form": LookupForm()})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return render(request, "citizen/lookup.html", {"form": form}, status=400)
    ip = client_ip(request)
    number = normalise_case_number(form.cleaned_data["number"])
    if lookup_throttled(ip=ip, number=number):
        return _throttled(request)
    party = party_for_lookup(number, form.cleaned_data["phone"])
    if party is None:
        lookup_record_failure(ip=ip, number=number)
        # One message whether the number exists or not, so the page cannot be used to probe numbers.
        return render(request, "citizen/lookup.html", {"form": form, "not_found": True})
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "case": party.case_id,
        "party": party.pk,
        "until": timezone.now().timestamp() + SESSION_SECONDS,
    }
    request.session.set_expiry(SESSION_SECONDS)
    return redirect("citizen:progress")


def _progress_context(case, party, *, rating_form=None, error=""):
    rated = CaseRating.objects.filter(case=case, party=party).first()
    return {
        "case": case,
        "party_role": party.get_role_display(),
        "status_words": case_status_words(case, for_party=True),
        "steps": case_progress_steps(case),
        "unit": case.assigned_unit,
        "rating": rated,
        "can_rate": rated is None and rating_allowed(case),
        "rating_form": rating_form or RatingForm(),
        "error": error,
    }


@never_cache
def progress(request):
    case, party = _remembered(request)
    if case is None:
        messages.info(request, _("查询已超过30分钟或尚未查询，请重新输入案件编号和电话号码。"))
        return redirect("citizen:lookup")
    return render(request, "citizen/progress.html", _progress_context(case, party))


@never_cache
@require_POST
def rate(request):
    case, party = _remembered(request)
    if case is None:
        messages.info(request, _("查询已超过30分钟，请重新输入案件编号和电话号码后再评价。"))
        return redirect("citizen:lookup")
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(request, "citizen/progress.html", _progress_context(case, party, rating_form=form), status=400)
    try:
        case_rating_submit(
            case_id=case.pk,
            party_id=party.pk,
            outcome_score=form.cleaned_data["outcome_score"],
            mediator_score=form.cleaned_data["mediator_score"],
            comment=form.cleaned_data["comment"],
        )
    except ConflictError as exc:
        return render(request, "citizen/progress.html", _progress_context(case, party, error=exc.message), status=409)
    except DomainError as exc:
        return render(request, "citizen/progress.html", _progress_context(case, party, rating_form=form, error=exc.message), status=400)
    messages.success(request, _("感谢您的评价！"))
    return redirect("citizen:progress")


@require_POST
def forget(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("citizen:lookup")
