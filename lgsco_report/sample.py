"""Deterministic, clearly labelled sample case data.

The real case tables are unpublished, so the workbook ships a generator that
produces three tables in the real format (``received.csv``, ``decided.csv``,
``compliance.csv``) for the years ending March 2019 to 2024. Volumes and rates
are calibrated to the national figures the Ombudsman has published (see
``CALIBRATION``); the spread over councils is invented: proportional to
population, shaped by council type, with a gamma-distributed council
propensity so that some councils stand out. Every file starts with a marker
line so that nothing built from it can be mistaken for real figures.

Same seed, same bytes: all randomness comes from one ``numpy`` Generator drawn
in a fixed order over councils sorted by GSS code; nothing depends on the clock
or on set/dict ordering.

The optional ``reports.csv`` and ``remedies.csv`` come from a second Generator
(``[seed, 2]``) that reads the case tables but never draws from their stream,
so the three case tables are byte-identical with or without them (assumptions
in ``_reports_and_remedies``).

Known simplification: the first year has no carry-over of cases received
before April 2018, so it has somewhat fewer decisions than complaints received.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lgsco_report import definitions as d
from lgsco_report.atomic import write_bytes
from lgsco_report.documents import SAMPLE_BANNER
from lgsco_report.errors import NotSampleDataError

SAMPLE_YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)
DEFAULT_SEED = 2020
TABLE_FILES: tuple[str, ...] = ("received.csv", "decided.csv", "compliance.csv", "reports.csv", "remedies.csv")
MARKER_PREFIX = f"# {SAMPLE_BANNER}"


@dataclass(frozen=True)
class YearCalibration:
    """National targets for one year ending March (published where known, otherwise interpolated)."""

    received: int
    detailed_share: float  # detailed investigations / decisions
    uphold_rate: float  # upheld / detailed investigations
    remedy_share: float  # remedy by authority / upheld
    compliance_rate: float  # (complied + complied late) / compliance outcomes


#: 2019, 2021, 2023 and 2024 received counts and the uphold rates are published
#: figures (domain.md); 2020 received is "about 17,000"; 2022 is interpolated.
CALIBRATION: dict[int, YearCalibration] = {
    2019: YearCalibration(16_899, 0.25, 0.58, 0.11, 0.994),
    2020: YearCalibration(17_000, 0.25, 0.61, 0.13, 0.994),
    2021: YearCalibration(11_830, 0.25, 0.67, 0.12, 0.995),
    2022: YearCalibration(15_800, 0.25, 0.70, 0.12, 0.995),
    2023: YearCalibration(15_488, 0.24, 0.73, 0.12, 0.995),
    2024: YearCalibration(17_937, 0.223, 0.80, 0.12, 0.995),
}

#: Shares of the *non-detailed* decisions (about 40% / 25% / 4% / 6% of all decisions).
_OTHER_OUTCOMES: tuple[tuple[str, float], ...] = (
    (d.CLOSED_AFTER_INITIAL_ENQUIRIES, 0.40),
    (d.REFERRED_BACK, 0.25),
    (d.ADVICE_GIVEN, 0.04),
    (d.INCOMPLETE_INVALID, 0.06),
)
#: Mean days from receipt to decision (gamma, shape 2) by outcome: assessments are quick, investigations slow.
_MEAN_LAG_DAYS: dict[str, float] = {
    d.REFERRED_BACK: 8,
    d.INCOMPLETE_INVALID: 14,
    d.ADVICE_GIVEN: 20,
    d.CLOSED_AFTER_INITIAL_ENQUIRIES: 30,
    d.UPHELD: 95,  # detailed investigations (upheld or not is decided later)
}
#: Cases per resident relative to an all-purpose council: two-tier areas split the services.
_TYPE_VOLUME: dict[str, float] = {
    "County Council": 0.6,
    "District Council": 0.7,
    "Metropolitan Borough": 1.0,
    "Unitary Council": 1.0,
    "London Borough": 1.15,
}
#: Added to the log-odds of upholding; London upheld about 70% in 2019-20 against 61% nationally.
_TYPE_UPHOLD_LOGIT: dict[str, float] = {
    "County Council": 0.1,
    "District Council": -0.15,
    "Metropolitan Borough": 0.0,
    "Unitary Council": 0.05,
    "London Borough": 0.35,
}
_ALL_PURPOSE_MIX = (0.15, 0.10, 0.08, 0.18, 0.09, 0.09, 0.14, 0.12, 0.05)
#: Category mix by type, in ``definitions.CATEGORIES`` order.
_CATEGORY_MIX: dict[str, tuple[float, ...]] = {
    "County Council": (0.29, 0.01, 0.06, 0.33, 0.04, 0.20, 0.01, 0.03, 0.03),
    "District Council": (0.01, 0.18, 0.12, 0.01, 0.16, 0.05, 0.20, 0.24, 0.03),
    "Metropolitan Borough": _ALL_PURPOSE_MIX,
    "Unitary Council": _ALL_PURPOSE_MIX,
    "London Borough": (0.12, 0.12, 0.08, 0.15, 0.09, 0.09, 0.20, 0.10, 0.05),
}
_MISSING_POPULATION = 40_000  # abolished councils have no population in the register: a modest volume
_NAME_SHARE = 0.03  # rows that name the council instead of giving its GSS code
_RECOMMENDATION_SHARE = 0.92  # upheld cases without a prior remedy that get a compliance outcome
_LATE_SHARE = 0.07
_DATA_START = pd.Timestamp(d.year_start(SAMPLE_YEARS[0]))
_DATA_END = pd.Timestamp(d.year_end(SAMPLE_YEARS[-1]))


def marker_line(seed: int) -> str:
    """The comment line every sample file starts with."""
    return f"{MARKER_PREFIX}. Generated by lgsco-report sample-data (seed {seed})."


def is_sample_file(path: Path) -> bool:
    """Whether ``path`` begins with the sample marker (so it may be overwritten)."""
    try:
        with Path(path).open("rb") as handle:
            first = handle.readline(4096).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    return first.startswith(MARKER_PREFIX)


# --------------------------------------------------------------------------- generation


def _councils(years: tuple[int, ...]) -> dict[int, pd.DataFrame]:
    """Each year's councils sorted by GSS code, with the register's start and end dates."""
    from lgsco_report import register

    periods = (
        register.all_councils()[["authority_code", "start_date", "end_date"]]
        .drop_duplicates("authority_code")
        .astype({"start_date": "datetime64[ns]", "end_date": "datetime64[ns]"})
    )
    # Cases stop at the end of the last year whose letters include the council: a council whose
    # register end date is 1 April 2023 (its successor's first day) gets no cases dated that day.
    end = periods["end_date"]
    reaches_march_end = (end.dt.month > 3) | ((end.dt.month == 3) & (end.dt.day == 31))
    last_letter_year = end.dt.year.where(reaches_march_end, end.dt.year - 1)
    periods["end_date"] = pd.to_datetime(
        pd.DataFrame({"year": last_letter_year, "month": 3, "day": 31}), errors="coerce"
    ).astype("datetime64[ns]")
    out = {}
    for year in years:
        frame = register.councils_for_year(year)[["authority_code", "authority_name", "authority_type", "population"]]
        # The register's own figures, not the carried ONS estimates: the sample does not move when estimates are added.
        frame["population"] = frame["authority_code"].map(register.register_populations())
        frame = frame.merge(periods, on="authority_code", how="left").sort_values("authority_code", kind="stable")
        out[year] = frame.reset_index(drop=True)
    return out


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask choosing exactly ``k`` items without replacement, favouring heavy weights (Efraimidis-Spirakis)."""
    chosen = np.zeros(len(weights), dtype=bool)
    if k <= 0 or len(weights) == 0:
        return chosen
    keys = np.log(rng.random(len(weights))) / weights
    chosen[np.argsort(-keys, kind="stable")[:k]] = True
    return chosen


