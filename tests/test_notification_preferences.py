"""Each user's choice of email reminders, on their own settings page."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiefen.notifications.models import NotificationKind, NotificationPreference, OutboxMessage
from jiefen.notifications.services import notification_preference_update, notify

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/notifications/settings/"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def page(response):
    return response.content.decode()


def test_the_settings_page_is_mounted_and_needs_a_login(client, village_mediator):
    assert reverse("notifications:settings") == URL
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_user_turns_email_on_for_some_kinds(client, village_mediator, make_case):
    login(client, village_mediator)
    shown = page(client.get(URL))
    assert "通知设置" in shown and "接收邮箱" in shown and "用邮件提醒我" in shown and "已超期" in shown
    response = client.post(URL, {"email": "vmed@example.cn", "email_enabled": "on", "kinds": ["overdue", "due_soon"]}, follow=True)
    assert "通知设置已保存" in page(response)
    village_mediator.refresh_from_db()
    assert village_mediator.email == "vmed@example.cn"
    preference = NotificationPreference.objects.get(user=village_mediator)
    assert (preference.email_enabled, preference.kinds) == (True, ["due_soon", "overdue"])
    # The page shows what was saved.
    shown = page(client.get(URL))
    assert 'value="vmed@example.cn"' in shown
    assert re.search(r'value="overdue"[^>]*checked', shown) and not re.search(r'value="card"[^>]*checked', shown)

    case = make_case()  # a new case: not a kind they chose
    assert not OutboxMessage.objects.exists()
    notify([village_mediator], kind=NotificationKind.OVERDUE, case=case, message="超期", due_date=date(2026, 3, 9))
    assert OutboxMessage.objects.get().recipient == "vmed@example.cn"
    # The page lists the user's recent email reminders and how they stand.
    shown = page(client.get(URL))
    assert "最近的邮件提醒" in shown and "待投递" in shown and "超期" in shown


def test_a_user_turns_email_off(client, village_mediator, make_case):
    village_mediator.email = "vmed@example.cn"
    village_mediator.save()
    make_case()
    assert OutboxMessage.objects.count() == 1  # on by default once there is an address
    login(client, village_mediator)
    client.post(URL, {"email": "vmed@example.cn", "kinds": []})
    assert NotificationPreference.objects.get(user=village_mediator).email_enabled is False
    make_case(title="第二件")
    assert OutboxMessage.objects.count() == 1


def test_email_on_needs_an_address(client, village_mediator):
    login(client, village_mediator)
    response = client.post(URL, {"email": "", "email_enabled": "on"})
    assert response.status_code == 400
    assert "开启邮件提醒前请先填写邮箱地址" in page(response)
    assert not NotificationPreference.objects.exists()
    response = client.post(URL, {"email": "不是邮箱", "email_enabled": "on"})
    assert response.status_code == 400 and not NotificationPreference.objects.exists()


def test_the_service_refuses_unknown_kinds(village_mediator):
    with pytest.raises(ValidationError):
        notification_preference_update(user=village_mediator, email_enabled=False, kinds=["spam"])
    assert not NotificationPreference.objects.exists()


def test_each_user_changes_only_their_own_settings(client, village_mediator, grid_worker):
    notification_preference_update(user=village_mediator, email_enabled=True, kinds=[], email="vmed@example.cn")
    login(client, grid_worker)
    shown = page(client.get(URL))
    assert "vmed@example.cn" not in shown
    client.post(URL, {"email": "grid@example.cn", "email_enabled": "on", "user": village_mediator.pk})
    assert NotificationPreference.objects.get(user=village_mediator).kinds == []
    village_mediator.refresh_from_db()
    assert village_mediator.email == "vmed@example.cn"
    assert NotificationPreference.objects.get(user=grid_worker).email_enabled is True
