"""The entry: an executed notebook (or its letter outputs) to the bytes of a Word document.

Why python-docx, building from the letter's HTML sections: the notebook's
display outputs are the letter (each section one ``text/html`` output, charts
as ``<figure><img alt>``), so reading that HTML gives the same words and figures
as the HTML and PDF letters, while python-docx writes real Word structure. It
is pure Python, in process, and opens an office's reference document as the
base, so an office restyles the letter in Word without touching code (like
Quarto's ``reference-doc``). The cells are the ones the HTML letter prints
(:class:`~lgsco_report.exporters.cells.LetterCleanupPreprocessor`). Bytes are
deterministic: the zip entries carry a fixed time and the core properties the
letter's recorded generation time.
"""

from __future__ import annotations

import base64
import copy
import io
import zipfile
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from ..documents import raw_document_metadata, read_document_metadata
from ..errors import ReferenceDocxError, YearParametersError
from ..exporters.cells import LetterCleanupPreprocessor, png_base64
from .html_tree import Node, collapse_space, parse_html
from .setup import document_for, named_style
from .writer import Writer, add_picture

#: Fixed zip entry time: same letter, same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _letter_outputs(nb: NotebookNode) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The outputs that make the letter, in order, and its document metadata (cleaned as for HTML)."""
    resources: dict[str, Any] = {}
    # A letter prints only its cells tagged 'letter'; a report prints every cell (exporters' contract).
    kind = read_document_metadata(nb).get("kind", "letter")
    cleanup = LetterCleanupPreprocessor(kind="report" if kind == "report" else "letter")
    clean, resources = cleanup.preprocess(copy.deepcopy(nb), resources)
    outputs = []
    for cell in clean.cells:
        if cell.cell_type == "markdown":
            outputs.append({"markdown": cell.source})
        elif cell.cell_type == "code":
            outputs.extend({"output": output} for output in cell.outputs)
    return outputs, resources["lgsco_document"]


def _has_draft_mark(outputs: list[dict[str, Any]]) -> bool:
    return any("lgsco-draft" in str(o.get("output", {}).get("data", {}).get("text/html", "")) for o in outputs)


def notebook_to_docx(nb: NotebookNode, reference_docx: Path | str | None = None) -> bytes:
    """The executed notebook as .docx bytes (letter or report, from its document metadata)."""
    outputs, meta = _letter_outputs(nb)
    meta = dict(meta)
    meta.setdefault("year", _metadata_extra(nb, "year"))
    meta.setdefault("generated_at", _metadata_extra(nb, "generated_at"))
    meta["draft"] = bool(_metadata_extra(nb, "draft")) or _has_draft_mark(outputs)
    return build_docx(outputs, meta, Path(reference_docx) if reference_docx else None)


def _metadata_extra(nb: NotebookNode, key: str) -> Any:
    """A key of the raw document-metadata output that the exporters' cleaned copy leaves out."""
    return raw_document_metadata(nb).get(key)

def build_docx(outputs: list[dict[str, Any]], meta: dict[str, Any], reference: Path | None = None) -> bytes:
    """Word bytes from letter outputs (``{"output": nbformat output}`` / ``{"markdown": text}``)."""
    if reference is not None and not reference.is_file():
        raise ReferenceDocxError(f"reference document {reference} not found; fix 'reference_docx' in the year's parameters")
    meta = {**meta, "banner": meta.get("banner") or _banner_text(outputs)}
    document = document_for(reference, meta)
    writer = Writer(document, meta)
    for item in outputs:
        if "markdown" in item:
            from nbconvert.filters import markdown2html

            writer.blocks(parse_html(markdown2html(item["markdown"])))
            continue
        data = item["output"].get("data", {})
        if "text/html" in data:
            writer.blocks(parse_html(str(data["text/html"])))
        elif "image/png" in data:
            _add_image_output(document, item["output"])
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _add_image_output(document: Any, output: dict[str, Any]) -> None:
    """A chart displayed as a PNG output (not inside a section's HTML): the picture, then its caption."""
    png_meta = output.get("metadata", {}).get("image/png", {})
    paragraph = document.add_paragraph()
    add_picture(paragraph, base64.b64decode(png_base64(output["data"]["image/png"])),
                png_meta.get("alt") or output.get("metadata", {}).get("alt") or "")
    if png_meta.get("caption"):
        document.add_paragraph(str(png_meta["caption"]), style=named_style(document, "Caption"))


def _banner_text(outputs: list[dict[str, Any]]) -> str | None:
    """The words of the letter's own sample banner (``.lgsco-sample-banner``), for the page header."""
    def search(node: Node) -> str | None:
        for child in node.children:
            if isinstance(child, Node):
                if "lgsco-sample-banner" in child.classes:
                    return collapse_space(child.text()).strip()
                found = search(child)
                if found:
                    return found
        return None

    for item in outputs:
        html = str(item.get("output", {}).get("data", {}).get("text/html", ""))
        if "lgsco-sample-banner" in html:
            return search(parse_html(html))
    return None


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times and order: same letter, same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            # Pictures are compressed already: storing them saves time and nothing in size.
            fixed.compress_type = zipfile.ZIP_STORED if info.filename.endswith(".png") else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def reference_docx_for(nb: NotebookNode) -> Path | None:
    """The office's reference .docx named by ``reference_docx`` in the year's parameters, if any.

    The parameters file is the one the notebook ran with (papermill's recorded
    ``params_file``), else ``parameters/<year>.yaml``.
    """
    from ..yearparams import load_year_parameters

    parameters = (nb.metadata.get("papermill") or {}).get("parameters") or {}
    year = parameters.get("year") or _metadata_extra(nb, "year")
    if not year:
        return None
    try:
        params = load_year_parameters(year, parameters.get("params_file") or None)
    except (YearParametersError, ValueError):
        return None
    name = getattr(params, "reference_docx", None)
    if not name:
        return None
    base = params.source.parent if params.source else Path.cwd()
    return (base / name).resolve()
