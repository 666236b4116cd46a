"""Reads of a user's inbox."""

from jiefen.common.prepared import Prepared

from .models import Notification


def notifications_for(user, *, after_id: int | None = None, limit: int = 50):
    """One page of the user's notifications, newest first, by keyset; returns (rows, next_after_id)."""
    qs = Notification.objects.filter(user=user).select_related("case")
    if after_id:
        qs = qs.filter(id__lt=after_id)
    rows = list(qs.order_by("-id")[: limit + 1])
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_after


# The badge shows "99+" beyond this, so counting stops there: a user with a huge unread backlog
# would otherwise make every page count it in full.
UNREAD_BADGE_LIMIT = 99


# Compiled once (jiefen/common/prepared.py): every page's navigation asks.
_UNREAD = Prepared(
    lambda user: Notification.objects.filter(user_id=user, read_at__isnull=True).values_list("id", flat=True)[: UNREAD_BADGE_LIMIT + 1],
    user=int,
)


def unread_count(user) -> int:
    """Unread notifications, counted up to UNREAD_BADGE_LIMIT + 1."""
    return len(_UNREAD(user=user.pk))


def email_deliveries_for(user, *, limit: int = 10):
    """The user's most recent email deliveries, newest first (their own address only)."""
    from .models import OutboxChannel, OutboxMessage

    return list(
        OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL, notification__user=user)
        .select_related("notification")
        .order_by("-id")[:limit]
    )
