"""The PDF exporters ``letter_pdf`` and ``report_pdf``: the HTML letter printed by WeasyPrint, in process.

Why WeasyPrint: no browser or LaTeX, and the PDF comes out tagged (PDF/UA-1)
with the document metadata (title, author, subject, language) and the letter's
provenance (data files' SHA-256, package version, generation time) in the PDF's
document information and XMP metadata, not on the page. The bytes are the same
for the same letter: a fixed identifier, and font subsets stamped with a fixed
time (see :data:`FONT_TIMESTAMP` and :mod:`.pdf_fonts`). The fonts are the
package's own Liberation faces (:func:`.pdf_fonts.font_stylesheet`), the same on
every machine.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from nbformat import NotebookNode
from traitlets import default

from ..formats import get_format
from . import pdf_fonts
from .html import LetterHTMLExporter


#: Timestamp stamped into embedded font subsets (2000-01-01T00:00:00Z). Without
#: Debian's libharfbuzz-subset0, WeasyPrint subsets fonts with fontTools, which
#: writes the current time into each subset's ``head`` table unless
#: ``SOURCE_DATE_EPOCH`` is set: the PDF would differ on every run.
FONT_TIMESTAMP = "946684800"


@contextlib.contextmanager
def _fixed_font_timestamp() -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` for the duration of one PDF write (a caller's own value wins)."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


class LetterPDFExporter(LetterHTMLExporter):
    """The same letter printed to a tagged PDF/UA-1 file by WeasyPrint, in process.

    The font configuration is built once per exporter and reused, which is most of
    what makes the second and later letters fast.
    """

    export_from_notebook = "LGSCO letter (PDF)"
    output_mimetype = get_format("pdf").mime

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._font_config: Any = None
        self._url_fetcher: Any = None
        self._font_stylesheet: Any = None

    def html_to_pdf(self, html: str) -> bytes:
        """Print ``html`` to PDF bytes; only ``data:`` URLs and the carried fonts may be fetched (no network)."""
        import weasyprint  # imported late: HTML-only users need not pay for it
        from weasyprint.text.fonts import FontConfiguration

        if self._font_config is None:
            self._font_config = FontConfiguration()
            self._url_fetcher = pdf_fonts.font_url_fetcher()
            self._font_stylesheet = pdf_fonts.font_stylesheet(self._font_config, self._url_fetcher)
            pdf_fonts.install()  # same bytes, faster where WeasyPrint subsets fonts with fontTools
        document = weasyprint.HTML(string=html, url_fetcher=self._url_fetcher, media_type="print")
        with _fixed_font_timestamp():
            return document.write_pdf(
                font_config=self._font_config,
                stylesheets=[self._font_stylesheet],
                pdf_variant="pdf/ua-1",
                pdf_tags=True,
                # A fixed identifier keeps the bytes identical for identical input.
                pdf_identifier=b"lgsco-report",
            )

    def html_to_document(self, html: str) -> bytes:
        """The PDF printed from the letter's HTML (:meth:`render_html`)."""
        return self.html_to_pdf(html)

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        html, resources = self.render_html(nb, resources=resources, **kw)
        pdf = self.html_to_pdf(html)
        resources["output_extension"] = ".pdf"
        return pdf, resources


class ReportPDFExporter(LetterPDFExporter):
    """The national review report as a tagged PDF."""

    export_from_notebook = "LGSCO report (PDF)"
    document_kind = "report"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "lgsco_report"


