"""DOCX of a document with python-docx, walking the same blocks as the PDF template, with the
same page (A4, GB/T 9704 margins, "— N —" page numbers outside) and the same type roles.

Word picks the font of Chinese characters from the East-Asian slot of rFonts (w:eastAsia), not
from the Latin one python-docx sets by `font.name`; every run and style sets both."""

import io

from docx import Document as Docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from jiefen.common.text import without_control_characters

from .content import BLANK_DATE, cn_date
from .fonts import document_fonts

TEXT_WIDTH_MM = 210 - 28 - 26
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
ISSUER_PT = 18  # 小二
FORM_PT = 12  # 小四
SIGN_PT = 14  # 四号
LINE_PT = 28.9  # 22 lines on the 225 mm text area


def _set_fonts(rpr_owner, family: str):
    """Set the Latin, complex-script and East-Asian font of a run or style."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), family)
    # A theme font named in the style would win over the explicit names in Word.
    for slot in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(slot)) is not None:
            del fonts.attrib[qn(slot)]


def _run(paragraph, text, *, family, size, bold=False):
    # python-docx refuses control characters; records made before input refused them (or
    # imported) must still print.
    run = paragraph.add_run(without_control_characters(text) if isinstance(text, str) else text)
    run.font.size = Pt(size)
    run.font.bold = bold
    _set_fonts(run._r, family)
    return run


def _spacing(paragraph, *, line=LINE_PT, before=0, after=0, indent_chars=0, size=BODY_PT, align=None):
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if align is not None:
        paragraph.alignment = align


def _field(paragraph, instruction, *, family, size):
    """A Word field (PAGE) as begin/instr/separate/result/end runs."""
    def char(kind):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run = _run(paragraph, "", family=family, size=size)
    run._r.append(char("begin"))
    run = _run(paragraph, "", family=family, size=size)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = _run(paragraph, "", family=family, size=size)
    run._r.append(char("separate"))
    _run(paragraph, "1", family=family, size=size)
    run = _run(paragraph, "", family=family, size=size)
    run._r.append(char("end"))


def _page_number(footer, align, fonts):
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(SIGN_PT)
    else:
        fmt.left_indent = Pt(SIGN_PT)
    _run(paragraph, "— ", family=fonts["body"], size=SIGN_PT)
    _field(paragraph, "PAGE", family=fonts["body"], size=SIGN_PT)
    _run(paragraph, " —", family=fonts["body"], size=SIGN_PT)


def _setup(docx, fonts):
    section = docx.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(21)
    section.header_distance = Mm(15)
    docx.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, fonts)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, fonts)
    normal = docx.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element, fonts["body"])
    for name in ("Table Grid",):
        if name in [s.name for s in docx.styles]:
            _set_fonts(docx.styles[name].element, fonts["body"])


def _borders(cell_or_table_pr, *, on=True):
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single" if on else "nil")
        if on:
            element.set(qn("w:sz"), "6")  # eighths of a point: 0.75 pt
            element.set(qn("w:color"), "000000")
        borders.append(element)
    cell_or_table_pr.append(borders)


def _cell_text(cell, text, *, family, size, align, line):
    paragraphs = str(text).split("\n")
    first = cell.paragraphs[0]
    for index, line_text in enumerate(paragraphs):
        paragraph = first if index == 0 else cell.add_paragraph()
        _spacing(paragraph, line=line, size=size, align=align)
        _run(paragraph, line_text, family=family, size=size)


def _widths(table, percents):
    table.autofit = False
    widths = [Mm(TEXT_WIDTH_MM * p / 100) for p in percents]
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = widths[min(index, len(widths) - 1)]
    return widths


def _form(docx, block, fonts):
    table = docx.add_table(rows=len(block.rows), cols=block.columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table._tbl.tblPr)
    _widths(table, block.widths)
    for row_index, row in enumerate(block.rows):
        column = 0
        word_row = table.rows[row_index]
        for cell in row:
            target = word_row.cells[column]
            if cell.span > 1:
                target = target.merge(word_row.cells[column + cell.span - 1])
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP if cell.tall else WD_CELL_VERTICAL_ALIGNMENT.CENTER
            align = WD_ALIGN_PARAGRAPH.CENTER if cell.label else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(target, cell.text, family=fonts["body"], size=FORM_PT, align=align, line=20)
            if cell.tall:
                word_row.height = Mm(26)
                word_row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            column += cell.span
    _after_table(docx)


def _grid(docx, block, fonts):
    table = docx.add_table(rows=len(block.rows) + 1, cols=len(block.header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table._tbl.tblPr)
    if block.widths:
        _widths(table, block.widths)
    for index, head in enumerate(block.header):
        _cell_text(table.rows[0].cells[index], head, family=fonts["heading"], size=FORM_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line=20)
    for row_index, row in enumerate(block.rows, 1):
        for index, text in enumerate(row):
            align = WD_ALIGN_PARAGRAPH.CENTER if index == 0 else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(table.rows[row_index].cells[index], text, family=fonts["body"], size=FORM_PT, align=align, line=20)
    _after_table(docx)


def _signatures(docx, block, fonts):
    spacer = docx.add_paragraph()
    _spacing(spacer, line=14)
    if block.note:
        paragraph = docx.add_paragraph()
        _spacing(paragraph, line=24, size=SIGN_PT)
        paragraph.paragraph_format.keep_with_next = True
        _run(paragraph, block.note, family=fonts["body"], size=SIGN_PT)
    table = docx.add_table(rows=len(block.lines), cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table._tbl.tblPr, on=False)
    _widths(table, (34, 36, 30))
    for row, line in zip(table.rows, block.lines):
        row.height = Mm(11)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        who, sign, when = row.cells
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
        _cell_text(who, f"{line.label}：", family=fonts["body"], size=SIGN_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, line=24)
        _cell_text(sign, line.name, family=fonts["body"], size=SIGN_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line=24)
        bottom = OxmlElement("w:tcBorders")
        edge = OxmlElement("w:bottom")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "6")
        edge.set(qn("w:color"), "000000")
        bottom.append(edge)
        sign._tc.get_or_add_tcPr().append(bottom)
        _cell_text(when, BLANK_DATE if line.dated else "", family=fonts["body"], size=SIGN_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, line=24)
    _after_table(docx)


def _after_table(docx):
    # Word joins two tables that touch; a small empty paragraph keeps them apart.
    paragraph = docx.add_paragraph()
    _spacing(paragraph, line=8)


def _closing(docx, block, fonts):
    spacer = docx.add_paragraph()
    _spacing(spacer, line=LINE_PT)
    for text in (block.issuer + ("（印）" if block.seal else ""), cn_date(block.on) if block.on else BLANK_DATE):
        paragraph = docx.add_paragraph()
        _spacing(paragraph, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 4)
        paragraph.paragraph_format.keep_with_next = True
        _run(paragraph, text, family=fonts["body"], size=BODY_PT)


PARAGRAPH_ALIGN = {
    "body": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "plain": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "note": WD_ALIGN_PARAGRAPH.LEFT,
}


def _document(docx, document, fonts):
    if document.issuer:
        paragraph = docx.add_paragraph()
        _spacing(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER)
        _run(paragraph, document.issuer, family=fonts["title"], size=ISSUER_PT, bold=True)
    paragraph = docx.add_paragraph()
    _spacing(paragraph, line=36, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(paragraph, document.title, family=fonts["title"], size=TITLE_PT, bold=True)
    paragraph = docx.add_paragraph()
    _spacing(paragraph, after=LINE_PT / 2, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(paragraph, document.number, family=fonts["body"], size=BODY_PT)
    for block in document.blocks:
        if block.kind == "paragraph":
            paragraph = docx.add_paragraph()
            if block.style == "note":
                _spacing(paragraph, line=20, before=4, size=FORM_PT, align=PARAGRAPH_ALIGN["note"])
                _run(paragraph, block.text, family=fonts["body"], size=FORM_PT, bold=block.bold)
                continue
            _spacing(paragraph, indent_chars=2 if block.style == "body" else 0, align=PARAGRAPH_ALIGN.get(block.style))
            if block.style == "right":
                paragraph.paragraph_format.right_indent = Pt(BODY_PT * 4)
            _run(paragraph, block.text, family=fonts["body"], size=BODY_PT, bold=block.bold)
        elif block.kind == "heading":
            paragraph = docx.add_paragraph()
            _spacing(paragraph, indent_chars=2, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            paragraph.paragraph_format.keep_with_next = True
            _run(paragraph, block.text, family=fonts["heading"], size=BODY_PT)
        elif block.kind == "form":
            _form(docx, block, fonts)
        elif block.kind == "grid":
            _grid(docx, block, fonts)
        elif block.kind == "signatures":
            _signatures(docx, block, fonts)
        elif block.kind == "closing":
            _closing(docx, block, fonts)


def render_docx(document) -> bytes:
    fonts = document_fonts()
    docx = Docx()
    _setup(docx, fonts)
    # python-docx's template starts with one empty paragraph; write into the body after it and drop it.
    body = docx.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)
    _document(docx, document, fonts)
    core = docx.core_properties
    core.title = f"{document.title} {document.number}"
    core.author = document.issuer or "解纷"
    core.subject = document.case_number
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()

