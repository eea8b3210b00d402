"""A data folder: find its table files, load and check them all, or fingerprint them without loading.

A table file is found by its name, case-insensitively (``received.csv``,
``Decided.xlsx``); one missing, given twice or of another type is a problem. A
table that is a link leading out of the data folder is refused unread.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .. import definitions
from ..errors import CaseDataError
from ..hashing import sha256_file
from ..sample import ensure_sample_data
from ..workbook import sample_data_dir
from .case_rows import Register, load_table_file
from .cross_checks import date_order_problems, decided_cross_check, legacy_problems
from .figures import FIGURE_TABLES, FiguresData, folder_problems, load_figures_folder
from .problems import Problem, clean_text, sort_problems
from .readers import FILE_SUFFIXES
from .schema import DATE_COLUMN, LEGACY_TABLES, OPTIONAL_TABLES, TABLES, CaseData, SourceFile


#: Names the data folder used when none is given (a notebook's empty ``data_dir``, no ``--data``).
DATA_ENV = "LGSCO_REPORT_DATA"


def data_folder(data_dir: str | os.PathLike[str] | None = "", *, make_sample: bool = True) -> Path:
    """The data folder to read; the one rule, asked by the CLI, the batch, the letter and ``send``.

    First match wins: ``data_dir`` as given; ``$LGSCO_REPORT_DATA``; the
    labelled sample data (``workbook.sample_data_dir()``, written on first use
    unless ``make_sample`` is false).
    """
    if data_dir:
        return Path(data_dir).expanduser()
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured).expanduser()
    folder = sample_data_dir()
    return Path(ensure_sample_data(folder)) if make_sample else folder


def fingerprint(data_dir: Path | str) -> dict[str, str]:
    """``{"<table>:<file name>": sha256}`` of the folder's tables (optional ones when present), without loading them.

    Lets a batch decide what is unchanged before paying for a full load; raises
    ``CaseDataError`` when a table is missing or given twice.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise CaseDataError([Problem(str(data_dir), None, None, "the data folder does not exist")], data_dir)
    files, problems = _find_table_files(data_dir)
    figure_files, figure_problems = _find_table_files(data_dir, FIGURE_TABLES, ())
    if figure_files or figure_problems:  # a figures folder: its figures and averages tables
        problems = figure_problems + (folder_problems(files, figure_files) if figure_files else [])
        files = figure_files
    if problems:
        raise CaseDataError(problems, data_dir)
    return {f"{table}:{path.name}": sha256_file(path) for table, path in files.items()}


def _outside_link(path: Path, data_dir: Path) -> str | None:
    """Why a table that is a link cannot be read (it leads out of the data folder, or nowhere); None when fine.

    Decided from the link alone, before any byte of the file it names is read,
    so that no file elsewhere on the machine is quoted in an error message.
    """
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))
    where = clean_text(target, 300)
    if not target.is_relative_to(Path(os.path.realpath(data_dir))):
        return (
            f"this table is a link to {where}, outside the data folder; links out of the folder are not followed: "
            "copy the file into the data folder instead"
        )
    if not target.is_file():
        return f"this table is a link to {where}, which is not a file (a broken link?); copy the table into the data folder"
    return None


