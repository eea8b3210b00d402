"""nbconvert exporters that turn an executed letter notebook into the letter itself: HTML, PDF, Word.

The package, one module per concern (after nbconvert's own ``exporters/``):

* :mod:`.cells`: what of a notebook is printed (cell tags, the executed-run
  check, :class:`LetterCleanupPreprocessor`), shared by every format;
* :mod:`.html`: ``letter_html`` and ``report_html``, the package's templates
  with the stylesheet inlined, so the HTML opens offline;
* :mod:`.pdf`: ``letter_pdf`` and ``report_pdf``, that HTML printed by
  WeasyPrint in process, tagged (PDF/UA-1), with the document metadata and
  provenance in the PDF's information and XMP; :mod:`.pdf_fonts` its faster
  font subsetting;
* :mod:`.docx`: ``letter_docx`` and ``report_docx``, the Word document
  (built by :mod:`lgsco_report.word`);
* :mod:`.sentences`: the few words the exporters add themselves, from
  ``templates/documents/``.

This module is the package's face: the exporter classes under the names the
``nbconvert.exporters`` entry points give (``lgsco_report.exporters:LetterPDFExporter``),
so ``jupyter nbconvert --to letter_pdf executed.ipynb`` works, and :func:`export`
(``export(nb, kind, {format: path})``) for the batch, which looks each exporter
up by that same name through nbconvert's ``get_exporter`` and reuses the
instances, so only the first letter in a process pays the set-up cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from ..atomic import write_bytes as write_atomically
from ..documents import DOCUMENT_KINDS
from ..errors import LetterContentWarning, NotebookNotExportableError
from ..formats import get_format
from .cells import (
    LETTER_CELL_TAG,
    LetterCleanupPreprocessor,
    check_notebook_executed,
)
from .docx import LetterDocxExporter, ReportDocxExporter
from .html import TEMPLATE_BASEDIR, LetterHTMLExporter, ReportHTMLExporter, css_string
from .pdf import LetterPDFExporter, ReportPDFExporter

__all__ = [
    "LETTER_CELL_TAG",
    "TEMPLATE_BASEDIR",
    "LetterCleanupPreprocessor",
    "LetterContentWarning",
    "LetterDocxExporter",
    "LetterHTMLExporter",
    "LetterPDFExporter",
    "NotebookNotExportableError",
    "ReportDocxExporter",
    "ReportHTMLExporter",
    "ReportPDFExporter",
    "check_notebook_executed",
    "css_string",
    "export",
    "export_letter",
]

#: Exporter instances by nbconvert name (``letter_pdf``...), built on first use and then reused.
_EXPORTERS: dict[str, Any] = {}


def _exporter(name: str) -> Any:
    """The exporter registered under ``name`` (nbconvert's own lookup: entry points, or a dotted class path)."""
    if name not in _EXPORTERS:
        from nbconvert.exporters import get_exporter

        _EXPORTERS[name] = get_exporter(name)()
    return _EXPORTERS[name]


def _format_exporter(kind: str, fmt: str) -> Any:
    """The exporter that writes format ``fmt`` (a row of ``formats``) for ``kind``, checked against its row."""
    try:
        row = get_format(fmt)
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r}; add a row to formats.OUTPUT_FORMATS") from None
    if not row.exported:
        raise ValueError(f"format {fmt!r} is not made by an exporter (papermill writes the notebook)")
    exporter = _exporter(row.exporter_name(kind))
    if row.mime and exporter.output_mimetype != row.mime:
        raise ValueError(
            f"the exporter {row.exporter_name(kind)!r} writes {exporter.output_mimetype!r}, "
            f"not the format's {row.mime!r}: check its entry point"
        )
    return exporter


def _prints_the_letter_html(exporter: Any) -> bool:
    """True for the HTML and PDF exporters (and subclasses keeping their ``from_notebook_node``):
    their file is made from the letter's HTML alone, so that HTML is rendered once for all of them."""
    return isinstance(exporter, LetterHTMLExporter) and type(exporter).from_notebook_node in (
        LetterHTMLExporter.from_notebook_node, LetterPDFExporter.from_notebook_node)


def export(nb: NotebookNode, kind: str, targets: dict[str, Path]) -> dict[str, Path]:
    """Export an executed notebook to each ``{format: path}`` of ``targets``; return the paths written.

    ``kind`` is ``"letter"`` or ``"report"``; the exporter for a format is the
    one nbconvert knows as ``f"{kind}_{format}"`` (checked against the format's
    ``mime``). Each file is written atomically. The exporters that print the
    letter's HTML (HTML and PDF) share one rendering of it.
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DOCUMENT_KINDS)}, got {kind!r}")
    if not targets:
        raise ValueError("export needs at least one target format")
    exporters = {fmt: _format_exporter(kind, fmt) for fmt in targets}
    html: str | None = None
    written: dict[str, Path] = {}
    for fmt, path in targets.items():
        exporter = exporters[fmt]
        if _prints_the_letter_html(exporter):
            if html is None:
                html, _ = exporter.render_html(nb)
            data = exporter.html_to_document(html)
        else:
            body, _ = exporter.from_notebook_node(nb)
            data = body if isinstance(body, bytes) else body.encode("utf-8")
        written[fmt] = write_atomically(Path(path), data)
    return written


def export_letter(
    nb: NotebookNode,
    html_path: Path | None,
    pdf_path: Path | None,
    kind: str = "letter",
) -> tuple[Path | None, Path | None]:
    """Export an executed notebook to HTML and/or PDF; return ``(html_path, pdf_path)`` (see :func:`export`).

    A path given as None is skipped (and returned as None).
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DOCUMENT_KINDS)}, got {kind!r}")
    if html_path is None and pdf_path is None:
        raise ValueError("export_letter needs html_path, pdf_path or both")
    targets = {fmt: Path(path) for fmt, path in (("html", html_path), ("pdf", pdf_path)) if path is not None}
    written = export(nb, kind, targets)
    return written.get("html"), written.get("pdf")
