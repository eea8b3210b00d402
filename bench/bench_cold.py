"""Benchmark: one letter from cold, as an analyst makes it, beside the naive loop's one letter; the notebook's first run.

Side by side, in rounds (naive, then cold, then naive, ...), each a fresh process tree:

* **naive**: the ``papermill`` CLI on the letter notebook, then ``jupyter nbconvert --to``
  ``letter_html``, ``letter_pdf`` and ``letter_docx`` (one letter in HTML, PDF and Word);
* **cold**: ``lgsco-report letters --year 2020 --council NAME`` into a new folder (nothing
  cached: the statistics cache lives in the year folder), HTML, PDF and Word.

Target (issue #26): the cold letter in a third of the naive letter's time or less.

The notebook's own first run (what an analyst meets in JupyterLab) is read from the
naive run's executed notebook: papermill records each cell's duration. Printed: the
import of the package in a new interpreter, the letter cell (parameters checked, data
read, statistics, wording), the first chart cell, and the first PDF export. Target: the
same third of the naive letter for the notebook's cells and its first PDF together.
Timings are wall seconds: the medians of the rounds are compared, never one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_batch import BIN, NOTEBOOK, YEAR, python_command  # noqa: E402
from summary import record  # noqa: E402

TARGET_FRACTION = 1 / 3
COUNCIL = "Watford"
FORMATS = ("letter_html", "letter_pdf", "letter_docx")


def naive_letter(folder: Path, data_dir: Path, fonttools: bool) -> tuple[float, dict[str, float]]:
    """One letter the naive way; its wall seconds and the steps' seconds (papermill, each export)."""
    folder.mkdir(parents=True)
    executed = folder / "letter.ipynb"
    steps: dict[str, float] = {}
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "papermill"), str(NOTEBOOK), str(executed), "-p", "council", COUNCIL, "-p", "year", str(YEAR),
         "-p", "data_dir", str(data_dir), "--cwd", str(NOTEBOOK.parent), "--no-progress-bar", "-k", "python3"],
        check=True, capture_output=True,
    )
    steps["papermill"] = time.perf_counter() - start
    for exporter in FORMATS:
        began = time.perf_counter()
        subprocess.run([*python_command("nbconvert", fonttools), "--to", exporter, str(executed), "--output-dir", str(folder)],
                       check=True, capture_output=True)
        steps[exporter] = time.perf_counter() - began
    return time.perf_counter() - start, steps


def cold_letter(folder: Path, data_dir: Path, fonttools: bool, env: dict[str, str]) -> float:
    """``lgsco-report letters --council`` in a new process, into an empty folder; its wall seconds."""
    command = [*python_command("lgsco_report", fonttools), "letters", "--year", str(YEAR), "--council", COUNCIL,
               "--out", str(folder), "--data", str(data_dir), "--no-progress", "--formats", "ipynb,html,pdf,docx"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def cell_durations(executed: Path) -> list[tuple[str, float]]:
    """Each code cell's first source line and the seconds papermill recorded for it."""
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    return [("".join(cell["source"]).splitlines()[0], float(cell["metadata"].get("papermill", {}).get("duration") or 0.0))
            for cell in notebook["cells"] if cell["cell_type"] == "code"]


def import_seconds(env: dict[str, str]) -> float:
    """``import lgsco_report.letter`` (the notebook's first import) in a new interpreter."""
    code = "import time; t = time.perf_counter(); import lgsco_report.letter; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env).stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of naive + cold (default 2)")
    parser.add_argument("--subsetter", choices=("fonttools", "system"), default="fonttools")
    args = parser.parse_args()
    from lgsco_report.sample import ensure_sample_data

    data_dir = Path(ensure_sample_data()).resolve()
    fonttools = args.subsetter == "fonttools"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    naive_times, cold_times, imports, steps_seen, cells_seen = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="lgsco-bench-cold-") as tmp:
        for round_ in range(args.rounds):
            seconds, steps = naive_letter(Path(tmp) / f"naive{round_}", data_dir, fonttools)
            naive_times.append(seconds)
            steps_seen.append(steps)
            cells_seen.append(cell_durations(Path(tmp) / f"naive{round_}" / "letter.ipynb"))
            cold_times.append(cold_letter(Path(tmp) / f"cold{round_}", data_dir, fonttools, env))
            imports.append(import_seconds(env))
    naive, cold = statistics.median(naive_times), statistics.median(cold_times)
    fraction = cold / naive
    print(f"one letter ({COUNCIL} {YEAR}, HTML + PDF + Word), {args.rounds} rounds side by side:")
    print(f"  naive loop (papermill + 3 nbconvert): median {naive:.1f} s ({', '.join(f'{t:.1f}' for t in naive_times)})")
    print(f"  cold `lgsco-report letters --council`: median {cold:.1f} s ({', '.join(f'{t:.1f}' for t in cold_times)}); "
          f"{fraction:.2f} of the naive letter (target <= {TARGET_FRACTION:.2f}): {'met' if fraction <= TARGET_FRACTION else 'MISSED'}")
    record("one letter from cold (`letters --council`), HTML+PDF+Word", f"{cold:.1f} s = {fraction:.2f} of the naive letter ({naive:.1f} s)",
           f"<= {TARGET_FRACTION:.2f} of the naive letter", fraction <= TARGET_FRACTION)
    # The notebook's first run: the medians over rounds of each cell, the import and the first PDF.
    cells = [(cells_seen[0][i][0], statistics.median(run[i][1] for run in cells_seen)) for i in range(len(cells_seen[0]))]
    letter_cell = next(seconds for source, seconds in cells if "prepare_letter" in source or source.startswith("from lgsco_report"))
    chart_cell = next(seconds for source, seconds in cells if "key_rates_figure" in source)
    pdf = statistics.median(s["letter_pdf"] for s in steps_seen)
    notebook_total = sum(seconds for _, seconds in cells) + pdf
    imported = statistics.median(imports)
    notebook_fraction = notebook_total / naive
    print(f"  the notebook's first run: import {imported:.2f} s; letter cell {letter_cell:.2f} s (import, data, statistics, "
          f"wording); first chart {chart_cell:.2f} s; all cells {sum(s for _, s in cells):.2f} s; first PDF {pdf:.2f} s")
    record("notebook's first run: import / letter cell / first chart / first PDF",
           f"{imported:.2f} / {letter_cell:.2f} / {chart_cell:.2f} / {pdf:.2f} s", "measured", None)
    record("notebook's first run: its cells and first PDF together", f"{notebook_total:.1f} s = {notebook_fraction:.2f} of the naive letter",
           f"<= {TARGET_FRACTION:.2f} of the naive letter", notebook_fraction <= TARGET_FRACTION)
    return 0 if fraction <= TARGET_FRACTION else 1


if __name__ == "__main__":
    sys.exit(main())
