"""``lgsco-report send``: each council's letter by email, never twice, never wrong, with a record.

One message per council: to the chief executive, copied to the Link Officer and
Monitoring Officer where ``parameters/addressees.csv`` gives their addresses,
with the PDF letter attached (and the Word letter if asked). Nothing is sent
unless ``--send`` is given: the default dry run writes each message as
``letter.eml`` beside the letter.

The record, ``outputs/<year>/sent.json``, keeps every attempt for each council:
Message-ID, times, recipients and the SHA-256 of each attachment. Why a journal
with two writes per message: an *intent* entry (with the Message-ID) is written
atomically BEFORE the message is handed to the server, and the *outcome* after.
A kill between the two leaves an intent without an outcome; such a council is
never re-sent automatically but reported as unknown, to be checked on the mail
server and settled with ``--confirm-sent`` or ``--resend``. So a council is never
recorded as sent when it was not, and never sent twice by a rerun.

Refused (listed in the summary, the others go on): sample-data letters (unless
``--allow-sample``, then the subject starts "SAMPLE"); with ``--final``, DRAFT
letters and years whose parameters list ``unconfirmed`` facts; letters whose
inputs changed since they were made (stale); councils without an address, or
with an address that does not parse. Credentials come from the environment or a
private file outside the repository, never from the command line or the record.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import html
import ipaddress
import json
import os
import re
import smtplib
import ssl
import stat
import sys
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .atomic import write_bytes, write_text
from .documents import SAMPLE_BANNER
from .hashing import sha256_file
from .manifest import STATUS_DONE, Manifest, safe_child
from .errors import LgscoReportError

SENT_JSON = "sent.json"
RECORD_FORMAT = 1
EML_FILE = "letter.eml"
ENV_USER, ENV_PASSWORD, ENV_FROM = "LGSCO_SMTP_USER", "LGSCO_SMTP_PASSWORD", "LGSCO_SMTP_FROM"
#: Sender used in dry runs when no --from is given (a reserved, undeliverable domain).
DRY_RUN_FROM = "annual-review@lgsco-report.invalid"
PDF_MIME = ("application", "pdf")
DOCX_MIME = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")

# States of one attempt in the record.
INTENT, SENT, FAILED, UNKNOWN = "intent", "sent", "failed", "unknown"
DELIVERED = (SENT,)
PENDING = (INTENT, UNKNOWN)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

#: A strict address: dot-atom local part, a domain of LDH labels with a dot; no display names.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")


class SendError(LgscoReportError, ValueError):
    """The send cannot start (bad option, record, server or credentials); the message says what to fix."""


# --------------------------------------------------------------------------- addresses


def check_address(value: Any) -> str:
    """``value`` as a bare email address, or ValueError: email.utils must read it the same, and it must be strict."""
    text = "" if value is None else str(value).strip()
    name, parsed = parseaddr(text)
    if not text or name or parsed != text or len(text) > 254 or not _ADDRESS.match(text):
        raise ValueError(f"{text!r} is not a valid email address (write it as name@example.gov.uk)")
    if len(text.split("@")[0]) > 64:
        raise ValueError(f"{text!r} is not a valid email address (the part before @ is too long)")
    return text


ADDRESS_COLUMNS = ("chief_executive_email", "link_officer_email", "monitoring_officer_email")


def read_addressees(path: Path, year: int, letter_date: _dt.date) -> dict[str, dict[str, Any]]:
    """GSS code -> the addresses of that council's letter, for every council of ``year``.

    The recipients are the letter's own (``letter.recipients_for``): a council
    abolished before the letter date is written to its successor's chief
    executive, so its email goes there too, with any other successors' chief
    executives copied. The file is read and checked as the letter reads it.
    """
    from .letter import recipients_for
    from .register import councils_for_year

    file = path if path.is_file() else None
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


# --------------------------------------------------------------------------- the record


class SendRecord:
    """``<year>/sent.json``: every send attempt for each council, rewritten atomically after each change."""

    def __init__(self, year_dir: Path, year: int) -> None:
        self.path = year_dir / SENT_JSON
        self.year = year
        self.councils: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise SendError(f"{self.path}: not a readable send record ({error}); restore it from backup - "
                                "never delete it, it is what stops letters being sent twice") from None
            if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT or data.get("year") != year:
                raise SendError(f"{self.path}: not a send record for {year}")
            self.councils = dict(data.get("councils", {}))

    def attempts(self, code: str) -> list[dict[str, Any]]:
        return self.councils.get(code, {}).get("attempts", [])

    def add(self, code: str, name: str, attempt: dict[str, Any]) -> dict[str, Any]:
        self.councils.setdefault(code, {"authority_name": name, "attempts": []})["attempts"].append(attempt)
        self.save()
        return attempt

    def save(self) -> None:
        payload = {"format": RECORD_FORMAT, "year": self.year,
                   "councils": {code: self.councils[code] for code in sorted(self.councils)}}
        write_text(self.path, json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def send_states(year_dir: Path) -> dict[str, dict[str, str]]:
    """GSS code -> ``{"state", "text"}`` of each council's latest attempt, for the index page."""
    path = Path(year_dir) / SENT_JSON
    try:
        councils = json.loads(path.read_text(encoding="utf-8")).get("councils", {})
    except (OSError, ValueError, AttributeError):
        return {}
    states = {}
    for code, entry in councils.items():
        attempts = entry.get("attempts") or []
        if not attempts:
            continue
        last = attempts[-1]
        state = last.get("state", UNKNOWN)
        if state == SENT:
            text = f"sent {str(last.get('sent_at', ''))[:16].replace('T', ' ')} to {', '.join(last.get('to', []))}"
            if _attachment_changed(Path(year_dir), last):
                state, text = "changed", text + " (letter changed since: not re-sent)"
        elif state in PENDING:
            state, text = "unknown", f"unknown: check the mail server for {last.get('message_id')}"
        else:
            text = f"failed: {last.get('error', '')}"
        states[code] = {"state": state, "text": text}
    return states


