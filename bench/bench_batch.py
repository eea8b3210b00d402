"""Benchmark: the same letters written the naive way and by ``run_batch``; times, ratio, peak memory.

Naive way (what a user would script): per letter, the ``papermill`` CLI, then
``jupyter nbconvert --to letter_html`` and ``--to letter_pdf``, each a fresh
process from the venv. Batch: ``python -m lgsco_report.batch`` (warm kernels,
statistics once, exporters reused) in a subprocess whose whole process tree's
resident memory is sampled from /proc every 50 ms.

Targets: batch >= 10x faster than the naive loop; peak RSS of the batch's tree < 2 GiB.
``--full`` also runs the batch over every council of the year (343 for 2020);
otherwise the full-year time is extrapolated (and printed as such).
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "annual_review_letter.ipynb"
YEAR = 2020
GIB = 1024**3


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (bytes)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss_bytes(current)
        stack.extend(_children(current))
    return total


def run_sampled(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Run ``command``; return (seconds, peak tree RSS in bytes, exit code)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    return elapsed, peak, code


def pick_councils(n: int) -> list[str]:
    """``n`` councils spread evenly over the year's register (all five types appear)."""
    from lgsco_report.register import councils_for_year

    codes = list(councils_for_year(YEAR)["authority_code"])
    if n >= len(codes):
        return codes
    step = len(codes) / n
    return [codes[int(i * step)] for i in range(n)]


def naive(codes: list[str], work: Path, data_dir: Path) -> float:
    """Per letter: papermill CLI, nbconvert to HTML, nbconvert to PDF (fresh processes)."""
    start = time.perf_counter()
    for code in codes:
        folder = work / code
        folder.mkdir(parents=True)
        executed = folder / "letter.ipynb"
        subprocess.run(
            [str(BIN / "papermill"), str(NOTEBOOK), str(executed), "-p", "council", code, "-p", "year", str(YEAR),
             "-p", "data_dir", str(data_dir), "--cwd", str(NOTEBOOK.parent), "--no-progress-bar", "-k", "python3"],
            check=True, capture_output=True,
        )
        for exporter in ("letter_html", "letter_pdf"):
            subprocess.run(
                [str(BIN / "jupyter"), "nbconvert", "--to", exporter, str(executed), "--output-dir", str(folder)],
                check=True, capture_output=True,
            )
    return time.perf_counter() - start


def batch_command(codes: list[str] | None, out: Path, data_dir: Path, workers: int | None) -> list[str]:
    command = [sys.executable, "-m", "lgsco_report.batch", "--year", str(YEAR), "--out", str(out),
               "--data", str(data_dir), "--no-progress", "--force"]
    if workers:
        command += ["--workers", str(workers)]
    for code in codes or []:
        command += ["--council", code]
    return command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="letters to compare (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="batch workers (default: number of cores)")
    parser.add_argument("--full", action="store_true", help="also run the batch for every council of the year")
    parser.add_argument("--skip-naive", action="store_true", help="batch only (the ratio is then not measured)")
    args = parser.parse_args()

    from lgsco_report.register import councils_for_year
    from lgsco_report.sample import ensure_sample_data

    data_dir = Path(ensure_sample_data()).resolve()
    codes = pick_councils(args.n)
    total_councils = len(councils_for_year(YEAR))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"{len(codes)} letters for {YEAR}, {os.cpu_count()} cores, workers={args.workers or os.cpu_count()}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="lgsco-bench-") as tmp:
        work = Path(tmp)
        batch_seconds, peak, code = run_sampled(batch_command(codes, work / "batch", data_dir, args.workers), env)
        if code != 0:
            print(f"batch exited with {code}: letters failed, see {work / 'batch'}")
            return 1
        print(f"run_batch:   {batch_seconds:7.1f} s  ({batch_seconds / len(codes):.2f} s/letter), peak RSS of its process tree {peak / GIB:.2f} GiB")
        ok &= peak < 2 * GIB
        if not args.skip_naive:
            naive_seconds = naive(codes, work / "naive", data_dir)
            ratio = naive_seconds / batch_seconds
            print(f"naive loop:  {naive_seconds:7.1f} s  ({naive_seconds / len(codes):.2f} s/letter)")
            print(f"ratio naive/batch: {ratio:.1f}x (target >= 10x)")
            ok &= ratio >= 10
        if args.full:
            full_seconds, full_peak, code = run_sampled(batch_command(None, work / "full", data_dir, args.workers), env)
            print(f"full year ({total_councils} letters), measured: {full_seconds:.1f} s, peak RSS {full_peak / GIB:.2f} GiB, exit {code}")
            ok &= full_peak < 2 * GIB and code == 0
        else:
            print(f"full year ({total_councils} letters), EXTRAPOLATED from this run: about {batch_seconds / len(codes) * total_councils / 60:.1f} min"
                  + (f" (naive: about {naive_seconds / len(codes) * total_councils / 60:.0f} min)" if not args.skip_naive else ""))
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
