"""Sending what the outbox holds: email through django.core.mail, webhooks over HTTP.

The worker claims due rows (PostgreSQL: FOR UPDATE SKIP LOCKED; everywhere: a compare-and-set
update that moves them to 投递中 with a lease and a claim token), sends them outside any
transaction, and records each result only while its claim is still its own. A worker killed
mid-batch leaves rows in 投递中 whose lease runs out; the next run takes them again. A failure
schedules the next attempt with exponential back-off and jitter; after the last attempt the
row is kept as 投递失败 for inspection and can be handed back from the admin.
"""

import base64
import hashlib
import hmac
import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OutboxChannel, OutboxMessage, OutboxStatus, WebhookEndpoint, WebhookFlavour

logger = logging.getLogger(__name__)

ERROR_LENGTH = 500
BATCH = 50


def _setting(name, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("JIEFEN_OUTBOX_MAX_ATTEMPTS", 12))


def backoff(attempts: int, *, rand=random.random) -> timedelta:
    """Delay before the next attempt after `attempts` tries: 1 min, 2, 4 … capped at 6 h, each
    scattered by ±25 % so that receivers coming back are not hit by every row at once."""
    base = float(_setting("JIEFEN_OUTBOX_BACKOFF_BASE_SECONDS", 60))
    cap = float(_setting("JIEFEN_OUTBOX_BACKOFF_CAP_SECONDS", 6 * 3600))
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(cap, delay * (0.75 + 0.5 * rand())))


# ---------------------------------------------------------------- rendering


def email_render(payload: dict) -> tuple[str, str]:
    subject = _("【解纷】%(title)s") % {"title": payload.get("title") or ""}
    lines = [payload.get("message") or ""]
    if payload.get("due_date"):
        lines.append(_("相关期限：%(date)s") % {"date": payload["due_date"]})
    if payload.get("link"):
        lines += ["", _("查看详情：%(link)s") % {"link": payload["link"]}]
    lines += ["", _("此邮件由解纷平台自动发送，请勿直接回复。如不想再收到邮件提醒，可在平台的“通知设置”中关闭。")]
    return subject, "\n".join(lines)


def webhook_body(flavour: str, payload: dict) -> dict:
    """The JSON body a receiver of `flavour` expects."""
    title = payload.get("title") or _("通知")
    text = f"**{title}**\n{payload.get('message') or ''}"
    if payload.get("link"):
        text += "\n[" + _("查看详情") + f"]({payload['link']})"
    if flavour == WebhookFlavour.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if flavour == WebhookFlavour.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"event": "notification", **payload}


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, in the query."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


def generic_signature(secret: str, timestamp: int, body: bytes) -> str:
    """X-Jiefen-Signature: HMAC-SHA256 over "timestamp." + body, hex, prefixed "sha256="."""
    return "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass
class WebhookRequest:
    url: str
    body: bytes
    headers: dict
    flavour: str


