"""Each year's letters as recorded by its batch: read from ``<outputs>/<year>/manifest.json``.

The manifest is read as plain JSON (not through the year-folder code, which is
being moved) and only for what the site links: done letters, the files they
were written as, and the year's index page. A link is offered only for a file
that exists inside the year folder, and is relative to the page that shows it,
so the site works from ``file://`` and from any static server that serves the
outputs folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

MANIFEST_JSON = "manifest.json"
INDEX_HTML = "index.html"
#: The letter formats a reader opens, in the order the pages list them, with their labels.
LINKED_FORMATS: tuple[tuple[str, str], ...] = (("html", "web page"), ("pdf", "PDF"), ("docx", "Word"))


def read_manifest(year_dir: Path) -> dict:
    """The year's manifest as JSON; an empty dict when there is none or it cannot be read."""
    path = year_dir / MANIFEST_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _inside(year_dir: Path, relative: object) -> Path | None:
    if not isinstance(relative, str) or not relative:
        return None
    root = year_dir.resolve()
    target = (root / relative).resolve()
    return target if root in target.parents and target.is_file() else None


def year_letters(letters_dir: Path, year: int) -> dict[str, list[tuple[str, Path]]]:
    """GSS code -> ``[(format label, file)]`` of the year's done letters (files that exist)."""
    year_dir = Path(letters_dir) / str(year)
    letters = read_manifest(year_dir).get("letters", {})
    found: dict[str, list[tuple[str, Path]]] = {}
    for code, entry in letters.items() if isinstance(letters, dict) else ():
        if not isinstance(entry, dict) or entry.get("status") != "done":
            continue
        outputs = entry.get("outputs") or {}
        files = [(label, path) for name, label in LINKED_FORMATS if (path := _inside(year_dir, outputs.get(name)))]
        if files:
            found[str(code)] = files
    return found


def year_index(letters_dir: Path, year: int) -> Path | None:
    """The year's index of letters, if the batch wrote one."""
    path = Path(letters_dir) / str(year) / INDEX_HTML
    return path.resolve() if path.is_file() else None


def relative_href(target: Path, page_dir: Path) -> str:
    """A URL-quoted link to ``target`` from a page in ``page_dir`` (both on this machine)."""
    return quote(Path(os.path.relpath(Path(target).resolve(), Path(page_dir).resolve())).as_posix())
