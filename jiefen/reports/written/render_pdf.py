"""PDF of a written report with WeasyPrint, through the documents app's locked fetcher: the
charts are handed in as resources (jiefen:figure-N), nothing else can be fetched, and the
CJK fonts are required (embedded as subsets) so the file reads the same anywhere."""

from django.template.loader import render_to_string

from jiefen.documents.content import cn_date
from jiefen.documents.fonts import document_fonts
from jiefen.documents.render_pdf import html_to_pdf


def report_html(report) -> str:
    return render_to_string(
        "reports/written/report.html",
        {"report": report, "fonts": document_fonts(), "issued_on": cn_date(report.issued_on), "generated_note": report.generated_note},
    )


def render_report_pdf(report) -> bytes:
    resources = {f"figure-{figure.number}": ("image/png", figure.png) for figure in report.figures}
    return html_to_pdf(report_html(report), resources)
