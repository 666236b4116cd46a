from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationKind, WebhookEndpoint


class PreferenceForm(forms.Form):
    email = forms.EmailField(label=_("接收邮箱"), required=False, max_length=254)
    email_enabled = forms.BooleanField(label=_("用邮件提醒我"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("邮件提醒的通知类型"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不勾选表示全部类型。站内通知总是全部保留。"),
    )


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=WebhookEndpoint._meta.get_field("url").verbose_name,
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    kinds = forms.MultipleChoiceField(
        label=_("通知类型"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不勾选表示全部类型。"),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "flavour", "secret", "subdistrict", "kinds", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("接收地址须以 http:// 或 https:// 开头。"))
        return url
