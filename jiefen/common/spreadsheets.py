"""Cell values every export writes through, so that text someone typed stays text.

A title such as ``=HYPERLINK("http://…")`` or ``@SUM(…)`` typed into a case would otherwise be
written by openpyxl as a formula (``=``) or become one when the reader edits the cell in Excel
or WPS (``+ - @``), running in the reader's spreadsheet with the reader's rights. Such text is
stored as a string cell with Excel's quote prefix: shown verbatim, never evaluated, the value
itself unchanged. Characters XML cannot hold (control characters) are dropped instead of making
the whole export fail."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What Excel, WPS and LibreOffice read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def cell_value(value):
    """`value` as a cell may hold it: strings without the characters XML refuses."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def as_text(cell):
    """Keep a cell that looks like a formula a plain string, quoted so that editing it does not
    turn it into one; returns the cell."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put_cell(sheet, row: int, column: int, value):
    """sheet.cell(row, column, value) for text a user may have typed."""
    cell = sheet.cell(row=row, column=column)
    cell.value = cell_value(value)
    return as_text(cell)


def append_row(sheet, values) -> None:
    """sheet.append(values) for rows holding text users typed."""
    sheet.append([cell_value(value) for value in values])
    for cell in sheet[sheet.max_row]:
        as_text(cell)


def csv_value(value):
    """A CSV field that spreadsheet programs will not evaluate: formula-like text gets a
    leading apostrophe (CSV has no cell types to say "text")."""
    if is_formula_like(value):
        return "'" + value
    return value


__all__ = ["FORMULA_STARTS", "append_row", "as_text", "cell_value", "csv_value", "is_formula_like", "put_cell"]
