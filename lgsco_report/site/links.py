"""Links into the site from outside it: the year's index of letters links each council's page.

The index lives in ``outputs/<year>/``; the site, by default, in
``outputs/site/``. A link is offered only when the site's manifest says it
has a page for the council and that page exists, so an index made without a
site is exactly as before.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from urllib.parse import quote

#: Where the index looks for the site: beside the year folders.
SITE_FOLDER = "site"


@functools.lru_cache(maxsize=8)
def _site_pages(manifest: Path, _mtime: float) -> dict[str, str]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    councils = data.get("councils") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in councils.items()} if isinstance(councils, dict) else {}


def council_page_href(year_dir: Path, code: str) -> str | None:
    """The relative link from ``year_dir`` to the council's site page, or None when there is none."""
    site = Path(year_dir).parent / SITE_FOLDER
    manifest = site / "site-manifest.json"
    try:
        mtime = manifest.stat().st_mtime
    except OSError:
        return None
    page = _site_pages(manifest, mtime).get(code)
    if page is None or not (site / page).is_file() or ".." in Path(page).parts:
        return None
    return quote(Path(os.path.relpath(site / page, year_dir)).as_posix())
