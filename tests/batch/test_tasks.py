"""NotebookTask and run_notebook_task: the national review runs and fails like a letter does.

Before tasks.py, a failed national review (``run_report``) kept no log and no
partial notebook: the only trace was the error line in the manifest.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from lgsco_report.batch import plan, run_batch
from lgsco_report.batch.tasks import LETTER, NATIONAL_REVIEW, NotebookTask

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"
YEAR = 2020
CANNOCK = "E07000192"
REACHED = "the review got as far as this"


def _failing_review(path: Path) -> Path:
    """A national review notebook that prints a line, then fails in its second code cell."""
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('year = 2020\ndata_dir = ""\nstats_file = ""\ngenerated_at = ""')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(f"print({REACHED!r})"),
                nbformat.v4.new_code_cell("raise RuntimeError('no totals for the review')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_failed_national_review_keeps_its_log_error_and_partial_notebook(tmp_path, monkeypatch):
    review = _failing_review(tmp_path / "national_review.ipynb")
    monkeypatch.setattr(plan, "review_notebook", lambda: review)
    out = tmp_path / "outputs"
    year_dir = out / str(YEAR)
    year_dir.mkdir(parents=True)
    (year_dir / "national_review.html").write_text("an old review", encoding="utf-8")
    result = run_batch(YEAR, councils=[CANNOCK], out_dir=out, notebook=STANDIN, formats=("ipynb", "html"),
                       progress=False, force=True, executor="serial")
    assert result.done == 1 and result.failed == 1 and result.exit_code == 1
    # Cell 4 of the executed notebook: papermill adds its injected-parameters cell after the parameters.
    assert result.failures == [("national review", "RuntimeError: no totals for the review (notebook cell 4)")]
    entry = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))["reports"][NATIONAL_REVIEW]
    assert entry["status"] == "failed"
    failed = year_dir / "failed" / NATIONAL_REVIEW
    assert entry["outputs"] == {"ipynb": f"failed/{NATIONAL_REVIEW}/national_review.ipynb",
                                "log": f"failed/{NATIONAL_REVIEW}/national_review.log",
                                "error": f"failed/{NATIONAL_REVIEW}/error.txt"}
    log = (failed / "national_review.log").read_text(encoding="utf-8")
    assert REACHED in log and "FAILED: RuntimeError: no totals for the review" in log
    assert (failed / "error.txt").read_text(encoding="utf-8").startswith("RuntimeError: no totals")
    partial = nbformat.read(failed / "national_review.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in partial.cells for o in c.get("outputs", []))
    # The old review is gone: it must not pass for this year's.
    assert not (year_dir / "national_review.html").exists()
    assert (year_dir / "cannock-chase-district-council" / "letter.html").is_file()


@pytest.mark.slow
def test_a_review_that_succeeds_after_failing_removes_its_failure_record(tmp_path, monkeypatch):
    """Letters and the review share the rule: a document and its failure record never both stand."""
    from lgsco_report.batch.warm_kernel import WarmKernel
    from lgsco_report.batch.tasks import run_notebook_task

    year_dir = tmp_path / str(YEAR)
    year_dir.mkdir()
    good = tmp_path / "good.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('ok')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, good)
    bad = _failing_review(tmp_path / "bad.ipynb")

    def task(notebook: Path, kind: str = NATIONAL_REVIEW) -> NotebookTask:
        slug = NATIONAL_REVIEW if kind == NATIONAL_REVIEW else "a-council"
        return NotebookTask(kind, notebook, {}, ("ipynb",), year_dir, destination="" if kind == NATIONAL_REVIEW else slug,
                            slug=slug, fingerprint={}, timeout=60, year=YEAR, authority_code="E0" if kind == LETTER else None,
                            authority_name="national review" if kind == NATIONAL_REVIEW else "A Council")

    kernel = WarmKernel()
    try:
        for kind in (NATIONAL_REVIEW, LETTER):
            first = run_notebook_task(task(bad, kind), kernel)
            assert first["status"] == "failed" and "error" in first["outputs"]
            folder = year_dir / "failed" / task(bad, kind).slug
            assert folder.is_dir()
            second = run_notebook_task(task(good, kind), kernel)
            assert second["status"] == "done" and second["error"] is None
            assert not folder.exists()
            for relative in second["outputs"].values():
                assert (year_dir / relative).is_file()
    finally:
        kernel.shutdown()
    assert not (year_dir / "error.txt").exists()
    shutil.rmtree(year_dir)
