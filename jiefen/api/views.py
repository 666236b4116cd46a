"""The REST API, version 1. Each view is a thin layer over what the web UI uses: the same
selectors decide what a user sees (an unseen case is a 404), the same forms check input, the
same services write, and their refusals come back as the API's JSON error body.

The API answers in Chinese, the project's source language, whatever the browser's language
cookie says; every error also carries its English text."""

import io
from typing import NamedTuple

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from jiefen.audit.models import AccessKind
from jiefen.audit.services import case_access_record, may_reveal_personal_data
from jiefen.cases import selectors, services
from jiefen.cases.lifecycle import TAKEN_BY_SERVICES
from jiefen.cases.models import Case, CaseState, Channel, RiskGrade, Tier
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.documents.builders import case_documents, document_build, personal_data_masked
from jiefen.documents.dossier import dossier_pdf
from jiefen.documents.render_pdf import render_pdf
from jiefen.documents.views import CONTENT_TYPES, may_download
from jiefen.mediation.models import Agreement, Session
from jiefen.organisation.selectors import user_scope
from jiefen.reports import indicators as ind
from jiefen.reports.access import may_view_statistics, sees_whole_subdistrict, statistics_cases
from jiefen.reports.forms import StatisticsFilterForm
from jiefen.web.display import timeline
from jiefen.web.forms import INTAKE_FIELDS, ActionForm, CaseFilterForm, CaseIntakeForm, PartyForm

from . import serializers as s
from .errors import FieldErrors, both, check_both, entry, flatten_drf, form_errors
from .messages import CHINESE

NO_REGISTER = _("您没有登记矛盾纠纷的权限。")
NO_HANDLE = _("您无权办理该案件。")
NO_REROUTE = _("只有综治中心工作人员可以调整分流。")
NO_STATISTICS = _("统计分析供综治中心、领导和调解员使用。网格员请在“我的工作”中查看所报纠纷的办理情况。")
NO_DOWNLOAD = _("文书载有当事人的身份证号码和联系电话，仅承办人员和街道工作人员可以下载。")
NO_DOSSIER = _("卷宗载有当事人的身份证号码和联系电话，仅承办人员和街道工作人员可以下载。")
NO_SUCH_FORMAT = _("只提供 PDF 和 DOCX 两种格式。")
POSSIBLE_DUPLICATE = _(
    "发现涉及相同当事人的未结案件。请先核实是否为同一纠纷；确属新纠纷的，请将 confirm_duplicate 设为 true 后再提交。"
)


class ApiView(APIView):
    def dispatch(self, request, *args, **kwargs):
        with translation.override(CHINESE):
            return super().dispatch(request, *args, **kwargs)


