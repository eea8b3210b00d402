"""A former council's late decisions on the site: records shaped like the real ones (the sample plus
decisions of councils abolished on 1 April 2023, made in 2023-24 on complaints made before)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lgsco_report.formatting import NOT_APPLICABLE
from lgsco_report.site import build_site

from site_pages import read_page

SOUTH_LAKELAND = "south-lakeland-district-council"
LEGACY = {
    "received": ["22 900 001,E07000031,2023-01-10,Housing", "22 900 002,E07000031,2023-02-10,Housing"],
    "decided": ["22 900 001,E07000031,2023-07-01,Housing,Upheld,yes",
                "22 900 002,E07000031,2023-08-01,Housing,Not upheld,"],
    "compliance": ["22 900 001,E07000031,2023-10-01,Complied"],
}


@pytest.fixture(scope="module")
def former_site(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("legacy-data")
    for source in sample_dir.glob("*.csv"):
        shutil.copy(source, data / source.name)
    for table, lines in LEGACY.items():
        with open(data / f"{table}.csv", "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
    out = tmp_path_factory.mktemp("legacy-site")
    build_site(out, years=[2023, 2024], data_dir=data, letters_dir=None)
    return out


def test_a_former_councils_late_decisions_are_shown_with_no_average_and_no_letter(former_site: Path):
    path = former_site / "councils" / SOUTH_LAKELAND / "index.html"
    html = path.read_text(encoding="utf-8")
    page = read_page(path)
    averages = [e for e in page.with_attr("data-stat")
                if e.attrs["data-stat"].startswith("type_avg_") and e.attrs.get("data-year") == "2024"]
    assert averages and {e.text for e in averages} == {NOT_APPLICABLE}
    uphold = [e.text for e in page.with_attr("data-stat")
              if e.attrs["data-stat"] == "upheld_rate" and e.attrs.get("data-year") == "2024"]
    assert uphold and uphold[0] == "50%"  # one of the two investigations
    assert "We wrote no letter for 2023-24: the council had ceased to exist." in " ".join(html.split())
    # the successor's own 2023-24 averages are real figures, not "not applicable"
    successor = read_page(former_site / "councils" / "westmorland-and-furness-council" / "index.html")
    theirs = [e.text for e in successor.with_attr("data-stat")
              if e.attrs["data-stat"].startswith("type_avg_") and e.attrs.get("data-year") == "2024"]
    assert theirs and NOT_APPLICABLE not in theirs
