"""The site's pages, read back: every figure against the statistics, links, structure, size, offline.

The figures are checked with this file's own reading of the rules (counts with
thousands separators, a council's rate from its counts by ``percent_of``,
averages and per-100,000 figures by their display, "no figure" when missing),
so a page that printed a figure another way, or the wrong statistic, fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from lgsco_report import metrics
from lgsco_report.formatting import NO_FIGURE, per_100k_text, percent, percent_of
from lgsco_report.workbook import workbook_root

from site_pages import read_page

# Each builds a real batch and a whole site.
pytestmark = pytest.mark.slow

PAGE_LIMIT = 200_000  # bytes, charts (inline SVG) apart


def _groups() -> dict[str, list[str]]:
    text = (workbook_root() / "parameters" / "2024.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["decision_groups"]


def expected_text(row, stat: str, groups: dict[str, list[str]]) -> str:
    if stat.startswith("group."):
        columns = metrics.label_columns("decided")
        return f"{sum(int(row[columns[label]]) for label in groups[stat.removeprefix('group.')]):,}"
    metric = metrics.find(stat)
    assert metric is not None, f"unknown statistic {stat!r}"
    if metric.display in ("count", "residents"):
        return f"{int(row[stat]):,}"
    if metric.is_rate and metric.column == stat and metric.display == "percent":
        numerator = sum(int(row[c]) for c in metric.numerator)
        denominator = sum(int(row[c]) for c in metric.denominator)
        return percent_of(numerator, denominator) or NO_FIGURE
    value = row[stat]
    return (percent(value) if metric.display == "percent" else per_100k_text(value)) or NO_FIGURE


def _council_rows(statistics) -> dict[str, dict[int, dict]]:
    found: dict[str, dict[int, dict]] = {}
    for record in statistics.councils.to_dict("records"):
        found.setdefault(record["authority_code"], {})[int(record["year"])] = record
    return found


def _svg_free_size(path: Path) -> int:
    return len(re.sub(r"<svg.*?</svg>", "", path.read_text(encoding="utf-8"), flags=re.S).encode("utf-8"))


def test_every_figure_on_every_council_page_is_the_statistics(site_dir: Path, site_statistics) -> None:
    groups, rows = _groups(), _council_rows(site_statistics)
    pages = sorted((site_dir / "councils").glob("*/index.html"))
    assert len(pages) == len(rows) == site_statistics.councils["authority_code"].nunique()
    checked = 0
    for path in pages:
        page = read_page(path)
        code = page.find("article")[0].attrs["data-code"]
        figures = page.with_attr("data-stat")
        assert figures, path
        shown_years = {int(f.attrs["data-year"]) for f in figures}
        assert shown_years == set(rows[code]), f"{path}: years {sorted(shown_years)}, statistics {sorted(rows[code])}"
        for element in figures:
            row = rows[code][int(element.attrs["data-year"])]
            want = expected_text(row, element.attrs["data-stat"], groups)
            assert element.text.strip() == want, f"{path}: {element.attrs} shows {element.text!r}, statistics {want!r}"
            checked += 1
    assert checked > 100 * len(pages)


def test_home_page_figures_are_the_latest_year_and_england(site_dir: Path, site_statistics) -> None:
    page, rows = read_page(site_dir / "index.html"), _council_rows(site_statistics)
    header = [th for th in page.find("th") if "data-stat" in th.attrs]
    table_rows = [tr for tr in page.find("tr") if "data-code" in tr.attrs]
    assert len(table_rows) == len(rows)
    for tr in table_rows:
        code, year = tr.attrs["data-code"], int(tr.attrs["data-year"])
        assert year == max(rows[code]), f"{code}: the latest year is {max(rows[code])}"
        cells = [c for c in tr.children if c.tag == "td"][2:]
        for th, td in zip(header, cells, strict=True):
            row = rows[code][year]
            assert td.own_text.strip() == expected_text(row, th.attrs["data-stat"], {}), (code, th.attrs)
            assert td.children[0].text.strip() == expected_text(row, th.attrs["data-average"], {}), (code, th.attrs)
    national = {int(r["year"]): r for r in site_statistics.national.to_dict("records")}
    national_rows = page.find("tr", data_scope="national")
    assert [int(tr.attrs["data-year"]) for tr in national_rows] == sorted(national, reverse=True)
    for tr in national_rows:
        for td in (c for c in tr.children if c.tag == "td"):
            assert td.text.strip() == expected_text(national[int(tr.attrs["data-year"])], td.attrs["data-stat"], {})


def test_pages_are_whole_accessible_documents_that_load_nothing(site_dir: Path) -> None:
    for path in [site_dir / "index.html", *sorted((site_dir / "councils").glob("*/index.html"))]:
        page, text = read_page(path), path.read_text(encoding="utf-8")
        assert len(page.find("h1")) == 1, path
        assert len(page.find("main")) == 1 and page.find("header") and page.find("footer"), path
        banner = page.find("p", **{"class": "sample-banner"})
        assert banner and "SAMPLE DATA - not real Ombudsman figures" in banner[0].text, path
        assert text.index("sample-banner") < text.index("<main"), f"{path}: the sample banner is not at the top"
        assert not page.find("link") and not [s for s in page.find("script") if "src" in s.attrs], path
        assert not re.search(r"(src|href)=\"(https?:)?//", text) and "@import" not in text and "url(" not in text, path
        for svg in page.find("svg"):
            assert svg.attrs.get("role") == "img" and svg.attrs.get("aria-labelledby"), path
        for th in page.find("th"):
            assert th.attrs.get("scope") in ("col", "row"), f"{path}: a table header without scope"
        assert _svg_free_size(path) < PAGE_LIMIT, f"{path}: {_svg_free_size(path)} bytes"


def _links(page, attr: str) -> list[str]:
    return [e.attrs["href"] for e in page.find("a") if attr in e.attrs]


def test_every_relative_link_opens_a_file(site_dir: Path) -> None:
    for path in [site_dir / "index.html", *sorted((site_dir / "councils").glob("*/index.html"))]:
        for element in read_page(path).find("a"):
            href = element.attrs["href"]
            if href.startswith("#"):
                continue
            assert not re.match(r"[a-z]+:", href), f"{path}: {href}"
            assert (path.parent / unquote(href)).is_file(), f"{path}: {href} opens nothing"


def test_letters_years_indexes_and_successors_are_linked(site_outputs: Path, site_dir: Path) -> None:
    kent = read_page(site_dir / "councils" / "kent-county-council" / "index.html")
    letters = [e.attrs["href"] for e in kent.find("a", data_letter="2020")]
    assert [Path(unquote(h)).name for h in letters] == ["letter.html", "letter.pdf"]
    assert all((kent.path.parent / unquote(h)).resolve().parent == (site_outputs / "2020" / "kent-county-council").resolve()
               for h in letters)
    assert not kent.find("a", data_letter="2021"), "no 2021 letters were made"
    footer = kent.find("footer")[0]
    assert sorted(Path(unquote(a.attrs["href"])).parts[-2] for a in kent.find("a") if a.attrs["href"].endswith("index.html")
                  and "councils" not in a.attrs["href"] and a.text != "Your council's performance") == ["2020", "2024"]
    assert "2019-20" in footer.text and "2023-24" in footer.text
    aylesbury = read_page(site_dir / "councils" / "aylesbury-vale-district-council" / "index.html")
    assert "ceased to exist on 31 March 2020" in aylesbury.find("p", **{"class": "former"})[0].text
    assert _links(aylesbury, "data-link") == ["../buckinghamshire-council/index.html"]
    bucks = read_page(site_dir / "councils" / "buckinghamshire-council" / "index.html")
    predecessors = {e.text for e in bucks.find("a", data_link="predecessor")}
    assert {"Aylesbury Vale District Council", "Buckinghamshire County Council", "Chiltern District Council",
            "South Bucks District Council", "Wycombe District Council"} == predecessors
    assert {int(e.attrs["data-year"]) for e in bucks.with_attr("data-year")} == {2021, 2022, 2023, 2024}


def test_page_names_are_the_letters_folder_names(site_outputs: Path, site_dir: Path) -> None:
    pages = json.loads((site_dir / "site-manifest.json").read_text(encoding="utf-8"))["councils"]
    for year in (2020, 2024):
        letters = json.loads((site_outputs / str(year) / "manifest.json").read_text(encoding="utf-8"))["letters"]
        for code, entry in letters.items():
            assert Path(entry["outputs"]["html"]).parts[0] == Path(pages[code]).parts[1]


def test_public_reports_and_service_improvements_are_listed(site_dir: Path, sample_cases) -> None:
    reports = sample_cases.reports
    row = reports.iloc[0]
    slug_of = json.loads((site_dir / "site-manifest.json").read_text(encoding="utf-8"))["councils"]
    page = read_page(site_dir / slug_of[row["authority_code"]])
    section = page.find("section", id=f"y{row['report_date'].year + (row['report_date'].month > 3)}")[0]
    assert row["case_ref"] in section.text and row["kind"] in section.text
    improvement = sample_cases.remedies[sample_cases.remedies["remedy_type"] == "Staff training"].iloc[0]
    page = read_page(site_dir / slug_of[improvement["authority_code"]])
    assert f"Case {improvement['case_ref']}" in page.find("article")[0].text


def test_the_site_and_the_letters_say_the_same(site_outputs: Path, site_dir: Path) -> None:
    kent = read_page(site_dir / "councils" / "kent-county-council" / "index.html")
    uphold = next(e.text for e in kent.find("span", data_stat="upheld_rate", data_year="2020"))
    letter = (site_outputs / "2020" / "kent-county-council" / "letter.html").read_text(encoding="utf-8")
    assert f"We upheld {uphold} of the complaints" in letter
    index = read_page(site_outputs / "2020" / "index.html")
    kent_row = next(tr for tr in index.find("tr") if tr.attrs.get("data-name", "").startswith("Kent County Council"))
    assert kent_row.children[2].own_text.strip() == uphold


@pytest.mark.parametrize("text, years", [("2020-2024", [2020, 2021, 2022, 2023, 2024]), ("2019-20", [2020]),
                                         ("2024, 2019", [2019, 2024])])
def test_years_option(text: str, years: list[int]) -> None:
    from lgsco_report.site import parse_years

    assert parse_years(text) == years


def test_years_option_refuses_nonsense() -> None:
    from lgsco_report.errors import SiteError
    from lgsco_report.site import parse_years

    with pytest.raises(SiteError, match="runs backwards"):
        parse_years("2024-2020")


def test_a_merged_council_is_found_by_its_predecessors_names(site_dir: Path) -> None:
    page = read_page(site_dir / "index.html")
    bucks = next(tr for tr in page.find("tr") if tr.attrs.get("data-code") == "E06000060")
    assert "Wycombe District Council" in bucks.attrs["data-search"] and "E06000060" in bucks.attrs["data-search"]


def test_page_names_are_plain_slugs() -> None:
    from lgsco_report.site.slugs import checked_slug, council_slugs, slugify

    assert slugify("St. Helens Metropolitan Borough Council") == "st-helens-metropolitan-borough-council"
    assert slugify("../../etc") == "etc" and slugify("Ynys Môn") == "ynys-mon"
    assert council_slugs([("E1", "Same Council"), ("E2", "Same Council")]) == {"E1": "same-council-e1", "E2": "same-council-e2"}
    for bad in ("../x", "a/b", "", "-a", "A"):
        with pytest.raises(ValueError, match="not a plain slug"):
            checked_slug(bad)


def test_a_year_the_data_lacks_is_refused_with_the_years_it_has(sample_dir: Path, tmp_path: Path, capsys) -> None:
    from lgsco_report.cli import main

    assert main(["site", "--data", str(sample_dir), "--years", "2030", "--out", str(tmp_path / "site")]) == 2
    assert "no data for the year(s) ending March 2030; the data covers 2019, 2020" in capsys.readouterr().err
    assert not (tmp_path / "site" / "index.html").exists()


def test_the_years_index_links_each_councils_site_page(site_outputs: Path, site_dir: Path) -> None:
    index_path = site_outputs / "2020" / "index.html"
    links = {e.attrs["href"] for e in read_page(index_path).find("a", **{"class": "site-link"})}
    assert len(links) == 343  # every council of the year, with or without a letter
    assert "../site/councils/kent-county-council/index.html" in links
    assert all((index_path.parent / unquote(href)).is_file() for href in links)
