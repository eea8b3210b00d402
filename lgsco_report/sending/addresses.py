"""Who each email goes to: the letter's own addressees, read the way the letter read them.

Why the letter's own file and nothing else: a letter names its chief
executive; its email must go to the address beside that name. The manifest
records, for each letter, the addressees file it was made with (path and
SHA-256) and a digest of that council's entry; ``send`` reads that file, and
refuses, before anything is sent, a letter whose entry changed since it was
made (or an ``--addressees`` file that is not the letters' own): the letter
must be made again first.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any
from email.utils import parseaddr

from ..errors import AddressError, SendError
from ..hashing import sha256_file
from ..year_folder.manifest import STATUS_DONE, addressee_entry_digest
from .options import LetterToSend

#: A strict address: dot-atom local part, a domain of LDH labels with a dot; no display names.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")

ADDRESS_COLUMNS = ("chief_executive_email", "link_officer_email", "monitoring_officer_email")


def check_address(value: Any) -> str:
    """``value`` as a bare email address, or ``AddressError``: email.utils must read it the same, and it must be strict."""
    text = "" if value is None else str(value).strip()
    name, parsed = parseaddr(text)
    if not text or name or parsed != text or len(text) > 254 or not _ADDRESS.match(text):
        raise AddressError(f"{text!r} is not a valid email address (write it as name@example.gov.uk)")
    if len(text.split("@")[0]) > 64:
        raise AddressError(f"{text!r} is not a valid email address (the part before @ is too long)")
    return text


def read_addressees(path: Path | None, year: int, letter_date: _dt.date) -> dict[str, dict[str, Any]]:
    """GSS code -> the addresses of that council's letter, for every council of ``year``.

    The recipients are the letter's own (``letter.recipients_for``): a council
    abolished before the letter date is written to its successor's chief
    executive, so its email goes there too, with any other successors' chief
    executives copied. The file is read and checked as the letter reads it.
    """
    from ..letter import recipients_for
    from ..register import councils_for_year

    file = path if path is not None and path.is_file() else None
    found: dict[str, dict[str, Any]] = {}
    for code in councils_for_year(year)["authority_code"]:
        main, *others = recipients_for(str(code), letter_date, file, check_emails=False)
        addresses = {column: _cell(main.get(column)) for column in ("chief_executive_name", *ADDRESS_COLUMNS)}
        addresses["other_chief_executive_emails"] = [
            email for email in (_cell(row.get("chief_executive_email")) for row in others) if email
        ]
        found[str(code)] = addresses
    return found


def _cell(value: Any) -> str | None:
    """A cell of the addressees table as text; None when empty or missing."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return " ".join(str(value).split()) or None


def cc_addresses(letter: LetterToSend) -> list[str]:
    """Who is copied: other successors' chief executives (an abolished council's letter), then the officers."""
    to = letter.addresses.get("chief_executive_email")
    cc: list[str] = []
    values = [*letter.addresses.get("other_chief_executive_emails", []),
              letter.addresses.get("link_officer_email"), letter.addresses.get("monitoring_officer_email")]
    for value in values:
        if value and value != to and value not in cc:
            cc.append(check_address(value))
    return cc


# --------------------------------------------------------------------------- the letters' own addressees


def letter_addressees_file(entry: dict[str, Any], fallback: Path | None) -> tuple[Path | None, str | None]:
    """(file, SHA-256 when made) of the addressees a letter was made with, as its manifest entry records them.

    A letter made before the manifest recorded its file has only the file's
    SHA-256 in its fingerprint; ``fallback`` (``workbook.addressees_file``'s
    answer today) is then taken, and checked against that SHA-256 like any other.
    """
    record = entry.get("addressees")
    if isinstance(record, dict):
        path = record.get("path")
        return (Path(path) if path else None), record.get("sha256")
    return fallback, (entry.get("fingerprint") or {}).get("addressees")


def addressee_changes(letters: list[LetterToSend], given: Path | None, fallback: Path | None,
                      letter_date: _dt.date) -> list[str]:
    """Why each letter's addressees no longer match the ones it was made with (empty: all match).

    ``given`` is ``send --addressees``: it must hold the same bytes as each
    letter's own file. Otherwise a letter whose own file changed is refused only
    when its council's entry (its rows, ``letter.recipients_for``) changed.
    """
    problems = []
    for letter in letters:
        if letter.entry.get("status") != STATUS_DONE:
            continue
        own, made_sha = letter_addressees_file(letter.entry, fallback)
        if given is not None and not _same_file(given, own):
            if _sha(given) != made_sha:  # the same bytes under another name are the same addressees
                problems.append(f"{letter.name}: --addressees {given} is not the addressees file its letter was "
                                f"made with ({own or 'none'})")
            continue
        if _sha(own) == made_sha:
            continue
        recorded = (letter.entry.get("addressees") or {}).get("entry")
        if recorded is None or _entry_now(letter.code, own, letter_date) != recorded:
            problems.append(f"{letter.name}: its entry in {own or 'the addressees file'} changed since the letter "
                            "was made")
    return problems


def _entry_now(code: str, path: Path | None, letter_date: _dt.date) -> str:
    """The digest of ``code``'s entry in ``path`` today, as the batch recorded it when the letter was made."""
    from ..letter import recipients_for
    from ..register import ADDRESSEE_COLUMNS

    rows = recipients_for(code, letter_date, path if path is not None and path.is_file() else None, check_emails=False)
    return addressee_entry_digest(rows, ADDRESSEE_COLUMNS)


def _same_file(a: Path, b: Path | None) -> bool:
    return b is not None and Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def attach_addresses(letters: list[LetterToSend], given: Path | None, fallback: Path | None, year: int,
                     letter_date: _dt.date) -> None:
    """Give each letter the addresses of its own addressees file (or ``given``, checked to hold the same)."""
    tables: dict[Path | None, dict[str, dict[str, Any]]] = {}
    for letter in letters:
        path = given if given is not None else letter_addressees_file(letter.entry, fallback)[0]
        if path not in tables:
            tables[path] = read_addressees(path, year, letter_date)
        letter.addresses = tables[path].get(letter.code, {})


def _sha(path: Path | None) -> str | None:
    return sha256_file(path) if path is not None and path.is_file() else None


def refuse_changed_addressees(problems: list[str], year: int) -> None:
    """Stop the send before anything goes out, naming the councils and the command that remakes their letters."""
    if not problems:
        return
    names = [problem.split(": ", 1)[0] for problem in problems]
    councils = " ".join(f"--council \"{name}\"" for name in names)
    raise SendError(
        "nothing sent: these letters were made with other addressees than the ones now on file, so their email "
        "could go to someone the letter is not addressed to:\n  " + "\n  ".join(problems)
        + f"\nMake them again (lgsco-report letters --year {year} {councils}), then send; or give no --addressees "
        "(the letters' own file is used)."
    )