class AnyAccept(BaseContentNegotiation):
    """Downloads answer with a file whatever the client accepts; errors still come as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _serializer_check(serializer_class, data, **kwargs):
    def validate():
        serializer = serializer_class(data=data, **kwargs)
        valid = serializer.is_valid()
        return serializer, ({} if valid else flatten_drf(serializer.errors))

    return check_both(validate).validated_data


def _case(request, pk) -> Case:
    return selectors.case_get_for_user(request.user, pk=pk)


def _record_access(request, case, kind=AccessKind.API, detail=None):
    # Personal data read or downloaded through the API is logged like the case page and the
    # web downloads (PIPL: access to it is accountable).
    case_access_record(user=request.user, case=case, kind=kind, detail=detail or request.path, request=request)


def _results(data) -> Response:
    return Response({"results": data})


# ---------------------------------------------------------------- cases: list and intake

CASE_PARAMETERS = [
    OpenApiParameter("q", str, description=_("编号或简题包含的文字。")),
    OpenApiParameter("state", str, enum=["open", *CaseState.values], description=_("状态；open 为全部未归档案件。")),
    OpenApiParameter("tier", int, enum=Tier.values, description=_("调处层级。")),
    OpenApiParameter("village", int, description=_("村(社区) id。")),
    OpenApiParameter("dispute_type", int, description=_("纠纷类型 id。")),
    OpenApiParameter("risk_grade", str, enum=RiskGrade.values),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("created_from", OpenApiTypes.DATE, description=_("登记日期自（含）。")),
    OpenApiParameter("created_to", OpenApiTypes.DATE, description=_("登记日期至（含）。")),
    OpenApiParameter("overdue", bool, description=_("只看已超期。")),
    OpenApiParameter("mine", bool, description=_("只看本人承办或登记的。")),
    OpenApiParameter("after", int, description=_("游标：上一页返回的 next_cursor。")),
    OpenApiParameter("limit", int, description=_("每页条数，1–100，默认 25。")),
]


class CaseListView(ApiView):
    @extend_schema(
        operation_id="cases_list",
        summary=_("案件列表"),
        description=_("本人可见的案件，按登记先后倒序，游标（keyset）分页；筛选条件与网页案件列表相同。"),
        parameters=CASE_PARAMETERS,
        responses=s.CasePageSerializer,
        tags=["cases"],
    )
    def get(self, request):
        params = request.query_params

        def validate():
            form = CaseFilterForm(params, user=request.user)
            page = s.PageParamsSerializer(data=params)
            errors = {}
            if not form.is_valid():
                errors.update(form_errors(form))
            if not page.is_valid():
                errors.update(flatten_drf(page.errors))
            return (form, page), errors

        form, page = check_both(validate)
        limit = page.validated_data["limit"]
        cases, next_after = selectors.case_list(
            request.user, form.to_filters(), after_id=form.cleaned_data.get("after"), limit=limit
        )
        next_url = None
        if next_after:
            query = params.copy()
            query["after"] = str(next_after)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {"results": s.CaseSummarySerializer(cases, many=True).data, "next_cursor": next_after, "next": next_url}
        )

    @extend_schema(
        operation_id="cases_create",
        summary=_("登记纠纷"),
        description=_("与网页登记表相同的校验，经 case_register 登记、编号、分流。发现涉及相同当事人的未结案件时"
        "返回 400（code: possible_duplicate，details.duplicates 列出本人可见的案件），核实后以 "
        "confirm_duplicate=true 重新提交。"),
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer},
        tags=["cases"],
    )
    def post(self, request):
        user = request.user
        scope = user_scope(user)
        if not scope.can_register:
            raise PermissionDenied(NO_REGISTER)
        intake = _intake_accepted(user, request.data) or _intake_checked(user, scope, request.data)
        if not intake.confirm_duplicate:
            _refuse_duplicates(user, intake.address, intake.parties)
        case = services.case_register(
            actor=user, data=intake.data, parties=intake.parties, routing_override=intake.routing_override
        )
        # The registered case holds its related rows and parties as written: nothing to read back.
        location = request.build_absolute_uri(reverse("api:case_detail", args=[case.pk]))
        return Response(CASE_DETAIL.to_representation(case), status=201, headers={"Location": location})


# Building a serializer copies its ~40 declared fields (rebuilding every choice list); reading
# a case through it keeps no state, so one instance serves every registration.
CASE_DETAIL = s.CaseDetailSerializer()
# Likewise checking a request's types (run_validation keeps nothing on the instance); a refused
# request is checked again by a fresh serializer, whose errors are the answer.
CASE_CREATE = s.CaseCreateSerializer()
PLACE_FIELDS = ("village", "compound", "grid")


class Intake(NamedTuple):
    """A registration request as case_register takes it."""

    data: dict
    parties: list
    routing_override: dict | None
    confirm_duplicate: bool
    address: str


def _intake_checked(user, scope, raw) -> Intake:
    """The request through the serializer and the intake forms; raises their errors."""
    data = _serializer_check(s.CaseCreateSerializer, raw)
    may_reroute = bool(scope.is_superuser or scope.staff_subdistrict_ids)
    if data.get("routing_unit") and not may_reroute:
        raise PermissionDenied(NO_REROUTE)

    def validate():
        form = CaseIntakeForm(_intake_data(data), user=user)
        errors = {} if form.is_valid() else form_errors(form)
        party_forms = []
        for index, party in enumerate(data["parties"]):
            party_form = PartyForm(dict(party))
            if not party_form.is_valid():
                errors.update(form_errors(party_form, prefix=f"parties[{index}]"))
            party_forms.append(party_form)
        return (form, party_forms), errors

    form, party_forms = check_both(validate)
    return Intake(
        data=form.case_data(),
        parties=[party_form.cleaned_data for party_form in party_forms],
        routing_override=form.routing_override(),
        confirm_duplicate=data["confirm_duplicate"],
        address=form.cleaned_data.get("address", ""),
    )


def _intake_accepted(user, raw) -> Intake | None:
    """The request as _intake_checked would return it, found without building the forms (they
    cost more than the registration itself) when the request is valid and leaves routing to the
    rules; None leaves the request, and any error, to _intake_checked.

    After the serializer the forms add their choices — an active dispute type, a village the
    user may register in, a group or compound and a grid of that village — which are
    case_intake_check's place checks of the rows, and the parties' identity and phone numbers,
    which it cleans and checks as PartyForm does; the model's limits on the other fields are the
    serializer's. tests/test_intake_fast_path.py holds the two ways to accepting alike."""
    try:
        data = CASE_CREATE.run_validation(raw)
    except DrfValidationError:
        return None
    if data["routing_unit"] is not None:
        return None
    dispute_type, places = selectors.intake_rows(
        dispute_type_id=data["dispute_type"], village_id=data["village"], compound_id=data["compound"], grid_id=data["grid"]
    )
    chosen = [data[name] for name in PLACE_FIELDS if data[name] is not None]
    if dispute_type is None or any(pk not in places for pk in chosen):
        return None
    case_data = {name: data[name] for name in INTAKE_FIELDS}
    case_data["dispute_type"] = dispute_type
    case_data.update({name: places.get(data[name]) for name in PLACE_FIELDS})
    try:
        parties = services.case_intake_check(actor=user, data=case_data, parties=data["parties"])
    except (DjangoValidationError, DomainError):
        return None
    return Intake(
        data=case_data, parties=parties, routing_override=None, confirm_duplicate=data["confirm_duplicate"], address=data["address"]
    )


