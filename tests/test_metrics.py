"""The metrics registry: checks of the registry itself, and a statistic added with one entry.

The second half is the "adding a statistic" path of docs/adding-a-statistic.md:
a fixture extends ``metrics.METRICS`` with ONE entry (a late compliance rate,
built from counts that exist) and nothing else; the tests follow it into the
published table, the statistics pack (title, definition, number format), the
index page, the national review's tables and charts, and the letter's
key-rates chart and context.
"""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lgsco_report import index_page, letter, metrics, national, statistics_pack, stats
from lgsco_report.definitions import AUTHORITY_TYPES, CATEGORIES
from lgsco_report.formatting import percent, percent_of
from lgsco_report.year_folder.manifest import Manifest

YEAR = 2020


# --------------------------------------------------------------------------- the registry itself


def test_every_published_column_has_exactly_one_entry():
    published = [*stats.published_columns(), *stats.REPORT_PUBLISHED_COLUMNS, *stats.REMEDY_PUBLISHED_COLUMNS]
    columns = [m.column for m in metrics.all_metrics()]
    assert len(columns) == len(set(columns)), [c for c in columns if columns.count(c) > 1]
    for column in published:
        found = metrics.find(column)
        assert found is not None and found.column == column, column
        # a type average is its rate's, never a second entry
        assert column.startswith("type_avg_") != (column in columns), column


def test_the_registry_gives_the_published_order_and_the_optional_tables_columns():
    assert stats.published_columns()[:4] == ["authority_code", "authority_name", "authority_type", "year"]
    assert metrics.published_columns(requires="reports") == list(stats.REPORT_PUBLISHED_COLUMNS)
    assert metrics.published_columns(requires="remedies") == list(stats.REMEDY_PUBLISHED_COLUMNS)
    for metric in metrics.rates():  # each rate is followed by its type average
        columns = stats.published_columns()
        assert columns[columns.index(metric.column) + 1] == metric.average_column


def test_counted_labels_agree_with_the_counting():
    assert metrics.label_columns("decided") == stats.DECISION_COLUMNS
    assert metrics.label_columns("compliance") == stats.COMPLIANCE_COLUMNS
    assert [metrics.find(c).label for c in stats.received_columns()] == list(CATEGORIES)
    assert [label for label, _ in letter.DECISION_ROWS] == list(stats.DECISION_COLUMNS)


def test_displays_and_views_are_known():
    columns = {m.column for m in metrics.all_metrics()}
    for metric in metrics.all_metrics():
        assert metric.display in metrics.DISPLAYS, metric.column
        assert metric.where in metrics.WHERE, metric.column
        for shown in metric.shown:
            assert shown.view in metrics.VIEWS, (metric.column, shown.view)
            assert shown.before is None or shown.before in columns, (metric.column, shown.before)
    for metric in metrics.all_metrics():
        if metric.display != "label":
            assert metrics.display_text(metric.display if metric.display != "change" else "percent", 0) is not None


def test_each_rate_is_made_of_count_columns():
    counts = set(stats.count_columns()) | {m.column for m in metrics.all_metrics() if m.display == "count"}
    for metric in metrics.all_metrics():
        if not metric.is_rate:
            assert not metric.denominator and metric.scale == 1, metric.column
            continue
        assert metric.display in ("percent", "per_100k"), metric.column
        assert set(metric.numerator) <= counts, metric.column
        assert set(metric.denominator) <= counts | {"population"}, metric.column


def test_every_rate_in_the_tables_is_its_declared_numerator_over_denominator(sample_cases):
    """Including late_or_overdue_rate, which the remedies counting computes itself: the entry must describe it."""
    table = stats.published_table(stats.compute_statistics(sample_cases), YEAR)
    for metric in metrics.all_metrics():
        if metric.is_rate and metric.column in table:
            numerator = metrics.add_parts(table, metric.numerator).to_numpy(float)
            denominator = metrics.add_parts(table, metric.denominator).to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                expected = np.where(denominator > 0, numerator / denominator * metric.scale, np.nan)
            np.testing.assert_allclose(table[metric.column].to_numpy(float), expected, rtol=1e-12, err_msg=metric.column)


