"""Shapes of the API's requests and responses. They check types and describe the OpenAPI
document; the business rules stay in the forms the web UI uses and in the services."""

from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import (
    AgreementForm,
    CaseState,
    Channel,
    Complexity,
    DeadlineStage,
    EventKind,
    PartyKind,
    PartyRole,
    ReferralRoute,
    RiskGrade,
    Tier,
)
from jiefen.mediation.models import ConfirmationOutcome, ItemStatus, SessionKind, SessionStatus, SignerKind, SignMethod
from jiefen.web.display import choice_label, mask_id_number, mask_phone

# ---------------------------------------------------------------- errors (for the OpenAPI document)


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("稳定的错误代码，如 required、invalid、invalid_choice。"))
    message = serializers.CharField(help_text=_("中文说明。"))
    message_en = serializers.CharField(help_text=_("English message."))


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("稳定的错误代码：validation_error、not_authenticated、authentication_failed、token_invalid、"
        "token_revoked、permission_denied、not_found、conflict、illegal_transition、throttled …")
    )
    message = serializers.CharField(help_text=_("中文说明。"))
    message_en = serializers.CharField(help_text=_("English message."))
    fields = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        help_text=_("按字段列出的校验错误；当事人字段写作 parties[0].id_number。"),
    )
    details = serializers.DictField(required=False, help_text=_("与错误有关的补充数据，如疑似重复的案件。"))


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


# ---------------------------------------------------------------- small pieces


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class ChoiceLabelField(serializers.CharField):
    """The label of the choice held by the model field `source`, as get_<field>_display gives
    it in the active language; Django's rebuilds the field's whole choice list for every value."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return force_str(choice_label(instance, self.source), strings_only=True)


class MaskedIdNumberField(serializers.CharField):
    def to_representation(self, value):
        return mask_id_number(value)


class MaskedPhoneField(serializers.CharField):
    def to_representation(self, value):
        return mask_phone(value)


# ---------------------------------------------------------------- cases


class PartySerializer(serializers.Serializer):
    """A party as every list shows it: identity and phone numbers masked (PIPL)."""

    id = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=PartyRole.choices, read_only=True)
    role_display = ChoiceLabelField(source="role")
    kind = serializers.ChoiceField(choices=PartyKind.choices, read_only=True)
    kind_display = ChoiceLabelField(source="kind")
    name = serializers.CharField(read_only=True)
    id_number = MaskedIdNumberField(read_only=True, help_text=_("已脱敏，如 1101**********002X。"))
    phone = MaskedPhoneField(read_only=True, help_text=_("已脱敏，如 138****8000。"))
    address = serializers.CharField(read_only=True)
    representative_name = serializers.CharField(read_only=True)
    representative_phone = MaskedPhoneField(read_only=True)


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=CaseState.choices, read_only=True)
    state_display = ChoiceLabelField(source="state")
    tier = serializers.ChoiceField(choices=Tier.choices, read_only=True)
    tier_display = ChoiceLabelField(source="tier")
    risk_grade = serializers.ChoiceField(choices=RiskGrade.choices, read_only=True)
    complexity = serializers.ChoiceField(choices=Complexity.choices, read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    dispute_type = RefSerializer(read_only=True)
    village = RefSerializer(read_only=True)
    assigned_unit = RefSerializer(read_only=True)
    mediator = UserRefSerializer(read_only=True, allow_null=True)
    due_stage = serializers.ChoiceField(choices=DeadlineStage.choices, read_only=True, allow_blank=True)
    due_date = serializers.DateField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True, help_text=_("办理操作时作为 expected_version 提交。"))
    url = serializers.SerializerMethodField()

    def get_url(self, case) -> str:
        return reverse("api:case_detail", args=[case.pk])


class CaseDetailSerializer(CaseSummarySerializer):
    description = serializers.CharField(read_only=True)
    compound = RefSerializer(read_only=True, allow_null=True)
    grid = RefSerializer(read_only=True, allow_null=True)
    address = serializers.CharField(read_only=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True, allow_null=True)
    people_involved = serializers.IntegerField(read_only=True)
    amount_in_dispute = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    is_group = serializers.BooleanField(read_only=True)
    criminal_risk = serializers.BooleanField(read_only=True)
    needs_sanlian = serializers.BooleanField(read_only=True)
    reported_by = UserRefSerializer(read_only=True)
    recurrence_of = serializers.IntegerField(source="recurrence_of_id", read_only=True, allow_null=True, help_text=_("复发自哪个案件（id）。"))
    agreement_form = serializers.ChoiceField(choices=AgreementForm.choices, read_only=True, allow_blank=True)
    performance_due = serializers.DateField(read_only=True, allow_null=True)
    referral_route = serializers.ChoiceField(choices=ReferralRoute.choices, read_only=True, allow_blank=True)
    referred_to = serializers.CharField(read_only=True)
    rejection_pointed_to = serializers.CharField(read_only=True)
    mediation_due_date = serializers.DateField(read_only=True, allow_null=True)
    accepted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    concluded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    parties = PartySerializer(many=True, read_only=True)


class CasePageSerializer(serializers.Serializer):
    results = CaseSummarySerializer(many=True)
    next_cursor = serializers.IntegerField(allow_null=True, help_text=_("下一页的 after 参数；没有下一页时为 null。"))
    next = serializers.CharField(allow_null=True, help_text=_("下一页的完整地址；没有下一页时为 null。"))


class PageParamsSerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=25)


# ---------------------------------------------------------------- intake


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices, required=False, default=PartyRole.APPLICANT)
    kind = serializers.ChoiceField(choices=PartyKind.choices, required=False, default=PartyKind.PERSON)
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    representative_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    representative_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class CaseCreateSerializer(serializers.Serializer):
    """The intake form's fields; ids for the related records."""

    title = serializers.CharField(max_length=120)
    description = serializers.CharField()
    dispute_type = serializers.IntegerField(min_value=1, help_text=_("纠纷类型 id。"))
    channel = serializers.ChoiceField(choices=Channel.choices)
    village = serializers.IntegerField(min_value=1, help_text=_("村(社区) id，须为本人可登记的村(社区)。"))
    compound = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    grid = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=200)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    people_involved = serializers.IntegerField(min_value=0, max_value=2147483647, required=False, default=2)
    amount_in_dispute = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    is_group = serializers.BooleanField(required=False, default=False)
    criminal_risk = serializers.BooleanField(required=False, default=False)
    risk_grade = serializers.ChoiceField(choices=RiskGrade.choices)
    complexity = serializers.ChoiceField(choices=Complexity.choices)
    routing_unit = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text=_("仅综治中心：改派的承办单位 id。")
    )
    routing_reason = serializers.CharField(required=False, allow_blank=True, default="")
    confirm_duplicate = serializers.BooleanField(
        required=False, default=False, help_text=_("已核实涉及相同当事人的未结案件确属另一纠纷时设为 true。")
    )
    parties = PartyInputSerializer(many=True, min_length=1, max_length=20)


