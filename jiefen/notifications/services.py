"""Writes on a user's inbox. Only the recipient can change a notification's read state."""

from django.utils import timezone

from .models import Notification


def notification_mark_read(*, user, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False if it is not theirs or does not exist."""
    exists = Notification.objects.filter(user=user, pk=notification_id).exists()
    Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(read_at=timezone.now())
    return exists


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
