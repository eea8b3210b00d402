"""Who a council's letter goes to and who is copied in: the letter and ``send`` ask the same functions.

The addressee is the council's chief executive (from the register, or an
addressees file that names people and addresses); a council abolished before
the letter date is written to its successor's, with any other successors and
every council's Link and Monitoring Officers copied. ``send`` reads the same
rows (``recipients_for``), so a letter and its email never disagree.

The salutation (``salutation``) follows British letters: a title and the
surname, no forenames or initials ("Ms B Example" -> "Dear Ms Example",
"Dr Jane Smith" -> "Dear Dr Smith"); "Sir" and "Dame" take the first forename
("Sir John Smith" -> "Dear Sir John"); a name with no title is written as it is
given ("Jane Smith" -> "Dear Jane Smith"), since dropping a forename would leave
"Dear Smith"; no name at all reads "Dear Chief Executive". A surname's lower-case
particles stay with it ("Ms A van der Berg" -> "Dear Ms van der Berg"), and
letters after the name are dropped ("Mr J Smith OBE" -> "Dear Mr Smith").
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .. import register
from ..formatting import is_missing
from ..errors import LetterInputError
from .templates import join_places


def _none_if_missing(value: Any) -> Any:
    return None if is_missing(value) else value


def _text(value: Any) -> str | None:
    value = _none_if_missing(value)
    return (" ".join(str(value).split()) or None) if value is not None else None


#: Titles a salutation keeps before the surname (compared without a full stop, in any case).
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "cllr", "councillor",
                     "rev", "revd", "reverend", "lord", "lady"})
#: Titles used with the first forename, not the surname.
_FORENAME_TITLES = frozenset({"sir", "dame"})
#: Lower-case words that belong to the surname after them ("van der Berg", "de la Cruz").
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del", "dos", "ter"})
#: Letters after a name: honours and degrees, left out of a salutation.
_POST_NOMINAL = re.compile(r"^(?:[A-Z]{2,5}|[A-Z][a-z]?[A-Z]+)$")


def salutation(name: str | None) -> str:
    """What follows "Dear": the title and surname of ``name`` (see the module's docstring for the rule)."""
    words = (_text(name) or "").split()
    if not words:
        return "Chief Executive"
    while len(words) > 2 and _POST_NOMINAL.match(words[-1].strip(",")):
        words.pop()
    words = [w.rstrip(",") for w in words]
    title = words[0].rstrip(".").lower()
    if len(words) < 3 or title not in _TITLES | _FORENAME_TITLES:
        return " ".join(words)
    if title in _FORENAME_TITLES:
        return f"{words[0]} {words[1]}"
    surname = [words[-1]]
    for word in reversed(words[1:-1]):
        if word not in _PARTICLES:
            break
        surname.insert(0, word)
    return " ".join([words[0], *surname])


_OFFICERS = (("link_officer", "Link Officer"), ("monitoring_officer", "Monitoring Officer"))


def _copies(recipients: list[pd.Series]) -> list[str]:
    """"Copied to" entries: other successors' chief executives, then Link and Monitoring Officers."""
    copies = []
    for row in recipients[1:]:
        who = [_text(row["chief_executive_name"]), _text(row["chief_executive_title"]) or "the Chief Executive"]
        copies.append(", ".join([w for w in who if w] + [row["authority_name"]]))
    for row in recipients:
        for prefix, role in _OFFICERS:
            name, title = _text(row[f"{prefix}_name"]), _text(row[f"{prefix}_title"])
            if name or title or _text(row[f"{prefix}_email"]):
                # "Ms A, Complaints Manager (Link Officer), X Council"; unnamed: "the Link Officer, X Council".
                label = f"{title} ({role})" if title and title != role else role
                who = f"{name}, {label}" if name else f"the {label}"
                copies.append(f"{who}, {row['authority_name']}")
    return copies


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path is not None else 0.0
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=4)
def _addressee_table(addressees: str, _mtime: float, check_emails: bool = True) -> pd.DataFrame:
    """Every council with its addressee details, by GSS code (read once per file version)."""
    frame = register.all_councils()
    if addressees:
        try:
            frame = register.apply_overrides(frame, addressees, check_emails=check_emails)
        except ValueError as exc:
            raise LetterInputError(str(exc)) from None
    return frame.drop_duplicates("authority_code").set_index("authority_code", drop=False)


def recipients_for(
    code: str, letter_date: _dt.date, addressees: Path | None = None, check_emails: bool = True
) -> list[pd.Series]:
    """The addressee rows of ``code``'s letter, the addressee first: the council's own, or, for a
    council abolished before the letter date, its successors'. The letter and ``send`` both use it
    (``send`` with ``check_emails=False``: it refuses a council with a bad address on its own).

    Raises ``LetterInputError`` for a bad addressees file.
    """
    by_code = _addressee_table(str(addressees) if addressees is not None else "", _mtime(addressees), check_emails)
    ended = register.abolished_before(code, letter_date)
    if ended and ended[1]:
        return [by_code.loc[row["authority_code"]] for row in ended[1]]
    return [by_code.loc[code]]


def addressing_for(code: str, letter_date: _dt.date, addressees: Path | None = None) -> dict[str, Any]:
    """Who the letter goes to and who is copied in.

    A council abolished before the letter date has its letter sent to its
    successor's chief executive (the first successor's; any others are copied).
    Raises ``LetterInputError`` for a bad addressees file.
    """
    recipients, abolished = recipients_for(code, letter_date, addressees), None
    ended = register.abolished_before(code, letter_date)
    if ended and ended[1]:
        last, successors = ended
        names = [register.name_in_text(row["authority_name"]) for row in successors]
        abolished = {
            "last_day": last,
            "successors": [row["authority_name"] for row in successors],
            "successors_text": join_places(tuple(names)),
            "successor_count": len(names),
        }
    main = recipients[0]
    name = _text(main["chief_executive_name"])
    return {
        "addressee_name": name,
        "addressee_title": _text(main["chief_executive_title"]) or "The Chief Executive",
        "addressee_council": main["authority_name"],
        "salutation_name": salutation(name),
        "copies": _copies(recipients),
        "abolished": abolished,
    }


def default_addressing(council_name: str, addressee_name: str | None = None, addressee_title: str | None = None) -> dict[str, Any]:
    """The addressing of a letter made without ``addressing_for``: to the council's chief executive, no copies."""
    return {
        "addressee_name": _text(addressee_name),
        "addressee_title": _text(addressee_title) or "The Chief Executive",
        "addressee_council": council_name,
        "salutation_name": salutation(addressee_name),
        "copies": [],
        "abolished": None,
    }
