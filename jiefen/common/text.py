"""Characters that ordinary text never holds.

C0 control characters other than tab and line breaks, DEL, lone surrogates and the two
non-characters U+FFFE/U+FFFF: PostgreSQL refuses NUL, XML (DOCX, XLSX) refuses the rest, and
none of them can be seen on screen or on paper."""

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def find_control_character(text: str) -> int | None:
    """Index of the first forbidden character in `text`, or None."""
    found = CONTROL_CHARACTERS.search(text)
    return found.start() if found else None


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)
