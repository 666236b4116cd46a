from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.web.forms import CaseIntakeForm


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("令牌用途"),
        max_length=60,
        help_text=_("如“区级平台对接”“数据分析脚本”，便于日后辨认和吊销。"),
        error_messages={"required": _("请填写令牌的用途名称。"), "max_length": _("名称不能超过60个字。")},
    )


class ApiCaseIntakeForm(CaseIntakeForm):
    """The web intake form, checking the case's related rows once: each choice field has just
    loaded its row from the places and types this user may choose, so the model's own check
    that the row exists would only ask the database again."""

    RELATED = ("dispute_type", "village", "compound", "grid")

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.update(name for name in self.RELATED if getattr(self.cleaned_data.get(name), "pk", None) is not None)
        return exclude
