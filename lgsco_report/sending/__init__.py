"""``lgsco-report send``: each council's letter by email, never twice, never wrong, with a record.

One message per council: to the chief executive, copied to the Link Officer and
Monitoring Officer where the letter's addressees file gives their addresses,
with the PDF letter attached (and the Word letter if asked). Nothing is sent
unless ``--send`` is given: the default dry run writes each message as
``letter.eml`` beside the letter.

The addresses are those of the addressees file each letter was made with (the
manifest records it, with its SHA-256 and a digest of the council's entry): a
letter whose entry changed since, or an ``--addressees`` file that is not the
letters' own, stops the send before anything goes out, naming the councils to
make again. So an email never goes to someone other than the letter's addressee.

The record, ``outputs/<year>/sent.json`` (``year_folder.sent_record``), keeps
every attempt for each council: Message-ID, times, recipients and the SHA-256 of
each attachment. Why a journal with two writes per message: an *intent* entry
(with the Message-ID) is written atomically BEFORE the message is handed to the
server, and the *outcome* after. A kill between the two leaves an intent without
an outcome; such a council is never re-sent automatically but reported as
unknown, to be checked on the mail server and settled with ``--confirm-sent`` or
``--resend``. So a council is never recorded as sent when it was not, and never
sent twice by a rerun.

Refused (listed in the summary, the others go on): sample-data letters (unless
``--allow-sample``, then the subject starts "SAMPLE"); with ``--final``, DRAFT
letters and years whose parameters list ``unconfirmed`` facts; letters whose
inputs changed since they were made (stale); councils without an address, or
with an address that does not parse. Credentials come from the environment or a
private file outside the repository, never from the command line or the record.

The modules: ``options`` (what is asked, what was done, ``SendError``),
``addresses``, ``checks``, ``message`` (templates in ``templates/email/``),
``smtp`` and ``run`` (``run_send``). The command's options are ``cli``'s. This
face imports the light modules only; ``run_send`` and ``summary`` load ``run``
(and through it the index page) on first use.
"""

from __future__ import annotations

from typing import Any

from .addresses import ADDRESS_COLUMNS, check_address, read_addressees
from ..errors import SendError
from .options import DRY_RUN_FROM, ENV_FROM, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, SendOptions, SendResult
from .smtp import ENV_PASSWORD, ENV_USER, SMTPTransport, read_credentials


def __getattr__(name: str) -> Any:
    if name in ("run_send", "summary"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ADDRESS_COLUMNS", "DRY_RUN_FROM", "ENV_FROM", "ENV_PASSWORD", "ENV_USER", "EXIT_OK", "EXIT_PROBLEMS",
    "EXIT_USAGE", "SMTPTransport", "SendError", "SendOptions", "SendResult", "check_address", "read_addressees",
    "read_credentials", "run_send", "summary",
]