def _within(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A uniformly random day (datetime64[D]) between start and end inclusive, elementwise."""
    span = (end - start).astype("timedelta64[D]").astype(np.int64)
    offsets = np.floor(rng.random(len(start)) * (span + 1)).astype(np.int64)
    return start + offsets.astype("timedelta64[D]")


@dataclass(frozen=True)
class _CouncilTraits:
    """Per-council random effects and register facts, keyed by GSS code, shared by every sample year."""

    propensity: dict  # cases per resident, relative (gamma)
    uphold_effect: dict  # added to the log-odds of upholding
    remedy_effect: dict  # log-weight of remedying before the Ombudsman decides
    end_of: dict  # last day the council can have cases (NaT while it exists)
    type_of: dict  # authority type


def _generate(seed: int) -> dict[str, pd.DataFrame]:
    """Case-level frames (with helper columns) for every sample year, drawn from one seeded Generator.

    The steps below draw from ``rng`` in a fixed order; reordering them changes every byte of the sample.
    """
    rng = np.random.default_rng(seed)
    registers = _councils(SAMPLE_YEARS)
    traits = _council_traits(rng, registers)
    # One council with no cases at all in the year ending March 2020 (nor 2019, so nothing carries over).
    year2020 = registers[2020]
    quiet_council = year2020.sort_values(["population", "authority_code"], kind="stable").iloc[0]["authority_code"]
    received_parts = [_received_in_year(rng, registers[year], year, traits, quiet_council) for year in SAMPLE_YEARS]
    cases = _with_case_refs(rng, pd.concat(received_parts, ignore_index=True))
    decided = _decisions(rng, cases, traits)
    for year in SAMPLE_YEARS:
        _decide_upheld_and_remedied(rng, decided, year, traits)
    compliance = _compliance_outcomes(rng, decided, traits)
    for year in SAMPLE_YEARS:
        _mark_failures_and_late(rng, compliance, year)
    return {"received": cases, "decided": decided, "compliance": compliance}


def _council_traits(rng: np.random.Generator, registers: dict[int, pd.DataFrame]) -> _CouncilTraits:
    """Draw each council's effects once, in GSS-code order over every council of every sample year."""
    every = pd.concat(registers.values()).drop_duplicates("authority_code").sort_values("authority_code", kind="stable")
    codes = every["authority_code"].to_numpy()
    propensity = dict(zip(codes, rng.gamma(4.0, 0.25, len(codes))))
    uphold_effect = dict(zip(codes, rng.normal(0.0, 0.35, len(codes))))
    remedy_effect = dict(zip(codes, rng.normal(0.0, 0.4, len(codes))))
    end_of = dict(zip(every["authority_code"], every["end_date"]))
    type_of = dict(zip(every["authority_code"], every["authority_type"]))
    return _CouncilTraits(propensity, uphold_effect, remedy_effect, end_of, type_of)


def _received_in_year(
    rng: np.random.Generator, councils: pd.DataFrame, year: int, traits: _CouncilTraits, quiet_council: str
) -> pd.DataFrame:
    """One year's complaints: council, receipt date, category, eventual kind of decision and days to it."""
    first_day = np.datetime64(d.year_start(year), "D")
    last_day = np.datetime64(d.year_end(year), "D")
    starts = councils["start_date"].to_numpy("datetime64[D]")
    ends = councils["end_date"].to_numpy("datetime64[D]")
    open_from = np.where(np.isnat(starts) | (starts < first_day), first_day, starts)
    open_to = np.where(np.isnat(ends) | (ends > last_day), last_day, ends)
    days_open = (open_to - open_from).astype(np.int64) + 1
    population = councils["population"].fillna(_MISSING_POPULATION).to_numpy(float)
    weight = (
        population
        * councils["authority_type"].map(_TYPE_VOLUME).to_numpy(float)
        * councils["authority_code"].map(traits.propensity).to_numpy(float)
        * np.clip(days_open / 365.0, 0.0, 1.0)
    )
    if year in (2019, 2020):
        weight[councils["authority_code"].to_numpy() == quiet_council] = 0.0
    counts = rng.multinomial(CALIBRATION[year].received, weight / weight.sum())
    index = np.repeat(np.arange(len(councils)), counts)
    received = pd.DataFrame(
        {
            "authority_code": councils["authority_code"].to_numpy()[index],
            "authority_type": councils["authority_type"].to_numpy()[index],
            "received_date": _within(rng, open_from[index], open_to[index]),
            "received_year": year,
        }
    )
    received["category"] = _draw_categories(rng, received["authority_type"].to_numpy())
    kind = _draw_kinds(rng, len(received), CALIBRATION[year].detailed_share)
    received["kind"] = kind
    mean_lag = pd.Series(kind).map(_MEAN_LAG_DAYS).to_numpy(float)
    received["lag_days"] = np.ceil(rng.gamma(2.0, mean_lag / 2.0)).astype(np.int64)
    return received


def _draw_categories(rng: np.random.Generator, authority_types: np.ndarray) -> np.ndarray:
    """A complaint category per case from its council type's mix, drawn type by type in ``AUTHORITY_TYPES`` order."""
    category = np.empty(len(authority_types), dtype=object)
    for authority_type in d.AUTHORITY_TYPES:
        rows = np.flatnonzero(authority_types == authority_type)
        mix = np.array(_CATEGORY_MIX[authority_type])
        category[rows] = np.array(d.CATEGORIES, dtype=object)[rng.choice(len(d.CATEGORIES), size=len(rows), p=mix / mix.sum())]
    return category


def _draw_kinds(rng: np.random.Generator, size: int, detailed_share: float) -> np.ndarray:
    """Kind of decision per case: a detailed investigation (marked UPHELD until decided) or one of the other outcomes."""
    kinds = [d.UPHELD] + [name for name, _ in _OTHER_OUTCOMES]
    other_total = sum(share for _, share in _OTHER_OUTCOMES)
    probabilities = [detailed_share] + [share / other_total * (1 - detailed_share) for _, share in _OTHER_OUTCOMES]
    return np.array(kinds, dtype=object)[rng.choice(len(kinds), size=size, p=probabilities)]


def _with_case_refs(rng: np.random.Generator, cases: pd.DataFrame) -> pd.DataFrame:
    """Case references: year-prefixed ("19 001 234" for a complaint received in 2019-20), numbered in date order."""
    cases["tiebreak"] = rng.random(len(cases))
    cases = cases.sort_values(["received_date", "tiebreak"], kind="stable").reset_index(drop=True)
    prefix = cases["received_year"] - 1
    sequence = cases.groupby("received_year").cumcount().to_numpy() + 1
    cases["case_ref"] = [f"{p % 100:02d} {n // 1000:03d} {n % 1000:03d}" for p, n in zip(prefix, sequence)]
    return cases


def _decisions(rng: np.random.Generator, cases: pd.DataFrame, traits: _CouncilTraits) -> pd.DataFrame:
    """Decisions: receipt + lag, kept inside the council's life; after the data's end the case is still open."""
    received_day = cases["received_date"].to_numpy("datetime64[D]")
    decision_day = received_day + cases["lag_days"].to_numpy().astype("timedelta64[D]")
    council_end = cases["authority_code"].map(traits.end_of).to_numpy("datetime64[D]")
    too_late = ~np.isnat(council_end) & (decision_day > council_end)
    if too_late.any():
        decision_day[too_late] = _within(rng, received_day[too_late], council_end[too_late])
    decided = cases[decision_day <= np.datetime64(_DATA_END, "D")].copy()
    decided["decision_date"] = decision_day[decision_day <= np.datetime64(_DATA_END, "D")]
    decided["decision_year"] = d.financial_year(pd.Series(decided["decision_date"])).to_numpy(int)
    decided["outcome"] = decided["kind"]
    decided["remedy_by_authority"] = False
    return decided.reset_index(drop=True)


def _decide_upheld_and_remedied(rng: np.random.Generator, decided: pd.DataFrame, year: int, traits: _CouncilTraits) -> None:
    """In place: which of the year's detailed investigations are upheld, and which of those the council remedied first."""
    target = CALIBRATION[year]
    detailed = np.flatnonzero((decided["decision_year"].to_numpy() == year) & (decided["kind"].to_numpy() == d.UPHELD))
    codes_here = decided["authority_code"].to_numpy()[detailed]
    logit = (
        np.log(target.uphold_rate / (1 - target.uphold_rate))
        + pd.Series(codes_here).map(traits.type_of).map(_TYPE_UPHOLD_LOGIT).to_numpy(float)
        + pd.Series(codes_here).map(traits.uphold_effect).to_numpy(float)
    )
    wanted = int(round(target.uphold_rate * len(detailed)))
    upheld = _weighted_pick(rng, np.exp(logit), wanted)
    if year == 2020:
        upheld = _force_extremes(rng, codes_here, upheld, wanted)
    decided.loc[detailed, "outcome"] = np.where(upheld, d.UPHELD, d.NOT_UPHELD)
    upheld_rows = detailed[upheld]
    upheld_codes = decided["authority_code"].to_numpy()[upheld_rows]
    remedy_weight = np.exp(pd.Series(upheld_codes).map(traits.remedy_effect).to_numpy(float))
    remedy = _weighted_pick(rng, remedy_weight, int(round(target.remedy_share * len(upheld_rows))))
    decided.loc[upheld_rows[remedy], "remedy_by_authority"] = True


def _compliance_outcomes(rng: np.random.Generator, decided: pd.DataFrame, traits: _CouncilTraits) -> pd.DataFrame:
    """Compliance outcomes: upheld cases where the Ombudsman recommended a remedy, some weeks after the decision."""
    needs = decided[(decided["outcome"] == d.UPHELD) & ~decided["remedy_by_authority"]]
    needs = needs[rng.random(len(needs)) < _RECOMMENDATION_SHARE].copy()
    decision_day = needs["decision_date"].to_numpy("datetime64[D]")
    compliance_day = decision_day + (14 + np.ceil(rng.gamma(2.0, 30.0, len(needs)))).astype(np.int64).astype("timedelta64[D]")
    council_end = needs["authority_code"].map(traits.end_of).to_numpy("datetime64[D]")
    too_late = ~np.isnat(council_end) & (compliance_day > council_end)
    if too_late.any():
        # Outcome recorded before the council's end, strictly after the decision; none if no such day.
        compliance_day[too_late] = _within(rng, decision_day[too_late] + 1, np.maximum(council_end[too_late], decision_day[too_late] + 1))
        compliance_day[too_late & (decision_day >= council_end)] = np.datetime64("NaT")
    in_range = ~np.isnat(compliance_day) & (compliance_day <= np.datetime64(_DATA_END, "D"))
    compliance = needs[in_range].copy()
    compliance["compliance_date"] = compliance_day[in_range]
    compliance["compliance_year"] = d.financial_year(pd.Series(compliance["compliance_date"])).to_numpy(int)
    compliance["outcome"] = d.COMPLIED
    return compliance.reset_index(drop=True)


def _mark_failures_and_late(rng: np.random.Generator, compliance: pd.DataFrame, year: int) -> None:
    """In place: turn a calibrated share of the year's compliance outcomes into failures, then a share into late."""
    rows = np.flatnonzero(compliance["compliance_year"].to_numpy() == year)
    failures = int(round((1 - CALIBRATION[year].compliance_rate) * len(rows)))
    order = rng.permutation(rows)
    late = int(round(_LATE_SHARE * len(rows)))
    compliance.loc[order[:failures], "outcome"] = d.NOT_COMPLIED
    compliance.loc[order[failures : failures + late], "outcome"] = d.COMPLIED_LATE


def _force_extremes(rng: np.random.Generator, codes: np.ndarray, upheld: np.ndarray, wanted: int) -> np.ndarray:
    """Make one council uphold none and one uphold all of its few investigations, keeping the national count."""
    upheld = upheld.copy()
    per_council = pd.Series(codes).value_counts().sort_index()
    small = per_council[(per_council >= 2) & (per_council <= 4)].index.to_numpy()
    if len(small) < 2:
        return upheld
    none_upheld, all_upheld = rng.choice(small, size=2, replace=False)
    upheld[codes == none_upheld] = False
    upheld[codes == all_upheld] = True
    free = np.flatnonzero((codes != none_upheld) & (codes != all_upheld))
    excess = int(upheld.sum()) - wanted
    if excess > 0:
        upheld[rng.choice(free[upheld[free]], size=excess, replace=False)] = False
    elif excess < 0:
        upheld[rng.choice(free[~upheld[free]], size=-excess, replace=False)] = True
    return upheld


def _authority_text(rng: np.random.Generator, codes: pd.Series, names: dict[str, str]) -> pd.Series:
    """GSS codes, with a small share of rows giving the council's official name instead."""
    use_name = rng.random(len(codes)) < _NAME_SHARE
    text = codes.to_numpy(dtype=object).copy()
    text[use_name] = codes[use_name].map(names).fillna(codes[use_name]).to_numpy(dtype=object)
    return pd.Series(text, index=codes.index)


def _names_that_resolve() -> dict[str, str]:
    """Official names that resolve back to their own code (so writing a name never changes the council)."""
    from lgsco_report import register

    councils = register.all_councils().drop_duplicates("authority_code")
    resolved = register.resolve_authority(councils["authority_name"])
    ok = resolved.to_numpy() == councils["authority_code"].to_numpy()
    return dict(zip(councils["authority_code"][ok], councils["authority_name"][ok]))


def _iso(days: pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime(days).dt.strftime("%Y-%m-%d"), index=days.index)


def _tables(seed: int) -> dict[str, pd.DataFrame]:
    """The three tables as the text that goes in the files, rows sorted by date then case reference."""
    generated = _generate(seed)
    optional = _reports_and_remedies(generated, seed)
    rng = np.random.default_rng([seed, 1])  # a separate stream so text choices do not shift the figures
    names = _names_that_resolve()
    received = generated["received"].sort_values(["received_date", "case_ref"], kind="stable")
    decided = generated["decided"].sort_values(["decision_date", "case_ref"], kind="stable")
    compliance = generated["compliance"].sort_values(["compliance_date", "case_ref"], kind="stable")
    return {
        "received": pd.DataFrame(
            {
                "case_ref": received["case_ref"],
                "authority": _authority_text(rng, received["authority_code"], names),
                "received_date": _iso(received["received_date"]),
                "category": received["category"],
            }
        ),
        "decided": pd.DataFrame(
            {
                "case_ref": decided["case_ref"],
                "authority": _authority_text(rng, decided["authority_code"], names),
                "decision_date": _iso(decided["decision_date"]),
                "category": decided["category"],
                "outcome": decided["outcome"],
                "remedy_by_authority": np.where(decided["remedy_by_authority"], "yes", "no"),
            }
        ),
        "compliance": pd.DataFrame(
            {
                "case_ref": compliance["case_ref"],
                "authority": _authority_text(rng, compliance["authority_code"], names),
                "compliance_date": _iso(compliance["compliance_date"]),
                "outcome": compliance["outcome"],
            }
        ),
        **optional,
    }


#: Service improvements agreed per upheld decision: 1,848 recommendations to councils in 2021-22
#: (domain.md) over the 2,574 upheld decisions of the sample's 2021-22 is about 0.72.
SERVICE_IMPROVEMENTS_PER_UPHELD = 0.72
#: Split of service improvements by type (assumed: policy and procedure changes are the most common).
_SERVICE_IMPROVEMENT_MIX = ((d.PROCEDURE_OR_POLICY_CHANGE, 0.55), (d.STAFF_TRAINING, 0.35), (d.OTHER_SERVICE_IMPROVEMENT, 0.10))
#: Chance that an upheld decision carries each individual remedy (assumed).
_INDIVIDUAL_REMEDIES = (("Apology", 0.65), ("Financial redress", 0.45), ("Other individual remedy", 0.25))
#: Remedies completed after their due date: 18% in 2021-22 (domain.md); used for every year.
REMEDIES_LATE_SHARE = 0.18
#: Remedies not done by the time the data was extracted (assumed): overdue once their due date has passed.
REMEDIES_NOT_DONE_SHARE = 0.04
#: Public interest reports a year: "a few dozen" (domain.md); assumed 24, on upheld decisions.
PUBLIC_INTEREST_REPORTS_PER_YEAR = 24
#: Share of "not complied" compliance outcomes that lead to a further report (assumed).
FURTHER_REPORT_SHARE = 0.5


def _reports_and_remedies(generated: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The optional tables, drawn from their own Generator so the case tables never change.

    Assumptions (none of this is published at case level): a remedy is agreed
    1-14 days after its decision; individual remedies are due 30 days after
    agreement, service improvements 90; ``REMEDIES_LATE_SHARE`` of remedies are
    completed 1-120 days late, ``REMEDIES_NOT_DONE_SHARE`` have no completion
    date, the rest are done on or before the due date. Public interest reports
    are dated on their decision day, on ``PUBLIC_INTEREST_REPORTS_PER_YEAR``
    upheld decisions a year chosen at random; further reports are dated on the
    "not complied" outcome. A remedy or report dated after the sample's last
    day or after its council's end is left out (the data stops there).
    """
    rng = np.random.default_rng([seed, 2])
    decided = generated["decided"]
    upheld = decided[decided["outcome"] == d.UPHELD].sort_values(["decision_date", "case_ref"], kind="stable")
    upheld = upheld.reset_index(drop=True)
    # One Generator, drawn from in this order (remedies, then reports), so the files stay the same per seed.
    remedies = _remedies(rng, upheld).sort_values(["agreed_date", "case_ref", "remedy_type"], kind="stable")
    reports = _reports(rng, upheld, generated["compliance"]).sort_values(["report_date", "case_ref", "kind"], kind="stable")
    return {
        "reports": pd.DataFrame({"case_ref": reports["case_ref"], "authority": reports["authority_code"],
                                 "report_date": _iso(reports["report_date"]), "kind": reports["kind"]}),
        "remedies": pd.DataFrame({
            "case_ref": remedies["case_ref"], "authority": remedies["authority_code"], "remedy_type": remedies["remedy_type"],
            "agreed_date": _iso(remedies["agreed_date"]), "due_date": _iso(remedies["due_date"]),
            "completed_date": _iso(remedies["completed_date"]).fillna(""),
        }),
    }


def _remedies(rng: np.random.Generator, upheld: pd.DataFrame) -> pd.DataFrame:
    """The remedies agreed on the upheld decisions (see ``_reports_and_remedies`` for the assumptions)."""
    decision_day = upheld["decision_date"].to_numpy("datetime64[D]")
    improvements = rng.poisson(SERVICE_IMPROVEMENTS_PER_UPHELD, len(upheld))
    kinds = np.array([label for label, _ in _SERVICE_IMPROVEMENT_MIX], dtype=object)
    weights = np.array([share for _, share in _SERVICE_IMPROVEMENT_MIX])
    index = [np.repeat(np.arange(len(upheld)), improvements)]
    types = [kinds[rng.choice(len(kinds), size=int(improvements.sum()), p=weights)]]
    for label, share in _INDIVIDUAL_REMEDIES:
        chosen = np.flatnonzero(rng.random(len(upheld)) < share)
        index.append(chosen)
        types.append(np.full(len(chosen), label, dtype=object))
    rows = np.concatenate(index)
    remedy_type = np.concatenate(types)
    agreed = decision_day[rows] + rng.integers(1, 15, len(rows)).astype("timedelta64[D]")
    allowed = np.where(np.isin(remedy_type, d.SERVICE_IMPROVEMENT_TYPES), 90, 30).astype("timedelta64[D]")
    due = agreed + allowed
    outcome = rng.random(len(rows))
    on_time = agreed + np.floor(rng.random(len(rows)) * (allowed.astype(np.int64) + 1)).astype("timedelta64[D]")
    late = due + rng.integers(1, 121, len(rows)).astype("timedelta64[D]")
    completed = np.where(outcome < REMEDIES_LATE_SHARE, late, on_time)
    completed[outcome >= 1 - REMEDIES_NOT_DONE_SHARE] = np.datetime64("NaT")
    remedies = pd.DataFrame({
        "case_ref": upheld["case_ref"].to_numpy()[rows], "authority_code": upheld["authority_code"].to_numpy()[rows],
        "remedy_type": remedy_type, "agreed_date": agreed, "due_date": due, "completed_date": completed,
    })
    return remedies[_in_data(remedies["authority_code"], agreed)]


def _reports(rng: np.random.Generator, upheld: pd.DataFrame, compliance: pd.DataFrame) -> pd.DataFrame:
    """Public interest reports on upheld decisions, further reports on "not complied" outcomes."""
    decision_day = upheld["decision_date"].to_numpy("datetime64[D]")
    reports = []
    for year in SAMPLE_YEARS:
        in_year = np.flatnonzero(d.financial_year(upheld["decision_date"]).to_numpy() == year)
        picked = rng.choice(in_year, size=min(PUBLIC_INTEREST_REPORTS_PER_YEAR, len(in_year)), replace=False)
        reports.append(pd.DataFrame({"case_ref": upheld["case_ref"].to_numpy()[picked], "authority_code": upheld["authority_code"].to_numpy()[picked],
                                     "report_date": decision_day[picked], "kind": d.PUBLIC_INTEREST_REPORT}))
    refused = compliance[compliance["outcome"] == d.NOT_COMPLIED].sort_values("case_ref", kind="stable")
    refused = refused[rng.random(len(refused)) < FURTHER_REPORT_SHARE]
    reports.append(pd.DataFrame({"case_ref": refused["case_ref"].to_numpy(), "authority_code": refused["authority_code"].to_numpy(),
                                 "report_date": refused["compliance_date"].to_numpy("datetime64[D]"), "kind": d.FURTHER_REPORT}))
    reports = pd.concat(reports, ignore_index=True)
    return reports[_in_data(reports["authority_code"], reports["report_date"].to_numpy("datetime64[D]"))]


def _in_data(codes: pd.Series, days: np.ndarray) -> np.ndarray:
    """Rows dated within the sample's years and while their council existed."""
    every = pd.concat(_councils(SAMPLE_YEARS).values()).drop_duplicates("authority_code")
    end = codes.map(dict(zip(every["authority_code"], every["end_date"]))).to_numpy("datetime64[D]")
    return (days <= np.datetime64(_DATA_END, "D")) & (np.isnat(end) | (days <= end))


def write_sample_data(out_dir: Path | str, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the three case tables and the optional reports.csv and remedies.csv into ``out_dir``; return their paths.

    Refuses (``NotSampleDataError``, a ``FileExistsError``) to overwrite a file that is not itself sample data,
    so pointing the command at a folder of real data cannot destroy it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in TABLE_FILES]
    real = [p for p in paths if p.exists() and not is_sample_file(p)]
    if real:
        raise NotSampleDataError(
            f"{', '.join(str(p) for p in real)} exists and is not sample data; "
            "choose another folder with --out or move the file first"
        )
    tables = _tables(int(seed))
    header = marker_line(int(seed)) + "\n"
    for path, table in zip(paths, tables.values()):
        body = table.to_csv(index=False, lineterminator="\n")
        write_bytes(path, (header + body).encode("utf-8"))
    return paths


def ensure_sample_data(out_dir: Path | str | None = None) -> Path:
    """Return the sample data folder, generating the files first if any is missing or unmarked.

    An existing file that is not marked as sample data is never overwritten
    (FileExistsError): it may be someone's real data.
    """
    if out_dir is None:
        from lgsco_report.workbook import sample_data_dir

        out_dir = sample_data_dir()
    folder = Path(out_dir)
    paths = [folder / name for name in TABLE_FILES]
    if all(p.exists() and is_sample_file(p) for p in paths):
        return folder
    write_sample_data(folder)
    return folder
