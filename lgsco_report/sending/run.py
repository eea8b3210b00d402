"""``run_send``: each selected council's letter by email (or, by default, as ``letter.eml``), recorded.

The steps: hold the year folder's lock; read the manifest and the send
record; refuse the whole run, before anything goes out, if any letter's
addressees changed since it was made (``addresses``); then for each letter
decide (already sent, unknown outcome, refused, no address) and send it with
an *intent* written to ``sent.json`` before the server sees the message and
the outcome after; finally rebuild the index page's send column.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import time
from dataclasses import dataclass
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Any

from ..atomic import write_bytes
from ..errors import AddressError, SendError, UnknownCouncilError
from ..progress import ProgressBar
from ..year_folder.lock import batch_lock
from ..year_folder.manifest import STATUS_DONE, Manifest, safe_child
from ..year_folder.names import EML_FILE, MANIFEST_JSON, statistics_caches
from ..year_folder.sent_record import DELIVERED, FAILED, INTENT, PENDING, SENT, SendRecord, attachment_changed
from .addresses import addressee_changes, attach_addresses, cc_addresses, check_address, refuse_changed_addressees
from .checks import Fingerprints, letter_document, refusals, unconfirmed_facts
from .message import attachments, build_message
from .options import DRY_RUN_FROM, ENV_FROM, LetterToSend, SendOptions, SendResult
from .smtp import SMTPTransport, classify_error, read_credentials


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


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


def run_send(options: SendOptions, transport: Any = None) -> SendResult:
    """Send (or, by default, write as .eml) each selected council's letter; see the package doc.

    ``transport`` replaces the SMTP connection (tests); otherwise ``options.smtp_url``
    is used. Raises ``SendError`` for anything that stops the whole run.
    """
    from ..definitions import parse_year

    year = parse_year(options.year)
    year_dir = safe_child(Path(options.out_dir), str(year))
    if not (year_dir / MANIFEST_JSON).is_file():
        raise SendError(f"no letters in {year_dir}; run lgsco-report letters --year {year} first")
    sender = _sender(options)
    if not options.dry_run and transport is None:
        if not options.smtp_url:
            raise SendError("give the mail server with --smtp smtps://host[:port] (or smtp://host for STARTTLS)")
        transport = SMTPTransport(options.smtp_url, read_credentials(options.credentials_file), options.timeout)
    with batch_lock(year_dir):  # no batch rewriting letters, no second send, while this runs
        manifest = Manifest.load(year_dir, year)
        record = SendRecord(year_dir, year)
        result = SendResult(year=year, dry_run=options.dry_run, record_path=record.path)
        params_file, params = _parameters(options, year)
        letters = _letters(manifest, options, year)
        _address(letters, options, year, params_file, params.letter_date)
        names = {letter.code: letter.name for letter in letters}
        _confirm(_codes(options.confirm_sent, year), record, result, names)
        options.resend = _codes(options.resend, year)
        run = _Run(options, year, year_dir, record, result, sender, params.signatory_name, transport)
        _send_all(run, letters, ProgressBar(len(letters), enabled=options.progress, label=f"send {year}"))
    _refresh_index(year_dir, year, manifest, params_file)
    return result


def _sender(options: SendOptions) -> str:
    sender_text = options.from_address or os.environ.get(ENV_FROM) or (DRY_RUN_FROM if options.dry_run else None)
    if not sender_text:
        raise SendError(f"give the sender with --from ADDRESS (or {ENV_FROM})")
    try:
        return check_address(sender_text)
    except AddressError as error:
        raise SendError(f"--from: {error}") from None


def _parameters(options: SendOptions, year: int):
    """(the parameters file in use, its parameters)."""
    from ..yearparams import default_parameters_file, load_year_parameters

    params_file = Path(options.params_file) if options.params_file else default_parameters_file(year)
    return params_file, load_year_parameters(year, params_file)


def _address(letters: list[LetterToSend], options: SendOptions, year: int, params_file: Path, letter_date) -> None:
    """Each letter's addresses from the addressees it was made with; refused (nothing sent) if they changed."""
    from ..workbook import addressees_file

    fallback = addressees_file(params_file)
    given = Path(options.addressees).expanduser() if options.addressees else None
    refuse_changed_addressees(addressee_changes(letters, given, fallback, letter_date), year)
    attach_addresses(letters, given, fallback, year, letter_date)


