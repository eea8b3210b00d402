"""`make bench`: run every benchmark in this folder, one after another, in one run.

Each script prints its own measured figures beside its target. Benchmarks are
never unit tests: the machines are shared and timings are noisy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["bench_stats.py", "bench_export.py", "bench_word.py", "bench_batch.py", "bench_inputs.py", "bench_site.py"]


def main(argv: list[str]) -> int:
    failures = 0
    for name in ORDER:
        script = HERE / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
        # Options (e.g. --full) are the batch benchmark's; the export's split is measured as without libharfbuzz-subset0.
        extra = argv if name == "bench_batch.py" else ["--fonttools"] if name == "bench_export.py" else []
        result = subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
