"""Optimistic locking for records edited from forms: the form carries the version it showed,
and a change made meanwhile by someone else is refused instead of silently overwritten."""

from django.db.models import F
from django.utils.translation import gettext as _

from .errors import ConflictError


def version_check(instance, expected_version, what) -> None:
    """Refuse when the form showed an older version of `instance` (`what` names it: 会议, 任务 …)."""
    if expected_version is not None and instance.version != expected_version:
        raise ConflictError(_("该%(what)s已被他人更新，您的操作未执行。请刷新页面后确认再操作。") % {"what": what})


def version_bump(instance) -> None:
    """Save `instance` with its version raised by one in the database, and read the new number back."""
    instance.version = F("version") + 1
    instance.save()
    instance.refresh_from_db(fields=["version"])
