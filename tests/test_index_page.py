"""The audit index page: flags, escaping, offline-only, and links that exist after a batch."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from lgsco_report.batch import run_batch
from lgsco_report.index_page import council_flags, render_index
from lgsco_report.manifest import Manifest

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"


class _PageParser(HTMLParser):
    """Collects links, script sources, table rows (cell texts) and whether any script has a src."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.external: list[str] = []
        self.rows: list[list[str]] = []
        self.row_attrs: list[dict[str, str]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append(attributes.get("href", ""))
        for key in ("src", "href"):
            value = attributes.get(key) or ""
            if value.startswith(("http:", "https:", "//")):
                self.external.append(value)
        if tag == "link":
            self.external.append(attributes.get("href", ""))
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.rows.append([])
            self.row_attrs.append(attributes)
        if tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _council(**values) -> dict:
    row = {
        "authority_code": "E07000001",
        "authority_name": "Test District Council",
        "authority_type": "District Council",
        "year": 2020,
        "upheld_rate": 0.6,
        "type_avg_upheld_rate": 0.6,
        "compliance_rate": 1.0,
        "type_avg_compliance_rate": 0.99,
        "satisfactory_remedy_rate": 0.1,
        "type_avg_satisfactory_remedy_rate": 0.12,
        "upheld_per_100k": 1.25,
        "type_avg_upheld_per_100k": 1.0,
        "detailed_investigations": 10,
    }
    row.update(values)
    return row


def test_flags_compliance_below_100_and_uphold_well_above_type():
    assert council_flags(_council()) == []
    assert council_flags(_council(compliance_rate=0.9)) == ["Compliance below 100%"]
    assert council_flags(_council(compliance_rate=float("nan"))) == []
    # Exactly 15 points above, on 5 investigations: flagged; 14 points or 4 investigations: not.
    assert council_flags(_council(upheld_rate=0.75, detailed_investigations=5)) == ["Uphold rate 15+ points above similar councils"]
    assert council_flags(_council(upheld_rate=0.74, detailed_investigations=5)) == []
    assert council_flags(_council(upheld_rate=0.95, detailed_investigations=4)) == []
    assert council_flags(_council(upheld_rate=None, detailed_investigations=0)) == []


def test_every_value_is_escaped_and_missing_rates_are_words(tmp_path):
    hostile = '<script>alert("x")</script> & Co'
    councils = pd.DataFrame(
        [
            _council(authority_name=hostile, authority_code='E"><img src=x>'),
            _council(authority_code="E07000002", authority_name="Quiet Council", upheld_rate=float("nan"),
                     detailed_investigations=0, compliance_rate=0.5),
        ]
    )
    manifest = Manifest(year=2020, letters={"E07000002": {"status": "failed", "error": "<b>boom</b>", "outputs": {}}})
    page = render_index(2020, councils, manifest, tmp_path)
    assert "SAMPLE DATA" not in page  # real data: no banner
    assert "SAMPLE DATA - not real Ombudsman figures" in render_index(2020, councils, manifest, tmp_path, is_sample=True)
    assert "<script>alert" not in page and "<img src=x>" not in page and "<b>boom</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    parser = _PageParser()
    parser.feed(page)
    assert parser.external == []
    by_name = {cells[0]: cells for cells in parser.rows}
    assert hostile in by_name  # the text survives, as text
    quiet = by_name["Quiet Council"]
    assert quiet[2].startswith("n/a")  # no detailed investigations: no uphold rate, not 0%
    assert quiet[3].startswith("50%") and "type 99%" in quiet[3]
    assert "Compliance below 100%" in quiet[7]
    assert quiet[8] == "failed"
    assert by_name[hostile][4].startswith("10%") and "type 12%" in by_name[hostile][4]
    assert by_name[hostile][5].startswith("1.3")  # per 100k to one decimal, half up


@pytest.mark.slow
def test_index_after_a_batch_lists_councils_with_working_links(tmp_path):
    out = tmp_path / "outputs"
    result = run_batch(2020, councils=["Cannock Chase", "Watford"], out_dir=out, workers=2, notebook=STANDIN, progress=False)
    assert result.index_path == out / "2020" / "index.html"
    page = result.index_path.read_text(encoding="utf-8")
    parser = _PageParser()
    parser.feed(page)
    assert parser.external == []
    assert "SAMPLE DATA - not real Ombudsman figures" in page  # the batch ran on the sample data
    # Every council of the year is listed (statistics cover the whole register), two with letters.
    assert len(parser.rows) == 343
    names = [cells[0] for cells in parser.rows]
    assert names == sorted(names)
    # The year's documents first, then each letter's HTML and PDF.
    documents = ["national_review.html", "national_review.pdf", "statistics.xlsx", "statistics.csv", "manifest.csv"]
    assert parser.links[:5] == documents and len(parser.links) == 5 + 4
    for href in parser.links:
        assert not href.startswith(("/", "..")) and (result.index_path.parent / href).is_file(), href
    assert {href.rsplit("/", 1)[1] for href in parser.links[5:]} == {"letter.html", "letter.pdf"}
    done = [attrs for attrs in parser.row_attrs if attrs.get("data-status") == "done"]
    assert sorted(a["data-name"] for a in done) == ["Cannock Chase District Council E07000192", "Watford Borough Council E07000103"]


@pytest.mark.slow
def test_without_a_browser_the_browser_test_is_left_out_with_a_note_and_fails_on_ci(tmp_path):
    """`make test` on a machine without Chromium passes and says so; with CI=true a missing browser fails."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "LGSCO_CHROMIUM": str(tmp_path / "no-chromium")}
    env.pop("CI", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
               "tests/test_index_browser.py"]
    left_out = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert left_out.returncode == 5, left_out.stdout[-2000:]  # pytest: nothing was run
    assert "deselected" in left_out.stdout and "did not run: Chromium was not found" in left_out.stdout
    assert "sudo apt-get install chromium" in left_out.stdout
    on_ci = subprocess.run(command + ["-x"], cwd=root, env={**env, "CI": "true"}, capture_output=True, text=True,
                           timeout=600)
    assert on_ci.returncode == 1 and "Chromium is needed" in on_ci.stdout, on_ci.stdout[-2000:]
