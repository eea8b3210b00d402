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

from lgsco_report.errors import BatchLockedError
from lgsco_report.batch import run_batch
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
    command = [sys.executable, "-m", "lgsco_report", "letters", "--year", str(YEAR), "--out", str(out),
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


# --------------------------------------------------------------------------- a stop says so in one line


#: Five councils across the register: the stop lands while the others are still being written.
STOP_COUNCILS = list(councils_for_year(YEAR)["authority_code"][5::70])
#: Run in the batch's subprocess for the disk-full case: the real command line, but one letter's writes
#: fail with ENOSPC (as in tests/batch/test_run_reliability.py). That letter waits until another is recorded,
#: so the stop finds the other worker in the middle of a letter, which the batch then has to stop.
DISK_FULL_DRIVER = """
import errno, json, os, sys, time
from pathlib import Path
from lgsco_report import atomic, cli
from lgsco_report.batch import tasks

original, full_on = tasks.run_notebook_task, sys.argv[1]

def recorded(task):
    manifest = Path(task.year_dir) / "manifest.json"
    letters = json.loads(manifest.read_text(encoding="utf-8"))["letters"] if manifest.exists() else {}
    return any(entry["status"] == "done" for entry in letters.values())

def run_notebook_task(task, kernel):
    if task.authority_code == full_on:
        while not recorded(task):
            time.sleep(0.05)
        def full(path, write):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        atomic.write_with = full
    return original(task, kernel)

tasks.run_notebook_task = run_notebook_task
sys.exit(cli.main(["letters", *sys.argv[2:]]))
"""


def _letters_command(out: Path) -> list[str]:
    script = Path(sys.executable).with_name("lgsco-report")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "lgsco_report"]
    return [*command, "letters", *_letters_options(out)]


def _letters_options(out: Path) -> list[str]:
    options = ["--year", str(YEAR), "--out", str(out), "--workers", "2", "--no-progress", "--no-reports"]
    for code in STOP_COUNCILS:
        options += ["--council", code]
    return options


def _done(year_dir: Path) -> set[str]:
    """The letters the manifest calls done; the manifest must always parse."""
    manifest = year_dir / "manifest.json"
    if not manifest.exists():
        return set()
    letters = json.loads(manifest.read_text(encoding="utf-8"))["letters"]
    return {code for code, entry in letters.items() if entry["status"] == "done"}


def _stop_after_first_letter(process: subprocess.Popen, year_dir: Path, signum: int, to_group: bool) -> None:
    deadline = time.monotonic() + 300
    while not _done(year_dir):
        assert process.poll() is None, f"the batch ended before its first letter: {process.communicate()}"
        assert time.monotonic() < deadline, "no letter recorded within 300 s"
        time.sleep(0.05)
    if to_group:  # Ctrl-C: the terminal signals the whole foreground process group
        os.killpg(process.pid, signum)
    else:  # kill PID
        process.send_signal(signum)


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    return process.returncode, err


def _assert_stopped_in_one_line(code: int, err: str, exit_code: int, words: str, year_dir: Path) -> None:
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert code == exit_code, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], err
    assert "run the same command again" in lines[0]
    done = _done(year_dir)  # the manifest parses and still tells the truth
    assert done and done < set(STOP_COUNCILS)
    assert not (year_dir / ".tmp").exists()


def _assert_rerun_finishes(out: Path, year_dir: Path) -> None:
    rerun = subprocess.run(_letters_command(out), env={**os.environ, "PYTHONPATH": str(ROOT)},
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert _done(year_dir) == set(STOP_COUNCILS)
    assert _check_consistent(year_dir) == set(STOP_COUNCILS)


@pytest.mark.parametrize("signum, to_group, exit_code, words", [
    (signal.SIGINT, True, 130, "Interrupted"),
    (signal.SIGTERM, False, 143, "SIGTERM"),
], ids=["ctrl-c", "sigterm"])
@pytest.mark.slow
def test_a_stopped_batch_says_so_in_one_line_and_a_rerun_finishes(tmp_path, signum, to_group, exit_code, words):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    process = subprocess.Popen(_letters_command(out), env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    _stop_after_first_letter(process, year_dir, signum, to_group)
    code, err = _finish(process)
    _assert_stopped_in_one_line(code, err, exit_code, words, year_dir)
    _assert_rerun_finishes(out, year_dir)


@pytest.mark.slow
def test_a_full_disk_stops_the_batch_in_one_line_and_a_rerun_finishes(tmp_path):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    command = [sys.executable, "-c", DISK_FULL_DRIVER, STOP_COUNCILS[1], *_letters_options(out)]
    process = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    code, err = _finish(process)
    _assert_stopped_in_one_line(code, err, 4, "the disk is full", year_dir)
    _assert_rerun_finishes(out, year_dir)