def webhook_request(endpoint: WebhookEndpoint, payload: dict, *, now: float | None = None) -> WebhookRequest:
    now = time.time() if now is None else now
    url = endpoint.url
    body = json.dumps(webhook_body(endpoint.flavour, payload), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Jiefen-Notifier/1"}
    if endpoint.secret and endpoint.flavour == WebhookFlavour.DINGTALK:
        url = dingtalk_signed_url(url, endpoint.secret, int(now * 1000))
    elif endpoint.secret and endpoint.flavour == WebhookFlavour.GENERIC:
        timestamp = int(now)
        headers["X-Jiefen-Timestamp"] = str(timestamp)
        headers["X-Jiefen-Signature"] = generic_signature(endpoint.secret, timestamp, body)
    return WebhookRequest(url=url, body=body, headers=headers, flavour=endpoint.flavour)


class DeliveryError(Exception):
    pass


def webhook_post(request: WebhookRequest, *, timeout: float | None = None) -> None:
    """POST the request; raise DeliveryError unless the receiver accepted it.

    Group bots answer HTTP 200 even when they refuse a message and say so in `errcode`.
    """
    timeout = float(_setting("JIEFEN_WEBHOOK_TIMEOUT_SECONDS", 5) if timeout is None else timeout)
    http_request = urllib.request.Request(request.url, data=request.body, headers=request.headers, method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:  # noqa: S310 - admin-configured http(s) URL
            status = response.status
            answer = response.read(65536)
    except urllib.error.HTTPError as error:
        detail = error.read(300).decode("utf-8", "replace") if error.fp else ""
        raise DeliveryError(f"HTTP {error.code} {detail}".strip()) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"{type(reason).__name__}: {reason}") from error
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
    if request.flavour in (WebhookFlavour.WECOM, WebhookFlavour.DINGTALK):
        try:
            reply = json.loads(answer or b"{}")
        except ValueError:
            return
        if isinstance(reply, dict) and reply.get("errcode") not in (None, 0):
            raise DeliveryError(f"errcode {reply.get('errcode')}: {reply.get('errmsg', '')}")


# ---------------------------------------------------------------- claiming


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def outbox_claim(*, batch: int, now: datetime, lease: timedelta) -> tuple[str, list[OutboxMessage]]:
    """Move up to `batch` due rows to 投递中 under a fresh token; returns the token and the rows.

    Due: waiting rows whose time has come, and rows in 投递中 whose lease has run out (their
    worker died). The conditions are repeated on the outer UPDATE so that a row another worker
    changed meanwhile is left alone (on PostgreSQL the inner SELECT also skips locked rows).
    """
    token = uuid.uuid4().hex
    outbox_t = _table(OutboxMessage)
    at, until = connection.ops.adapt_datetimefield_value(now), connection.ops.adapt_datetimefield_value(now + lease)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    due = "status IN (%s, %s) AND next_attempt_at <= %s"
    due_params = [OutboxStatus.PENDING, OutboxStatus.SENDING, at]
    with transaction.atomic(), connection.cursor() as cursor:
        # A row whose worker died on its last attempt is not taken again forever.
        cursor.execute(
            f"""UPDATE {outbox_t} SET status = %s, claim = '', last_error = %s
                WHERE status = %s AND next_attempt_at <= %s AND attempts >= %s""",
            [OutboxStatus.DEAD, _("投递中断（进程退出）次数已达上限。"), OutboxStatus.SENDING, at, max_attempts()],
        )
        cursor.execute(
            f"""UPDATE {outbox_t} SET status = %s, claim = %s, next_attempt_at = %s, attempts = attempts + 1
                WHERE {due} AND id IN (
                    SELECT id FROM {outbox_t} WHERE {due} ORDER BY next_attempt_at, id LIMIT %s{skip_locked})""",
            [OutboxStatus.SENDING, token, until, *due_params, *due_params, batch],
        )
    rows = list(OutboxMessage.objects.filter(claim=token, status=OutboxStatus.SENDING).select_related("endpoint").order_by("id"))
    return token, rows


# ---------------------------------------------------------------- sending


def _send_email(row: OutboxMessage, mail_connection) -> None:
    subject, body = email_render(row.payload)
    message = EmailMessage(subject=subject, body=body, to=[row.recipient], connection=mail_connection)
    if message.send() != 1:
        raise DeliveryError(_("邮件未被接受。"))


def _send_webhook(row: OutboxMessage) -> None:
    endpoint = row.endpoint
    if endpoint is None:
        raise PermanentError(_("接收端已删除。"))
    if not endpoint.is_active:
        raise PermanentError(_("接收端已停用。"))
    # The endpoint's current address: a bot whose key was rotated gets its waiting messages.
    webhook_post(webhook_request(endpoint, row.payload))


class PermanentError(DeliveryError):
    """Retrying cannot help (the endpoint is gone or switched off): the row goes straight to 投递失败."""


def _attempt(send, row, *args):
    try:
        send(row, *args)
    except Exception as error:  # noqa: BLE001 - any failure is recorded on the row and retried
        return error
    return None


def outbox_deliver(batch: int = BATCH, *, now: datetime | None = None) -> dict:
    """Send up to `batch` due outbox rows; returns counts of sent, retried and dead rows.

    Webhooks are posted in parallel (a receiver that hangs costs its timeout once, not once per
    row behind it); emails share one mail connection.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=float(_setting("JIEFEN_OUTBOX_LEASE_SECONDS", 600)))
    token, rows = outbox_claim(batch=batch, now=now, lease=lease)
    counts = {"claimed": len(rows), "sent": 0, "retry": 0, "dead": 0}
    if not rows:
        return counts
    errors: dict[int, Exception | None] = {}
    emails = [row for row in rows if row.channel == OutboxChannel.EMAIL]
    hooks = [row for row in rows if row.channel == OutboxChannel.WEBHOOK]
    if hooks:
        workers = max(1, min(int(_setting("JIEFEN_WEBHOOK_PARALLEL", 8)), len(hooks)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox") as pool:
            for row, error in zip(hooks, pool.map(lambda row: _attempt(_send_webhook, row), hooks)):
                errors[row.pk] = error
    if emails:
        try:
            mail_connection = get_connection(fail_silently=False)
            with mail_connection:
                for row in emails:
                    errors[row.pk] = _attempt(_send_email, row, mail_connection)
        except Exception as error:  # noqa: BLE001 - the mail server could not be reached at all
            for row in emails:
                errors.setdefault(row.pk, error)
    for row in rows:
        if row.channel not in (OutboxChannel.EMAIL, OutboxChannel.WEBHOOK):
            errors[row.pk] = PermanentError(f"unknown channel {row.channel}")
    _record(rows, errors, token=token, counts=counts, now=now)
    return counts


def _describe(row) -> str:
    # Neither the webhook URL (its key is a credential) nor the email address goes into the log.
    if row.channel == OutboxChannel.WEBHOOK:
        return f"webhook {row.endpoint.name if row.endpoint else row.endpoint_id}"
    return f"email of notification {row.notification_id}"


def _record(rows, errors, *, token, counts, now) -> None:
    # Back-off counts from the start of the batch; a batch takes seconds, the shortest delay a minute.
    done = now
    sent = [row.pk for row in rows if errors.get(row.pk) is None]
    if sent:
        counts["sent"] = OutboxMessage.objects.filter(pk__in=sent, claim=token).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), claim="", last_error=""
        )
    for row in rows:
        error = errors.get(row.pk)
        if error is None:
            continue
        message = (str(error) or type(error).__name__)[:ERROR_LENGTH]
        dead = isinstance(error, PermanentError) or row.attempts >= max_attempts()
        changes = {"claim": "", "last_error": message}
        if dead:
            changes["status"] = OutboxStatus.DEAD
        else:
            changes.update(status=OutboxStatus.PENDING, next_attempt_at=done + backoff(row.attempts))
        if not OutboxMessage.objects.filter(pk=row.pk, claim=token).update(**changes):
            continue  # our lease ran out and another worker took the row over
        if dead:
            counts["dead"] += 1
            logger.error("outbox %s (%s) given up after %s attempt(s): %s", row.pk, _describe(row), row.attempts, message)
        else:
            counts["retry"] += 1
            logger.warning(
                "outbox %s (%s) attempt %s failed, retry at %s: %s",
                row.pk, _describe(row), row.attempts, changes["next_attempt_at"].isoformat(), message,
            )


def outbox_purge(*, now: datetime | None = None) -> int:
    """Delete sent deliveries older than JIEFEN_OUTBOX_KEEP_DAYS; failed ones stay for inspection.

    The notification itself stays in the inbox: only the record of its delivery goes.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(_setting("JIEFEN_OUTBOX_KEEP_DAYS", 90)))
    deleted, _detail = OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=cutoff).delete()
    return deleted


def webhook_endpoint_send_test(endpoint: WebhookEndpoint) -> str | None:
    """Post a test message to the endpoint now; None when it was accepted, else the error.

    Used from the admin while setting an endpoint up, where the answer is wanted at once.
    """
    payload = {
        "notification_id": None,
        "kind": "test",
        "title": _("测试消息"),
        "message": _("这是解纷平台发送的测试消息，收到即表示“%(name)s”配置正确。") % {"name": endpoint.name},
        "link": settings.SITE_URL.rstrip("/") + "/",
        "case_number": None,
        "due_date": None,
    }
    try:
        webhook_post(webhook_request(endpoint, payload))
    except DeliveryError as error:
        return str(error)[:ERROR_LENGTH]
    return None
