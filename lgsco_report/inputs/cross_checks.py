"""Checks across the case tables: a later stage cannot come before an earlier one.

A decision dated before its complaint was received, or a compliance outcome
before its decision (same ``case_ref``), is refused naming both files and rows.
Each row of the optional ``reports`` and ``remedies`` tables must refer to a
decided case of the same council: a report is dated on or after the decision, a
remedy agreed after it, due and completed on or after the day it was agreed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .. import definitions
from .problems import MAX_PROBLEMS_PER_CHECK, Problem, more_rows, row_problems, shown
from .schema import DATE_COLUMN


#: (earlier table, later table, rule): a case's date in the later table cannot come before its date in the earlier one.
_DATE_ORDER: tuple[tuple[str, str, str], ...] = (
    ("received", "decided", "a decision cannot come before the complaint was received"),
    ("decided", "compliance", "a compliance outcome cannot come before the decision"),
)


def date_order_problems(
    frames: dict[str, pd.DataFrame], rows: dict[str, np.ndarray], files: dict[str, Path]
) -> list[Problem]:
    """Cases whose later-stage date is before their earlier-stage date, naming both files and rows (vectorised)."""
    problems: list[Problem] = []
    for earlier, later, rule in _DATE_ORDER:
        if earlier not in frames or later not in frames:
            continue
        early_column, late_column = DATE_COLUMN[earlier], DATE_COLUMN[later]
        early_refs = pd.Index(frames[earlier]["case_ref"].to_numpy(dtype=object))
        keep = ~early_refs.duplicated(keep="first")
        early_refs = early_refs[keep]
        early_dates = frames[earlier][early_column].to_numpy()[keep]
        early_rows = rows[earlier][keep]
        late_refs = frames[later]["case_ref"].to_numpy(dtype=object)
        late_dates = frames[later][late_column].to_numpy()
        match = early_refs.get_indexer(late_refs)
        found = match >= 0
        wrong = np.zeros(len(late_refs), dtype=bool)
        wrong[found] = late_dates[found] < early_dates[match[found]]  # NaT compares False
        early_file, late_file = files[earlier].name, files[later].name
        positions = np.flatnonzero(wrong)
        if len(positions) > MAX_PROBLEMS_PER_CHECK:
            problems.append(more_rows(files[later].name, rows[later][positions], late_column))
        for position in positions[:MAX_PROBLEMS_PER_CHECK]:
            case_ref, late, late_row = late_refs[position], pd.Timestamp(late_dates[position]), rows[later][position]
            early, early_row = pd.Timestamp(early_dates[match[position]]), early_rows[match[position]]
            problems.append(
                Problem(
                    late_file, int(late_row), late_column,
                    f"case_ref {shown(case_ref)} has {late_column} {late:%Y-%m-%d}, before its {early_column} "
                    f"{early:%Y-%m-%d} in {early_file}, row {int(early_row)}; {rule}: check both dates",
                )
            )
    return problems


#: (column of an optional table, column it is compared with, True when equal is allowed, rule).


#: (column of an optional table, column it is compared with, True when equal is allowed, rule).
_OPTIONAL_DATE_RULES: dict[str, tuple[tuple[str, str, bool, str], ...]] = {
    "reports": (("report_date", "decision_date", True, "a report cannot come before the decision it reports"),),
    "remedies": (
        ("agreed_date", "decision_date", False, "a remedy is agreed after the decision that recommends it"),
        ("due_date", "agreed_date", True, "a remedy cannot be due before it was agreed"),
        ("completed_date", "agreed_date", True, "a remedy cannot be completed before it was agreed"),
    ),
}


def decided_cross_check(
    table: str, frame: pd.DataFrame, rows: np.ndarray, label: str,
    decided: pd.DataFrame, decided_rows: np.ndarray, decided_label: str, known: list[Problem],
) -> list[Problem]:
    """Rows of ``reports``/``remedies`` that do not match their decided case: unknown case, other council, implausible date.

    A column that already has problems in this file is not compared (its values may be misread).
    """
    checked = {p.column for p in known if p.file == label}
    if "case_ref" in checked or "case_ref" not in frame.columns:
        return []
    first = ~decided["case_ref"].duplicated(keep="first").to_numpy()
    index = pd.Index(decided["case_ref"].to_numpy(dtype=object)[first])
    match = index.get_indexer(frame["case_ref"].to_numpy(dtype=object))
    found = match >= 0
    problems = row_problems(
        label, rows[~found], "case_ref",
        "case_ref " + frame["case_ref"][~found].map(shown) + f" is not in {decided_label}; a {table[:-1].replace('remedie', 'remedy')} "
        "must refer to a decided case: check the reference, or add the decision",
    )
    position = np.where(found, match, 0)
    decided_code = decided["authority_code"].to_numpy(dtype=object)[first][position]
    decided_row = decided_rows[first][position]
    if "authority" not in checked and "authority_code" in frame.columns:
        other = found & (frame["authority_code"].to_numpy(dtype=object) != decided_code)
        problems += row_problems(
            label, rows[other], "authority",
            "the authority " + frame["authority_code"][other].astype(str) + " differs from the case's authority "
            + pd.Series(decided_code[other], index=frame.index[other]).astype(str)
            + f" in {decided_label}, row " + pd.Series(decided_row[other], index=frame.index[other]).astype(str)
            + "; a case has one council: correct either file",
        )
    columns = {**{c: frame[c].to_numpy() for c in frame.columns if c.endswith("_date")},
               "decision_date": decided["decision_date"].to_numpy()[first][position]}
    for column, earlier, equal_ok, rule in _OPTIONAL_DATE_RULES[table]:
        if column in checked or earlier in checked or column not in columns:
            continue
        late, early = columns[column], columns[earlier]
        wrong = found & ((late < early) if equal_ok else (late <= early))  # NaT compares False
        where = f"in {decided_label}, row " if earlier == "decision_date" else "on row "
        early_rows = decided_row if earlier == "decision_date" else rows
        problems += [
            Problem(
                label, int(rows[i]), column,
                f"{column} {pd.Timestamp(late[i]):%Y-%m-%d} is {'before' if equal_ok else 'not after'} the {earlier.replace('_', ' ')} "
                f"{pd.Timestamp(early[i]):%Y-%m-%d} ({where}{int(early_rows[i])}); {rule}: check both dates",
            )
            for i in np.flatnonzero(wrong)[:MAX_PROBLEMS_PER_CHECK]
        ]
        if wrong.sum() > MAX_PROBLEMS_PER_CHECK:
            problems.append(more_rows(label, rows[wrong], column))
    return problems


# --------------------------------------------------------------------------- legacy decisions of former councils

#: A decision or compliance outcome of a former council, on a case the received table does not hold, is
#: accepted (with a warning) when dated in the first ``LEGACY_WINDOW_YEARS`` years ending March after the
#: council's last year; later ones need the received row to show when the complaint was made.
LEGACY_WINDOW_YEARS = 2
_LOG = logging.getLogger(__name__)


def legacy_problems(
    after_end: dict[str, pd.DataFrame], frames: dict[str, pd.DataFrame], rows: dict[str, np.ndarray], files: dict[str, Path],
) -> tuple[list[Problem], list[str]]:
    """Decide the decided/compliance rows dated after their council's end (``case_rows.AFTER_END_COLUMNS``).

    Valid (a *legacy* decision, counted against the former council) when the
    complaint was received before the end: the received table's date for that
    case when it has the case; otherwise, for a compliance outcome, a decision on
    or before the end; otherwise when dated within ``LEGACY_WINDOW_YEARS`` years
    ending March after the council's last year, listed in a warning. Anything else
    is a problem naming the successor. Returns (problems, warnings).
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    for table, candidates in after_end.items():
        if candidates.empty or table not in frames or "case_ref" not in frames[table].columns:
            continue
        refs = frames[table]["case_ref"].to_numpy(dtype=object)[candidates["position"].to_numpy()]
        received = _first_dates(frames.get("received"), rows.get("received"), refs)
        decided = _first_dates(frames.get("decided"), rows.get("decided"), refs) if table == "compliance" else None
        unproven: list[str] = []
        for i, candidate in enumerate(candidates.itertuples(index=False)):
            verdict = _legacy_verdict(candidate, received[i], None if decided is None else decided[i], files)
            if verdict is None:
                continue
            if verdict == "window":
                unproven.append(str(refs[i]))
            elif len(problems) < MAX_PROBLEMS_PER_CHECK:
                problems.append(Problem(files[table].name, int(candidate.row), "authority", verdict))
        if unproven:
            listed = ", ".join(shown(ref) for ref in unproven[:10]) + (f" and {len(unproven) - 10} more" if len(unproven) > 10 else "")
            warnings.append(
                f"{files[table].name}: {len(unproven)} row(s) of former councils dated after their abolition were counted as "
                f"legacy decisions although the received table does not have the case to show the complaint came first: {listed}"
            )
            _LOG.warning("%s", warnings[-1])
    return problems, warnings


