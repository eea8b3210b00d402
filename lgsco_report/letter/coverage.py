"""Which councils of a batch get a letter from the figures, and what the letters leave out: the batch summary's lines.

A council a figures table has no row for has no figures, so it gets no letter
(never a letter of zeros); a letter made from figures leaves out each section
whose counts the table left blank (``context.sections_left_out``). The batch
says both in its summary, a line per reason with the number of letters, so
whoever runs it knows what the letters do not say without opening them.
Former councils' legacy rows never reach here: the batch takes its councils
from the year's register.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from .. import stats
from ..definitions import year_label
from .context import sections_left_out

#: Councils named in a summary line before "and N more".
NAMED_IN_SUMMARY = 5


def letters_with_figures(selected: pd.DataFrame, statistics: stats.Statistics, year: int) -> tuple[pd.DataFrame, list[str]]:
    """The selected register rows that have figures, and the summary's lines (none for counted cases)."""
    councils = statistics.councils
    if "has_figures" not in councils.columns:
        return selected, []
    rows = councils[councils["year"] == year].set_index("authority_code")["has_figures"]
    given = selected["authority_code"].map(lambda code: bool(rows.get(code, False))).to_numpy(dtype=bool)
    lines = []
    missing = selected.loc[~given, "authority_name"].astype(str).tolist()
    if missing:
        shown = ", ".join(missing[:NAMED_IN_SUMMARY]) + (f" and {len(missing) - NAMED_IN_SUMMARY} more" if len(missing) > NAMED_IN_SUMMARY else "")
        lines.append(f"{len(missing)} council(s) with no figures in {year_label(year)}: no letter ({shown}).")
    reasons: Counter[tuple[str, str]] = Counter()
    for code in selected.loc[given, "authority_code"]:
        reasons.update(sections_left_out(statistics, str(code), year).items())
    for (section, reason), number in sorted(reasons.items()):
        lines.append(f"{number} letter(s) leave out {section.replace('_', ' ')}: {reason}.")
    return selected[given].reset_index(drop=True), lines
