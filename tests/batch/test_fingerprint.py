"""The fingerprint covers every file that shapes a document, including the reference Word document.

(The rest of the inputs, data to package, are checked one by one in
``test_run_reliability.test_every_input_that_shapes_a_letter_is_in_its_fingerprint``.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lgsco_report.batch import run_batch
from lgsco_report.batch.fingerprint import base_fingerprint

ROOT = Path(__file__).resolve().parents[2]
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"
YEAR = 2020
CANNOCK = "E07000192"


@pytest.mark.slow
def test_editing_the_reference_word_document_remakes_the_letters(tmp_path, monkeypatch):
    folder = tmp_path / "parameters"
    folder.mkdir()
    shutil.copy(ROOT / "parameters" / f"{YEAR}.yaml", folder / f"{YEAR}.yaml")
    shutil.copy(ROOT / "parameters" / "addressees.csv", folder / "addressees.csv")
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(folder))
    kwargs = dict(councils=[CANNOCK], out_dir=tmp_path / "out", workers=1, notebook=STANDIN, formats=("ipynb",),
                  progress=False, reports=False, executor="serial")
    reference = folder / "office.docx"
    reference.write_bytes(b"a reference document, version 1")
    with open(folder / f"{YEAR}.yaml", "a", encoding="utf-8") as handle:
        handle.write("\nreference_docx: office.docx\n")
    assert run_batch(YEAR, **kwargs).done == 1
    assert run_batch(YEAR, **kwargs).skipped == 1
    reference.write_bytes(b"a reference document, version 2")
    result = run_batch(YEAR, **kwargs)
    assert (result.done, result.skipped) == (1, 0), "edited reference Word document: letter kept"


def test_a_year_without_a_reference_document_keeps_its_fingerprint_keys(tmp_path):
    params = tmp_path / "2020.yaml"
    params.write_text("x: 1\n", encoding="utf-8")
    base = base_fingerprint({"a": "b"}, params, ("ipynb",), None)
    assert "reference_docx" not in base
    assert base_fingerprint({"a": "b"}, params, ("ipynb",), tmp_path / "missing.docx")["reference_docx"] is None
