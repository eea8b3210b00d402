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


def test_sorting_by_each_rate_column(page):
    numeric = [h for h in _headers(page) if h["kind"] == "number"]
    assert len(numeric) >= 4  # the rates, detailed investigations and flags
    for header in numeric:
        button = page.locator("#councils thead th").nth(header["i"]).locator("button")
        for direction in ("ascending", "descending"):
            button.click()
            th = page.locator("#councils thead th").nth(header["i"])
            assert th.get_attribute("aria-sort") == direction, header
            values = [float(v) if v not in ("", None) else float("-inf") for v in _column_sort_values(page, header["i"])]
            expected = sorted(values, reverse=direction == "descending")
            assert values == expected, f"{header['text']} {direction}"


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
