"""Cases opened from another record in one step: a visit, a patrol, a screening finding, a
hotline ticket. The owning app registers a resolver for its kind of record; the intake form
takes ``?source=<kind>:<id>``, starts from the record's facts (channel, place, description),
and links the new case back to the record in the same transaction as the registration, so a
case is never left without its origin nor a record pointing at a case that was rolled back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jiefen.common.errors import DomainError


@dataclass
class IntakeSource:
    token: str  # "<kind>:<id>", echoed by the form
    label: str  # shown above the form: where this dispute was found
    initial: dict = field(default_factory=dict)  # CaseIntakeForm field names → values
    # Called inside the registration's transaction with the new case; may raise DomainError.
    attach: Callable = lambda *, case, actor: None


# kind → resolver(user, object_id) returning the source, or None when the user may not use it.
_RESOLVERS: dict[str, Callable] = {}


def register_intake_source(kind: str, resolver: Callable) -> None:
    _RESOLVERS[kind] = resolver


def resolve_intake_source(user, token: str | None) -> IntakeSource | None:
    """The source named by ``token``; None when there is none; DomainError when it is unusable."""
    if not token:
        return None
    kind, _sep, raw_id = token.partition(":")
    resolver = _RESOLVERS.get(kind)
    if resolver is None or not raw_id.isdigit():
        raise DomainError(_("找不到要据以登记的记录。"), code="intake_source_unknown")
    source = resolver(user, int(raw_id))
    if source is None:
        raise DomainError(_("找不到要据以登记的记录，或您无权据此登记案件。"), code="intake_source_unknown")
    source.token = token
    return source
