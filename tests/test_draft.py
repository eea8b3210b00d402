"""Year facts that are not confirmed: the ``unconfirmed`` list of a year file, and what follows from it.

A year whose parameters list unconfirmed facts makes DRAFT letters: the mark
(naming the facts) on every page of the PDF and HTML letters and of the national
review, in their metadata, in the batch summary and on the index page; and
``lgsco-report letters --final`` refuses the year before writing anything. The
letters are real: the command is run on the sample data for one council.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pypdfium2 as pdfium
import pytest
import yaml

from lgsco_report.documents import draft_mark
from lgsco_report.documents import DOCUMENT_MIMETYPE
from lgsco_report.yearparams import (
    FACT_KEYS,
    YearParametersError,
    load_year_parameters,
)

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "parameters"
SAMPLE_YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
DRAFT_COUNCIL, DRAFT_SLUG = "Watford", "watford-borough-council"
FINAL_COUNCIL, FINAL_SLUG = "Kent", "kent-county-council"


def _year_file(tmp_path: Path, year: int = 2020, **changes) -> Path:
    """A copy of ``parameters/<year>.yaml`` with top-level keys replaced (None: removed)."""
    data = yaml.safe_load((PARAMETERS / f"{year}.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / f"{year}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lgsco_report", *argv],
        capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})},
    )


def _page_texts(pdf: Path) -> list[str]:
    """Each page's text, line breaks as spaces (the mark may wrap)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    finally:
        document.close()


def _pdf_metadata(pdf: Path) -> dict[str, str]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return document.get_metadata_dict()
    finally:
        document.close()


def _raw_document_metadata(notebook: Path) -> dict:
    nb = nbformat.read(notebook, as_version=4)
    return next(
        output["data"][DOCUMENT_MIMETYPE]
        for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", []) if DOCUMENT_MIMETYPE in output.get("data", {})
    )


# --------------------------------------------------------------------------- the loader


def test_unconfirmed_list_is_loaded(tmp_path):
    path = _year_file(tmp_path, unconfirmed=["letter_date", "signatory"])
    assert load_year_parameters(2020, path).unconfirmed == ("letter_date", "signatory")
    assert load_year_parameters(2020, _year_file(tmp_path, unconfirmed=None)).unconfirmed == ()


def test_unknown_fact_is_refused_naming_file_key_and_fact(tmp_path):
    path = _year_file(tmp_path, unconfirmed=["letter_date", "signature"])
    with pytest.raises(YearParametersError) as info:
        load_year_parameters(2020, path)
    message = str(info.value)
    assert str(path) in message and "'unconfirmed'" in message and "'signature'" in message
    assert "signatory" in message  # the known facts are listed as the fix


def test_unconfirmed_must_be_a_list_of_names(tmp_path):
    with pytest.raises(YearParametersError, match="'unconfirmed' should be a list"):
        load_year_parameters(2020, _year_file(tmp_path, unconfirmed={"letter_date": True}))


def test_signatory_without_name_only_when_signatory_is_unconfirmed(tmp_path):
    titles = ["Local Government and Social Care Ombudsman", "Chair, Commission for Local Administration in England"]
    unnamed = {"titles": titles}
    with pytest.raises(YearParametersError, match="missing key 'name'"):
        load_year_parameters(2020, _year_file(tmp_path, signatory=unnamed))
    params = load_year_parameters(2020, _year_file(tmp_path, signatory=unnamed, unconfirmed=["signatory"]))
    # Signed with the office's title alone.
    assert params.signatory_name == titles[0] and params.signatory_titles == tuple(titles[1:])


def test_draft_mark_names_the_facts():
    assert draft_mark(()) == ""
    assert draft_mark(["signatory"]) == "DRAFT: signatory not confirmed"
    assert draft_mark(["letter_date", "signatory"]) == "DRAFT: letter date and signatory not confirmed"
    assert draft_mark(["letter_date", "publication_date", "signatory"]) == (
        "DRAFT: letter date, publication date and signatory not confirmed"
    )


# --------------------------------------------------------------------------- the year files


