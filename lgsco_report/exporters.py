"""nbconvert exporters that turn an executed letter notebook into the letter itself.

Why custom exporters: the stock HTML/PDF exporters show code, prompts and
tracebacks, load require.js/MathJax from a CDN, and need a browser or LaTeX for
PDF. A letter needs none of that. These exporters

* refuse a notebook that failed or was never executed (it would print a blank
  or partial letter): :class:`NotebookNotExportableError`,
* keep only what the letter notebook meant to publish: in a letter, the cells
  tagged ``letter``; every other cell is dropped, with a
  :class:`LetterContentWarning` naming the dropped cells that had something to
  show (see :class:`LetterCleanupPreprocessor`),
* render with the package's own templates (``templates/nbconvert/lgsco_letter``
  and ``templates/nbconvert/lgsco_report``) with the stylesheet inlined, so the
  HTML opens offline,
* print the PDF in process with WeasyPrint, tagged (PDF/UA-1) and carrying the
  document metadata (title, author, subject, language) and the letter's
  provenance (data files' SHA-256, package version, generation time) in the
  PDF's document information and XMP metadata, not on the page.

Registered as nbconvert exporters ``letter_html``, ``letter_pdf``,
``report_html`` and ``report_pdf`` (``nbconvert.exporters`` entry points), so
``jupyter nbconvert --to letter_pdf executed.ipynb`` works. The batch calls
:func:`export` (``export(nb, kind, {format: path})``), which looks each exporter
up by that same name through nbconvert's ``get_exporter`` and reuses the
instances, so only the first letter in a process pays the set-up cost.
"""

from __future__ import annotations

import base64
import binascii
import html as html_module
import contextlib
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Unicode, default

from .atomic import write_bytes as write_atomically
from .documents import (  # the document layer: mimetype, metadata, banner (names kept here for callers)
    DEFAULT_SAMPLE_BANNER,
    DOCUMENT_KINDS,
    DOCUMENT_MIMETYPE,
    DROPPED_CELL_TAGS,
    DocumentMetadataError,
    pdf_created,
    pdf_keywords,
    read_document_metadata,
)
from . import pdf_fonts, pdf_styles
from .errors import LgscoReportError

__all__ = [
    "DEFAULT_SAMPLE_BANNER",
    "DOCUMENT_MIMETYPE",
    "DROPPED_CELL_TAGS",
    "TEMPLATE_BASEDIR",
    "LETTER_CELL_TAG",
    "DocumentMetadataError",
    "LetterCleanupPreprocessor",
    "LetterContentWarning",
    "LetterHTMLExporter",
    "LetterPDFExporter",
    "NotebookNotExportableError",
    "ReportHTMLExporter",
    "ReportPDFExporter",
    "check_notebook_executed",
    "css_string",
    "export_letter",
    "read_document_metadata",
    "write_atomically",
]


#: Cells with this tag keep nothing of their outputs.
REMOVE_OUTPUT_TAG = "remove-output"
#: In a letter, only cells with this tag are printed (see LetterCleanupPreprocessor).
LETTER_CELL_TAG = "letter"
#: nbclient's tag for a cell that is expected to raise; its error does not stop an export.
EXPECTED_ERROR_TAG = "raises-exception"
#: Cell metadata key naming the letter section a cell shows (for error messages).
CELL_METADATA_KEY = "lgsco-report"

#: Folder holding the template folders; set as ``extra_template_basedirs`` so the
#: templates are found wherever the package is installed.
TEMPLATE_BASEDIR = Path(__file__).resolve().parent / "templates" / "nbconvert"

_BASE64_PATTERN = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CSS_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.-")


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


class NotebookNotExportableError(LgscoReportError, ValueError):
    """The notebook failed or was not (fully) executed: exporting it would print a blank or partial letter."""


class LetterContentWarning(UserWarning):
    """Cells with something to show were left out of the letter (not tagged ``letter``)."""


# ---------------------------------------------------------------------------
# Helpers (also used as template filters)
# ---------------------------------------------------------------------------


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


def png_base64(value: object) -> str:
    """Return the base64 payload of a PNG output, whitespace removed, validated.

    Why: the payload goes into an ``src`` attribute; anything but base64 would be
    an injection or a corrupt chart, so it is rejected with a clear error.
    """
    text = "".join(value) if isinstance(value, list) else str(value)
    text = re.sub(r"\s+", "", text)
    if not _BASE64_PATTERN.match(text):
        raise ValueError("image/png output is not valid base64; re-run the notebook cell that drew the chart")
    try:
        base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"image/png output is not valid base64 ({exc}); re-run the chart cell") from exc
    return text