def test_key_rates_say_what_every_view_needs():
    for metric in metrics.key_rates():
        assert metric.display == "percent" and metric.letter_key and metric.basis and metric.basis_title
        assert len(metric.denominator) == 1  # the national review ranks councils on it
        assert metric.column in stats._count_based_rates()
    assert [m.column for m, _ in metrics.view("key_rates_chart")] == [
        "upheld_rate", "compliance_rate", "satisfactory_remedy_rate"]


def test_views_keep_todays_order():
    assert stats.count_columns()[-6:] == [
        "detailed_investigations", "satisfactory_remedies", "compliance_outcomes", "complied", "complied_late",
        "not_complied"]
    assert [m.column for m, _ in metrics.view("national_totals")][2:4] == ["detailed_investigations", "upheld"]


# --------------------------------------------------------------------------- adding a statistic: one entry

LATE_COMPLIANCE = metrics.Metric(
    "late_compliance_rate", "Late compliance rate", "Complied late / compliance outcomes.", "percent",
    numerator=("complied_late",), denominator=("compliance_outcomes",), key_rate=True,
    letter_key="late_compliance_pct", basis=("complied_late", "compliance_outcomes"), basis_title="Compliance outcomes",
    shown=(metrics.Shown("index", "Late compliance"),),
)


@pytest.fixture
def late_compliance(monkeypatch):
    """The registry with one entry more, and nothing else changed."""
    monkeypatch.setattr(metrics, "METRICS", (*metrics.METRICS, LATE_COMPLIANCE))


@pytest.fixture
def extended(late_compliance, sample_cases):
    return stats.compute_statistics(sample_cases)


