"""What a batch tells the person running it at the end: the closing summary (the bar is ``lgsco_report.progress``).

``run_batch`` writes the summary itself (also with no progress bar, when the
batch stopped early), so the command line and a notebook caller see the same lines.
"""

from __future__ import annotations

from .layout import BatchResult


def stop_line(result: BatchResult) -> str:
    """Why the batch stopped before the end (full disk, a kernel, a signal), and what to do: one line."""
    if result.stopped:
        return f"Stopped: {result.stopped}"
    return "Interrupted: finished letters are kept; run the same command again to resume."


def summary(result: BatchResult) -> str:
    """The closing lines of a batch: counts, failures with their errors, where the outputs are."""
    lines = [
        f"{result.year}: {result.done} letter(s) written, {result.skipped} unchanged (skipped), "
        f"{result.failed} failed in {result.elapsed_seconds:.1f} s."
    ]
    if result.stopped or result.interrupted:
        lines.append(stop_line(result))
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
