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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd

from .definitions import AUTHORITY_TYPES, year_label
from .documents import SAMPLE_BANNER
from .formats import all_formats
from .atomic import write_text
from .year_folder.manifest import STATUS_DONE, STATUS_FAILED, STATUS_OUT_OF_DATE, Manifest
from .year_folder.names import INDEX_FILE, MANIFEST_CSV
from .year_folder.sent_record import send_states
from . import metrics
from .formatting import is_missing
from .documents import draft_mark
from . import stats
from .stats import SMALL_BASE, is_small_base
from .year_folder.manifest import ADDRESSEE_NAMED, ADDRESSEE_UNNAMED
from .site import council_page_href

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "index"
TEMPLATE_NAME = "index.html.j2"

#: What a flag means: something an auditor would act on, not a council that merely differs from
#: its type. Every threshold is here with its reason; the page's legend is written from these
#: (``flag_legend``), so the rule printed is the rule applied.
#:
#: A key rate is flagged when it is on its worse side of the type's average by at least this many
#: percentage points (on the smallest base flagged, ``stats.SMALL_BASE`` = 10 cases, one case moves a
#: rate 10 points, so 15 is more than one case's swing) ...
RATE_FLAG_POINTS = 15
#: ... and rests on a base that is not small (``stats.is_small_base``, the letters' rule: below
#: ``stats.SMALL_BASE`` cases the rate is marked "small base" on the page, never flagged).
#: Compliance below 100%, a public report and a remedy overdue at the year end are flagged on any
#: base: each is a recommendation or an agreed remedy the council has not carried out.


@dataclass(frozen=True)
class RateFlag:
    """A key rate flagged when ``RATE_FLAG_POINTS`` or more on its ``worse`` side of the type average."""

    kind: str
    column: str
    worse: str  # "above": a higher rate needs a look (uphold); "below": a lower one does (remedy)
    text: str


RATE_FLAGS: tuple[RateFlag, ...] = (
    RateFlag("uphold", "upheld_rate", "above", f"Uphold rate {RATE_FLAG_POINTS}+ points above similar councils"),
    RateFlag("remedy", "satisfactory_remedy_rate", "below",
             f"Satisfactory remedy rate {RATE_FLAG_POINTS}+ points below similar councils"),
)


def flag_legend() -> list[dict[str, str]]:
    """Every flag the page can show (``kind``, ``name``), each with the rule that raises it."""
    base = f"on at least {SMALL_BASE} {{noun}} (a smaller base is marked \u201csmall base\u201d and not flagged)"
    rate_rules = [
        {"kind": flag.kind, "name": flag.text,
         "rule": f"the council's {metrics.rate(flag.column).title.lower()} is at least {RATE_FLAG_POINTS} percentage "
                 f"points {flag.worse} the average for its type, "
                 + base.format(noun=(metrics.rate(flag.column).basis_title or "cases").lower())}
        for flag in RATE_FLAGS
    ]
    return [
        {"kind": "compliance", "name": "Compliance below 100%",
         "rule": "a compliance outcome recorded in the year was \u201cnot complied\u201d, on any number of cases"},
        *rate_rules,
        {"kind": "public_report", "name": "Public report issued",
         "rule": "the Ombudsman issued a public report about the council in the year (shown with the reports table)"},
        {"kind": "remedy_overdue", "name": "Remedy overdue at year end",
         "rule": "a remedy agreed in the year was due by 31 March and not done (shown with the remedies table)"},
    ]


def rate_basis(row: pd.Series | dict[str, Any], column: str) -> tuple[int, int] | None:
    """``stats.rate_basis`` of a count-based rate, or None when the row lacks its counts (or it has none)."""
    metric = metrics.find(column)
    if metric is None or metric.basis is None:
        return None
    parts = (*metric.numerator, *metric.denominator)
    if any(is_missing(row.get(part)) for part in parts):
        return None
    return stats.rate_basis(row, column)


