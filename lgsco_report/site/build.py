"""Write the site: every page rendered from its context, rewritten only when that context changed.

Incremental by fingerprint: a page's fingerprint is the SHA-256 of its context
(every figure, link and list it prints, as JSON) and of the site's code and
templates. ``site-manifest.json`` records each page's fingerprint; a page whose
fingerprint is unchanged and whose file is still there is not rendered again.
Every file is written to a temporary file and renamed (``atomic``); page paths
are built from checked slugs inside the output folder.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__, atomic
from ..documents import SAMPLE_BANNER
from .context import SiteInputs, council_context
from .gather import gather
from .home import home_context

SITE_MANIFEST = "site-manifest.json"
MANIFEST_FORMAT = 1
PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates" / "site"


@dataclass
class SiteResult:
    out_dir: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The years made and the statistics they were made from (so the years' indexes can be brought to link the site).
    years: list[int] = field(default_factory=list)
    statistics: Any = None

    @property
    def pages(self) -> int:
        return len(self.written) + len(self.unchanged)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.globals["sample_banner"] = SAMPLE_BANNER
    return env


def code_version() -> str:
    """SHA-256 over the site's code and templates and the package version: any edit remakes every page."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*PACKAGE_DIR.glob("*.py"), *TEMPLATE_DIR.glob("*.j2")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def page_fingerprint(context: dict[str, Any], version: str) -> str:
    text = json.dumps(context, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((version + "\0" + text).encode("utf-8")).hexdigest()


def _read_site_manifest(out_dir: Path, version: str) -> dict[str, str]:
    try:
        data = json.loads((out_dir / SITE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("pages"), dict):
        return {}
    return {str(k): str(v) for k, v in data["pages"].items()}


def _pages(inputs: SiteInputs) -> list[tuple[str, str, dict[str, Any]]]:
    """(relative path, template, context) of every page of the site."""
    pages = [("index.html", "home.html.j2", home_context(inputs))]
    frame = inputs.statistics.councils
    by_council: dict[str, list[dict[str, Any]]] = {}
    for record in frame[frame["year"].isin(inputs.years)].to_dict("records"):
        by_council.setdefault(str(record["authority_code"]), []).append(record)
    for code, rows in by_council.items():
        council = inputs.councils[code]
        pages.append((f"councils/{council.slug}/index.html", "council.html.j2", council_context(inputs, council, rows)))
    return pages


def write_pages(inputs: SiteInputs, force: bool = False) -> SiteResult:
    """Render and write the pages whose fingerprint changed; record them in the site manifest."""
    out_dir = inputs.out_dir
    version = code_version()
    before = {} if force else _read_site_manifest(out_dir, version)
    result, recorded = SiteResult(out_dir), {}
    for relative, template, context in _pages(inputs):
        fingerprint = page_fingerprint(context, version)
        recorded[relative] = fingerprint
        target = out_dir / relative
        if before.get(relative) == fingerprint and target.is_file():
            result.unchanged.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(target, _environment().get_template(template).render(**context))
        result.written.append(relative)
    for relative in sorted(set(before) - set(recorded)):
        stale = out_dir / relative
        if stale.is_file() and out_dir.resolve() in stale.resolve().parents:
            stale.unlink()
            result.removed.append(relative)
    manifest = {"format": MANIFEST_FORMAT, "package_version": __version__, "years": inputs.years,
                "pages": recorded, "councils": {c.code: f"councils/{c.slug}/index.html" for c in inputs.councils.values()}}
    atomic.write_text(out_dir / SITE_MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return result


def build_site(
    out_dir: Path | str, years: list[int] | None = None, data_dir: Path | str | None = None,
    letters_dir: Path | str | None = "outputs", force: bool = False,
) -> SiteResult:
    """Make (or bring up to date) the site in ``out_dir`` for ``years`` (default: every year in the data).

    ``letters_dir`` holds the year folders (``<year>/manifest.json``) whose letters and
    indexes the pages link; None links none.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inputs = gather(Path(data_dir) if data_dir else None, years, out, Path(letters_dir) if letters_dir else None)
    result = write_pages(inputs, force=force)
    result.years, result.statistics = list(inputs.years), inputs.statistics
    result.seconds = time.perf_counter() - started
    return result
