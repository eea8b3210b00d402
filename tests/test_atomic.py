"""Whole files or none, with ordinary permissions."""

import os
import stat

import pytest

from lgsco_report import atomic


def test_written_file_is_whole_and_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic.write_text(tmp_path / "sub" / "index.html", "<p>é</p>")
    finally:
        os.umask(old)
    assert path.read_text(encoding="utf-8") == "<p>é</p>"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("old")

    def fail(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic.write_with(path, fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
