"""Executors: the serial executor (no fork, this process) and the warm-kernel pool write the same letters."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from lgsco_report.batch import run_batch
from lgsco_report.batch.executors import SerialExecutor, make_executor
from lgsco_report.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"
YEAR = 2020
COUNCILS = ["Cannock Chase", "Watford"]
FIXED = "2020-07-15T09:00:00+01:00"


def _letter_bytes(year_dir: Path) -> dict[str, bytes]:
    letters = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))["letters"]
    assert len(letters) == 2 and {e["status"] for e in letters.values()} == {"done"}
    return {
        relative: (year_dir / relative).read_bytes()
        for entry in letters.values()
        for fmt, relative in entry["outputs"].items()
        if fmt in ("html", "pdf")
    }


@pytest.mark.slow
def test_serial_and_pool_write_the_same_letters(tmp_path, monkeypatch):
    pooled = run_batch(YEAR, councils=COUNCILS, out_dir=tmp_path / "pool", workers=2, formats=("html", "pdf"),
                       generated_at=FIXED, progress=False, reports=False)
    assert (pooled.done, pooled.failed) == (2, 0)

    def no_fork(*args, **kwargs):
        raise AssertionError("the serial executor must not fork")

    with monkeypatch.context() as patch:
        patch.setattr(multiprocessing, "get_context", no_fork)
        patch.setattr(os, "fork", no_fork)
        serial = run_batch(YEAR, councils=COUNCILS, out_dir=tmp_path / "serial", formats=("html", "pdf"),
                           generated_at=FIXED, progress=False, reports=False, executor="serial")
    assert (serial.done, serial.failed) == (2, 0)
    pool_letters = _letter_bytes(tmp_path / "pool" / str(YEAR))
    serial_letters = _letter_bytes(tmp_path / "serial" / str(YEAR))
    assert len(pool_letters) == 4
    assert serial_letters == pool_letters


@pytest.mark.slow
def test_letters_command_runs_serially_when_asked(tmp_path, monkeypatch):
    def no_fork(*args, **kwargs):
        raise AssertionError("--executor serial must not fork")

    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    code = cli_main(["letters", "--year", str(YEAR), "--council", "Watford", "--out", str(tmp_path), "--formats", "ipynb",
                     "--notebook", str(STANDIN), "--executor", "serial", "--no-reports", "--no-progress"])
    assert code == 0
    letters = json.loads((tmp_path / str(YEAR) / "manifest.json").read_text(encoding="utf-8"))["letters"]
    assert [entry["status"] for entry in letters.values()] == ["done"]


def test_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="serial"):
        make_executor("cluster", 1, None, Path("."), 60)
    assert isinstance(make_executor("serial", 4, None, Path("."), 60), SerialExecutor)


class _Pipe:
    """The worker's end of the pipe: hands out the given tasks, then None; records what is sent back."""

    def __init__(self, tasks):
        self.tasks = list(tasks) + [None]
        self.sent = []

    def recv(self):
        return self.tasks.pop(0)

    def send(self, message):
        self.sent.append(message)


class _Kernel:
    pid = 4242

    def ensure_started(self):
        pass


def test_a_worker_freezes_what_lives_after_its_first_document_and_only_then(monkeypatch):
    """gc.freeze once, after the first result went back: later collections skip the worker's long-lived heap."""
    import gc

    from lgsco_report.batch import executors

    frozen_when = []
    monkeypatch.setattr(executors, "freeze_long_lived", lambda: frozen_when.append(len(pipe.sent)))
    monkeypatch.setattr(executors._tasks, "run_safely", lambda task, kernel: {"task": task})
    pipe = _Pipe(["first", "second", "third"])
    executors._serve(pipe, _Kernel())
    assert [m for m in pipe.sent if m[0] == "result"] == [("result", {"task": t}) for t in ("first", "second", "third")]
    assert frozen_when == [2]  # after ("kernel", pid) and the first ("result", ...), never again
    monkeypatch.undo()

    class Garbage:
        pass

    import weakref

    before = gc.get_freeze_count()
    cycle = Garbage()
    cycle.itself = cycle
    dead = weakref.ref(cycle)
    del cycle
    try:
        executors.freeze_long_lived()
        # Everything alive was moved out of the collected generations, the first document's garbage was not.
        assert gc.get_freeze_count() > before
        assert dead() is None
    finally:
        gc.unfreeze()


def test_the_cli_offers_the_executors_table(tmp_path, capsys):
    """--executor reads its choices from EXECUTORS: a new row is a new choice; an unknown name is refused at parse time."""
    import argparse

    from lgsco_report import cli
    from lgsco_report.batch import executors

    parser = argparse.ArgumentParser()
    cli.add_letters_arguments(parser)
    assert parser.parse_args(["--year", "2020", "--executor", "serial"]).executor == "serial"
    with pytest.raises(SystemExit):
        parser.parse_args(["--year", "2020", "--executor", "cluster"])
    assert "unknown executor 'cluster'; choose one of: pool, serial" in capsys.readouterr().err
    table = {**executors.EXECUTORS, "cluster": executors.EXECUTORS["serial"]}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(executors, "EXECUTORS", table)
        assert parser.parse_args(["--year", "2020", "--executor", "cluster"]).executor == "cluster"
        assert isinstance(executors.make_executor("cluster", 2, None, tmp_path, 60), executors.SerialExecutor)


def test_run_batch_refuses_an_unknown_executor_before_writing_anything(tmp_path):
    from lgsco_report.errors import BatchError
    from lgsco_report.batch import run_batch

    with pytest.raises(BatchError, match="unknown executor 'cluster'"):
        run_batch(2020, councils=["Rutland"], out_dir=tmp_path / "out", executor="cluster", progress=False)
    assert not (tmp_path / "out").exists()
