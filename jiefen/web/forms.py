"""Forms of the web UI. They parse and type-check input; every business rule stays in the
services, whose errors `apply_service_errors` puts back next to the right field."""

import functools
import re
from types import SimpleNamespace

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import (
    AgreementForm,
    Case,
    CaseState,
    Channel,
    Complexity,
    DisputeType,
    Party,
    PartyKind,
    PartyRole,
    ReferralRoute,
    RiskGrade,
    Tier,
)
from jiefen.cases.selectors import CaseFilters
from jiefen.common.validators import normalise_id_number, normalise_phone, validate_id_number, validate_phone
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, VILLAGE_LEVEL, Area, AreaKind, Unit
from jiefen.organisation.selectors import areas_for_intake, mediators_of_unit, user_scope

from .display import url_path

DATE_ERROR = _("日期格式应为“年-月-日”，例如 2026-03-01。")
MEDIATION_UNIT_KINDS = list(MEDIATION_TIER_BY_KIND)


@functools.cache
def _uploads_files(form_class) -> bool:
    return any(field.widget.needs_multipart_form for field in form_class.base_fields.values())


def closed_form(
    *, case_id, dom_id, summary, fields_url, action_url, details_class=None, summary_class="", is_multipart=False,
    hidden="", **attrs,
):
    """What the case page shows of a form until it is opened (see the action_form tag): its
    summary and where it posts (`hidden` inputs besides); its fields, and the choices they read
    from the database, come from `fields_url` when it is opened (htmx), or without JavaScript
    with the page reloaded with it open (?open=<dom_id>). `attrs`: whatever else the page
    reads of it (op, title, row …)."""
    return SimpleNamespace(
        is_closed=True,
        dom_id=dom_id,
        summary=summary,
        fields_url=fields_url,
        action_url=action_url,
        details_class=details_class,
        summary_class=summary_class,
        is_multipart=is_multipart,
        hidden=hidden,
        open_url=f"{url_path('web:case_detail', case_id)}?open={dom_id}#action-{dom_id}",
        **attrs,
    )


def closed_panel_form(form_class, *, case_id, dom_id, details_class, fields_url, action_url, **attrs):
    """closed_form() of a panel's form class (its op, title, and whether it uploads files)."""
    return closed_form(
        case_id=case_id, dom_id=dom_id, summary=form_class.title, fields_url=fields_url, action_url=action_url,
        details_class=details_class, op=form_class.op, title=form_class.title, is_multipart=_uploads_files(form_class),
        **attrs,
    )


class PlainSelect(forms.Select):
    """A <select> with the markup of Django's, written out in Python.

    Django renders each <option> through a template include; the case list filter's selects
    hold some hundred options and cost more than the rest of the page. Flat choices only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        wanted = self.format_value(value)
        options, found = [], False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in wanted
            found = found or selected
            options.append(
                f'  <option value="{escape(option_value)}"{" selected" if selected else ""}>'
                f"{conditional_escape(str(label))}</option>"
            )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attrs}>\n' + "\n".join(options) + "\n</select>")


class NameChoiceIterator(forms.models.ModelChoiceIterator):
    """Options as (pk, name) straight from the database, for models shown by their name: the
    list filter would otherwise build a model object for every village and dispute type."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NameChoiceField(forms.ModelChoiceField):
    iterator = NameChoiceIterator


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _user_label(user):
    return user.get_full_name() or user.username


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _user_label(obj)


class AreaChoiceField(forms.ModelChoiceField):
    """Shows the village beside a compound or grid while the list spans several villages."""

    show_village = False

    def label_from_instance(self, obj):
        if not self.show_village or obj.kind in VILLAGE_LEVEL or obj.village is None:
            return obj.name
        return f"{obj.village.name} · {obj.name}"


def villages_for_filter(user):
    """Villages worth offering in the list filter: those of the subdistricts the user works in."""
    scope = user_scope(user)
    villages = Area.objects.filter(kind__in=VILLAGE_LEVEL)
    if scope.is_superuser:
        return villages
    # Only the clauses the scope needs: every page of the list builds this query.
    condition = Q(pk__in=[])
    if scope.subdistrict_ids:
        condition |= Q(subdistrict_id__in=scope.subdistrict_ids)
    if scope.village_ids:
        own = Area.objects.filter(id__in=scope.village_ids)
        condition |= Q(id__in=scope.village_ids) | Q(subdistrict_id__in=own.values("subdistrict_id"))
    if scope.grid_ids:
        grids = Area.objects.filter(id__in=scope.grid_ids)
        condition |= Q(id__in=grids.values("village_id")) | Q(subdistrict_id__in=grids.values("subdistrict_id"))
    return villages.filter(condition)


