"""The letter's one error: a parameter, file or template the letter cannot be made from.

Its own module because every part of the letter raises it (templates, addressing,
the statistics it reads) and the notebook shows it as one line.
"""

from __future__ import annotations

from ..errors import LgscoReportError


class LetterInputError(LgscoReportError, ValueError):
    """A parameter the letter cannot be made from; the message says what to change.

    In a notebook IPython shows only the message (``_render_traceback_``), so the
    analyst sees one clear line, not a stack of library frames.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31mLetterInputError\x1b[0m: {self}"]
