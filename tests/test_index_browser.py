"""The audit teams' index page in a real browser: headless Chromium driven by Playwright.

The browser is a contributors' test dependency (Debian's ``chromium``; `.ci/run`
installs it). Without it this module is left out and the run's last lines say
so (see ``conftest.py``); with ``CI=true`` a missing browser fails the run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser import chromium_path
from lgsco_report.batch import run_batch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COUNCILS = ["Cannock Chase", "Kent", "Leeds", "Isles of Scilly"]


@pytest.fixture(scope="module")
def index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "outputs"
    result = run_batch(2020, councils=COUNCILS, out_dir=out, workers=2, progress=False,
                       generated_at="2020-07-22T09:00:00+01:00")
    assert not result.failed, result.failed
    return result.index_path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable, "Chromium is needed for this test: sudo apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, index_path):
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.goto(index_path.as_uri())
    page.requests = requests  # type: ignore[attr-defined]
    yield page
    context.close()


def _visible_rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#councils tbody tr:not([hidden])",
        "rows => rows.map(r => ({name: r.cells[0].textContent.trim(), type: r.dataset.type,"
        " flagged: r.dataset.flagged, status: r.dataset.status}))",
    )


def _column_sort_values(page, column: int) -> list[str]:
    return page.eval_on_selector_all(
        "#councils tbody tr", f"rows => rows.map(r => r.cells[{column}].dataset.sort)"
    )


def _headers(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#councils thead th",
        "ths => ths.map((th, i) => ({i, text: th.textContent.trim(), kind: th.dataset.kind || ''}))",
    )


def test_sorting_by_each_rate_column_puts_n_a_last_both_ways(page):
    numeric = [h for h in _headers(page) if h["kind"] == "number"]
    assert len(numeric) >= 4  # the rates, detailed investigations and flags
    missing_seen = 0
    for header in numeric:
        button = page.locator("#councils thead th").nth(header["i"]).locator("button")
        for direction in ("ascending", "descending"):
            button.click()
            th = page.locator("#councils thead th").nth(header["i"])
            assert th.get_attribute("aria-sort") == direction, header
            raw = _column_sort_values(page, header["i"])
            present = [float(v) for v in raw if v not in ("", None)]
            assert raw[len(present):] == [""] * (len(raw) - len(present)), f"{header['text']} {direction}: n/a not last"
            assert present == sorted(present, reverse=direction == "descending"), f"{header['text']} {direction}"
            missing_seen += len(raw) - len(present)
    assert missing_seen > 0  # some rates are n/a (no cases), so the rule was exercised
    texts = page.eval_on_selector_all("#councils tbody tr", "rows => rows.map(r => r.cells[2].textContent)")
    assert texts[-1].startswith("n/a")  # what the reader sees: n/a at the foot


def test_addressee_column_filter_and_sort_match_the_letters(page, index_path):
    """Each letter's "named"/"unnamed" is what its letter says: "Dear Chief Executive" exactly when unnamed."""
    headers = {h["text"]: h["i"] for h in _headers(page)}
    page.select_option("#filter-addressee", "unnamed")
    unnamed = _visible_rows(page)
    page.select_option("#filter-addressee", "named")
    named = _visible_rows(page)
    assert {r["name"] for r in named} == {"Cannock Chase District Council"}
    assert {r["name"] for r in unnamed} == {"Kent County Council", "Leeds City Council", "Council of the Isles of Scilly"}
    assert "3 letters have no named addressee" in page.text_content("#unnamed-count")
    links = page.eval_on_selector_all(
        "#councils tbody tr", "rows => rows.filter(r => r.dataset.addressee).map(r => ["
        "r.dataset.addressee, r.querySelector('a[href$=\"letter.html\"]').getAttribute('href')])")
    assert len(links) == len(COUNCILS)
    for addressee, href in links:
        letter = (index_path.parent / href).read_text(encoding="utf-8")
        assert ("Dear Chief Executive" in letter) == (addressee == "unnamed"), href
    page.select_option("#filter-addressee", "")
    column = headers["Addressee"]
    page.locator("#councils thead th").nth(column).locator("button").click()
    for direction in ("ascending", "descending"):
        values = _column_sort_values(page, column)
        assert values[:len(COUNCILS)] == sorted(values[:len(COUNCILS)], reverse=direction == "descending")
        assert values[len(COUNCILS):] == [""] * (343 - len(COUNCILS))  # councils without a letter last, both ways
        page.locator("#councils thead th").nth(column).locator("button").click()