def _first_dates(frame: pd.DataFrame | None, frame_rows: np.ndarray | None, refs: np.ndarray) -> list[tuple[pd.Timestamp, int] | None]:
    """For each reference, (date, row) of its first row in ``frame`` (a received or decided table), or None."""
    if frame is None or frame_rows is None or "case_ref" not in frame.columns:
        return [None] * len(refs)
    date_column = next(column for column in frame.columns if column.endswith("_date"))
    first = ~frame["case_ref"].duplicated(keep="first").to_numpy()
    index = pd.Index(frame["case_ref"].to_numpy(dtype=object)[first])
    dates, numbers = frame[date_column].to_numpy()[first], frame_rows[first]
    match = index.get_indexer(refs)
    return [None if m < 0 else (pd.Timestamp(dates[m]), int(numbers[m])) for m in match]


def _legacy_verdict(candidate: object, received: tuple[pd.Timestamp, int] | None, decided: tuple[pd.Timestamp, int] | None, files: dict[str, Path]) -> str | None:
    """None (a legacy decision), ``"window"`` (accepted unproven) or the problem's message."""
    end, date = pd.Timestamp(candidate.end_date), pd.Timestamp(candidate.date)
    successor = " or ".join(candidate.successors) or "its successor council"
    head = f"{candidate.authority_name} ({candidate.authority_code}) was abolished on {end:%Y-%m-%d}"
    if received is not None and pd.notna(received[0]):
        if received[0] <= end:
            return None
        return (
            f"{head}, before this complaint was received ({received[0]:%Y-%m-%d}, {files['received'].name} row {received[1]}); "
            f"record the case against {successor}"
        )
    if decided is not None and pd.notna(decided[0]) and decided[0] <= end:
        return None
    last_year = int(definitions.financial_year(pd.Series([end - pd.Timedelta(days=1)])).iloc[0])
    if int(definitions.financial_year(pd.Series([date])).iloc[0]) <= last_year + LEGACY_WINDOW_YEARS:
        return "window"
    return (
        f"{head}, more than {LEGACY_WINDOW_YEARS} years before this date ({date:%Y-%m-%d}), and the received table does not "
        f"have the case to show the complaint was made before then; add the case to the received table, or record it against {successor}"
    )
