"""Pages of the web UI. Reads go through the selectors, writes through the services; a refused
write comes back as a message beside the form, never as an error page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiefen.audit.models import AccessKind
from jiefen.audit.services import case_access_record, may_reveal_personal_data
from jiefen.cases import selectors, services
from jiefen.cases.intake_sources import resolve_intake_source
from jiefen.cases.lifecycle import TAKEN_BY_SERVICES, TRANSITIONS
from jiefen.cases.models import Case, CaseState
from jiefen.common.prepared import prepared_prefetch
from jiefen.common.errors import ConflictError, DomainError, PermissionDenied
from jiefen.notifications import selectors as inbox
from jiefen.notifications import services as inbox_services
from jiefen.organisation.selectors import user_scope

from .responses import forbidden
from .panels import case_panels, has_rows
from .display import case_deadline_html, case_facts_html, case_head_html, timeline, timeline_html, url_path
from .forms import (
    MAX_PARTIES,
    ActionForm,
    CaseFilterForm,
    CaseIntakeForm,
    PartyForm,
    PartyFormSet,
    apply_service_errors,
    is_known_action,
)

REROUTABLE_STATES = (CaseState.REGISTERED, CaseState.ACCEPTED, CaseState.ASSIGNED)
EXTENDABLE_STATES = (CaseState.ASSIGNED, CaseState.MEDIATING)
RESOLVED_STATES = (CaseState.PERFORMED, CaseState.VISITED, CaseState.ARCHIVED)


# ---------------------------------------------------------------- my work


@login_required
@require_GET
def my_work(request):
    work = selectors.my_work(request.user, today=timezone.localdate())
    sections = [
        ("overdue", _("已超期"), work["overdue"], _("没有超期案件。")),
        ("due_soon", _("即将到期"), work["due_soon"], _("近期没有到期的案件。")),
        ("new", _("新登记待受理"), work["new"], _("没有待受理的新案件。")),
        ("in_progress", _("在办案件"), work["in_progress"], _("没有其他在办案件。")),
    ]
    return render(request, "web/my_work.html", {"sections": sections})


# ---------------------------------------------------------------- case list


@login_required
@require_GET
def case_list(request):
    form = CaseFilterForm(request.GET or None, user=request.user)
    cases, next_after = [], None
    if not form.is_bound or form.is_valid():
        filters = form.to_filters() if form.is_bound else selectors.CaseFilters()
        after = form.cleaned_data.get("after") if form.is_bound else None
        cases, next_after = selectors.case_list(
            request.user, filters, after_id=after, limit=settings.JIEFEN_CASE_PAGE_SIZE, only=selectors.CASE_ROW_FIELDS
        )
    return render(
        request,
        "web/case_list.html",
        {
            "form": form,
            "cases": cases,
            "next_after": next_after,
            "is_later_page": bool(request.GET.get("after")),
            "filtered": bool(form.is_bound and any(v for k, v in request.GET.items() if k != "after")),
        },
    )


# ---------------------------------------------------------------- case detail and actions


def extra_actions(user, case):
    """Actions beside the lifecycle ones, offered to exactly whom their service would allow."""
    staff = services.user_is_staff_for(user, case)
    handler = services.user_can_handle(user, case)
    actions = []
    if staff and case.state in REROUTABLE_STATES:
        actions.append("reroute")
    if handler and case.state != CaseState.ARCHIVED:
        actions.append("update_risk")
    if handler and case.state in EXTENDABLE_STATES and case.mediation_due_date:
        actions.append("extend_mediation")
    if handler and case.state in RESOLVED_STATES:
        actions.append("open_recurrence")
    return actions


def case_actions(user, case):
    """The actions of the 办理 card, in their order: lifecycle steps, then the others."""
    lifecycle = [t.action for t in services.allowed_actions(user, case) if t.action not in TAKEN_BY_SERVICES]
    return lifecycle + extra_actions(user, case)


TIMELINE_LATEST = 30  # events shown on the case page until the user asks for the whole history


def _timeline(request, case):
    """The latest events, oldest first, and how many there are in all; every event with
    ?timeline=all (the whole history stays on the page for reading and printing)."""
    latest = None if request.GET.get("timeline") == "all" else TIMELINE_LATEST
    events, total = selectors.case_timeline_events(case, latest)
    return timeline(events), total


def _page_probes():
    """Asked with the panels' questions: few cases have recurred."""
    return {"has_recurrences": Exists(Case.objects.filter(recurrence_of=OuterRef("pk")))}


