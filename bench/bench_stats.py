"""Benchmark: compute_statistics for every council over six years (target < 1.0 s).

Run: ``python bench/bench_stats.py``. Uses the project's sample data when
``lgsco_report.sample`` and ``lgsco_report.inputs`` are available, otherwise
synthesises about 100,000 realistic case rows over the real register. Only
``compute_statistics`` is timed (best of 5), not loading or synthesis.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lgsco_report import register, stats  # noqa: E402
from lgsco_report.definitions import (  # noqa: E402
    CATEGORIES,
    COMPLIANCE_OUTCOMES,
    DECISION_OUTCOMES,
    year_start,
)

TARGET_SECONDS = 1.0
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
RUNS = 5


def synthetic_cases(total_rows: int = 100_000, seed: int = 2020) -> SimpleNamespace:
    """~``total_rows`` case rows over the register's councils, shaped like CaseData.

    Proportions follow domain.md roughly: ~17,000 received and ~15,000 decided a
    year, a quarter of decisions detailed investigations, ~65% of those upheld.
    """
    rng = np.random.default_rng(seed)
    per_year = total_rows // len(YEARS)
    received_n, decided_n = int(per_year * 0.5), int(per_year * 0.45)
    compliance_n = per_year - received_n - decided_n
    decision_weights = np.array([0.16, 0.09, 0.08, 0.40, 0.02, 0.25])
    compliance_weights = np.array([0.95, 0.045, 0.005])
    parts: dict[str, list[pd.DataFrame]] = {"received": [], "decided": [], "compliance": []}
    for year in YEARS:
        councils = register.councils_for_year(year)
        weights = councils["population"].fillna(councils["population"].median()).to_numpy()
        weights = weights / weights.sum()
        start = pd.Timestamp(year_start(year))

        def draw(n: int) -> tuple[np.ndarray, pd.DatetimeIndex]:
            codes = rng.choice(councils["authority_code"].to_numpy(dtype=object), size=n, p=weights)
            dates = start + pd.to_timedelta(rng.integers(0, 365, size=n), unit="D")
            return codes, dates

        codes, dates = draw(received_n)
        parts["received"].append(
            pd.DataFrame(
                {"authority_code": codes, "received_date": dates, "category": rng.choice(list(CATEGORIES), size=received_n)}
            )
        )
        codes, dates = draw(decided_n)
        outcomes = rng.choice(list(DECISION_OUTCOMES), size=decided_n, p=decision_weights)
        parts["decided"].append(
            pd.DataFrame(
                {
                    "authority_code": codes,
                    "decision_date": dates,
                    "category": rng.choice(list(CATEGORIES), size=decided_n),
                    "outcome": outcomes,
                    "remedy_by_authority": (outcomes == DECISION_OUTCOMES[0]) & (rng.random(decided_n) < 0.13),
                }
            )
        )
        codes, dates = draw(compliance_n)
        parts["compliance"].append(
            pd.DataFrame(
                {
                    "authority_code": codes,
                    "compliance_date": dates,
                    "outcome": rng.choice(list(COMPLIANCE_OUTCOMES), size=compliance_n, p=compliance_weights),
                }
            )
        )
    tables = {}
    for name, frames in parts.items():
        frame = pd.concat(frames, ignore_index=True)
        frame.insert(0, "case_ref", [f"{name[:1].upper()}{i:07d}" for i in range(len(frame))])
        tables[name] = frame
    return SimpleNamespace(**tables, sources=[], is_sample=True, years=list(YEARS))


def load_benchmark_cases() -> tuple[object, str]:
    """The sample dataset if its modules exist, else synthetic rows; plus a description."""
    if importlib.util.find_spec("lgsco_report.sample") and importlib.util.find_spec("lgsco_report.inputs"):
        from lgsco_report import inputs, sample

        data_dir = sample.ensure_sample_data()
        return inputs.load(data_dir), f"sample data in {data_dir}"
    return synthetic_cases(), "synthetic data (lgsco_report.sample not available)"


def main() -> int:
    case_data, description = load_benchmark_cases()
    rows = sum(len(getattr(case_data, name)) for name in ("received", "decided", "compliance"))
    stats.compute_statistics(case_data)  # warm-up: first read of the register
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        statistics = stats.compute_statistics(case_data)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    years = statistics.years
    verdict = "OK" if best < TARGET_SECONDS else "TOO SLOW"
    print(f"input: {description}; {rows:,} case rows; {len(statistics.councils):,} council-years")
    print(
        f"stats: all councils, {len(years)} years: {best:.2f} s (target < {TARGET_SECONDS:.1f} s) {verdict}"
    )
    return 0 if best < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
