"""A one-line progress bar on stderr, shared by the batch (``letters``) and ``send``.

Why a module of its own: both commands show the same bar, and ``send`` must
not import the batch to draw it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

class ProgressBar:
    """A one-line progress bar on stderr: letters done, failed, skipped, rate, time left."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True, label: str = "letters") -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.label = label
        self.start = time.monotonic()
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_line_time = 0.0
        self._last_line = ""

    def render(self, done: int, failed: int, skipped: int) -> str:
        finished = done + failed + skipped
        width = 24
        filled = int(width * finished / self.total) if self.total else width
        elapsed = max(time.monotonic() - self.start, 1e-9)
        ran = done + failed
        rate = ran / elapsed
        remaining = self.total - finished
        eta = f"{int(remaining / rate // 60)}m{int(remaining / rate % 60):02d}s" if rate > 0 and remaining else "-"
        return (
            f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {finished}/{self.total} "
            f"done {done} failed {failed} skipped {skipped} | {rate:.2f}/s | left {eta}"
        )

    def update(self, done: int, failed: int, skipped: int, final: bool = False) -> None:
        if not self.enabled:
            return
        line = self.render(done, failed, skipped)
        if self.is_tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        elif (final and line != self._last_line) or (not final and time.monotonic() - self._last_line_time >= 2.0):
            self.stream.write(line + "\n")
            self._last_line = line
            self._last_line_time = time.monotonic()
        self.stream.flush()
