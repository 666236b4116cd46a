"""Errors raised by service functions; views turn them into messages, the API into JSON."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A business rule refused the operation; the message is shown to the user as is."""

    code = "domain_error"

    def __init__(self, message, *, code=None, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code


class ConflictError(DomainError):
    """Someone else changed the record first; the user must reload and decide again."""

    code = "conflict"


class PermissionDenied(DomainError):
    code = "permission_denied"


class IllegalTransition(DomainError):
    code = "illegal_transition"


__all__ = ["DomainError", "ConflictError", "PermissionDenied", "IllegalTransition", "ValidationError"]
