"""Benchmark: the same letters written the naive way and by ``run_batch``; times, split, CPU, memory.

Naive way (what a user would script): per letter, the ``papermill`` CLI, then
``jupyter nbconvert --to letter_html`` and ``--to letter_pdf``, each a fresh
process from the venv. Batch: ``python -m lgsco_report letters`` (warm kernels,
statistics once, exporters reused) in a subprocess whose whole process tree is
sampled from /proc every 50 ms (resident memory; CPU per process, sorted into
the batch's own process, its workers and their kernels).

Printed: the cold-start batch of ``-n`` letters (kernels booting, statistics
from scratch) with its fixed start-up cost; per letter, execution and export
(from the manifest) and the export split into HTML, PDF layout, font
subsetting, image handling and writing (``bench_export.phase_split`` on the
batch's own executed letters); CPU utilisation of the batch (process-tree CPU
seconds / (wall x cores)); the naive loop on ``--naive`` letters and the ratio;
with ``--full``, the whole year (every council plus the national review).

By default WeasyPrint subsets fonts with fontTools, as on a machine without
libharfbuzz-subset0 (see fonttools_only.py); ``--subsetter system`` uses
whatever this machine has.

Letters are made in HTML, PDF and Word by both ways (the naive loop adds
``--to letter_docx``). Targets (issue #26): the full year (with the national
review, the index and the pack) >= 50x faster per letter than the naive loop;
fixed cost (start-up) of the cold batch < 3 s; peak RSS of the batch's tree
< 1 GiB and flat from ``-n`` letters to the full year. Each figure is also
recorded for ``run_all.py``'s closing table (``summary.record``).
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # this checkout's package, also in this process (the export split)
sys.path.insert(0, str(HERE))

from summary import record  # noqa: E402

BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "annual_review_letter.ipynb"
YEAR = 2020
GIB = 1024**3
TICKS = os.sysconf("SC_CLK_TCK")
TARGET_RATIO = 50
TARGET_STARTUP_SECONDS = 3
#: The formats of a year's letters, made by the batch and by the naive loop alike.
LETTER_FORMATS = "ipynb,html,pdf,docx"
NAIVE_EXPORTERS = ("letter_html", "letter_pdf", "letter_docx")
TARGET_PEAK_BYTES = 1 * GIB
#: Peak memory counts as flat when the full year's peak is within this factor of the small batch's.
FLAT_FACTOR = 1.15


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


def _cpu_and_state(pid: int) -> tuple[float, str]:
    """User + system CPU seconds of ``pid`` so far, and its state ("R" running or waiting for a core); (0, "") when gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS, fields[0]
    except (OSError, IndexError, ValueError):
        return 0.0, ""


def _role(pid: int, root: int) -> str | None:
    """"batch" (the root), "kernels" or "workers"; None when the process is gone."""
    if pid == root:
        return "batch"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
    except OSError:
        return None
    if not cmdline:
        return None  # a zombie: its role was seen before
    return "kernels" if b"ipykernel" in cmdline else "workers"


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack.extend(_children(current))
    return pids


class Run:
    """What one sampled run measured: wall seconds, peak tree RSS, CPU seconds (total and by role), exit code.

    ``runnable``: per sample, how many of the tree's processes were runnable (running
    or waiting for a core). Unlike utilisation, it does not depend on what else the
    machine runs: runnable >= cores in every sample means the batch alone would keep
    every core busy.
    """

    def __init__(self, seconds: float, peak: int, cpu: float, cpu_by_role: dict[str, float], code: int,
                 runnable: list[int] | None = None) -> None:
        self.seconds, self.peak, self.cpu, self.cpu_by_role, self.code = seconds, peak, cpu, cpu_by_role, code
        self.runnable = runnable or [0]

    def utilisation(self, cores: int) -> float:
        return self.cpu / (self.seconds * cores)


