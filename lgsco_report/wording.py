"""Small wording helpers: counts that read naturally for every value.

Why here: the letter template words sentences around counts that may be 0, 1,
2 or many. These helpers make the number and the noun agree ("one complaint",
"2 complaints", "no complaints", "both complaints", "the one complaint"), so
the template never prints "all 1 of the recommendations" or "9.1 upheld
decision". They are registered as Jinja2 filters by ``letter/templates.py``.

Within one sentence, counts are written one way: "one" only when every count
of the sentence is one or none, otherwise numerals throughout ("2 public
reports: 1 public interest report and 1 further report", never "2 public
reports: one ... and one ..."). A template asks ``in_numerals(*counts)`` once
per sentence and passes the answer to each count as ``numerals=``.
"""

from __future__ import annotations

import re

_CONSONANT_Y = re.compile(r"[^aeiou]y$")


def plural(noun: str, plural_form: str | None = None) -> str:
    """The plural of ``noun`` ("case" -> "cases", "remedy" -> "remedies"), or ``plural_form`` if given."""
    if plural_form:
        return plural_form
    if _CONSONANT_Y.search(noun):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    return noun + "s"


def _whole(n: object) -> int:
    if isinstance(n, bool) or int(n) != n or int(n) < 0:
        raise ValueError(f"a count must be a whole number, 0 or more, not {n!r}")
    return int(n)


def in_numerals(*counts: int | None) -> bool:
    """Whether a sentence holding these counts writes them as numerals: when any is 2 or more (None: not printed)."""
    return any(_whole(n) >= 2 for n in counts if n is not None)


def count_phrase(n: int, noun: str, plural_form: str | None = None, zero: str = "no", numerals: bool = False) -> str:
    """``n`` of ``noun`` as words: "no complaints", "one complaint", "2 complaints", "1,234 complaints".

    ``numerals`` (the sentence's other counts are numerals; ``in_numerals``) writes one as "1 complaint".
    """
    n = _whole(n)
    if n == 0:
        return f"{zero} {plural(noun, plural_form)}"
    if n == 1:
        return f"{'1' if numerals else 'one'} {noun}"
    return f"{n:,} {plural(noun, plural_form)}"


def all_of(n: int, noun: str, plural_form: str | None = None) -> str:
    """Every one of ``n`` things: "the one complaint", "both complaints", "all 5 complaints"."""
    n = _whole(n)
    if n == 0:
        raise ValueError("all_of() needs at least one thing; word the case of none separately")
    if n == 1:
        return f"the one {noun}"
    if n == 2:
        return f"both {plural(noun, plural_form)}"
    return f"all {n:,} {plural(noun, plural_form)}"


def any_of(n: int, noun: str, plural_form: str | None = None) -> str:
    """After a negative verb: "the one complaint", "either of the 2 complaints", "any of the 5 complaints"."""
    n = _whole(n)
    if n == 0:
        raise ValueError("any_of() needs at least one thing; word the case of none separately")
    if n == 1:
        return f"the one {noun}"
    if n == 2:
        return f"either of the 2 {plural(noun, plural_form)}"
    return f"any of the {n:,} {plural(noun, plural_form)}"


def none_of(n: int, noun: str, plural_form: str | None = None) -> str:
    """At the head of a clause: "neither of the 2 complaints", "none of the 5 complaints" (n >= 2)."""
    n = _whole(n)
    if n < 2:
        raise ValueError("none_of() reads well for 2 or more things only; word 0 and 1 separately")
    return f"{'neither' if n == 2 else 'none'} of the {n:,} {plural(noun, plural_form)}"


def some_of(part: int, whole: int, noun: str, plural_form: str | None = None) -> str:
    """Part of a whole, 0 < part < whole: "1 of the 5 cases", "3 of the 5 cases" (the whole is 2 or more: numerals)."""
    part, whole = _whole(part), _whole(whole)
    if not 0 < part < whole:
        raise ValueError(f"some_of() needs 0 < part < whole, not {part} of {whole}")
    return f"{part:,} of the {whole:,} {plural(noun, plural_form)}"


def figure_phrase(printed: str, noun: str, plural_form: str | None = None) -> str:
    """A printed figure and its noun, the noun agreeing with what is printed.

    "1.0" and "1" take the singular; a figure that prints as zero reads "no ...".
    ("9.1 upheld decisions", "1.0 upheld decision", "no upheld decisions").
    """
    text = str(printed).strip()
    number = float(text.replace(",", ""))
    if number == 0:
        return f"no {plural(noun, plural_form)}"
    if number == 1:
        return f"{text} {noun}"
    return f"{text} {plural(noun, plural_form)}"


def upper_first(text: str) -> str:
    """``text`` with its first letter a capital (the rest left as it is)."""
    return text[:1].upper() + text[1:]
