"""Shared fixtures: the sample dataset is generated once per test session (it takes about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lgsco_report.cases import CaseData, load_cases
from lgsco_report.sample import write_sample_data


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the default-seed sample tables (received, decided, compliance CSVs)."""
    folder = tmp_path_factory.mktemp("sample-data")
    write_sample_data(folder)
    return folder


@pytest.fixture(scope="session")
def sample_cases(sample_dir: Path) -> CaseData:
    """The sample tables loaded and validated by ``cases.load_cases``."""
    return load_cases(sample_dir)
