"""Writes on notifications: the inbox, the outbox that carries them further, a user's preferences,
and the webhook endpoints' test message."""

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification, NotificationKind, NotificationPreference, OutboxMessage, OutboxStatus
from .outbox import outbox_enqueue_where

logger = logging.getLogger(__name__)


def notify(users, *, kind, message: str, case=None, link: str = "", due_date=None) -> list[Notification]:
    """Write in-app notifications for each user, and their email and webhook deliveries, in the
    caller's transaction.

    Every notification that is not written by a set-based sweep goes through here, so the
    delivery channels (email, webhooks) see the same rows. Duplicate reminders for the same
    limit are dropped by the database, not by a read-then-write check; a dropped duplicate is
    not delivered again. Nothing is sent here: the worker sends what the outbox holds once the
    transaction has committed, so a refused change sends nothing and a slow receiver never
    holds up the request.
    """
    recipients = {u.pk: u for u in users if u is not None}
    if not recipients:
        return []
    # Rows written by this call are the ones created from now on; a duplicate dropped by the
    # unique constraint is older (or is another call's, which enqueues its own deliveries).
    started = timezone.now()
    rows = [
        Notification(user=user, kind=kind, case=case, message=message[:300], link=link, due_date=due_date)
        for user in recipients.values()
    ]
    with transaction.atomic(savepoint=False):
        created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
        user_ids = list(recipients)
        where = [f"n.user_id IN ({', '.join(['%s'] * len(user_ids))})", "n.kind = %s", "n.created_at >= %s"]
        params = [*user_ids, str(kind), connection.ops.adapt_datetimefield_value(started)]
        for column, value in (("case_id", case.pk if case is not None else None), ("due_date", due_date)):
            if value is None:
                where.append(f"n.{column} IS NULL")
            else:
                where.append(f"n.{column} = %s")
                params.append(value if column == "case_id" else connection.ops.adapt_datefield_value(value))
        with connection.cursor() as cursor:
            outbox_enqueue_where(cursor, where=" AND ".join(where), params=params, now=started)
    return created


def notification_mark_read(*, user, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs or does not exist."""
    exists = Notification.objects.filter(user=user, pk=notification_id).exists()
    Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(read_at=timezone.now())
    return exists


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------- preferences


def notification_preference_update(*, user, email_enabled: bool, kinds=(), email: str | None = None) -> NotificationPreference:
    """Set how the user hears of notifications besides the inbox (and, optionally, their email address).

    Deliveries already in the outbox keep going; the choice applies to notifications written from now on.
    """
    valid = set(NotificationKind.values)
    kinds = sorted({str(kind) for kind in kinds})
    unknown = [kind for kind in kinds if kind not in valid]
    if unknown:
        raise ValidationError({"kinds": _("未知的通知类型：%(kinds)s") % {"kinds": "、".join(unknown)}})
    if email is not None:
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise ValidationError({"email": _("请填写有效的邮箱地址。")}) from error
    if email_enabled and not (email if email is not None else user.email):
        raise ValidationError({"email": _("开启邮件提醒前请先填写邮箱地址。")})
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        preference.email_enabled = bool(email_enabled)
        preference.kinds = kinds
        preference.save()
        if email is not None and email != user.email:
            get_user_model().objects.filter(pk=user.pk).update(email=email)
            user.email = email
    return preference


def notification_preference_for(user) -> NotificationPreference:
    """The user's preference as it applies now (an unsaved default when they never chose)."""
    from django.conf import settings

    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user, email_enabled=getattr(settings, "JIEFEN_NOTIFY_EMAIL_DEFAULT", True))


# ---------------------------------------------------------------- outbox administration


def outbox_retry(*, message_ids, actor) -> int:
    """Hand failed (or still waiting) deliveries back to the worker for a fresh series of attempts.

    Sent messages are not sent again. Each retried message gets an admin log entry naming the actor.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids), status__in=[OutboxStatus.DEAD, OutboxStatus.PENDING])
            .order_by("pk")
        )
        if not rows:
            return 0
        OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, claim=""
        )
        content_type = ContentType.objects.get_for_model(OutboxMessage)
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    user_id=actor.pk,
                    content_type=content_type,
                    object_id=str(row.pk),
                    object_repr=str(row)[:200],
                    action_flag=CHANGE,
                    change_message=_("重新投递（此前状态：%(status)s，已投递 %(attempts)s 次）")
                    % {"status": row.get_status_display(), "attempts": row.attempts},
                )
                for row in rows
            ]
        )
    logger.info("outbox: %s message(s) handed back for delivery by %s", len(rows), actor)
    return len(rows)