def _recurrences_of(user, case):
    return selectors.cases_visible_to(user).filter(recurrence_of=case).only("id", "number", "title")


def _detail_context(request, case, *, failed=None, error=None):
    """Everything the detail page shows; `failed` is a bound form to show with its errors."""
    user = request.user
    # Fetched once: the panels, their forms and the party cards all read case.parties.all().
    prepared_prefetch([case], ["parties"], key=__name__)
    # Only the form being filled in carries its fields: refused, or asked for with ?open= (no JavaScript).
    forms, open_form = [], request.GET.get("open", "")
    for action in case_actions(user, case):
        if failed is not None and failed.action == action:
            forms.append(failed)
        elif action == open_form:
            forms.append(ActionForm(case=case, action=action))
        else:
            forms.append(ActionForm.closed(case, action))
    panels = case_panels(request, case, _page_probes)
    recurrences = []
    if has_rows(case, "has_recurrences", lambda: _recurrences_of(user, case)):
        recurrences = list(_recurrences_of(user, case))
    rows, total = _timeline(request, case)
    return {
        "case": case,
        "parties": list(case.parties.all()),
        "may_reveal": may_reveal_personal_data(user),
        "timeline": rows,
        "timeline_items": timeline_html(rows),
        "timeline_total": total,
        "lifecycle_forms": [f for f in forms if f.action in TRANSITIONS],
        "extra_forms": [f for f in forms if f.action not in TRANSITIONS],
        "case_head": case_head_html(case),
        "case_deadline": case_deadline_html(case),
        "case_facts": case_facts_html(case, recurrences),
        "panels": panels,
        "action_error": error,
        "failed_action": failed.action if failed is not None else "",
        # The form asked for by its link when the browser did not fetch its fields itself.
        "open_form": open_form,
        # After a POST the current URL only accepts POST; switching language returns to the case.
        "language_next": url_path("web:case_detail", case.pk),
    }


@login_required
@require_GET
def case_detail(request, pk):
    case = selectors.case_get_for_user(request.user, pk=pk)
    case_access_record(user=request.user, case=case, kind=AccessKind.CASE, request=request)
    return render(request, "web/case_detail.html", _detail_context(request, case))


@login_required
@require_GET
def case_action_fields(request, pk, action):
    """The fields of one action's form, fetched when its <details> on the case page is opened."""
    case = selectors.case_get_for_user(request.user, pk=pk)
    if action not in case_actions(request.user, case):
        raise Http404
    return render(request, "web/_action_fields.html", {"case": case, "form": ActionForm(case=case, action=action)})


@login_required
@require_POST
def party_reveal(request, pk, party_id):
    """The party's full ID number and phones, once, to a user with the permission, who says why."""
    case = selectors.case_get_for_user(request.user, pk=pk)
    party = case.parties.filter(pk=party_id).first()
    if party is None:
        raise Http404
    if not may_reveal_personal_data(request.user):
        return forbidden(request, _("您没有查看完整身份证号码和电话的权限。"))
    reason = (request.POST.get("reason") or "").strip()
    if not reason:
        messages.error(request, _("请填写查看完整信息的事由。"))
        return redirect(reverse("web:case_detail", args=[case.pk]) + f"#party-{party.pk}")
    case_access_record(
        user=request.user, case=case, kind=AccessKind.REVEAL, detail=f"{party.name}：{reason}", request=request
    )
    context = {"case": case, "party": party, "revealed": True}
    if request.htmx:
        return render(request, "web/_party_card.html", context)
    detail = _detail_context(request, case)
    detail["revealed_party"] = party.pk
    return render(request, "web/case_detail.html", detail)


