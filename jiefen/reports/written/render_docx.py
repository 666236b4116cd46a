"""DOCX of a written report, on the page, type and primitives of the standard documents
(jiefen.documents.render_docx: A4 with GB/T 9704 margins, "— N —" page numbers outside, the
East-Asian font slots set on every run), plus what a report has and a case document has not:
the red masthead (版头) with the number and the red rule, data tables with captions, charts,
the analyst's box and the 版记 at the end."""

import copy
import io
import re

from docx import Document as Docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from django.utils.translation import gettext as _

from jiefen.common.text import find_control_character
from jiefen.documents import render_docx as base
from jiefen.documents.content import Closing, cn_date
from jiefen.documents.fonts import document_fonts

from .content import cell_text

RED = RGBColor(0xC8, 0x10, 0x2E)
GREY = RGBColor(0x55, 0x55, 0x55)
MAST_PT = 30
TABLE_PT = 10.5  # 五号
NOTE_PT = 10.5
CAPTION_PT = 12
RECORD_PT = 14  # 四号, the 版记


def _border(paragraph, edge: str, *, color="000000", size=8):
    """A rule above or below a paragraph (w:pBdr), `size` in eighths of a point."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    element = OxmlElement(f"w:{edge}")
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size))
    element.set(qn("w:space"), "1")
    element.set(qn("w:color"), color)
    borders.append(element)


def _masthead(docx, report, fonts):
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, line=MAST_PT * 1.5, before=6, align=WD_ALIGN_PARAGRAPH.CENTER)
    run = base._run(paragraph, report.mast, family=fonts["title"], size=report.mast_pt, bold=True)
    run.font.color.rgb = RED
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, before=base.LINE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    base._run(paragraph, report.number, family=fonts["body"], size=base.BODY_PT)
    _border(paragraph, "bottom", color="C8102E", size=18)
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, line=base.LINE_PT / 2)
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, line=36, before=6, align=WD_ALIGN_PARAGRAPH.CENTER)
    base._run(paragraph, report.title, family=fonts["title"], size=base.TITLE_PT, bold=True)
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, after=base.LINE_PT / 2, align=WD_ALIGN_PARAGRAPH.CENTER)
    base._run(paragraph, report.period_line, family=fonts["body"], size=base.BODY_PT)
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    base._run(paragraph, report.recipient + "：", family=fonts["body"], size=base.BODY_PT)


def _paragraph(docx, block, fonts):
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, indent_chars=2 if block.style == "body" else 0, align=base.PARAGRAPH_ALIGN.get(block.style))
    base._run(paragraph, block.text, family=fonts["body"], size=base.BODY_PT, bold=block.bold)


def _heading(docx, text, family, *, bold=False):
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph.paragraph_format.keep_with_next = True
    base._run(paragraph, text, family=family, size=base.BODY_PT, bold=bold)


def _caption(docx, text, fonts):
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, line=22, before=6, after=2, size=CAPTION_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph.paragraph_format.keep_with_next = True
    base._run(paragraph, text, family=fonts["heading"], size=CAPTION_PT)


def _repeat_header(row):
    trpr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    trpr.append(element)


def _cant_split(row):
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _cell_margins(table, mm: float = 1.0):
    """Narrow left and right cell margins (Word's default is 1.9 mm), so that a three-character
    header fits a narrow numeric column."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(int(Mm(mm).twips)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


class _CellTexts:
    """Writes the text of a data table's cells: the first cell of each look (font, alignment,
    bold) through python-docx, every later one as a copy of that cell's paragraph with its own
    text. python-docx sets the spacing, size and fonts element by element, looking each up
    first; a report's tables have about a thousand cells, which took most of the DOCX's time.

    Copied only for text that python-docx writes as one plain w:t (no tab, line break, control
    character, or space at either end, which add xml:space) — the rest is written as before."""

    def __init__(self):
        self.made = {}

    def put(self, cell, text, *, family: str, align, bold: bool = False) -> None:
        text = str(text)
        plain = bool(text) and text.strip() == text and not _BREAKS.search(text) and find_control_character(text) is None
        key = (family, align, bold)
        made = self.made.get(key) if plain else None
        if made is None:
            base._cell_text(cell, text, family=family, size=TABLE_PT, align=align, line=15)
            if bold:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.bold = True
            if plain:
                self.made[key] = copy.deepcopy(cell._tc.p_lst[0])
            return
        paragraph = copy.deepcopy(made)
        paragraph.find(_RUN).find(_TEXT).text = text
        cell._tc.replace(cell._tc.p_lst[0], paragraph)


_BREAKS = re.compile("[\t\r\n]")  # python-docx writes w:tab and w:br for them
_RUN, _TEXT = qn("w:r"), qn("w:t")


def _table(docx, block, fonts):
    _caption(docx, _("表%(n)d　%(caption)s") % {"n": block.number, "caption": block.caption}, fonts)
    rows = block.all_rows()
    table = docx.add_table(rows=len(rows) + 1, cols=len(block.header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    base._borders(table._tbl.tblPr)
    _cell_margins(table)
    if block.widths:
        base._widths(table, block.widths)
    # Rows are looked up in the XML on every `table.rows[i]`, a row's cells on every `.cells`:
    # each is read once.
    word_rows = list(table.rows)
    header = word_rows[0]
    _repeat_header(header)
    texts = _CellTexts()
    header_cells = header.cells
    for index, text in enumerate(block.header):
        cell = header_cells[index]
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        texts.put(cell, text, family=fonts["heading"], align=WD_ALIGN_PARAGRAPH.CENTER)
    total_index = len(block.rows) if block.total else None
    for row_index, row in enumerate(rows):
        word_row = word_rows[row_index + 1]
        _cant_split(word_row)
        cells = word_row.cells
        for index, value in enumerate(row):
            cell = cells[index]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            align = WD_ALIGN_PARAGRAPH.CENTER if index in block.numeric else WD_ALIGN_PARAGRAPH.LEFT
            texts.put(cell, cell_text(value), family=fonts["body"], align=align, bold=row_index == total_index)
    if block.keep:
        # Word keeps a table on one page when every row's paragraphs keep with the next row.
        for word_row in table.rows[:-1]:
            for cell in word_row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
    if block.note:
        paragraph = docx.add_paragraph()
        base._spacing(paragraph, line=16, before=2, size=NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        base._run(paragraph, block.note, family=fonts["body"], size=NOTE_PT)
    base._after_table(docx)


def _figure(docx, block, fonts):
    paragraph = docx.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Pt(6), Pt(6)
    fmt.keep_together = True
    paragraph.add_run().add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))
    # The picture's alt text, for screen readers and for search.
    inline = paragraph.runs[-1]._r.find(".//" + qn("wp:docPr"))
    if inline is not None:
        inline.set("descr", block.title)
        inline.set("title", _("图%(n)d　%(title)s") % {"n": block.number, "title": block.title})


def _box(docx, block, fonts):
    table = docx.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    base._borders(table._tbl.tblPr)
    base._widths(table, (100,))
    row = table.rows[0]
    cell = row.cells[0]
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    if block.paragraphs:
        first = True
        for text in block.paragraphs:
            paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            base._spacing(paragraph, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            base._run(paragraph, text, family=fonts["body"], size=base.BODY_PT)
    else:
        row.height = Mm(80)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        paragraph = cell.paragraphs[0]
        base._spacing(paragraph, line=20, size=NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        run = base._run(paragraph, block.hint, family=fonts["body"], size=NOTE_PT)
        run.font.color.rgb = GREY
    base._after_table(docx)


def _record(docx, report, fonts):
    """版记: what was generated how, then 抄送 and 印发 between rules, at the end."""
    notes = [report.generated_note]
    if report.version_note:
        notes.append(report.version_note)
    spacer = docx.add_paragraph()
    base._spacing(spacer, line=base.LINE_PT)
    for text in notes:
        paragraph = docx.add_paragraph()
        base._spacing(paragraph, line=18, size=NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        paragraph.paragraph_format.keep_with_next = True
        run = base._run(paragraph, text, family=fonts["body"], size=NOTE_PT)
        run.font.color.rgb = GREY
    if report.distribution:
        paragraph = docx.add_paragraph()
        base._spacing(paragraph, line=24, before=8, size=RECORD_PT)
        paragraph.paragraph_format.left_indent = Pt(RECORD_PT)
        paragraph.paragraph_format.keep_with_next = True
        _border(paragraph, "top", size=8)
        _border(paragraph, "bottom", size=4)
        base._run(paragraph, _("抄送：%(to)s。") % {"to": report.distribution}, family=fonts["body"], size=RECORD_PT)
    paragraph = docx.add_paragraph()
    base._spacing(paragraph, line=24, size=RECORD_PT)
    paragraph.paragraph_format.left_indent = Pt(RECORD_PT)
    if not report.distribution:
        _border(paragraph, "top", size=8)
    _border(paragraph, "bottom", size=8)
    base._run(paragraph, report.issuer, family=fonts["body"], size=RECORD_PT)
    base._run(paragraph, "\t" + _("%(date)s印发") % {"date": cn_date(report.issued_on)}, family=fonts["body"], size=RECORD_PT)
    stops = paragraph.paragraph_format.tab_stops
    from docx.enum.text import WD_TAB_ALIGNMENT

    stops.add_tab_stop(Mm(base.TEXT_WIDTH_MM) - Pt(RECORD_PT * 2), WD_TAB_ALIGNMENT.RIGHT)


def render_report_docx(report) -> bytes:
    fonts = document_fonts()
    docx = Docx()
    base._setup(docx, fonts)
    body = docx.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)
    _masthead(docx, report, fonts)
    for block in report.blocks:
        if block.kind == "paragraph":
            _paragraph(docx, block, fonts)
        elif block.kind == "heading":
            _heading(docx, block.text, fonts["heading"])
        elif block.kind == "subheading":
            _heading(docx, block.text, fonts["body"], bold=True)
        elif block.kind == "table":
            _table(docx, block, fonts)
        elif block.kind == "figure":
            _figure(docx, block, fonts)
        elif block.kind == "box":
            _box(docx, block, fonts)
        elif block.kind == "pagebreak":
            docx.add_page_break()
    base._closing(docx, Closing(report.issuer, report.issued_on, seal=False), fonts)
    _record(docx, report, fonts)
    core = docx.core_properties
    core.title = report.title
    core.subject = report.number
    core.author = report.issuer
    core.keywords = f"{report.kind} {report.period_code} v{report.version}"
    core.created = report.generated_at
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()
