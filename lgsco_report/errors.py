"""The one error family: every failure a user can fix derives from ``LgscoReportError``.

Bad data, an unknown council, a refused folder, a kernel that cannot start:
each module raises its own subclass (``CaseDataError``, ``UnknownCouncilError``,
``BatchError`` ...), and the command line prints any of them as one line with
exit status 2. Anything else is a bug in this program and keeps its traceback.

Most subclasses are also ``ValueError``s, as they were before this base
existed, so callers that catch ``ValueError`` keep working.
"""

from __future__ import annotations

__all__ = ["LgscoReportError"]


class LgscoReportError(Exception):
    """An expected failure with a message meant for the user (file, row, column, and what to do)."""
