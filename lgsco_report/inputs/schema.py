"""The case tables' schema: which tables a data folder holds, their columns and their dates.

The readers, the row checks and the statistics' counting all read these names
from here, so a table or a column is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


#: Table name -> the columns its file must have, in the order we report them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "received": ("case_ref", "authority", "received_date", "category"),
    "decided": ("case_ref", "authority", "decision_date", "category", "outcome", "remedy_by_authority"),
    "compliance": ("case_ref", "authority", "compliance_date", "outcome"),
    "reports": ("case_ref", "authority", "report_date", "kind"),
    "remedies": ("case_ref", "authority", "remedy_type", "agreed_date", "due_date", "completed_date"),
}
#: Table name -> the columns of the loaded table, in order: ``authority`` (a code or a name in the
#: file) becomes ``authority_code``, dates are datetime64, labels canonical, yes/no a bool.
LOADED_COLUMNS: dict[str, tuple[str, ...]] = {
    "received": ("case_ref", "authority_code", "received_date", "category"),
    "decided": ("case_ref", "authority_code", "decision_date", "category", "outcome", "remedy_by_authority"),
    "compliance": ("case_ref", "authority_code", "compliance_date", "outcome"),
    "reports": ("case_ref", "authority_code", "report_date", "kind"),
    "remedies": ("case_ref", "authority_code", "remedy_type", "agreed_date", "due_date", "completed_date"),
}
#: Every column name a table file may have: the readers look for them to find the header row.
KNOWN_COLUMN_NAMES = frozenset(name for columns in TABLE_COLUMNS.values() for name in columns)
#: The three case tables every data folder must have.
TABLES: tuple[str, ...] = ("received", "decided", "compliance")
#: Tables a data folder may have; without them everything works as before and the letters say nothing of them.
OPTIONAL_TABLES: tuple[str, ...] = ("reports", "remedies")
#: Tables whose rows may be dated after their council was abolished, on complaints received before:
#: *legacy* decisions of a former council (``cross_checks.legacy_problems``).
LEGACY_TABLES: tuple[str, ...] = ("decided", "compliance")
#: Which column holds each table's date (the one that places a row in a year).
DATE_COLUMN: dict[str, str] = {
    "received": "received_date", "decided": "decision_date", "compliance": "compliance_date",
    "reports": "report_date", "remedies": "agreed_date",
}
#: Tables where a case reference may appear on several rows (a case can have several remedies).
REPEATABLE_REFS = frozenset({"reports", "remedies"})
#: A case reference: letters, digits, spaces, hyphens and slashes, starting with a letter or digit.
#: Dots are refused, so no reference can spell ``..`` if it ever becomes part of a file name.
CASE_REF_PATTERN = r"[A-Za-z0-9][A-Za-z0-9 /\-]{0,39}"


@dataclass(frozen=True)
class SourceFile:
    """Where a table came from; the hash lets a letter be traced to the exact input."""

    table: str
    path: Path
    sha256: str


@dataclass(frozen=True, eq=False)
class CaseData:
    """The three validated tables with normalised columns (see docs/architecture.md)."""

    received: pd.DataFrame
    decided: pd.DataFrame
    compliance: pd.DataFrame
    sources: list[SourceFile] = field(default_factory=list)
    is_sample: bool = False
    years: list[int] = field(default_factory=list)
    #: What was read with a caveat (hidden sheets ignored), one message a line; also logged.
    warnings: list[str] = field(default_factory=list)
    #: Optional tables, None when the folder has no such file: ``reports`` (case_ref, authority_code,
    #: report_date, kind) and ``remedies`` (case_ref, authority_code, remedy_type, agreed_date,
    #: due_date, completed_date (NaT: not yet done)).
    reports: pd.DataFrame | None = None
    remedies: pd.DataFrame | None = None
