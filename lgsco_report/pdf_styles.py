"""The letters' ``<style>`` sheets parsed once per process for WeasyPrint: the same PDF, less work.

Why: every letter carries the same stylesheet text in its ``<style>`` elements,
and WeasyPrint 70 parses it again for each document (tokenising, validating
every declaration, compiling every selector with ``eval``): about 0.01 s of a
letter's CPU. A parsed sheet depends only on its text, base URL and media type
unless it has rules with effects on the document beyond the sheet itself
(``@font-face``, ``@counter-style``, ``@color-profile``, ``@import``,
``@layer``) or ``var()``; only sheets without those are reused. Their ``@page``
rules are the one document-wide effect: WeasyPrint collects them in one list
per document, so a reused sheet adds its remembered page rules to the new
document's list, in the same order a fresh parse would.

(WeasyPrint itself shares its user-agent sheet between documents in the same way.)
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

#: WeasyPrint versions whose ``find_stylesheets`` calls this module knows (checked by the tests).
SUPPORTED_WEASYPRINT = ("70.",)
#: Parsed sheets kept per process: a batch's letters use one or two distinct texts.
MAX_CACHED_SHEETS = 16

#: At-rules whose only effect is inside the sheet (plus @page rules, replayed); the margin boxes of @page.
_LOCAL_AT_RULES = frozenset(
    ["page", "media"]
    + [f"{side}-{place}" for side in ("top", "bottom") for place in ("left-corner", "left", "center", "right", "right-corner")]
    + [f"{side}-{place}" for side in ("left", "right") for place in ("top", "middle", "bottom")]
)
_AT_KEYWORD = re.compile(r"@([-\w]+)")

_SHEETS: OrderedDict[tuple[str, Any, str], tuple[Any, list[Any]]] = OrderedDict()
_ORIGINAL: dict[str, Any] = {}


class ReusedSheet:
    """A parsed sheet as one document sees it: the shared matcher, that document's page rules and layers."""

    def __init__(self, base_url: Any, matcher: Any, page_rules: list[Any], layers: list[Any]) -> None:
        self.base_url = base_url
        self.matcher = matcher
        self.page_rules = page_rules
        self.layers = layers


def reusable(text: str) -> bool:
    """Whether a sheet with this text affects nothing outside itself but its ``@page`` rules."""
    if "var(" in text or "\\" in text:  # escapes could spell an at-rule the pattern does not see
        return False
    return all(keyword.lower() in _LOCAL_AT_RULES for keyword in _AT_KEYWORD.findall(text))


def cached_css(*args: Any, **kwargs: Any) -> Any:
    """Stands in for ``weasyprint.CSS`` inside ``weasyprint.css``: parse a reusable ``string=`` sheet once."""
    original = _ORIGINAL["CSS"]
    text = kwargs.get("string")
    if args or not isinstance(text, str) or set(kwargs) - _STYLE_ELEMENT_ARGUMENTS or not reusable(text):
        return original(*args, **kwargs)
    key = (text, kwargs.get("base_url"), kwargs.get("media_type"))
    page_rules = kwargs.get("page_rules")
    layers = kwargs.get("layers")
    if page_rules is None or layers is None:
        return original(*args, **kwargs)
    if key not in _SHEETS:
        own_page_rules: list[Any] = []
        parsed = original(**{**kwargs, "page_rules": own_page_rules, "layers": []})
        _SHEETS[key] = (parsed, own_page_rules)
        if len(_SHEETS) > MAX_CACHED_SHEETS:
            _SHEETS.popitem(last=False)
    else:
        _SHEETS.move_to_end(key)
    parsed, own_page_rules = _SHEETS[key]
    page_rules.extend(own_page_rules)
    return ReusedSheet(parsed.base_url, parsed.matcher, page_rules, layers)


#: The keyword arguments WeasyPrint 70's ``find_stylesheets`` passes for a ``<style>`` element.
_STYLE_ELEMENT_ARGUMENTS = frozenset(
    ["string", "base_url", "url_fetcher", "media_type", "font_config", "counter_style", "page_rules",
     "color_profiles", "layers"]
)


def install() -> bool:
    """Make WeasyPrint reuse parsed ``<style>`` sheets; True if it does (a WeasyPrint version we know)."""
    import weasyprint
    from weasyprint import css

    if "CSS" in _ORIGINAL:
        return True
    if not weasyprint.__version__.startswith(SUPPORTED_WEASYPRINT) or getattr(css, "CSS", None) is not weasyprint.CSS:
        return False
    _ORIGINAL["CSS"] = css.CSS
    css.CSS = cached_css
    return True


def uninstall() -> None:
    """Give WeasyPrint back its own parsing and forget the parsed sheets (tests)."""
    from weasyprint import css

    if "CSS" in _ORIGINAL:
        css.CSS = _ORIGINAL.pop("CSS")
    _SHEETS.clear()
