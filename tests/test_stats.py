"""Tests for lgsco_report.stats against a fixture small enough to check on paper.

The register has five councils of two types over two years (ending March 2020
and 2021): Beeton is abolished after 2020, Eastbridge is created for 2021 and
Deeford's population is unknown. Every expected number below is worked out by
hand from the case lists in ``_fixture_cases`` (the arithmetic is in comments).
"""

from __future__ import annotations

import csv
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgsco_report import metrics, stats
from lgsco_report.definitions import CATEGORIES, COMPLIANCE_OUTCOMES, DECISION_OUTCOMES

A = "E07000001"  # Aville District Council: both years, population 100,000
B = "E07000002"  # Beeton District Council: 2020 only (abolished), population 50,000
C = "E06000001"  # Ceeshire Council (unitary): both years, population 200,000
D = "E06000002"  # Deeford Council (unitary): both years, population unknown
E = "E06000003"  # Eastbridge Council (unitary): 2021 only (new), population 80,000
UNKNOWN = "E09999999"  # in no register

DISTRICT = "District Council"
UNITARY = "Unitary Council"

_COUNCILS = {
    A: ("Aville District Council", "Aville", DISTRICT, 100_000.0, (2020, 2021)),
    B: ("Beeton District Council", "Beeton", DISTRICT, 50_000.0, (2020,)),
    C: ("Ceeshire Council", "Ceeshire", UNITARY, 200_000.0, (2020, 2021)),
    D: ("Deeford Council", "Deeford", UNITARY, float("nan"), (2020, 2021)),
    E: ("Eastbridge Council", "Eastbridge", UNITARY, 80_000.0, (2021,)),
}


def tiny_register(year: int) -> pd.DataFrame:
    """The fixture's register for ``year``, shaped like register.councils_for_year."""
    rows = [
        {
            "authority_code": code,
            "register_code": code[-3:],
            "authority_name": name,
            "short_name": short,
            "authority_type": kind,
            "population": population,
            "region": "Testshire",
            "lat": 52.0,
            "long": -1.0,
        }
        for code, (name, short, kind, population, years) in _COUNCILS.items()
        if year in years
    ]
    return pd.DataFrame(rows).sort_values("authority_name").reset_index(drop=True)


