"""The PDF exporters' fonts: the carried Liberation faces, and their subsetting made faster.

Why carry fonts: a PDF embeds whatever the machine's fontconfig finds for the
stylesheet's "Liberation Sans", so a machine without it printed the letters in
DejaVu Sans and another machine in something else. :func:`font_stylesheet`
loads the package's own faces (``lgsco_report/fonts/``, SIL Open Font License,
see its README) with ``@font-face``, for the PDF only: the HTML letters keep
naming system fonts so they stay small and open offline. Its URL fetcher
serves those font files and nothing else from disk.

Font subsetting for the PDF exporters without libharfbuzz-subset: the same bytes, faster.

Why: without Debian's libharfbuzz-subset0, WeasyPrint 70 subsets every embedded
font of every PDF with fontTools, two DejaVu faces a letter, about 0.15 s each.
Most of that time goes on decompiling the fonts' GSUB and GPOS tables in full
(fontTools >= 4.6x inspects them before it prunes anything), although
WeasyPrint has asked for both tables to be dropped. :func:`fonttools_subset`
does what WeasyPrint's own ``Font._fonttools_subset`` does, with the same
options, but deletes those two tables (and, as fontTools would because GPOS was
there, the legacy ``kern`` table) before subsetting instead of after: the
subset's bytes are identical (tests/test_pdf_fonts.py compares them). A subset
already made in this process for the same font, glyphs and options is reused.

With libharfbuzz-subset (4.1 or later) present WeasyPrint never calls this:
it subsets with HarfBuzz, faster still (and with other, equally deterministic
bytes). environment.yml brings it to conda users (conda-forge ``harfbuzz``);
pip cannot install a system library, so a pip install on a machine without
Debian's libharfbuzz-subset0 (or Fedora's or Homebrew's ``harfbuzz``) comes here.
Why keep it: that is most pip installs today, and the letters' PDFs would take
about 0.3 s longer each. When it can go: when WeasyPrint no longer subsets
through fontTools (it warns that the fontTools route will be unsupported), or
when libharfbuzz-subset is on every machine the letters are made on; until
then :func:`install` refuses any WeasyPrint but the versions it was checked
against (:data:`SUPPORTED_WEASYPRINT`), so an upgrade falls back to
WeasyPrint's own subsetter rather than a wrong one.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger("weasyprint")

#: WeasyPrint versions whose ``Font._fonttools_subset`` this module reproduces (checked by the tests).
SUPPORTED_WEASYPRINT = ("70.",)
#: Subsets kept per process (each some tens of KB): a batch's letters share most glyph sets.
MAX_CACHED_SUBSETS = 256

#: The carried fonts and the ``@font-face`` rules that load them (relative URLs, against this folder).
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_STYLESHEET = FONT_DIR / "fonts.css"

_SUBSETS: OrderedDict[tuple[Any, ...], bytes | None] = OrderedDict()
_ORIGINAL: dict[str, Any] = {}


def font_url_fetcher() -> Any:
    """WeasyPrint's URL fetcher for ``data:`` URLs, and the carried font files: nothing else, no network."""
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    fonts = {path.resolve().as_uri(): path for path in FONT_DIR.glob("*.ttf")}

    class _FontFetcher(weasyprint.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = fonts.get(url.split("?")[0])
            if path is not None:
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            return super().fetch(url, headers)

    return _FontFetcher(allowed_protocols={"data"})


def font_stylesheet(font_config: Any, url_fetcher: Any) -> Any:
    """The carried faces' ``@font-face`` rules, registered in ``font_config`` (once: reuse the result)."""
    import weasyprint

    return weasyprint.CSS(filename=str(FONT_STYLESHEET), font_config=font_config, url_fetcher=url_fetcher)


def _subset_bytes(content: bytes, index: int, gids: list[int], hinting: bool, notdef_outline: bool) -> bytes | None:
    """The subset font file, as WeasyPrint 70's ``_fonttools_subset`` makes it; None if fontTools cannot read it."""
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    options = subset.Options(
        retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
        hinting=hinting, desubroutinize=True, notdef_outline=notdef_outline)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    try:
        ttfont = TTFont(io.BytesIO(content), fontNumber=index)
        # fontTools drops 'kern' when GPOS is present (kern is looked at first), then GSUB and GPOS.
        if "GPOS" in ttfont and "kern" in ttfont and not options.legacy_kern:
            del ttfont["kern"]
        for tag in ("GSUB", "GPOS"):
            if tag in ttfont:
                del ttfont[tag]  # deleting a table not yet read costs nothing
        subsetter.subset(ttfont)
    except TTLibError:
        return None
    output = io.BytesIO()
    ttfont.save(output)
    return output.getvalue()


def fonttools_subset(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
    """Replacement for WeasyPrint's ``Font._fonttools_subset(self, to_unicode, hinting)``."""
    notdef_outline = bool(font.missing)
    key = (
        hashlib.blake2b(font.file_content, digest_size=16).digest(), font.index, tuple(sorted(to_unicode)),
        bool(hinting), notdef_outline, os.environ.get("SOURCE_DATE_EPOCH"),  # the subset's head records the time
    )
    if key in _SUBSETS:
        _SUBSETS.move_to_end(key)
        subset_font = _SUBSETS[key]
    else:
        subset_font = _subset_bytes(font.file_content, font.index, list(to_unicode), hinting, notdef_outline)
        _SUBSETS[key] = subset_font
        if len(_SUBSETS) > MAX_CACHED_SUBSETS:
            _SUBSETS.popitem(last=False)
    if subset_font is None:
        LOGGER.warning('Unable to subset "%s" with fontTools', font.family)
    else:
        font.file_content = subset_font


def install() -> bool:
    """Make WeasyPrint use :func:`fonttools_subset`; True if it does (a WeasyPrint version we know)."""
    import weasyprint
    from weasyprint.pdf import fonts

    if "method" in _ORIGINAL:
        return True
    if not weasyprint.__version__.startswith(SUPPORTED_WEASYPRINT) or not hasattr(fonts.Font, "_fonttools_subset"):
        return False
    _ORIGINAL["method"] = fonts.Font._fonttools_subset
    fonts.Font._fonttools_subset = fonttools_subset
    return True


def uninstall() -> None:
    """Give WeasyPrint back its own subsetter and forget the remembered subsets (tests)."""
    from weasyprint.pdf import fonts

    if "method" in _ORIGINAL:
        fonts.Font._fonttools_subset = _ORIGINAL.pop("method")
    _SUBSETS.clear()
