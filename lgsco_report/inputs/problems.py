"""What is wrong in the input, said so that a case officer can act on it.

A :class:`Problem` names a file, a spreadsheet row, a column and what to do;
:class:`CaseDataError` carries every problem of a load at once. Values quoted in
messages go through ``shown`` / ``clean_text`` (cut to ``QUOTE_LIMIT``
characters, control characters escaped), so no cell can break a terminal, a
log or a page that shows the message. The helpers at the bottom keep a column
with the same mistake in a million rows to a thousand listed problems.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd


#: A data value quoted in a message is cut to this many characters.
QUOTE_LIMIT = 80
#: At most this many distinct unknown values get close-match suggestions (difflib is slow on many values).
MAX_SUGGESTED = 20
SUGGEST_MAX_LENGTH = 200
#: Characters escaped when a value is quoted: C0/C1 controls, zero-width and bidirectional marks, BOM.
_UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_MAX_MESSAGE = 1000
#: Most problems of one kind listed one by one in one column of one file (the rest are counted).
MAX_PROBLEMS_PER_CHECK = 1_000


def _escape(text: str) -> str:
    return _UNSAFE_CHARACTERS.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def _cut(value: object, limit: int) -> tuple[str, int | None]:
    """(escaped text of at most ``limit`` characters, original length if it was cut else None)."""
    text = str(value)
    escaped = _escape(text[:limit])
    if len(text) <= limit and len(escaped) <= limit:
        return escaped, None
    return escaped[:limit], len(text)


def non_ascii_note(text: object) -> str:
    """``'; it contains U+0435 CYRILLIC SMALL LETTER IE, ...'`` naming the first character that is not plain ASCII, or ''.

    A full-width digit or a Cyrillic letter looks like its ASCII twin on screen,
    so a message quoting the value alone would leave the reader puzzled.
    """
    found = first_non_ascii(text)
    if found is None:
        return ""
    return f"; it contains {found}, which is not a plain ASCII character (it may look like one): retype the value with ASCII letters and digits"


def first_non_ascii(text: object) -> str | None:
    """``U+FF12 FULLWIDTH DIGIT TWO`` for the first non-ASCII character (spaces and curly quotes aside), or None."""
    for character in str(text):
        if ord(character) > 127 and not character.isspace() and character not in "\u2018\u2019":
            return f"U+{ord(character):04X} {unicodedata.name(character, 'a character without a name')}"
    return None


def clean_text(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value made safe to print: control characters escaped (like ``repr``) and cut to ``limit`` characters.

    Cell values reach terminals, logs and HTML error pages through messages; a NUL
    byte, an ANSI escape or a 100,000-character cell must not be able to break them.
    """
    text, length = _cut(value, limit)
    return text if length is None else f"{text}... ({length:,} characters)"


def shown(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``clean_text`` in single quotes, the way messages quote a data value."""
    text, length = _cut(value, limit)
    return f"'{text}'" if length is None else f"'{text}...' ({length:,} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the input; ``row`` is the spreadsheet row number (header = row 1 after any ``#`` lines)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [clean_text(self.file, 200)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {shown(self.column)}")
        return f"{', '.join(where)}: {clean_text(self.message, _MAX_MESSAGE)}"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0))


def row_problems(label: str, rows: np.ndarray, column: str, messages: pd.Series | str) -> list[Problem]:
    """One problem per row, up to ``MAX_PROBLEMS_PER_CHECK``; then one more saying how many rows are left.

    A tiny file of millions of one-character rows would otherwise make millions
    of problems (gigabytes, minutes) that nobody reads one by one.
    """
    kept = rows[:MAX_PROBLEMS_PER_CHECK]
    if isinstance(messages, str):
        found = [Problem(label, int(row), column, messages) for row in kept]
    else:
        found = [Problem(label, int(row), column, str(message)) for row, message in zip(kept, messages)]
    if len(rows) > MAX_PROBLEMS_PER_CHECK:
        found.append(more_rows(label, rows, column))
    return found


def more_rows(label: str, rows: np.ndarray | list[int], column: str | None) -> Problem:
    left = len(rows) - MAX_PROBLEMS_PER_CHECK
    return Problem(
        label, int(rows[MAX_PROBLEMS_PER_CHECK]), column,
        f"this row and {left - 1:,} more below have the same kind of problem as the {MAX_PROBLEMS_PER_CHECK:,} listed "
        "above them (over the limit of problems listed one by one); fix the column as a whole",
    )


def per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a string transform to each distinct value once (tables repeat few labels many times)."""
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    result = transform(pd.Series(distinct, dtype=object))
    return pd.Series(np.asarray(result)[codes], index=values.index)
