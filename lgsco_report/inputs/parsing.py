"""Cell text to values: dates, labels and yes/no, each refused with a reason rather than guessed.

Dates are ``yyyy-mm-dd`` or ``dd/mm/yyyy``. A slash date is always day first
(``01/02/2020`` is 1 February); one that only works month first (``03/25/2020``)
is refused with its ISO spelling, and then every date in that column that reads
either way is refused too, since it is probably month first. Dates before
2000-01-01 or after the day of loading are typing errors. Label case and
spacing do not matter. Values must be plain ASCII where it matters: a
full-width or Arabic-Indic digit or a look-alike letter is refused with the
character named.
"""

from __future__ import annotations

import datetime as _dt
import difflib

import numpy as np
import pandas as pd

from .problems import (
    MAX_SUGGESTED,
    SUGGEST_MAX_LENGTH,
    Problem,
    first_non_ascii,
    non_ascii_note,
    per_distinct,
    row_problems,
    shown,
)


_TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
_FALSE_WORDS = frozenset({"no", "false", "0", "n"})
#: Case dates before this day are typing errors (the Ombudsman's case data starts later).
EARLIEST_DATE = _dt.date(2000, 1, 1)
#: Years outside this range are not even parsed (keeps pandas inside its datetime64 range).
_PARSE_YEARS = (1900, 2200)
_ISO = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
_UK = r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"


def label_key(text: object) -> str:
    """Case-, space- and apostrophe-insensitive key for matching a label."""
    return " ".join(str(text).replace("\u2019", "'").replace("\u2018", "'").split()).casefold()


def normalise_label(values: pd.Series) -> pd.Series:
    return pd.Series([label_key(v) for v in values], index=values.index, dtype=object)


def match_labels(
    values: pd.Series, allowed: tuple[str, ...], label: str, rows: np.ndarray, column: str, what: str
) -> tuple[pd.Series, list[Problem]]:
    """Map free-text labels to canonical ones; unknown or empty ones are problems naming the allowed labels."""
    canonical = {label_key(a): a for a in allowed}
    keys = per_distinct(values, normalise_label)
    matched = keys.map(canonical)
    problems: list[Problem] = []
    empty = keys.eq("").to_numpy()
    if empty.any():
        problems += row_problems(label, rows[empty], column, f"the {what} is empty; use one of: {', '.join(allowed)}")
    unknown = (matched.isna() & ~keys.eq("")).to_numpy()
    if unknown.any():
        allowed_text = ", ".join(allowed)
        messages = {}
        for number, value in enumerate(pd.unique(values[unknown])):
            text = str(value).strip()
            close = (
                difflib.get_close_matches(text, list(allowed), n=1, cutoff=0.6)
                if number < MAX_SUGGESTED and len(text) <= SUGGEST_MAX_LENGTH else []
            )
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            messages[value] = f"unknown {what} {shown(text)}{hint}; allowed: {allowed_text}{non_ascii_note(text[:SUGGEST_MAX_LENGTH])}"
        problems += row_problems(label, rows[unknown], column, values[unknown].map(messages))
    return matched, problems


# ASCII digits only: ``\d`` would also match full-width and Arabic-Indic digits, which pandas cannot convert.


