"""The audit index page: flags, escaping, offline-only, and links that exist after a batch."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape

from lgsco_report.batch import run_batch
from lgsco_report.index_page import council_flags, render_index
from lgsco_report.year_folder.manifest import Manifest

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
        "upheld": 6,
        "satisfactory_remedies": 0,
    }
    row.update(values)
    return row


def test_flags_compliance_below_100_and_rates_well_off_their_type_on_a_base_that_is_not_small():
    assert council_flags(_council()) == []
    assert council_flags(_council(compliance_rate=0.9)) == ["Compliance below 100%"]
    assert council_flags(_council(compliance_rate=float("nan"))) == []
    # Exactly 15 points above, on 10 investigations (stats.SMALL_BASE): flagged; 14 points, or a small base: not.
    assert council_flags(_council(upheld_rate=0.75)) == ["Uphold rate 15+ points above similar councils"]
    assert council_flags(_council(upheld_rate=0.74)) == []
    assert council_flags(_council(upheld_rate=1.0, upheld=9, detailed_investigations=9)) == []
    assert council_flags(_council(upheld_rate=None, upheld=0, detailed_investigations=0)) == []
    # A satisfactory remedy rate 15+ points below its type's, on at least 10 upheld decisions.
    assert council_flags(_council(satisfactory_remedy_rate=0.0, type_avg_satisfactory_remedy_rate=0.15, upheld=10)) == [
        "Satisfactory remedy rate 15+ points below similar councils"]
    assert council_flags(_council(satisfactory_remedy_rate=0.0, type_avg_satisfactory_remedy_rate=0.15, upheld=9,
                                  detailed_investigations=12)) == []


def _flag_kinds(page: str) -> tuple[set[str], set[str]]:
    """The flag kinds the page's table shows, and those its legend explains."""
    import re

    body, legend = page.split("<tbody>")[1], page.split('id="flag-legend"')[1].split("</dl>")[0]
    return set(re.findall(r'class="flag" data-flag="([a-z_]+)"', body)), set(re.findall(r'data-flag="([a-z_]+)"', legend))


def test_every_flag_shown_is_in_the_legend_with_its_rule_over_a_whole_year(sample_cases, tmp_path):
    """Over every council of two years: each flag shown is explained, and each rate flag rests on a base that is not small."""
    from lgsco_report import stats
    from lgsco_report.index_page import RATE_FLAG_POINTS, RATE_FLAGS, flag_legend, flags, rate_basis

    statistics = stats.compute_statistics(sample_cases)
    legend = {entry["kind"]: entry for entry in flag_legend()}
    assert set(legend) == {"compliance", "uphold", "remedy", "public_report", "remedy_overdue"}
    for year in (2020, 2024):
        councils = statistics.councils[statistics.councils["year"] == year]
        page = render_index(year, councils, Manifest(year=year), tmp_path)
        shown, explained = _flag_kinds(page)
        assert explained == set(legend)
        assert {"compliance", "uphold", "public_report", "remedy_overdue"} <= shown <= explained
        for entry in legend.values():  # each rule printed beside its flag's name
            assert f"{escape(entry['name'])}</dt><dd>{escape(entry['rule'])}.</dd>" in page
        for rule in RATE_FLAGS:
            for record in councils.to_dict("records"):
                if rule.kind in {flag["kind"] for flag in flags(record)}:
                    numerator, base = rate_basis(record, rule.column)
                    assert base >= stats.SMALL_BASE, record["authority_name"]
                    gap = record[rule.column] - record[f"type_avg_{rule.column}"]
                    assert (gap if rule.worse == "above" else -gap) >= RATE_FLAG_POINTS / 100 - 1e-9
        assert f"at least {RATE_FLAG_POINTS} percentage points above" in page


