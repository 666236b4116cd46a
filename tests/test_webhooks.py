"""Webhook delivery against a real HTTP server on localhost: WeCom, DingTalk and generic JSON
bodies, signatures, a receiver that fails and recovers, one that hangs, and the admin's test message."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from jiefen.notifications.delivery import outbox_deliver
from jiefen.notifications.models import NotificationKind, OutboxMessage, OutboxStatus, WebhookEndpoint, WebhookFlavour
from jiefen.notifications.services import notify

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SITE = "https://jiefen.example.cn"


class Receiver:
    """A local HTTP server answering from a script of (status, body) pairs; the last one repeats."""

    def __init__(self):
        self.script = [(200, {"errcode": 0, "errmsg": "ok"})]
        self.hang_seconds = 0.0
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.hang_seconds:
                    time.sleep(receiver.hang_seconds)
                status, answer = receiver.script.pop(0) if len(receiver.script) > 1 else receiver.script[0]
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def json(self, index=-1):
        return json.loads(self.requests[index]["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.JIEFEN_WEBHOOK_TIMEOUT_SECONDS = 2


def endpoint(org, receiver, flavour, **extra):
    return WebhookEndpoint.objects.create(name=f"{flavour}群", url=receiver.url(), flavour=flavour, subdistrict=org.subdistrict, **extra)


def card_notice(user, message="东村小马调解室本年度第一次不到位，亮黄牌。"):
    notify([user], kind=NotificationKind.CARD, message=message, link="/assessment/cards/7/")
    return OutboxMessage.objects.get(channel="webhook")


def test_an_endpoint_that_fails_twice_then_recovers(org, village_mediator, receiver):
    receiver.script = [(500, {"error": "busy"}), (500, {"error": "busy"}), (200, {"errcode": 0, "errmsg": "ok"})]
    endpoint(org, receiver, WebhookFlavour.WECOM)
    row = card_notice(village_mediator)
    t0 = timezone.now()

    assert outbox_deliver(now=t0)["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "HTTP 500" in row.last_error
    # First back-off about a minute (±25 % jitter).
    assert t0 + timedelta(seconds=45) <= row.next_attempt_at <= t0 + timedelta(seconds=75)
    assert outbox_deliver(now=t0 + timedelta(seconds=30))["claimed"] == 0  # not due yet

    t1 = t0 + timedelta(minutes=2)
    assert outbox_deliver(now=t1)["retry"] == 1
    row.refresh_from_db()
    assert row.attempts == 2
    # Second back-off about two minutes.
    assert t1 + timedelta(seconds=90) <= row.next_attempt_at <= t1 + timedelta(seconds=150)

    assert outbox_deliver(now=t1 + timedelta(minutes=3))["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, "")
    assert len(receiver.requests) == 3
    # The same body each time: WeCom markdown with the Chinese text and the absolute link.
    bodies = {request["body"] for request in receiver.requests}
    assert len(bodies) == 1
    content = receiver.json()["markdown"]["content"]
    assert receiver.json()["msgtype"] == "markdown"
    assert "警示牌" in content and "东村小马调解室本年度第一次不到位，亮黄牌。" in content
    assert f"({SITE}/assessment/cards/7/)" in content


def test_a_bot_that_answers_200_with_an_error_code_is_a_failure(org, village_mediator, receiver):
    receiver.script = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    endpoint(org, receiver, WebhookFlavour.WECOM)
    row = card_notice(village_mediator)
    assert outbox_deliver()["retry"] == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and "93000" in row.last_error


def test_dingtalk_body_and_signature(org, village_mediator, receiver):
    secret = "SEC-test-secret-0123456789"
    endpoint(org, receiver, WebhookFlavour.DINGTALK, secret=secret)
    card_notice(village_mediator)
    assert outbox_deliver()["sent"] == 1
    body = receiver.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "警示牌"
    assert "亮黄牌" in body["markdown"]["text"] and f"{SITE}/assessment/cards/7/" in body["markdown"]["text"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(receiver.requests[0]["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert sign == expected
    assert abs(int(timestamp) / 1000 - time.time()) < 3600


def test_generic_json_body_and_signature_header(org, village_mediator, receiver, make_case):
    secret = "generic-secret"
    endpoint(org, receiver, WebhookFlavour.GENERIC, secret=secret)
    case = make_case()
    OutboxMessage.objects.all().delete()
    notify([village_mediator], kind=NotificationKind.ASSIGNED, case=case, message=f"案件 {case.number} 已分派给您。")
    assert outbox_deliver()["sent"] == 1
    request = receiver.requests[0]
    body = json.loads(request["body"])
    assert body["event"] == "notification"
    assert (body["kind"], body["title"], body["message"], body["case_number"]) == ("assigned", "新分派", f"案件 {case.number} 已分派给您。", case.number)
    assert body["link"] == f"{SITE}/cases/{case.pk}/"
    headers = {key.lower(): value for key, value in request["headers"].items()}
    assert headers["content-type"].startswith("application/json")
    timestamp = headers["x-jiefen-timestamp"]
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert headers["x-jiefen-signature"] == f"sha256={digest}"


def test_a_hanging_endpoint_blocks_neither_the_change_nor_the_other_receivers(org, village_mediator, receiver, settings, make_case):
    settings.JIEFEN_WEBHOOK_TIMEOUT_SECONDS = 0.3
    healthy = Receiver()
    try:
        receiver.hang_seconds = 1.5
        stuck = WebhookEndpoint.objects.create(name="卡住的", url=receiver.url(), flavour=WebhookFlavour.WECOM)
        fine = WebhookEndpoint.objects.create(name="正常的", url=healthy.url(), flavour=WebhookFlavour.WECOM)
        make_case()  # the change itself sends nothing …
        assert receiver.requests == [] and healthy.requests == []
        assert OutboxMessage.objects.filter(endpoint=stuck).count() == 1
        counts = outbox_deliver()  # … the worker does, and the stuck receiver costs only its timeout
        assert (counts["sent"], counts["retry"]) == (1, 1)
        assert OutboxMessage.objects.get(endpoint=fine).status == OutboxStatus.SENT
        late = OutboxMessage.objects.get(endpoint=stuck)
        assert late.status == OutboxStatus.PENDING and "timed out" in late.last_error
        assert len(healthy.requests) == 1
    finally:
        healthy.close()


def test_an_unreachable_endpoint_is_retried(org, village_mediator):
    WebhookEndpoint.objects.create(name="无人", url="http://127.0.0.1:9/hook", subdistrict=org.subdistrict)
    row = card_notice(village_mediator)
    assert outbox_deliver()["retry"] == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and row.last_error


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", PASSWORD)
    client.force_login(admin)
    client.admin = admin
    return client


def test_admin_sends_a_test_message(org, receiver, admin_client):
    hook = endpoint(org, receiver, WebhookFlavour.DINGTALK)
    changelist = reverse("admin:notifications_webhookendpoint_changelist")
    assert "发送测试消息" in admin_client.get(changelist).content.decode()
    response = admin_client.post(changelist, {"action": "send_test", "_selected_action": [hook.pk]}, follow=True)
    assert "测试消息发送成功" in response.content.decode()
    assert "测试消息" in receiver.json()["markdown"]["title"]
    assert not OutboxMessage.objects.exists()  # sent at once, not queued
    entry = LogEntry.objects.get(object_id=str(hook.pk))
    assert entry.user == admin_client.admin and "发送测试消息" in entry.change_message

    receiver.script = [(500, {"error": "down"})]
    response = admin_client.post(changelist, {"action": "send_test", "_selected_action": [hook.pk]}, follow=True)
    assert "测试消息发送失败" in response.content.decode() and "HTTP 500" in response.content.decode()


def test_admin_creates_an_endpoint_with_kinds_and_creator(org, admin_client):
    response = admin_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {
            "name": "综治中心群",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "flavour": "wecom",
            "secret": "",
            "subdistrict": org.subdistrict.pk,
            "kinds": ["overdue", "card"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hook = WebhookEndpoint.objects.get(name="综治中心群")
    assert (hook.kinds, hook.created_by, hook.subdistrict) == (["overdue", "card"], admin_client.admin, org.subdistrict)
    refused = admin_client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"name": "坏的", "url": "ftp://example.cn/x", "flavour": "generic", "subdistrict": "", "is_active": "on"},
    )
    assert refused.status_code == 200 and not WebhookEndpoint.objects.filter(name="坏的").exists()


def test_waiting_messages_follow_the_endpoint_to_its_new_address(org, village_mediator, receiver, admin_client):
    hook = WebhookEndpoint.objects.create(name="旧地址", url="http://127.0.0.1:9/old", subdistrict=org.subdistrict)
    row = card_notice(village_mediator)
    assert outbox_deliver()["retry"] == 1
    page = admin_client.get(reverse("admin:notifications_webhookendpoint_changelist")).content.decode()
    assert "旧地址" in page and "<td class=\"field-waiting\">1</td>" in page
    WebhookEndpoint.objects.filter(pk=hook.pk).update(url=receiver.url())  # the bot's key was rotated
    assert outbox_deliver(now=timezone.now() + timedelta(hours=1))["sent"] == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(receiver.requests) == 1


def test_sent_deliveries_are_forgotten_after_the_retention_period_failed_ones_kept(org, village_mediator, settings):
    from jiefen.notifications.delivery import outbox_purge
    from jiefen.notifications.models import Notification

    settings.JIEFEN_OUTBOX_KEEP_DAYS = 30
    WebhookEndpoint.objects.create(name="群", url="http://127.0.0.1:9/x", subdistrict=org.subdistrict)
    for text in ("旧的", "新的", "失败的"):
        notify([village_mediator], kind=NotificationKind.CARD, message=text)
    now = timezone.now()
    OutboxMessage.objects.filter(notification__message="旧的").update(status=OutboxStatus.SENT, sent_at=now - timedelta(days=31))
    OutboxMessage.objects.filter(notification__message="新的").update(status=OutboxStatus.SENT, sent_at=now - timedelta(days=29))
    OutboxMessage.objects.filter(notification__message="失败的").update(status=OutboxStatus.DEAD)
    assert outbox_purge(now=now) == 1
    assert sorted(OutboxMessage.objects.values_list("notification__message", flat=True)) == ["失败的", "新的"]
    assert Notification.objects.filter(message="旧的").exists()  # the inbox keeps it