def _attachment_changed(year_dir: Path, attempt: dict[str, Any]) -> bool:
    for attachment in attempt.get("attachments", []):
        path = year_dir / attachment.get("file", "")
        if not path.is_file() or sha256_file(path) != attachment.get("sha256"):
            return True
    return False


# --------------------------------------------------------------------------- options and results


@dataclass
class SendOptions:
    year: int
    out_dir: Path = Path("outputs")
    councils: list[str] | None = None
    dry_run: bool = True
    smtp_url: str | None = None
    from_address: str | None = None
    final: bool = False
    attach_docx: bool = False
    resend: list[str] = field(default_factory=list)
    confirm_sent: list[str] = field(default_factory=list)
    allow_sample: bool = False
    rate_limit: float | None = None  # messages per minute
    credentials_file: Path | None = None
    addressees: Path | None = None
    data_dir: Path | None = None
    params_file: Path | None = None
    progress: bool = True
    timeout: float = 60.0


@dataclass
class SendResult:
    year: int
    dry_run: bool
    sent: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # dry run: .eml files
    already_sent: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    record_path: Path | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_PROBLEMS if (self.refused or self.no_address or self.unknown or self.failed) else EXIT_OK


# --------------------------------------------------------------------------- the server


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


def read_credentials(path: Path | None) -> tuple[str, str] | None:
    """(user, password) from ``path`` (lines ``user=...``, ``password=...``) or the environment; None if neither."""
    from .yearparams import project_root

    if path is None:
        user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
        if bool(user) != bool(password):
            raise SendError(f"set both {ENV_USER} and {ENV_PASSWORD}, or neither")
        return (user, password) if user else None
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise SendError(f"credentials file {path} not found")
    inside = [p for p in (path.parent, *path.parent.parents) if (p / ".git").exists()]
    if inside or project_root().resolve() in path.parents:
        raise SendError(f"credentials file {path} is inside a repository; keep it outside any checkout (e.g. ~/.config)")
    if path.stat().st_mode & (stat.S_IROTH | stat.S_IWOTH):
        raise SendError(f"credentials file {path} is readable by everyone; run: chmod 600 {path}")
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[key.strip().lower()] = value.strip()
    if not values.get("user") or not values.get("password"):
        raise SendError(f"credentials file {path} needs two lines: user=... and password=...")
    return values["user"], values["password"]