def test_rates_carry_their_counts_and_small_bases_are_marked_by_the_letters_rule(sample_cases, tmp_path):
    """Every rate cell of a whole year: its count beside it, "small base" exactly where ``stats.is_small_base`` says."""
    from lgsco_report import metrics, stats

    statistics = stats.compute_statistics(sample_cases)
    councils = statistics.councils[statistics.councils["year"] == 2020]
    page = render_index(2020, councils, Manifest(year=2020), tmp_path)
    parser = _PageParser()
    parser.feed(page)
    rates = [m for m, _ in metrics.view("index") if m.basis is not None]
    columns = [m.column for m, _ in metrics.view("index")]
    by_name = councils.set_index("authority_name")
    marked = 0
    for cells in parser.rows:
        record = by_name.loc[cells[0].split("abolished")[0].strip()]
        for metric in rates:
            numerator, base = stats.rate_basis(record, metric.column)
            cell = cells[2 + columns.index(metric.column)]
            # No cases: "n/a" and no count; otherwise the count the rate is made of.
            assert (f"{numerator:,} of {base:,}" in cell) if base else (cell.startswith("n/a") and " of " not in cell)
            assert ("small base" in cell) == stats.is_small_base(base), (cells[0], metric.column, cell)
            marked += stats.is_small_base(base)
    assert marked > 100  # the sample has many small councils: the rule is exercised
    assert "% of detailed investigations" in page and "fewer than 10 cases" in page


def test_print_stylesheet_fits_a4_landscape_and_hides_the_controls():
    page = render_index(2020, pd.DataFrame([_council()]), Manifest(year=2020), Path("/nonexistent"))
    style = page.split("@media print")[1].split("</style>")[0]
    assert "size: A4 landscape" in style and ".controls { display: none; }" in style


def test_every_value_is_escaped_and_missing_rates_are_words(tmp_path):
    hostile = '<script>alert("x")</script> & Co'
    councils = pd.DataFrame(
        [
            _council(authority_name=hostile, authority_code='E"><img src=x>'),
            _council(authority_code="E07000002", authority_name="Quiet Council", upheld_rate=float("nan"),
                     detailed_investigations=0, compliance_rate=0.5),
        ]
    )
    manifest = Manifest(year=2020, letters={
        "E07000002": {"status": "failed", "error": "<b>boom</b>", "outputs": {}, "addressee": 'x" onclick="alert(1)'}})
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
    assert quiet[9] == "" and "onclick" not in page  # an addressee value the batch never writes is not shown
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
    # Cannock Chase's chief executive is named in parameters/addressees.csv; Watford's is not.
    assert {a["data-name"].split(" E0")[0]: a["data-addressee"] for a in done} == {
        "Cannock Chase District Council": "named", "Watford Borough Council": "unnamed"}
    assert all(a["data-addressee"] == "" for a in parser.row_attrs if a.get("data-status") == "not run")
    assert 'id="unnamed-count">1 letter has no named addressee<' in page
    entries = json.loads((out / "2020" / "manifest.json").read_text(encoding="utf-8"))["letters"]
    assert {e["authority_name"]: e["addressee"] for e in entries.values()} == {
        "Cannock Chase District Council": "named", "Watford Borough Council": "unnamed"}
    assert not any("unnamed_allowed" in e for e in entries.values())  # not a --final run
    table = list(csv.DictReader(io.StringIO((out / "2020" / "manifest.csv").read_text(encoding="utf-8"))))
    assert {row["authority_name"]: row["addressee"] for row in table} == {
        "Cannock Chase District Council": "named", "Watford Borough Council": "unnamed"}


def test_which_letters_are_named_is_the_letters_own_rule_for_every_council_of_a_year():
    """Over the whole 2020 register: named exactly where the addressees file names the chief executive, or the
    successor's for a council abolished before the letter date (the Buckinghamshire districts)."""
    from lgsco_report.batch.plan import addressees_named
    from lgsco_report.register import councils_for_year
    from lgsco_report.yearparams import load_year_parameters

    register = councils_for_year(2020)
    letter_date = load_year_parameters(2020).letter_date
    named = addressees_named(letter_date, ROOT / "parameters" / "addressees.csv", register)
    assert len(named) == 343
    names = set(register.loc[register["authority_code"].isin([c for c, ok in named.items() if ok]), "authority_name"])
    assert names == {"Cannock Chase District Council", "Aylesbury Vale District Council", "Chiltern District Council",
                     "South Bucks District Council", "Wycombe District Council", "Buckinghamshire County Council"}
    assert not any(addressees_named(letter_date, None, register).values())


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
