"""workbook.py: which notebooks and parameters the package uses, and `init`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report import workbook
from lgsco_report.errors import WorkbookError
from lgsco_report.workbook import init_workbook, is_workbook, sample_data_dir, workbook_root

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_configured_workbook(monkeypatch):
    monkeypatch.delenv("LGSCO_REPORT_WORKBOOK", raising=False)


def test_the_checkout_is_the_workbook_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert workbook_root() == ROOT
    assert sample_data_dir() == ROOT / "data" / "sample"


def test_a_workbook_made_by_init_wins_from_inside_it_and_its_notebooks_folder(tmp_path, monkeypatch):
    written = init_workbook(tmp_path / "wb")
    names = {p.relative_to(tmp_path / "wb").as_posix() for p in written}
    assert {"notebooks/annual_review_letter.ipynb", "notebooks/national_review.ipynb",
            "parameters/2020.yaml", "parameters/addressees.csv"} <= names
    assert is_workbook(tmp_path / "wb") and (tmp_path / "wb" / "outputs").is_dir()
    monkeypatch.chdir(tmp_path / "wb")
    assert workbook_root() == (tmp_path / "wb").resolve()
    monkeypatch.chdir(tmp_path / "wb" / "notebooks")  # where JupyterLab and the batch's kernels run
    assert workbook_root() == (tmp_path / "wb").resolve()
    assert sample_data_dir() == (tmp_path / "wb" / "data" / "sample").resolve()


def test_init_never_overwrites(tmp_path):
    (tmp_path / "wb" / "parameters").mkdir(parents=True)
    (tmp_path / "wb" / "parameters" / "2020.yaml").write_text("mine", encoding="utf-8")
    with pytest.raises(WorkbookError, match="already has parameters"):
        init_workbook(tmp_path / "wb")
    assert (tmp_path / "wb" / "parameters" / "2020.yaml").read_text(encoding="utf-8") == "mine"


def test_configured_workbook_must_be_one(tmp_path, monkeypatch):
    init_workbook(tmp_path / "wb")
    monkeypatch.setenv("LGSCO_REPORT_WORKBOOK", str(tmp_path))
    with pytest.raises(WorkbookError, match="not a workbook.*lgsco-report init"):
        workbook_root()
    monkeypatch.setenv("LGSCO_REPORT_WORKBOOK", str(tmp_path / "wb"))
    assert workbook_root() == (tmp_path / "wb").resolve()


def test_the_installed_copy_writes_sample_data_to_the_user_cache(tmp_path, monkeypatch):
    packaged = tmp_path / "site-packages" / "lgsco_report" / "workbook"
    init_workbook(packaged)
    monkeypatch.setattr(workbook, "packaged_workbook", lambda: packaged)
    monkeypatch.setattr(workbook, "_checkout", lambda: tmp_path / "no-checkout")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert workbook_root() == packaged.resolve()
    assert sample_data_dir().is_relative_to(tmp_path / "cache" / "lgsco-report")


def test_the_notebooks_the_batch_runs_are_the_workbooks(tmp_path, monkeypatch):
    init_workbook(tmp_path / "wb")
    monkeypatch.chdir(tmp_path / "wb")
    assert workbook.letter_notebook() == (tmp_path / "wb" / "notebooks" / "annual_review_letter.ipynb").resolve()
    assert workbook.review_notebook() == (tmp_path / "wb" / "notebooks" / "national_review.ipynb").resolve()


def test_one_rule_for_the_addressees_file(tmp_path, monkeypatch):
    """Given, else beside the parameters file, else the workbook's parameters/addressees.csv, else none."""
    init_workbook(tmp_path / "wb")
    monkeypatch.chdir(tmp_path / "wb")
    own = (tmp_path / "wb" / "parameters" / "addressees.csv").resolve()
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    params = folder / "2020.yaml"
    assert workbook.addressees_file(params) == own  # nothing beside it: the workbook's
    (folder / "addressees.csv").write_text("council\n", encoding="utf-8")
    assert workbook.addressees_file(params) == folder / "addressees.csv"
    assert workbook.addressees_file(params, tmp_path / "missing.csv") == tmp_path / "missing.csv"  # given wins
    own.unlink()
    assert workbook.addressees_file(tmp_path / "none" / "2020.yaml") is None