class SMTPTransport:
    """One connection to the mail server: TLS (``smtps://`` or STARTTLS), plain only on loopback."""

    def __init__(self, url: str, credentials: tuple[str, str] | None, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SendError(f"--smtp {url!r}: write it as smtps://host[:port] or smtp://host[:port]")
        if parts.username or parts.password:
            raise SendError(f"--smtp: no credentials in the URL; use {ENV_USER}/{ENV_PASSWORD} or --smtp-credentials FILE")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 587)
        self.credentials, self.timeout = credentials, timeout
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> None:
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif not _is_loopback(self.host):
                smtp.close()
                raise SendError(f"{self.host} offers no STARTTLS; refusing to send letters unencrypted (use smtps://)")
        if self.credentials:
            smtp.login(*self.credentials)
        self.smtp = smtp

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> dict[str, Any]:
        """Hand ``message`` to the server; return the recipients it refused (others were accepted)."""
        if self.smtp is None:
            self.connect()
        assert self.smtp is not None
        return self.smtp.send_message(message, from_addr=sender, to_addrs=recipients)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.quit()
            self.smtp = None


def _classify_error(error: BaseException) -> str:
    """FAILED when the server clearly refused (nothing delivered); UNKNOWN when it may have accepted."""
    if isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                          smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError,
                          smtplib.SMTPNotSupportedError, ConnectionRefusedError, SendError)):
        return FAILED
    return UNKNOWN


# --------------------------------------------------------------------------- checks on each letter


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _letter_document(year_dir: Path, entry: dict[str, Any]) -> tuple[bool | None, bool]:
    """(made from sample data?, DRAFT mark?) from the executed notebook, else the HTML letter; None: cannot tell."""
    from .documents import SAMPLE_BANNER

    outputs = entry.get("outputs", {})
    ipynb = year_dir / outputs.get("ipynb", "") if outputs.get("ipynb") else None
    if ipynb is not None and ipynb.is_file():
        import nbformat

        from .documents import DOCUMENT_MIMETYPE, read_document_metadata

        nb = nbformat.read(ipynb, as_version=4)
        meta = read_document_metadata(nb)
        raw = next((o["data"][DOCUMENT_MIMETYPE] for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if DOCUMENT_MIMETYPE in o.get("data", {})), {})
        text = json.dumps([o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                           for o in c.get("outputs", [])])
        draft = bool(isinstance(raw, dict) and raw.get("draft")) or "lgsco-draft" in text
        return bool(meta["is_sample"]), draft
    page = year_dir / outputs.get("html", "") if outputs.get("html") else None
    if page is not None and page.is_file():
        text = page.read_text(encoding="utf-8")
        return ("lgsco-sample-banner" in text or SAMPLE_BANNER in text), "lgsco-draft" in text
    return None, False


class _Fingerprints:
    """Each letter's inputs now, computed once per run, to compare with the manifest's record (stale letters)."""

    def __init__(self, options: SendOptions, year: int) -> None:
        self.options, self.year = options, year
        self._current: dict[str, Any] | None = None

    def current(self) -> dict[str, Any]:
        if self._current is None:
            from . import __version__
            from .batch import _resolve_data_dir, default_notebook
            from .inputs import fingerprint as data_fingerprint
            from .yearparams import default_parameters_file

            params = default_parameters_file(self.year)
            self._current = {
                "data": data_fingerprint(_resolve_data_dir(self.options.data_dir)),
                "notebook": sha256_file(default_notebook()),
                "parameters": sha256_file(params) if params.is_file() else None,
                "package_version": __version__,
            }
        return self._current

    def changed(self, recorded: dict[str, Any]) -> list[str]:
        """Names of the inputs (data, notebook, parameters, package_version) that differ from the record."""
        return [key for key, value in self.current().items() if recorded.get(key) != value]


