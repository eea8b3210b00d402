"""What every document says about itself, once: letter and national review alike.

One place for the words and the metadata both kinds of document share:

* :data:`DOCUMENT_MIMETYPE`, the display output that carries a notebook's
  document metadata to the exporters (HTML head, PDF information and XMP, Word
  core properties), and :func:`read_document_metadata` that finds and checks it;
* the metadata itself: :func:`letter_metadata` and :func:`review_metadata`
  build it (both through :func:`build_metadata`), :func:`coerce_metadata`
  checks and normalises it, :func:`pdf_keywords` and :func:`pdf_created` turn
  its provenance into PDF metadata;
* :data:`SAMPLE_BANNER`, the words that mark a document made from sample data;
* :func:`average_method_text`, the sentence that says how the averages for
  similar councils were made;
* :func:`utc_now`, :func:`generated_at_text` and :func:`parse_generated_at`:
  every document's generation time is UTC unless the caller gives one.

Why here and nowhere else: a banner, a mimetype or a method sentence defined in
two modules drifts apart; ``tests/test_documents.py`` checks that each of these
strings appears in this module only. This module imports nothing above
``errors`` at import time, so any layer may use it (the inputs read
:data:`SAMPLE_BANNER` to recognise sample data files).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .errors import DocumentMetadataError

__all__ = [
    "DEFAULT_SAMPLE_BANNER",
    "DOCUMENT_KINDS",
    "DOCUMENT_MIMETYPE",
    "DROPPED_CELL_TAGS",
    "DocumentMetadata",
    "DocumentMetadataError",
    "SAMPLE_BANNER",
    "average_method_text",
    "build_metadata",
    "coerce_metadata",
    "document_provenance",
    "generated_at_text",
    "letter_metadata",
    "parse_generated_at",
    "pdf_created",
    "pdf_keywords",
    "raw_document_metadata",
    "read_document_metadata",
    "review_metadata",
    "utc_now",
]

#: Mimetype of the display output that carries the document metadata.
DOCUMENT_MIMETYPE = "application/vnd.lgsco-report.document+json"

#: The kinds of document: an annual review letter, and a report (the national review).
DOCUMENT_KINDS = ("letter", "report")

#: Cells with any of these tags never reach the document (nor is their metadata read).
DROPPED_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove-cell", "papermill-error-cell-tag"}
)

#: The words that mark every document, sample data file and pack made from the sample data.
SAMPLE_BANNER = "SAMPLE DATA - not real Ombudsman figures"
#: The banner the exporters add to a sample-data document whose HTML carries none: the same words.
DEFAULT_SAMPLE_BANNER = SAMPLE_BANNER

#: How the averages for similar councils were made, per document kind and ``average_method``.
#: The letter and the review word it differently today (each for its own reader); both live here.
_AVERAGE_METHOD_TEXT = {
    "letter": {
        "pooled": (
            "Each average for similar authorities is a pooled rate: the cases counted for all "
            "councils of the same type in the year added together, divided by all their "
            "detailed investigations (or upheld cases, compliance outcomes or residents)."
        ),
        "mean": (
            "Each average for similar authorities is the mean of the rates of the councils of "
            "the same type in the year; councils with no cases to base a rate on are left out."
        ),
    },
    "report": {
        "pooled": (
            "Each average is pooled: all the councils of that type taken together (for example, every upheld "
            "decision of that type divided by every detailed investigation of that type)."
        ),
        "mean": (
            "Each average is the mean of the rates of the councils of that type, leaving out councils "
            "that have no figure for that rate."
        ),
    },
}

_DEFAULT_TITLE = {"letter": "Annual review letter", "report": "Annual review report"}
_LANG_PATTERN = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
#: W3C date-time (what WeasyPrint accepts for ``dcterms.created``), e.g. 2020-07-22T10:00:00+00:00.
_W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


class DocumentMetadata(dict):
    """The exported document's title, author, subject, language and provenance.

    Displayed as its own output under ``DOCUMENT_MIMETYPE`` so the exporters can
    set the HTML head and PDF metadata; it shows nothing in JupyterLab.
    """

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {DOCUMENT_MIMETYPE: dict(self), "text/plain": ""}


# ---------------------------------------------------------------------------
# wording shared by letter and review


def average_method_text(method: str, kind: str = "letter") -> str:
    """The sentence saying how the averages for similar councils were made (``pooled`` or ``mean``)."""
    if kind not in _AVERAGE_METHOD_TEXT:
        raise ValueError(f"document kind {kind!r} is not one of {', '.join(DOCUMENT_KINDS)}")
    try:
        return _AVERAGE_METHOD_TEXT[kind][method]
    except KeyError:
        raise ValueError(
            f"average method {method!r} is not one of {', '.join(_AVERAGE_METHOD_TEXT[kind])}"
        ) from None


# ---------------------------------------------------------------------------
# generation time: UTC everywhere


def utc_now() -> _dt.datetime:
    """Now, in UTC, to the second: every document's default generation time."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def generated_at_text(generated_at: str = "") -> str:
    """The generation time as the letter records it: the caller's text unchanged, else now in UTC (ISO 8601)."""
    return generated_at or utc_now().isoformat()


