"""Council page names: the same slugs as the letters' folders, safe as file and URL names.

The batch names a council's letter folder by its official name made ascii,
lower case and hyphenated (a name shared by two councils gets the GSS code
appended); the site uses the same rule, so ``outputs/<year>/<slug>/`` and
``site/councils/<slug>/`` name the same council. It is restated here rather
than imported because the year-folder code that holds it is being moved; a
test compares the two on real letter folders.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: Longest slug (the letters' folders are cut at the same length).
SLUG_MAX_LENGTH = 80
_SAFE_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def slugify(name: str, fallback: str = "council") -> str:
    """``name`` as ascii, lower case, hyphenated; only ``[a-z0-9-]`` survive, so never a path."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&", " and ").replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:SLUG_MAX_LENGTH].rstrip("-")
    if slug:
        return slug
    return "council" if fallback == name else slugify(fallback, fallback="council")


def council_slugs(councils: Iterable[tuple[str, str]]) -> dict[str, str]:
    """GSS code -> slug for ``(code, name)`` pairs; a name two councils share gets its code appended."""
    pairs = list(councils)
    slugs = {code: slugify(name, fallback=code) for code, name in pairs}
    counts: dict[str, int] = {}
    for slug in slugs.values():
        counts[slug] = counts.get(slug, 0) + 1
    return {code: (slugify(f"{slug}-{code}") if counts[slug] > 1 else slug) for code, slug in slugs.items()}


def checked_slug(slug: str) -> str:
    """``slug`` itself if it is a safe single path part; ``ValueError`` otherwise (never written)."""
    if not _SAFE_SLUG.match(slug) or len(slug) > SLUG_MAX_LENGTH + 12:
        raise ValueError(f"refusing page name {slug!r}: not a plain slug")
    return slug