def parse_dates(
    values: pd.Series, earliest: _dt.date | None = None, latest: _dt.date | None = None
) -> tuple[pd.Series, pd.Series]:
    """Parse ISO ``yyyy-mm-dd`` and UK ``dd/mm/yyyy`` dates, vectorised.

    Returns (dates as datetime64[ns], problem message or NaN per value). Anything
    else is refused with a reason rather than guessed: ``01-02-2020`` could be
    either order and ``1/2/20`` has a two-digit year. A slash date is always
    day first (``01/02/2020`` is 1 February 2020); one that only makes sense
    month first (``03/25/2020``) is refused with the ISO spelling to use.
    Dates before ``earliest`` (default 1 January 2000) or after ``latest``
    (default today, the day the data is loaded) are typing errors.
    """
    earliest = EARLIEST_DATE if earliest is None else earliest
    latest = _dt.date.today() if latest is None else latest
    text = values.astype(str).str.strip()
    uk = text.str.extract(_UK)
    year, parts, dates = _calendar_dates(text, uk)
    pattern_ok = year.notna()
    messages = pd.Series(np.nan, index=values.index, dtype=object)
    quoted = text.map(shown)
    _explain_unreadable(messages, text, quoted, pattern_ok)
    impossible = pattern_ok & parts["year"].notna() & dates.isna()  # the pattern fits, the calendar does not
    messages[impossible] = "date " + quoted[impossible] + f" is not a real calendar date; {_DATE_ADVICE}"
    us_order = impossible & uk[0].notna() & _month_first_is_valid(uk)
    if us_order.any():
        iso_text = uk[2] + "-" + uk[0].str.zfill(2) + "-" + uk[1].str.zfill(2)
        messages[us_order] = (
            "date " + quoted[us_order] + " is in month/day/year (US) order; dates with slashes are read day first "
            "(dd/mm/yyyy), so write it as the ISO date " + iso_text[us_order] + " (yyyy-mm-dd)"
        )
    early_limit, late_limit = pd.Timestamp(earliest), pd.Timestamp(latest)
    too_early = pattern_ok & ((parts["year"].isna() & (pd.to_numeric(year, errors="coerce") < _PARSE_YEARS[0])) | (dates < early_limit))
    too_late = pattern_ok & ((parts["year"].isna() & (pd.to_numeric(year, errors="coerce") > _PARSE_YEARS[1])) | (dates > late_limit))
    messages[too_early] = (
        "date " + quoted[too_early] + f" is before {earliest:%Y-%m-%d}, earlier than any case in this data; check for a typing error"
    )
    messages[too_late] = (
        "date " + quoted[too_late] + f" is in the future (after {latest:%Y-%m-%d}, the day the data was loaded); "
        "check for a typing error"
    )
    dates[too_early | too_late] = pd.NaT
    return dates, messages


_DATE_ADVICE = "write dates as yyyy-mm-dd (e.g. 2020-03-31) or dd/mm/yyyy (e.g. 31/03/2020)"


