"""Kill the batch at random points, several times: nothing half-written, the manifest stays true, a rerun finishes.

Uses the real letter notebook, so "complete and valid" means real letters:
the notebook parses, the HTML is whole, the PDF opens.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from lgsco_report.batch import BatchLockedError, run_batch
from lgsco_report.register import councils_for_year

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2020
LETTER_FILES = {"letter.ipynb", "letter.html", "letter.pdf", "letter.log"}
# Seeded, so a failure can be replayed; the points still fall at different stages
# (start-up, statistics, letters in flight, index writing).
KILLS = [(signal.SIGKILL, d) for d in random.Random(2020).sample([3.0, 5.5, 7.0, 9.0, 11.0], 2)] + [
    (signal.SIGTERM, 8.0),
    (signal.SIGINT, 10.0),
]


def _letter_dirs(year_dir: Path) -> list[Path]:
    return [p for p in year_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "failed"]


def _check_consistent(year_dir: Path) -> set[str]:
    """Every letter on disk is complete and valid; every letter the manifest calls done is on disk."""
    for folder in _letter_dirs(year_dir):
        assert {p.name for p in folder.iterdir()} == LETTER_FILES, f"half-written letter {folder}"
        nbformat.read(folder / "letter.ipynb", as_version=4)
        assert (folder / "letter.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert len(PdfReader(folder / "letter.pdf").pages) >= 2
    done = set()
    manifest = year_dir / "manifest.json"
    if manifest.exists():
        letters = json.loads(manifest.read_text(encoding="utf-8"))["letters"]
        for code, entry in letters.items():
            if entry["status"] == "done":
                done.add(code)
                for relative in entry["outputs"].values():
                    assert (year_dir / relative).is_file(), f"manifest lists missing {relative}"
    return done


@pytest.mark.slow
def test_batch_killed_at_random_points_then_finished(tmp_path):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    codes = list(councils_for_year(YEAR)["authority_code"][::60])  # six councils across the register
    command = [sys.executable, "-m", "lgsco_report.batch", "--year", str(YEAR), "--out", str(out),
               "--workers", "2", "--no-progress"]
    for code in codes:
        command += ["--council", code]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    progress = []
    for signum, delay in KILLS:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signum)
        try:
            process.wait(60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        if year_dir.exists():
            progress.append(_check_consistent(year_dir))
    assert progress, "no kill landed after the output folder was made"
    # The rerun may have to wait for the last killed batch's workers to let go of the lock.
    deadline = time.monotonic() + 60
    while True:
        try:
            result = run_batch(YEAR, councils=codes, out_dir=out, workers=2, progress=False)
            break
        except BatchLockedError:
            assert time.monotonic() < deadline, "a killed batch's lock was never released"
            time.sleep(0.5)
    assert result.failed == 0 and result.done + result.skipped == len(codes)
    assert result.skipped == len(progress[-1])  # what was done before is not redone
    assert _check_consistent(year_dir) == set(codes)
    assert len(_letter_dirs(year_dir)) == len(codes)
    assert not (year_dir / ".tmp").exists()