def _rate_flag(row: pd.Series | dict[str, Any], flag: RateFlag) -> bool:
    value, average = row.get(flag.column), row.get(f"type_avg_{flag.column}")
    basis = rate_basis(row, flag.column)
    if is_missing(value) or is_missing(average) or basis is None or basis[1] == 0 or is_small_base(basis[1]):
        return False
    # Compared in whole hundredths of a point, so 0.75 against 0.60 is exactly 15 points.
    gap = round((float(value) - float(average)) * 10000) * (1 if flag.worse == "above" else -1)
    return gap >= RATE_FLAG_POINTS * 100


def flags(row: pd.Series | dict[str, Any]) -> list[dict[str, str]]:
    """Why an auditor should look at this council: ``kind`` (a ``flag_legend`` kind) and ``text`` of each flag."""
    found: list[dict[str, str]] = []
    compliance = row.get("compliance_rate")
    if not is_missing(compliance) and float(compliance) < 1.0:
        found.append({"kind": "compliance", "text": "Compliance below 100%"})
    found += [{"kind": flag.kind, "text": flag.text} for flag in RATE_FLAGS if _rate_flag(row, flag)]
    reports, overdue = row.get("public_reports"), row.get("remedies_overdue")
    if not is_missing(reports) and int(reports) > 0:
        text = "Public report issued" if int(reports) == 1 else f"{int(reports)} public reports issued"
        found.append({"kind": "public_report", "text": text})
    if not is_missing(overdue) and int(overdue) > 0:
        text = "Remedy overdue at year end" if int(overdue) == 1 else f"{int(overdue)} remedies overdue at year end"
        found.append({"kind": "remedy_overdue", "text": text})
    return found


def council_flags(row: pd.Series | dict[str, Any]) -> list[str]:
    """The texts of ``flags(row)`` (empty list: nothing to act on)."""
    return [flag["text"] for flag in flags(row)]


