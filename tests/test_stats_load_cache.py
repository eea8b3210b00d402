"""``stats.load_statistics(stats_file=...)`` parses a cache file once per process while it is unchanged.

Why it matters: a batch's warm kernel writes hundreds of letters from one cache
file; each letter must still see exactly the file's figures, never another
letter's edits, and a rewritten file must be read again.
"""

from __future__ import annotations

import dataclasses
import os

import pandas as pd
import pytest

from lgsco_report.stats import Statistics, load_statistics
from lgsco_report.stats import load as stats_load


@pytest.fixture()
def parses(monkeypatch) -> list[str]:
    """The files ``Statistics.load`` parses from now on (the process's remembered file forgotten first)."""
    calls: list[str] = []
    original = Statistics.load.__func__

    def counting(cls, path):
        calls.append(str(path))
        return original(cls, path)

    monkeypatch.setattr(Statistics, "load", classmethod(counting))
    monkeypatch.setattr(stats_load, "_LOADED_CACHE_FILE", {})
    return calls


def test_an_unchanged_file_is_parsed_once_and_gives_the_same_figures(statistics, tmp_path, parses):
    path = statistics.save(tmp_path / "statistics.json")
    first, second = load_statistics(stats_file=path), load_statistics(stats_file=str(path))
    assert parses == [str(path)]
    fresh = Statistics.load(path)
    for name in ("councils", "types", "national", "unassigned", "by_category"):
        pd.testing.assert_frame_equal(getattr(second, name), getattr(fresh, name), check_exact=True)
        pd.testing.assert_frame_equal(getattr(first, name), getattr(fresh, name), check_exact=True)
    assert (second.sources, second.is_sample, second.average_method) == (fresh.sources, fresh.is_sample, fresh.average_method)


def test_each_caller_gets_its_own_copy(statistics, tmp_path, parses):
    path = statistics.save(tmp_path / "statistics.json")
    first = load_statistics(stats_file=path)
    original_total = int(first.councils["received_total"].sum())
    first.councils["received_total"] = 0  # a letter editing its figures in place
    second = load_statistics(stats_file=path)
    assert int(second.councils["received_total"].sum()) == original_total > 0
    assert len(parses) == 1


def test_a_rewritten_file_is_read_again(statistics, tmp_path, parses):
    path = statistics.save(tmp_path / "statistics.json")
    before = load_statistics(stats_file=path)
    councils = statistics.councils.copy()
    councils["received_total"] = councils["received_total"] + 1
    dataclasses.replace(statistics, councils=councils).save(path)
    after = load_statistics(stats_file=path)
    assert len(parses) == 2
    assert int(after.councils["received_total"].sum()) == int(before.councils["received_total"].sum()) + len(councils)


def test_a_file_rewritten_in_place_with_the_same_size_is_read_again(statistics, tmp_path, parses):
    """Same inode and size, other content: the modification time tells them apart."""
    path = statistics.save(tmp_path / "statistics.json")
    load_statistics(stats_file=path)
    text = path.read_bytes()
    assert b'"is_sample":true' in text, "the sample's cache should say is_sample true (compact JSON)"
    edited = text.replace(b'"is_sample":true', b'"is_sample":1   ', 1)  # same length, not a boolean
    status = path.stat()
    with open(path, "r+b") as handle:  # same inode
        handle.write(edited)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))
    assert path.stat().st_size == status.st_size
    with pytest.raises(ValueError, match="is_sample"):
        load_statistics(stats_file=path)  # parsed again, so its new content is checked
    assert len(parses) == 2
