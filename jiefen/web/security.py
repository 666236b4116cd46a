"""Signing in: password (Argon2, throttled by django-axes), an optional authenticator code
(TOTP, django-otp) for users who switched it on, and sign-out after a spell of inactivity."""

import time

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class SignInForm(AuthenticationForm):
    """Username and password; and the authenticator code when the account has one set up."""

    otp_token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=gettext_lazy("已开启两步验证的账号，请填写验证器上的 6 位数字。"),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("用户名或密码不正确。连续多次输入错误，账号将被暂时锁定。"),
        "otp_required": gettext_lazy("该账号已开启两步验证，请填写验证器上的动态验证码。"),
        "otp_invalid": gettext_lazy("动态验证码不正确或已过期，请重新输入。"),
    }

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        self.otp_device = None
        device = confirmed_totp(user) if user is not None else None
        if device is None:
            return cleaned
        token = (cleaned.get("otp_token") or "").strip()
        if not token:
            raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if not device.verify_token(token):  # also throttles repeated wrong codes
                raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        self.otp_device = device
        return cleaned


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        self.request.session[IDLE_KEY] = int(time.time())
        return response


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes' lockout response: a page, not a bare 403."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "web/locked_out.html", {"minutes": minutes}, status=429)


# ---------------------------------------------------------------- the user's own security page


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("动态验证码"), max_length=8, widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"})
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_security(request):
    """Switch the authenticator on (scan, then confirm with a code) or off (confirm with a code)."""
    user = request.user
    device = confirmed_totp(user)
    pending = None if device else TOTPDevice.objects.filter(user=user, confirmed=False).first()
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start" and device is None:
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            TOTPDevice.objects.create(user=user, name=_("手机验证器"), confirmed=False)
            return redirect("account_security")
        target = device if action == "disable" else pending if action == "confirm" else None
        if target is not None and form.is_valid():
            if target.verify_token(form.cleaned_data["token"].strip()):
                if action == "confirm":
                    target.confirmed = True
                    target.save(update_fields=["confirmed"])
                    otp_login(request, target)
                    messages.success(request, _("已开启两步验证：以后登录需要填写验证器上的动态验证码。"))
                else:
                    target.delete()
                    messages.success(request, _("已关闭两步验证。"))
                return redirect("account_security")
            form.add_error("token", _("动态验证码不正确或已过期，请重新输入。"))
    qr = segno.make(pending.config_url, error="m").svg_inline(scale=4) if pending else None
    return render(
        request,
        "web/account_security.html",
        {"device": device, "pending": pending, "qr": qr, "form": form, "secret": _base32(pending) if pending else ""},
        status=400 if form.errors else 200,
    )


def _base32(device) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


# ---------------------------------------------------------------- idle sign-out

IDLE_KEY = "jiefen_last_seen"


class IdleSessionMiddleware:
    """Sign a user out after SESSION_IDLE_TIMEOUT seconds without a request.

    The timestamp is written at most once a minute, so an active user does not cause a
    session write on every page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # the API answers 401/403 in its own format
                messages.info(request, _("您已较长时间没有操作，为保护当事人信息已自动退出，请重新登录。"))
                return redirect(f"{reverse('login')}?next={request.path}")
            if last is None or now - last >= 60:
                request.session[IDLE_KEY] = now
        return self.get_response(request)