@pytest.mark.parametrize("year", SAMPLE_YEARS)
def test_year_files_load_and_name_only_known_facts(year):
    params = load_year_parameters(year)
    assert set(params.unconfirmed) <= set(FACT_KEYS)
    # Dates a letter prints are working days, placeholders included.
    for day in (params.letter_date, params.publication_date):
        assert day is None or day.weekday() < 5, f"{year}: {day:%A %d %B %Y}"


def test_2020_facts_are_confirmed_and_placeholder_years_are_not():
    assert load_year_parameters(2020).unconfirmed == ()
    for year in (2019, 2021, 2022, 2023):
        assert {"letter_date", "publication_date"} <= set(load_year_parameters(year).unconfirmed), year


def test_2024_letter_date_is_17_july_a_weekday():
    params = load_year_parameters(2024)
    assert params.letter_date == _dt.date(2024, 7, 17) and params.letter_date.weekday() < 5
    assert "letter_date" not in params.unconfirmed  # confirmed by a council's committee papers


def test_2023_names_no_signatory_who_was_not_in_post():
    # Amerdeep Somal was about two months in post in March 2024: not in July 2023.
    params = load_year_parameters(2023)
    assert "Somal" not in params.signatory_name and "signatory" in params.unconfirmed
    assert params.signatory_name == "Local Government and Social Care Ombudsman"


# --------------------------------------------------------------------------- real letters


@pytest.fixture(scope="module")
def draft_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``lgsco-report letters --year 2021`` for one council, with the national review (2021 has unconfirmed facts)."""
    out = tmp_path_factory.mktemp("draft-2021")
    run = _cli("letters", "--year", "2021", "--council", DRAFT_COUNCIL, "--out", str(out), "--workers", "1", "--reports")
    assert run.returncode == 0, run.stderr
    return out / "2021", run


@pytest.fixture(scope="module")
def final_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``lgsco-report letters --year 2020 --final`` for one council (2020's facts are confirmed)."""
    out = tmp_path_factory.mktemp("final-2020")
    run = _cli("letters", "--year", "2020", "--final", "--allow-unnamed", "--council", FINAL_COUNCIL, "--out", str(out),
               "--workers", "1", "--no-reports")  # Kent has no named addressee: --final needs the office's word
    return out, run


MARK_2021 = draft_mark(load_year_parameters(2021).unconfirmed)


@pytest.mark.slow
def test_draft_mark_on_every_page_of_a_pdf_letter(draft_run):
    year_dir, _ = draft_run
    pages = _page_texts(year_dir / DRAFT_SLUG / "letter.pdf")
    assert MARK_2021 == "DRAFT: letter date, publication date and signatory not confirmed"
    assert len(pages) >= 2 and all(MARK_2021 in text for text in pages)


@pytest.mark.slow
def test_draft_letter_metadata(draft_run):
    year_dir, _ = draft_run
    raw = _raw_document_metadata(year_dir / DRAFT_SLUG / "letter.ipynb")
    assert raw["draft"] is True and raw["unconfirmed"] == ["letter_date", "publication_date", "signatory"]
    pdf = _pdf_metadata(year_dir / DRAFT_SLUG / "letter.pdf")
    assert pdf["Subject"].startswith(MARK_2021)
    assert "DRAFT" in pdf["Keywords"] and "unconfirmed: letter_date publication_date signatory" in pdf["Keywords"]


@pytest.mark.slow
def test_draft_mark_in_the_html_letter(draft_run):
    year_dir, _ = draft_run
    page = (year_dir / DRAFT_SLUG / "letter.html").read_text(encoding="utf-8")
    assert f'<div class="lgsco-draft draft-banner" role="note">{MARK_2021}</div>' in page
    assert "lgsco-is-draft" in page and f'content="{MARK_2021}.' in page  # the description


@pytest.mark.slow
def test_send_reads_the_draft_letter_as_draft(draft_run):
    """``lgsco-report send --final`` refuses what this module writes (the names it reads match)."""
    from lgsco_report.sending.checks import letter_document

    year_dir, _ = draft_run
    entry = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))["letters"]
    (letter,) = entry.values()
    assert letter_document(year_dir, letter)[1] is True
    html_only = {"outputs": {"html": letter["outputs"]["html"]}}
    assert letter_document(year_dir, html_only)[1] is True


