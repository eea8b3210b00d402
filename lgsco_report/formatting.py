"""How a figure reads: percentages, per-100,000 figures, counts, long dates and "no figure".

One place for the presentation rules every document shares (the letters, the
national review, the index page, the statistics pack's number formats):

* a rate is a whole percentage, halves rounded up, and never reads 100% or 0%
  unless it is exactly that (``percent``, ``percent_of``);
* a per-100,000 figure has one decimal place, half up (``per_100k_text``);
* a missing figure (no denominator, unknown population) is ``None`` here and
  reads "no figure" (``NO_FIGURE``) where a table shows it, never 0.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from numbers import Integral, Real

import pandas as pd

__all__ = [
    "NOT_APPLICABLE", "NO_FIGURE", "count_text", "is_missing", "long_date", "long_time", "per_100k_text", "percent", "percent_of",
]

#: What a table or chart shows for a rate that has nothing to base it on.
NO_FIGURE = "no figure"
#: A former council's "average for similar authorities": it belongs to no type any more (the map says the same).
NOT_APPLICABLE = "not applicable"


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pd.NA: a figure the letters describe in words."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _percent_text(exact: Fraction) -> str:
    """``exact`` (a rate, 0-1) as a percentage that never reads 0% or 100% unless it is exactly that.

    Whole percentages, halves rounded up; where that would print 0% or 100%
    for a rate that is not exactly 0 or 1 (0.996 -> "100%"), one more decimal
    place is used, and another, until it no longer does (99.6%, 99.96%).
    """
    hundred = exact * 100
    places = 0
    while True:
        scale = 10 ** places
        rounded = Fraction(math.floor(hundred * scale + Fraction(1, 2)), scale)
        misleading = (rounded == 100 and exact != 1) or (rounded == 0 and exact != 0)
        if not misleading or places >= 12:
            break
        places += 1
    if places == 0:
        return f"{int(rounded)}%"
    return f"{Decimal(rounded.numerator) / Decimal(rounded.denominator):.{places}f}%"


def percent(rate: float | None) -> str | None:
    """A rate (0-1) as a percentage, half rounded up: 0.605 -> ``"61%"``; None if missing.

    Whole percentages, except that a rate is never printed as 100% or 0% unless
    it is exactly that: 0.996 -> ``"99.6%"``, 0.0004 -> ``"0.04%"``.
    The float's shortest decimal form is rounded (``Decimal(repr(x))``), so 0.605
    gives 61% although the binary float is a hair below 0.605. When the counts
    are at hand, ``percent_of(numerator, denominator)`` is exact.
    """
    if is_missing(rate):
        return None
    if not isinstance(rate, Real):
        raise TypeError(f"percent() needs a number, got {rate!r}")
    value = float(rate)
    if not math.isfinite(value):
        raise ValueError(f"percent() needs a finite rate, got {value!r}")
    return _percent_text(Fraction(Decimal(repr(value))))


def percent_of(numerator: int, denominator: int) -> str | None:
    """``numerator / denominator`` as a percentage, exactly, half up (1/8 -> ``"13%"``).

    Never 100% or 0% unless exact (199/200 -> ``"99.5%"``). None when the
    denominator is 0 (no rate to show).
    """
    for name, value in (("numerator", numerator), ("denominator", denominator)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
            raise ValueError(f"percent_of() {name} must be a whole number of cases (0 or more), got {value!r}")
    if denominator == 0:
        return None
    return _percent_text(Fraction(int(numerator), int(denominator)))


def per_100k_text(value: float | None) -> str | None:
    """A per-100,000 figure to one decimal place, half up (1.25 -> ``"1.3"``); None if missing."""
    if is_missing(value):
        return None
    if not isinstance(value, Real):
        raise TypeError(f"per_100k_text() needs a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"per_100k_text() needs a finite value, got {number!r}")
    rounded = Decimal(repr(number)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:f}"


def count_text(value: object) -> str | None:
    """A count with thousands separators (1234 -> ``"1,234"``); None if missing."""
    return None if is_missing(value) else f"{int(value):,}"


def long_date(value: _dt.date) -> str:
    """A date as the documents print it: "1 July 2020" (no leading zero)."""
    return f"{value.day} {value:%B %Y}"


def long_time(value: _dt.datetime) -> str:
    """A time as the documents print it: "22 July 2020, 09:00 UTC" (its own offset when not UTC:
    "09:00 UTC+01:00"; no zone when the time came without one)."""
    offset = value.utcoffset()
    if offset is None:
        zone = ""
    elif not offset:
        zone = " UTC"
    else:
        minutes = int(offset.total_seconds()) // 60
        zone = f" UTC{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{long_date(value)}, {value:%H:%M}{zone}"