# ---------------------------------------------------------------- transitions


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class ActionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    choices = ChoiceSerializer(many=True, required=False)


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(key, t.label) for key, t in TRANSITIONS.items()])
    label = serializers.CharField()
    target = serializers.ChoiceField(choices=CaseState.choices)
    target_display = serializers.CharField()
    needs_reason = serializers.BooleanField()
    fields = ActionFieldSerializer(many=True)
    taken_by_service = serializers.BooleanField(
        help_text=_("该步骤通常由调解记录的相应办理（协议签署、履行确认、回访登记）自动完成。")
    )


class TransitionsSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_display = serializers.CharField()
    version = serializers.IntegerField()
    actions = ActionSerializer(many=True)


class TransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(TRANSITIONS))
    expected_version = serializers.IntegerField(
        min_value=0, max_value=2147483647, help_text=_("读取案件时的 version；案件已被他人更新时返回 409。")
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    pointed_to = serializers.CharField(required=False, allow_blank=True, max_length=200)
    mediator = serializers.IntegerField(required=False, min_value=1, help_text=_("分派调解员：用户 id。"))
    agreement_form = serializers.ChoiceField(choices=AgreementForm.choices, required=False)
    performance_due = serializers.DateField(required=False)
    unit = serializers.IntegerField(required=False, min_value=1, help_text=_("上报上一级：单位 id。"))
    route = serializers.ChoiceField(choices=ReferralRoute.choices, required=False)
    referred_to = serializers.CharField(required=False, allow_blank=True, max_length=100)


# ---------------------------------------------------------------- records of the case


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    action = serializers.CharField()
    title = serializers.CharField()
    actor = serializers.CharField(help_text=_("操作人姓名；系统自动记录的为“系统”。"))
    at = serializers.DateTimeField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    details = serializers.ListField(child=serializers.CharField())


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=SessionKind.choices, read_only=True)
    kind_display = ChoiceLabelField(source="kind")
    status = serializers.ChoiceField(choices=SessionStatus.choices, read_only=True)
    status_display = ChoiceLabelField(source="status")
    room = RefSerializer(read_only=True, allow_null=True)
    place = serializers.CharField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    mediators = UserRefSerializer(many=True, read_only=True)


class PerformanceItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    what = serializers.CharField(read_only=True)
    obligor = RefSerializer(read_only=True)
    how = serializers.CharField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    place = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ItemStatus.choices, read_only=True)
    performed_on = serializers.DateField(read_only=True, allow_null=True)


class SignatureSerializer(serializers.Serializer):
    signer_kind = serializers.ChoiceField(choices=SignerKind.choices, read_only=True)
    party = RefSerializer(read_only=True, allow_null=True)
    method = serializers.ChoiceField(choices=SignMethod.choices, read_only=True)
    signed_at = serializers.DateTimeField(read_only=True)


