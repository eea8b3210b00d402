"""Tests for lgsco_report.formatting: how rates, per-100,000 figures and missing figures read.

(Moved from tests/test_stats.py with the functions; only the imports changed.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lgsco_report import formatting


@pytest.mark.parametrize(
    "rate, text",
    [(0.605, "61%"), (0.125, "13%"), (0.0, "0%"), (1.0, "100%"), (0.6049, "60%"), (2 / 3, "67%"),
     (np.float64(0.605), "61%"), (0.005, "1%"), (0.004999, "0.5%"),
     # never 100% or 0% unless exact: more decimal places until it is not
     (0.995, "99.5%"), (0.9995, "99.95%"), (0.99949, "99.9%"), (0.0004, "0.04%")],
)
def test_percent_rounds_half_up(rate, text):
    assert formatting.percent(rate) == text


def test_percent_of_missing_values():
    assert formatting.percent(float("nan")) is None
    assert formatting.percent(None) is None
    assert formatting.percent(pd.NA) is None
    with pytest.raises(ValueError):
        formatting.percent(float("inf"))


@pytest.mark.parametrize(
    "num, den, text",
    [(1, 8, "13%"), (121, 200, "61%"), (1, 200, "1%"), (0, 5, "0%"), (5, 5, "100%"), (1, 3, "33%"),
     (2, 3, "67%"), (np.int64(3), np.int64(8), "38%")],
)
def test_percent_of_is_exact(num, den, text):
    assert formatting.percent_of(num, den) == text


@pytest.mark.parametrize("num, den", [(n, d) for d in (1, 2, 3, 7, 199, 200, 1001, 20000) for n in range(0, d + 1, max(1, d // 97))])
def test_percent_of_reads_100_or_0_only_when_exact(num, den):
    text = formatting.percent_of(num, den)
    assert (text == "100%") == (num == den)
    assert (text == "0%") == (num == 0)
    assert formatting.percent(num / den) == text


def test_percent_of_zero_denominator_and_bad_input():
    assert formatting.percent_of(0, 0) is None
    with pytest.raises(ValueError, match="whole number"):
        formatting.percent_of(0.5, 2)
    with pytest.raises(ValueError, match="whole number"):
        formatting.percent_of(-1, 2)


@pytest.mark.parametrize("value, text", [(1.25, "1.3"), (0.35714285714285715, "0.4"), (3.0, "3.0"), (0.05, "0.1"),
                                          (0.04999, "0.0"), (12.35, "12.4")])
def test_per_100k_text(value, text):
    assert formatting.per_100k_text(value) == text


def test_per_100k_text_missing():
    assert formatting.per_100k_text(float("nan")) is None


def test_is_missing():
    assert all(formatting.is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, np.float64("nan")))
    assert not any(formatting.is_missing(v) for v in (0, 0.0, "", "text"))


def test_long_time_is_the_long_date_and_the_time_with_its_zone():
    import datetime as dt

    from lgsco_report.formatting import long_time

    assert long_time(dt.datetime(2020, 7, 22, 9, 0, tzinfo=dt.timezone.utc)) == "22 July 2020, 09:00 UTC"
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert long_time(dt.datetime(2020, 7, 29, 9, 5, tzinfo=plus_one)) == "29 July 2020, 09:05 UTC+01:00"
    assert long_time(dt.datetime(2020, 7, 1, 18, 30)) == "1 July 2020, 18:30"  # no zone given, none printed
