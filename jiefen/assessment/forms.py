"""Forms of the assessment pages. They parse input; the rules stay in the services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import VILLAGE_LEVEL, Area, Unit

from .models import IncidentKind, IncidentStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *IncidentKind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部状态")), *IncidentStatus.choices], required=False)
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100, required=False)
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Area.objects.none(), required=False, empty_label=_("全部村(社区)"))
    before = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, subdistrict_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Area.objects.filter(kind__in=VILLAGE_LEVEL)
        if subdistrict_ids is not None:
            villages = villages.filter(subdistrict_id__in=subdistrict_ids)
        self.fields["village"].queryset = villages.order_by("sort_order", "id")


class ReviewForm(forms.Form):
    reason = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class VoidForm(ReviewForm):
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DecideForm(forms.Form):
    granted = forms.TypedChoiceField(
        label=_("决定"),
        choices=[("1", _("申诉成立（撤销该情形）")), ("0", _("申诉驳回"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("决定理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=IncidentKind.choices, initial=IncidentKind.MISSED_BY_SCREENING)
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    case_number = forms.CharField(label=_("关联案件编号"), max_length=40, required=False, help_text=_("如 古湖-2026-000412，可不填。"))
    detected_on = forms.DateField(label=_("发现日期"), widget=DateInput())
    description = forms.CharField(label=_("事实和依据"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, units=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("detected_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
