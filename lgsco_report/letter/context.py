"""Everything a letter template prints, as counts and ready-worded strings, from the statistics.

The statistics hand out numbers; this is the one place they are worded for the
letter (``formatting``, ``metrics.display_text``), so a template only chooses
words. ``letter_context`` gathers the keys group by group: addressing, the
council's names, the year's facts, the council type, the figures, the
reports and remedies, and where the figures came from.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__, metrics, register, stats, wording
from ..definitions import AUTHORITY_TYPES, CATEGORIES, year_end, year_label, year_start
from ..documents import SAMPLE_BANNER, average_method_text
from ..formatting import is_missing, long_date, percent, percent_of
from ..yearparams import ReviewFigures, YearParameters
from .addressing import default_addressing
from .templates import join_places, letter_editions


#: Decision table rows: (label printed, statistics column), from the registry's decision counts.
DECISION_ROWS = tuple(metrics.label_columns("decided").items())


#: Decision outcome label -> the statistics column that counts it.
DECISION_COLUMNS = {label: column for label, column in DECISION_ROWS}


def _generated_on(generated_at: str) -> str:
    """The generation date for the annex's provenance line ("1 July 2020"); the full time is in the metadata."""
    try:
        return long_date(_dt.datetime.fromisoformat(str(generated_at)).date())
    except ValueError:
        return str(generated_at)


def decision_group_counts(figures: pd.Series, groups: dict[str, tuple[str, ...]]) -> dict[str, dict[str, Any]]:
    """Each heading of the edition with the sum of the statistics' counts of the outcomes it groups (None: one not known)."""
    return {
        heading: {"count": _sum_known(figures, [DECISION_COLUMNS[label] for label in outcomes]), "outcomes": list(outcomes)}
        for heading, outcomes in groups.items()
    }


def _sum_known(figures: pd.Series, columns: list[str]) -> int | None:
    """The sum of the counts, or None when any of them is not known (a figures table's blank)."""
    values = [figures[column] for column in columns]
    return None if any(is_missing(value) for value in values) else sum(int(value) for value in values)


# --------------------------------------------------------------------------- sections a figures table cannot give

#: Each section of the letter that a figures table may not give, with the counts it prints.
#: (Counted cases give them all: only a figures table's blanks leave a section out.)
SECTION_COUNTS: dict[str, tuple[str, ...]] = {
    "received": ("received_total",),
    "received_by_category": ("received_total", *(m.column for m in metrics.all_metrics() if m.source == "received" and m.label is not None)),
    "decisions": ("decisions_total", *DECISION_COLUMNS.values()),
    "upheld": ("decisions_total", "upheld", "not_upheld"),
    "remedies": ("upheld", "satisfactory_remedies"),
    "compliance": ("compliance_outcomes", "complied", "complied_late"),
}
#: Why the trend chart of a figures letter is left out when the table has a single year for the council.
ONE_YEAR_ONLY = "the figures give one year only, so there is no trend to show"


def sections_left_out(statistics: stats.Statistics, code: str, year: int) -> dict[str, str]:
    """The letter's sections left out for this council and year, each with the reason (empty for counted cases).

    A section is left out when a count it prints is not known (a blank in the
    figures table): no sentence, no table row, no zero in its place. The trend
    chart is left out when the figures give the council a single year. The
    batch summary counts these reasons.
    """
    if "has_figures" not in statistics.councils.columns:
        return {}
    figures = statistics.council(code, year)
    left_out = {}
    for section, columns in SECTION_COUNTS.items():
        missing = [column for column in columns if column in figures.index and is_missing(figures[column])]
        if missing:
            left_out[section] = f"not in the figures table: {', '.join(missing)}"
    trend = statistics.trend(code, year, n=5)
    if int(trend["has_figures"].astype(bool).sum()) < 2:
        left_out["trend"] = ONE_YEAR_ONLY
    return left_out


