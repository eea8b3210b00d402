"""Council names kept whole in a printed or displayed letter: never "Kent | County Council" across a line or page.

Why in the exporter: a council's name reaches the letter from many places (the
sentences, the address, table captions, figure captions, the names of former
and successor councils), so the rule is applied once, to the letter's finished
HTML, rather than at each of them. Every name the council register knows
(official and short names of two words or more) is wrapped in
``<span class="lgsco-name">``; the stylesheet makes that span an inline block,
which moves to the next line (or page) whole when it does not fit and wraps
inside itself only when the name is wider than a whole line.

Only text between tags is touched, outside ``<head>``, ``<style>`` and
``<script>``: attribute values (alt text, links) and the page's metadata stay as
they were.
"""

from __future__ import annotations

import functools
import re

from markupsafe import escape

#: The class the stylesheet keeps whole (letter.css).
NAME_CLASS = "lgsco-name"

_TAG_OR_RAW = re.compile(r"(<(?:style|script|head)\b.*?</(?:style|script|head)\s*>|<[^>]*>)", re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=1)
def register_names() -> tuple[str, ...]:
    """Every council name of two words or more in the register, as it is written in HTML text, longest first."""
    from .. import register  # imported on first use: HTML without names to keep needs no register

    councils = register.all_councils()
    names = {" ".join(str(name).split()) for column in ("authority_name", "short_name") for name in councils[column]}
    written = {form for name in names if " " in name for form in (name, str(escape(name)))}
    return tuple(sorted(written, key=lambda name: (-len(name), name)))


def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    # A possessive "'s" and closing punctuation go with the name, so that no line starts with them.
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:'s|&#39;s|\u2019s)?(?![\w-])[.,;:)]*")


def keep_names_together(html: str, names: tuple[str, ...] | None = None) -> str:
    """``html`` with each council name in its text wrapped in ``<span class="lgsco-name">``.

    ``names`` defaults to the register's (:func:`register_names`); only those
    that occur in ``html`` are looked for, so a letter costs a few substring
    searches and one small pattern.
    """
    names = register_names() if names is None else names
    present = tuple(name for name in names if name in html)
    if not present:
        return html
    pattern = _names_pattern(present)
    wrap = lambda match: f'<span class="{NAME_CLASS}">{match.group(0)}</span>'  # noqa: E731
    parts = _TAG_OR_RAW.split(html)
    # split() with one capturing group: even items are text, odd items tags or raw elements.
    return "".join(part if index % 2 else pattern.sub(wrap, part) for index, part in enumerate(parts))
