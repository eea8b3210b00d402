"""Benchmark: the whole site, six years and every council, from the sample data (target < 60 s on 2 cores).

Run: ``python bench/bench_site.py``. Times a cold build (every page written:
loading the data, computing the statistics once, rendering and writing about
365 pages), then a rebuild with nothing changed (every page's fingerprint
compared, none written), in a temporary folder.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lgsco_report.sample import write_sample_data  # noqa: E402
from lgsco_report.site import build_site  # noqa: E402
from summary import record  # noqa: E402

TARGET_SECONDS = 60.0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-site-") as folder:
        data, out = Path(folder) / "data", Path(folder) / "site"
        write_sample_data(data)
        started, cpu = time.perf_counter(), time.process_time()
        cold = build_site(out, data_dir=data, letters_dir=None)
        cold_seconds, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        warm = build_site(out, data_dir=data, letters_dir=None)
        warm_seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*.html"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "PASS" if cold_seconds < TARGET_SECONDS else "FAIL"
    print(f"site, {cold.pages} pages for six years: cold {cold_seconds:.1f} s ({cold_cpu:.1f} s CPU), "
          f"{len(cold.written)} written, {size / 1e6:.1f} MB; rebuild unchanged {warm_seconds:.1f} s, "
          f"{len(warm.written)} written; peak memory {peak:.0f} MB; target < {TARGET_SECONDS:.0f} s: {verdict}")
    record(f"the site, six years ({cold.pages} pages), cold", f"{cold_seconds:.1f} s ({cold_cpu:.1f} s CPU)",
           f"< {TARGET_SECONDS:.0f} s", cold_seconds < TARGET_SECONDS)
    return 0 if verdict == "PASS" or os.environ.get("BENCH_NO_FAIL") else 1


if __name__ == "__main__":
    sys.exit(main())
