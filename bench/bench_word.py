"""Benchmark: Word (.docx) letter per letter, beside the HTML + PDF export of the same letter.

Run: ``python bench/bench_word.py [--letters N] [--notebook executed.ipynb]``.
Uses one real executed letter notebook (``--notebook``) or, by default, runs the
letter notebook once with papermill on the sample data. Then builds the .docx N
times through ``word.notebook_to_docx`` (as the batch's ``--formats ...,docx``
does) and prints the first build and the median / worst of the rest, with the
HTML + PDF export of the same notebook for comparison. Target: a Word letter
adds well under 1 s to a letter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lgsco_report.exporters import export_letter  # noqa: E402
from lgsco_report.word import notebook_to_docx  # noqa: E402

TARGET_SECONDS = 1.0


def executed_letter(folder: Path) -> nbformat.NotebookNode:
    """The real letter notebook, executed once for one council on the sample data."""
    import papermill

    from lgsco_report.workbook import letter_notebook
    from lgsco_report.sample import ensure_sample_data

    target = folder / "executed.ipynb"
    papermill.execute_notebook(
        str(letter_notebook()), str(target), progress_bar=False, cwd=str(letter_notebook().parent),
        parameters={"council": "Kent County Council", "year": 2020, "data_dir": str(ensure_sample_data()),
                    "generated_at": "2020-07-22T09:00:00+00:00"},
    )
    return nbformat.read(target, as_version=4)


def timed(function, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each call (CPU time is the fair figure on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20)
    parser.add_argument("--notebook", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nb = nbformat.read(args.notebook, as_version=4) if args.notebook else executed_letter(folder)
        docx_times, docx_cpu = timed(lambda: notebook_to_docx(nb), args.letters)
        size = len(notebook_to_docx(nb))
        export_times, export_cpu = timed(lambda: export_letter(nb, folder / "l.html", folder / "l.pdf"), max(3, args.letters // 4))
    later = docx_times[1:] or docx_times
    median, worst = statistics.median(later), max(later)
    print(f"Word letter (.docx, {size / 1024:.0f} KiB): first {docx_times[0]:.3f} s, "
          f"then median {median:.3f} s (CPU {statistics.median(docx_cpu[1:] or docx_cpu):.3f} s), "
          f"worst {worst:.3f} s over {len(later)} letters (target < {TARGET_SECONDS:g} s)")
    print(f"same letter, HTML + PDF export: median {statistics.median(export_times[1:] or export_times):.3f} s "
          f"(CPU {statistics.median(export_cpu[1:] or export_cpu):.3f} s)")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
