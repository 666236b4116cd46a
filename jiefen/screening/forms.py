from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area, AreaKind, Person

from .models import CampaignKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, row):
        return f"{row.grid.name} · {row.campaign.name}"


class CampaignForm(forms.Form):
    subdistrict = forms.ModelChoiceField(label=_("街道"), queryset=Area.objects.none(), empty_label=None)
    name = forms.CharField(label=_("活动名称"), max_length=120, widget=forms.TextInput(attrs={"placeholder": _("如：2026年春节前矛盾纠纷大排查")}))
    kind = forms.ChoiceField(label=_("活动类型"), choices=CampaignKind.choices, initial=CampaignKind.COMBINED)
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput())
    default_target = forms.IntegerField(
        label=_("每个网格应走访户数"),
        min_value=1,
        initial=300,
        help_text=_("网格在以往活动中有应走访户数的，沿用以往数字；创建后可逐个网格调整。"),
    )
    villages = forms.ModelMultipleChoiceField(
        label=_("覆盖村(社区)"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选即覆盖全街道所有网格。"),
    )
    description = forms.CharField(label=_("工作要求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, subdistricts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].queryset = subdistricts
        self.fields["villages"].queryset = Area.objects.filter(
            kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY], subdistrict__in=subdistricts
        ).order_by("sort_order", "id")
        today = timezone.localdate()
        self.fields["start_date"].initial = today
        self.fields["end_date"].initial = today + timedelta(days=30)


class TallyForm(forms.Form):
    campaign_grid = GridChoiceField(label=_("网格"), queryset=None, empty_label=None)
    day = forms.DateField(label=_("走访日期"), widget=DateInput())
    households_visited = forms.IntegerField(
        label=_("走访户数"), min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True})
    )
    disputes_found = forms.IntegerField(
        label=_("发现矛盾纠纷(件)"), min_value=0, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    worker = forms.ModelChoiceField(
        label=_("网格员"), queryset=Person.objects.none(), required=False, help_text=_("代网格员填报时选择。")
    )
    note = forms.CharField(label=_("情况说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, grids, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign_grid"].queryset = grids
        self.fields["day"].initial = timezone.localdate()
        if workers is None:
            del self.fields["worker"]
        else:
            self.fields["worker"].queryset = workers


class FindingForm(forms.Form):
    campaign_grid = GridChoiceField(label=_("网格"), queryset=None, empty_label=None)
    found_on = forms.DateField(label=_("发现日期"), widget=DateInput())
    description = forms.CharField(label=_("纠纷情况"), widget=forms.Textarea(attrs={"rows": 3}))
    parties = forms.CharField(label=_("当事人姓名"), max_length=200, required=False, help_text=_("多人用顿号分隔，如：张三、李四。"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign_grid"].queryset = grids
        self.fields["found_on"].initial = timezone.localdate()


class TargetForm(forms.Form):
    households_target = forms.IntegerField(label=_("应走访户数"), min_value=1)