@login_required
@require_GET
def case_print(request, pk):
    case = selectors.case_get_for_user(request.user, pk=pk)
    routed = case.events.filter(kind="routed").first()
    return render(
        request,
        "web/case_print.html",
        {"case": case, "parties": list(case.parties.all()), "routing": timeline([routed])[0] if routed else None},
    )


def _perform(user, case, action, data):
    version = data["expected_version"]
    reason = data.get("reason", "")
    if action in TRANSITIONS:
        extra = {name: data.get(name) for name in data if name not in ("expected_version", "reason")}
        return services.case_transition(
            case_id=case.pk, action=action, actor=user, reason=reason, expected_version=version, **extra
        )
    if action == "reroute":
        return services.case_reroute(
            case_id=case.pk, actor=user, unit=data["unit"], reason=reason, expected_version=version
        )
    if action == "update_risk":
        return services.case_update_risk(
            case_id=case.pk,
            actor=user,
            risk_grade=data["risk_grade"],
            complexity=data["complexity"],
            reason=reason,
            expected_version=version,
        )
    if action == "extend_mediation":
        return services.case_extend_mediation(
            case_id=case.pk, actor=user, days=data["days"], reason=reason, expected_version=version
        )
    if action == "open_recurrence":
        return services.case_open_recurrence(
            original_id=case.pk, actor=user, reason=reason, description=data.get("description", "")
        )
    raise Http404


def _error_text(label, messages_):
    return _("“%(action)s”未执行：%(errors)s") % {"action": label, "errors": " ".join(str(m) for m in messages_)}


@login_required
@require_POST
def case_act(request, pk, action):
    case = selectors.case_get_for_user(request.user, pk=pk)
    if not is_known_action(action):
        raise Http404
    form = ActionForm(request.POST, case=case, action=action)
    if not form.is_valid():
        messages_ = [m for errors in form.errors.values() for m in errors]
        context = _detail_context(request, case, failed=form, error=_error_text(form.label, messages_))
        return render(request, "web/case_detail.html", context, status=400)
    try:
        result = _perform(request.user, case, action, form.cleaned_data)
    except ConflictError as exc:
        # Show the case as it is now, with fresh forms, so the user decides again on current facts.
        fresh = selectors.case_get_for_user(request.user, pk=pk)
        return render(request, "web/case_detail.html", _detail_context(request, fresh, error=exc.message), status=409)
    except (DomainError, ValidationError) as exc:
        apply_service_errors(exc, form)
        status = 403 if isinstance(exc, PermissionDenied) else 400
        message = str(exc.message) if isinstance(exc, DomainError) else _error_text(form.label, exc.messages)
        fresh = selectors.case_get_for_user(request.user, pk=pk)
        return render(
            request, "web/case_detail.html", _detail_context(request, fresh, failed=form, error=message), status=status
        )
    if action == "open_recurrence":
        messages.success(
            request, _("已登记复发案件 %(number)s，并已记入原承办单位的考核。") % {"number": result.number}
        )
        return redirect("web:case_detail", pk=result.pk)
    messages.success(
        request,
        _("已执行“%(action)s”，案件当前状态：%(state)s。") % {"action": form.label, "state": result.get_state_display()},
    )
    return redirect("web:case_detail", pk=case.pk)


# ---------------------------------------------------------------- intake


def _duplicates(user, form, party_rows):
    """Open cases naming any of these parties: the ones the user may open, and a count of the rest."""
    found = list(
        selectors.open_cases_of_person(
            id_numbers=[row["id_number"] for _i, row in party_rows],
            phones=[row["phone"] for _i, row in party_rows],
            names=[row["name"] for _i, row in party_rows],
            address=form.cleaned_data.get("address", ""),
        ).select_related("village")[:50]
    )
    visible_ids = set(selectors.cases_visible_to(user).filter(id__in=[c.id for c in found]).values_list("id", flat=True))
    shown = [c for c in found if c.id in visible_ids]
    return shown, len(found) - len(shown)


