from jiefen.common.errors import DomainError


class DocumentUnavailable(DomainError):
    """The data a document is made from is not on file (no agreement, no such record …)."""

    code = "document_unavailable"


class FontsMissing(DomainError):
    """The CJK fonts the PDF needs are not installed on this machine."""

    code = "fonts_missing"
