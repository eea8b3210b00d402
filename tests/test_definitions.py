"""Year helpers and labels."""

import pandas as pd
import pytest

from lgsco_report.definitions import financial_year, parse_year, snake_case, year_label


@pytest.mark.parametrize("value", [2020, "2020", "2019-20", "2019/20", "2019-2020", " 2019 - 20 "])
def test_parse_year_forms(value):
    assert parse_year(value) == 2020


@pytest.mark.parametrize("value", ["2019-21", "twenty", "", True, 1850])
def test_parse_year_rejects(value):
    with pytest.raises(ValueError):
        parse_year(value)


def test_financial_year_boundaries():
    dates = pd.Series(pd.to_datetime(["2019-03-31", "2019-04-01", "2020-03-31", "2020-04-01", None]))
    years = financial_year(dates)
    assert years.iloc[:4].tolist() == [2019, 2020, 2020, 2021]
    assert pd.isna(years.iloc[4])


def test_labels():
    assert year_label(2020) == "2019-20"
    assert snake_case("Education and Children's Services") == "education_and_childrens_services"
    assert snake_case("Incomplete/Invalid") == "incomplete_invalid"


@pytest.mark.parametrize("value, year", [("1999-00", 2000), ("1999/00", 2000), ("1999-2000", 2000), ("2099-00", 2100)])
def test_parse_year_across_a_century(value, year):
    assert parse_year(value) == year


@pytest.mark.parametrize("value", ["2000-00", "1999-01", "1998-00", "2099-01"])
def test_parse_year_refuses_a_span_that_is_not_one_year(value):
    with pytest.raises(ValueError, match="must follow"):
        parse_year(value)


def test_every_year_label_parses_back():
    for year in range(1990, 2101):
        assert parse_year(year_label(year)) == year, year_label(year)
