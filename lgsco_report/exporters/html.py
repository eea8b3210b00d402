"""The HTML exporters ``letter_html`` and ``report_html``: one self-contained page per document.

Why custom exporters: the stock HTML exporter shows code, prompts and
tracebacks and loads require.js/MathJax from a CDN. These render only what
:class:`~lgsco_report.exporters.cells.LetterCleanupPreprocessor` keeps, with the
package's own templates (``templates/nbconvert/lgsco_letter`` and
``templates/nbconvert/lgsco_report``) and the stylesheet inlined, so the HTML
opens offline. The PDF exporters (:mod:`.pdf`) print this same HTML.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from traitlets import default

from ..formats import get_format
from ..errors import NotebookNotExportableError
from .cells import LetterCleanupPreprocessor, png_base64
from .names import keep_names_together

#: Folder holding the template folders; set as ``extra_template_basedirs`` so the
#: templates are found wherever the package is installed.
TEMPLATE_BASEDIR = Path(__file__).resolve().parents[1] / "templates" / "nbconvert"

_CSS_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.-")


def css_string(value: object) -> str:
    """Quote ``value`` as a CSS string literal safe inside an HTML ``<style>`` element.

    Why: the council name from metadata goes into ``@page`` margin-box
    ``content``; HTML escaping does not apply inside ``<style>`` (raw text), so
    every character outside a small safe set becomes a CSS hex escape. That also
    rules out ``</style>`` and quote break-outs.
    """
    text = "" if value is None else str(value)
    escaped = "".join(ch if ch in _CSS_SAFE_CHARS else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


@contextlib.contextmanager
def _clear_exit_under_nbconvert(exporter: Any) -> Iterator[None]:
    """Under ``jupyter nbconvert``, end a refused export with its message and exit 1, not a traceback.

    Called from Python (the batch, tests), the exception propagates as usual.
    """
    try:
        yield
    except NotebookNotExportableError as exc:
        from nbconvert.nbconvertapp import NbConvertApp

        if not NbConvertApp.initialized():
            raise
        exporter.log.critical("%s", exc)
        raise SystemExit(1) from None


class LetterHTMLExporter(HTMLExporter):
    """One self-contained, accessible HTML letter: no code, prompts, logs or network."""

    export_from_notebook = "LGSCO letter (HTML)"
    output_mimetype = get_format("html").mime
    #: "letter": only cells tagged ``letter`` are printed; "report": every cell not tagged to be removed.
    document_kind = "letter"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "lgsco_letter"

    @default("template_extension")
    def _template_extension_default(self) -> str:
        # The PDF subclasses print the same HTML templates.
        return ".html.j2"

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [str(TEMPLATE_BASEDIR)]

    @default("extra_template_paths")
    def _default_extra_template_paths(self) -> list[str]:
        # Lets the report template say {% extends 'lgsco_letter/index.html.j2' %}.
        return [str(TEMPLATE_BASEDIR)]

    @default("exclude_input")
    def _default_exclude_input(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _default_exclude_input_prompt(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _default_exclude_output_prompt(self) -> bool:
        return True

    @default("exclude_raw")
    def _default_exclude_raw(self) -> bool:
        return True

    @default("embed_images")
    def _default_embed_images(self) -> bool:
        return True

    @default("exclude_anchor_links")
    def _default_exclude_anchor_links(self) -> bool:
        # A printed letter has no use for the pilcrow permalinks nbconvert adds to headings.
        return True

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[Any, dict[str, Any]]:
        with _clear_exit_under_nbconvert(self):
            html, resources = super().from_notebook_node(nb, resources=resources, **kw)
        # A council's name is never split across a line or a page of a letter (reports: tables of names).
        return (keep_names_together(html) if self.document_kind == "letter" else html), resources

    def render_html(
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """The letter's HTML, exactly as :class:`LetterHTMLExporter` would write it."""
        return LetterHTMLExporter.from_notebook_node(self, nb, resources=resources, **kw)

    def html_to_document(self, html: str) -> bytes:
        """This exporter's file made from the letter's HTML (:meth:`render_html`): here, the HTML itself."""
        return html.encode("utf-8")

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        self.register_preprocessor(LetterCleanupPreprocessor(parent=self, kind=self.document_kind), enabled=True)

    def default_filters(self):  # type: ignore[override]
        yield from super().default_filters()
        yield ("css_string", css_string)
        yield ("png_base64", png_base64)


class ReportHTMLExporter(LetterHTMLExporter):
    """The national review report as HTML: the letter's look, laid out as a report."""

    export_from_notebook = "LGSCO report (HTML)"
    document_kind = "report"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "lgsco_report"