# ---------------------------------------------------------------- case list


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或简题"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部状态")), ("open", _("未归档(全部在办)")), *CaseState.choices],
        error_messages={"invalid_choice": _("没有“%(value)s”这个状态，请从列表中选择。")},
    )
    tier = forms.TypedChoiceField(
        label=_("调处层级"),
        required=False,
        widget=PlainSelect,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部层级")), *Tier.choices],
        error_messages={"invalid_choice": _("调处层级只能是一级、二级或三级。")},
    )
    village = NameChoiceField(
        label=_("村(社区)"),
        required=False,
        widget=PlainSelect,
        queryset=Area.objects.none(),
        empty_label=_("全部村(社区)"),
        error_messages={"invalid_choice": _("所选村(社区)不存在，请从列表中重新选择。")},
    )
    dispute_type = NameChoiceField(
        label=_("纠纷类型"),
        required=False,
        widget=PlainSelect,
        queryset=DisputeType.objects.filter(is_active=True),
        empty_label=_("全部类型"),
        error_messages={"invalid_choice": _("所选纠纷类型不存在，请从列表中重新选择。")},
    )
    risk_grade = forms.ChoiceField(
        label=_("风险等级"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部等级")), *RiskGrade.choices],
        error_messages={"invalid_choice": _("风险等级只能是红、橙、黄、蓝。")},
    )
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        required=False,
        widget=PlainSelect,
        choices=[("", _("全部渠道")), *Channel.choices],
        error_messages={"invalid_choice": _("没有“%(value)s”这个来源渠道，请从列表中选择。")},
    )
    created_from = forms.DateField(
        label=_("登记日期自"), required=False, widget=DateInput(), error_messages={"invalid": DATE_ERROR}
    )
    created_to = forms.DateField(
        label=_("登记日期至"), required=False, widget=DateInput(), error_messages={"invalid": DATE_ERROR}
    )
    overdue = forms.BooleanField(label=_("只看已超期"), required=False)
    mine = forms.BooleanField(label=_("只看我的"), required=False)
    after = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("分页参数无效，请回到第一页。"), "min_value": _("分页参数无效，请回到第一页。")},
    )

    GRID_FIELDS = ("q", "state", "village", "dispute_type", "tier", "risk_grade", "channel", "created_from", "created_to")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_for_filter(user)

    @property
    def grid_fields(self):
        """The filter's fields in the order the page shows them, the check boxes apart."""
        return [self[name] for name in self.GRID_FIELDS]

    @property
    def check_fields(self):
        return [self["overdue"], self["mine"]]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("结束日期不能早于开始日期。"))
        return cleaned

    def to_filters(self) -> CaseFilters:
        data = self.cleaned_data
        return CaseFilters(
            state=data["state"],
            tier=data["tier"],
            village_id=data["village"].pk if data["village"] else None,
            dispute_type_id=data["dispute_type"].pk if data["dispute_type"] else None,
            risk_grade=data["risk_grade"],
            channel=data["channel"],
            created_from=data["created_from"],
            created_to=data["created_to"],
            overdue=data["overdue"],
            query=data["q"].strip(),
            mine=data["mine"],
        )


# ---------------------------------------------------------------- intake


INTAKE_FIELDS = [
    "title",
    "description",
    "dispute_type",
    "channel",
    "village",
    "compound",
    "grid",
    "address",
    "latitude",
    "longitude",
    "people_involved",
    "amount_in_dispute",
    "is_group",
    "criminal_risk",
    "risk_grade",
    "complexity",
]