def _frame(rows: list[tuple], columns: list[str], date_column: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(0, "case_ref", [f"REF{i:04d}" for i in range(len(frame))])
    frame[date_column] = pd.to_datetime(frame[date_column])
    return frame


def make_cases(received: list[tuple], decided: list[tuple], compliance: list[tuple], years=None):
    """A CaseData-like object (the loader is not needed to test the statistics)."""
    decided_frame = _frame(decided, ["authority_code", "decision_date", "outcome", "remedy_by_authority"], "decision_date")
    decided_frame["category"] = "Housing"
    decided_frame["remedy_by_authority"] = decided_frame["remedy_by_authority"].astype(bool)
    return SimpleNamespace(
        received=_frame(received, ["authority_code", "received_date", "category"], "received_date"),
        decided=decided_frame,
        compliance=_frame(compliance, ["authority_code", "compliance_date", "outcome"], "compliance_date"),
        sources=[],
        is_sample=False,
        years=list(years) if years is not None else [],
    )


def _fixture_cases():
    received = [
        # 2020 (1 Apr 2019 - 31 Mar 2020)
        (A, "2019-04-01", "Housing"),  # first day of the year
        (A, "2019-06-10", "Housing"),
        (A, "2019-07-01", "Housing"),
        (A, "2019-12-01", "Planning and Development"),
        (B, "2019-05-05", "Benefits and Tax"),
        (B, "2019-05-06", "Benefits and Tax"),
        (C, "2019-08-01", "Adult Care Services"),
        (C, "2020-03-31", "Housing"),  # last day of the year
        (UNKNOWN, "2019-09-09", "Housing"),  # not in any register -> unassigned
        (E, "2020-02-01", "Environment Services"),  # Eastbridge did not exist yet -> unassigned
        # 2021 (1 Apr 2020 - 31 Mar 2021)
        (A, "2020-04-01", "Other"),
        (D, "2020-05-01", "Education and Children's Services"),
        (D, "2020-05-02", "Education and Children's Services"),
        (D, "2020-06-01", "Highways and Transport"),
        (E, "2020-07-01", "Environment Services"),
        (E, "2021-03-31", "Corporate and Other Services"),
        (B, "2020-09-01", "Housing"),  # Beeton abolished -> unassigned
    ]
    decided = [
        # 2020
        (A, "2019-05-01", "Upheld", True),
        (A, "2019-06-01", "Upheld", True),
        (A, "2019-07-01", "Upheld", False),
        (A, "2019-08-01", "Not upheld", False),
        (A, "2019-09-01", "Advice given", False),
        (B, "2019-05-01", "Not upheld", False),
        (B, "2019-06-01", "Not upheld", True),  # remedy flag on a non-upheld case: not counted
        (B, "2019-07-01", "Closed after initial enquiries", False),
        (C, "2019-05-01", "Upheld", False),
        (C, "2019-06-01", "Incomplete/Invalid", False),
        (C, "2019-07-01", "Referred back for local resolution", False),
        (D, "2019-05-01", "Referred back for local resolution", False),
        # 2021
        (D, "2020-05-01", "Upheld", True),
        (D, "2020-06-01", "Upheld", False),
        (D, "2020-07-01", "Upheld", False),
        (D, "2020-08-01", "Not upheld", False),
        (E, "2020-05-01", "Upheld", True),
        (E, "2020-06-01", "Not upheld", False),
        (B, "2020-10-01", "Upheld", False),  # Beeton abolished -> unassigned
    ]
    compliance = [
        # 2020
        (A, "2019-10-01", "Complied"),
        (A, "2019-11-01", "Complied late"),
        (C, "2019-10-01", "Complied"),
        (C, "2019-11-01", "Complied"),
        (C, "2019-12-01", "Not complied"),
        (D, "2020-01-01", "Complied late"),
        # 2021
        (D, "2020-10-01", "Not complied"),
        (E, "2020-11-01", "Complied"),
        (E, "2021-03-31", "Complied late"),
    ]
    return make_cases(received, decided, compliance, years=[2020, 2021])


@pytest.fixture(scope="module")
def pooled() -> stats.Statistics:
    return stats.compute_statistics(_fixture_cases(), register=tiny_register)


@pytest.fixture(scope="module")
def mean() -> stats.Statistics:
    return stats.compute_statistics(_fixture_cases(), average_method="mean", register=tiny_register)


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --------------------------------------------------------------------------- councils


def test_every_register_council_gets_one_row_per_year(pooled):
    keys = list(zip(pooled.councils["year"], pooled.councils["authority_code"]))
    # 2020: Aville, Beeton, Ceeshire, Deeford; 2021: Aville, Ceeshire, Deeford, Eastbridge (name order).
    assert keys == [(2020, A), (2020, B), (2020, C), (2020, D), (2021, A), (2021, C), (2021, D), (2021, E)]


def test_received_counts_by_category_and_year_boundaries(pooled):
    a20 = pooled.council(A, 2020)
    assert a20["received_total"] == 4  # 1 Apr 2019 counts in 2020
    assert a20["received_housing"] == 3
    assert a20["received_planning_and_development"] == 1
    assert a20["received_other"] == 0
    c20 = pooled.council(C, 2020)
    assert (c20["received_total"], c20["received_adult_care_services"], c20["received_housing"]) == (2, 1, 1)
    a21 = pooled.council(A, 2021)
    assert (a21["received_total"], a21["received_other"]) == (1, 1)  # 1 Apr 2020 counts in 2021
    d21 = pooled.council(D, 2021)
    assert d21["received_education_and_childrens_services"] == 2
    assert d21["received_highways_and_transport"] == 1
    e21 = pooled.council(E, 2021)
    assert (e21["received_environment_services"], e21["received_corporate_and_other_services"]) == (1, 1)


def test_decisions_and_rates_for_aville_2020(pooled):
    row = pooled.council(A, 2020)
    assert row["decisions_total"] == 5
    assert (row["upheld"], row["not_upheld"], row["detailed_investigations"], row["advice_given"]) == (3, 1, 4, 1)
    assert row["upheld_rate"] == pytest.approx(0.75)  # 3 / 4
    assert row["satisfactory_remedies"] == 2
    assert row["satisfactory_remedy_rate"] == pytest.approx(2 / 3)  # 2 remedied of 3 upheld
    assert (row["compliance_outcomes"], row["complied"], row["complied_late"], row["not_complied"]) == (2, 1, 1, 0)
    assert row["compliance_rate"] == pytest.approx(1.0)  # (1 + 1 late) / 2
    assert row["upheld_per_100k"] == pytest.approx(3.0)  # 3 / 100,000 * 100,000


def test_zero_denominators_give_missing_rates(pooled):
    beeton = pooled.council(B, 2020)
    assert beeton["upheld_rate"] == 0.0  # 0 upheld of 2 investigated: a real 0%
    assert beeton["satisfactory_remedies"] == 0  # remedy flag on a non-upheld case ignored
    assert _nan(beeton["satisfactory_remedy_rate"])  # no upheld cases
    assert _nan(beeton["compliance_rate"])  # no compliance outcomes
    assert beeton["upheld_per_100k"] == 0.0
    deeford = pooled.council(D, 2020)
    assert deeford["detailed_investigations"] == 0
    assert _nan(deeford["upheld_rate"])
    assert _nan(deeford["upheld_per_100k"])  # population unknown
    assert _nan(deeford["population"])
    assert deeford["compliance_rate"] == 1.0  # 1 late of 1


def test_council_without_any_cases_still_has_a_zero_row(pooled):
    row = pooled.council(C, 2021)
    counts = row[stats.count_columns()]
    assert (counts == 0).all()
    for rate in ("upheld_rate", "satisfactory_remedy_rate", "compliance_rate"):
        assert _nan(row[rate])
    assert row["upheld_per_100k"] == 0.0  # 0 upheld / 200,000


def test_other_councils_rates(pooled):
    c20 = pooled.council(C, 2020)
    assert (c20["upheld_rate"], c20["satisfactory_remedy_rate"]) == (1.0, 0.0)  # 1/1, 0/1
    assert (c20["incomplete_invalid"], c20["referred_back"]) == (1, 1)
    assert c20["compliance_rate"] == pytest.approx(2 / 3)  # 2 complied of 3
    assert c20["upheld_per_100k"] == pytest.approx(0.5)  # 1 / 200,000 * 100,000
    d21 = pooled.council(D, 2021)
    assert d21["upheld_rate"] == pytest.approx(0.75)  # 3 / 4
    assert d21["satisfactory_remedy_rate"] == pytest.approx(1 / 3)  # 1 / 3
    assert d21["compliance_rate"] == 0.0  # 0 / 1
    e21 = pooled.council(E, 2021)
    assert e21["upheld_rate"] == pytest.approx(0.5)  # 1 / 2
    assert e21["satisfactory_remedy_rate"] == 1.0  # 1 / 1
    assert e21["compliance_rate"] == 1.0  # (1 + 1 late) / 2
    assert e21["upheld_per_100k"] == pytest.approx(1.25)  # 1 / 80,000 * 100,000


# --------------------------------------------------------------------------- averages

_TYPE_AVG = ["type_avg_upheld_rate", "type_avg_satisfactory_remedy_rate", "type_avg_compliance_rate", "type_avg_upheld_per_100k"]

POOLED_EXPECTED = {
    # (year, type): (upheld rate, remedy rate, compliance rate, upheld per 100k)
    (2020, DISTRICT): (0.5, 2 / 3, 1.0, 2.0),
    # upheld (3+0)/(4+2); remedy (2+0)/(3+0); compliance 2/2 (Beeton has none); per 100k 3/150,000*100,000
    (2020, UNITARY): (1.0, 0.0, 0.75, 0.5),
    # upheld 1/1 (Deeford 0/0); remedy 0/1; compliance (2+1)/(3+1); per 100k 1/200,000 (Deeford unknown, left out)
    (2021, DISTRICT): (float("nan"), float("nan"), float("nan"), 0.0),
    # Aville alone: no investigations, no upheld, no compliance; 0/100,000
    (2021, UNITARY): (4 / 6, 0.5, 2 / 3, 0.35714285714285715),
    # upheld (0+3+1)/(0+4+2); remedy (1+1)/(3+1); compliance (0+0+2)/(0+1+2);
    # per 100k (0+1)/(200,000+80,000)*100,000 = 5/14 (Deeford unknown, left out)
}

MEAN_EXPECTED = {
    (2020, DISTRICT): (0.375, 2 / 3, 1.0, 1.5),
    # upheld (0.75 + 0.0)/2; remedy Aville's 2/3 only (Beeton 0 upheld); compliance Aville's 1.0 only;
    # per 100k (3.0 + 0.0)/2
    (2020, UNITARY): (1.0, 0.0, 0.8333333333333334, 0.5),
    # upheld Ceeshire 1.0 only; remedy Ceeshire 0.0 only; compliance (2/3 + 1)/2 = 5/6; per 100k Ceeshire 0.5 only
    (2021, DISTRICT): (float("nan"), float("nan"), float("nan"), 0.0),
    (2021, UNITARY): (0.625, 0.6666666666666666, 0.5, 0.625),
    # upheld (0.75 + 0.5)/2 (Ceeshire 0/0 left out); remedy (1/3 + 1)/2; compliance (0 + 1)/2;
    # per 100k (0.0 + 1.25)/2 (Deeford unknown, left out)
}


@pytest.mark.parametrize("method, expected", [("pooled", POOLED_EXPECTED), ("mean", MEAN_EXPECTED)])
def test_type_averages_by_method(method, expected, pooled, mean):
    statistics = pooled if method == "pooled" else mean
    assert statistics.average_method == method
    for (year, kind), values in expected.items():
        type_row = statistics.type_row(kind, year)
        np.testing.assert_allclose(type_row[_TYPE_AVG].to_numpy(dtype=float), values, rtol=1e-12, equal_nan=True)
        # Every council of that type and year carries the same averages (one source).
        rows = statistics.councils[(statistics.councils["year"] == year) & (statistics.councils["authority_type"] == kind)]
        for _, row in rows.iterrows():
            np.testing.assert_allclose(row[_TYPE_AVG].to_numpy(dtype=float), values, rtol=1e-12, equal_nan=True)


def test_pooled_type_average_equals_type_rate(pooled):
    for rate in (m.column for m in metrics.rates()):
        np.testing.assert_allclose(pooled.types[rate], pooled.types[f"type_avg_{rate}"], equal_nan=True)


def test_average_method_is_checked():
    with pytest.raises(ValueError, match="average_method"):
        stats.compute_statistics(_fixture_cases(), average_method="median", register=tiny_register)


# --------------------------------------------------------------------------- national, types, unassigned


def test_national_totals_and_rates(pooled):
    national = pooled.national.set_index("year")
    n20 = national.loc[2020]
    assert (n20["councils"], n20["received_total"], n20["decisions_total"]) == (4, 8, 12)  # 4+2+2+0; 5+3+3+1
    assert (n20["upheld"], n20["not_upheld"], n20["detailed_investigations"], n20["referred_back"]) == (4, 3, 7, 2)
    assert n20["upheld_rate"] == pytest.approx(4 / 7)
    assert n20["satisfactory_remedy_rate"] == pytest.approx(0.5)  # 2 / 4
    assert n20["compliance_rate"] == pytest.approx(5 / 6)  # (3 + 2 late) / 6
    assert (n20["population"], n20["councils_without_population"]) == (350_000.0, 1)
    assert n20["upheld_per_100k"] == pytest.approx(4 / 350_000 * 100_000)  # Deeford (0 upheld) left out
    assert (n20["unassigned_received"], n20["unassigned_decided"], n20["unassigned_compliance"]) == (2, 0, 0)
    n21 = national.loc[2021]
    assert (n21["councils"], n21["received_total"], n21["upheld"], n21["detailed_investigations"]) == (4, 6, 4, 6)
    assert n21["compliance_rate"] == pytest.approx(2 / 3)  # (1 + 1 late) / 3
    # Only councils with a known population: (0 + 0 + 1) upheld / 380,000 (Deeford's 3 left out).
    assert n21["upheld_per_100k"] == pytest.approx(1 / 380_000 * 100_000)
    assert (n21["unassigned_received"], n21["unassigned_decided"]) == (1, 1)


def test_types_table_rows_and_totals(pooled):
    assert list(zip(pooled.types["year"], pooled.types["authority_type"])) == [
        (2020, DISTRICT), (2020, UNITARY), (2021, DISTRICT), (2021, UNITARY)
    ]
    district20 = pooled.type_row(DISTRICT, 2020)
    assert (district20["councils"], district20["received_total"], district20["upheld"]) == (2, 6, 3)
    unitary21 = pooled.type_row(UNITARY, 2021)
    assert (unitary21["councils"], unitary21["received_total"], unitary21["councils_without_population"]) == (3, 5, 1)


def test_cases_outside_the_register_are_counted_not_lost(pooled):
    assert pooled.unassigned.to_dict("records") == [
        {"year": 2020, "table": "received", "authority_code": E, "count": 1},  # before Eastbridge existed
        {"year": 2020, "table": "received", "authority_code": UNKNOWN, "count": 1},
        {"year": 2021, "table": "decided", "authority_code": B, "count": 1},  # after Beeton was abolished
        {"year": 2021, "table": "received", "authority_code": B, "count": 1},
    ]
    cases = _fixture_cases()
    assigned = pooled.national["received_total"].sum() + pooled.national["unassigned_received"].sum()
    assert assigned == len(cases.received)


def test_trend_skips_years_a_council_did_not_exist(pooled):
    assert list(pooled.trend(A, 2021)["year"]) == [2020, 2021]
    assert list(pooled.trend(A, 2021, n=1)["year"]) == [2021]
    assert list(pooled.trend(B, 2021)["year"]) == [2020]  # abolished after 2020
    assert list(pooled.trend(E, 2021)["year"]) == [2021]  # created for 2021
    assert list(pooled.trend(E, "2019-20")["year"]) == []
    with pytest.raises(ValueError, match="at least 1"):
        pooled.trend(A, 2021, n=0)


def test_council_lookup_errors_name_the_council_and_year(pooled):
    with pytest.raises(KeyError, match="E07000002.*2021"):
        pooled.council(B, 2021)


def test_years_without_cases_but_listed_get_rows():
    cases = make_cases([], [], [], years=[2020])
    statistics = stats.compute_statistics(cases, register=tiny_register)
    assert len(statistics.councils) == 4
    assert statistics.national["received_total"].tolist() == [0]
    assert statistics.unassigned.empty


def test_unknown_labels_and_missing_dates_raise_clear_errors():
    bad_category = make_cases([(A, "2019-05-01", "Parking")], [], [])
    with pytest.raises(ValueError, match=r"received table, column category: unknown value\(s\) 'Parking'"):
        stats.compute_statistics(bad_category, register=tiny_register)
    # ...but a caller-supplied category list is honoured.
    custom = stats.compute_statistics(bad_category, register=tiny_register, categories=["Parking"])
    assert custom.council(A, 2020)["received_parking"] == 1
    assert "received_parking" in stats.published_table(custom, 2020).columns
    bad_outcome = make_cases([], [(A, "2019-05-01", "Partly upheld", False)], [])
    with pytest.raises(ValueError, match="decided table, column outcome.*Partly upheld"):
        stats.compute_statistics(bad_outcome, register=tiny_register)
    missing_date = make_cases([(A, None, "Housing")], [], [])
    with pytest.raises(ValueError, match="received table: 1 row.*received_date"):
        stats.compute_statistics(missing_date, register=tiny_register)


def test_duplicate_register_rows_are_rejected():
    def doubled(year: int) -> pd.DataFrame:
        frame = tiny_register(year)
        return pd.concat([frame, frame.iloc[:1]], ignore_index=True)

    with pytest.raises(ValueError, match="E07000001 twice"):
        stats.compute_statistics(make_cases([], [], [], years=[2020]), register=doubled)


def test_real_register_gives_every_council_a_row():
    cases = make_cases([("E07000192", "2019-05-01", "Housing")], [], [])  # Cannock Chase, 2019-20
    statistics = stats.compute_statistics(cases)
    assert len(statistics.councils) == 343  # domain.md: 343 councils for the year ending March 2020
    assert statistics.types["councils"].tolist() == [26, 192, 36, 56, 33]
    assert statistics.council("E07000192", 2020)["received_housing"] == 1


# --------------------------------------------------------------------------- published table


def test_published_table_columns_and_types(pooled):
    table = stats.published_table(pooled, 2020)
    categories = [
        "adult_care_services", "benefits_and_tax", "corporate_and_other_services",
        "education_and_childrens_services", "environment_services", "highways_and_transport",
        "housing", "planning_and_development", "other",
    ]
    assert list(table.columns) == [
        "authority_code", "authority_name", "authority_type", "year", "received_total",
        *[f"received_{c}" for c in categories],
        "decisions_total", "upheld", "not_upheld", "detailed_investigations", "advice_given",
        "closed_after_initial_enquiries", "incomplete_invalid", "referred_back", "upheld_rate",
        "type_avg_upheld_rate", "satisfactory_remedies", "satisfactory_remedy_rate",
        "type_avg_satisfactory_remedy_rate", "compliance_outcomes", "complied", "complied_late",
        "not_complied", "compliance_rate", "type_avg_compliance_rate", "population",
        "upheld_per_100k", "type_avg_upheld_per_100k",
    ]
    assert table["authority_code"].tolist() == [A, B, C, D]
    for column in ["year", "received_total", "upheld", "complied_late", "satisfactory_remedies"]:
        assert table[column].dtype == np.int64, column
    assert set(pooled.councils.columns) - set(table.columns) == {"short_name", "region", "lat", "long"}
    with pytest.raises(ValueError, match="2019.*2020, 2021"):
        stats.published_table(pooled, 2019)


def test_write_published_table_csv(pooled, tmp_path):
    path = stats.write_published_table(pooled, "2019-20", tmp_path / "councils-2020.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["authority_code"] for row in rows] == [A, B, C, D]
    beeton = rows[1]
    assert beeton["satisfactory_remedy_rate"] == ""  # missing rate -> empty cell
    assert beeton["upheld_rate"] == "0.0"
    assert float(rows[0]["upheld_rate"]) == 0.75
    assert rows[3]["population"] == ""
    assert [p.name for p in tmp_path.iterdir()] == ["councils-2020.csv"]  # no temp file left


def test_write_published_table_xlsx(pooled, tmp_path):
    path = stats.write_published_table(pooled, 2021, tmp_path / "councils.XLSX")
    back = pd.read_excel(path, engine="openpyxl")
    assert back["authority_code"].tolist() == [A, C, D, E]
    assert back["upheld"].tolist() == [0, 0, 3, 1]
    assert back["upheld_rate"].isna().tolist() == [True, True, False, False]
    assert list(back.columns) == stats.published_columns()


def test_write_published_table_rejects_other_endings(pooled, tmp_path):
    with pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        stats.write_published_table(pooled, 2020, tmp_path / "councils.json")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- cache


def test_save_and_load_round_trip(pooled, tmp_path):
    path = pooled.save(tmp_path / "stats.pickle")
    loaded = stats.Statistics.load(path)
    pd.testing.assert_frame_equal(loaded.councils, pooled.councils)
    pd.testing.assert_frame_equal(loaded.types, pooled.types)
    pd.testing.assert_frame_equal(loaded.national, pooled.national)
    pd.testing.assert_frame_equal(loaded.unassigned, pooled.unassigned)
    assert loaded.average_method == "pooled"


def test_load_rejects_a_foreign_pickle(tmp_path):
    import pickle

    path = tmp_path / "other.pickle"
    path.write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(ValueError, match="not a statistics cache"):
        stats.Statistics.load(path)


# --------------------------------------------------------------------------- property


_CODES = [A, B, C, D, E, UNKNOWN]
_START = pd.Timestamp("2019-04-01")  # two whole years: 730 days (2020 is a leap year: 731)


def _cases_strategy():
    day = st.integers(min_value=0, max_value=730)
    code = st.sampled_from(_CODES)
    received = st.lists(st.tuples(code, day, st.sampled_from(CATEGORIES)), max_size=30)
    decided = st.lists(st.tuples(code, day, st.sampled_from(DECISION_OUTCOMES), st.booleans()), max_size=30)
    compliance = st.lists(st.tuples(code, day, st.sampled_from(COMPLIANCE_OUTCOMES)), max_size=15)
    return st.tuples(received, decided, compliance)


def _dated(rows):
    return [(row[0], (_START + pd.Timedelta(days=row[1])).strftime("%Y-%m-%d"), *row[2:]) for row in rows]


def _shuffled(cases, rng: np.random.Generator):
    out = SimpleNamespace(**vars(cases))
    for name in ("received", "decided", "compliance"):
        frame = getattr(cases, name)
        out.__dict__[name] = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return out


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_cases_strategy(), st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(stats.AVERAGE_METHODS))
def test_totals_reconcile_and_row_order_does_not_matter(tables, seed, method):
    received, decided, compliance = tables
    cases = make_cases(_dated(received), _dated(decided), _dated(compliance), years=[2020, 2021])
    statistics = stats.compute_statistics(cases, average_method=method, register=tiny_register)
    counts = stats.count_columns()
    councils = statistics.councils

    # Councils add up to the national totals and to the type totals.
    by_year = councils.groupby("year")[counts].sum()
    pd.testing.assert_frame_equal(by_year, statistics.national.set_index("year")[counts], check_names=False)
    by_type = councils.groupby(["year", "authority_type"])[counts].sum()
    pd.testing.assert_frame_equal(
        by_type, statistics.types.set_index(["year", "authority_type"])[counts], check_names=False
    )
    # Types add up to the nation too.
    pd.testing.assert_frame_equal(
        statistics.types.groupby("year")[counts].sum(), statistics.national.set_index("year")[counts], check_names=False
    )
    # No case is lost: council rows + unassigned = every input row.
    for table, total_column in (("received", "received_total"), ("decided", "decisions_total"),
                                ("compliance", "compliance_outcomes")):
        assert councils[total_column].sum() + statistics.unassigned.loc[
            statistics.unassigned["table"] == table, "count"].sum() == len(getattr(cases, table))
    # Internal identities.
    assert (councils["detailed_investigations"] == councils["upheld"] + councils["not_upheld"]).all()
    assert (councils["received_total"] == councils[stats.received_columns()].sum(axis=1)).all()
    assert (councils["satisfactory_remedies"] <= councils["upheld"]).all()
    national = statistics.national
    expected_rate = national["upheld"] / national["detailed_investigations"].where(national["detailed_investigations"] > 0)
    np.testing.assert_allclose(national["upheld_rate"], expected_rate, equal_nan=True)
    # Rates are fractions or missing; missing exactly when the denominator is zero.
    assert councils["upheld_rate"].isna().equals(councils["detailed_investigations"] == 0)
    assert councils[["upheld_rate", "satisfactory_remedy_rate", "compliance_rate"]].stack().dropna().between(0, 1).all()

    # Row order of the input does not change any result.
    again = stats.compute_statistics(_shuffled(cases, np.random.default_rng(seed)), average_method=method,
                                     register=tiny_register)
    pd.testing.assert_frame_equal(again.councils, statistics.councils)
    pd.testing.assert_frame_equal(again.types, statistics.types)
    pd.testing.assert_frame_equal(again.national, statistics.national)
    pd.testing.assert_frame_equal(again.unassigned, statistics.unassigned)


@pytest.mark.slow
def test_cli_writes_the_published_table(tmp_path, sample_dir):
    """`lgsco-report stats` end to end: one row per council of the year, columns in the published order."""
    import subprocess
    import sys

    out = tmp_path / "stats-2020.csv"
    done = subprocess.run(
        [sys.executable, "-m", "lgsco_report", "stats", "--year", "2019-20", "--data", str(sample_dir), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out, dtype={"authority_code": str})
    # The sample has the optional reports and remedies tables: their columns come after the others.
    assert list(table.columns) == [*stats.published_columns(), *stats.REPORT_PUBLISHED_COLUMNS, *stats.REMEDY_PUBLISHED_COLUMNS]
    assert len(table) == 343 and set(table["year"]) == {2020}
    no_investigations = table[table["detailed_investigations"] == 0]
    assert no_investigations["upheld_rate"].isna().all()  # empty cells, not 0
    assert (table["upheld_rate"].dropna().between(0, 1)).all()


def test_rate_basis_gives_the_counts_behind_each_rate(pooled):
    row = {"upheld": 3, "detailed_investigations": 4, "satisfactory_remedies": 1, "complied": 5,
           "complied_late": 2, "compliance_outcomes": 8, "population": 1000.0}
    assert stats.rate_basis(row, "upheld_rate") == (3, 4)
    assert stats.rate_basis(row, "satisfactory_remedy_rate") == (1, 3)
    assert stats.rate_basis(row, "compliance_rate") == (7, 8)  # late compliance counts as compliance
    with pytest.raises(ValueError, match="count-based rate"):
        stats.rate_basis(row, "upheld_per_100k")


# --------------------------------------------------------------------------- national population, categories

K = "E10000099"  # Kayshire County Council (2020 only): covers Aville and Beeton, population 150,000


def register_with_county(year: int) -> pd.DataFrame:
    """The tiny register plus a county council over Aville and Beeton (2020)."""
    frame = tiny_register(year)
    if year == 2020:
        county = {"authority_code": K, "register_code": "KAY", "authority_name": "Kayshire County Council",
                  "short_name": "Kayshire", "authority_type": "County Council", "population": 150_000.0,
                  "region": "Testshire", "lat": 52.0, "long": -1.0}
        frame = pd.concat([frame, pd.DataFrame([county])], ignore_index=True).sort_values("authority_name")
    return frame.reset_index(drop=True)


def test_national_population_counts_county_residents_once():
    cases = _fixture_cases()
    county_decisions = _frame([(K, "2019-06-01", "Upheld", False), (K, "2019-07-01", "Upheld", True)],
                              ["authority_code", "decision_date", "outcome", "remedy_by_authority"], "decision_date")
    county_decisions["category"] = "Adult Care Services"
    cases.decided = pd.concat([cases.decided, county_decisions], ignore_index=True)
    statistics = stats.compute_statistics(cases, register=register_with_county)
    n20 = statistics.national.set_index("year").loc[2020]
    # Aville 100,000 + Beeton 50,000 + Ceeshire 200,000; Kayshire's 150,000 are Aville's and Beeton's residents.
    assert n20["population"] == 350_000.0
    # Upheld: Aville 3 + Ceeshire 1 + Kayshire 2 (Deeford, population unknown, upheld none).
    assert n20["upheld"] == 6
    assert n20["upheld_per_100k"] == pytest.approx(6 / 350_000 * 100_000)
    # Within a type nothing overlaps: the county type keeps its own population and rate.
    county = statistics.type_row("County Council", 2020)
    assert county["population"] == 150_000.0
    assert county["upheld_per_100k"] == pytest.approx(2 / 150_000 * 100_000)
    district = statistics.type_row(DISTRICT, 2020)
    assert district["population"] == 150_000.0


def test_national_population_is_england_once_on_the_real_register(sample_cases):
    from lgsco_report.register import councils_for_year

    statistics = stats.compute_statistics(sample_cases)
    register = councils_for_year(2020)
    single_and_lower_tier = register.loc[register["authority_type"] != "County Council", "population"].sum()
    assert statistics.national.set_index("year").loc[2020, "population"] == single_and_lower_tier
    assert single_and_lower_tier < register["population"].sum()  # the old total counted county residents twice
    assert 50_000_000 < single_and_lower_tier < 60_000_000  # England: about 56 million
    n20 = statistics.national.set_index("year").loc[2020]
    councils = statistics.councils[statistics.councils["year"] == 2020]
    upheld_with_population = councils.loc[councils["population"].notna(), "upheld"].sum()
    assert n20["upheld_per_100k"] == pytest.approx(upheld_with_population / single_and_lower_tier * 100_000)


_DECIDED_CATEGORIES = [
    "Housing", "Housing", "Planning and Development", "Housing", "Housing",  # Aville 2020
    "Benefits and Tax", "Benefits and Tax", "Benefits and Tax",  # Beeton 2020
    "Adult Care Services", "Housing", "Housing",  # Ceeshire 2020
    "Other",  # Deeford 2020 (referred back)
    "Housing", "Housing", "Other", "Other",  # Deeford 2021
    "Environment Services", "Environment Services",  # Eastbridge 2021
    "Housing",  # Beeton 2021: abolished -> outside the register, not counted
]


@pytest.fixture(scope="module")
def by_category() -> stats.Statistics:
    cases = _fixture_cases()
    cases.decided["category"] = _DECIDED_CATEGORIES
    return stats.compute_statistics(cases, register=tiny_register)


def test_category_counts_by_hand(by_category):
    table = by_category.by_category.set_index(["year", "category"])
    # 2020 received in the register: Housing 3 (Aville) + 1 (Ceeshire); Planning 1; Benefits 2; Adult Care 1.
    assert table.loc[(2020, "Housing"), ["received", "decisions", "upheld", "not_upheld", "detailed_investigations"]].tolist() == [4, 6, 2, 1, 3]
    assert table.loc[(2020, "Benefits and Tax"), ["received", "decisions", "upheld", "detailed_investigations"]].tolist() == [2, 3, 0, 2]
    assert table.loc[(2020, "Other"), ["received", "decisions", "detailed_investigations"]].tolist() == [0, 1, 0]
    assert table.loc[(2021, "Housing"), ["received", "decisions", "upheld"]].tolist() == [0, 2, 2]  # Beeton's left out
    # Every column adds up to the national totals.
    sums = by_category.by_category.groupby("year")[["received", "decisions", "upheld", "detailed_investigations"]].sum()
    national = by_category.national.set_index("year")
    assert sums["received"].tolist() == national["received_total"].tolist()
    assert sums["decisions"].tolist() == national["decisions_total"].tolist()
    assert sums["upheld"].tolist() == national["upheld"].tolist()
    assert sums["detailed_investigations"].tolist() == national["detailed_investigations"].tolist()


def test_category_table_shares_rates_and_changes(by_category):
    t21 = stats.category_table(by_category, 2021).set_index("category")
    assert list(t21.index) == list(CATEGORIES)
    housing = t21.loc["Housing"]
    assert (housing["received"], housing["previous_received"], housing["received_change"]) == (0, 4, -4)
    assert housing["upheld_rate"] == 1.0 and housing["previous_upheld_rate"] == pytest.approx(2 / 3)
    assert housing["upheld_rate_change"] == pytest.approx(1 / 3)
    other = t21.loc["Other"]
    assert other["received_share"] == pytest.approx(1 / 6) and other["upheld_rate"] == 0.5
    assert _nan(other["previous_upheld_rate"]) and _nan(other["upheld_rate_change"])  # 2020: no investigation
    t20 = stats.category_table(by_category, 2020).set_index("category")
    assert t20.loc["Benefits and Tax", "upheld_rate"] == 0.0
    assert t20.loc["Adult Care Services", "received_share"] == pytest.approx(1 / 8)
    assert t20["previous_received"].isna().all()  # 2019 is not in the data
    with pytest.raises(ValueError, match="years available"):
        stats.category_table(by_category, 2015)


def test_small_base_rule():
    assert stats.SMALL_BASE == 10
    assert [stats.is_small_base(n) for n in (0, 1, 9, 10, 50)] == [False, True, True, False, False]


# ---------------------------------------------------------------- public reports and remedies (optional tables)

NaT = None


def _reports_remedies_cases():
    """Reports and remedies of the tiny register, worked out by hand below (year end 31 March 2020)."""
    cases = make_cases([], [], [], years=[2020, 2021])
    cases.reports = pd.DataFrame(
        [("R1", A, "2019-07-01", "Public interest report"), ("R2", A, "2020-01-15", "Further report"),
         ("R3", C, "2020-04-05", "Public interest report")],  # 2021
        columns=["case_ref", "authority_code", "report_date", "kind"],
    ).assign(report_date=lambda f: pd.to_datetime(f["report_date"]))
    rows = [
        (A, "Apology", "2019-06-01", "2019-07-01", "2019-06-20"),  # on time
        (A, "Procedure or policy change", "2019-06-01", "2019-09-01", "2019-10-01"),  # late
        (A, "Staff training", "2019-12-01", "2020-03-01", NaT),  # overdue at the year end
        (A, "Staff training", "2020-02-01", "2020-05-01", NaT),  # not yet due: outside the base
        (A, "Other service improvement", "2020-03-01", "2020-03-31", NaT),  # due on the last day: overdue
        (B, "Financial redress", "2019-08-01", "2019-09-01", "2020-06-01"),  # done late, after the year end: late
        (C, "Apology", "2019-10-01", "2019-11-01", "2019-10-15"),  # on time
        (C, "Apology", "2020-05-01", "2020-06-01", NaT),  # 2021
    ]
    frame = pd.DataFrame(rows, columns=["authority_code", "remedy_type", "agreed_date", "due_date", "completed_date"])
    frame.insert(0, "case_ref", [f"M{i}" for i in range(len(frame))])
    for column in ("agreed_date", "due_date", "completed_date"):
        frame[column] = pd.to_datetime(frame[column])
    cases.remedies = frame
    return cases


@pytest.mark.parametrize("method, district_average", [("pooled", 4 / 5), ("mean", (3 / 4 + 1 / 1) / 2)])
def test_reports_and_remedies_counts_by_hand(method: str, district_average: float) -> None:
    result = stats.compute_statistics(_reports_remedies_cases(), average_method=method, register=tiny_register)
    a, b, c = (result.council(code, 2020) for code in (A, B, C))
    assert (a["public_reports"], a["public_interest_reports"], a["further_reports"]) == (2, 1, 1)
    assert c["public_reports"] == 0 and result.council(C, 2021)["public_reports"] == 1
    assert (a["remedies_total"], a["remedies_apology"], a["remedies_staff_training"], a["service_improvements"]) == (5, 1, 2, 4)
    # A: late = #2; overdue = #3 and #5; base = #1, #2 (done) + #3, #5 (overdue) = 4
    assert (a["remedies_completed_late"], a["remedies_overdue"], a["remedies_due_or_done"]) == (1, 2, 4)
    assert a["late_or_overdue_rate"] == pytest.approx(3 / 4)
    assert (b["remedies_completed_late"], b["remedies_overdue"], b["remedies_due_or_done"]) == (1, 0, 1)
    assert a["type_avg_late_or_overdue_rate"] == pytest.approx(district_average)
    assert c["late_or_overdue_rate"] == 0 and result.council(D, 2020)["remedies_due_or_done"] == 0
    assert math.isnan(result.council(D, 2020)["late_or_overdue_rate"])
    national = result.national.set_index("year").loc[2020]
    assert (national["remedies_completed_late"], national["remedies_overdue"], national["remedies_due_or_done"]) == (2, 2, 6)
    assert national["late_or_overdue_rate"] == pytest.approx(4 / 6)
    table = stats.published_table(result, 2020)
    assert list(table.columns) == [*stats.published_columns(), *stats.REPORT_PUBLISHED_COLUMNS, *stats.REMEDY_PUBLISHED_COLUMNS]


def test_reports_and_remedies_for_the_letter() -> None:
    result = stats.compute_statistics(_reports_remedies_cases(), register=tiny_register)
    figures = stats.reports_and_remedies(result, A, 2020)
    assert figures["reports"] == {"total": 2, "public_interest": 1, "further": 1}
    remedies = figures["remedies"]
    assert remedies["service_improvements_by_type"] == [("Procedure or policy change", 1), ("Staff training", 2), ("Other service improvement", 1)]
    assert (remedies["late_or_overdue"], remedies["due_or_done"], remedies["small_base"]) == (3, 4, True)
    # Numbers leave the statistics as numbers; the letter's context words them.
    assert remedies["late_or_overdue_rate"] == pytest.approx(0.75, abs=1e-15)
    assert remedies["type_avg_late_or_overdue_rate"] == pytest.approx(0.8, abs=1e-15)
    assert not any(isinstance(value, str) for value in remedies.values())


def test_without_the_optional_tables_nothing_changes() -> None:
    without = stats.compute_statistics(make_cases([], [], [], years=[2020]), register=tiny_register)
    assert stats.reports_and_remedies(without, A, 2020) is None
    assert list(stats.published_table(without, 2020).columns) == stats.published_columns()
    assert not any(column.startswith(("remedies", "public_reports")) for column in without.councils.columns)