_INPUT_WORDS = {"data": "the data files", "notebook": "the letter notebook",
                "parameters": "the year's parameters", "package_version": "the lgsco-report version"}


def _unconfirmed_facts(options: SendOptions, year: int) -> list[str]:
    """The year parameters' ``unconfirmed:`` list (facts not yet confirmed); empty when absent."""
    import yaml

    from .yearparams import default_parameters_file

    path = Path(options.params_file) if options.params_file else default_parameters_file(year)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    value = data.get("unconfirmed") if isinstance(data, dict) else None
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or []]


@dataclass
class _Letter:
    code: str
    name: str
    slug: str
    entry: dict[str, Any]
    addresses: dict[str, str | None]


def _refusals(letter: _Letter, year_dir: Path, options: SendOptions, fingerprints: _Fingerprints,
              unconfirmed: list[str]) -> list[str]:
    """Why this letter must not go out (empty list: it may)."""
    reasons = []
    changed = fingerprints.changed(letter.entry.get("fingerprint", {}))
    if changed:
        reasons.append("stale: " + ", ".join(_INPUT_WORDS[k] for k in changed)
                       + " changed since the letter was made; run lgsco-report letters again")
    is_sample, draft = _letter_document(year_dir, letter.entry)
    if is_sample is None:
        reasons.append("cannot tell whether the letter was made from sample data (no letter.ipynb or letter.html)")
    elif is_sample and not options.allow_sample:
        reasons.append("made from SAMPLE data (use --allow-sample to send it marked SAMPLE)")
    if options.final and draft:
        reasons.append("the letter carries a DRAFT mark and --final was given")
    if options.final and unconfirmed:
        reasons.append(f"the year's parameters list unconfirmed facts ({', '.join(unconfirmed)}) and --final was given")
    for column in ADDRESS_COLUMNS:
        value = letter.addresses.get(column)
        if value:
            try:
                check_address(value)
            except ValueError as error:
                reasons.append(f"{column}: {error}")
    return reasons


# --------------------------------------------------------------------------- the message


def _attachments(letter: _Letter, year_dir: Path, options: SendOptions, year: int) -> list[dict[str, Any]]:
    """The files to attach: name, file (relative to the year folder), bytes, SHA-256, MIME type."""
    import hashlib

    outputs = letter.entry.get("outputs", {})
    wanted = [("pdf", PDF_MIME)] + ([("docx", DOCX_MIME)] if options.attach_docx else [])
    files = []
    for fmt, mime in wanted:
        relative = outputs.get(fmt)
        if not relative or not (year_dir / relative).is_file():
            raise FileNotFoundError(f"no letter.{fmt} for {letter.name}; run lgsco-report letters with --formats including {fmt}")
        data = (year_dir / relative).read_bytes()  # read once: the bytes hashed are the bytes sent
        files.append({"name": f"annual-review-letter-{year}-{letter.slug}.{fmt}", "file": relative, "data": data,
                      "sha256": hashlib.sha256(data).hexdigest(), "mime": mime})
    return files


def _body(letter: _Letter, year: int, sample: bool, signatory: str) -> tuple[str, str]:
    """Short plain-text and HTML bodies (the letter itself is the attachment)."""
    name = letter.addresses.get("chief_executive_name") or "Chief Executive"
    lines = [
        f"Dear {name},",
        "",
        f"Please find attached our annual review letter to {letter.name} for the year ending 31 March {year}, "
        "setting out the complaint statistics for your Council.",
        "",
        "Yours sincerely,",
        signatory,
    ]
    if sample:
        lines = [f"{SAMPLE_BANNER}. This is a test message.", ""] + lines
    text = "\n".join(lines) + "\n"
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    return text, f"<!DOCTYPE html>\n<html lang=\"en-GB\"><body>\n{paragraphs}\n</body></html>\n"


