"""`make bench`: run every benchmark in this folder, one after another, in one run.

Each script prints its own measured figures beside its target, and records the
figures of issue #26 (``summary.record``); the run ends with one table of them
all, measured in this one run (the README's table is a copy of it). Benchmarks
are never unit tests: the machines are shared and timings are noisy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["bench_stats.py", "bench_export.py", "bench_word.py", "bench_cold.py", "bench_batch.py", "bench_inputs.py", "bench_site.py"]
sys.path.insert(0, str(HERE))

import summary  # noqa: E402


def main(argv: list[str]) -> int:
    failures = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lgsco-bench-summary-") as folder:
        figures = Path(folder) / "figures.jsonl"
        env = {**os.environ, summary.ENV: str(figures)}
        for name in ORDER:
            script = HERE / name
            if not script.exists():
                continue
            print(f"== {name}", flush=True)
            # Options (e.g. --full) are the batch benchmark's; the export's split is measured as without libharfbuzz-subset0.
            extra = argv if name == "bench_batch.py" else ["--fonttools"] if name == "bench_export.py" else []
            result = subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent, env=env)
            failures += result.returncode != 0
        rows = summary.read(figures)
    print(f"\n== the figures of this run ({time.perf_counter() - started:.0f} s, {os.cpu_count()} cores; "
          "fonts subset by fontTools, as without libharfbuzz-subset0)")
    print(summary.table(rows))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