class CaseIntakeForm(forms.ModelForm):
    """The case part of intake; never saved itself, its cleaned data goes to `case_register`."""

    routing_unit = forms.ModelChoiceField(
        label=_("改派承办单位"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("不调整，按分流规则"),
        help_text=_("仅在确有必要时调整，须填写理由。"),
    )
    routing_reason = forms.CharField(label=_("调整分流理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm_duplicate = forms.BooleanField(label=_("已核实，仍要登记"), required=False)

    class Meta:
        model = Case
        fields = INTAKE_FIELDS
        field_classes = {"village": AreaChoiceField, "compound": AreaChoiceField, "grid": AreaChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "risk_grade": forms.RadioSelect,
            "complexity": forms.RadioSelect,
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "amount_in_dispute": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "people_involved": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }
        help_texts = {
            "latitude": _("可选，如 29.351234"),
            "longitude": _("可选，如 105.281234"),
            "amount_in_dispute": _("无金额争议可不填"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = user_scope(user)
        villages = areas_for_intake(user).select_related("subdistrict").order_by("sort_order", "id")
        fields = self.fields
        fields["village"].queryset = villages
        fields["village"].empty_label = _("请选择村(社区)")
        fields["village"].widget.attrs.update(
            {"hx-get": reverse("web:intake_places"), "hx-target": "#place-fields", "hx-swap": "outerHTML"}
        )
        fields["dispute_type"].queryset = DisputeType.objects.filter(is_active=True)
        fields["dispute_type"].empty_label = _("请选择纠纷类型")
        fields["channel"].choices = [("", _("请选择来源渠道")), *Channel.choices]
        fields["risk_grade"].choices = RiskGrade.choices
        fields["complexity"].choices = Complexity.choices
        fields["title"].widget.attrs["placeholder"] = _("如：张某与李某排水沟纠纷")
        fields["address"].widget.attrs["placeholder"] = _("如：东村3组12号")

        # The list of villages is read only for what a page shows (a preselected single
        # village); a posted form (the API's, a submitted page) checks its choice against the
        # query itself.
        village_count = None
        if not self.is_bound:
            allowed_ids = list(villages.values_list("id", flat=True))
            village_count = len(allowed_ids)
            if village_count == 1:
                self.initial.setdefault("village", allowed_ids[0])
            if scope.is_grid_reporter:
                self.initial.setdefault("channel", Channel.GRID_SCREENING)
                if len(scope.grid_ids) == 1:
                    self.initial.setdefault("grid", next(iter(scope.grid_ids)))

        below = Area.objects.filter(village_id__in=villages.values("id")).select_related("village").order_by("sort_order", "id")
        chosen = self.chosen_village_id()
        if chosen is not None:
            below = below.filter(village_id=chosen)
        fields["compound"].queryset = below.filter(kind__in=[AreaKind.GROUP, AreaKind.COMPOUND])
        fields["compound"].empty_label = _("不涉及/不清楚")
        fields["grid"].queryset = below.filter(kind=AreaKind.GRID)
        fields["grid"].empty_label = _("不清楚")
        if chosen is None:
            village_count = villages.count() if village_count is None else village_count
        fields["compound"].show_village = fields["grid"].show_village = chosen is None and village_count > 1

        self.can_override_routing = bool(scope.is_superuser or scope.staff_subdistrict_ids)
        if self.can_override_routing:
            units = Unit.objects.filter(kind__in=MEDIATION_UNIT_KINDS, is_active=True).select_related("area")
            if not scope.is_superuser:
                subs = scope.staff_subdistrict_ids
                units = units.filter(Q(area_id__in=subs) | Q(area__subdistrict_id__in=subs))
            fields["routing_unit"].queryset = units.order_by("area__sort_order", "area_id", "id")
        else:
            del fields["routing_unit"], fields["routing_reason"]

    def _get_validation_exclusions(self):
        # Each place and type field has just loaded its row from the rows this user may
        # choose; the model's own check that the row exists would ask the database again.
        exclude = super()._get_validation_exclusions()
        exclude.update(
            name for name in ("dispute_type", "village", "compound", "grid")
            if getattr(self.cleaned_data.get(name), "pk", None) is not None
        )
        return exclude

    def chosen_village_id(self):
        raw = self.data.get("village") if self.is_bound else self.initial.get("village")
        if isinstance(raw, Area):
            return raw.pk
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        unit, village = cleaned.get("routing_unit"), cleaned.get("village")
        if unit and village and unit.area_id not in (village.pk, village.subdistrict_id):
            self.add_error("routing_unit", _("所选单位不服务于该村(社区)，请选择本村或街道的调解组织。"))
        return cleaned

    def case_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in INTAKE_FIELDS}

    def routing_override(self):
        unit = self.cleaned_data.get("routing_unit")
        if not unit:
            return None
        return {"unit": unit, "reason": self.cleaned_data.get("routing_reason", "")}


class PartyForm(forms.ModelForm):
    class Meta:
        model = Party
        fields = [
            "role",
            "kind",
            "name",
            "id_number",
            "phone",
            "address",
            "representative_name",
            "representative_phone",
        ]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "representative_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The second party is usually the other side; an untouched row must stay "unchanged"
        # so that the formset skips it rather than demanding a name.
        index = _form_index(self.prefix)
        self.fields["role"].initial = PartyRole.APPLICANT if index == 0 else PartyRole.RESPONDENT
        self.fields["role"].choices = PartyRole.choices
        self.fields["kind"].choices = PartyKind.choices

    def clean_id_number(self):
        return normalise_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self):
        return _checked_phone(self.cleaned_data.get("phone", ""))

    def clean_representative_phone(self):
        return _checked_phone(self.cleaned_data.get("representative_phone", ""))

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("id_number")
        if number and cleaned.get("kind") == PartyKind.PERSON:
            try:
                validate_id_number(number)
            except ValidationError as exc:
                self.add_error("id_number", exc)
        return cleaned


def _checked_phone(value):
    phone = normalise_phone(value)
    if phone:
        validate_phone(phone)
    return phone


def _form_index(prefix):
    try:
        return int((prefix or "").rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


class BasePartyFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": _("当事人表格数据不完整，请刷新页面后重新填写。"),
        "too_few_forms": _("至少需要一名当事人。"),
        "too_many_forms": _("一次最多登记%(num)d名当事人。"),
    }

    def filled(self):
        """(form index, cleaned data) of each party actually entered, in order."""
        return [(index, form.cleaned_data) for index, form in enumerate(self.forms) if form.cleaned_data]


MAX_PARTIES = 20
PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=1, min_num=1, validate_min=True, max_num=MAX_PARTIES, validate_max=True
)


# ---------------------------------------------------------------- actions on a case

# Actions outside the transition table, shown beside the lifecycle buttons.
EXTRA_ACTION_LABELS = {
    "reroute": pgettext_lazy("case action", "调整分流"),
    "update_risk": pgettext_lazy("case action", "调整风险等级"),
    "extend_mediation": pgettext_lazy("case action", "延长调解期限"),
    "open_recurrence": pgettext_lazy("case action", "登记复发"),
}
REASON_LABELS = {
    "reject": _("不予受理的理由"),
    "record_return_visit": _("回访情况"),
    "terminate": _("终止调解的理由"),
    "escalate": _("上报理由"),
    "refer_out": _("移送理由"),
    "hand_up": _("上交理由"),
    "reroute": _("调整理由"),
    "update_risk": _("调整理由"),
    "extend_mediation": _("当事人同意延长的情况"),
    "open_recurrence": _("复发情况"),
}
REASON_REQUIRED_EXTRAS = {"reroute", "update_risk", "extend_mediation", "open_recurrence"}


def action_label(action):
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return EXTRA_ACTION_LABELS.get(action, action)


def is_known_action(action):
    return action in TRANSITIONS or action in EXTRA_ACTION_LABELS


def _required(field):
    """Mark a field required in the browser only: the service decides, and says why in its own words."""
    field.widget.attrs["required"] = True
    return field


class ActionForm(forms.Form):
    """One action on one case. Field names match the keyword arguments of the service call."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, action, **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.case, self.action = case, action
        self.label = action_label(action)
        self.fields["expected_version"].initial = case.version
        reason = self.fields["reason"]
        if action in REASON_LABELS:
            reason.label = REASON_LABELS[action]
        transition = TRANSITIONS.get(action)
        if (transition and transition.needs_reason) or action in REASON_REQUIRED_EXTRAS:
            _required(reason)
        builder = getattr(self, f"_fields_{action}", None)
        if builder:
            builder(case)
        self.order_fields([*self.extra_names, "reason"])

    @classmethod
    def closed(cls, case, action):
        """The form as the case page shows it until it is opened (closed_form)."""
        label = action_label(action)
        return closed_form(
            case_id=case.pk,
            dom_id=action,
            summary=label,
            fields_url=url_path("web:case_action_fields", case.pk, action),
            action_url=url_path("web:case_act", case.pk, action),
            details_class=f"action action-{action}",
            hidden=format_html('\n    <input type="hidden" name="expected_version" value="{}">', case.version),
            action=action,
            label=label,
        )

    @property
    def extra_names(self):
        return [name for name in self.fields if name not in ("expected_version", "reason")]

    def _fields_reject(self, case):
        self.fields["pointed_to"] = _required(
            forms.CharField(label=_("告知当事人的其他解决途径"), required=False, max_length=200)
        )

    def _fields_assign(self, case):
        self.fields["mediator"] = _required(
            UserChoiceField(
                label=_("承办调解员"),
                required=False,
                queryset=mediators_of_unit(case.assigned_unit).order_by("first_name", "username"),
                empty_label=_("请选择调解员"),
            )
        )

    def _fields_reach_agreement(self, case):
        self.fields["agreement_form"] = _required(
            forms.ChoiceField(label=_("协议形式"), required=False, choices=[("", "—"), *AgreementForm.choices])
        )
        self.fields["performance_due"] = _required(
            forms.DateField(
                label=_("约定履行期限"), required=False, widget=DateInput(), error_messages={"invalid": DATE_ERROR}
            )
        )

    def _fields_escalate(self, case):
        next_tier = case.tier + 1
        kinds = [kind for kind, tier in MEDIATION_TIER_BY_KIND.items() if tier == next_tier]
        units = Unit.objects.filter(kind__in=kinds, is_active=True, area_id__in=[case.village_id, case.subdistrict_id])
        # At the top tier there is nothing to choose; the service explains why escalation stops there.
        if kinds and units.exists():
            self.fields["unit"] = forms.ModelChoiceField(
                label=_("上报至"), required=False, queryset=units, empty_label=_("按规则自动选择上一级")
            )

    def _fields_refer_out(self, case):
        self.fields["route"] = _required(
            forms.ChoiceField(label=_("移送途径"), required=False, choices=[("", "—"), *ReferralRoute.choices])
        )
        self._fields_hand_up(case)

    def _fields_hand_up(self, case):
        self.fields["referred_to"] = _required(forms.CharField(label=_("接收单位"), required=False, max_length=100))

    def _fields_reroute(self, case):
        self.fields["unit"] = forms.ModelChoiceField(
            label=_("改由哪个单位办理"),
            queryset=Unit.objects.filter(
                kind__in=MEDIATION_UNIT_KINDS, is_active=True, area_id__in=[case.village_id, case.subdistrict_id]
            ).exclude(pk=case.assigned_unit_id),
            empty_label=_("请选择单位"),
        )

    def _fields_update_risk(self, case):
        self.fields["risk_grade"] = forms.ChoiceField(
            label=_("风险等级"), choices=RiskGrade.choices, initial=case.risk_grade, widget=forms.RadioSelect
        )
        self.fields["complexity"] = forms.ChoiceField(
            label=_("复杂程度"), choices=Complexity.choices, initial=case.complexity, widget=forms.RadioSelect
        )

    def _fields_extend_mediation(self, case):
        self.fields["days"] = forms.IntegerField(
            label=_("延长天数"),
            min_value=1,
            max_value=60,
            initial=15,
            error_messages={
                "min_value": _("延长天数应在1至60日之间。"),
                "max_value": _("延长天数应在1至60日之间。"),
            },
        )

    def _fields_open_recurrence(self, case):
        self.fields["description"] = forms.CharField(
            label=_("复发后的纠纷概况"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("不填则以复发情况为概况。"),
        )


# ---------------------------------------------------------------- service errors → form errors

PARTY_KEY = re.compile(r"^parties-(\d+)-(\w+)$")


def apply_service_errors(exc, form, formset=None, party_forms=None):
    """Put a service's ValidationError (or DomainError) next to the fields it names.

    Keys like `parties-0-id_number` count the parties handed to the service, which
    `party_forms` maps back to the formset's rows.
    """
    if not isinstance(exc, ValidationError):
        field = getattr(exc, "field", None)
        message = str(getattr(exc, "message", exc))
        form.add_error(field if field in form.fields else None, message)
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        match = PARTY_KEY.match(key)
        if match and formset is not None:
            position = int(match[1])
            index = party_forms[position] if party_forms and position < len(party_forms) else position
            target = formset.forms[index] if index < len(formset.forms) else None
            if target is not None:
                field = match[2]
                target.add_error(field if field in target.fields else None, messages)
                continue
        if key in form.fields:
            form.add_error(key, messages)
        else:
            form.add_error(None, messages)