@pytest.mark.slow
def test_national_review_of_a_draft_year_is_marked(draft_run):
    year_dir, _ = draft_run
    pages = _page_texts(year_dir / "national_review.pdf")
    assert len(pages) >= 2 and all(MARK_2021 in text for text in pages)
    assert _raw_document_metadata(year_dir / "national_review.ipynb")["draft"] is True
    assert _pdf_metadata(year_dir / "national_review.pdf")["Subject"].startswith(MARK_2021)


@pytest.mark.slow
def test_index_and_summary_say_the_letters_are_drafts(draft_run):
    year_dir, run = draft_run
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert 'class="draft-banner"' in index and MARK_2021 in index
    assert "(letter_date, publication_date, signatory)" in index
    summary = [line for line in run.stderr.splitlines() if line.startswith("Drafts:")]
    assert len(summary) == 1 and MARK_2021 in summary[0] and "letter_date, publication_date, signatory" in summary[0]


@pytest.mark.slow
def test_final_refuses_a_year_with_unconfirmed_facts(tmp_path):
    out = tmp_path / "out"
    run = _cli("letters", "--year", "2021", "--final", "--out", str(out))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(PARAMETERS / "2021.yaml") in lines[0]
    assert "letter_date, publication_date, signatory" in lines[0]
    assert not out.exists()  # refused before any work


@pytest.mark.slow
def test_final_accepts_a_confirmed_year_and_its_letter_is_not_draft(final_run):
    out, run = final_run
    assert run.returncode == 0, run.stderr
    assert not any(line.startswith("Drafts:") for line in run.stderr.splitlines())
    letter = out / "2020" / FINAL_SLUG
    assert not any("DRAFT" in text for text in _page_texts(letter / "letter.pdf"))
    assert "lgsco-draft" not in (letter / "letter.html").read_text(encoding="utf-8")
    assert 'class="draft-banner"' not in (out / "2020" / "index.html").read_text(encoding="utf-8")
    assert _raw_document_metadata(letter / "letter.ipynb")["draft"] is False
    assert "DRAFT" not in _pdf_metadata(letter / "letter.pdf")["Keywords"]


@pytest.mark.slow
def test_marking_a_fact_unconfirmed_remakes_the_letters_as_drafts(final_run, tmp_path):
    """The unconfirmed list is in the year file the batch fingerprints: changing it rewrites the letters."""
    made, first = final_run
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    shutil.copytree(made, out)  # the other tests keep their 2020 letter
    folder = tmp_path / "parameters"
    folder.mkdir()
    text = (PARAMETERS / "2020.yaml").read_text(encoding="utf-8").replace("unconfirmed: []", "unconfirmed: [signatory]")
    (folder / "2020.yaml").write_text(text, encoding="utf-8")
    env = {"LGSCO_REPORT_PARAMETERS": str(folder)}
    refused = _cli("letters", "--year", "2020", "--final", "--council", FINAL_COUNCIL, "--out", str(out), env=env)
    assert refused.returncode == 2 and "(signatory)" in refused.stderr
    again = _cli("letters", "--year", "2020", "--council", FINAL_COUNCIL, "--out", str(out), "--workers", "1",
                 "--no-reports", env=env)
    assert again.returncode == 0, again.stderr
    assert "1 letter(s) written, 0 unchanged" in again.stderr
    pages = _page_texts(out / "2020" / FINAL_SLUG / "letter.pdf")
    assert all("DRAFT: signatory not confirmed" in text for text in pages)


@pytest.mark.slow
def test_word_letter_of_a_draft_year_carries_the_mark_in_its_page_header(draft_run):
    import io

    import docx

    from lgsco_report.word import notebook_to_docx

    year_dir, _ = draft_run
    nb = nbformat.read(year_dir / DRAFT_SLUG / "letter.ipynb", as_version=4)
    document = docx.Document(io.BytesIO(notebook_to_docx(nb)))
    assert all(any(MARK_2021 in p.text for p in section.header.paragraphs) for section in document.sections)