def _intake_data(data: dict) -> dict:
    """The serializer's values as the intake form's input."""
    form_data = {name: value for name, value in data.items() if name != "parties"}
    for name in ("latitude", "longitude", "amount_in_dispute"):
        if form_data.get(name) is not None:
            form_data[name] = str(form_data[name])
    return {name: ("" if value is None else value) for name, value in form_data.items()}


def _refuse_duplicates(user, address, parties):
    """Open cases naming the same people: the web form asks to confirm, so does the API."""
    found = list(
        selectors.open_cases_of_person(
            id_numbers=[p["id_number"] for p in parties],
            phones=[p["phone"] for p in parties],
            names=[p["name"] for p in parties],
            address=address,
        )[:50]
    )
    if not found:
        return
    visible = selectors.cases_visible_to(user).filter(id__in=[c.id for c in found]).values_list("id", flat=True)
    visible = set(visible)
    shown = [{"id": c.id, "number": c.number, "title": c.title} for c in found if c.id in visible]
    zh, en = both(POSSIBLE_DUPLICATE)
    raise FieldErrors(
        {"confirm_duplicate": [entry("possible_duplicate", zh, en)]},
        message=POSSIBLE_DUPLICATE,
        code="possible_duplicate",
        details={"duplicates": shown, "hidden_duplicates": len(found) - len(shown)},
    )


# ---------------------------------------------------------------- one case


