from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SatisfactionLevel
from .services import COMMENT_MAX

STARS = [(n, _("%(n)s星") % {"n": n}) for n in range(5, 0, -1)]


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("案件编号"),
        max_length=40,
        help_text=_("登记回执或告知书上的编号，如“古湖-2026-000412”。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("登记的电话号码"),
        max_length=30,
        help_text=_("您(或您的代理人)在登记时留下的电话号码。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class RatingForm(forms.Form):
    outcome_score = forms.TypedChoiceField(label=_("您对调解结果的评价"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    mediator_score = forms.TypedChoiceField(
        label=_("您对调解员工作的满意度"), choices=SatisfactionLevel.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见建议(选填)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )
