from django import forms
from django.utils.translation import gettext_lazy as _


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("令牌用途"),
        max_length=60,
        help_text=_("如“区级平台对接”“数据分析脚本”，便于日后辨认和吊销。"),
        error_messages={"required": _("请填写令牌的用途名称。"), "max_length": _("名称不能超过60个字。")},
    )