def former_councils_context(statistics: stats.Statistics, code: str, year: int) -> dict[str, Any] | None:
    """The former councils this council succeeded with legacy decisions in the year, for the letter's sentence; None if none.

    ``names`` (joined), ``count`` (how many councils), ``decisions`` (their
    decisions of the year, counted against them, not in this letter's figures).
    """
    councils = statistics.councils
    if "former" not in councils.columns:
        return None
    rows = councils[(councils["year"] == year) & councils["former"].astype(bool)]
    rows = rows[rows["successor_codes"].map(lambda codes: code in str(codes).split(","))]
    rows = rows[rows["decisions_total"].fillna(0) > 0]
    if rows.empty:
        return None
    names = [register.name_in_text(str(name)) for name in rows["authority_name"]]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return {"names": joined, "count": len(names), "decisions": int(rows["decisions_total"].sum())}


def type_averages(statistics: stats.Statistics, year: int) -> list[dict[str, Any]]:
    """The five council types' average uphold, remedy and compliance rates for the year, as printed."""
    rows = []
    for authority_type in AUTHORITY_TYPES:
        try:
            row = statistics.type_row(authority_type, year)
        except KeyError:
            continue
        rows.append({
            "authority_type": authority_type,
            "type_plural": _plural_type(authority_type),
            **{m.letter_key: metrics.display_text(m.display, row[m.average_column]) for m in metrics.key_rates()},
        })
    return rows


def _plural_type(authority_type: str) -> str:
    return authority_type[:-1] + "ies" if authority_type.endswith("y") else authority_type + "s"


def rate_context(figures: pd.Series) -> dict[str, Any]:
    """Each rate the letter prints (``metrics.letter_rates``) under its ``letter_key``, with its type average.

    A count-based rate is printed from its counts (``stats.rate_basis``: exact, and the
    counts go in too under the rate's ``basis`` names, e.g. "upheld" and "investigations");
    any other from its value, as its display says.
    """
    context: dict[str, Any] = {}
    for metric in metrics.letter_rates():
        if metric.basis is not None and any(is_missing(figures[c]) for c in (*metric.numerator, *metric.denominator)):
            # A figures blank: no rate; each count it rests on is given where known (the same names as other rates').
            context.update({metric.basis[0]: _sum_known(figures, list(metric.numerator)),
                            metric.basis[1]: _sum_known(figures, list(metric.denominator)), metric.letter_key: None})
        elif metric.basis is not None:
            numerator, denominator = stats.rate_basis(figures, metric.column)
            context.update({metric.basis[0]: numerator, metric.basis[1]: denominator})
            context[metric.letter_key] = percent_of(numerator, denominator)
        else:
            context[metric.letter_key] = metrics.display_text(metric.display, figures[metric.column])
        context[f"type_avg_{metric.letter_key}"] = metrics.display_text(metric.display, figures[metric.average_column])
    return context