def _find_table_files(
    data_dir: Path, tables: tuple[str, ...] = (*TABLES, *OPTIONAL_TABLES), required: tuple[str, ...] = TABLES,
) -> tuple[dict[str, Path], list[Problem]]:
    """Pick each table's file (case-insensitive name); a missing (``required``), doubled or wrongly typed table is a problem."""
    problems: list[Problem] = []
    found: dict[str, Path] = {}
    entries = sorted(p for p in data_dir.iterdir() if p.is_symlink() or p.is_file())
    for table in tables:
        candidates = [p for p in entries if p.stem.lower() == table and p.suffix.lower() in FILE_SUFFIXES]
        others = [p for p in entries if p.stem.lower() == table and p.suffix.lower() not in FILE_SUFFIXES]
        if len(candidates) > 1:
            names = " and ".join(p.name for p in candidates)
            problems.append(Problem(candidates[0].name, None, None, f"the {table} table is given twice ({names}); keep only one of them"))
        elif candidates and (outside := _outside_link(candidates[0], data_dir)) is not None:
            problems.append(Problem(candidates[0].name, None, None, outside))
        elif candidates:
            found[table] = candidates[0]
        elif others:
            names = ", ".join(p.name for p in others)
            problems.append(
                Problem(others[0].name, None, None, f"the {table} table must be a .csv or .xlsx file, but {names} was found; save it as {table}.csv or {table}.xlsx")
            )
        elif table in required:
            problems.append(Problem(f"{table}.csv", None, None, f"the {table} table is missing: the folder needs {table}.csv or {table}.xlsx"))
    return found, problems


def load(data_dir: Path | str, categories: tuple[str, ...] = definitions.CATEGORIES) -> CaseData | FiguresData:
    """Load the received, decided and compliance tables from ``data_dir`` (or, in a folder of council-level
    figures, its figures and averages tables: a :class:`FiguresData`, see ``inputs.figures``).

    Raises :class:`CaseDataError` listing every problem in every table when
    anything is wrong; otherwise nothing is dropped. ``categories`` replaces the
    default category list for offices that use their own.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise CaseDataError([Problem(str(data_dir), None, None, "the case data folder does not exist")], data_dir)
    files, problems = _find_table_files(data_dir)
    figure_files, figure_problems = _find_table_files(data_dir, FIGURE_TABLES, ())
    if figure_files or figure_problems:
        return load_figures_folder(data_dir, files, figure_files, figure_problems, tuple(categories))
    register = Register()
    frames: dict[str, pd.DataFrame] = {}
    row_numbers: dict[str, np.ndarray] = {}
    sample_flags: list[bool] = []
    warnings: list[str] = []
    after_end: dict[str, list[pd.DataFrame]] = {table: [] for table in LEGACY_TABLES}
    for table in (*TABLES, *OPTIONAL_TABLES):
        if table not in files:
            continue
        frame, rows, is_sample, found = load_table_file(files[table], table, register, tuple(categories), warnings, after_end.get(table))
        problems += sort_problems(found)
        sample_flags.append(is_sample)
        if frame is not None:
            frames[table] = frame
            row_numbers[table] = rows
    # A table whose case references or dates have problems is not compared (its dates may be misread).
    usable = {
        table: frame for table, frame in frames.items()
        if {"case_ref", DATE_COLUMN[table]} <= set(frame.columns)
        and not any(p.file == files[table].name and p.column in ("case_ref", DATE_COLUMN[table]) for p in problems)
    }
    problems += date_order_problems(usable, row_numbers, files)
    legacy, legacy_warnings = legacy_problems(
        {table: pd.concat(parts, ignore_index=True) for table, parts in after_end.items() if parts}, frames, row_numbers, files
    )
    problems += legacy
    warnings += legacy_warnings
    if "decided" in usable:
        for table in OPTIONAL_TABLES:
            if table in frames:
                problems += decided_cross_check(table, frames[table], row_numbers[table], files[table].name, usable["decided"], row_numbers["decided"], files["decided"].name, problems)
    if problems:
        raise CaseDataError(problems, data_dir)
    present = [t for t in (*TABLES, *OPTIONAL_TABLES) if t in frames]
    dates = pd.concat([frames[t][DATE_COLUMN[t]] for t in present], ignore_index=True)
    years = sorted(int(y) for y in definitions.financial_year(dates.dropna()).unique())
    sources = [SourceFile(table, files[table], sha256_file(files[table])) for table in present]
    return CaseData(
        reports=frames.get("reports"),
        remedies=frames.get("remedies"),
        received=frames["received"],
        decided=frames["decided"],
        compliance=frames["compliance"],
        sources=sources,
        is_sample=any(sample_flags),
        years=years,
        warnings=warnings,
    )
