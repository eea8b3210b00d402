"""The batch's statistics cache: JSON that reads back exactly, is checked on load, and can never run code."""

from __future__ import annotations

import json
import math
import pickle
import struct
from pathlib import Path

import pandas as pd
import pytest

from lgsco_report.stats import Statistics

TABLES = ("councils", "types", "national", "unassigned")


@pytest.fixture()
def saved(statistics, tmp_path) -> Path:
    return statistics.save(tmp_path / "statistics.json")


def _bits(frame: pd.DataFrame) -> list:
    """Every float as its 8 bytes: "equal" must mean bit for bit, not within a tolerance."""
    return [(struct.pack("<d", v) if not math.isnan(v) else "nan") if isinstance(v, float) else v
            for column in frame.columns for v in frame[column].tolist()]


def test_round_trip_is_exact(statistics, saved):
    loaded = Statistics.load(saved)
    for name in TABLES:
        original, back = getattr(statistics, name), getattr(loaded, name)
        pd.testing.assert_frame_equal(back, original, check_exact=True)
        assert _bits(back) == _bits(original)
    assert (loaded.average_method, loaded.categories, loaded.is_sample, loaded.sources) == (
        statistics.average_method, statistics.categories, statistics.is_sample, statistics.sources)
    assert statistics.councils["upheld_rate"].notna().any()  # there were real floats to compare


class _Planted:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _edited(saved: Path, edit) -> Path:
    payload = json.loads(saved.read_text(encoding="utf-8"))
    edit(payload)
    saved.write_text(json.dumps(payload), encoding="utf-8")
    return saved


def _councils_column(payload, name):
    return next(c for c in payload["tables"]["councils"]["columns"] if c["name"] == name)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda p: p.update(format=1),
        lambda p: p.update(average_method="median"),
        lambda p: p.update(is_sample="yes"),
        lambda p: p["tables"].pop("types"),
        lambda p: _councils_column(p, "upheld_rate")["values"].pop(),
        lambda p: _councils_column(p, "upheld_rate")["values"].__setitem__(0, "0.5"),
        lambda p: _councils_column(p, "year").update(dtype="category"),
        lambda p: p["tables"]["councils"]["columns"].remove(_councils_column(p, "authority_code")),
        lambda p: p["tables"]["councils"].update(rows=-1),
        lambda p: p.update(sources=[{"table": 1}]),
    ],
    ids=["format", "method", "is_sample", "table", "length", "value-type", "dtype", "column", "rows", "sources"],
)
def test_a_cache_that_does_not_check_out_is_refused_naming_the_file(saved, corrupt):
    _edited(saved, corrupt)
    with pytest.raises(ValueError, match="statistics.json: not a valid statistics cache"):
        Statistics.load(saved)


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[" * 100000, b"null"])
def test_unreadable_cache_is_a_value_error(tmp_path, content):
    path = tmp_path / "statistics.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="statistics.json"):
        Statistics.load(path)


def test_pickle_in_the_cache_never_runs(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "statistics.json"
    path.write_bytes(pickle.dumps({"format": 2, "statistics": _Planted(marker)}))
    with pytest.raises(ValueError, match="not a statistics cache"):
        Statistics.load(path)
    assert not marker.exists()