def _codes(names: list[str], year: int) -> list[str]:
    from ..register import find_council

    codes = []
    for name in names:
        try:
            codes.append(str(find_council(name, year)["authority_code"]))
        except UnknownCouncilError as error:
            raise SendError(str(error)) from None
    return codes


def _letters(manifest: Manifest, options: SendOptions, year: int) -> list[LetterToSend]:
    wanted = _codes(options.councils, year) if options.councils else sorted(
        manifest.letters, key=lambda c: str(manifest.letters[c].get("authority_name", c)))
    letters = []
    for code in wanted:
        entry = manifest.letters.get(code)
        if entry is None:
            raise SendError(f"no letter for {code} in {year}'s manifest; run lgsco-report letters --council first")
        letters.append(LetterToSend(code, str(entry.get("authority_name", code)), str(entry.get("slug", code)), entry, {}))
    return letters


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


def _send_all(run: _Run, letters: list[LetterToSend], bar: Any) -> None:
    fingerprints, unconfirmed = Fingerprints(run.options, run.year), unconfirmed_facts(run.options, run.year)
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


def _one(run: _Run, letter: LetterToSend, fingerprints: Fingerprints, unconfirmed: list[str],
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
    reasons = refusals(letter, run.year_dir, run.options, fingerprints, unconfirmed)
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


def _decide(letter: LetterToSend, record: SendRecord, options: SendOptions, year_dir: Path) -> tuple[str, str]:
    """("send", "") or (outcome, reason) where outcome is already_sent / unknown / refused."""
    attempts = record.attempts(letter.code)
    resend = letter.code in options.resend
    if attempts and attempts[-1].get("state") in PENDING and not resend:
        last = attempts[-1]
        return "unknown", (f"unknown: check the mail server for Message-ID {last.get('message_id')}, then run with "
                           f"--confirm-sent \"{letter.name}\" or --resend \"{letter.name}\"")
    delivered = [a for a in attempts if a.get("state") in DELIVERED]
    if delivered and not resend:
        if attachment_changed(year_dir, delivered[-1]):
            return "refused", (f"the letter changed after it was sent on {delivered[-1].get('sent_at')}; "
                               f"it is not sent again without --resend \"{letter.name}\"")
        return "already_sent", ""
    return "send", ""


def _send_one(letter: LetterToSend, context: _Run) -> None:
    options, result, record = context.options, context.result, context.record
    files = attachments(letter, context.year_dir, options, context.year)
    sample = bool(letter_document(context.year_dir, letter.entry)[0])
    message = build_message(letter, context.year, context.sender, files, sample, context.signatory)
    if options.dry_run:
        folder = safe_child(context.year_dir, letter.slug)
        write_bytes(folder / EML_FILE, message.as_bytes(policy=SMTP_POLICY))
        result.written.append(letter.name)
        return
    to, cc = [message["To"]], cc_addresses(letter)
    attempt = {
        "message_id": message["Message-ID"], "state": INTENT, "intent_at": _now(), "from": context.sender,
        "to": to, "cc": cc, "subject": message["Subject"], "resend": letter.code in options.resend,
        "attachments": [{k: a[k] for k in ("name", "file", "sha256")} for a in files],
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
        attempt.update(state=classify_error(error), finished_at=_now(), error=_describe(error))
        record.save()
        context.transport.close()
        bucket = result.failed if attempt["state"] == FAILED else result.unknown
        bucket.append((letter.name, f"{_describe(error)} (Message-ID {attempt['message_id']})"))
        return
    attempt.update(state=SENT, sent_at=_now(), finished_at=_now(), refused_recipients=sorted(refused or {}))
    record.save()
    result.sent.append(letter.name)


def _refresh_index(year_dir: Path, year: int, manifest: Manifest, params_file: Path) -> None:
    """Rebuild index.html (send status column) from the batch's cached statistics, when there are some."""
    from ..index_page import write_index
    from ..stats import Statistics

    caches = statistics_caches(year_dir)
    if not caches:
        return
    with contextlib.suppress(Exception):  # the index is a convenience; the record is what counts
        statistics = Statistics.load(caches[-1])
        councils = statistics.councils[statistics.councils["year"] == year]
        write_index(year_dir, year, councils, manifest, statistics.is_sample, params_file=params_file)


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
