"""Forms of the year-end assessment pages; the services check everything again."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CardColour, SubjectKind
from .yearend import indicator_choices, sheet_subject_choices, subdistricts_managed_by

POINTS = {"max_digits": 7, "decimal_places": 2}


class SheetCreateForm(forms.Form):
    subdistrict = forms.ModelChoiceField(label=_("街道"), queryset=None, empty_label=None, required=False)
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    subject_kind = forms.ChoiceField(
        label=_("考核对象"), choices=SubjectKind.choices, widget=forms.RadioSelect, initial=SubjectKind.VILLAGE
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].queryset = subdistricts_managed_by(user)
        self.fields["year"].initial = timezone.localdate().year
        if self.fields["subdistrict"].queryset.count() == 1:
            self.fields["subdistrict"].widget = forms.HiddenInput()
            self.fields["subdistrict"].initial = self.fields["subdistrict"].queryset.first()

    def clean_subdistrict(self):
        value = self.cleaned_data.get("subdistrict")
        if value is None:
            choices = list(self.fields["subdistrict"].queryset[:2])
            if len(choices) != 1:
                raise forms.ValidationError(_("请选择街道。"))
            value = choices[0]
        return value


class SheetSettingsForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    base_score = forms.DecimalField(label=_("基础分"), min_value=0, **POINTS)
    yellow_deduction = forms.DecimalField(label=_("黄牌扣分"), min_value=0, **POINTS)
    red_deduction = forms.DecimalField(label=_("红牌扣分"), min_value=0, **POINTS)
    black_deduction = forms.DecimalField(label=_("黑牌扣分"), min_value=0, **POINTS)
    ineligible_from = forms.ChoiceField(
        label=_("取消评优资格的牌色"),
        choices=[("", _("不限制")), *CardColour.choices],
        required=False,
        help_text=_("持有该颜色或更重的牌即不得评先评优。"),
    )

    @classmethod
    def for_sheet(cls, sheet, data=None):
        return cls(data, initial={name: getattr(sheet, name) for name in cls.base_fields}, prefix="settings")


class IndicatorForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"), choices=())
    weight = forms.DecimalField(label=_("分值"), min_value=Decimal("0.01"), **POINTS)
    target = forms.DecimalField(
        label=_("目标值"), min_value=Decimal("0.0001"), max_digits=9, decimal_places=4,
        help_text=_("比率填 0–1 之间的数，如 0.95；件数填件数。达到目标即得满分。"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "line")
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicator_choices()


class BonusItemForm(forms.Form):
    name = forms.CharField(label=_("加分项"), max_length=100)
    max_points = forms.DecimalField(label=_("最高加分"), min_value=Decimal("0.01"), **POINTS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "item")
        super().__init__(*args, **kwargs)


class BonusAwardForm(forms.Form):
    item = forms.ChoiceField(label=_("加分项"), choices=())
    subject = forms.ChoiceField(label=_("加分对象"), choices=())
    points = forms.DecimalField(label=_("加分"), min_value=Decimal("0.01"), **POINTS)
    reason = forms.CharField(label=_("事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            (item.pk, _("%(name)s（最高%(max)s分）") % {"name": item.name, "max": item.max_points})
            for item in sheet.bonus_items.all()
        ]
        self.fields["subject"].choices = [("", "——")] + sheet_subject_choices(sheet)
