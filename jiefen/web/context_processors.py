from jiefen.organisation.selectors import user_scope


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from jiefen.notifications.models import Notification

    return {
        "scope": user_scope(user),
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
