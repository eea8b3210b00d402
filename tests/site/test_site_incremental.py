"""Rebuilding the site: only the pages whose inputs changed are written again, each atomically."""

from __future__ import annotations

import pytest

import csv
import shutil
from pathlib import Path

from lgsco_report.site import build_site

# Each builds a real batch and a whole site.
pytestmark = pytest.mark.slow

WESTMINSTER = "E09000033"


def _flip_one_decision(data: Path, code: str, year: int) -> None:
    """One of the council's upheld decisions in ``year`` made "Not upheld" (comment lines kept)."""
    path = data / "decided.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.DictReader([line for line in lines if not line.startswith("#")]))
    start, end = f"{year - 1}-04-01", f"{year}-03-31"
    target = next(r for r in rows if r["authority"] == code and r["outcome"] == "Upheld"
                  and start <= r["decision_date"] <= end and r["remedy_by_authority"].lower() in ("no", "false", "0"))
    target["outcome"] = "Not upheld"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(comments)
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_only_pages_whose_inputs_changed_are_written(tmp_path: Path, sample_dir: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    out = tmp_path / "site"
    first = build_site(out, data_dir=data, letters_dir=None)
    assert first.pages == len(first.written) > 350 and not first.unchanged
    again = build_site(out, data_dir=data, letters_dir=None)
    assert again.written == [] and len(again.unchanged) == first.pages

    (out / "councils" / "kent-county-council" / "index.html").unlink()
    _flip_one_decision(data, WESTMINSTER, 2024)
    changed = build_site(out, data_dir=data, letters_dir=None)
    written = set(changed.written)
    assert {"index.html", "councils/city-of-westminster/index.html", "councils/kent-county-council/index.html"} <= written
    # A London borough's figure moves its type's average, so the other London boroughs change too; nothing else does.
    assert "councils/london-borough-of-camden/index.html" in written
    assert "councils/cannock-chase-district-council/index.html" not in written
    assert len(written) < 40
    assert not list(out.rglob("*.tmp")) and not [p for p in out.rglob("*") if p.name.startswith(".")]
