"""The audit teams' ``outputs/<year>/index.html``: every council, its key rates, flags, links.

Why a page of its own: audit teams check hundreds of letters; one sortable,
filterable table (inline CSS and JS only, so it works offline from a shared
drive) tells them which councils need a look and opens each letter. The page
is rebuilt from the manifest and the statistics at the end of every batch.
Every value goes through Jinja2 autoescaping; links are relative, URL-quoted
paths that the manifest recorded and that exist on disk.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd

from .definitions import AUTHORITY_TYPES, year_label
from .documents import SAMPLE_BANNER
from .formats import all_formats
from .manifest import STATUS_DONE, STATUS_FAILED, STATUS_OUT_OF_DATE, Manifest, write_text_atomically
from . import metrics
from .formatting import is_missing
from .documents import draft_mark
from .site import council_page_href

INDEX_FILE = "index.html"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "index"
TEMPLATE_NAME = "index.html.j2"

#: Uphold rate flagged when at least this far above its type's average (15 percentage points)...
UPHOLD_FLAG_POINTS = 0.15
#: ...and based on at least this many detailed investigations (a few cases swing a rate).
UPHOLD_FLAG_MIN_INVESTIGATIONS = 5

def key_figures() -> tuple[tuple[str, str, str, Any], ...]:
    """(label, council rate column, type-average column, formatter) of the key figures shown: ``metrics.view("index")``."""
    return tuple(
        (title, m.column, m.average_column, functools.partial(metrics.display_text, m.display))
        for m, title in metrics.view("index")
    )


#: The key figures when this module was imported (the page reads ``key_figures()`` when it is made).
KEY_FIGURES: tuple[tuple[str, str, str, Any], ...] = key_figures()


def council_flags(row: pd.Series | dict[str, Any]) -> list[str]:
    """Why an auditor should look at this council (empty list: nothing stands out).

    - compliance below 100% (some recommendations not implemented);
    - uphold rate at least 15 points above its type's average, on at least 5
      detailed investigations;
    - any public report in the year, and any remedy overdue at the year end
      (when the optional reports / remedies tables were given).
    """
    flags: list[str] = []
    compliance = row.get("compliance_rate")
    if not is_missing(compliance) and float(compliance) < 1.0:
        flags.append("Compliance below 100%")
    upheld, type_upheld = row.get("upheld_rate"), row.get("type_avg_upheld_rate")
    investigations = row.get("detailed_investigations")
    if (
        not is_missing(upheld)
        and not is_missing(type_upheld)
        and not is_missing(investigations)
        and int(investigations) >= UPHOLD_FLAG_MIN_INVESTIGATIONS
        # Compare in whole hundredths so 0.75 vs 0.60 counts as exactly 15 points.
        and round((float(upheld) - float(type_upheld)) * 10000) >= round(UPHOLD_FLAG_POINTS * 10000)
    ):
        flags.append(f"Uphold rate {round(UPHOLD_FLAG_POINTS * 100)}+ points above similar councils")
    flags += _report_and_remedy_flags(row)
    return flags


def _report_and_remedy_flags(row: pd.Series | dict[str, Any]) -> list[str]:
    """Any public report, and any remedy overdue at the year end (only when those tables were given)."""
    flags = []
    reports, overdue = row.get("public_reports"), row.get("remedies_overdue")
    if not is_missing(reports) and int(reports) > 0:
        flags.append("Public report issued" if int(reports) == 1 else f"{int(reports)} public reports issued")
    if not is_missing(overdue) and int(overdue) > 0:
        flags.append("Remedy overdue at year end" if int(overdue) == 1 else f"{int(overdue)} remedies overdue at year end")
    return flags


#: The year's documents beside the letters other than the national review, linked at the top of the page when present.
YEAR_DOCUMENTS = (
    ("Statistics (spreadsheet)", "statistics.xlsx"),
    ("Statistics (CSV)", "statistics.csv"),
    ("Manifest (CSV)", "manifest.csv"),
)


def _year_documents() -> list[tuple[str, str]]:
    """(label, file name) of the year's documents: the national review in each exported format, then the rest."""
    review = [(f"National review ({fmt.label})", fmt.file_name("report")) for fmt in all_formats() if fmt.exported]
    return [*review, *YEAR_DOCUMENTS]


def _link(year_dir: Path, relative: str | None) -> str | None:
    """URL-quoted relative link to a file the manifest recorded, if it exists inside ``year_dir``."""
    if not relative:
        return None
    target = (year_dir / relative).resolve()
    root = year_dir.resolve()
    if root not in target.parents or not target.is_file():
        return None
    return quote(target.relative_to(root).as_posix())