class ConfirmationSerializer(serializers.Serializer):
    court = RefSerializer(read_only=True)
    applied_on = serializers.DateField(read_only=True)
    accepted_on = serializers.DateField(read_only=True, allow_null=True)
    decided_on = serializers.DateField(read_only=True, allow_null=True)
    outcome = serializers.ChoiceField(choices=ConfirmationOutcome.choices, read_only=True)
    ruling_number = serializers.CharField(read_only=True)


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    form = serializers.ChoiceField(choices=AgreementForm.choices, read_only=True)
    form_display = ChoiceLabelField(source="form")
    facts = serializers.CharField(read_only=True)
    matters_in_dispute = serializers.CharField(read_only=True)
    responsibilities = serializers.CharField(read_only=True)
    terms = serializers.CharField(read_only=True)
    committee = RefSerializer(read_only=True)
    mediator = UserRefSerializer(read_only=True)
    effective_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    items = PerformanceItemSerializer(many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)
    confirmation = serializers.SerializerMethodField()

    def get_confirmation(self, agreement) -> ConfirmationSerializer(allow_null=True):
        confirmation = getattr(agreement, "confirmation", None)
        return ConfirmationSerializer(confirmation).data if confirmation is not None else None


class DocumentFormatsSerializer(serializers.Serializer):
    pdf = serializers.CharField()
    docx = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    ref = serializers.IntegerField(help_text=_("同类文书有多份时区分是哪一份；一案一份的文书为 0。"))
    name = serializers.CharField()
    downloads = DocumentFormatsSerializer()


class DocumentListSerializer(serializers.Serializer):
    may_download = serializers.BooleanField(
        help_text=_("文书载有当事人的身份证号码和联系电话，仅承办人员和街道工作人员可以下载。")
    )
    dossier = serializers.CharField(help_text=_("卷宗 PDF 的下载地址。"))
    documents = DocumentSerializer(many=True)


# ---------------------------------------------------------------- statistics


class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text=_("分母为 0 时为 null。"))
    percent = serializers.CharField(help_text=_("如 “85.7%”，分母为 0 时为 “—”。"))


def rate_data(rate) -> dict:
    return {"numerator": rate.numerator, "denominator": rate.denominator, "value": rate.value, "percent": rate.percent}


COUNT_NAMES = (
    "new_cases",
    "screening_found",
    "agreements",
    "terminations",
    "concluded",
    "performance_due",
    "performed",
    "closed",
    "closed_within_limits",
    "closed_inside",
    "criminal_prevented",
    "group_prevented",
    "judicial_confirmations",
    "incidents",
    "open_at_end",
)
RATE_NAMES = ("success_rate", "performance_rate", "on_time_rate", "not_handed_up_rate")


def _figures_fields():
    fields = {name: serializers.IntegerField() for name in COUNT_NAMES}
    fields["agreement_amount"] = serializers.DecimalField(max_digits=16, decimal_places=2)
    fields.update({name: RateSerializer() for name in RATE_NAMES})
    return fields


FiguresSerializer = type(
    "FiguresSerializer",
    (serializers.Serializer,),
    {"key": serializers.CharField(allow_null=True), "label": serializers.CharField(), **_figures_fields()},
)
SummarySerializer = type(
    "SummarySerializer",
    (serializers.Serializer,),
    {
        **_figures_fields(),
        "screened_households": serializers.IntegerField(allow_null=True),
        "cards": serializers.IntegerField(allow_null=True),
    },
)


def figures_data(figures, *, with_key=True) -> dict:
    data = {name: getattr(figures, name) for name in COUNT_NAMES}
    data["agreement_amount"] = f"{figures.agreement_amount:.2f}"
    data.update({name: rate_data(getattr(figures, name)) for name in RATE_NAMES})
    if with_key:
        data = {"key": None if figures.key is None else str(figures.key), "label": str(figures.label), **data}
    return data


class PeriodSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class FilterPartSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.CharField()


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("如 2026-10。"))
    new_cases = serializers.IntegerField()
    agreements = serializers.IntegerField()
    terminations = serializers.IntegerField()
    closed = serializers.IntegerField()
    success_rate = RateSerializer()


class BreakdownsSerializer(serializers.Serializer):
    village = FiguresSerializer(many=True)
    dispute_type = FiguresSerializer(many=True)
    channel = FiguresSerializer(many=True)
    tier = FiguresSerializer(many=True)
    unit = FiguresSerializer(many=True)


class StatisticsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    filters = FilterPartSerializer(many=True)
    summary = SummarySerializer()
    breakdowns = BreakdownsSerializer()
    trend = TrendPointSerializer(many=True)


def results_of(child, name):
    """{"results": [child, …]}: every list of the API has this shape, so fields can be added
    beside the results later without breaking clients."""
    return type(name, (serializers.Serializer,), {"results": child(many=True)})


PartyListSerializer = results_of(PartySerializer, "PartyListSerializer")
EventListSerializer = results_of(EventSerializer, "EventListSerializer")
SessionListSerializer = results_of(SessionSerializer, "SessionListSerializer")
AgreementListSerializer = results_of(AgreementSerializer, "AgreementListSerializer")


class DocumentParamsSerializer(serializers.Serializer):
    ref = serializers.IntegerField(required=False, min_value=0, max_value=2**62, default=0)