def run_sampled(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command``, sampling its process tree's RSS and per-process CPU every 50 ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0
    cpu_seen: dict[int, tuple[str, float]] = {}
    runnable: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            pids = tree_pids(process.pid)
            peak = max(peak, sum(_rss_bytes(p) for p in pids))
            running = 0
            for pid in pids:
                # Read each time: a kernel is first a fork of its worker, then execs ipykernel.
                role = _role(pid, process.pid) or cpu_seen.get(pid, ("workers", 0.0))[0]
                cpu, state = _cpu_and_state(pid)
                running += state == "R"
                cpu_seen[pid] = (role, max(cpu_seen.get(pid, (role, 0.0))[1], cpu))
            runnable.append(running)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Every process of the tree has been reaped by its parent by now, so the batch's
    # rusage for its children holds them all (the samples miss a process's last 50 ms).
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    by_role: dict[str, float] = {"batch": 0.0, "workers": 0.0, "kernels": 0.0}
    for role, seconds in cpu_seen.values():
        by_role[role] += seconds
    return Run(elapsed, peak, cpu, by_role, code, runnable)


def pick_councils(n: int) -> list[str]:
    """``n`` councils spread evenly over the year's register (all five types appear)."""
    from lgsco_report.register import councils_for_year

    codes = list(councils_for_year(YEAR)["authority_code"])
    if n >= len(codes):
        return codes
    step = len(codes) / n
    return [codes[int(i * step)] for i in range(n)]


def python_command(module: str, fonttools: bool) -> list[str]:
    """``python -m module``, through fonttools_only.py when fonts are to be subset by fontTools."""
    if fonttools:
        return [sys.executable, str(HERE / "fonttools_only.py"), "-m", module]
    return [sys.executable, "-m", module]


def naive(codes: list[str], work: Path, data_dir: Path, fonttools: bool) -> float:
    """Per letter: papermill CLI, nbconvert to HTML, PDF and Word (fresh processes)."""
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
        for exporter in NAIVE_EXPORTERS:
            # `jupyter nbconvert` is `python -m nbconvert`; run that way so the subsetter choice applies.
            subprocess.run(
                [*python_command("nbconvert", fonttools), "--to", exporter, str(executed), "--output-dir", str(folder)],
                check=True, capture_output=True,
            )
    return time.perf_counter() - start


def batch_command(codes: list[str] | None, out: Path, data_dir: Path, workers: int | None, fonttools: bool) -> list[str]:
    command = [*python_command("lgsco_report", fonttools), "letters", "--year", str(YEAR), "--out", str(out),
               "--data", str(data_dir), "--no-progress", "--force", "--formats", LETTER_FORMATS]
    if workers:
        command += ["--workers", str(workers)]
    for code in codes or []:
        command += ["--council", code]
    return command


def letter_timings(year_dir: Path) -> tuple[dict[str, list[float]], float]:
    """Per letter, the manifest's execute / export / total seconds; and the national review's total."""
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    timings: dict[str, list[float]] = {"execute": [], "export": [], "total": []}
    for letter in manifest["letters"].values():
        for key in timings:
            if key in letter.get("timings", {}):
                timings[key].append(letter["timings"][key])
    review = (manifest.get("reports", {}).get("national_review") or {}).get("timings", {}).get("total", 0.0)
    return timings, review


def report_run(label: str, run: Run, letters: int, year_dir: Path, workers: int) -> float:
    """Print one batch run; return its start-up cost (wall time not spent on letters or the review)."""
    cores = os.cpu_count() or 1
    timings, review = letter_timings(year_dir)
    busy = (sum(timings["total"]) + review) / workers
    startup = run.seconds - busy
    roles = ", ".join(f"{role} {seconds / letters:.3f}" for role, seconds in run.cpu_by_role.items())
    print(f"{label}: {run.seconds:6.1f} s for {letters} letters ({run.seconds / letters:.3f} s/letter), "
          f"peak RSS of its process tree {run.peak / GIB:.2f} GiB, exit {run.code}")
    print(f"  CPU {max(run.cpu, sum(run.cpu_by_role.values())):.1f} s = {max(run.cpu, sum(run.cpu_by_role.values())) / letters:.3f} s/letter "
          f"(by process, s/letter: {roles}); utilisation {run.utilisation(cores):.0%} of {cores} cores")
    busy_samples = sum(count >= cores for count in run.runnable) / len(run.runnable)
    print(f"  processes of the batch runnable (running or waiting for a core): mean {statistics.mean(run.runnable):.2f}; "
          f">= {cores} in {busy_samples:.0%} of samples (what would keep {cores} idle cores busy)")
    if timings["total"]:
        print(f"  per letter, median: execute {statistics.median(timings['execute']):.3f} s, "
              f"export (HTML, PDF, Word) {statistics.median(timings['export']):.3f} s, in all {statistics.median(timings['total']):.3f} s; "
              f"national review {review:.1f} s")
    print(f"  start-up and wind-down (wall minus letters and review spread over {workers} workers): {startup:.1f} s")
    record(f"split per letter, {label}: CPU s by process", f"{max(run.cpu, sum(run.cpu_by_role.values())) / letters:.3f} ({roles})"
           + (f"; median execute {statistics.median(timings['execute']):.3f} s, export {statistics.median(timings['export']):.3f} s wall"
              if timings["total"] else ""), "measured", None)
    return startup


def print_export_split(year_dir: Path, limit: int, fonttools: bool) -> None:
    """The export's phases, timed in this process on (up to ``limit`` of) the batch's executed letters."""
    import nbformat

    from bench_export import phase_split, print_phase_split

    if fonttools:
        from fonttools_only import use

        use()
    paths = sorted(year_dir.glob("*/letter.ipynb"))[:limit]
    if not paths:
        return
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    with tempfile.TemporaryDirectory(prefix="lgsco-bench-split-") as folder:
        split = phase_split(notebooks, Path(folder))
    print(f"  export split per letter, over {len(paths)} of these letters, in one process:")
    print_phase_split(split, indent="    ")
    from bench_export import PHASE_LABELS, PHASES

    record("split per letter: export phases, CPU s (median)",
           "; ".join(f"{PHASE_LABELS[phase]} {statistics.median(split[phase + '_cpu']):.3f}" for phase in PHASES), "measured", None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="letters in the cold-start batch (default 20)")
    parser.add_argument("--naive", type=int, default=3, metavar="N", help="letters for the naive loop (default 3; 0 skips it)")
    parser.add_argument("--workers", type=int, default=None, help="batch workers (default: number of cores)")
    parser.add_argument("--full", action="store_true", help="also run the batch for every council of the year")
    parser.add_argument("--skip-naive", action="store_true", help="same as --naive 0")
    parser.add_argument("--split", type=int, default=8, metavar="N", help="letters whose export is split into phases (default 8; 0 skips)")
    parser.add_argument("--subsetter", choices=("fonttools", "system"), default="fonttools",
                        help="fontTools (default: a machine without libharfbuzz-subset0) or whatever this machine has")
    args = parser.parse_args()

    from lgsco_report.register import councils_for_year
    from lgsco_report.sample import ensure_sample_data

    data_dir = Path(ensure_sample_data()).resolve()
    codes = pick_councils(args.n)
    naive_codes = [] if args.skip_naive or args.naive <= 0 else pick_councils(args.naive)
    total_councils = len(councils_for_year(YEAR))
    workers = args.workers or os.cpu_count() or 1
    fonttools = args.subsetter == "fonttools"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"{len(codes)} letters for {YEAR}, {os.cpu_count()} cores, workers={workers}, "
          f"fonts subset by {'fontTools (as without libharfbuzz-subset0)' if fonttools else 'what this machine has'}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="lgsco-bench-") as tmp:
        work = Path(tmp)
        run = run_sampled(batch_command(codes, work / "batch", data_dir, args.workers, fonttools), env)
        if run.code != 0:
            print(f"batch exited with {run.code}: letters failed, see {work / 'batch'}")
            return 1
        startup = report_run("cold-start batch", run, len(codes), work / "batch" / str(YEAR), workers)
        print(f"  target: start-up < {TARGET_STARTUP_SECONDS} s: {'met' if startup < TARGET_STARTUP_SECONDS else 'MISSED'}")
        record(f"fixed cost of a batch (start-up and wind-down, {len(codes)}-letter cold batch)", f"{startup:.1f} s",
               f"< {TARGET_STARTUP_SECONDS} s", startup < TARGET_STARTUP_SECONDS)
        ok &= startup < TARGET_STARTUP_SECONDS and run.peak < TARGET_PEAK_BYTES
        if args.split:
            print_export_split(work / "batch" / str(YEAR), args.split, fonttools)
        per_letter = run.seconds / len(codes)
        full = None
        if args.full:
            full = run_sampled(batch_command(None, work / "full", data_dir, args.workers, fonttools), env)
            report_run(f"full year ({total_councils} letters + national review)", full, total_councils,
                       work / "full" / str(YEAR), workers)
            per_letter = full.seconds / total_councils
            flat = full.peak < run.peak * FLAT_FACTOR
            record(f"peak memory, {len(codes)} letters vs the full year", f"{run.peak / GIB:.2f} / {full.peak / GIB:.2f} GiB",
                   "< 1 GiB, flat", flat and full.peak < TARGET_PEAK_BYTES)
            print(f"  {per_letter:.3f} s/letter; "
                  f"peak {full.peak / GIB:.2f} GiB vs {run.peak / GIB:.2f} GiB at {len(codes)} letters: "
                  f"{'flat' if flat else 'NOT FLAT'}, {'under' if full.peak < TARGET_PEAK_BYTES else 'OVER'} 1 GiB")
            ok &= full.code == 0 and flat and full.peak < TARGET_PEAK_BYTES
        else:
            print(f"full year ({total_councils} letters), EXTRAPOLATED from the cold batch: about "
                  f"{run.seconds / len(codes) * total_councils:.0f} s (run with --full to measure it)")
        if naive_codes:
            naive_seconds = naive(naive_codes, work / "naive", data_dir, fonttools)
            naive_per_letter = naive_seconds / len(naive_codes)
            ratio = naive_per_letter / per_letter
            print(f"naive loop: {naive_seconds:7.1f} s for {len(naive_codes)} letters ({naive_per_letter:.2f} s/letter)")
            print(f"ratio naive/batch per letter: {ratio:.1f}x against the {'full year' if full else 'cold-start batch'} "
                  f"(cold-start batch: {naive_per_letter / (run.seconds / len(codes)):.1f}x); target >= {TARGET_RATIO}x")
            record(f"{'full year' if full else 'cold batch'} per letter (HTML, PDF, Word; review, index, pack included) vs the naive loop",
                   f"{per_letter:.3f} s vs {naive_per_letter:.2f} s = {ratio:.1f}x", f">= {TARGET_RATIO}x", ratio >= TARGET_RATIO)
            ok &= ratio >= TARGET_RATIO
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
