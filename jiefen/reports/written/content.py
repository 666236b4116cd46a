"""A written report as a structure, built once from the indicators and rendered three times
(DOCX, PDF, XLSX), so the files never disagree.

The paragraph and heading blocks are those of the standard documents (jiefen.documents.content);
a report adds what case documents do not have: a second heading level, data tables with a
caption (which also become the sheets of the XLSX), charts, and the analyst's box."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from jiefen.documents.content import Heading, PageBreak, Paragraph  # noqa: F401 - re-exported


@dataclass
class SubHeading:
    """（一）… — the second level of an official document (楷体 role)."""

    text: str
    kind: ClassVar[str] = "subheading"


@dataclass(frozen=True)
class V:
    """A table cell: the text printed, and the value the spreadsheet keeps (a number, a
    fraction for a rate with number format 0.0%, or None for text only)."""

    text: str
    value: Any = None
    percent: bool = False

    def __str__(self):
        return self.text


def cell_text(cell) -> str:
    return cell.text if isinstance(cell, V) else ("" if cell is None else str(cell))


def cell_value(cell):
    if isinstance(cell, V):
        return cell.text if cell.value is None else cell.value
    return cell


@dataclass
class Table:
    """A data table with a caption (表1　…). `key` names its sheet in the XLSX. Columns listed
    in `numeric` are centred; the others are left-aligned. `total` is a last row set in bold."""

    key: str
    caption: str
    header: list
    rows: list
    widths: tuple = ()
    numeric: tuple = ()
    total: list | None = None
    note: str = ""
    number: int = 0  # filled in by the document, in order of appearance
    kind: ClassVar[str] = "table"

    def all_rows(self):
        return self.rows + ([self.total] if self.total else [])

    @property
    def keep(self) -> bool:
        """Short tables are kept on one page (with their caption); long ones break, their
        header repeated."""
        return len(self.all_rows()) <= 20

    def texts(self):
        yield self.caption
        yield from self.header
        for row in self.all_rows():
            yield from (cell_text(cell) for cell in row)


@dataclass
class Figure:
    """A chart from jiefen.reports.charts, as PNG for paper."""

    key: str
    title: str
    png: bytes
    width_mm: float = 150
    number: int = 0
    kind: ClassVar[str] = "figure"


@dataclass
class Box:
    """The analyst's judgement: the text when there is one, an empty ruled box to write in when not."""

    title: str
    text: str = ""
    hint: str = ""
    kind: ClassVar[str] = "box"

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass
class ReportDocument:
    kind: str
    kind_name: str
    mast: str  # 发文机关标志, printed in red above the number
    number: str  # 古湖综治通〔2026〕22号
    title: str
    period_line: str  # （统计时段：2026年10月19日至11月1日）
    recipient: str  # 主送机关: 街道党工委
    issuer: str  # 落款
    issued_on: date
    version: int
    generated_at: datetime
    automatic: bool
    period_code: str
    blocks: list = field(default_factory=list)
    distribution: str = ""  # 抄送
    version_note: str = ""
    filename: str = ""  # without extension

    @property
    def mast_pt(self) -> float:
        """The masthead's type size: 30 pt, smaller when a long name would not fit one line
        of the 156 mm (442 pt) text width."""
        chars = max(len(self.mast), 1)
        return min(30.0, int(2 * 442 / (chars * 1.12)) / 2)

    @property
    def generated_note(self) -> str:
        from django.utils import timezone
        from django.utils.translation import gettext as _

        from jiefen.documents.content import cn_date

        local = timezone.localtime(self.generated_at)
        return _("本报告由解纷平台根据系统数据%(how)s生成，生成时间%(when)s。") % {
            "how": _("自动") if self.automatic else _("按需"),
            "when": f"{cn_date(local.date())} {local:%H:%M}",
        }

    def number_blocks(self):
        tables = figures = 0
        for block in self.blocks:
            if block.kind == "table":
                tables += 1
                block.number = tables
            elif block.kind == "figure":
                figures += 1
                block.number = figures

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if block.kind == "table"]

    @property
    def figures(self) -> list[Figure]:
        return [block for block in self.blocks if block.kind == "figure"]

    def table(self, key: str) -> Table:
        return next(block for block in self.tables if block.key == key)

    def texts(self):
        yield from (self.mast, self.number, self.title, self.period_line, self.recipient)
        for block in self.blocks:
            if block.kind in ("paragraph", "heading", "subheading"):
                yield block.text
            elif block.kind == "table":
                yield from block.texts()
            elif block.kind == "figure":
                yield block.title
            elif block.kind == "box":
                yield block.title
                yield from block.paragraphs
        yield self.issuer
