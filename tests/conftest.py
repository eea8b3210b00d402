"""Shared fixtures, each made once per test session (per xdist worker) because each costs seconds.

The sample dataset, its statistics and their saved file, executed letter
notebooks and one small real batch are read by many modules; making each once
is what keeps ``make test-fast`` under a minute and a half. Tests only read
them: a test that changes statistics or a batch folder makes its own copy
(``statistics`` is checked unchanged at the end of the session).

Markers: ``slow`` for tests that run a real batch, execute a notebook or start
the command line in a new process per case (``make test-fast`` leaves them
out); ``browser`` for the Chromium tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from lgsco_report.inputs import CaseData, load as load_cases
from lgsco_report.sample import write_sample_data
from lgsco_report.stats import Statistics, compute_statistics

REPO = Path(__file__).resolve().parent.parent
LETTER_NOTEBOOK = REPO / "notebooks" / "annual_review_letter.ipynb"
#: The generation time of the shared letters and batch, so their text never depends on the clock.
GENERATED_AT = "2020-07-22T09:00:00+00:00"
#: The shared batch's councils: a county, a district and a borough, all in the 2019-20 letters.
BATCH_COUNCILS = ("Kent County Council", "Cannock Chase District Council", "Watford Borough Council")
BATCH_FORMATS = ("ipynb", "html", "pdf", "docx")


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


def _fingerprint(statistics: Statistics) -> tuple[int, ...]:
    return tuple(int(pd.util.hash_pandas_object(getattr(statistics, name), index=True).sum())
                 for name in ("councils", "types", "national", "unassigned"))


@pytest.fixture(scope="session")
def statistics(sample_cases: CaseData):
    """The sample's computed ``Statistics``, shared: tests must not change it (checked when the session ends)."""
    computed = compute_statistics(sample_cases)
    before = _fingerprint(computed)
    yield computed
    assert _fingerprint(computed) == before, "a test changed the shared statistics: give it its own copy"


@pytest.fixture(scope="session")
def stats_file(statistics: Statistics, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared statistics saved once (the JSON cache the notebooks and ``prepare_letter`` read)."""
    return statistics.save(tmp_path_factory.mktemp("stats") / "statistics.json")


@pytest.fixture(scope="session")
def executed_letter(stats_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``executed_letter(council, year, **params)``: the letter notebook run by papermill, once per arguments.

    Returns the executed notebook's path; read it, never write to it. ``stats_file``
    defaults to the shared statistics (unless ``data_dir`` is given) and
    ``generated_at`` to ``GENERATED_AT``; other parameters are the notebook's own.
    """
    import papermill

    made: dict[tuple, Path] = {}

    def execute(council: str, year: int | str = 2020, **params) -> Path:
        if "data_dir" not in params:
            params.setdefault("stats_file", str(stats_file))
        params.setdefault("generated_at", GENERATED_AT)
        key = (council, year, tuple(sorted((name, str(value)) for name, value in params.items())))
        if key not in made:
            folder = tmp_path_factory.mktemp("letter")
            out = folder / "letter.ipynb"
            papermill.execute_notebook(str(LETTER_NOTEBOOK), str(out), parameters={"council": council, "year": year, **params},
                                       cwd=str(folder), kernel_name="python3", progress_bar=False)
            made[key] = out
        return made[key]

    return execute


@pytest.fixture(scope="session")
def batch_year(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real 2020 batch of ``BATCH_COUNCILS`` (every format, with the national review and pack): its year folder.

    Tests only read it; one that sends, reruns or edits copies it first.
    """
    from lgsco_report.batch import run_batch

    out = tmp_path_factory.mktemp("batch-year")
    result = run_batch(2020, councils=list(BATCH_COUNCILS), data_dir=sample_dir, out_dir=out, workers=2,
                       formats=BATCH_FORMATS, progress=False, generated_at=GENERATED_AT)
    assert result.exit_code == 0, result.failures
    return out / "2020"


# --------------------------------------------------------------------------- the browser test
# Chromium is a contributors' test dependency. Without it the browser tests are
# left out (not failed) and the summary says so; on CI (CI=true) they run and
# fail, so a CI machine without the browser cannot pass unnoticed.


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs headless Chromium (sudo apt-get install chromium)")
    config.addinivalue_line("markers", "slow: runs a real batch, executes a notebook or starts a new process per case "
                                       "(make test-fast leaves these out)")


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