def parse_generated_at(generated_at: str | _dt.datetime | None) -> _dt.datetime:
    """The generation time as a date-time: the caller's time as given (like the letter's), else now in UTC."""
    if isinstance(generated_at, _dt.datetime):
        return generated_at
    if not generated_at:
        return utc_now()
    try:
        return _dt.datetime.fromisoformat(str(generated_at).strip())
    except ValueError as exc:
        raise ValueError(
            f"generated_at {generated_at!r} is not an ISO date-time; write e.g. "
            "'2020-07-29T09:00:00+00:00' or leave it empty for now (UTC)"
        ) from exc


# ---------------------------------------------------------------------------
# building the metadata


def document_provenance(data_files: Iterable[Mapping[str, str]], generated_at: str) -> dict[str, Any]:
    """The data files behind a document (table, file name, SHA-256), the package version and the generation time."""
    from . import __version__

    return {
        "data_files": [{"table": f["table"], "name": f["name"], "sha256": f["sha256"]} for f in data_files],
        "package_version": __version__,
        "generated_at": generated_at,
    }


def build_metadata(
    kind: str,
    *,
    title: str,
    author: str,
    subject: str,
    council: str | None,
    is_sample: bool,
    unconfirmed: Iterable[str],
    provenance: dict[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> DocumentMetadata:
    """One document's metadata, the same keys for every kind (``extra``: keys only one kind carries).

    A year with unconfirmed facts makes DRAFT documents (the exporters mark every page).
    """
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"document kind {kind!r} is not one of {', '.join(DOCUMENT_KINDS)}")
    unconfirmed = list(unconfirmed)
    return DocumentMetadata(
        title=title, author=author, subject=subject, lang="en-GB", council=council, is_sample=bool(is_sample),
        kind=kind, **dict(extra or {}), draft=bool(unconfirmed), unconfirmed=unconfirmed, provenance=provenance,
    )


def letter_metadata(
    *,
    council_name: str,
    year: int,
    author: str,
    is_sample: bool,
    unconfirmed: Iterable[str],
    generated_at: str,
    data_files: Iterable[Mapping[str, str]],
) -> DocumentMetadata:
    """An annual review letter's metadata (it also carries ``year`` and ``generated_at``, which Word reads)."""
    return build_metadata(
        "letter",
        title=f"Annual Review letter {year}: {council_name}",
        author=author,
        subject=(
            f"Complaint statistics for {council_name}, year ending 31 March {year}"
            + (f" ({SAMPLE_BANNER})" if is_sample else "")
        ),
        council=council_name,
        is_sample=is_sample,
        unconfirmed=unconfirmed,
        provenance=document_provenance(data_files, generated_at),
        extra={"year": year, "generated_at": generated_at},
    )


def review_metadata(
    *,
    title: str,
    year: int,
    author: str,
    is_sample: bool,
    unconfirmed: Iterable[str],
    generated_at: str,
    data_files: Iterable[Mapping[str, str]],
) -> DocumentMetadata:
    """The national review's metadata (no council; its generation time is in the provenance only)."""
    return build_metadata(
        "report",
        title=title,
        author=author,
        subject=(
            f"Complaints about councils in England in the year ending 31 March {year}, "
            "by council type and by council"
        ),
        council=None,
        is_sample=is_sample,
        unconfirmed=unconfirmed,
        provenance=document_provenance(data_files, generated_at),
    )


# ---------------------------------------------------------------------------
# reading and checking the metadata


def coerce_metadata(raw: Any, where: str) -> dict[str, Any]:
    """Validate and normalise one document-metadata payload (defaults filled in)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DocumentMetadataError(f"{where}: {DOCUMENT_MIMETYPE} is not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise DocumentMetadataError(
            f"{where}: {DOCUMENT_MIMETYPE} must be a JSON object, got {type(raw).__name__}"
        )
    kind = raw.get("kind") or "letter"
    if kind not in DOCUMENT_KINDS:
        raise DocumentMetadataError(
            f"{where}: document kind {kind!r} is not one of {', '.join(DOCUMENT_KINDS)}"
        )
    lang = raw.get("lang") or "en-GB"
    if not isinstance(lang, str) or not _LANG_PATTERN.match(lang):
        raise DocumentMetadataError(f"{where}: lang {lang!r} is not a language tag such as 'en-GB'")
    text_fields = {}
    for key in ("title", "author", "subject", "council"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise DocumentMetadataError(f"{where}: {key} must be a string, got {type(value).__name__}")
        text_fields[key] = value or None
    is_sample = raw.get("is_sample", False)
    if not isinstance(is_sample, bool):
        raise DocumentMetadataError(f"{where}: is_sample must be true or false, got {is_sample!r}")
    return {
        **text_fields,
        "title": text_fields["title"] or _DEFAULT_TITLE[kind],
        "lang": lang,
        "is_sample": is_sample,
        "kind": kind,
        "provenance": _coerce_provenance(raw.get("provenance"), where),
        **_coerce_draft(raw, where),
    }


#: How the DRAFT mark names each fact a year's parameters may list as unconfirmed.
_FACT_WORDS = {"letter_date": "letter date", "publication_date": "publication date", "ombudsman_name": "Ombudsman's name",
               "extra_paragraphs": "extra paragraphs", "links": "web addresses", "decision_groups": "decision groups"}


def draft_mark(unconfirmed: list[str] | tuple[str, ...]) -> str:
    """The DRAFT mark's words for a year's unconfirmed facts; "" when every fact is confirmed."""
    words = [_FACT_WORDS.get(name, str(name).replace("_", " ")) for name in unconfirmed]
    if not words:
        return ""
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"DRAFT: {listed} not confirmed"


def _coerce_draft(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``draft`` (true for a document made from a year with unconfirmed facts) and the ``unconfirmed`` fact names."""
    draft, unconfirmed = raw.get("draft", False), raw.get("unconfirmed") or []
    if not isinstance(draft, bool):
        raise DocumentMetadataError(f"{where}: draft must be true or false, got {draft!r}")
    if not isinstance(unconfirmed, list) or not all(isinstance(name, str) for name in unconfirmed):
        raise DocumentMetadataError(f"{where}: unconfirmed must be a list of fact names, got {unconfirmed!r}")
    draft = draft or bool(unconfirmed)
    return {"draft": draft, "unconfirmed": unconfirmed, "draft_mark": (draft_mark(unconfirmed) or "DRAFT") if draft else ""}


def _coerce_provenance(raw: Any, where: str) -> dict[str, Any] | None:
    """Validate the optional ``provenance`` object: data files' hashes, package version, generation time."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise DocumentMetadataError(f"{where}: provenance must be a JSON object, got {type(raw).__name__}")
    files = raw.get("data_files") or []
    if not isinstance(files, list):
        raise DocumentMetadataError(f"{where}: provenance.data_files must be a list")
    data_files = []
    for number, entry in enumerate(files, start=1):
        fields = ("table", "name", "sha256")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k, ""), str) for k in fields):
            raise DocumentMetadataError(
                f"{where}: provenance.data_files[{number}] must hold text table, name and sha256"
            )
        sha256 = entry.get("sha256", "").lower()
        if not _SHA256_PATTERN.match(sha256):
            raise DocumentMetadataError(
                f"{where}: provenance.data_files[{number}].sha256 {sha256[:80]!r} is not a SHA-256 hex digest"
            )
        data_files.append({"table": entry.get("table", ""), "name": entry.get("name", ""), "sha256": sha256})
    version, generated_at = raw.get("package_version"), raw.get("generated_at")
    for key, value in (("package_version", version), ("generated_at", generated_at)):
        if value is not None and not isinstance(value, str):
            raise DocumentMetadataError(f"{where}: provenance.{key} must be a string, got {type(value).__name__}")
    return {"data_files": data_files, "package_version": version or None, "generated_at": generated_at or None}


def pdf_keywords(document: dict[str, Any]) -> list[str]:
    """The PDF's /Keywords (also XMP pdf:Keywords): the document's provenance, one item each.

    Why keywords: WeasyPrint writes them to both the document information
    dictionary and the XMP packet, which every PDF reader shows; the letter's
    page then carries none of these machine details. WeasyPrint splits the
    ``<meta name="keywords">`` content at commas, so no item may hold one.
    """
    provenance = document.get("provenance") or {}
    items = []
    if document.get("draft"):
        # A DRAFT says so in its metadata too, with the facts not confirmed (key names, no commas).
        items.append("DRAFT")
        items.append("unconfirmed: " + " ".join(document.get("unconfirmed") or ["(not named)"]))
    if provenance.get("package_version"):
        items.append(f"lgsco-report {provenance['package_version']}")
    if provenance.get("generated_at"):
        items.append(f"generated {provenance['generated_at']}")
    for entry in provenance.get("data_files", []):
        items.append(f"{entry['table'] or 'data'} {entry['name']} sha256:{entry['sha256']}".strip())
    return [item.replace(",", " ") for item in items]


def pdf_created(document: dict[str, Any]) -> str | None:
    """The generation time as a W3C date-time for ``dcterms.created`` (PDF /CreationDate), or None."""
    generated_at = (document.get("provenance") or {}).get("generated_at")
    return generated_at if generated_at and _W3C_DATETIME.match(generated_at) else None


def _metadata_outputs(nb: Any) -> Iterator[tuple[int, Any]]:
    """(cell index, raw payload) of each document-metadata output in a cell that is exported."""
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or DROPPED_CELL_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if DOCUMENT_MIMETYPE in data:
                yield index, data[DOCUMENT_MIMETYPE]


def read_document_metadata(nb: Any) -> dict[str, Any]:
    """Return the notebook's document metadata (defaults filled in).

    Looks for the first display output with :data:`DOCUMENT_MIMETYPE` in a cell
    that is exported (cells tagged as dropped are ignored). Without one, a
    notebook still exports, titled from ``nb.metadata.title`` if present.
    """
    for index, raw in _metadata_outputs(nb):
        return coerce_metadata(raw, f"cell {index}")
    fallback_title = nb.metadata.get("title")
    return coerce_metadata({"title": fallback_title if isinstance(fallback_title, str) else None}, "notebook")


def raw_document_metadata(nb: Any) -> dict[str, Any]:
    """The first document-metadata output of any code cell as written (keys the checked copy leaves out, too)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            raw = (output.get("data") or {}).get(DOCUMENT_MIMETYPE)
            if isinstance(raw, dict):
                return raw
    return {}
