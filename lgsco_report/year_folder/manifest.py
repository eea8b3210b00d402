"""The batch's record of every letter of a year: ``outputs/<year>/manifest.json`` (+ ``.csv``).

Why a separate module: the batch writes the manifest after every letter (so an
interrupted run resumes where it stopped), the index page reads it, and the
skip rule (inputs unchanged -> skip) compares fingerprints stored in it. All
writes are atomic (temp file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import ManifestError, UnsafePathError
from ..formats import format_names
from ..hashing import fingerprint_digest, sha256_file
from .names import MANIFEST_CSV, MANIFEST_JSON

MANIFEST_FORMAT = 1
#: Longest slug (characters); official names are far shorter, this bounds hostile input.
SLUG_MAX_LENGTH = 80

STATUS_DONE = "done"
STATUS_FAILED = "failed"
#: A letter written from inputs that have since changed, not yet remade (the batch was stopped first).
STATUS_OUT_OF_DATE = "out of date"
#: A letter's ``addressee``: it names the chief executive, or reads "The Chief Executive / Dear Chief Executive".
ADDRESSEE_NAMED, ADDRESSEE_UNNAMED = "named", "unnamed"

#: Columns of manifest.csv before the output files' columns (one row per letter).
_LEADING_COLUMNS = (
    "authority_code",
    "authority_name",
    "authority_type",
    "slug",
    "status",
    "error",
    "addressee",
    "started_at",
    "finished_at",
    "execute_seconds",
    "export_seconds",
    "total_seconds",
)


def csv_columns() -> tuple[str, ...]:
    """Columns of manifest.csv, in order: one per format of the format table, then the log and fingerprint."""
    return (*_LEADING_COLUMNS, *format_names(), "log", "fingerprint")


#: Columns of manifest.csv with the formats known when this module was imported (see ``csv_columns``).
CSV_COLUMNS = csv_columns()


def slugify(name: str, fallback: str = "council") -> str:
    """Folder name for a council: ascii, lowercase, hyphenated, at most ``SLUG_MAX_LENGTH``.

    Never contains a path separator or ``..`` (only ``[a-z0-9-]`` survive), never
    starts or ends with ``-``; an empty result falls back to ``fallback`` (also slugified).
    """
    ascii_text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.lower().replace("&", " and ").replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    slug = slug[:SLUG_MAX_LENGTH].rstrip("-")
    if not slug:
        if fallback == name:
            return "council"
        return slugify(fallback, fallback="council")
    return slug


def safe_child(parent: Path, name: str) -> Path:
    """``parent / name`` after checking that the resolved path stays inside ``parent``."""
    parent_resolved = parent.resolve()
    child = (parent_resolved / name).resolve()
    if child == parent_resolved or parent_resolved not in child.parents:
        raise UnsafePathError(f"refusing to write {name!r}: it would leave the output folder {parent_resolved}")
    return child


@dataclass
class Manifest:
    """Every letter of one year's output folder, keyed by GSS code."""

    year: int
    letters: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The year's other documents (national review, statistics pack), keyed by name.
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    package_version: str = ""
    updated_at: str = ""

    @classmethod
    def load(cls, year_dir: Path, year: int) -> Manifest:
        """Read ``year_dir/manifest.json``; a missing file gives an empty manifest.

        A file that is not valid JSON raises ManifestError naming it (delete it, or
        run with --force to rebuild every letter).
        """
        path = year_dir / MANIFEST_JSON
        if not path.exists():
            return cls(year=year)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ManifestError(
                f"{path}: not a readable manifest ({error}); delete it and re-run to rebuild the letters"
            ) from error
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ManifestError(f"{path}: unknown manifest format; delete it and re-run to rebuild the letters")
        if int(data.get("year", year)) != year:
            raise ManifestError(f"{path}: manifest is for year {data.get('year')}, not {year}")
        return cls(
            year=year,
            letters=dict(data.get("letters", {})),
            reports=dict(data.get("reports", {})),
            package_version=str(data.get("package_version", "")),
            updated_at=str(data.get("updated_at", "")),
        )

    def to_json(self) -> str:
        """Deterministic JSON text (sorted keys, letters sorted by code)."""
        payload = {
            "format": MANIFEST_FORMAT,
            "year": self.year,
            "package_version": self.package_version,
            "updated_at": self.updated_at,
            "letters": {code: self.letters[code] for code in sorted(self.letters)},
            "reports": {name: self.reports[name] for name in sorted(self.reports)},
        }
        return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        """One row per letter, columns ``csv_columns()``, sorted by council name."""
        columns = csv_columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        entries = sorted(self.letters.values(), key=lambda e: (str(e.get("authority_name", "")), str(e.get("authority_code"))))
        for entry in entries:
            timings = entry.get("timings", {})
            outputs = entry.get("outputs", {})
            row = {
                **{key: entry.get(key, "") for key in ("authority_code", "authority_name", "authority_type", "slug", "status", "error", "addressee", "started_at", "finished_at")},
                "execute_seconds": timings.get("execute", ""),
                "export_seconds": timings.get("export", ""),
                "total_seconds": timings.get("total", ""),
                **{key: outputs.get(key, "") for key in (*format_names(), "log")},
                "fingerprint": fingerprint_digest(entry.get("fingerprint", {})),
            }
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
        return buffer.getvalue()

    def save(self, year_dir: Path) -> Path:
        """Write manifest.json then manifest.csv, each atomically; return the JSON path."""
        path = write_text(year_dir / MANIFEST_JSON, self.to_json())
        write_text(year_dir / MANIFEST_CSV, self.to_csv())
        return path

    def is_up_to_date(self, code: str, fingerprint: dict[str, Any], year_dir: Path) -> bool:
        """Whether ``code``'s letter is done with the same inputs and its files still exist."""
        return entry_is_up_to_date(self.letters.get(code), fingerprint, year_dir)


def entry_is_up_to_date(entry: dict[str, Any] | None, fingerprint: dict[str, Any], year_dir: Path) -> bool:
    """A letter's or report's manifest entry: done, with these inputs, and every file it lists present."""
    if not entry or entry.get("status") != STATUS_DONE or entry.get("fingerprint") != fingerprint:
        return False
    outputs = entry.get("outputs", {})
    return bool(outputs) and all(relative and (year_dir / relative).is_file() for relative in outputs.values())


def addressee_entry_digest(rows: list[Any], columns: tuple[str, ...]) -> str:
    """Digest of a letter's addressee rows (``letter.recipients_for``): each row's code and ``columns``.

    Recorded with the letter so that ``send`` can tell whether *this council's*
    entry changed since the letter was made (another council's edit does not
    stop it).
    """
    def cell(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and value != value):
            return None
        return " ".join(str(value).split()) or None

    return fingerprint_digest({"rows": [
        {"authority_code": cell(row.get("authority_code")), **{column: cell(row.get(column)) for column in columns}}
        for row in rows
    ]})


def addressees_file_record(path: Path | None) -> dict[str, Any]:
    """The addressees file a letter was made with, as its manifest entry records it (``"addressees"``):
    ``path`` and ``sha256`` (None without a file); the batch adds ``entry``, the council's rows' digest."""
    return {"path": str(path) if path is not None else None, "sha256": sha256_file(path) if path is not None else None}
