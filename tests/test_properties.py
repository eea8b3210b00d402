"""Property tests (hypothesis) for the case loaders and the statistics.

Loaders: any valid table, whatever the case and spacing of its labels and
whichever accepted date form it uses, loads with every row kept and every value
normalised. Statistics: the order of rows never changes a figure, and council
rows add up to the type and national totals (and to the number of cases).

Examples are few (``max_examples`` 25-30) so the suite stays fast, and
``database=None`` so no ``.hypothesis`` folder is written into the repository.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from lgsco_report import definitions as d
from lgsco_report import register
from lgsco_report.inputs import CaseData, read_table
from lgsco_report.stats import compute_statistics, count_columns

SETTINGS = settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
YEAR = 2020
FIRST_DAY, LAST_DAY = d.year_start(YEAR), d.year_end(YEAR)
#: A second year so that properties also cover the year boundary.
NEXT_LAST_DAY = d.year_end(YEAR + 1)


def _stable_councils() -> pd.DataFrame:
    """Councils in both years' registers that existed on every day of them, with a name that resolves to them."""
    everyone = register.all_councils().drop_duplicates("authority_code").set_index("authority_code")
    codes = sorted(set(register.councils_for_year(YEAR)["authority_code"]) & set(register.councils_for_year(YEAR + 1)["authority_code"]))
    frame = everyone.loc[codes, ["authority_name", "start_date", "end_date"]].reset_index()
    whole_span = (frame["start_date"].isna() | (frame["start_date"] <= pd.Timestamp(FIRST_DAY))) & (
        frame["end_date"].isna() | (frame["end_date"] >= pd.Timestamp(NEXT_LAST_DAY))
    )
    frame = frame[whole_span].reset_index(drop=True)
    resolves = register.resolve_authority(frame["authority_name"]).to_numpy() == frame["authority_code"].to_numpy()
    return frame[resolves].reset_index(drop=True)


COUNCILS = _stable_councils()
CODES = tuple(COUNCILS["authority_code"])
NAME_OF = dict(zip(COUNCILS["authority_code"], COUNCILS["authority_name"]))


