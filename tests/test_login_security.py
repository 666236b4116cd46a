"""Signing in: lockout after repeated failures, the optional authenticator code, idle sign-out,
and the security headers every page carries."""

import time

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.web.security import IDLE_KEY

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def member(centre_staff):
    centre_staff.set_password(PASSWORD)
    centre_staff.save()
    return centre_staff


def sign_in(client, user, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": user.username, "password": password, **extra})


def code(device, offset=0):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def reset_throttle(device):
    """A wrong code makes the device wait before the next try (django-otp's throttling)."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def test_passwords_are_hashed_with_argon2_in_production():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_repeated_failures_lock_the_account_for_a_while(client, member, settings):
    settings.AXES_ENABLED = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, member, password="wrong")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    response = sign_in(client, member, password="wrong")
    assert response.status_code == 429
    # Even the right password is refused until the cool-off has passed.
    response = sign_in(client, member)
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, member, settings):
    settings.AXES_ENABLED = True
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, member, password="wrong")
    assert sign_in(client, member).status_code == 302
    client.logout()
    assert sign_in(client, member, password="wrong").status_code == 200


def test_an_account_with_an_authenticator_needs_its_code(client, member):
    device = TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    response = sign_in(client, member)
    assert response.status_code == 200 and "请填写验证器上的动态验证码" in response.content.decode()
    response = sign_in(client, member, otp_token="000000" if code(device) != "000000" else "111111")
    assert response.status_code == 200 and "动态验证码不正确" in response.content.decode()
    reset_throttle(device)
    response = sign_in(client, member, otp_token=code(device))
    assert response.status_code == 302
    assert client.session.get("otp_device_id") == device.persistent_id


def test_switching_the_authenticator_on_and_off(client, member):
    client.force_login(member)
    url = reverse("account_security")
    assert "开启两步验证" in client.get(url).content.decode()
    client.post(url, {"action": "start"})
    pending = TOTPDevice.objects.get(user=member, confirmed=False)
    page = client.get(url).content.decode()
    assert "<svg" in page and "扫描下面的二维码" in page
    assert client.post(url, {"action": "confirm", "token": "12"}).status_code == 400
    reset_throttle(pending)
    assert client.post(url, {"action": "confirm", "token": code(pending)}).status_code == 302
    assert TOTPDevice.objects.get(user=member).confirmed
    device = TOTPDevice.objects.get(user=member)
    assert client.post(url, {"action": "disable", "token": code(device, offset=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_an_idle_session_is_signed_out(client, member):
    assert sign_in(client, member).status_code == 302
    assert client.get(reverse("web:my_work")).status_code == 200
    session = client.session
    session[IDLE_KEY] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("web:case_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert "已自动退出" in client.get(response["Location"]).content.decode()


def test_pages_carry_the_security_headers(client, member):
    client.force_login(member)
    response = client.get(reverse("web:my_work"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_admin_signs_in_through_the_same_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