def _letter_links(year_dir: Path, outputs: dict[str, str]) -> list[dict[str, str]]:
    """A done letter's links, one per exported format of the format table that it was written in."""
    links = []
    for fmt in all_formats():
        href = _link(year_dir, outputs.get(fmt.name)) if fmt.exported else None
        if href is not None:
            links.append({"format": fmt.name, "label": fmt.label, "href": href})
    return links


def _sort_value(value: Any) -> str:
    """Numeric sort key for the table's JS (missing values sort first)."""
    return "" if is_missing(value) or (isinstance(value, float) and math.isnan(value)) else repr(float(value))


def index_rows(councils: pd.DataFrame, manifest: Manifest, year_dir: Path, year: int | None = None) -> list[dict[str, Any]]:
    """One dict per council (sorted by name) holding exactly what the page shows.

    With ``year``, a council abolished before that year's letter date gets a
    note ("abolished 31 March 2020; successor: Buckinghamshire Council").
    """
    from . import register
    from .sending import send_states

    sent = send_states(year_dir)
    letter_day = register.letter_date(year) if year is not None else None
    rows: list[dict[str, Any]] = []
    shown = key_figures()
    for record in councils.sort_values(["authority_name", "authority_code"], kind="stable").to_dict("records"):
        code = str(record["authority_code"])
        entry = manifest.letters.get(code, {})
        outputs = entry.get("outputs", {})
        status = entry.get("status", "not run")
        figures = []
        for label, column, type_column, formatter in shown:
            value, type_value = record.get(column), record.get(type_column)
            figures.append(
                {
                    "label": label,
                    "text": formatter(None if is_missing(value) else float(value)) or "n/a",
                    "type_text": formatter(None if is_missing(type_value) else float(type_value)) or "n/a",
                    "sort": _sort_value(value),
                }
            )
        investigations = record.get("detailed_investigations")
        rows.append(
            {
                "code": code,
                "name": str(record["authority_name"]),
                "type": str(record["authority_type"]),
                "figures": figures,
                "investigations": "" if is_missing(investigations) else int(investigations),
                "flags": council_flags(record),
                "status": status,
                "error": entry.get("error") or "",
                "links": _letter_links(year_dir, outputs) if status == STATUS_DONE else [],
                "sent": sent.get(code, {"state": "not sent", "text": "not sent"}),
                "log": _link(year_dir, outputs.get("log")),
                "abolished": register.abolition_note(code, letter_day),
                "site": council_page_href(year_dir, code),
            }
        )
    return rows


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_index(
    year: int, councils: pd.DataFrame, manifest: Manifest, year_dir: Path, is_sample: bool = False,
    unconfirmed: tuple[str, ...] = (),
) -> str:
    """The page's HTML text (deterministic for the same manifest, statistics and files)."""
    rows = index_rows(councils, manifest, year_dir, year)
    counts = {
        "councils": len(rows),
        "done": sum(row["status"] == STATUS_DONE for row in rows),
        "failed": sum(row["status"] == STATUS_FAILED for row in rows),
        "out_of_date": sum(row["status"] == STATUS_OUT_OF_DATE for row in rows),
        "flagged": sum(bool(row["flags"]) for row in rows),
    }
    types = [t for t in AUTHORITY_TYPES if any(row["type"] == t for row in rows)]
    # A national review that failed or is out of date is not offered as this year's.
    review_status = manifest.reports.get("national_review", {}).get("status", STATUS_DONE)
    documents = [
        {"label": label, "href": href}
        for label, name in _year_documents()
        if (href := _link(year_dir, name)) is not None
        and (review_status == STATUS_DONE or not name.startswith("national_review"))
    ]
    return _environment().get_template(TEMPLATE_NAME).render(
        year=year,
        year_label=year_label(year),
        rows=rows,
        counts=counts,
        types=types,
        figure_labels=[label for label, *_ in key_figures()],
        updated_at=manifest.updated_at,
        documents=documents,
        sample_banner=SAMPLE_BANNER if is_sample else None,
        draft_mark=draft_mark(unconfirmed),
        unconfirmed=list(unconfirmed),
        uphold_points=round(UPHOLD_FLAG_POINTS * 100),
        min_investigations=UPHOLD_FLAG_MIN_INVESTIGATIONS,
    )


def write_index(
    year_dir: Path, year: int, councils: pd.DataFrame, manifest: Manifest, is_sample: bool = False,
    unconfirmed: tuple[str, ...] = (),
) -> Path:
    """Write ``year_dir/index.html`` atomically; return its path (``unconfirmed``: the year's facts not confirmed)."""
    page = render_index(year, councils, manifest, Path(year_dir), is_sample, unconfirmed)
    return write_text_atomically(Path(year_dir) / INDEX_FILE, page)
