"""Refusals of the Open311 API; each carries the HTTP status the GeoReport v2 spec gives it."""

from jiefen.common.errors import DomainError


class Open311Error(DomainError):
    """A request the API cannot fulfil; `messages` become the spec's <errors> list."""

    status = 400
    code = "open311_bad_request"

    def __init__(self, *messages, status=None):
        messages = [str(m) for m in messages if m]
        super().__init__("；".join(messages))
        self.messages = messages
        if status is not None:
            self.status = status


class Open311Forbidden(Open311Error):
    status = 403
    code = "open311_forbidden"


class Open311NotFound(Open311Error):
    status = 404
    code = "open311_not_found"
