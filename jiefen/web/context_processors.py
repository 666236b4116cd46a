from jiefen.notifications.selectors import unread_count
from jiefen.organisation.selectors import user_scope


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope": user_scope(user), "unread_notifications": unread_count(user)}