@login_required
def case_new(request):
    if not user_scope(request.user).can_register:
        return forbidden(request, _("您没有登记矛盾纠纷的权限。如需登记，请联系综治中心开通网格员或调解员岗位。"))
    duplicates, hidden_duplicates, status = [], 0, 200
    try:
        source = resolve_intake_source(request.user, request.POST.get("source") or request.GET.get("source"))
    except DomainError as exc:
        return forbidden(request, exc.message)
    if request.method == "POST":
        form = CaseIntakeForm(request.POST, user=request.user)
        parties = PartyFormSet(request.POST, prefix="parties")
        if form.is_valid() and parties.is_valid():
            party_rows = parties.filled()
            duplicates, hidden_duplicates = _duplicates(request.user, form, party_rows)
            if (duplicates or hidden_duplicates) and not form.cleaned_data.get("confirm_duplicate"):
                form.add_error(
                    "confirm_duplicate",
                    _("发现涉及相同当事人的未结案件。请先核实是否为同一纠纷；确属新纠纷的，请勾选“已核实，仍要登记”后再提交。"),
                )
            else:
                try:
                    with transaction.atomic():
                        case = services.case_register(
                            actor=request.user,
                            data=form.case_data(),
                            parties=[row for _i, row in party_rows],
                            routing_override=form.routing_override(),
                        )
                        if source is not None:
                            source.attach(case=case, actor=request.user)
                except (DomainError, ValidationError) as exc:
                    apply_service_errors(exc, form, parties, [index for index, _row in party_rows])
                else:
                    message = _("已登记案件 %(number)s，分流至%(tier)s：%(unit)s。") % {
                        "number": case.number,
                        "tier": case.get_tier_display(),
                        "unit": case.assigned_unit.name,
                    }
                    if case.needs_sanlian:
                        message += " " + _("该纠纷需转小区“三联三议”。")
                    messages.success(request, message)
                    return redirect("web:case_detail", pk=case.pk)
        status = 400
    else:
        form = CaseIntakeForm(user=request.user, initial=source.initial if source else None)
        parties = PartyFormSet(prefix="parties")
    return render(
        request,
        "web/case_new.html",
        {
            "form": form,
            "source": source,
            "parties": parties,
            "duplicates": duplicates,
            "hidden_duplicates": hidden_duplicates,
            "max_parties": MAX_PARTIES,
            "language_next": reverse("web:case_new"),
        },
        status=status,
    )


@login_required
@require_GET
def intake_places(request):
    """The compound and grid selects for the village just chosen (htmx)."""
    if not user_scope(request.user).can_register:
        raise Http404
    form = CaseIntakeForm(initial={"village": request.GET.get("village")}, user=request.user)
    return render(request, "web/_place_fields.html", {"form": form})


@login_required
@require_GET
def intake_party(request):
    """One more empty party row (htmx); the response also bumps the formset's form count."""
    if not user_scope(request.user).can_register:
        raise Http404
    try:
        index = int(request.GET.get("parties-TOTAL_FORMS", ""))
    except ValueError:
        index = 2
    if not 0 <= index < MAX_PARTIES:
        return render(request, "web/_party_limit.html", {"max_parties": MAX_PARTIES})
    form = PartyForm(prefix=f"parties-{index}")
    return render(request, "web/_party_form.html", {"pform": form, "index": index, "total": index + 1, "oob": True})


# ---------------------------------------------------------------- notifications


@login_required
@require_GET
def notifications(request):
    try:
        after = int(request.GET.get("after", "")) or None
    except ValueError:
        after = None
    rows, next_after = inbox.notifications_for(request.user, after_id=after)
    return render(
        request, "web/notifications.html", {"notifications": rows, "next_after": next_after, "is_later_page": bool(after)}
    )


@login_required
@require_POST
def notification_read(request, pk):
    if not inbox_services.notification_mark_read(user=request.user, notification_id=pk):
        raise Http404
    return redirect(_back(request, "web:notifications"))


@login_required
@require_POST
def notifications_read_all(request):
    count = inbox_services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将%(count)d条通知标为已读。") % {"count": count})
    return redirect("web:notifications")


def _back(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