def _by_hand(frame: pd.DataFrame) -> np.ndarray:
    """complied_late / compliance_outcomes, NaN without an outcome: worked out here, not by stats."""
    late, outcomes = frame["complied_late"].to_numpy(float), frame["compliance_outcomes"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(outcomes > 0, late / outcomes, np.nan)


def test_added_rate_is_in_the_published_table_with_its_type_average(extended):
    table = stats.published_table(extended, YEAR)
    columns = stats.published_columns()
    assert columns[-2:] == ["late_compliance_rate", "type_avg_late_compliance_rate"]
    assert list(table.columns[: len(columns)]) == columns
    np.testing.assert_array_equal(table["late_compliance_rate"].to_numpy(), _by_hand(table))
    for authority_type in AUTHORITY_TYPES:  # pooled: all the type's late compliance over all its outcomes
        of_type = table[table["authority_type"] == authority_type]
        pooled = of_type["complied_late"].sum() / of_type["compliance_outcomes"].sum()
        assert of_type["type_avg_late_compliance_rate"].iloc[0] == pytest.approx(pooled, rel=1e-12)
    england = extended.national.set_index("year").loc[YEAR]
    assert england["late_compliance_rate"] == pytest.approx(table["complied_late"].sum() / table["compliance_outcomes"].sum())


def test_added_rate_with_mean_averages(late_compliance, sample_cases):
    statistics = stats.compute_statistics(sample_cases, average_method="mean")
    table = stats.published_table(statistics, YEAR)
    of_type = table[table["authority_type"] == AUTHORITY_TYPES[0]]
    assert of_type["type_avg_late_compliance_rate"].iloc[0] == pytest.approx(np.nanmean(_by_hand(of_type)))


def test_added_rate_is_in_the_statistics_pack_with_title_definition_and_format(extended, tmp_path):
    path = statistics_pack.write_workbook(extended, YEAR, tmp_path / "statistics.xlsx")
    sheet = openpyxl.load_workbook(path)["Councils"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Late compliance rate") + 1
    assert header[column] == "Late compliance rate, similar councils"
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if cell.value is not None:
            assert cell.number_format == statistics_pack.rate_format(cell.value)  # "0%", or "0.0%" near 0 and 1
            assert "%" in cell.number_format
    about = dict(statistics_pack.about_lines(extended, YEAR))
    assert about["Late compliance rate"] == "Complied late / compliance outcomes. [late_compliance_rate]"
    assert "[type_avg_late_compliance_rate]" in about["Late compliance rate, similar councils"]


def test_added_key_rate_is_a_column_of_the_index_page(extended, tmp_path):
    councils = extended.councils[extended.councils["year"] == YEAR]
    rows = index_page.index_rows(councils, Manifest(year=YEAR), tmp_path, YEAR)
    labels = [figure["label"] for figure in rows[0]["figures"]]
    assert labels == ["Upheld", "Compliance", "Satisfactory remedy", "Upheld per 100k", "Late compliance"]
    by_code = councils.set_index("authority_code")
    for row in rows:
        value = by_code.loc[row["code"], "late_compliance_rate"]
        assert row["figures"][-1]["text"] == (percent(value) or "n/a")
    page = index_page.render_index(YEAR, councils, Manifest(year=YEAR), tmp_path)
    assert ">Late compliance<" in page


def test_added_key_rate_is_in_the_national_tables_and_charts(extended):
    england = extended.national.set_index("year").loc[YEAR]
    printed = percent(england["late_compliance_rate"])
    assert f'data-column="late_compliance_rate" data-value="{float(england["late_compliance_rate"])!r}"' in \
        national.national_totals_html(extended, YEAR)
    assert 'data-measure="late_compliance_rate"' in national.summary_html(extended, YEAR)
    assert printed in national.summary_html(extended, YEAR)
    types = national.type_averages_html(extended, YEAR)
    for _, row in national.type_averages(extended, YEAR).iterrows():
        value = float(row["type_avg_late_compliance_rate"])
        assert f'data-column="type_avg_late_compliance_rate" data-value="{value!r}" class="lgsco-number">{percent(value)}<' in types
    assert [key.column for key in national.key_rates()][-1] == "late_compliance_rate"
    assert len(national.distribution_charts(extended, YEAR)) == 4
    assert "Late compliance rate: largest differences above similar councils" in national.outliers_html(extended, YEAR)


def test_added_key_rate_is_in_the_letter_context_and_key_rates_chart(extended, tmp_path):
    councils = extended.councils[(extended.councils["year"] == YEAR) & (extended.councils["compliance_outcomes"] > 0)]
    code = councils.iloc[0]["authority_code"]
    made = letter.prepare_letter(code, YEAR, stats_file=extended.save(tmp_path / "statistics.json"),
                                 generated_at="2020-07-01T09:00:00+00:00")
    figures = extended.council(code, YEAR)
    late, outcomes = int(figures["complied_late"]), int(figures["compliance_outcomes"])
    assert made.context["late_compliance_pct"] == percent_of(late, outcomes)
    assert made.context["type_avg_late_compliance_pct"] == percent(figures["type_avg_late_compliance_rate"])
    assert all("late_compliance_pct" in row for row in made.context["type_averages"])
    alt, _ = made.chart_texts()[0]
    assert f"late compliance rate {percent_of(late, outcomes)}" in alt
    # The letter's wording is the template's: until a sentence names it, the letter text does not print it ...
    assert re.search(r"late compliance", str(made.section("key_statistics")), re.I) is None
    # ... and the sentence of docs/adding-a-statistic.md is all it takes.
    text = made.template.environment.from_string(SENTENCE).render(made.context)
    average = percent(figures["type_avg_late_compliance_rate"]) or "no figure"
    assert text == f"In {percent_of(late, outcomes)} of them the council complied late (similar authorities: {average})."


#: The template sentence of docs/adding-a-statistic.md.
SENTENCE = (
    '{% if late_compliance_pct %}In {{ late_compliance_pct }} of them the council complied late '
    '(similar authorities: {{ type_avg_late_compliance_pct or "no figure" }}).{% endif %}'
)
