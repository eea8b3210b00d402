"""The review's table cells: each figure as the text a table prints, beside its unrounded value.

The one place a figure of the review becomes cell text, through ``formatting``
(percent, per 100,000, counts, "no figure"). Rate cells carry the unrounded
value (``repr`` of the float, empty when missing), printed by the table as
``data-value``, so a reader's tools and the tests can check the printed
percentage against the data. A change between two years is taken between the
printed figures, so a row reads consistently (49% to 90% is "+41 points");
the unrounded change stays in the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import markupsafe

from ..formatting import NO_FIGURE, count_text, is_missing, per_100k_text, percent

#: Table classes the report stylesheet styles: a small table is kept on one page;
#: a long one may break between rows and repeats its header row on each page.
KEEP_TOGETHER = "lgsco-keep"
LONG_TABLE = "lgsco-long"
#: Rows above which a table may break across pages.
LONG_TABLE_ROWS = 12


def table_class(rows: list) -> str:
    """``LONG_TABLE`` for a table of more than ``LONG_TABLE_ROWS`` rows, else ``KEEP_TOGETHER``."""
    return LONG_TABLE if len(rows) > LONG_TABLE_ROWS else KEEP_TOGETHER


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown and, for rates, the unrounded value."""

    text: str
    value: str | None = None  # repr of the unrounded float; "" when missing; None for non-rates
    numeric: bool = True


@dataclass(frozen=True)
class Row:
    """One table row: its cells by column key (the template chooses the columns), data attributes, class."""

    cells: dict[str, Cell]
    attributes: tuple[tuple[str, str], ...] = ()
    css_class: str = ""


def rate_cell(rate: object) -> Cell:
    if is_missing(rate):
        return Cell(NO_FIGURE, "")
    return Cell(percent(float(rate)) or NO_FIGURE, repr(float(rate)))


def per_100k_cell(value: object) -> Cell:
    if is_missing(value):
        return Cell(NO_FIGURE, "")
    return Cell(per_100k_text(float(value)) or NO_FIGURE, repr(float(value)))


def count_cell(value: object) -> Cell:
    return Cell(count_text(value) or NO_FIGURE)


def text_cell(value: object) -> Cell:
    # Markup (a phrase from a template's macro) is kept as it is: it is escaped already.
    return Cell(value if isinstance(value, markupsafe.Markup) else str(value), numeric=False)


def value_cell(kind: str, value: object) -> Cell:
    """A cell of a metric's ``kind`` ("rate", "per100k" or "count"; a missing count reads "no figure")."""
    if kind == "rate":
        return rate_cell(value)
    if kind == "per100k":
        return per_100k_cell(value)
    return Cell(NO_FIGURE, "") if is_missing(value) else count_cell(value)


def _printed_number(kind: str, value: object) -> Decimal | None:
    if is_missing(value):
        return None
    text = percent(float(value)) if kind == "rate" else per_100k_text(float(value)) if kind == "per100k" else f"{int(value)}"
    return Decimal(text.rstrip("%")) if text else None


def _points(gap: Decimal) -> str:
    return "point" if abs(gap) == 1 else "points"


def change_cell(kind: str, current: object, previous: object, unit: bool = True) -> Cell:
    """Change from the printed previous figure to the printed current one (so the row reads consistently)."""
    now, before = _printed_number(kind, current), _printed_number(kind, previous)
    if now is None or before is None:
        return Cell(NO_FIGURE, "")
    gap = now - before
    sign = "+" if gap > 0 else "\u2212" if gap < 0 else ""
    if kind == "rate":
        text = f"{sign}{abs(gap)}" + (f" {_points(gap)}" if unit else "")
    elif kind == "count":
        text = f"{sign}{abs(int(gap)):,}"
    else:
        text = f"{sign}{abs(gap)}"
    return Cell(text, repr(float(current) - float(previous)))


def printed_gap(rate: object, average: object) -> Decimal | None:
    """The printed rate minus the printed average, in points (None when either has no figure).

    The review ranks councils on this, the difference its rows print, so a council printed
    "+25 points" is never placed above one printed "+26 points", and equal printed differences tie.
    """
    now, before = _printed_number("rate", rate), _printed_number("rate", average)
    return None if now is None or before is None else now - before


def gap_places(gaps) -> int:
    """Decimal places to print every difference of one table with: the most any of them needs."""
    return max((max(0, -int(gap.normalize().as_tuple().exponent)) for gap in gaps if gap is not None), default=0)


def difference_cell(gap: Decimal, places: int, difference: float) -> Cell:
    """A printed difference in points, signed, with the table's ``places`` ("0 points" when none)."""
    if gap == 0:
        return Cell("0 points", repr(float(difference)))
    digits = f"{abs(gap):.{places}f}"
    sign = "+" if gap > 0 else "\u2212"
    # A no-break space: the number and its unit stay on one line in a narrow column.
    return Cell(f"{sign}{digits}\u00a0{'point' if digits == '1' else 'points'}", repr(float(difference)))
