"""PDF of documents with WeasyPrint, from the Django template that walks the document blocks.

WeasyPrint fetches nothing from the network or the disk here: the only resources a page may
name are the ones handed in (evidence images of the dossier), through a locked fetcher."""

import logging

from django.template.loader import render_to_string

from .fonts import document_fonts, require_fonts

# WeasyPrint reports every CSS property it ignores at WARNING; they are harmless and would
# flood the logs of a batch export.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LockedFetcher(URLFetcher):
        """Serves `jiefen:<key>` from a dict and refuses every other URL."""

        def __init__(self, resources):
            super().__init__(allowed_protocols=["jiefen"])
            self.resources = resources

        def fetch(self, url, headers=None):
            key = url.removeprefix("jiefen:")
            if not url.startswith("jiefen:") or key not in self.resources:
                raise ValueError(f"resource not allowed in a document: {url}")
            content_type, data = self.resources[key]
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

    return LockedFetcher


def html_to_pdf(html: str, resources: dict | None = None) -> bytes:
    import weasyprint

    require_fonts()
    fetcher = _fetcher_class()(resources or {})
    return weasyprint.HTML(string=html, base_url="jiefen:/", url_fetcher=fetcher).write_pdf()


def render_html(documents, *, title: str, author: str = "") -> str:
    return render_to_string(
        "documents/document.html",
        {"documents": documents, "fonts": document_fonts(), "title": title, "author": author},
    )


def render_pdf(document) -> bytes:
    """One document as a PDF (A4, CJK fonts embedded as subsets)."""
    html = render_html([document], title=f"{document.title} {document.number}", author=document.issuer)
    return html_to_pdf(html)
