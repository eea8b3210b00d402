"""The index page never offers an out-of-date or failed document as current."""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report.index_page import render_index
from lgsco_report.year_folder.manifest import Manifest

YEAR = 2020


@pytest.fixture(scope="module")
def councils(statistics):
    frame = statistics.councils
    return frame[frame["year"] == YEAR].head(3)


def _write(year_dir: Path, relative: str) -> str:
    path = year_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x", encoding="utf-8")
    return relative


def test_out_of_date_letter_and_failed_review_are_not_linked(tmp_path, councils):
    codes = list(councils["authority_code"])
    letters = {}
    for code, status in zip(codes, ("done", "out of date", "failed")):
        outputs = {"html": _write(tmp_path, f"{code}/letter.html"), "log": _write(tmp_path, f"{code}/letter.log")}
        letters[code] = {"status": status, "outputs": outputs}
    review = {"html": _write(tmp_path, "national_review.html")}
    manifest = Manifest(year=YEAR, letters=letters, reports={"national_review": {"status": "out of date", "outputs": review}})
    page = render_index(YEAR, councils, manifest, tmp_path)
    assert f'href="{codes[0]}/letter.html"' in page
    assert f'href="{codes[1]}/letter.html"' not in page and f'href="{codes[2]}/letter.html"' not in page
    assert "1 out of date" in page and ">out of date<" in page
    assert 'href="national_review.html"' not in page
    manifest.reports["national_review"]["status"] = "done"
    assert 'href="national_review.html"' in render_index(YEAR, councils, manifest, tmp_path)
