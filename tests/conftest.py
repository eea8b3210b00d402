"""Shared fixtures: the sample dataset is generated once per test session (it takes about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report.inputs import CaseData, load as load_cases
from lgsco_report.sample import write_sample_data


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the default-seed sample tables (received, decided, compliance CSVs)."""
    folder = tmp_path_factory.mktemp("sample-data")
    write_sample_data(folder)
    return folder


@pytest.fixture(scope="session")
def sample_cases(sample_dir: Path) -> CaseData:
    """The sample tables loaded and validated by ``inputs.load``."""
    return load_cases(sample_dir)


# --------------------------------------------------------------------------- the browser test
# Chromium is a contributors' test dependency. Without it the browser tests are
# left out (not failed) and the summary says so; on CI (CI=true) they run and
# fail, so a CI machine without the browser cannot pass unnoticed.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs headless Chromium (sudo apt-get install chromium)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from browser import chromium_path, in_ci

    if chromium_path() is not None or in_ci():
        return
    left_out = [item for item in items if item.get_closest_marker("browser")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        config.stash[_BROWSER_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    from browser import NOTE

    if config.stash.get(_BROWSER_LEFT_OUT, 0):
        terminalreporter.write_line(NOTE, yellow=True, bold=True)


_BROWSER_LEFT_OUT = pytest.StashKey[int]()