@pytest.fixture(autouse=True, scope="module")
def hypothesis_files_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory):
    """Hypothesis caches constants under ``.hypothesis/`` even without a database: keep that out of the repository."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis-home"))
    yield
    set_hypothesis_home_dir(None)


def test_enough_councils_to_draw_from() -> None:
    assert len(CODES) > 250  # the register has ~330 councils a year; a small pool would make the properties weak


# ------------------------------------------------------------------ strategies


@st.composite
def spelled(draw: st.DrawFn, label: str) -> str:
    """``label`` in a random case with random spaces around it and between its words."""
    case = draw(st.sampled_from(["same", "upper", "lower", "title", "swap"]))
    text = {"same": label, "upper": label.upper(), "lower": label.lower(), "title": label.title(), "swap": label.swapcase()}[case]
    gap = draw(st.sampled_from([" ", "  ", " \t "]))
    text = gap.join(text.split(" "))
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " ", "\t"]))


@st.composite
def written_date(draw: st.DrawFn, day: dt.date) -> str:
    """``day`` as ISO or as dd/mm/yyyy, with or without leading zeros."""
    form = draw(st.sampled_from(["iso", "uk", "uk_short"]))
    if form == "iso":
        return day.isoformat()
    if form == "uk":
        return f"{day:%d/%m/%Y}"
    return f"{day.day}/{day.month}/{day.year}"


dates = st.dates(min_value=FIRST_DAY, max_value=NEXT_LAST_DAY)
councils = st.sampled_from(CODES)


@st.composite
def received_rows(draw: st.DrawFn) -> list[dict]:
    """1-25 valid received cases, each with how it is written and what it must load as."""
    count = draw(st.integers(1, 25))
    refs = draw(st.lists(st.integers(0, 999_999), min_size=count, max_size=count, unique=True))
    rows = []
    for ref in refs:
        code = draw(councils)
        day = draw(dates)
        category = draw(st.sampled_from(d.CATEGORIES))
        authority = code if draw(st.booleans()) else NAME_OF[code]
        rows.append(
            {
                "written": [f"20 {ref // 1000:03d} {ref % 1000:03d}", draw(spelled(authority)), draw(written_date(day)), draw(spelled(category))],
                "case_ref": f"20 {ref // 1000:03d} {ref % 1000:03d}",
                "authority_code": code,
                "date": pd.Timestamp(day),
                "category": category,
            }
        )
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], line_end: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator=line_end).writerows([header, *rows])


# ------------------------------------------------------------------ loaders


@SETTINGS
@given(rows=received_rows(), line_end=st.sampled_from(["\n", "\r\n"]))
def test_any_valid_received_table_loads_every_row_normalised(rows: list[dict], line_end: str, tmp_path: Path) -> None:
    path = tmp_path / "received.csv"
    write_csv(path, ["case_ref", "authority", "received_date", "category"], [r["written"] for r in rows], line_end)
    frame = read_table(path, "received")
    assert len(frame) == len(rows)
    assert frame["case_ref"].tolist() == [r["case_ref"] for r in rows]
    assert frame["authority_code"].tolist() == [r["authority_code"] for r in rows]
    assert frame["received_date"].tolist() == [r["date"] for r in rows]
    assert frame["category"].tolist() == [r["category"] for r in rows]
    assert str(frame["received_date"].dtype) == "datetime64[ns]"


REMEDY_WORDS = {True: ("yes", "Yes", "TRUE", "1", "y"), False: ("no", "No", "false", "0", "N")}


@SETTINGS
@given(
    cases=st.lists(
        st.tuples(councils, dates, st.sampled_from(d.CATEGORIES), st.sampled_from(d.DECISION_OUTCOMES), st.booleans()),
        min_size=1, max_size=25,
    ),
    data=st.data(),
)
def test_any_valid_decided_table_loads_every_row_normalised(cases: list[tuple], data: st.DataObject, tmp_path: Path) -> None:
    written = []
    for number, (code, day, category, outcome, remedy) in enumerate(cases):
        word = data.draw(st.sampled_from(REMEDY_WORDS[remedy]))
        written.append([f"19 {number:03d} 000", data.draw(spelled(code)), data.draw(written_date(day)),
                        data.draw(spelled(category)), data.draw(spelled(outcome)), data.draw(spelled(word))])
    path = tmp_path / "decided.csv"
    write_csv(path, ["case_ref", "authority", "decision_date", "category", "outcome", "remedy_by_authority"], written, "\n")
    frame = read_table(path, "decided")
    assert len(frame) == len(cases)
    assert frame["authority_code"].tolist() == [c[0] for c in cases]
    assert frame["decision_date"].tolist() == [pd.Timestamp(c[1]) for c in cases]
    assert frame["category"].tolist() == [c[2] for c in cases]
    assert frame["outcome"].tolist() == [c[3] for c in cases]
    assert frame["remedy_by_authority"].tolist() == [c[4] for c in cases]


# ------------------------------------------------------------------ statistics

#: A small pool of councils of every type so that groups have several members and several cases.
_POOL = (
    COUNCILS.merge(register.councils_for_year(YEAR)[["authority_code", "authority_type"]], on="authority_code")
    .groupby("authority_type", sort=True).head(3)["authority_code"].tolist()
)


@st.composite
def case_tables(draw: st.DrawFn) -> CaseData:
    """Normalised tables as inputs.load returns them, over two years and a small pool of councils."""
    pool = st.sampled_from(_POOL)
    received = draw(st.lists(st.tuples(pool, dates, st.sampled_from(d.CATEGORIES)), min_size=0, max_size=40))
    decided = draw(
        st.lists(st.tuples(pool, dates, st.sampled_from(d.CATEGORIES), st.sampled_from(d.DECISION_OUTCOMES), st.booleans()),
                 min_size=0, max_size=40)
    )
    compliance = draw(st.lists(st.tuples(pool, dates, st.sampled_from(d.COMPLIANCE_OUTCOMES)), min_size=0, max_size=20))

    def frame(rows: list[tuple], columns: list[str], date_column: str) -> pd.DataFrame:
        table = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        table.insert(0, "case_ref", [f"{n:06d}" for n in range(len(table))])
        table[date_column] = pd.to_datetime(table[date_column]).astype("datetime64[ns]")
        return table

    return CaseData(
        received=frame(received, ["authority_code", "received_date", "category"], "received_date"),
        decided=frame(decided, ["authority_code", "decision_date", "category", "outcome", "remedy_by_authority"], "decision_date")
        .astype({"remedy_by_authority": bool}),
        compliance=frame(compliance, ["authority_code", "compliance_date", "outcome"], "compliance_date"),
        years=[YEAR, YEAR + 1],
    )


def shuffled(cases: CaseData, seed: int) -> CaseData:
    rng = np.random.default_rng(seed)

    def permute(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)

    return CaseData(received=permute(cases.received), decided=permute(cases.decided),
                    compliance=permute(cases.compliance), years=list(cases.years))


STATS_SETTINGS = settings(SETTINGS, max_examples=25)


@STATS_SETTINGS
@given(cases=case_tables(), seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["pooled", "mean"]))
@pytest.mark.slow
def test_row_order_never_changes_a_figure(cases: CaseData, seed: int, method: str) -> None:
    original = compute_statistics(cases, average_method=method)
    reordered = compute_statistics(shuffled(cases, seed), average_method=method)
    pd.testing.assert_frame_equal(original.councils, reordered.councils)
    pd.testing.assert_frame_equal(original.types, reordered.types)
    pd.testing.assert_frame_equal(original.national, reordered.national)
    pd.testing.assert_frame_equal(original.unassigned, reordered.unassigned)


@STATS_SETTINGS
@given(cases=case_tables())
@pytest.mark.slow
def test_council_rows_add_up_to_type_and_national_totals_and_to_the_cases(cases: CaseData) -> None:
    statistics = compute_statistics(cases)
    counts = count_columns()
    by_type = statistics.councils.groupby(["year", "authority_type"], sort=True)[counts].sum().reset_index()
    types = statistics.types.sort_values(["year", "authority_type"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(by_type[counts], types[counts], check_dtype=False)
    national = statistics.national.set_index("year")
    by_year = statistics.councils.groupby("year")[counts].sum()
    pd.testing.assert_frame_equal(by_year, national.loc[by_year.index, counts], check_dtype=False)
    assert (types.groupby("year")[counts].sum() == national.loc[by_year.index, counts]).all().all()
    # Every case is counted once: all councils are in both years' registers, so nothing is unassigned.
    assert statistics.unassigned.empty
    assert national["received_total"].sum() == len(cases.received)
    assert national["decisions_total"].sum() == len(cases.decided)
    assert national["compliance_outcomes"].sum() == len(cases.compliance)
    upheld_with_remedy = int((cases.decided["outcome"].eq(d.UPHELD) & cases.decided["remedy_by_authority"]).sum())
    assert national["satisfactory_remedies"].sum() == upheld_with_remedy
    for year in (YEAR, YEAR + 1):
        in_year = d.financial_year(cases.received["received_date"]).eq(year) if len(cases.received) else pd.Series([], dtype=bool)
        assert national.loc[year, "received_total"] == int(in_year.sum())