def test_printed_on_a4_landscape_with_every_column_and_no_controls(page, tmp_path):
    import pypdfium2 as pdfium

    page.emulate_media(media="print")
    assert page.eval_on_selector(".controls", "e => getComputedStyle(e).display") == "none"
    pdf = pdfium.PdfDocument(page.pdf(prefer_css_page_size=True))
    width, height = pdf[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)  # A4 landscape, in mm
    text_page = pdf[0].get_textpage()
    first = text_page.get_text_range()
    for heading in [h["text"] for h in _headers(page)]:
        word = re.match(r"[A-Za-z]+", heading).group(0)
        found = text_page.search(word, match_case=True).get_next()
        assert found, f"column {heading!r} is not on the printed page"
        left, _, right, _ = text_page.get_charbox(found[0] + found[1] - 1)
        assert 0 < left and right < width, f"column {heading!r} runs off the page"
    assert "Search councils" not in first and "Flagged only" not in first
    assert "Adur District Council" in first and "Public report issued" in first  # the legend prints too
    second = pdf[1].get_textpage().get_text_range()
    assert "Addressee" in second and "Satisfactory" in second  # the header row repeats on the next page


def test_sorting_by_name_is_alphabetical(page):
    button = page.locator("#councils thead th").first.locator("button")
    button.click()
    names = [r["name"] for r in _visible_rows(page)]
    assert names == sorted(names, key=str.casefold) or names == sorted(names)
    button.click()
    reversed_names = [r["name"] for r in _visible_rows(page)]
    assert reversed_names == names[::-1]


def test_type_and_flagged_filters_and_search(page):
    every = _visible_rows(page)
    assert len(every) == 343
    page.select_option("#filter-type", "County Council")
    counties = _visible_rows(page)
    assert counties and {r["type"] for r in counties} == {"County Council"}
    assert len(counties) == sum(r["type"] == "County Council" for r in every)
    assert re.match(rf"{len(counties)} of 343 shown", page.text_content("#shown-count"))
    page.check("#filter-flagged")
    flagged_counties = _visible_rows(page)
    assert all(r["flagged"] == "yes" for r in flagged_counties)
    assert len(flagged_counties) == sum(r["flagged"] == "yes" for r in counties)
    page.select_option("#filter-type", "")
    page.uncheck("#filter-flagged")
    page.fill("#filter-text", "cannock")
    assert [r["name"] for r in _visible_rows(page)] == ["Cannock Chase District Council"]
    page.fill("#filter-text", "E07000192")  # the GSS code finds it too
    assert [r["name"] for r in _visible_rows(page)] == ["Cannock Chase District Council"]
    page.fill("#filter-text", "")
    assert len(_visible_rows(page)) == 343


def test_every_link_resolves_to_a_file_and_nothing_leaves_the_machine(page, index_path):
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert len(hrefs) >= len(COUNCILS) * 2
    for href in hrefs:
        assert href.startswith("file://"), href
        target = Path(href.removeprefix("file://"))
        assert target.is_file(), href
        assert index_path.parent in target.resolve().parents
    # Follow one letter link in the browser itself.
    page.locator("#councils a", has_text="HTML").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("letter.html")
    assert "Ombudsman" in page.text_content("body")
    assert page.requests and all(url.startswith(("file://", "data:")) for url in page.requests), page.requests


def test_screenshot_is_not_blank(page, tmp_path):
    import numpy as np
    from PIL import Image

    shot = tmp_path / "index.png"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shot))
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float32) / 255
    ink = (pixels < 0.8).mean()
    assert 0.02 < ink < 0.7, f"{ink:.1%} of the screenshot is ink"
