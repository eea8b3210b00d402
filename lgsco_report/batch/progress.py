"""What a batch tells the person running it: a one-line progress bar, and the closing summary.

``run_batch`` writes the summary itself (also with no progress bar, when the
batch stopped early), so the command line and a notebook caller see the same lines.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .layout import BatchResult


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


def summary(result: BatchResult) -> str:
    """The closing lines of a batch: counts, failures with their errors, where the outputs are."""
    lines = [
        f"{result.year}: {result.done} letter(s) written, {result.skipped} unchanged (skipped), "
        f"{result.failed} failed in {result.elapsed_seconds:.1f} s."
    ]
    if result.stopped:
        lines.append(f"Stopped: {result.stopped}")
    if result.interrupted:
        lines.append("Interrupted: finished letters are kept; run the same command again to resume.")
    for name, error in result.failures:
        lines.append(f"  FAILED {name}: {error}")
    if result.failures:
        lines.append("  Logs and partial notebooks are in the 'failed' folder beside the manifest.")
    if result.manifest_path:
        lines.append(f"Manifest: {result.manifest_path}")
    if result.index_path:
        lines.append(f"Index: {result.index_path}")
    if result.unnamed:
        lines.append(f"{result.unnamed} letter(s) have no named addressee: they read \"Dear Chief Executive\" "
                     "(add names to the addressees file; the index shows which).")
    lines.extend(result.notes)
    if result.unconfirmed:
        from ..documents import draft_mark

        lines.append(
            f"Drafts: every {result.year} letter and report written carries \"{draft_mark(result.unconfirmed)}\" "
            f"on each page (unconfirmed in the year's parameters: {', '.join(result.unconfirmed)}); "
            "`lgsco-report letters --final` refuses the year until they are confirmed."
        )
    return "\n".join(lines)
