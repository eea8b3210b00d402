"""The inputs of the statistics: a data folder of case tables, read, checked and loaded.

``load(data_dir)`` returns the validated tables (:class:`CaseData`) or raises one
:class:`CaseDataError` listing every problem (file, row, column, what to do);
``fingerprint(data_dir)`` hashes the table files without loading them, so a
batch can tell what changed. Every caller goes through these two.

The package is cut by what changes together:

- ``problems``: a :class:`Problem`, the error carrying them, quoting values safely;
- ``readers``: a file to a raw table of text, by its suffix: ``csv_reader``, ``xlsx_reader`` (one
  module per format), both under the limits in ``raw_table``; readers know files, not tables;
- ``parsing``: cell text to dates, labels and yes/no, refused with a reason rather than guessed;
- ``schema``: the tables, their columns and their date columns (also read by the counting);
- ``case_rows``: the checks on one table's rows; ``cross_checks``: checks across tables;
- ``folder``: finding the files in a folder, ``load`` and ``fingerprint``;
- ``figures``: the other input, council-level figures (and published averages)
  instead of cases: ``load`` returns a :class:`FiguresData` for such a folder.

Decisions about doubtful input (the corpus in ``tests/data/bad/`` shows each):

* Dates are ``yyyy-mm-dd`` or ``dd/mm/yyyy``. A slash date is always day first
  (``01/02/2020`` is 1 February); one that only works month first
  (``03/25/2020``) is refused with its ISO spelling, and then every date in that
  column that reads either way is refused too, since it is probably month first.
  Dates before 2000-01-01 or after the day of loading are typing errors.
* A decision dated before its complaint was received, or a compliance outcome
  before its decision (same ``case_ref``), is refused naming both files and rows.
* Files must be UTF-8 (a BOM and Windows line endings are fine); Latin-1,
  UTF-16, semicolon-separated text, a title row above the header, merged cells
  and formulas without a saved value are refused with the fix. Label case and
  spacing do not matter; Excel numbers in ``case_ref`` are read as text.
* A case reference is up to 40 letters, digits, spaces, hyphens or slashes.
* Data values quoted in messages are cut to ``QUOTE_LIMIT`` characters with
  control characters escaped (``shown``), so no cell can break a terminal, a
  log or a page that shows the message.
* A workbook's table is on its one visible worksheet holding data (among
  several, the one named after the table); hidden sheets are never read and a
  warning names them (``CaseData.warnings``, also logged); anything ambiguous
  is refused naming the sheets.
* Files are checked against limits (``MAX_ROWS``, ``MAX_COLUMNS``,
  ``MAX_PART_BYTES``, ``MAX_COMPRESSION_RATIO``, ``MAX_SHARED_STRINGS``...)
  before they are read: workbook parts from the zip directory, then their XML
  streamed through expat (no document type, so no entity expansion) with
  counters, never unpacked whole.
* Values must be plain ASCII where it matters: a full-width or Arabic-Indic
  digit or a look-alike letter is refused with the character named.
* A table that is a link leading out of the data folder is refused unread.
* Two more tables are optional, ``reports`` and ``remedies`` (``OPTIONAL_TABLES``):
  read and checked like the others (a case reference may repeat in them), then
  cross-checked against ``decided``: each row's case must be decided, by the same
  council; a report is dated on or after the decision, a remedy agreed after it,
  due and completed on or after the day it was agreed. Without them
  ``CaseData.reports`` / ``remedies`` are None and nothing else changes; with only
  a header they are empty (none this time).

* A decision or compliance outcome dated after its council was abolished, on a
  complaint received before (the received table's date for the case), is a
  *legacy* decision of the former council, counted in a row of its own; a
  complaint received after the end is refused naming the successor. A case the
  received table does not have is accepted within ``LEGACY_WINDOW_YEARS`` (two)
  years ending March after the council's last year, with a warning; later ones
  are refused (see ``cross_checks.legacy_problems``).

All checks are vectorised pandas operations: a table of 100,000 rows is checked
in a fraction of a second, and a 50 MB table in a few seconds.
"""

from __future__ import annotations

from .case_rows import read_table
from .figures import (
    AVERAGE_COLUMNS,
    FIGURE_COUNT_COLUMNS,
    FIGURE_TABLES,
    FiguresData,
    figure_columns,
    figures_template,
    write_figures_template,
)
from .folder import data_folder, fingerprint, load
from .parsing import EARLIEST_DATE, parse_dates
from ..errors import MAX_LISTED_PROBLEMS, CaseDataError
from .problems import (
    MAX_PROBLEMS_PER_CHECK,
    QUOTE_LIMIT,
    Problem,
    clean_text,
    non_ascii_note,
    shown,
)
from .readers import FILE_SUFFIXES, MAX_COLUMNS, MAX_ROWS
from .schema import DATE_COLUMN, OPTIONAL_TABLES, TABLE_COLUMNS, TABLES, CaseData, SourceFile


__all__ = [
    "AVERAGE_COLUMNS",
    "CaseData",
    "CaseDataError",
    "DATE_COLUMN",
    "EARLIEST_DATE",
    "FIGURE_COUNT_COLUMNS",
    "FIGURE_TABLES",
    "FILE_SUFFIXES",
    "FiguresData",
    "MAX_COLUMNS",
    "MAX_LISTED_PROBLEMS",
    "MAX_PROBLEMS_PER_CHECK",
    "MAX_ROWS",
    "OPTIONAL_TABLES",
    "Problem",
    "QUOTE_LIMIT",
    "SourceFile",
    "TABLES",
    "TABLE_COLUMNS",
    "clean_text",
    "data_folder",
    "figure_columns",
    "figures_template",
    "fingerprint",
    "load",
    "non_ascii_note",
    "parse_dates",
    "read_table",
    "shown",
    "write_figures_template",
]
