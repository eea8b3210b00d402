"""The batch, round two: stale letters, failed reruns, dead kernels, full disks, other people's files,
leaking warm kernels, an untrusted statistics cache, and clear messages.

Letters come from the stand-in notebook (tests/data/standin_letter.ipynb) on real
warm kernels; faults are injected into the forked workers by wrapping
``tasks.run_notebook_task`` before the batch starts (a worker is a fork of the test).
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from lgsco_report import __version__
from lgsco_report.errors import BatchError
from lgsco_report.batch import fingerprint, layout, run_batch, tasks
from lgsco_report.cli import add_letters_arguments, cmd_letters
from lgsco_report.inputs import fingerprint as data_fingerprint
from lgsco_report.hashing import fingerprint_digest
from lgsco_report.year_folder.manifest import slugify
from lgsco_report.yearparams import default_parameters_file

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"
MUTATING = ROOT / "tests" / "data" / "mutating_letter.ipynb"
YEAR = 2020
CANNOCK, WATFORD, WARWICK = "E07000192", "E07000103", "E07000222"
NAMES = {CANNOCK: "Cannock Chase District Council", WATFORD: "Watford Borough Council", WARWICK: "Warwick District Council"}
LETTER_FILES = {"letter.ipynb", "letter.html", "letter.pdf", "letter.log"}


def _letters(year_dir: Path) -> dict:
    return json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))["letters"]


def _parser_args(*argv: str):
    import argparse

    parser = argparse.ArgumentParser()
    add_letters_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture()
def params_folder(tmp_path, monkeypatch) -> Path:
    """Private copies of parameters/2020.yaml and addressees.csv (via $LGSCO_REPORT_PARAMETERS)."""
    folder = tmp_path / "parameters"
    folder.mkdir()
    shutil.copy(ROOT / "parameters" / f"{YEAR}.yaml", folder / f"{YEAR}.yaml")
    shutil.copy(ROOT / "parameters" / "addressees.csv", folder / "addressees.csv")
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(folder))
    assert default_parameters_file(YEAR) == folder / f"{YEAR}.yaml"
    return folder


@pytest.fixture()
def package_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the package's files that the batch fingerprints (so a test may edit them)."""
    copy = tmp_path / "package"
    shutil.copytree(fingerprint.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", copy)
    return copy


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


# --------------------------------------------------------------------------- 1. stale letters


@pytest.mark.slow
def test_every_input_that_shapes_a_letter_is_in_its_fingerprint(tmp_path, params_folder, package_copy):
    out = tmp_path / "outputs"
    notebook = tmp_path / "letter.ipynb"
    shutil.copy(STANDIN, notebook)
    overrides = tmp_path / "office-addressees.csv"
    shutil.copy(params_folder / "addressees.csv", overrides)
    kwargs = dict(councils=[CANNOCK], out_dir=out, workers=1, notebook=notebook, formats=("ipynb",), progress=False,
                  reports=False)

    def rerun(**extra) -> tuple[int, int]:
        result = run_batch(YEAR, **{**kwargs, **extra})
        assert result.failed == 0, result.failures
        return result.done, result.skipped

    assert rerun() == (1, 0)
    assert rerun() == (0, 1)
    _append(params_folder / "addressees.csv", "Watford Borough Council,A. Person,Managing Director\n")
    assert rerun() == (1, 0), "edited addressees file: letter kept"
    assert rerun(overrides=overrides) == (1, 0), "another addressees file: letter kept"
    assert rerun(overrides=overrides) == (0, 1)
    _append(overrides, "Watford Borough Council,A. Person,Managing Director\n")
    assert rerun(overrides=overrides) == (1, 0), "edited overrides file: letter kept"
    office = params_folder / "office.html.j2"
    shutil.copy(package_copy / "templates" / "letter" / "letter.html.j2", office)
    _append(params_folder / f"{YEAR}.yaml", "\nletter_template: office.html.j2\n")
    assert rerun() == (1, 0), "edited year parameters: letter kept"
    _append(office, "{# the office's wording, edited #}\n")
    assert rerun() == (1, 0), "edited office template: letter kept"
    for relative in ("templates/letter/letter.html.j2", "templates/nbconvert/lgsco_letter/letter.css",
                     "templates/nbconvert/lgsco_letter/index.html.j2", "letter/__init__.py"):
        _append(package_copy / relative, "\n")
        assert rerun() == (1, 0), f"edited {relative}: letter kept"
    assert rerun() == (0, 1)
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[-1].source += "\n# edited"
    nbformat.write(nb, notebook)
    assert rerun() == (1, 0), "edited notebook: letter kept"
    entry = _letters(out / str(YEAR))[CANNOCK]
    assert entry["fingerprint"]["addressees"] and entry["fingerprint"]["letter_template"]


@pytest.mark.slow
def test_national_review_is_remade_when_its_templates_change(tmp_path, params_folder, package_copy):
    out = tmp_path / "outputs"
    kwargs = dict(councils=[CANNOCK], out_dir=out, workers=1, notebook=STANDIN, formats=("ipynb", "html"), progress=False)

    def review() -> dict:
        return json.loads((out / str(YEAR) / "manifest.json").read_text())["reports"]["national_review"]

    run_batch(YEAR, **kwargs)
    first = review()
    assert first["status"] == "done"
    run_batch(YEAR, **kwargs)
    assert review()["finished_at"] == first["finished_at"] and review()["fingerprint"] == first["fingerprint"]
    _append(package_copy / "templates" / "nbconvert" / "lgsco_report" / "report.css", "\n")
    run_batch(YEAR, **kwargs)
    assert review()["fingerprint"] != first["fingerprint"], "edited report CSS: national review kept"
    second = review()
    _append(params_folder / f"{YEAR}.yaml", "\n# edited\n")
    run_batch(YEAR, **kwargs)
    assert review()["fingerprint"] != second["fingerprint"], "edited year parameters: national review kept"


# --------------------------------------------------------------------------- 2. a letter that fails on rerun


@pytest.mark.slow
def test_letter_failing_on_rerun_removes_the_old_letter_but_not_other_files(tmp_path, monkeypatch):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    kwargs = dict(councils=[CANNOCK, WATFORD], out_dir=out, workers=1, notebook=STANDIN, formats=("ipynb", "html"),
                  progress=False, reports=False)
    assert run_batch(YEAR, **kwargs).done == 2
    folder = year_dir / slugify(NAMES[CANNOCK])
    (folder / "minutes.docx").write_bytes(b"not ours")
    monkeypatch.setenv("LGSCO_STANDIN_BROKEN", CANNOCK)
    result = run_batch(YEAR, force=True, **kwargs)
    assert (result.done, result.failed) == (1, 1)
    entry = _letters(year_dir)[CANNOCK]
    assert entry["status"] == "failed"
    assert all(path.startswith("failed/") for path in entry["outputs"].values())
    assert not (folder / "letter.html").exists() and not (folder / "letter.ipynb").exists(), "old letter left as current"
    assert (folder / "minutes.docx").read_bytes() == b"not ours"
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert f"{folder.name}/letter.html" not in index
    assert f"{slugify(NAMES[WATFORD])}/letter.html" in index
    csv_text = (year_dir / "manifest.csv").read_text(encoding="utf-8")
    assert f"{folder.name}/letter.html" not in csv_text
    # Fixed: the letter is back, its failure record goes, a file someone put beside that record stays.
    failed = year_dir / "failed" / folder.name
    (failed / "notes.txt").write_text("why it failed")
    monkeypatch.delenv("LGSCO_STANDIN_BROKEN")
    assert run_batch(YEAR, **kwargs).done == 1
    assert (folder / "letter.html").is_file() and (folder / "minutes.docx").read_bytes() == b"not ours"
    assert {p.name for p in failed.iterdir()} == {"notes.txt"}


# --------------------------------------------------------------------------- 3. kernels


def _kill_kernel_after(code: str):
    """A run_letter that kills its warm kernel after ``code``'s letter (as the OOM killer would)."""
    original = tasks.run_notebook_task

    def wrapped(task, kernel):
        result = original(task, kernel)
        if task.authority_code == code:
            os.kill(kernel.pid, 9)
            time.sleep(0.5)
        return result

    return wrapped


@pytest.mark.slow
def test_kernel_dying_between_letters_is_replaced_and_the_next_letter_succeeds(tmp_path, monkeypatch):
    monkeypatch.setattr(tasks, "run_notebook_task", _kill_kernel_after(CANNOCK))
    started = time.monotonic()
    result = run_batch(YEAR, councils=[CANNOCK, WATFORD], out_dir=tmp_path, workers=1, notebook=STANDIN,
                       formats=("ipynb",), progress=False, reports=False)
    assert result.failures == [] and result.done == 2
    assert time.monotonic() - started < 45


@pytest.mark.slow
def test_kernel_that_cannot_start_fails_the_batch_once_with_its_own_error(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    boot = "import lgsco_kernel_missing"  # dies with a ModuleNotFoundError traceback on stderr
    (spec / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-c", boot, "{connection_file}"],
                                                  "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    out = tmp_path / "outputs"
    started = time.monotonic()
    code = cmd_letters(_parser_args("--year", "2020", "--council", CANNOCK, "--council", WATFORD, "--out", str(out),
                                   "--workers", "2", "--notebook", str(STANDIN), "--no-reports", "--formats", "ipynb"))
    assert time.monotonic() - started < 45
    err = capsys.readouterr().err
    assert code == layout.EXIT_KERNEL_FAILED
    assert "Traceback" not in err
    assert err.count("lgsco_kernel_missing") == 1, err
    assert _letters(out / str(YEAR)) == {}, "letters that never ran are not failures of their own"


# --------------------------------------------------------------------------- 4. disk full


def _disk_full_on(code: str):
    """A run_letter whose writes fail with ENOSPC for ``code``'s letter."""
    original = tasks.run_notebook_task

    def wrapped(task, kernel):
        if task.authority_code == code:
            from lgsco_report import atomic

            def full(path, write):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

            atomic.write_with = full
        return original(task, kernel)

    return wrapped


@pytest.mark.slow
def test_disk_full_stops_with_one_line_and_resumes(tmp_path, params_folder, monkeypatch, capsys):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    argv = ["--year", "2020", "--out", str(out), "--workers", "1", "--notebook", str(STANDIN), "--no-reports",
            "--formats", "ipynb,html"]
    for council in (CANNOCK, WARWICK, WATFORD):  # register order: Cannock, Warwick, Watford
        argv += ["--council", council]
    assert cmd_letters(_parser_args(*argv, "--no-progress")) == 0
    _append(params_folder / f"{YEAR}.yaml", "\n# edited: every letter is to be remade\n")
    with monkeypatch.context() as patch:
        patch.setattr(tasks, "run_notebook_task", _disk_full_on(WARWICK))
        code = cmd_letters(_parser_args(*argv))
    err = capsys.readouterr().err
    assert code == layout.EXIT_DISK_FULL
    assert "Traceback" not in err and "disk is full" in err.lower()
    letters = _letters(year_dir)
    assert letters[CANNOCK]["status"] == "done"
    assert letters[WARWICK]["status"] == "failed" and "disk" in letters[WARWICK]["error"].lower()
    assert not (year_dir / slugify(NAMES[WARWICK]) / "letter.html").exists()
    # Watford's letter was made from the old parameters and never remade: not shown as current anywhere.
    assert letters[WATFORD]["status"] == "out of date"
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert f"{slugify(NAMES[WATFORD])}/letter.html" not in index and "out of date" in index
    assert f"{slugify(NAMES[CANNOCK])}/letter.html" in index
    assert "out of date" in (year_dir / "manifest.csv").read_text(encoding="utf-8")
    for entry in letters.values():
        for relative in entry["outputs"].values():
            if entry["status"] != "out of date":
                assert (year_dir / relative).is_file(), relative
    assert not (year_dir / ".tmp").exists()
    # Space freed: the same command finishes the job.
    assert cmd_letters(_parser_args(*argv, "--no-progress")) == 0
    assert {e["status"] for e in _letters(year_dir).values()} == {"done"} and len(_letters(year_dir)) == 3


def _notebook_write_fails_for(code: str):
    """A run_letter whose executed notebook cannot be saved (ENOSPC from papermill's own write)."""
    original = tasks.run_notebook_task

    def wrapped(task, kernel):
        if task.authority_code == code:
            import papermill.execute

            def full(nb, path, *args, **kwargs):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

            papermill.execute.write_ipynb = full
        return original(task, kernel)

    return wrapped


@pytest.mark.slow
def test_disk_full_while_saving_the_notebook_stops_the_batch(tmp_path, monkeypatch, capsys):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    monkeypatch.setattr(tasks, "run_notebook_task", _notebook_write_fails_for(CANNOCK))
    result = run_batch(YEAR, councils=[CANNOCK, WATFORD], out_dir=out, workers=1, notebook=STANDIN,
                       formats=("ipynb",), progress=False, reports=False)
    assert result.exit_code == layout.EXIT_DISK_FULL and result.done == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "disk is full" in err
    letters = _letters(year_dir)
    assert letters[CANNOCK]["status"] == "failed" and WATFORD not in letters
    assert all((year_dir / p).is_file() for e in letters.values() for p in e["outputs"].values())
    assert (year_dir / "index.html").is_file() and not (year_dir / ".tmp").exists()


# --------------------------------------------------------------------------- 5. other people's files


@pytest.mark.slow
def test_existing_folder_without_our_manifest_is_refused_unless_force(tmp_path):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    kent = year_dir / "kent-county-council"
    kent.mkdir(parents=True)
    (kent / "minutes.docx").write_bytes(b"minutes")
    (year_dir / ".tmp").mkdir()
    (year_dir / ".tmp" / "draft.txt").write_text("draft")
    (year_dir / ".cache").mkdir()
    (year_dir / ".cache" / "notes.txt").write_text("notes")
    (year_dir / ".cache" / "statistics-notes.json").write_text("{}")
    kwargs = dict(councils=["Kent"], out_dir=out, workers=1, notebook=STANDIN, formats=("ipynb",), progress=False,
                  reports=False)
    with pytest.raises(BatchError, match="--force"):
        run_batch(YEAR, **kwargs)
    assert not (year_dir / "manifest.json").exists()
    for twice in range(2):
        assert run_batch(YEAR, force=True, **kwargs).done == 1
        assert (kent / "minutes.docx").read_bytes() == b"minutes"
        assert (kent / "letter.ipynb").is_file()
        assert (year_dir / ".tmp" / "draft.txt").read_text() == "draft"
        assert (year_dir / ".cache" / "notes.txt").read_text() == "notes"
        assert (year_dir / ".cache" / "statistics-notes.json").read_text() == "{}"
    # Now the folder is ours: a plain rerun goes ahead.
    assert run_batch(YEAR, **kwargs).skipped == 1


# --------------------------------------------------------------------------- 6. warm kernels leak nothing


@pytest.mark.slow
def test_next_letter_on_the_same_worker_sees_clean_state(tmp_path, monkeypatch):
    monkeypatch.setenv("LGSCO_REPORT_TEST_MARKER", "1")  # a letter deletes it; the next must see it again
    fixed = "2020-07-15T09:00:00+01:00"
    result = run_batch(YEAR, councils=[CANNOCK, WARWICK, WATFORD], out_dir=tmp_path, workers=1, notebook=MUTATING,
                       formats=("ipynb",), progress=False, reports=False, generated_at=fixed)
    assert result.done == 3, result.failures
    reports = []
    for code in (CANNOCK, WARWICK, WATFORD):
        nb = nbformat.read(tmp_path / str(YEAR) / slugify(NAMES[code]) / "letter.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout")
        reports.append(json.loads(text.strip().splitlines()[-1]))
    first = reports[0]
    assert all(value in (False, [], 0, None) for value in first.values()), first
    for later in reports[1:]:
        assert later == first, f"state leaked into the next letter: { {k: v for k, v in later.items() if first[k] != v} }"


# --------------------------------------------------------------------------- 7. the statistics cache


def _old_pickle_name(year_dir: Path, data_dir: Path) -> Path:
    key = fingerprint_digest({"data": data_fingerprint(data_dir), "package_version": __version__})
    return year_dir / ".cache" / f"statistics-{key}.pkl"


class _Planted:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.slow
def test_planted_pickle_never_runs_and_a_bad_cache_is_recomputed(tmp_path, sample_dir, capsys):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    marker = tmp_path / "pwned"
    kwargs = dict(councils=[CANNOCK], data_dir=sample_dir, out_dir=out, workers=1, notebook=STANDIN,
                  formats=("ipynb",), reports=False)
    year_dir.mkdir(parents=True)
    (year_dir / ".cache").mkdir()
    planted = _old_pickle_name(year_dir, sample_dir)
    planted.write_bytes(pickle.dumps({"format": 1, "statistics": _Planted(marker)}))
    assert run_batch(YEAR, force=True, **kwargs).done == 1
    assert not marker.exists(), "a planted pickle ran code"
    caches = sorted((year_dir / ".cache").glob("statistics-*.json"))
    assert len(caches) == 1
    json.loads(caches[0].read_text(encoding="utf-8"))
    # Same name, pickle bytes inside; then a cache whose tables are not what they should be.
    for bad in (pickle.dumps({"statistics": _Planted(marker)}), b'{"format": 2, "councils": "nonsense"}'):
        caches[0].write_bytes(bad)
        capsys.readouterr()
        result = run_batch(YEAR, force=True, **kwargs)
        assert result.done == 1 and not marker.exists()
        err = capsys.readouterr().err
        assert "statistics cache" in err and "recomput" in err, err
        json.loads(caches[0].read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- 8. clear messages


def _cli(*argv: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env_extra}
    return subprocess.run([sys.executable, "-m", "lgsco_report.cli", "letters", *argv], env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_bad_data_and_year_without_data_give_a_short_message(tmp_path, sample_dir):
    bad = tmp_path / "bad"
    shutil.copytree(sample_dir, bad)
    received = (bad / "received.csv").read_text(encoding="utf-8")
    (bad / "received.csv").write_text(received.replace(",Housing\n", ",Housng\n", 1), encoding="utf-8")
    without_2020 = tmp_path / "without-2020"
    without_2020.mkdir()
    decided_refs = None
    for table, column in (("decided", "decision_date"), ("compliance", "compliance_date"), ("received", "received_date")):
        lines = (sample_dir / f"{table}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        frame = pd.read_csv(sample_dir / f"{table}.csv", comment="#", dtype=str)
        frame = frame[frame[column] >= "2020-04-01"]
        if table == "decided":
            decided_refs = set(frame["case_ref"])
        elif table == "compliance":
            frame = frame[frame["case_ref"].isin(decided_refs)]
        with open(without_2020 / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
            handle.write(lines[0])
            frame.to_csv(handle, index=False, lineterminator="\n")
    for data, expected in ((bad, "Housng"), (without_2020, "no cases for the year")):
        completed = _cli("--year", "2020", "--data", str(data), "--out", str(tmp_path / "out"), "--council", "Kent",
                         "--workers", "2")
        assert completed.returncode == 2, completed.stderr
        assert "Traceback" not in completed.stderr and expected in completed.stderr
        assert len(completed.stderr.strip().splitlines()) <= 4, completed.stderr


@pytest.mark.slow
def test_bad_parameters_or_addressees_give_a_short_message(tmp_path, sample_dir):
    broken_yaml = tmp_path / "broken-yaml"
    broken_yaml.mkdir()
    (broken_yaml / f"{YEAR}.yaml").write_text("letter_date: 2020-07-22\n", encoding="utf-8")  # no signatory
    bad_addressees = tmp_path / "bad-addressees"
    bad_addressees.mkdir()
    shutil.copy(ROOT / "parameters" / f"{YEAR}.yaml", bad_addressees / f"{YEAR}.yaml")
    (bad_addressees / "addressees.csv").write_text("council,chief_executive_name\nAtlantis Borough Council,Someone\n",
                                                   encoding="utf-8")
    for folder, expected in ((broken_yaml, f"{YEAR}.yaml"), (bad_addressees, "addressees.csv")):
        completed = _cli("--year", "2020", "--data", str(sample_dir), "--out", str(tmp_path / "out"), "--council", "Kent",
                         LGSCO_REPORT_PARAMETERS=str(folder))
        assert completed.returncode == 2, completed.stderr
        assert "Traceback" not in completed.stderr and expected in completed.stderr, completed.stderr
        assert len(completed.stderr.strip().splitlines()) <= 4, completed.stderr
    assert not (tmp_path / "out").exists(), "nothing is written before the inputs are checked"
