"""Fixed vocabulary of the domain: categories, outcomes, council types, years.

Every other module takes its labels from here so that a label is spelt one way
in the data, the statistics, the letters and the tests.
"""

from __future__ import annotations

import datetime as _dt
import re

import pandas as pd

#: How a type's average is taken: ``"pooled"`` (sum of numerators / sum of denominators) or ``"mean"``
#: of council rates. A label of the statistics, kept here so the cache codec can check it without stats.
AVERAGE_METHODS: tuple[str, ...] = ("pooled", "mean")

#: Complaint categories used by the Ombudsman (configurable in the data: an
#: unknown category is an error unless the caller passes its own list).
CATEGORIES: tuple[str, ...] = (
    "Adult Care Services",
    "Benefits and Tax",
    "Corporate and Other Services",
    "Education and Children's Services",
    "Environment Services",
    "Highways and Transport",
    "Housing",
    "Planning and Development",
    "Other",
)

UPHELD = "Upheld"
NOT_UPHELD = "Not upheld"
ADVICE_GIVEN = "Advice given"
CLOSED_AFTER_INITIAL_ENQUIRIES = "Closed after initial enquiries"
INCOMPLETE_INVALID = "Incomplete/Invalid"
REFERRED_BACK = "Referred back for local resolution"

#: Decision outcomes in the order letters show them. Upheld + not upheld are
#: the *detailed investigations*.
DECISION_OUTCOMES: tuple[str, ...] = (
    UPHELD,
    NOT_UPHELD,
    ADVICE_GIVEN,
    CLOSED_AFTER_INITIAL_ENQUIRIES,
    INCOMPLETE_INVALID,
    REFERRED_BACK,
)

COMPLIED = "Complied"
COMPLIED_LATE = "Complied late"
NOT_COMPLIED = "Not complied"
#: Compliance outcomes; late compliance counts as compliance in the rate.
COMPLIANCE_OUTCOMES: tuple[str, ...] = (COMPLIED, COMPLIED_LATE, NOT_COMPLIED)

PUBLIC_INTEREST_REPORT = "Public interest report"
FURTHER_REPORT = "Further report"
#: Kinds of public report (``reports`` table): a further report is issued when a council does not comply.
REPORT_KINDS: tuple[str, ...] = (PUBLIC_INTEREST_REPORT, FURTHER_REPORT)

PROCEDURE_OR_POLICY_CHANGE = "Procedure or policy change"
STAFF_TRAINING = "Staff training"
OTHER_SERVICE_IMPROVEMENT = "Other service improvement"
#: Remedy types (``remedies`` table), in the order the statistics show them.
REMEDY_TYPES: tuple[str, ...] = (
    "Apology",
    "Financial redress",
    PROCEDURE_OR_POLICY_CHANGE,
    STAFF_TRAINING,
    OTHER_SERVICE_IMPROVEMENT,
    "Other individual remedy",
)
#: The remedy types that improve a service for everyone, not only the complainant.
SERVICE_IMPROVEMENT_TYPES: tuple[str, ...] = (PROCEDURE_OR_POLICY_CHANGE, STAFF_TRAINING, OTHER_SERVICE_IMPROVEMENT)

#: The five comparison groups ("similar authorities"), in letter order.
AUTHORITY_TYPES: tuple[str, ...] = (
    "County Council",
    "District Council",
    "Metropolitan Borough",
    "Unitary Council",
    "London Borough",
)

#: Register `local-authority-type` code -> comparison group (domain.md).
REGISTER_TYPE_TO_AUTHORITY_TYPE: dict[str, str] = {
    "CTY": "County Council",
    "NMD": "District Council",
    "MD": "Metropolitan Borough",
    "UA": "Unitary Council",
    "LBO": "London Borough",
    "CC": "London Borough",  # City of London Corporation
}

def snake_case(label: str) -> str:
    """``"Education and Children's Services"`` -> ``"education_and_childrens_services"``."""
    text = label.lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def year_end(year: int) -> _dt.date:
    """Last day of the year ending March ``year``: 31 March ``year``."""
    return _dt.date(year, 3, 31)


def year_start(year: int) -> _dt.date:
    """First day of the year ending March ``year``: 1 April ``year - 1``."""
    return _dt.date(year - 1, 4, 1)


def financial_year(dates: pd.Series) -> pd.Series:
    """Year ending 31 March that each date falls in (2019-04-01 .. 2020-03-31 -> 2020).

    Vectorised over a datetime64 Series; missing dates stay missing (Int64).
    """
    dates = pd.to_datetime(dates)
    year = dates.dt.year + (dates.dt.month >= 4).astype("Int64")
    return year.astype("Int64")


_YEAR_RANGE = re.compile(r"^\s*(\d{4})\s*[-/\u2013]\s*(\d{2}|\d{4})\s*$")


def parse_year(value: int | str) -> int:
    """Accept ``2020``, ``"2020"``, ``"2019-20"`` or ``"2019/2020"``; return 2020.

    Raises ValueError with the accepted forms when the value is none of them.
    """
    if isinstance(value, bool):
        raise ValueError(f"year {value!r} is not a year; write e.g. 2020 or '2019-20'")
    if isinstance(value, int):
        year = value
    else:
        text = str(value).strip()
        match = _YEAR_RANGE.match(text)
        if match:
            first = int(match.group(1))
            second_text = match.group(2)
            # Two digits are the following year's last two: "1999-00" is the year ending March 2000.
            expected = first + 1 if len(second_text) == 4 else (first + 1) % 100
            if int(second_text) != expected:
                raise ValueError(
                    f"year {value!r}: the second year must follow the first (e.g. '2019-20' for the year ending March 2020)"
                )
            year = first + 1
        elif re.fullmatch(r"\d{4}", text):
            year = int(text)
        else:
            raise ValueError(
                f"year {value!r} is not understood; write the year ending March, e.g. 2020, or the span '2019-20'"
            )
    if not 1990 <= year <= 2100:
        raise ValueError(f"year {value!r} is out of range (1990-2100)")
    return year


def year_label(year: int) -> str:
    """``2020`` -> ``"2019-20"``."""
    return f"{year - 1}-{year % 100:02d}"
