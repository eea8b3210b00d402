"""What of a notebook goes into a document: cell tags, the executed-run check, the cleanup preprocessor.

Why its own module: the HTML, PDF and Word exporters all print the same cells
(``word`` reads them through :class:`LetterCleanupPreprocessor` too), so the rules
live once, apart from the exporter classes:

* refuse a notebook that failed or was never executed (it would print a blank
  or partial letter): :func:`check_notebook_executed` raises
  :class:`NotebookNotExportableError`;
* keep only what the letter notebook meant to publish: in a letter, the cells
  tagged ``letter``; every other cell is dropped, with a
  :class:`LetterContentWarning` naming the dropped cells that had something to
  show (see :class:`LetterCleanupPreprocessor`);
* check what goes into an attribute: a chart's base64 payload (:func:`png_base64`)
  and the links whose text is their address (:func:`mark_address_links`).
"""

from __future__ import annotations

import base64
import binascii
import html as html_module
import re
import warnings
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Unicode

from ..documents import (
    DEFAULT_SAMPLE_BANNER,
    DOCUMENT_MIMETYPE,
    DROPPED_CELL_TAGS,
    pdf_created,
    pdf_keywords,
    read_document_metadata,
)
from ..errors import LetterContentWarning, NotebookNotExportableError
from .sentences import sentence

#: Cells with this tag keep nothing of their outputs.
REMOVE_OUTPUT_TAG = "remove-output"
#: In a letter, only cells with this tag are printed (see LetterCleanupPreprocessor).
LETTER_CELL_TAG = "letter"
#: nbclient's tag for a cell that is expected to raise; its error does not stop an export.
EXPECTED_ERROR_TAG = "raises-exception"
#: Cell metadata key naming the letter section a cell shows (for error messages).
CELL_METADATA_KEY = "lgsco-report"

_BASE64_PATTERN = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
            document["subject"] = sentence(
                "draft_subject", draft_mark=document["draft_mark"], subject=document.get("subject") or document["title"]
            )
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


