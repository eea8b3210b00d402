"""The document layer (``lgsco_report/documents.py``).

What is checked: the metadata of a real letter and a real national review
survives the trip through a notebook file and back (``read_document_metadata``);
the banner, the mimetype and the averaging-method sentences are written once, in
documents.py; the default generation time is UTC for both kinds of document; and
the review's wording comes from ``templates/national/*.html.j2`` (editing a copy
of a template changes the review's HTML).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from lgsco_report import documents, formatting, national
from lgsco_report.exporters import cells
from lgsco_report.letter import prepare_letter

PACKAGE = Path(documents.__file__).resolve().parent
YEAR = 2020
GENERATED_AT = "2020-07-29T09:00:00+01:00"
COUNCIL = "Kent County Council"


def _through_a_notebook(bundle: dict, folder: Path) -> nbformat.NotebookNode:
    """A notebook whose one cell displayed ``bundle``, written to disk and read back (JSON both ways)."""
    nb = new_notebook(cells=[new_code_cell("display(metadata, raw=True)", outputs=[new_output("display_data", data=bundle)])])
    path = folder / "document.ipynb"
    nbformat.write(nb, path)
    return nbformat.read(path, as_version=4)


def _expected_files(sample_dir: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sample_dir.glob("*.csv")}


# ---------------------------------------------------------------------------
# metadata round trip, letter and review alike


def test_letter_metadata_round_trip(stats_file, sample_dir, tmp_path):
    letter = prepare_letter(COUNCIL, YEAR, stats_file=stats_file, generated_at=GENERATED_AT)
    nb = _through_a_notebook(letter.metadata._repr_mimebundle_(), tmp_path)
    read = documents.read_document_metadata(nb)
    assert read["kind"] == "letter" and read["council"] == COUNCIL and read["lang"] == "en-GB"
    assert read["title"] == f"Annual Review letter {YEAR}: {COUNCIL}"
    assert COUNCIL in read["subject"] and f"({documents.SAMPLE_BANNER})" in read["subject"]
    assert read["is_sample"] is True and read["draft"] is False and read["unconfirmed"] == []
    provenance = read["provenance"]
    assert provenance["generated_at"] == GENERATED_AT  # the caller's time, unchanged
    files = {entry["name"]: entry["sha256"] for entry in provenance["data_files"]}
    assert files and all(_expected_files(sample_dir)[name] == digest for name, digest in files.items())
    # The keys only the letter carries (Word reads them from the raw output).
    raw = documents.raw_document_metadata(nb)
    assert raw["year"] == YEAR and raw["generated_at"] == GENERATED_AT


def test_review_metadata_round_trip(stats_file, sample_dir, tmp_path):
    review = national.prepare_review(YEAR, stats_file=stats_file, generated_at=GENERATED_AT)
    nb = _through_a_notebook(national.document_metadata(review), tmp_path)
    read = documents.read_document_metadata(nb)
    assert cells.read_document_metadata is documents.read_document_metadata  # the exporters read it so too
    assert read["kind"] == "report" and read["council"] is None
    assert read["title"] == national.report_title(YEAR) and str(YEAR) in read["subject"]
    assert read["is_sample"] is True and read["draft"] is False
    assert read["provenance"]["generated_at"] == review.generated_at.isoformat()
    files = {entry["name"]: entry["sha256"] for entry in read["provenance"]["data_files"]}
    assert files and all(_expected_files(sample_dir)[name] == digest for name, digest in files.items())
    # The review carries no top-level year or time (its Word file's keywords and dates rely on that).
    assert "year" not in documents.raw_document_metadata(nb)


def test_a_year_with_unconfirmed_facts_makes_a_draft_of_either_kind():
    for kind in documents.DOCUMENT_KINDS:
        metadata = documents.build_metadata(
            kind, title="T", author="A", subject="S", council=None, is_sample=False,
            unconfirmed=["letter_date"], provenance=None,
        )
        checked = documents.coerce_metadata(metadata, "test")
        assert checked["draft"] is True and checked["unconfirmed"] == ["letter_date"]
        assert "DRAFT" in documents.pdf_keywords(checked)


def test_bad_metadata_is_refused_with_the_mimetype_named():
    with pytest.raises(documents.DocumentMetadataError, match="vnd.lgsco-report"):
        documents.coerce_metadata("[1, 2]", "cell 3")
    with pytest.raises(documents.DocumentMetadataError, match="cell 3: document kind 'memo'"):
        documents.coerce_metadata({"kind": "memo"}, "cell 3")


# ---------------------------------------------------------------------------
# each text once, in documents.py


def _package_files_containing(text: str) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2", ".yaml", ".css", ".ipynb", ".md", ".txt"}:
            if text in path.read_text(encoding="utf-8"):
                found.append(path.relative_to(PACKAGE).as_posix())
    return found


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(documents.SAMPLE_BANNER, id="sample-banner"),
        pytest.param(documents.DOCUMENT_MIMETYPE, id="mimetype"),
        # The opening of each averaging-method sentence (the source splits the rest over lines).
        *(
            pytest.param(documents.average_method_text(method, kind)[:45], id=f"method-{kind}-{method}")
            for kind in documents.DOCUMENT_KINDS
            for method in ("pooled", "mean")
        ),
    ],
)
def test_text_is_written_once_in_documents_py(text):
    assert _package_files_containing(text) == ["documents.py"]


def test_the_default_banner_is_the_sample_banner():
    assert cells.DEFAULT_SAMPLE_BANNER == documents.SAMPLE_BANNER  # what the exporters add


def test_method_sentence_names_the_method_and_refuses_others():
    assert "pooled" in documents.average_method_text("pooled", "letter")
    assert "mean" in documents.average_method_text("mean", "report")
    with pytest.raises(ValueError, match="'median'"):
        documents.average_method_text("median")


# ---------------------------------------------------------------------------
# generation time: UTC for both kinds


@pytest.fixture
def tokyo_clock(monkeypatch):
    """The machine's local time nine hours ahead of UTC (the review used to print local time)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_default_generation_time_is_utc_in_review_and_letter(tokyo_clock, stats_file):
    review = national.prepare_review(YEAR, stats_file=stats_file, generated_at="")
    assert review.generated_at.utcoffset() == _dt.timedelta(0)
    assert f"Produced: {formatting.long_time(review.generated_at)}." in national.notes_html(review)
    assert formatting.long_time(review.generated_at).endswith(" UTC")
    letter = prepare_letter(COUNCIL, YEAR, stats_file=stats_file, generated_at="")
    assert _dt.datetime.fromisoformat(letter.metadata["generated_at"]).utcoffset() == _dt.timedelta(0)


def test_a_given_generation_time_is_kept_as_given():
    assert documents.generated_at_text(GENERATED_AT) == GENERATED_AT
    assert documents.parse_generated_at(GENERATED_AT).isoformat() == GENERATED_AT
    with pytest.raises(ValueError, match="ISO date-time"):
        documents.parse_generated_at("tomorrow")
