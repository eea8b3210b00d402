"""Whether a letter may go out: made from the inputs on file today, not sample data, not a DRAFT with --final.

Why read the letter's own files: whether a letter was made from sample data,
or carries a DRAFT mark, is a fact of that letter (its notebook's document
metadata, else its HTML), not of today's inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import AddressError
from ..hashing import sha256_file
from .addresses import ADDRESS_COLUMNS, check_address
from .options import LetterToSend, SendOptions


def letter_document(year_dir: Path, entry: dict[str, Any]) -> tuple[bool | None, bool]:
    """(made from sample data?, DRAFT mark?) from the executed notebook, else the HTML letter; None: cannot tell."""
    from ..documents import SAMPLE_BANNER

    outputs = entry.get("outputs", {})
    ipynb = year_dir / outputs.get("ipynb", "") if outputs.get("ipynb") else None
    if ipynb is not None and ipynb.is_file():
        import nbformat

        from ..documents import DOCUMENT_MIMETYPE, read_document_metadata

        nb = nbformat.read(ipynb, as_version=4)
        meta = read_document_metadata(nb)
        raw = next((o["data"][DOCUMENT_MIMETYPE] for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if DOCUMENT_MIMETYPE in o.get("data", {})), {})
        text = json.dumps([o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                           for o in c.get("outputs", [])])
        draft = bool(isinstance(raw, dict) and raw.get("draft")) or "lgsco-draft" in text
        return bool(meta["is_sample"]), draft
    page = year_dir / outputs.get("html", "") if outputs.get("html") else None
    if page is not None and page.is_file():
        text = page.read_text(encoding="utf-8")
        return ("lgsco-sample-banner" in text or SAMPLE_BANNER in text), "lgsco-draft" in text
    return None, False


class Fingerprints:
    """Each letter's inputs now, computed once per run, to compare with the manifest's record (stale letters)."""

    def __init__(self, options: SendOptions, year: int) -> None:
        self.options, self.year = options, year
        self._current: dict[str, Any] | None = None

    def current(self) -> dict[str, Any]:
        if self._current is None:
            from .. import __version__
            from ..inputs import data_folder, fingerprint as data_fingerprint
            from ..workbook import letter_notebook
            from ..yearparams import default_parameters_file

            params = default_parameters_file(self.year)
            self._current = {
                "data": data_fingerprint(data_folder(self.options.data_dir).resolve()),
                "notebook": sha256_file(letter_notebook()),
                "parameters": sha256_file(params) if params.is_file() else None,
                "package_version": __version__,
            }
        return self._current

    def changed(self, recorded: dict[str, Any]) -> list[str]:
        """Names of the inputs (data, notebook, parameters, package_version) that differ from the record."""
        return [key for key, value in self.current().items() if recorded.get(key) != value]


INPUT_WORDS = {"data": "the data files", "notebook": "the letter notebook",
               "parameters": "the year's parameters", "package_version": "the lgsco-report version"}


def unconfirmed_facts(options: SendOptions, year: int) -> list[str]:
    """The year parameters' ``unconfirmed:`` list (facts not yet confirmed); empty when absent."""
    import yaml

    from ..yearparams import default_parameters_file

    path = Path(options.params_file) if options.params_file else default_parameters_file(year)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    value = data.get("unconfirmed") if isinstance(data, dict) else None
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or []]


def refusals(letter: LetterToSend, year_dir: Path, options: SendOptions, fingerprints: Fingerprints,
             unconfirmed: list[str]) -> list[str]:
    """Why this letter must not go out (empty list: it may)."""
    reasons = []
    changed = fingerprints.changed(letter.entry.get("fingerprint", {}))
    if changed:
        reasons.append("stale: " + ", ".join(INPUT_WORDS[k] for k in changed)
                       + " changed since the letter was made; run lgsco-report letters again")
    is_sample, draft = letter_document(year_dir, letter.entry)
    if is_sample is None:
        reasons.append("cannot tell whether the letter was made from sample data (no letter.ipynb or letter.html)")
    elif is_sample and not options.allow_sample:
        reasons.append("made from SAMPLE data (use --allow-sample to send it marked SAMPLE)")
    if options.final and draft:
        reasons.append("the letter carries a DRAFT mark and --final was given")
    if options.final and unconfirmed:
        reasons.append(f"the year's parameters list unconfirmed facts ({', '.join(unconfirmed)}) and --final was given")
    for column in ADDRESS_COLUMNS:
        value = letter.addresses.get(column)
        if value:
            try:
                check_address(value)
            except AddressError as error:
                reasons.append(f"{column}: {error}")
    return reasons
