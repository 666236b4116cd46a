"""The filter form shared by the dashboard, the statistics tables and the exports, and the
ledger upload form."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import Channel, DisputeType, Tier
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, VILLAGE_LEVEL, Area, Unit
from jiefen.organisation.selectors import user_scope

from .indicators import Filters
from .ledger_import import MAX_BYTES
from .periods import MONTH, PeriodError, parse_period, period_choices_near, period_containing


def villages_for_statistics(user):
    scope = user_scope(user)
    villages = Area.objects.filter(kind__in=VILLAGE_LEVEL)
    if scope.is_superuser:
        return villages
    return villages.filter(Q(subdistrict_id__in=scope.subdistrict_ids) | Q(id__in=scope.village_ids))


def units_for_statistics(user):
    scope = user_scope(user)
    units = Unit.objects.filter(kind__in=list(MEDIATION_TIER_BY_KIND)).select_related("area")
    if scope.is_superuser:
        return units
    return units.filter(
        Q(area__subdistrict_id__in=scope.subdistrict_ids)
        | Q(area_id__in=scope.subdistrict_ids)
        | Q(area_id__in=scope.village_ids)
        | Q(id__in=scope.mediator_unit_ids)
    )


class StatisticsFilterForm(forms.Form):
    period = forms.CharField(
        label=_("统计期"),
        required=False,
        max_length=40,
        help_text=_("如 2026-10（月）、2026-Q3（季度）、2026（年）、2026-W44（周）、2026-B22（双周）、2026-10-01..2026-10-31"),
        widget=forms.TextInput(attrs={"list": "period-choices", "autocomplete": "off", "inputmode": "text"}),
    )
    village = forms.ModelChoiceField(
        label=_("村(社区)"),
        required=False,
        queryset=Area.objects.none(),
        empty_label=_("全部村(社区)"),
        error_messages={"invalid_choice": _("所选村(社区)不存在，请从列表中重新选择。")},
    )
    unit = forms.ModelChoiceField(
        label=_("承办单位"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=_("全部单位"),
        error_messages={"invalid_choice": _("所选单位不存在，请从列表中重新选择。")},
    )
    dispute_type = forms.ModelChoiceField(
        label=_("纠纷类型"),
        required=False,
        queryset=DisputeType.objects.all(),
        empty_label=_("全部类型"),
        error_messages={"invalid_choice": _("所选纠纷类型不存在，请从列表中重新选择。")},
    )
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        required=False,
        choices=[("", _("全部渠道")), *Channel.choices],
        error_messages={"invalid_choice": _("没有“%(value)s”这个来源渠道，请从列表中选择。")},
    )
    tier = forms.TypedChoiceField(
        label=_("调处层级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部层级")), *Tier.choices],
        error_messages={"invalid_choice": _("调处层级只能是一级、二级或三级。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_for_statistics(user)
        self.fields["unit"].queryset = units_for_statistics(user)
        self.today = timezone.localdate()
        self.period_choices = period_choices_near(self.today)

    def clean_period(self):
        text = (self.cleaned_data.get("period") or "").strip()
        if not text:
            return period_containing(MONTH, self.today)
        try:
            return parse_period(text)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def default_period(self):
        return period_containing(MONTH, self.today)

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters.of(
            village=data.get("village"),
            unit=data.get("unit"),
            dispute_type=data.get("dispute_type"),
            channel=data.get("channel") or None,
            tier=data.get("tier"),
        )


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("台账文件（.xlsx）"),
        help_text=_("只能导入已办结的案件；一次最多5000行。有任何错误时一行也不导入，并逐行列出问题。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（Excel 2007 及以上版本）。"))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过10MB，请分批导入。"))
        return upload