class CaseDetailView(ApiView):
    @extend_schema(
        operation_id="cases_retrieve",
        summary=_("案件详情"),
        description=_("当事人的身份证号码和电话已脱敏。"),
        responses=s.CaseDetailSerializer,
        tags=["cases"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        _record_access(request, case)
        return Response(s.CaseDetailSerializer(case).data)


def _action_fields(form) -> list:
    fields = []
    for name in form.extra_names + ["reason"]:
        field = form.fields[name]
        row = {
            "name": name,
            "label": str(field.label),
            "required": bool(field.required or field.widget.attrs.get("required")),
        }
        choices = getattr(field, "choices", None)
        if choices is not None:
            row["choices"] = [{"value": str(value), "label": str(label)} for value, label in choices if value != ""]
        fields.append(row)
    return fields


class CaseTransitionsView(ApiView):
    @extend_schema(
        operation_id="cases_transitions_list",
        summary=_("可执行的办理操作"),
        description=_("本人现在可以对该案件执行的生命周期操作（与网页案件页的按钮相同），及每个操作需要提交的字段。"),
        responses=s.TransitionsSerializer,
        tags=["cases"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        actions = []
        for transition in services.allowed_actions(request.user, case):
            form = ActionForm(case=case, action=transition.action)
            actions.append(
                {
                    "action": transition.action,
                    "label": str(transition.label),
                    "target": transition.target,
                    "target_display": str(CaseState(transition.target).label),
                    "needs_reason": transition.needs_reason,
                    "fields": _action_fields(form),
                    "taken_by_service": transition.action in TAKEN_BY_SERVICES,
                }
            )
        return Response(
            {"state": case.state, "state_display": case.get_state_display(), "version": case.version, "actions": actions}
        )

    @extend_schema(
        operation_id="cases_transitions_create",
        summary=_("执行办理操作"),
        description=_("经网页相同的服务执行一个生命周期操作。expected_version 与案件当前版本不符时返回 409"
        "（code: conflict）；当前状态不允许该操作时返回 409（code: illegal_transition）。"),
        request=s.TransitionInputSerializer,
        responses={200: s.CaseDetailSerializer},
        tags=["cases"],
    )
    def post(self, request, pk):
        case = _case(request, pk)
        if not services.user_can_handle(request.user, case):
            raise PermissionDenied(NO_HANDLE)
        data = _serializer_check(s.TransitionInputSerializer, request.data)
        action = data.pop("action")
        form_data = {name: (value.isoformat() if hasattr(value, "isoformat") else value) for name, value in data.items()}

        def validate():
            form = ActionForm(form_data, case=case, action=action)
            return form, ({} if form.is_valid() else form_errors(form))

        cleaned = check_both(validate).cleaned_data
        extra = {name: cleaned.get(name) for name in cleaned if name not in ("expected_version", "reason")}
        services.case_transition(
            case_id=case.pk,
            action=action,
            actor=request.user,
            reason=cleaned.get("reason", ""),
            expected_version=cleaned["expected_version"],
            **extra,
        )
        return Response(s.CaseDetailSerializer(_case(request, pk)).data)


class CasePartiesView(ApiView):
    @extend_schema(
        operation_id="cases_parties_list",
        summary=_("当事人"),
        description=_("身份证号码和电话已脱敏。"),
        responses=s.PartyListSerializer,
        tags=["cases"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        _record_access(request, case)
        return _results(s.PartySerializer(case.parties.all(), many=True).data)


class CaseEventsView(ApiView):
    @extend_schema(
        operation_id="cases_events_list",
        summary=_("办理记录"),
        description=_("案件的全部事件，按时间先后，标题和说明与网页案件页的时间线相同。"),
        responses=s.EventListSerializer,
        tags=["cases"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        rows = []
        for row in timeline(selectors.case_events(case)):
            event = row["event"]
            rows.append(
                {
                    "id": event.id,
                    "kind": event.kind,
                    "action": event.action,
                    "title": str(row["title"]),
                    "actor": str(row["who"]),
                    "at": event.at,
                    "from_state": event.from_state,
                    "to_state": event.to_state,
                    "reason": event.reason,
                    "details": [str(line) for line in row["details"]],
                }
            )
        return _results(s.EventSerializer(rows, many=True).data)


class CaseSessionsView(ApiView):
    @extend_schema(
        operation_id="cases_sessions_list",
        summary=_("调查、调解会期"),
        responses=s.SessionListSerializer,
        tags=["cases"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        sessions = (
            Session.objects.filter(case=case).select_related("room").prefetch_related("mediators").order_by("starts_at", "id")
        )
        return _results(s.SessionSerializer(sessions, many=True).data)


class CaseAgreementsView(ApiView):
    @extend_schema(
        operation_id="cases_agreements_list",
        summary=_("调解协议"),
        description=_("协议及其履行事项、签署和司法确认，最新的在前。"),
        responses=s.AgreementListSerializer,
        tags=["cases"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        agreements = (
            Agreement.objects.filter(case=case)
            .select_related("committee", "mediator", "confirmation__court")
            .prefetch_related("items__obligor", "signatures__party")
            .order_by("-id")
        )
        return _results(s.AgreementSerializer(agreements, many=True).data)


# ---------------------------------------------------------------- documents


def document_url(case_id: int, kind: str, fmt: str, ref: int = 0) -> str:
    url = reverse("api:case_document", kwargs={"pk": case_id, "kind": kind, "fmt": fmt})
    return f"{url}?ref={ref}" if ref else url


class CaseDocumentsView(ApiView):
    @extend_schema(
        operation_id="cases_documents_list",
        summary=_("文书"),
        description=_("已具备材料、可以生成的标准文书及其下载地址。文书载有完整的身份证号码和电话，"
        "仅承办人员和街道工作人员可以下载（may_download）。"),
        responses=s.DocumentListSerializer,
        tags=["documents"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        documents = [
            {
                "kind": ref.kind,
                "ref": ref.ref,
                "name": ref.name,
                "downloads": {fmt: document_url(case.pk, ref.kind, fmt, ref.ref) for fmt in ("pdf", "docx")},
            }
            for ref in case_documents(case)
        ]
        return Response(
            {
                "may_download": may_download(request.user, case),
                "dossier": reverse("api:case_dossier", args=[case.pk]),
                "documents": documents,
            }
        )


def _file(content: bytes, filename: str, fmt: str) -> FileResponse:
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


BINARY = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
    (200, CONTENT_TYPES["docx"]): OpenApiResponse(OpenApiTypes.BINARY, description="DOCX"),
}


class CaseDocumentView(ApiView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="cases_document_download",
        summary=_("下载文书"),
        description=_("生成并下载一份标准文书（首次生成时取得文书编号）。kind 取自文书列表；同类有多份时以 ref 指明。"),
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, description=_("文书种类，如 acceptance、agreement。")),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["pdf", "docx"]),
            OpenApiParameter("ref", int, description=_("同类文书有多份时，文书列表中的 ref。")),
        ],
        responses=BINARY,
        tags=["documents"],
    )
    def get(self, request, pk, kind, fmt):
        case = _case(request, pk)
        if fmt not in CONTENT_TYPES:
            raise DomainError(NO_SUCH_FORMAT, code="not_found")
        if not may_download(request.user, case):
            raise PermissionDenied(NO_DOWNLOAD)
        ref = _serializer_check(s.DocumentParamsSerializer, request.query_params)["ref"]
        with personal_data_masked(not may_reveal_personal_data(request.user)):
            document = document_build(case, kind, ref)
        from jiefen.documents.render_docx import render_docx  # python-docx is loaded only by the processes that render

        content = render_pdf(document) if fmt == "pdf" else render_docx(document)
        _record_access(request, case, AccessKind.DOCUMENT, f"{kind}.{fmt}")
        return _file(content, f"{document.filename}.{fmt}", fmt)


class CaseDossierView(ApiView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="cases_dossier_download",
        summary=_("下载卷宗"),
        description=_("案件卷宗（封面、卷内目录、全部文书和证据材料）合成的一份 PDF。"),
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")},
        tags=["documents"],
    )
    def get(self, request, pk):
        case = _case(request, pk)
        if not may_download(request.user, case):
            raise PermissionDenied(NO_DOSSIER)
        with personal_data_masked(not may_reveal_personal_data(request.user)):
            content = dossier_pdf(case)
        _record_access(request, case, AccessKind.DOSSIER)
        return _file(content, f"{case.number}_卷宗.pdf", "pdf")


# ---------------------------------------------------------------- statistics


class StatisticsView(ApiView):
    @extend_schema(
        operation_id="statistics_retrieve",
        summary=_("统计指标"),
        description=_("统计期内的各项指标及分组，与网页“统计分析”的数字相同（同一指标模块、同一可见范围）。"),
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description=_("统计期：2026-10（月）、2026-Q3（季度）、2026（年）、2026-W44（周）、2026-B22（双周）、"
                "2026-10-01..2026-10-31；默认本月。"),
            ),
            OpenApiParameter("village", int, description=_("村(社区) id。")),
            OpenApiParameter("unit", int, description=_("承办单位 id。")),
            OpenApiParameter("dispute_type", int, description=_("纠纷类型 id。")),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("tier", int, enum=Tier.values),
        ],
        responses=s.StatisticsSerializer,
        tags=["statistics"],
    )
    def get(self, request):
        user = request.user
        if not may_view_statistics(user):
            raise PermissionDenied(NO_STATISTICS)

        def validate():
            form = StatisticsFilterForm(request.query_params, user=user)
            return form, ({} if form.is_valid() else form_errors(form))

        form = check_both(validate)
        period, filters = form.cleaned_data["period"], form.filters()
        stats = ind.statistics(
            statistics_cases(user), period, filters, months=12, all_villages=sees_whole_subdistrict(user)
        )
        data = {
            "period": {"code": period.code, "label": period.label, "start": period.start, "end": period.end},
            "filters": [{"label": str(label), "values": values} for label, values in filters.describe()],
            "summary": {
                **s.figures_data(stats.summary, with_key=False),
                "screened_households": stats.summary.screened_households,
                "cards": stats.summary.cards,
            },
            "breakdowns": {
                "village": [s.figures_data(row) for row in stats.by_village],
                "dispute_type": [s.figures_data(row) for row in stats.by_type],
                "channel": [s.figures_data(row) for row in stats.by_channel],
                "tier": [s.figures_data(row) for row in stats.by_tier],
                "unit": [s.figures_data(row) for row in stats.by_unit],
            },
            "trend": [
                {
                    "month": point.label,
                    "new_cases": point.new_cases,
                    "agreements": point.agreements,
                    "terminations": point.terminations,
                    "closed": point.closed,
                    "success_rate": s.rate_data(point.success_rate),
                }
                for point in stats.trend
            ],
        }
        return Response(data)