#: The year's documents beside the letters other than the national review, linked at the top of the page when present.
YEAR_DOCUMENTS = (
    ("Statistics (spreadsheet)", "statistics.xlsx"),
    ("Statistics (CSV)", "statistics.csv"),
    ("Manifest (CSV)", MANIFEST_CSV),
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
    """Numeric sort key for the table's JS ("": missing, which the JS puts last in either direction)."""
    return "" if is_missing(value) or (isinstance(value, float) and math.isnan(value)) else repr(float(value))


def _unit(metric: metrics.Metric) -> str:
    """What a rate column's number is, under its heading: "% of detailed investigations"."""
    if metric.display == "percent":
        return f"% of {metric.basis_title.lower()}" if metric.basis_title else "rate, %"
    return ""  # the other figures' labels say what they are ("Upheld per 100k")


def figure_columns() -> list[dict[str, str]]:
    """The figure columns' headings: ``label`` (``metrics.view("index")``), ``unit`` and ``definition``."""
    return [{"label": title, "unit": _unit(m), "definition": m.definition} for m, title in metrics.view("index")]


def _figure(record: dict[str, Any], metric: metrics.Metric, label: str) -> dict[str, Any]:
    """One figure cell: the council's value, its count (``"12 of 20"``) and small-base mark, the type's average."""
    formatter = functools.partial(metrics.display_text, metric.display)
    value, type_value = record.get(metric.column), record.get(metric.average_column)
    basis = rate_basis(record, metric.column)
    return {
        "label": label,
        "text": formatter(None if is_missing(value) else float(value)) or "n/a",
        "type_text": formatter(None if is_missing(type_value) else float(type_value)) or "n/a",
        "sort": _sort_value(value),
        "basis": f"{basis[0]:,} of {basis[1]:,}" if basis is not None and basis[1] else "",
        "basis_title": f"{basis[0]:,} of {basis[1]:,} {(metric.basis_title or 'cases').lower()}" if basis else "",
        "small_base": basis is not None and is_small_base(basis[1]),
    }


def _addressee(entry: dict[str, Any]) -> str:
    """The letter's recorded addressee, "named" or "unnamed"; "" when none is recorded (or the value is not one of those)."""
    value = entry.get("addressee")
    return value if value in (ADDRESSEE_NAMED, ADDRESSEE_UNNAMED) else ""


def index_rows(councils: pd.DataFrame, manifest: Manifest, year_dir: Path, year: int | None = None,
               params_file: Path | None = None) -> list[dict[str, Any]]:
    """One dict per council (sorted by name) holding exactly what the page shows.

    With ``year``, a council abolished before that year's letter date (in
    ``params_file``, the letters' parameters; None: the year's default file)
    gets a note ("abolished 31 March 2020; successor: Buckinghamshire Council").
    A former council's legacy row is marked "former council (abolished ...)"
    with status "no letter" and its averages "n/a"; so is a council without
    figures ("no figures").
    ``addressee`` is what the batch recorded of the letter: "named", "unnamed"
    (addressed to "The Chief Executive") or "" (no letter recorded).
    """
    from . import register
    sent = send_states(year_dir)
    letter_day = register.letter_date(year, params_file) if year is not None else None
    rows: list[dict[str, Any]] = []
    shown = metrics.view("index")
    for record in councils.sort_values(["authority_name", "authority_code"], kind="stable").to_dict("records"):
        code = str(record["authority_code"])
        entry = manifest.letters.get(code, {})
        outputs = entry.get("outputs", {})
        former = bool(record.get("former", False))  # a former council's legacy decisions: shown, never a letter
        status = NO_LETTER if former or not record.get("has_figures", True) else entry.get("status", "not run")
        investigations = record.get("detailed_investigations")
        rows.append(
            {
                "code": code,
                "name": str(record["authority_name"]),
                "type": str(record["authority_type"]),
                "figures": [_figure(record, metric, label) for metric, label in shown],
                "investigations": "" if is_missing(investigations) else int(investigations),
                "flags": flags(record),
                "status": status,
                "error": entry.get("error") or "",
                "addressee": _addressee(entry),
                "links": _letter_links(year_dir, outputs) if status == STATUS_DONE else [],
                "sent": sent.get(code, {"state": "not sent", "text": "not sent"}),
                "log": _link(year_dir, outputs.get("log")),
                "abolished": _former_note(record, register.abolition_note(code, letter_day)),
                "site": council_page_href(year_dir, code),
            }
        )
    return rows


#: The status of a row that gets no letter: a former council (its legacy decisions), or a council a figures table has no row for.
NO_LETTER = "no letter"


def _former_note(record: dict[str, Any], note: str | None) -> str | None:
    """"former council (abolished ...; successor: ...)" for a former council's row; else the register's note, if any."""
    if not record.get("former", False):
        return note if record.get("has_figures", True) else "no figures"
    return f"former council ({note})" if note else "former council"


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
    unconfirmed: tuple[str, ...] = (), params_file: Path | None = None,
) -> str:
    """The page's HTML text (deterministic for the same manifest, statistics and files)."""
    rows = index_rows(councils, manifest, year_dir, year, params_file)
    counts = {
        "councils": len(rows),
        "done": sum(row["status"] == STATUS_DONE for row in rows),
        "failed": sum(row["status"] == STATUS_FAILED for row in rows),
        "out_of_date": sum(row["status"] == STATUS_OUT_OF_DATE for row in rows),
        "flagged": sum(bool(row["flags"]) for row in rows),
        "unnamed": sum(row["addressee"] == ADDRESSEE_UNNAMED and row["status"] == STATUS_DONE for row in rows),
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
        figure_columns=figure_columns(),
        flag_legend=flag_legend(),
        small_base=SMALL_BASE,
        updated_at=manifest.updated_at,
        documents=documents,
        sample_banner=SAMPLE_BANNER if is_sample else None,
        draft_mark=draft_mark(unconfirmed),
        unconfirmed=list(unconfirmed),
    )


def write_index(
    year_dir: Path, year: int, councils: pd.DataFrame, manifest: Manifest, is_sample: bool = False,
    unconfirmed: tuple[str, ...] = (), params_file: Path | None = None,
) -> Path:
    """Write ``year_dir/index.html`` atomically; return its path (``unconfirmed``: the year's facts not confirmed;
    ``params_file``: the letters' parameters, for their letter date)."""
    page = render_index(year, councils, manifest, Path(year_dir), is_sample, unconfirmed, params_file)
    return write_text(Path(year_dir) / INDEX_FILE, page)
