"""A standard document as a structure: built once from the case data, then rendered to DOCX
(python-docx) and to PDF (WeasyPrint from an HTML template). Both renderers walk the same blocks,
so the two files never say different things.

Blocks: Paragraph (body text, salutations, addresses), Heading (一、二、… in the 黑体 role),
FormTable (the label/value grid of registration forms), GridTable (rows with a header, e.g. the
performance items), Signatures (one line per person who signs) and Closing (the issuing body,
its seal and the date, right-aligned as in official documents)."""

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar


@dataclass
class Paragraph:
    text: str
    # body: first line indented two characters; plain: flush left (salutations, "此致");
    # center; right; note: smaller type for remarks under a form.
    style: str = "body"
    bold: bool = False
    kind: ClassVar[str] = "paragraph"


@dataclass
class Heading:
    text: str
    kind: ClassVar[str] = "heading"


@dataclass
class Cell:
    text: str
    label: bool = False
    span: int = 1
    tall: bool = False  # a cell for long text: given room even when short

    @property
    def lines(self):
        return str(self.text).split("\n")


def label(text, span=1):
    return Cell(text, label=True, span=span)


def value(text, span=1, tall=False):
    return Cell("" if text is None else str(text), span=span, tall=tall)


@dataclass
class FormTable:
    """A form grid of `columns` columns; each row's cells' spans add up to `columns`."""

    rows: list
    widths: tuple = (19, 31, 19, 31)  # per cent of the text width
    kind: ClassVar[str] = "form"

    @property
    def columns(self):
        return len(self.widths)

    def __post_init__(self):
        for row in self.rows:
            total = sum(cell.span for cell in row)
            if total != self.columns:
                raise ValueError(f"form row spans {total} of {self.columns} columns: {[c.text for c in row]}")


@dataclass
class GridTable:
    header: list
    rows: list
    widths: tuple = ()
    kind: ClassVar[str] = "grid"


@dataclass
class SignatureLine:
    label: str  # e.g. 当事人（签名、盖章或按指印）
    name: str = ""  # printed under or beside the space for the signature
    dated: bool = True


@dataclass
class Signatures:
    lines: list
    note: str = ""  # printed above the lines, e.g. （当事人签名、盖章或者按指印）
    kind: ClassVar[str] = "signatures"


@dataclass
class Closing:
    """The 落款: issuing body (with the seal note) and the date, right-aligned."""

    issuer: str
    on: date | None = None
    seal: bool = True
    kind: ClassVar[str] = "closing"


@dataclass
class PageBreak:
    kind: ClassVar[str] = "pagebreak"


@dataclass
class Document:
    kind: str  # the DocumentKind key
    ref: int  # the source row, 0 for one-per-case kinds
    name: str  # the kind's name, e.g. 调解协议书
    title: str  # the printed title, e.g. 人民调解协议书
    number: str  # e.g. （2026）古湖人调字第12号
    issuer: str  # the committee printed above the title
    case_number: str
    on: date | None
    blocks: list = field(default_factory=list)
    filename: str = ""  # without extension

    @property
    def anchor(self):
        return f"doc-{self.kind}-{self.ref}"

    def texts(self):
        """Every piece of text in reading order (for search, tests and the plain-text check)."""
        yield from (self.issuer, self.title, self.number)
        for block in self.blocks:
            if block.kind in ("paragraph", "heading"):
                yield block.text
            elif block.kind == "form":
                for row in block.rows:
                    for cell in row:
                        yield cell.text
            elif block.kind == "grid":
                yield from block.header
                for row in block.rows:
                    yield from row
            elif block.kind == "signatures":
                yield block.note
                for line in block.lines:
                    yield line.label
                    yield line.name
            elif block.kind == "closing":
                yield block.issuer


def cn_date(value) -> str:
    """2026年3月5日 — Arabic numerals, as GB/T 9704-2012 writes the date of a document."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(moment) -> str:
    if moment is None:
        return ""
    from django.utils import timezone

    local = timezone.localtime(moment)
    return f"{cn_date(local)} {local:%H:%M}"


BLANK_DATE = "　　年　　月　　日"
