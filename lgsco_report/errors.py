"""The one error family: every failure a user can fix derives from ``LgscoReportError``.

Why one module holding the whole tree (as papermill's ``exceptions.py`` does):
a caller, a notebook or the command line can catch a whole kind of failure
(``except InputError``) without importing the module that raises it, and a
reader sees every failure the program means to report in one place. The
modules raise these classes; they define none of their own.

The command line prints any ``LgscoReportError`` as one line with exit status 2.
Anything else is a bug in this program and keeps its traceback.

The tree::

    LgscoReportError
    +-- InputError            the data, a council, a letter's parameters: fix the input
    |   +-- CaseDataError, UnknownCouncilError (AmbiguousCouncilError), RegisterOverridesError,
    |   +-- AddressError, LetterInputError, UnknownParameterError, YearNotInDataError, SiteError,
    |   +-- NotSampleDataError (also a FileExistsError)
    +-- ConfigError           the workbook and the year's settings: fix the set-up
    |   +-- YearParametersError, WorkbookError, ReferenceDocxError
    +-- YearFolderError       ``outputs/<year>/`` and what the batch keeps there
    |   +-- BatchError, BatchLockedError, ManifestError, UnsafePathError, SendRecordError,
    |   +-- StatisticsCacheError
    +-- ExportError           a notebook that cannot become a document
    |   +-- NotebookNotExportableError, DocumentMetadataError
    +-- SendError             ``send`` cannot start (option, record, server, credentials)
    +-- KernelError           a Jupyter kernel (also a ``RuntimeError``)
    |   +-- KernelStartError, KernelDiedError, KernelResetError
    +-- StopBatch             no further letter can be written; carries the batch's exit code

    LgscoReportWarning (a UserWarning)
    +-- LetterContentWarning

Deprecated: the classes that were ``ValueError`` subclasses before this tree
existed (every one under ``InputError``, ``ConfigError``, ``YearFolderError``,
``ExportError`` and ``SendError``) still are, through those five bases, so a
caller's ``except ValueError`` keeps working for this release. The ``ValueError``
parent goes in the next release: catch ``LgscoReportError`` or the branch you mean.

This module imports nothing of the package, so every layer may use it.
"""

from __future__ import annotations

__all__ = [
    "AddressError",
    "AmbiguousCouncilError",
    "BatchError",
    "BatchLockedError",
    "CaseDataError",
    "ConfigError",
    "DocumentMetadataError",
    "ExportError",
    "InputError",
    "KernelDiedError",
    "KernelError",
    "KernelResetError",
    "KernelStartError",
    "LetterContentWarning",
    "LetterInputError",
    "MAX_LISTED_PROBLEMS",
    "LgscoReportError",
    "LgscoReportWarning",
    "ManifestError",
    "NotSampleDataError",
    "NotebookNotExportableError",
    "ReferenceDocxError",
    "RegisterOverridesError",
    "SendError",
    "SendRecordError",
    "SiteError",
    "StatisticsCacheError",
    "StopBatch",
    "UnknownCouncilError",
    "UnknownParameterError",
    "UnsafePathError",
    "WorkbookError",
    "YearFolderError",
    "YearNotInDataError",
    "YearParametersError",
]


class LgscoReportError(Exception):
    """An expected failure with a message meant for the user (file, row, column, and what to do)."""


class _OneLineInNotebook:
    """IPython shows only the class and message (``_render_traceback_``): one line, no stack of frames.

    For the errors a notebook cell raises at the analyst (a letter parameter, an unknown parameter).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


# ---------------------------------------------------------------- the branches


class InputError(LgscoReportError, ValueError):
    """The input cannot be used (case data, a council, an address, a letter's parameters); fix the input."""


class ConfigError(LgscoReportError, ValueError):
    """The workbook or the year's settings cannot be used (parameters file, workbook folder, reference document)."""


class YearFolderError(LgscoReportError, ValueError):
    """``outputs/<year>/`` cannot be used as asked: a batch that cannot start, a lock held, a record unreadable."""


class ExportError(LgscoReportError, ValueError):
    """A notebook cannot be made into a document."""


class SendError(LgscoReportError, ValueError):
    """The send cannot start (bad option, record, server or credentials); the message says what to fix."""


class KernelError(LgscoReportError, RuntimeError):
    """A Jupyter kernel the batch runs letters on failed (a ``RuntimeError``, as before this tree)."""


# ---------------------------------------------------------------- inputs


#: ``str(CaseDataError)`` lists this many problems, then says how many more there are.
MAX_LISTED_PROBLEMS = 50


def _printable(value: object, limit: int) -> str:
    """``value`` safe to print: every unprintable character escaped (as ``repr`` does), cut to ``limit``.

    For the data folder a ``CaseDataError`` names (a path the user gave); the problems'
    own text is quoted by ``inputs.problems``, which owns the rule for data values.
    """
    text = str(value)
    escaped = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text[:limit])
    return escaped if len(text) <= limit and len(escaped) <= limit else f"{escaped[:limit]}... ({len(text):,} characters)"


