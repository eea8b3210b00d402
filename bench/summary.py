"""The figures of one `make bench` run, gathered for its closing table.

Each benchmark script calls ``record`` for every figure it measured against a
target of issue #26; ``bench/run_all.py`` points ``LGSCO_BENCH_SUMMARY`` at a
file for the run and prints that file as one table at the end, so the README's
table can be copied from a single run. Run on its own, a script just prints.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "LGSCO_BENCH_SUMMARY"


def record(figure: str, measured: str, target: str, met: bool | None) -> None:
    """Add one row (``met`` None: measured for information, no target) to this run's summary, if there is one."""
    path = os.environ.get(ENV)
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"figure": figure, "measured": measured, "target": target, "met": met}) + "\n")


def read(path: Path) -> list[dict]:
    """The rows recorded in ``path``, in the order they were measured."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table (the README's form)."""
    verdict = {True: "met", False: "MISSED", None: "-"}
    lines = ["| figure | measured | target | |", "|---|---|---|---|"]
    lines += [f"| {r['figure']} | {r['measured']} | {r['target']} | {verdict[r['met']]} |" for r in rows]
    return "\n".join(lines)
