"""The batch: letters on disk, manifest, failures, skip/force, lock, kill and resume, timeout, isolation.

The real letter notebook is used where the letter's content matters (end to
end, isolation); a small stand-in notebook (tests/data/standin_letter.ipynb,
same parameters) is used for the failure, hang and kill cases, which it
triggers from environment variables the kernels inherit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from lgsco_report.errors import BatchError, BatchLockedError, ManifestError
from lgsco_report.batch import batch_lock, run_batch
from lgsco_report.cli import add_letters_arguments, cmd_letters as main
from lgsco_report.year_folder.manifest import Manifest, slugify
from lgsco_report.yearparams import default_parameters_file

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"
REAL_NOTEBOOK = ROOT / "notebooks" / "annual_review_letter.ipynb"
YEAR = 2020
# Codes from the register (year ending March 2020), names checked in its CSV.
CANNOCK, WATFORD, WARWICK, KENT = "E07000192", "E07000103", "E07000222", "E10000016"
NAMES = {
    CANNOCK: "Cannock Chase District Council",
    WATFORD: "Watford Borough Council",
    WARWICK: "Warwick District Council",
    KENT: "Kent County Council",
}
LETTER_FILES = {"letter.ipynb", "letter.html", "letter.pdf", "letter.log"}


def _letter_dirs(year_dir: Path) -> list[Path]:
    """Council folders in place (not dot folders, not the failure records)."""
    return [p for p in year_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "failed"]


def _manifest(year_dir: Path) -> dict:
    return json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))["letters"]


@pytest.fixture()
def params_copy(tmp_path, monkeypatch) -> Path:
    """A private copy of parameters/2020.yaml the test may edit (picked up via $LGSCO_REPORT_PARAMETERS)."""
    folder = tmp_path / "parameters"
    folder.mkdir()
    original = ROOT / "parameters" / f"{YEAR}.yaml"
    shutil.copy(original, folder / original.name)
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(folder))
    assert default_parameters_file(YEAR) == folder / original.name
    return folder / original.name


def test_slugs_are_safe_folder_names():
    assert slugify("Cannock Chase District Council") == "cannock-chase-district-council"
    assert slugify("St. Helens Metropolitan Borough Council") == "st-helens-metropolitan-borough-council"
    assert slugify("Brighton & Hove City Council") == "brighton-and-hove-city-council"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Ynys Môn") == "ynys-mon"
    assert slugify("..", fallback="E06000001") == "e06000001"
    assert len(slugify("x" * 500)) == 80


@pytest.mark.parametrize("query", ["../../escape", "<script>alert(1)</script>", "a/../../b", "x\x00y", "{{ 7*7 }}", "C" * 5000])
def test_hostile_council_is_refused_and_nothing_is_written_outside_out(tmp_path, query):
    out = tmp_path / "outputs"
    with pytest.raises(BatchError) as info:
        run_batch(YEAR, councils=[query], out_dir=out, workers=1, progress=False)
    assert "Unknown council" in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] in ([], ["outputs"])  # checked before any folder is made
    written = [p for p in out.rglob("*") if p.is_file()]
    assert all(out in p.parents for p in written)
    assert not any(p.suffix in (".html", ".pdf", ".ipynb") for p in written)


@pytest.mark.parametrize("year", ["../2020", "2020/..", "2020\x00"])
def test_hostile_year_is_refused_before_any_folder_is_made(tmp_path, year):
    with pytest.raises(BatchError):
        run_batch(year, out_dir=tmp_path / "outputs", progress=False)
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir())


@pytest.mark.slow
def test_end_to_end_three_councils_real_notebook(tmp_path):
    """Three real letters: every file in place, manifest done, PDF names the council."""
    out = tmp_path / "outputs"
    result = run_batch(YEAR, councils=["Cannock Chase", "Watford", "Kent"], out_dir=out, workers=2, progress=False)
    year_dir = out / str(YEAR)
    assert (result.done, result.skipped, result.failed, result.exit_code) == (3, 0, 0, 0)
    letters = _manifest(year_dir)
    assert set(letters) == {CANNOCK, WATFORD, KENT}
    for code, entry in letters.items():
        assert entry["status"] == "done"
        assert entry["timings"]["total"] > 0
        folder = year_dir / entry["slug"]
        assert entry["slug"] == slugify(NAMES[code])
        assert {p.name for p in folder.iterdir()} == LETTER_FILES
        for relative in entry["outputs"].values():
            assert (year_dir / relative).is_file()
        text = " ".join(page.extract_text() for page in PdfReader(folder / "letter.pdf").pages)
        assert NAMES[code].split()[0] in text, f"{code}: council name missing from the PDF"
        nb = nbformat.read(folder / "letter.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"]["council"] == code
        # Statistics come from the batch's cache, not recomputed in the letter.
        assert Path(nb.metadata["papermill"]["parameters"]["stats_file"]).is_file()
    assert (year_dir / "manifest.csv").read_text(encoding="utf-8").count("\n") == 4
    assert (year_dir / "index.html").is_file()
    assert not (year_dir / ".tmp").exists()
    # The year's documents beside the letters, linked from the index page.
    reports = json.loads((year_dir / "manifest.json").read_text())["reports"]
    assert reports["national_review"]["status"] == "done"
    review_text = " ".join(p.extract_text() for p in PdfReader(year_dir / "national_review.pdf").pages)
    assert "District Council" in review_text and "London Borough" in review_text
    index = (year_dir / "index.html").read_text()
    for name in ("national_review.html", "national_review.pdf", "statistics.xlsx", "statistics.csv"):
        assert (year_dir / name).is_file() and f'href="{name}"' in index


@pytest.mark.slow
def test_broken_council_is_recorded_and_batch_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LGSCO_STANDIN_BROKEN", WARWICK)
    out = tmp_path / "outputs"
    result = run_batch(YEAR, councils=[CANNOCK, WATFORD, WARWICK], out_dir=out, workers=2, notebook=STANDIN)
    year_dir = out / str(YEAR)
    assert (result.done, result.failed, result.exit_code) == (2, 1, 1)
    letters = _manifest(year_dir)
    assert letters[CANNOCK]["status"] == letters[WATFORD]["status"] == "done"
    failed = letters[WARWICK]
    assert failed["status"] == "failed"
    assert "RuntimeError: deliberately broken letter for Warwick District Council" in failed["error"]
    log_text = (year_dir / failed["outputs"]["log"]).read_text(encoding="utf-8")
    assert "deliberately broken" in log_text and "Traceback" in log_text
    partial = nbformat.read(year_dir / failed["outputs"]["ipynb"], as_version=4)
    assert any(o.get("output_type") == "error" for c in partial.cells for o in c.get("outputs", []))
    assert not (year_dir / slugify(NAMES[WARWICK])).exists(), "a failed letter must not appear as a letter"
    assert "FAILED Warwick District Council" in capsys.readouterr().err
    # The failure does not leak into the next letter of the same worker: rerun succeeds once fixed.
    monkeypatch.delenv("LGSCO_STANDIN_BROKEN")
    again = run_batch(YEAR, councils=[CANNOCK, WATFORD, WARWICK], out_dir=out, workers=2, notebook=STANDIN, progress=False)
    assert (again.done, again.skipped, again.failed, again.exit_code) == (1, 2, 0, 0)
    assert not (year_dir / "failed" / slugify(NAMES[WARWICK])).exists()


@pytest.mark.slow
def test_unchanged_letters_are_skipped_until_parameters_change_or_force(tmp_path, params_copy):
    out = tmp_path / "outputs"
    kwargs = dict(councils=[CANNOCK, WATFORD], out_dir=out, workers=2, notebook=STANDIN, progress=False)
    first = run_batch(YEAR, **kwargs)
    assert (first.done, first.skipped) == (2, 0)
    pdf = out / str(YEAR) / slugify(NAMES[CANNOCK]) / "letter.pdf"
    written = pdf.stat().st_mtime_ns
    second = run_batch(YEAR, **kwargs)
    assert (second.done, second.skipped) == (0, 2)
    assert pdf.stat().st_mtime_ns == written
    with params_copy.open("a", encoding="utf-8") as handle:
        handle.write("\n# edited by the test\n")
    third = run_batch(YEAR, **kwargs)
    assert (third.done, third.skipped) == (2, 0)
    forced = run_batch(YEAR, force=True, **kwargs)
    assert (forced.done, forced.skipped) == (2, 0)
    # A deleted output is noticed: that letter alone is written again.
    pdf.unlink()
    repaired = run_batch(YEAR, **kwargs)
    assert (repaired.done, repaired.skipped) == (1, 1) and pdf.is_file()


@pytest.mark.slow
def test_second_batch_refuses_while_the_lock_is_held(tmp_path, capsys):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    year_dir.mkdir(parents=True)
    with batch_lock(year_dir):
        with pytest.raises(BatchLockedError, match="Another batch is already writing"):
            run_batch(YEAR, councils=[CANNOCK], out_dir=out, notebook=STANDIN, progress=False)
        parser = __import__("argparse").ArgumentParser()
        add_letters_arguments(parser)
        code = main(parser.parse_args(["--year", "2020", "--council", CANNOCK, "--out", str(out), "--notebook", str(STANDIN)]))
        assert code == 2
        assert "Another batch is already writing" in capsys.readouterr().err
    assert not any(_letter_dirs(year_dir)), "the refused batch must not write letters"
    # Released: the same batch now runs.
    assert run_batch(YEAR, councils=[CANNOCK], out_dir=out, notebook=STANDIN, progress=False, formats=("ipynb",)).done == 1


def test_unknown_council_is_refused_before_any_work(tmp_path):
    with pytest.raises(BatchError, match="Unknown council"):
        run_batch(YEAR, councils=["Atlantis Borough"], out_dir=tmp_path, notebook=STANDIN, progress=False)


@pytest.mark.slow
def test_hanging_letter_is_stopped_at_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("LGSCO_STANDIN_HANG", WATFORD)
    out = tmp_path / "outputs"
    started = time.monotonic()
    result = run_batch(
        YEAR, councils=[CANNOCK, WATFORD], out_dir=out, workers=2, notebook=STANDIN, timeout=8, formats=("ipynb", "html"), progress=False
    )
    assert time.monotonic() - started < 120
    letters = _manifest(out / str(YEAR))
    assert letters[CANNOCK]["status"] == "done"
    assert letters[WATFORD]["status"] == "failed"
    assert letters[WATFORD]["error"].startswith("timed out: the letter did not finish within 8 s")
    assert result.exit_code == 1


@pytest.mark.slow
def test_killed_batch_leaves_no_half_letter_and_resumes(tmp_path):
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    councils = [CANNOCK, WATFORD, WARWICK]  # register order: Cannock, Warwick, Watford
    env = {**os.environ, "LGSCO_STANDIN_HANG": f"{WARWICK},{WATFORD}", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "lgsco_report", "letters", "--year", "2020", "--out", str(out), "--workers", "1",
               "--notebook", str(STANDIN), "--no-progress"]
    for council in councils:
        command += ["--council", council]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            manifest = year_dir / "manifest.json"
            if manifest.exists() and any(e["status"] == "done" for e in json.loads(manifest.read_text())["letters"].values()):
                break
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.2)
        else:
            pytest.fail("no letter finished in time")
        time.sleep(1.0)  # the worker is now inside the hanging letter
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    done_before = {code for code, e in _manifest(year_dir).items() if e["status"] == "done"}
    assert done_before == {CANNOCK}
    for folder in _letter_dirs(year_dir):
        assert {p.name for p in folder.iterdir()} == LETTER_FILES, f"half-written letter {folder}"
    assert {p.name for p in _letter_dirs(year_dir)} == {slugify(NAMES[CANNOCK])}
    # The rerun gets the lock (the dead batch's workers let go) and does only the rest.
    deadline = time.monotonic() + 30
    while True:
        try:
            result = run_batch(YEAR, councils=councils, out_dir=out, workers=2, notebook=STANDIN, progress=False)
            break
        except BatchLockedError:
            assert time.monotonic() < deadline, "the killed batch's lock was never released"
            time.sleep(0.5)
    assert (result.done, result.skipped, result.failed) == (2, 1, 0)
    assert {e["status"] for e in _manifest(year_dir).values()} == {"done"}
    assert not (year_dir / ".tmp").exists()


def _outputs_of(notebook_path: Path) -> list:
    nb = nbformat.read(notebook_path, as_version=4)
    return [(cell.get("execution_count"), cell.get("outputs")) for cell in nb.cells if cell.cell_type == "code"]


@pytest.mark.slow
def test_letter_is_identical_alone_or_after_other_councils_in_the_same_worker(tmp_path):
    """Warm kernels keep letters isolated: same outputs whether a letter runs first or third."""
    fixed = "2020-07-15T09:00:00+01:00"
    common = dict(workers=1, formats=("ipynb",), progress=False, generated_at=fixed)
    alone = run_batch(YEAR, councils=[WATFORD], out_dir=tmp_path / "alone", **common)
    # One worker, register order: Cannock Chase, Kent, then Watford on the same warm kernel.
    after = run_batch(YEAR, councils=[CANNOCK, KENT, WATFORD], out_dir=tmp_path / "after", **common)
    assert alone.done == 1 and after.done == 3
    slug = slugify(NAMES[WATFORD])
    first = _outputs_of(tmp_path / "alone" / str(YEAR) / slug / "letter.ipynb")
    third = _outputs_of(tmp_path / "after" / str(YEAR) / slug / "letter.ipynb")
    assert any(outputs for _, outputs in first), "the letter produced no outputs to compare"
    assert first == third
    # The stand-in notebook reports leaked names, open figures and matplotlib settings explicitly.
    for name in ("alone", "after"):
        run_batch(YEAR, councils=[CANNOCK, KENT, WATFORD][: 1 if name == "alone" else 3], out_dir=tmp_path / f"s-{name}",
                  notebook=STANDIN, **common)
    standin_alone = _outputs_of(tmp_path / "s-alone" / str(YEAR) / slugify(NAMES[CANNOCK]) / "letter.ipynb")
    standin_after = _outputs_of(tmp_path / "s-after" / str(YEAR) / slug / "letter.ipynb")
    html_after = json.dumps(standin_after)
    assert "leaked names: []" in html_after and "open figures: 0" in html_after and "dpi 100.0" in html_after
    assert [count for count, _ in standin_alone] == [count for count, _ in standin_after]


def test_manifest_round_trip_and_bad_file(tmp_path):
    year_dir = tmp_path / "2020"
    year_dir.mkdir()
    manifest = Manifest(year=YEAR, letters={CANNOCK: {"authority_code": CANNOCK, "authority_name": "A, \"quoted\"", "status": "done"}})
    manifest.save(year_dir)
    assert Manifest.load(year_dir, YEAR).letters == manifest.letters
    assert '"A, ""quoted"""' in (year_dir / "manifest.csv").read_text(encoding="utf-8")
    (year_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ManifestError, match="manifest.json: not a readable manifest"):
        Manifest.load(year_dir, YEAR)