class CaseDataError(InputError):
    """The case tables cannot be used; ``problems`` lists every problem found (not only the first).

    ``problems`` is a list of ``inputs.Problem`` (file, row, column, message, each
    quoted safely by its own ``str``); ``str()`` lists them, one a line.
    """

    def __init__(self, problems: list, data_dir: object = None) -> None:
        self.problems: list = list(problems)
        self.data_dir = data_dir
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        place = f" in {_printable(self.data_dir, 300)}" if self.data_dir is not None else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in the case data{place}:"]
        lines += [f"  {problem}" for problem in self.problems[:MAX_LISTED_PROBLEMS]]
        if count > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... and {count - MAX_LISTED_PROBLEMS} more (first {MAX_LISTED_PROBLEMS} of {count} listed)")
        return "\n".join(lines)


class UnknownCouncilError(InputError):
    """A council name or code that the register does not know (for that year)."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = suggestions or []


class AmbiguousCouncilError(UnknownCouncilError):
    """A name that fits more than one council of the year; ``suggestions`` lists them all."""


class RegisterOverridesError(InputError):
    """A problem in the addressee overrides file, naming file, row and column."""


class AddressError(InputError):
    """An email address that is not a plain, valid address (``sending.check_address``)."""


class LetterInputError(_OneLineInNotebook, InputError):
    """A parameter the letter cannot be made from; the message says what to change.

    In a notebook IPython shows only the message (``_render_traceback_``), so the
    analyst sees one clear line, not a stack of library frames.
    """


class UnknownParameterError(_OneLineInNotebook, InputError):
    """A parameter the notebook does not have; the message names it and the closest known one."""


class NotSampleDataError(InputError, FileExistsError):
    """Writing the sample data would overwrite a file that is not sample data (also a ``FileExistsError``)."""


class YearNotInDataError(InputError):
    """Statistics asked for a year the case data does not cover; the message lists the years it does."""


class SiteError(InputError):
    """The site cannot be made from what it was given (a year not in the data, no decision groups)."""


# ---------------------------------------------------------------- configuration


class YearParametersError(ConfigError):
    """A parameters file that is missing, unreadable or incomplete; names the file and key."""


class WorkbookError(ConfigError):
    """A workbook folder that cannot be used or made."""


class ReferenceDocxError(ConfigError):
    """The office's reference .docx cannot be used; the message names the file."""


# ---------------------------------------------------------------- the year folder


class BatchError(YearFolderError):
    """The batch cannot start (bad council, data or option); the message says what to fix."""


class BatchLockedError(YearFolderError):
    """Another batch (or send) holds ``<out>/<year>/.lock``."""


class ManifestError(YearFolderError):
    """A year's manifest.json that cannot be read back; the message says to delete it and re-run."""


class UnsafePathError(YearFolderError):
    """A path built from data would leave the output folder."""


class SendRecordError(YearFolderError):
    """A ``sent.json`` that cannot be read back; never delete it, restore it."""


class StatisticsCacheError(YearFolderError):
    """A statistics cache (``Statistics.save``'s JSON) that cannot be read back; delete it and recompute."""


# ---------------------------------------------------------------- documents


class NotebookNotExportableError(ExportError):
    """The notebook failed or was not (fully) executed: exporting it would print a blank or partial letter."""


class DocumentMetadataError(ExportError):
    """The notebook's document-metadata output is not usable."""


# ---------------------------------------------------------------- kernels and the batch's stop


class KernelStartError(KernelError):
    """The kernel could not be started; the message holds the kernel's own error output."""


class KernelDiedError(KernelError):
    """The kernel died while the worker was talking to it (not during a letter)."""


class KernelResetError(KernelError):
    """The kernel could not be put back into a clean state before a letter."""


class StopBatch(LgscoReportError):
    """No further letter can be written (disk full, a kernel that cannot start); carries the exit code.

    Raised by an executor or the batch itself and caught by ``run_batch``, which
    reports its message as the result's ``stopped`` line, never as a traceback.
    """

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# ---------------------------------------------------------------- warnings


class LgscoReportWarning(UserWarning):
    """Something a user should look at, that does not stop the work."""


class LetterContentWarning(LgscoReportWarning):
    """Cells with something to show were left out of the letter (not tagged ``letter``)."""
