"""Writes on a user's inbox. Only the recipient can change a notification's read state."""

from django.utils import timezone

from .models import Notification


def notify(users, *, kind, message: str, case=None, link: str = "", due_date=None) -> list[Notification]:
    """Write in-app notifications for each user in the caller's transaction.

    Every notification that is not written by a set-based sweep goes through here, so the
    delivery channels (email, webhooks) see the same rows. Duplicate reminders for the same
    limit are dropped by the database, not by a read-then-write check.
    """
    rows = [
        Notification(user=user, kind=kind, case=case, message=message[:300], link=link, due_date=due_date)
        for user in {u.pk: u for u in users if u is not None}.values()
    ]
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notification_mark_read(*, user, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs or does not exist."""
    exists = Notification.objects.filter(user=user, pk=notification_id).exists()
    Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(read_at=timezone.now())
    return exists


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