def _calendar_dates(text: pd.Series, uk: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """(year text where a pattern fits, year/month/day numbers (NaN outside ``_PARSE_YEARS``), dates (NaT if impossible))."""
    iso = text.str.extract(_ISO)
    year = iso[0].fillna(uk[2])
    month = iso[1].fillna(uk[1])
    day = iso[2].fillna(uk[0])
    parts = pd.DataFrame(
        {
            "year": pd.to_numeric(year, errors="coerce"),
            "month": pd.to_numeric(month, errors="coerce"),
            "day": pd.to_numeric(day, errors="coerce"),
        }
    )
    parseable = parts["year"].between(*_PARSE_YEARS)
    parts.loc[~parseable, :] = np.nan
    dates = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
    return year, parts, dates


def _explain_unreadable(messages: pd.Series, text: pd.Series, quoted: pd.Series, pattern_ok: pd.Series) -> None:
    """Fill ``messages`` for the values no date pattern fits: empty, two-digit year, dashed, Excel serial, non-ASCII."""
    empty = text.eq("")
    messages[empty] = f"the date is empty; {_DATE_ADVICE}"
    two_digit = text.str.match(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2}$")
    dashed = text.str.match(r"^[0-9]{1,2}[.\-][0-9]{1,2}[.\-][0-9]{4}$")
    excel_serial = text.str.match(r"^[0-9]{5}(?:\.[0-9]+)?$")
    non_ascii = text.str.contains(r"[^\x00-\x7f]", regex=True)
    bad = ~empty & ~pattern_ok
    messages[bad] = "date " + quoted[bad] + f" is not understood; {_DATE_ADVICE}"
    messages[bad & two_digit] = "date " + quoted[bad & two_digit] + f" has a two-digit year, which is ambiguous; {_DATE_ADVICE}"
    messages[bad & dashed] = (
        "date " + quoted[bad & dashed] + f" is ambiguous (day-month or month-day order); {_DATE_ADVICE}"
    )
    messages[bad & excel_serial] = (
        "date " + quoted[bad & excel_serial] + " looks like an Excel serial number; format the column as a date in Excel, or "
        + _DATE_ADVICE
    )
    if (bad & non_ascii).any():
        found = text[bad & non_ascii].str.slice(0, SUGGEST_MAX_LENGTH).map(first_non_ascii)
        messages[bad & non_ascii] = (
            "date " + quoted[bad & non_ascii] + " is not written in plain ASCII characters (it contains " + found
            + "); retype it as yyyy-mm-dd (e.g. 2020-03-31) with ASCII digits and hyphens"
        )


def _month_first_is_valid(uk: pd.DataFrame) -> pd.Series:
    """Whether each dd/mm/yyyy match would be a real date read month first."""
    swapped = pd.DataFrame(
        {
            "year": pd.to_numeric(uk[2], errors="coerce"),
            "month": pd.to_numeric(uk[0], errors="coerce"),
            "day": pd.to_numeric(uk[1], errors="coerce"),
        }
    )
    swapped.loc[~swapped["year"].between(*_PARSE_YEARS), :] = np.nan
    return pd.to_datetime(swapped, errors="coerce").notna()


def _either_order(text: pd.Series) -> pd.Series:
    """Slash dates that are real dates read either way round (``01/02/2020``; not ``05/05/2020``)."""
    uk = text.str.strip().str.extract(_UK)
    day = pd.to_numeric(uk[0], errors="coerce")
    month = pd.to_numeric(uk[1], errors="coerce")
    return (day <= 12) & (month <= 12) & (day != month)


def month_first_column(
    texts: pd.Series, messages: pd.Series, label: str, rows: np.ndarray, column: str
) -> list[Problem]:
    """When a column holds month-first (US) dates, its dates that read either way are suspect too.

    ``03/25/2020`` is refused on its own row; ``01/02/2020`` in the same column
    would silently become 1 February. One extra problem names the first such row
    and how many there are, so the whole column gets converted.
    """
    has_message = messages.notna().to_numpy()
    if not has_message.any():
        return []
    us_rows = np.zeros(len(messages), dtype=bool)
    us_rows[has_message] = messages[has_message].str.contains("(US) order", regex=False).to_numpy()
    if not us_rows.any():
        return []
    either = per_distinct(texts, _either_order).fillna(False).astype(bool).to_numpy() & messages.isna().to_numpy()
    if not either.any():
        return []
    first = int(np.flatnonzero(either)[0])
    count = int(either.sum())
    return [
        Problem(
            label, int(rows[first]), column,
            f"date {shown(texts.iloc[first].strip())} would be read day first, but this column also has month-first (US) "
            f"dates (row {int(rows[np.flatnonzero(us_rows)[0]])}), so it is probably month first too; "
            f"{count} date(s) in the column can be read either way: rewrite the whole column as yyyy-mm-dd",
        )
    ]


def parse_date_column(
    texts: pd.Series, label: str, rows: np.ndarray, column: str, may_be_empty: bool = False
) -> tuple[pd.Series, list[Problem]]:
    """A column of dates (each distinct text parsed once), with a problem for each row that is not a usable date.

    ``completed_date`` may be empty (not yet done); the due date may lie in the
    future, so every other date is limited to the day of loading.
    """
    codes, distinct = pd.factorize(texts.to_numpy(dtype=object))
    latest = _dt.date(_PARSE_YEARS[1], 12, 31) if column == "due_date" else None
    distinct_dates, distinct_messages = parse_dates(pd.Series(distinct, dtype=object), latest=latest)
    dates = pd.Series(distinct_dates.to_numpy()[codes], dtype="datetime64[ns]")
    messages = pd.Series(distinct_messages.to_numpy(dtype=object)[codes], dtype=object)
    if may_be_empty:
        messages[texts.str.strip().eq("").to_numpy()] = np.nan
    bad = messages.notna().to_numpy()
    problems = row_problems(label, rows[bad], column, messages[bad])
    problems += month_first_column(texts, messages, label, rows, column)
    return dates, problems


def yes_no_column(texts: pd.Series, label: str, rows: np.ndarray, column: str) -> tuple[pd.Series, np.ndarray, list[Problem]]:
    """(bool per row, which rows are empty, a problem per value that is neither yes nor no); empty reads as no."""
    words = per_distinct(texts, normalise_label)
    values = pd.Series(False, index=words.index)
    values[words.isin(_TRUE_WORDS)] = True
    known = words.isin(_TRUE_WORDS | _FALSE_WORDS) | words.eq("")
    unknown = (~known).to_numpy()
    problems = row_problems(
        label, rows[unknown], column,
        f"{column} " + texts[unknown].str.strip().map(shown) + " is not understood; write yes or no"
        + texts[unknown].str.slice(0, SUGGEST_MAX_LENGTH).map(non_ascii_note),
    )
    return values.astype(bool), words.eq("").to_numpy(), problems