def build_message(letter: _Letter, year: int, sender: str, attachments: list[dict[str, Any]],
                  sample: bool, signatory: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    subject = f"Annual Review letter {year}: {letter.name}"
    message["Subject"] = f"SAMPLE - {subject}" if sample else subject
    message["From"] = sender
    message["To"] = check_address(letter.addresses["chief_executive_email"])
    cc = _cc(letter)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(_dt.datetime.now(_dt.timezone.utc))
    message["Message-ID"] = make_msgid(idstring=f"lgsco-{year}-{letter.slug[:40]}", domain=sender.split("@", 1)[1])
    text, page = _body(letter, year, sample, signatory)
    message.set_content(text)
    message.add_alternative(page, subtype="html")
    for item in attachments:
        maintype, subtype = item["mime"]
        message.add_attachment(item["data"], maintype=maintype, subtype=subtype, filename=item["name"])
    return message


def _cc(letter: _Letter) -> list[str]:
    to = letter.addresses.get("chief_executive_email")
    cc = []
    # Other successors' chief executives (an abolished council's letter), then the officers.
    values = [*letter.addresses.get("other_chief_executive_emails", []),
              letter.addresses.get("link_officer_email"), letter.addresses.get("monitoring_officer_email")]
    for value in values:
        if value and value != to and value not in cc:
            cc.append(check_address(value))
    return cc


# --------------------------------------------------------------------------- one council


def _decide(letter: _Letter, record: SendRecord, options: SendOptions, year_dir: Path) -> tuple[str, str]:
    """("send", "") or (outcome, reason) where outcome is already_sent / unknown / refused."""
    attempts = record.attempts(letter.code)
    resend = letter.code in options.resend
    if attempts and attempts[-1].get("state") in PENDING and not resend:
        last = attempts[-1]
        return "unknown", (f"unknown: check the mail server for Message-ID {last.get('message_id')}, then run with "
                           f"--confirm-sent \"{letter.name}\" or --resend \"{letter.name}\"")
    delivered = [a for a in attempts if a.get("state") in DELIVERED]
    if delivered and not resend:
        if _attachment_changed(year_dir, delivered[-1]):
            return "refused", (f"the letter changed after it was sent on {delivered[-1].get('sent_at')}; "
                               f"it is not sent again without --resend \"{letter.name}\"")
        return "already_sent", ""
    return "send", ""


def _send_one(letter: _Letter, context: "_Run") -> None:
    options, result, record = context.options, context.result, context.record
    attachments = _attachments(letter, context.year_dir, options, context.year)
    sample = bool(_letter_document(context.year_dir, letter.entry)[0])
    message = build_message(letter, context.year, context.sender, attachments, sample, context.signatory)
    if options.dry_run:
        folder = safe_child(context.year_dir, letter.slug)
        write_bytes(folder / EML_FILE, message.as_bytes(policy=SMTP_POLICY))
        result.written.append(letter.name)
        return
    to, cc = [message["To"]], _cc(letter)
    attempt = {
        "message_id": message["Message-ID"], "state": INTENT, "intent_at": _now(), "from": context.sender,
        "to": to, "cc": cc, "subject": message["Subject"], "resend": letter.code in options.resend,
        "attachments": [{k: a[k] for k in ("name", "file", "sha256")} for a in attachments],
        "letter_fingerprint": letter.entry.get("fingerprint"), "letter_generated_at": letter.entry.get("generated_at"),
    }
    try:
        if context.transport.smtp is None:
            context.transport.connect()
    except Exception as error:  # noqa: BLE001 - nothing was handed over: a clean failure
        record.add(letter.code, letter.name, {**attempt, "state": FAILED, "finished_at": _now(), "error": _describe(error)})
        result.failed.append((letter.name, _describe(error)))
        return
    record.add(letter.code, letter.name, attempt)  # the intent, on disk before the server sees the message
    try:
        refused = context.transport.send(message, context.sender, to + cc)
    except Exception as error:  # noqa: BLE001 - recorded; the others go on
        attempt.update(state=_classify_error(error), finished_at=_now(), error=_describe(error))
        record.save()
        context.transport.close()
        bucket = result.failed if attempt["state"] == FAILED else result.unknown
        bucket.append((letter.name, f"{_describe(error)} (Message-ID {attempt['message_id']})"))
        return
    attempt.update(state=SENT, sent_at=_now(), finished_at=_now(), refused_recipients=sorted(refused or {}))
    record.save()
    result.sent.append(letter.name)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


# --------------------------------------------------------------------------- the run


@dataclass
class _Run:
    options: SendOptions
    year: int
    year_dir: Path
    record: SendRecord
    result: SendResult
    sender: str
    signatory: str
    transport: Any = None


def _codes(names: list[str], year: int) -> list[str]:
    from .register import UnknownCouncilError, find_council

    codes = []
    for name in names:
        try:
            codes.append(str(find_council(name, year)["authority_code"]))
        except UnknownCouncilError as error:
            raise SendError(str(error)) from None
    return codes


def _confirm(codes: list[str], record: SendRecord, result: SendResult, names: dict[str, str]) -> None:
    """--confirm-sent: the office checked the server; a pending attempt becomes sent."""
    for code in codes:
        attempts = record.attempts(code)
        if not attempts or attempts[-1].get("state") not in PENDING:
            raise SendError(f"--confirm-sent {names.get(code, code)}: no send of unknown outcome to confirm")
        attempts[-1].update(state=SENT, sent_at=attempts[-1].get("intent_at"), confirmed_at=_now(),
                            confirmed_by="--confirm-sent")
        record.save()
        result.confirmed.append(names.get(code, code))


def _letters(manifest: Manifest, options: SendOptions, year: int, addressees: dict[str, Any]) -> list[_Letter]:
    wanted = _codes(options.councils, year) if options.councils else sorted(
        manifest.letters, key=lambda c: str(manifest.letters[c].get("authority_name", c)))
    letters = []
    for code in wanted:
        entry = manifest.letters.get(code)
        if entry is None:
            raise SendError(f"no letter for {code} in {year}'s manifest; run lgsco-report letters --council first")
        letters.append(_Letter(code, str(entry.get("authority_name", code)), str(entry.get("slug", code)), entry,
                               addressees.get(code, {})))
    return letters


def run_send(options: SendOptions, transport: Any = None) -> SendResult:
    """Send (or, by default, write as .eml) each selected council's letter; see the module doc.

    ``transport`` replaces the SMTP connection (tests); otherwise ``options.smtp_url``
    is used. Raises ``SendError`` for anything that stops the whole run.
    """
    from .batch import ProgressBar, batch_lock
    from .definitions import parse_year
    from .yearparams import load_year_parameters, project_root

    year = parse_year(options.year)
    year_dir = safe_child(Path(options.out_dir), str(year))
    if not (year_dir / "manifest.json").is_file():
        raise SendError(f"no letters in {year_dir}; run lgsco-report letters --year {year} first")
    sender_text = options.from_address or os.environ.get(ENV_FROM) or (DRY_RUN_FROM if options.dry_run else None)
    if not sender_text:
        raise SendError(f"give the sender with --from ADDRESS (or {ENV_FROM})")
    try:
        sender = check_address(sender_text)
    except ValueError as error:
        raise SendError(f"--from: {error}") from None
    if not options.dry_run and transport is None:
        if not options.smtp_url:
            raise SendError("give the mail server with --smtp smtps://host[:port] (or smtp://host for STARTTLS)")
        transport = SMTPTransport(options.smtp_url, read_credentials(options.credentials_file), options.timeout)
    with batch_lock(year_dir):  # no batch rewriting letters, no second send, while this runs
        manifest = Manifest.load(year_dir, year)
        record = SendRecord(year_dir, year)
        result = SendResult(year=year, dry_run=options.dry_run, record_path=record.path)
        params = load_year_parameters(year, options.params_file or None)
        addressees = read_addressees(Path(options.addressees or project_root() / "parameters" / "addressees.csv"),
                                     year, params.letter_date)
        letters = _letters(manifest, options, year, addressees)
        names = {letter.code: letter.name for letter in letters}
        _confirm(_codes(options.confirm_sent, year), record, result, names)
        options.resend = _codes(options.resend, year)
        run = _Run(options, year, year_dir, record, result, sender, params.signatory_name, transport)
        _send_all(run, letters, ProgressBar(len(letters), enabled=options.progress, label=f"send {year}"))
    _refresh_index(year_dir, year, manifest)
    return result


def _send_all(run: _Run, letters: list[_Letter], bar: Any) -> None:
    fingerprints, unconfirmed = _Fingerprints(run.options, run.year), _unconfirmed_facts(run.options, run.year)
    interval = 60.0 / run.options.rate_limit if run.options.rate_limit else 0.0
    last_send = 0.0
    result = run.result

    def progress(final: bool = False) -> None:
        skipped = len(result.already_sent) + len(result.refused) + len(result.no_address) + len(result.unknown)
        bar.update(len(result.sent) + len(result.written), len(result.failed), skipped, final=final)

    try:
        for letter in letters:
            if _one(run, letter, fingerprints, unconfirmed, interval, last_send):
                last_send = time.monotonic()
            progress()
    finally:
        if run.transport is not None:
            run.transport.close()
        progress(final=True)


def _one(run: _Run, letter: _Letter, fingerprints: _Fingerprints, unconfirmed: list[str],
         interval: float, last_send: float) -> bool:
    """Check one council and send (or write) its message; True when a message was handed over or written."""
    result = run.result
    entry = letter.entry
    if entry.get("status") != STATUS_DONE or not entry.get("outputs", {}).get("pdf"):
        result.refused.append((letter.name, "no finished PDF letter; run lgsco-report letters for it"))
        return False
    outcome, reason = _decide(letter, run.record, run.options, run.year_dir)
    if outcome == "already_sent":
        result.already_sent.append(letter.name)
        return False
    if outcome != "send":
        (result.unknown if outcome == "unknown" else result.refused).append((letter.name, reason))
        return False
    if not letter.addresses.get("chief_executive_email"):
        result.no_address.append(letter.name)
        return False
    reasons = _refusals(letter, run.year_dir, run.options, fingerprints, unconfirmed)
    if reasons:
        result.refused.append((letter.name, "; ".join(reasons)))
        return False
    if interval and not run.options.dry_run and last_send:
        time.sleep(max(0.0, last_send + interval - time.monotonic()))
    try:
        _send_one(letter, run)
    except FileNotFoundError as error:  # e.g. --attach-docx for a letter made without Word
        result.refused.append((letter.name, str(error)))
        return False
    return True


def _refresh_index(year_dir: Path, year: int, manifest: Manifest) -> None:
    """Rebuild index.html (send status column) from the batch's cached statistics, when there are some."""
    from .index_page import write_index
    from .stats import Statistics

    caches = sorted((year_dir / ".cache").glob("statistics-*.json"), key=lambda p: p.stat().st_mtime)
    if not caches:
        return
    with contextlib.suppress(Exception):  # the index is a convenience; the record is what counts
        statistics = Statistics.load(caches[-1])
        councils = statistics.councils[statistics.councils["year"] == year]
        write_index(year_dir, year, councils, manifest, statistics.is_sample)


def summary(result: SendResult) -> str:
    head = (f"{result.year}: dry run, {len(result.written)} message(s) written as {EML_FILE} beside the letters"
            if result.dry_run else f"{result.year}: {len(result.sent)} letter(s) sent")
    lines = [f"{head}; {len(result.already_sent)} already sent, {len(result.refused)} refused, "
             f"{len(result.no_address)} without an address, {len(result.unknown)} unknown, {len(result.failed)} failed."]
    lines += [f"  CONFIRMED {name} (recorded as sent)" for name in result.confirmed]
    lines += [f"  REFUSED {name}: {reason}" for name, reason in result.refused]
    lines += [f"  NO ADDRESS {name}: add chief_executive_email to the addressees file" for name in result.no_address]
    lines += [f"  UNKNOWN {name}: {reason}" for name, reason in result.unknown]
    lines += [f"  FAILED {name}: {reason}" for name, reason in result.failed]
    if result.dry_run:
        lines.append("Nothing was sent. Check the .eml files, then run again with --send.")
    if result.record_path is not None and result.record_path.exists():
        lines.append(f"Record: {result.record_path}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def _rate(value: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*min)?\s*", value)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: give messages per minute, e.g. 30/min")
    return float(match.group(1))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``lgsco-report send``."""
    parser.add_argument("--year", required=True, help="year ending March, e.g. 2020 or 2019-20")
    parser.add_argument("--council", action="append", metavar="NAME", help="a council (name or code); repeat for several; default: every letter of the year")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", dest="send", action="store_false", help="write each message as letter.eml beside the letter; send nothing (the default)")
    mode.add_argument("--send", dest="send", action="store_true", help="really send the messages")
    parser.set_defaults(send=False)
    parser.add_argument("--smtp", metavar="URL", help="mail server: smtps://host[:port] (TLS) or smtp://host[:port] (STARTTLS; plain only on loopback)")
    parser.add_argument("--smtp-credentials", type=Path, metavar="FILE", help=f"file outside the repository, mode 600, with user=... and password=... (default: ${ENV_USER} / ${ENV_PASSWORD})")
    parser.add_argument("--from", dest="from_address", metavar="ADDRESS", help=f"sender address (default: ${ENV_FROM})")
    parser.add_argument("--final", action="store_true", help="refuse DRAFT letters and years with unconfirmed facts")
    parser.add_argument("--attach-docx", action="store_true", help="attach the Word letter too")
    parser.add_argument("--resend", action="append", default=[], metavar="COUNCIL", help="send this council's letter again (after a change, or an unknown outcome)")
    parser.add_argument("--confirm-sent", action="append", default=[], metavar="COUNCIL", help="record a send of unknown outcome as sent (after checking the mail server)")
    parser.add_argument("--allow-sample", action="store_true", help="send letters made from sample data, subject marked SAMPLE")
    parser.add_argument("--rate-limit", type=_rate, metavar="N/min", help="at most N messages a minute")
    parser.add_argument("--addressees", type=Path, metavar="FILE", help="addressees CSV (default: parameters/addressees.csv)")
    parser.add_argument("--data", type=Path, metavar="DIR", help="the data folder the letters were made from (default: the sample data), to spot stale letters")
    parser.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR", help="output folder holding the letters (default: outputs)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or summary on stderr")


def main(args: argparse.Namespace) -> int:
    """Run ``lgsco-report send``; 0 all done, 1 some refused/failed/unknown, 2 could not start."""
    options = SendOptions(
        year=args.year, out_dir=args.out, councils=args.council, dry_run=not args.send, smtp_url=args.smtp,
        from_address=args.from_address, final=args.final, attach_docx=args.attach_docx, resend=list(args.resend),
        confirm_sent=list(args.confirm_sent), allow_sample=args.allow_sample, rate_limit=args.rate_limit,
        credentials_file=args.smtp_credentials, addressees=args.addressees, data_dir=args.data,
        progress=not args.no_progress,
    )
    try:
        result = run_send(options)
    except (SendError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(summary(result), file=sys.stderr)
    return result.exit_code
