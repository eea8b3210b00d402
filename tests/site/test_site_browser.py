"""The site in a real browser (headless Chromium driven by Playwright), keyboard only, checked by axe-core.

Left out with a note when Chromium (``conftest.py`` at the top) or axe-core
(``tests/site/conftest.py``) is missing; with ``CI=true`` it runs and fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import chromium_path
from lgsco_report.formatting import percent_of
from site_pages import AXE_FILE

pytestmark = [pytest.mark.browser, pytest.mark.axe, pytest.mark.slow]

#: A county, a London borough, a district with few complaints, a former council, its successor, one with reports.
SAMPLE_PAGES = ("kent-county-council", "city-of-westminster", "council-of-the-isles-of-scilly",
                "aylesbury-vale-district-council", "buckinghamshire-council", "birmingham-city-council")


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
def page(browser, site_dir: Path):
    context = browser.new_context()
    problems: list[str] = []
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto((site_dir / "index.html").as_uri())
    yield page
    assert not problems, f"console errors: {problems}"
    assert all(url.startswith("file://") for url in requests), [u for u in requests if not u.startswith("file://")]
    context.close()


def _visible_names(page) -> list[str]:
    return page.eval_on_selector_all("#councils tbody tr:not([hidden])", "rows => rows.map(r => r.cells[0].querySelector('a').textContent)")


def test_find_a_council_by_keyboard_and_read_its_figures(page, site_statistics) -> None:
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the header's home link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("aylesb")  # the council itself, and the council it became (found by its former names)
    assert _visible_names(page) == ["Aylesbury Vale District Council", "Buckinghamshire Council"]
    page.fill("#search", "E07000004")  # by GSS code
    assert _visible_names(page) == ["Aylesbury Vale District Council"]
    page.fill("#search", "kent")
    assert "Kent County Council" in _visible_names(page)
    page.focus("#councils tbody tr:not([hidden]) a >> text=Kent County Council")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Kent County Council"
    shown = page.inner_text("#y2022 [data-stat=upheld_rate]")
    figures = site_statistics.council("E10000016", 2022)
    assert shown == percent_of(int(figures["upheld"]), int(figures["detailed_investigations"]))
    page.click("#y2020 a[data-letter='2020'] >> text=web page")
    page.wait_for_load_state()
    assert page.url.endswith("/2020/kent-county-council/letter.html")
    assert "Annual Review letter 2020" in page.inner_text("h1")


def test_filter_by_type_and_sort_by_uphold_rate(page) -> None:
    page.select_option("#type", "London Borough")
    rows = page.eval_on_selector_all("#councils tbody tr:not([hidden])", "rows => rows.map(r => r.cells[1].textContent)")
    assert rows and set(rows) == {"London Borough"}
    assert page.inner_text("#shown").startswith(f"{len(rows)} of ")
    page.focus("#councils thead th[data-stat=upheld_rate] button")
    page.keyboard.press("Enter")
    assert page.get_attribute("#councils thead th[data-stat=upheld_rate]", "aria-sort") == "ascending"
    values = page.eval_on_selector_all(
        "#councils tbody tr:not([hidden])", "rows => rows.map(r => parseFloat(r.cells[2].firstChild.textContent))")
    numbers = [v for v in values if v == v]
    assert numbers == sorted(numbers) and len(numbers) > 20
    page.keyboard.press("Enter")
    assert page.get_attribute("#councils thead th[data-stat=upheld_rate]", "aria-sort") == "descending"


def test_a_former_council_links_its_successor_and_back(page, site_dir: Path) -> None:
    page.goto((site_dir / "councils" / "aylesbury-vale-district-council" / "index.html").as_uri())
    page.click("a[data-link=successor]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Buckinghamshire Council"
    assert page.locator("a[data-link=predecessor]", has_text="Aylesbury Vale District Council").count() == 1


def test_without_javascript_the_home_page_is_the_plain_list(browser, site_dir: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((site_dir / "index.html").as_uri())
    assert not page.is_visible("#search")
    assert page.locator("#councils tbody tr a").count() > 300
    context.close()


def _serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_FILE))
    found = page.evaluate("async () => (await axe.run(document)).violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))")
    return [f"{v['id']} ({v['impact']}, {v['nodes']} elements)" for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("slug", ("", *SAMPLE_PAGES))
def test_no_serious_accessibility_violation(page, site_dir: Path, slug: str) -> None:
    if slug:
        page.goto((site_dir / "councils" / slug / "index.html").as_uri())
    assert _serious_violations(page) == []