def letter_context(
    figures: pd.Series,
    year_params: YearParameters,
    statistics: stats.Statistics,
    addressee_name: str | None = None,
    addressee_title: str | None = None,
    generated_at: str = "",
    addressing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the template prints, as counts and ready-rounded strings.

    ``addressing`` (from ``addressing_for``) names the addressee, copies and any
    abolition; without it the letter goes to the council's chief executive.
    """
    year, name, code = int(figures["year"]), str(figures["authority_name"]), str(figures["authority_code"])
    context = {
        **(addressing or default_addressing(name, addressee_name, addressee_title)),
        **council_names(name),
        "council_code": code,
        **year_facts(year_params, year),
        **type_context(figures["authority_type"], statistics, year),
        **figures_context(figures, year_params, list(getattr(statistics, "categories", CATEGORIES))),
        **provenance_context(statistics, generated_at),
        "reports_and_remedies": reports_and_remedies_context(statistics, code, year),
        "left_out": sections_left_out(statistics, code, year),
        "former_councils": former_councils_context(statistics, code, year),
    }
    context["small_base_caution"] = small_base_caution(context, _rate_order(year_params))
    return context


#: The rates a letter may flag as resting on small numbers: key -> (its name in a sentence, its noun).
SMALL_BASE_RATES = {
    "uphold": ("the uphold rate", "detailed investigation"),
    "compliance": ("the compliance rate", "case"),
    "remedy": ("the satisfactory remedy rate", "upheld complaint"),
    "late_or_overdue": ("the share of remedies late or overdue", "remedy"),
}
#: The order the rates come in a letter, unless its edition lists its own (``rates`` in editions.yaml).
DEFAULT_RATE_ORDER = ("uphold", "compliance", "remedy", "late_or_overdue")


def _rate_order(year_params: YearParameters) -> tuple[str, ...]:
    edition = letter_editions(year_params).get(getattr(year_params, "edition", ""), {})
    return tuple(edition.get("rates") or DEFAULT_RATE_ORDER)


def _small_bases(context: dict[str, Any]) -> dict[str, int]:
    """Each printed rate's count when it is small (1 to ``stats.SMALL_BASE`` - 1), by ``SMALL_BASE_RATES`` key."""
    left_out, remedies = context["left_out"], (context["reports_and_remedies"] or {}).get("remedies")
    counts = {
        "uphold": None if "upheld" in left_out else context["investigations"],
        "compliance": None if "compliance" in left_out else context["compliance_outcomes"],
        "remedy": None if "remedies" in left_out else context["upheld"],
        "late_or_overdue": remedies["due_or_done"] if remedies and remedies.get("small_base") and context.get("carries", ReviewFigures()).late_remedies else None,
    }
    return {key: n for key, n in counts.items() if n is not None and stats.is_small_base(n)}


def small_base_caution(context: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """The letter's one caution about small numbers: ``at`` (the first rate, in letter order, with a small base;
    None when none has) and ``text``, naming every rate that rests on small numbers.

    Said once, where a reader first meets a small base, not after every rate.
    """
    small = _small_bases(context)
    keys = [key for key in order if key in small] + [key for key in small if key not in order]
    if not keys:
        return {"at": None, "text": ""}
    on = lambda key: f"only {wording.count_phrase(small[key], SMALL_BASE_RATES[key][1])}"  # noqa: E731
    if len(keys) == 1:
        text = f"This rate rests on {on(keys[0])}, so a single case more or less would move it a long way; read it with care."
    else:
        rest = [f"{SMALL_BASE_RATES[key][0]} ({wording.count_phrase(small[key], SMALL_BASE_RATES[key][1])})" for key in keys[1:]]
        text = (f"This rate rests on {on(keys[0])}, and so, in this letter, do {join_places(tuple(rest))}. "
                "A single case more or less would move any of these rates a long way, so read them with care.")
    return {"at": keys[0], "text": text}


def council_names(name: str) -> dict[str, Any]:
    """The council's name as the letter's sentences use it: in text, at a sentence's start, possessive, official."""
    return {
        "council": register.name_in_text(name),
        "Council_": register.name_in_text(name, start=True),
        "councils": register.possessive(name),
        "Councils_": register.possessive(name, start=True),
        "council_name": name,
    }


def year_facts(year_params: YearParameters, year: int) -> dict[str, Any]:
    """The year and the facts of its letters from the year's parameters file (dates, signatory, links, events)."""
    return {
        "year": year,
        "year_label": year_label(year),
        "period_start": year_start(year),
        "period_end": year_end(year),
        "ombudsman_name": year_params.ombudsman_name,
        "letter_date": year_params.letter_date,
        "publication_date": year_params.publication_date,
        "links": dict(getattr(year_params, "links", {}) or {}),
        "extra_paragraphs": list(year_params.extra_paragraphs),
        "signatory_name": year_params.signatory_name,
        "signatory_titles": list(year_params.signatory_titles),
        "seminars": year_params.seminars,
        "training": year_params.training,
        "complaint_handling_code": getattr(year_params, "complaint_handling_code", None),  # its date only once confirmed
        # The figures the year's letters carry (key 'carries'): a 2019-20 letter prints no figure per 100,000
        # residents and no late remedies, as the Ombudsman's letters of that year did not.
        "carries": getattr(year_params, "carries", None) or ReviewFigures(),
    }


def type_context(authority_type: str, statistics: stats.Statistics, year: int) -> dict[str, Any]:
    """The council's type, in words, and every type's averages for the comparison table."""
    return {
        "authority_type": authority_type,
        "type_plural": _plural_type(authority_type),
        "type_averages": type_averages(statistics, year),
        "type_list": ", ".join(_plural_type(t) for t in AUTHORITY_TYPES[:-1]) + " and " + _plural_type(AUTHORITY_TYPES[-1]),
        "small_base_threshold": stats.SMALL_BASE,
    }


def figures_context(figures: pd.Series, year_params: YearParameters, categories: list[str]) -> dict[str, Any]:
    """The council's counts and rates: the key statistics' sentences and the annex's tables."""
    # A count a figures table left blank is None: the template leaves out what needs it.
    count = lambda column: None if is_missing(figures[column]) else int(figures[column])  # noqa: E731
    return {
        "nothing_to_report": count("received_total") == 0 and count("decisions_total") == 0
        and count("compliance_outcomes") == 0,
        "decision_groups": decision_group_counts(figures, getattr(year_params, "decision_groups", {}) or {}),
        **rate_context(figures),
        "complied_late": count("complied_late"),
        "not_complied": _not_complied(figures),
        "population": None if is_missing(figures["population"]) else int(figures["population"]),
        "population_mid_year": register.population_mid_year(str(figures["authority_code"])),
        "received_rows": [
            {"label": m.label, "count": count(m.column)}
            for m in metrics.all_metrics(categories) if m.source == "received" and m.label is not None
        ],
        "received_total": count("received_total"),
        "decision_rows": [{"label": label, "count": count(column)} for label, column in metrics.label_columns("decided").items()],
        "decisions_total": count("decisions_total"),
    }


def _not_complied(figures: pd.Series) -> int | None:
    """Cases not complied with: given, or implied by the outcomes, complied and complied late (the three outcomes)."""
    if not is_missing(figures["not_complied"]):
        return int(figures["not_complied"])
    parts = [figures[c] for c in ("compliance_outcomes", "complied", "complied_late")]
    return None if any(is_missing(p) for p in parts) else int(parts[0]) - int(parts[1]) - int(parts[2])


#: What a letter made from figures says of its averages (said of each type: computed where covered, else published).
FIGURES_AVERAGE_TEXT = (
    "Where the figures table gave the figures of every council of a type, the average for similar authorities is "
    "computed from them as follows. {method} For any other type it is the average we published for that type and year."
)


def _average_text(statistics: stats.Statistics) -> str:
    method = average_method_text(statistics.average_method, "letter")
    return FIGURES_AVERAGE_TEXT.format(method=method) if "has_figures" in statistics.councils.columns else method


def provenance_context(statistics: stats.Statistics, generated_at: str) -> dict[str, Any]:
    """Where the figures came from: sample or real data, the data files, the method, the program and the time."""
    return {
        "is_sample": bool(statistics.is_sample),
        "sample_banner": SAMPLE_BANNER,
        "average_method_text": _average_text(statistics),
        "sources": [
            {"table": s.get("table", ""), "name": Path(s.get("path", "")).name, "sha256": s.get("sha256", "")}
            for s in statistics.sources
        ],
        "package_version": __version__,
        "generated_at": generated_at,
        "generated_on": _generated_on(generated_at),
    }


def reports_and_remedies_context(statistics: stats.Statistics, code: str, year: int) -> dict[str, Any] | None:
    """``stats.reports_and_remedies`` with the remedies' rates worded: ``late_or_overdue_pct`` (from the counts,
    exact; None when nothing was due) and ``type_avg_late_or_overdue_pct`` (None when missing)."""
    figures = stats.reports_and_remedies(statistics, code, year)
    if figures is None or figures["remedies"] is None:
        return figures
    remedies = figures["remedies"]
    worded = {
        "late_or_overdue_pct": percent_of(remedies["late_or_overdue"], remedies["due_or_done"]),
        "type_avg_late_or_overdue_pct": percent(remedies["type_avg_late_or_overdue_rate"]),
    }
    return {**figures, "remedies": {**remedies, **worded}}
