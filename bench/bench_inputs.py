"""Benchmark: refusing hostile table files (zip bombs, far-away cells, huge counts) within 1 s and 200 MB.

Run: ``python bench/bench_inputs.py``. Each hostile file of ``tests/hostile_files.py``
is written beside the valid corpus tables and loaded with ``inputs.load`` in
a fresh child process. Printed for each: the time the load took inside the child
(interpreter start and imports excluded) and the child's peak resident memory,
the kernel's ``getrusage(RUSAGE_CHILDREN)`` figure for it, taken by a small
intermediate process (a child of pytest or of any big process would inherit
that process's high-water mark). Imports alone take about 75 MB: the first
line (the valid tables) shows the baseline.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_files  # noqa: E402

VALID = ROOT / "tests" / "data" / "bad" / "_valid"
TARGET_SECONDS = 1.0
TARGET_BYTES = 200 * 2**20


#: Files within every limit, refused for their values: what the row limit costs (not held to the targets).
AT_THE_LIMITS = {
    "a million one-letter rows (within limits)": (
        "received.csv", lambda p: p.write_bytes(b"case_ref,authority,received_date,category\n" + b"x,,,\n" * 1_000_000)
    ),
}


def measure(folder: Path) -> tuple[float, int, str]:
    """(seconds inside the child, child's peak RSS in bytes, outcome) of loading ``folder``."""
    status, output, peak, seconds = hostile_files.load_in_fresh_process(folder, timeout=600)
    if status == 0:
        return seconds, peak, "accepted"
    lines = [line.strip() for line in output.splitlines() if line.startswith("  ")]
    return seconds, peak, "refused: " + (lines[0][:90] if lines else output[-90:])


def main() -> int:
    print(f"target: refused in < {TARGET_SECONDS:.0f} s and < {TARGET_BYTES // 2**20} MB peak memory (child process)")
    print(f"{'file':<38} {'size':>10} {'load s':>7} {'peak MB':>8}  outcome")
    over = 0
    with tempfile.TemporaryDirectory(prefix="bench-inputs-") as temp:
        cases = [
            ("valid tables (baseline)", None, None),
            *((name, *spec) for name, spec in hostile_files.HOSTILE.items()),
            *((name, *spec) for name, spec in AT_THE_LIMITS.items()),
        ]
        for number, (name, file_name, write) in enumerate(cases):
            folder = Path(temp) / str(number)
            shutil.copytree(VALID, folder)
            size = 0
            if write is not None:
                (folder / "received.csv").unlink()
                write(folder / file_name)
                size = (folder / file_name).stat().st_size
            seconds, peak, outcome = measure(folder)
            hostile = name in hostile_files.HOSTILE
            missed = hostile and (not outcome.startswith("refused") or seconds >= TARGET_SECONDS or peak >= TARGET_BYTES)
            over += missed
            flag = "  OVER TARGET" if missed else ""
            print(f"{name:<38} {size:>10,} {seconds:>7.3f} {peak / 2**20:>8.0f}  {outcome}{flag}", flush=True)
            shutil.rmtree(folder)
    return 1 if over else 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"({time.perf_counter() - started:.0f} s in all, including writing the files)")
    sys.exit(status)
