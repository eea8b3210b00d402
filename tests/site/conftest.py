"""The site's fixtures: a real batch of letters for two years, and the site built beside it by the CLI.

The browser test needs axe-core (``tests/axe``, installed by ``make test`` with
``npm ci``). Without it that test is left out (not failed) and the run's summary
says so; with ``CI=true`` it runs and fails, so CI cannot pass without the check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report import stats
from lgsco_report.batch import run_batch
from lgsco_report.cli import main
from site_pages import AXE_FILE

AXE_NOTE = ("note: the site's accessibility check (tests/site/test_site_browser.py) did not run: axe-core is not "
            "installed. To run it: cd tests/axe && npm ci")
GENERATED_AT = "2020-07-22T09:00:00+01:00"
#: Letters made for the site to link: a county, a former council and a district (2020), the successor (2024).
LETTERS = {2020: ["Kent", "Aylesbury Vale", "Cannock Chase"], 2024: ["Buckinghamshire Council"]}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "axe: needs axe-core from npm (cd tests/axe && npm ci)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from browser import in_ci

    if AXE_FILE.is_file() or in_ci():
        return
    left_out = [item for item in items if item.get_closest_marker("axe")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("axe")]
        config.stash[_AXE_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if config.stash.get(_AXE_LEFT_OUT, 0):
        terminalreporter.write_line(AXE_NOTE, yellow=True, bold=True)


_AXE_LEFT_OUT = pytest.StashKey[int]()


@pytest.fixture(scope="session")
def site_outputs(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """An outputs folder with real letters (HTML and PDF) for ``LETTERS`` and the site in ``site/``."""
    out = tmp_path_factory.mktemp("site") / "outputs"
    for year, councils in LETTERS.items():
        result = run_batch(year, councils=councils, data_dir=sample_dir, out_dir=out, workers=2, progress=False,
                           formats="ipynb,html,pdf", generated_at=GENERATED_AT)
        assert not result.failed, result.failed
    # The site, then each year's index rewritten by the same command to link the site's pages.
    assert main(["site", "--data", str(sample_dir), "--letters", str(out), "--out", str(out / "site")]) == 0
    return out


@pytest.fixture(scope="session")
def site_dir(site_outputs: Path) -> Path:
    return site_outputs / "site"


@pytest.fixture(scope="session")
def site_statistics(sample_cases) -> stats.Statistics:
    return stats.compute_statistics(sample_cases)
