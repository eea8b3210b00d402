"""nbconvert exporters ``letter_docx`` and ``report_docx``: the letter (or national review) in Word.

Registered as ``nbconvert.exporters`` entry points beside ``letter_html`` and
``letter_pdf``, so ``jupyter nbconvert --to letter_docx executed.ipynb`` writes
``executed.docx``. The document is built by :mod:`lgsco_report.word` from the
notebook's letter outputs (the same sections the HTML letter shows). The base
document is, in order: the exporter's ``reference_docx`` option
(``--LetterDocxExporter.reference_docx=FILE``), the ``reference_docx`` key of the
year's parameters, or python-docx's default document.

``word`` (and python-docx) is imported when a document is made, not with this
module: the package's face imports every exporter class, and an HTML or PDF
batch should not pay for Word (``word`` itself reads ``exporters.cells``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.exporters import Exporter
from nbformat import NotebookNode
from traitlets import Unicode, default

from ..formats import get_format

__all__ = ["LetterDocxExporter", "ReportDocxExporter"]


class LetterDocxExporter(Exporter):
    """One council's letter as a Word document (.docx)."""

    export_from_notebook = "LGSCO letter (Word)"
    output_mimetype = get_format("docx").mime
    reference_docx = Unicode(
        "", help="Reference .docx whose styles, page set-up and header/footer the document starts from."
    ).tag(config=True)

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".docx"

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        from ..word import notebook_to_docx, reference_docx_for

        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        reference = Path(self.reference_docx) if self.reference_docx else reference_docx_for(nb_copy)
        resources["output_extension"] = ".docx"
        return notebook_to_docx(nb_copy, reference), resources


class ReportDocxExporter(LetterDocxExporter):
    """The national review report as a Word document; the kind comes from its document metadata."""

    export_from_notebook = "LGSCO report (Word)"