def _cell_tags(cell: NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _section_name(cell: NotebookNode) -> str:
    """What a letter cell shows, for messages: its ``lgsco-report.section`` metadata, else its code."""
    named = cell.get("metadata", {}).get(CELL_METADATA_KEY, {})
    if isinstance(named, dict) and isinstance(named.get("section"), str):
        return named["section"]
    source = _joined(cell.get("source", ""))
    match = re.search(r"""letter\.section\(\s*["']([^"']+)["']""", source) or re.search(r"letter\.(\w+)\(", source)
    if match:
        return match.group(1)
    first_line = source.strip().splitlines()[0] if source.strip() else "(empty cell)"
    return first_line[:60]


def _error_message(cell_number: int, output: NotebookNode) -> str:
    evalue = _ANSI_ESCAPE.sub("", str(output.get("evalue", ""))).strip()
    ename = output.get("ename") or "error"
    return (
        f"notebook cell {cell_number} failed: {ename}: {evalue}\n"
        "Nothing was exported. Fix the cause and run the whole notebook again."
    )


def check_notebook_executed(nb: NotebookNode, kind: str = "letter") -> None:
    """Refuse a notebook that failed or was not executed; it would print a blank or partial document.

    Raises :class:`NotebookNotExportableError` naming the failed cell (its
    error), or each letter section whose cell never ran. Cells are numbered from
    1 in the order of the executed notebook. A report (kind ``report``) must
    have run at least one code cell.
    """
    for number, cell in enumerate(nb.cells, start=1):
        if EXPECTED_ERROR_TAG in _cell_tags(cell):
            continue  # nbclient's tag for a cell meant to raise: the run went on past it
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise NotebookNotExportableError(_error_message(number, output))
    if any("papermill-error-cell-tag" in _cell_tags(cell) for cell in nb.cells):
        raise NotebookNotExportableError("papermill marked this notebook's run as failed; nothing was exported")
    code_cells = [(n, c) for n, c in enumerate(nb.cells, start=1) if c.get("cell_type") == "code"]
    ran_any = any(c.get("execution_count") is not None or c.get("outputs") for _, c in code_cells)
    if kind != "letter":
        if not ran_any:
            raise NotebookNotExportableError("the report notebook was not executed: no code cell has run")
        return
    letter_cells = [(n, c) for n, c in code_cells if LETTER_CELL_TAG in _cell_tags(c)]
    if not letter_cells and not any(LETTER_CELL_TAG in _cell_tags(c) for c in nb.cells):
        raise NotebookNotExportableError(
            f"no cell of this notebook is tagged {LETTER_CELL_TAG!r}, so it has nothing to print as a letter; "
            f"tag each cell whose output is part of the letter {LETTER_CELL_TAG!r} "
            "(see the letter notebook's first cell)"
        )
    missing = [(n, c) for n, c in letter_cells if c.get("execution_count") is None and not c.get("outputs")]
    if missing:
        state = "was not executed" if not ran_any else "did not run to the end"
        named = [f"section {_section_name(c)!r} (cell {n})" for n, c in missing]
        sections = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
        raise NotebookNotExportableError(
            f"the letter notebook {state}: no output for {sections}. "
            "Run every cell (or run it with papermill or `lgsco-report letters`) before exporting."
        )


def _has_something_to_show(cell: NotebookNode) -> bool:
    """True for a cell that the stock exporters would have printed something of."""
    if cell.get("cell_type") == "markdown":
        return bool(_joined(cell.get("source", "")).strip())
    if cell.get("cell_type") != "code":
        return False
    return any(_is_letter_output(output) for output in cell.get("outputs", []))


class LetterCleanupPreprocessor(Preprocessor):
    """Keep only what belongs in the letter, and lift out the document metadata.

    First refuses a failed or unexecuted notebook (:func:`check_notebook_executed`).
    Then drops cells tagged :data:`DROPPED_CELL_TAGS`, all outputs of cells tagged
    ``remove-output``, every stream and error output, and the metadata output
    (whose contents go to ``resources["lgsco_document"]`` for the template).
    In a letter (``kind == "letter"``) only cells tagged :data:`LETTER_CELL_TAG`
    are kept: an analyst's scratch cell can never reach a council's letter, and
    the dropped cells that had something to show are named in a
    :class:`LetterContentWarning`. Works on the copy nbconvert makes, so the
    caller's notebook is untouched.
    """

    kind = Unicode("letter", help="'letter': only cells tagged 'letter' are printed; 'report': every cell").tag(
        config=True
    )

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        check_notebook_executed(nb, self.kind)
        resources["lgsco_document"] = read_document_metadata(nb)
        resources["lgsco_default_banner"] = DEFAULT_SAMPLE_BANNER
        kept_cells, left_out = [], []
        for number, cell in enumerate(nb.cells, start=1):
            tags = _cell_tags(cell)
            if tags & DROPPED_CELL_TAGS:
                continue
            if self.kind == "letter" and LETTER_CELL_TAG not in tags:
                if _has_something_to_show(cell):
                    left_out.append(number)
                continue
            if cell.cell_type == "code":
                _keep_letter_outputs(cell, tags)
            kept_cells.append(cell)
        nb.cells = kept_cells
        if left_out:
            _warn_left_out(left_out, self.log)
        # A sample letter must never print unlabelled: if the notebook's own HTML
        # has no banner, the template adds the default one.
        document = resources["lgsco_document"]
        document["needs_banner"] = document["is_sample"] and not any(
            "lgsco-sample-banner" in _joined(output.get("data", {}).get("text/html", ""))
            for cell in kept_cells
            if cell.cell_type == "code"
            for output in cell.outputs
        )
        if document.get("draft"):
            # The DRAFT mark leads the subject (HTML description, PDF /Subject and XMP dc:description).
            document["subject"] = f"{document['draft_mark']}. {document.get('subject') or document['title']}"
        document["pdf_keywords"] = pdf_keywords(document)
        document["pdf_created"] = pdf_created(document)
        return nb, resources


def _keep_letter_outputs(cell: NotebookNode, tags: set[str]) -> None:
    if REMOVE_OUTPUT_TAG in tags:
        cell.outputs = []
        return
    cell.outputs = [output for output in cell.outputs if _is_letter_output(output)]
    for output in cell.outputs:
        # In-memory notebooks may hold multi-line text as a list of lines.
        data = output.get("data", {})
        for mimetype in ("text/html", "text/markdown", "image/png"):
            if isinstance(data.get(mimetype), list):
                data[mimetype] = _joined(data[mimetype])
        if "text/html" in data:
            data["text/html"] = mark_address_links(data["text/html"])


_ANCHOR = re.compile(r"<a\b(?P<attrs>[^>]*)>(?P<text>[^<]*)</a>", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_CLASS = re.compile(r"""\bclass\s*=\s*(["'])""", re.IGNORECASE)
ADDRESS_LINK_CLASS = "lgsco-link-is-address"


def _bare_address(text: str) -> str:
    text = html_module.unescape(text).strip().lower()
    return re.sub(r"^https?://", "", text).rstrip("/")


def mark_address_links(markup: str) -> str:
    """Add class ``lgsco-link-is-address`` to each link whose text is already its address.

    Why: in print the stylesheet writes a link's address after its text; a link
    that reads "www.lgo.org.uk" need not say it twice. CSS cannot compare an
    element's text with its attribute, so the exporter marks these links.
    """

    def mark(match: re.Match[str]) -> str:
        attrs, text = match.group("attrs"), match.group("text")
        href = _HREF.search(attrs)
        if not href or _bare_address(href.group(1) or href.group(2) or "") != _bare_address(text):
            return match.group(0)
        if _CLASS.search(attrs):
            attrs = _CLASS.sub(lambda m: f"class={m.group(1)}{ADDRESS_LINK_CLASS} ", attrs, count=1)
        else:
            attrs = f' class="{ADDRESS_LINK_CLASS}"{attrs}'
        return f"<a{attrs}>{text}</a>"

    return _ANCHOR.sub(mark, markup) if "<a" in markup else markup


def _warn_left_out(cell_numbers: list[int], log: Any) -> None:
    """Name the cells that had something to show but are not part of the letter.

    A :class:`LetterContentWarning` from Python; under ``jupyter nbconvert``, a
    WARNING line in nbconvert's log instead (no source line quoted).
    """
    from nbconvert.nbconvertapp import NbConvertApp

    cells = ", ".join(str(n) for n in cell_numbers)
    message = (
        f"left out of the letter: notebook cell{'s' if len(cell_numbers) > 1 else ''} {cells} "
        f"(not tagged {LETTER_CELL_TAG!r}). Only cells tagged {LETTER_CELL_TAG!r} are printed; "
        "tag a cell if its output belongs in every council's letter."
    )
    if NbConvertApp.initialized():
        log.warning("%s", message)
    else:
        warnings.warn(message, LetterContentWarning, stacklevel=3)


def _joined(text: str | list[str]) -> str:
    """nbformat allows multi-line strings stored as lists of lines."""
    return "".join(text) if isinstance(text, list) else text


def _is_letter_output(output: NotebookNode) -> bool:
    """True for outputs a reader should see: displays and results, not logs or errors."""
    if output.output_type not in ("display_data", "execute_result"):
        return False
    return DOCUMENT_MIMETYPE not in output.get("data", {})


# ---------------------------------------------------------------------------
# Exporters
# ---------------------------------------------------------------------------


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
    output_mimetype = "text/html"
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
            return super().from_notebook_node(nb, resources=resources, **kw)

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        self.register_preprocessor(LetterCleanupPreprocessor(parent=self, kind=self.document_kind), enabled=True)

    def default_filters(self):  # type: ignore[override]
        yield from super().default_filters()
        yield ("css_string", css_string)
        yield ("png_base64", png_base64)


class LetterPDFExporter(LetterHTMLExporter):
    """The same letter printed to a tagged PDF/UA-1 file by WeasyPrint, in process.

    The font configuration is built once per exporter and reused, which is most of
    what makes the second and later letters fast.
    """

    export_from_notebook = "LGSCO letter (PDF)"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._font_config: Any = None
        self._url_fetcher: Any = None

    def html_to_pdf(self, html: str) -> bytes:
        """Print ``html`` to PDF bytes; only ``data:`` URLs may be fetched (no network)."""
        import weasyprint  # imported late: HTML-only users need not pay for it
        from weasyprint.text.fonts import FontConfiguration

        if self._font_config is None:
            self._font_config = FontConfiguration()
            self._url_fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
            pdf_fonts.install()  # same bytes, faster where WeasyPrint subsets fonts with fontTools
            pdf_styles.install()  # same bytes: the letters' <style> sheets parsed once per process
        document = weasyprint.HTML(string=html, url_fetcher=self._url_fetcher, media_type="print")
        with _fixed_font_timestamp():
            return document.write_pdf(
                font_config=self._font_config,
                pdf_variant="pdf/ua-1",
                pdf_tags=True,
                # A fixed identifier keeps the bytes identical for identical input.
                pdf_identifier=b"lgsco-report",
            )

    def render_html(
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """The letter's HTML, exactly as :class:`LetterHTMLExporter` would write it."""
        return super().from_notebook_node(nb, resources=resources, **kw)

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        html, resources = self.render_html(nb, resources=resources, **kw)
        pdf = self.html_to_pdf(html)
        resources["output_extension"] = ".pdf"
        return pdf, resources


class ReportHTMLExporter(LetterHTMLExporter):
    """The national review report as HTML: the letter's look, laid out as a report."""

    export_from_notebook = "LGSCO report (HTML)"
    document_kind = "report"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "lgsco_report"


class ReportPDFExporter(LetterPDFExporter):
    """The national review report as a tagged PDF."""

    export_from_notebook = "LGSCO report (PDF)"
    document_kind = "report"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "lgsco_report"


# ---------------------------------------------------------------------------
# Plain function API for the batch
# ---------------------------------------------------------------------------

#: Exporter instances by nbconvert name (``letter_pdf``...), built on first use and then reused.
_EXPORTERS: dict[str, Any] = {}


def _exporter(name: str) -> Any:
    """The exporter registered under ``name`` (nbconvert's own lookup: entry points, or a dotted class path)."""
    if name not in _EXPORTERS:
        from nbconvert.exporters import get_exporter

        _EXPORTERS[name] = get_exporter(name)()
    return _EXPORTERS[name]


def export(nb: NotebookNode, kind: str, targets: dict[str, Path]) -> dict[str, Path]:
    """Export an executed notebook to each ``{format: path}`` of ``targets``; return the paths written.

    ``kind`` is ``"letter"`` or ``"report"``; the exporter for a format is the
    one nbconvert knows as ``f"{kind}_{format}"``. Each file is written
    atomically. When both HTML and PDF are asked for, the HTML is rendered once
    and reused for the PDF (the PDF exporter prints the same template).
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DOCUMENT_KINDS)}, got {kind!r}")
    if not targets:
        raise ValueError("export needs at least one target format")
    written: dict[str, Path] = {}
    html = None
    if "pdf" in targets:
        pdf_exporter = _exporter(f"{kind}_pdf")
        assert isinstance(pdf_exporter, LetterPDFExporter)
        html, _ = pdf_exporter.render_html(nb)
    elif "html" in targets:
        html, _ = _exporter(f"{kind}_html").from_notebook_node(nb)
    for fmt, path in targets.items():
        if fmt == "html":
            data: bytes = html.encode("utf-8")
        elif fmt == "pdf":
            data = pdf_exporter.html_to_pdf(html)
        else:
            body, _ = _exporter(f"{kind}_{fmt}").from_notebook_node(nb)
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
