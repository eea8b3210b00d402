"""``lgsco-report send`` against a real SMTP server on the loopback interface (aiosmtpd).

Letters come from a real batch of three councils; each test works on its own
copy of that output folder, so the send records never leak between tests.
Nothing here talks to anything beyond 127.0.0.1.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from aiosmtpd.controller import Controller

from lgsco_report import sending
from lgsco_report.batch import run_batch
from lgsco_report.cli import main as cli_main, send_rate
from lgsco_report.documents import DOCUMENT_MIMETYPE
from lgsco_report.errors import SendError
from lgsco_report.sending import SendOptions, check_address, read_credentials, run_send
from lgsco_report.sending import message as email_message
from lgsco_report.sending import checks, smtp
from lgsco_report.sending.options import LetterToSend

REPO = Path(__file__).resolve().parents[1]
KENT, CANNOCK, WATFORD = "Kent County Council", "Cannock Chase District Council", "Watford Borough Council"
SLUGS = {KENT: "kent-county-council", CANNOCK: "cannock-chase-district-council", WATFORD: "watford-borough-council"}
SENDER = "annual.review@lgsco.example.org"
KENT_TO, KENT_LINK, KENT_MO = "ce@kent.example.gov.uk", "link.officer@kent.example.gov.uk", "monitoring@kent.example.gov.uk"
CANNOCK_TO = "md@cannockchasedc.example.gov.uk"
GENERATED = "2020-07-22T09:00:00+00:00"


@pytest.fixture(autouse=True)
def _no_smtp_environment(monkeypatch):
    for name in (sending.ENV_USER, sending.ENV_PASSWORD, sending.ENV_FROM, "LGSCO_REPORT_PARAMETERS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """Three councils' letters (PDF and Word), made once for the module with the test addressees."""
    out = tmp_path_factory.mktemp("send-letters")
    made_with = write_addressees(tmp_path_factory.mktemp("send-addressees") / "addressees.csv")
    result = run_batch(2020, councils=[KENT, CANNOCK, WATFORD], data_dir=sample_dir, out_dir=out, workers=2,
                       formats=("ipynb", "html", "pdf", "docx"), progress=False, reports=False, generated_at=GENERATED,
                       overrides=made_with)
    assert result.exit_code == 0, result.failures
    return out


@pytest.fixture
def out(letters: Path, tmp_path: Path) -> Path:
    """This test's own copy of the letters."""
    target = tmp_path / "outputs"
    shutil.copytree(letters, target)
    return target


def write_addressees(path: Path, kent_to: str = KENT_TO) -> Path:
    """Kent with all three addresses, Cannock Chase with its chief executive only, Watford not listed."""
    path.write_text(
        "# addressees for the send tests\n"
        "council,chief_executive_name,chief_executive_title,chief_executive_email,link_officer_name,link_officer_email,"
        "monitoring_officer_name,monitoring_officer_email\n"
        f"{KENT},Ms A Example,Chief Executive,{kent_to},Mr Link,{KENT_LINK},Ms Monitor,{KENT_MO}\n"
        f"{CANNOCK},Mr McGovern,Managing Director,{CANNOCK_TO},,,,\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def addressees(tmp_path: Path) -> Path:
    """A copy of the file the letters were made with (the same bytes elsewhere are the same addressees)."""
    return write_addressees(tmp_path / "addressees.csv")


class Recorder:
    """aiosmtpd handler: keeps every accepted message; refuses listed recipients; optional hook on DATA."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.on_data = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        if self.on_data is not None:
            self.on_data()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    recorder.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield recorder
    finally:
        controller.stop()


def options(out: Path, addressees: Path, sample_dir: Path, **kw) -> SendOptions:
    base = dict(year=2020, out_dir=out, addressees=addressees, data_dir=sample_dir, progress=False)
    return SendOptions(**{**base, **kw})


def send(out, addressees, sample_dir, server, **kw):
    return run_send(options(out, addressees, sample_dir, dry_run=False, smtp_url=server.url, from_address=SENDER,
                            allow_sample=True, **kw))


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def record(out: Path) -> dict:
    return json.loads((out / "2020" / "sent.json").read_text(encoding="utf-8"))["councils"]


# --------------------------------------------------------------------------- sending


@pytest.mark.slow
def test_dry_run_is_the_default_writes_eml_and_sends_nothing(out, addressees, sample_dir, server):
    result = run_send(options(out, addressees, sample_dir, allow_sample=True))
    assert result.dry_run and sorted(result.written) == sorted([KENT, CANNOCK]) and result.no_address == [WATFORD]
    assert server.messages == [] and not (out / "2020" / "sent.json").exists()
    message = parsed((out / "2020" / SLUGS[KENT] / "letter.eml").read_bytes())
    assert message["To"] == KENT_TO and message["Cc"] == f"{KENT_LINK}, {KENT_MO}"
    pdf = (out / "2020" / SLUGS[KENT] / "letter.pdf").read_bytes()
    assert [part.get_content() for part in message.iter_attachments()] == [pdf]
    assert not (out / "2020" / SLUGS[WATFORD] / "letter.eml").exists()


@pytest.mark.slow
def test_send_reaches_to_and_cc_with_attachments_byte_identical(out, addressees, sample_dir, server):
    result = send(out, addressees, sample_dir, server, attach_docx=True)
    assert sorted(result.sent) == sorted([KENT, CANNOCK]) and result.no_address == [WATFORD] and result.exit_code == 1
    by_to = {parsed(raw)["To"]: (sender, rcpts, parsed(raw)) for sender, rcpts, raw in server.messages}
    assert len(server.messages) == 2
    sender, recipients, kent = by_to[KENT_TO]
    assert sender == SENDER and recipients == [KENT_TO, KENT_LINK, KENT_MO]
    assert kent["Cc"] == f"{KENT_LINK}, {KENT_MO}"
    assert kent["Subject"] == f"SAMPLE - Annual Review letter 2020: {KENT}"
    folder = out / "2020" / SLUGS[KENT]
    attachments = list(kent.iter_attachments())
    assert [a.get_content_type() for a in attachments] == [
        "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    assert attachments[0].get_content() == (folder / "letter.pdf").read_bytes()
    assert attachments[1].get_content() == (folder / "letter.docx").read_bytes()
    body = kent.get_body(("plain",)).get_content()
    assert "Dear Ms Example" in body and KENT in body
    assert by_to[CANNOCK_TO][1] == [CANNOCK_TO] and "Cc" not in by_to[CANNOCK_TO][2]
    # The record: Message-ID, recipients and the attachments' SHA-256, nothing secret.
    kent_code = next(code for code, entry in record(out).items() if entry["authority_name"] == KENT)
    attempt = record(out)[kent_code]["attempts"][-1]
    assert attempt["state"] == "sent" and attempt["message_id"] == kent["Message-ID"]
    assert attempt["to"] == [KENT_TO] and attempt["cc"] == [KENT_LINK, KENT_MO]
    assert [a["sha256"] for a in attempt["attachments"]] == [
        hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in ("letter.pdf", "letter.docx")]
    # The index page shows the send status.
    index = (out / "2020" / "index.html").read_text(encoding="utf-8")
    assert "sent " in index and KENT_TO in index and 'href="kent-county-council/letter.docx"' in index


@pytest.mark.slow
def test_rerun_sends_only_what_was_not_sent(out, addressees, sample_dir, server):
    send(out, addressees, sample_dir, server, councils=[KENT])
    assert len(server.messages) == 1
    again = send(out, addressees, sample_dir, server)
    assert again.already_sent == [KENT] and again.sent == [CANNOCK]
    third = send(out, addressees, sample_dir, server)
    assert sorted(third.already_sent) == sorted([KENT, CANNOCK]) and third.sent == []
    assert len(server.messages) == 2


@pytest.mark.slow
def test_regenerated_letter_is_not_resent_without_resend_and_the_record_keeps_both(out, addressees, sample_dir, server):
    send(out, addressees, sample_dir, server, councils=[CANNOCK])
    first_pdf = (out / "2020" / SLUGS[CANNOCK] / "letter.pdf").read_bytes()
    regenerated = run_batch(2020, councils=[CANNOCK], data_dir=sample_dir, out_dir=out, workers=1, force=True,
                            formats=("ipynb", "html", "pdf", "docx"), progress=False, reports=False,
                            generated_at="2020-07-23T10:00:00+00:00", overrides=addressees)
    assert regenerated.exit_code == 0
    second_pdf = (out / "2020" / SLUGS[CANNOCK] / "letter.pdf").read_bytes()
    assert second_pdf != first_pdf
    refused = send(out, addressees, sample_dir, server, councils=[CANNOCK])
    assert refused.sent == [] and "changed after it was sent" in refused.refused[0][1]
    assert len(server.messages) == 1
    resent = send(out, addressees, sample_dir, server, councils=[CANNOCK], resend=[CANNOCK])
    assert resent.sent == [CANNOCK] and len(server.messages) == 2
    assert [a.get_content() for a in parsed(server.messages[-1][2]).iter_attachments()] == [second_pdf]
    (entry,) = [e for e in record(out).values() if e["authority_name"] == CANNOCK]
    shas = [a["attachments"][0]["sha256"] for a in entry["attempts"]]
    assert shas == [hashlib.sha256(first_pdf).hexdigest(), hashlib.sha256(second_pdf).hexdigest()]
    assert [a["resend"] for a in entry["attempts"]] == [False, True]


@pytest.mark.slow
def test_kill_after_the_server_accepted_is_never_sent_twice(out, addressees, sample_dir, server):
    """The sender is SIGKILLed inside DATA: the server has the message, the record only the intent."""
    command = [sys.executable, "-m", "lgsco_report", "send", "--year", "2020", "--council", KENT, "--send",
               "--smtp", server.url, "--from", SENDER, "--allow-sample", "--addressees", str(addressees),
               "--data", str(sample_dir), "--out", str(out), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    server.on_data = lambda: os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    server.on_data = None
    assert len(server.messages) == 1
    message_id = parsed(server.messages[0][2])["Message-ID"]
    (entry,) = record(out).values()
    assert entry["attempts"][-1]["state"] == "intent" and entry["attempts"][-1]["message_id"] == message_id
    rerun = send(out, addressees, sample_dir, server, councils=[KENT])
    assert rerun.sent == [] and len(server.messages) == 1
    assert rerun.unknown[0][0] == KENT and message_id in rerun.unknown[0][1]
    assert "--confirm-sent" in rerun.unknown[0][1] and "--resend" in rerun.unknown[0][1]
    confirmed = send(out, addressees, sample_dir, server, councils=[KENT], confirm_sent=[KENT])
    assert confirmed.confirmed == [KENT] and confirmed.already_sent == [KENT] and len(server.messages) == 1
    (entry,) = record(out).values()
    assert entry["attempts"][-1]["state"] == "sent" and entry["attempts"][-1]["confirmed_by"] == "--confirm-sent"


@pytest.mark.slow
def test_unknown_outcome_can_be_resent_on_purpose(out, addressees, sample_dir, server, monkeypatch):
    real_send = smtp.SMTPTransport.send

    def accepted_then_lost(self, message, sender, recipients):
        real_send(self, message, sender, recipients)
        raise KeyboardInterrupt  # killed after the server accepted, before the outcome was written

    monkeypatch.setattr(smtp.SMTPTransport, "send", accepted_then_lost)
    with pytest.raises(KeyboardInterrupt):
        send(out, addressees, sample_dir, server, councils=[CANNOCK])
    monkeypatch.setattr(smtp.SMTPTransport, "send", real_send)
    assert send(out, addressees, sample_dir, server).unknown[0][0] == CANNOCK
    assert len(server.messages) == 2  # Cannock once, Kent once
    resent = send(out, addressees, sample_dir, server, councils=[CANNOCK], resend=[CANNOCK])
    assert resent.sent == [CANNOCK] and len(server.messages) == 3
    (entry,) = [e for e in record(out).values() if e["authority_name"] == CANNOCK]
    assert [a["state"] for a in entry["attempts"]] == ["intent", "sent"]


@pytest.mark.slow
def test_a_refused_send_is_recorded_and_the_others_go_on(out, addressees, sample_dir, server):
    server.refuse = {KENT_TO, KENT_LINK, KENT_MO}
    result = send(out, addressees, sample_dir, server)
    assert result.sent == [CANNOCK] and result.failed[0][0] == KENT and "550" in result.failed[0][1]
    kent = next(e for e in record(out).values() if e["authority_name"] == KENT)
    assert kent["attempts"][-1]["state"] == "failed" and "550" in kent["attempts"][-1]["error"]
    server.refuse = set()
    retry = send(out, addressees, sample_dir, server)
    assert retry.sent == [KENT] and retry.already_sent == [CANNOCK]


# --------------------------------------------------------------------------- refusals


@pytest.mark.slow
def test_sample_letters_are_refused_without_allow_sample(out, addressees, sample_dir, server):
    result = run_send(options(out, addressees, sample_dir, dry_run=False, smtp_url=server.url, from_address=SENDER))
    assert sorted(name for name, _ in result.refused) == [CANNOCK, KENT]
    assert all("SAMPLE" in reason for _, reason in result.refused)
    assert server.messages == [] and result.exit_code == 1


@pytest.mark.slow
def test_final_refuses_draft_letters(out, addressees, sample_dir, server):
    notebook = out / "2020" / SLUGS[KENT] / "letter.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if DOCUMENT_MIMETYPE in output.get("data", {}):
                output["data"][DOCUMENT_MIMETYPE]["draft"] = True
    nbformat.write(nb, notebook)
    final = send(out, addressees, sample_dir, server, final=True)
    assert final.sent == [CANNOCK] and final.refused[0][0] == KENT and "DRAFT" in final.refused[0][1]
    assert send(out, addressees, sample_dir, server).sent == [KENT]  # without --final a draft may go


@pytest.mark.slow
def test_final_refuses_a_year_with_unconfirmed_facts(out, addressees, sample_dir, server, tmp_path, monkeypatch):
    folder = tmp_path / "parameters"
    folder.mkdir()
    (folder / "2020.yaml").write_text((REPO / "parameters" / "2020.yaml").read_text(encoding="utf-8")
                                      + "unconfirmed: [publication_date]\n", encoding="utf-8")
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(folder))
    result = send(out, addressees, sample_dir, server, final=True)
    assert result.sent == [] and len(result.refused) == 2
    assert all("unconfirmed facts (publication_date)" in reason for _, reason in result.refused)
    assert server.messages == []


@pytest.mark.slow
def test_stale_letters_are_refused(out, addressees, sample_dir, server, tmp_path):
    changed = tmp_path / "data"
    shutil.copytree(sample_dir, changed)
    with open(changed / "received.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    result = send(out, addressees, changed, server)
    assert result.sent == [] and all("stale: the data files changed" in reason for _, reason in result.refused)
    assert server.messages == []


@pytest.mark.slow
def test_no_address_and_a_bad_address_is_refused(out, addressees, sample_dir, server):
    result = send(out, addressees, sample_dir, server, councils=[WATFORD])
    assert result.no_address == [WATFORD] and server.messages == []
    letter = LetterToSend("E07000192", CANNOCK, SLUGS[CANNOCK], {}, {"chief_executive_email": "ce@@kent.example.gov.uk"})
    fingerprints = checks.Fingerprints(options(out, addressees, sample_dir, allow_sample=True), 2020)
    fingerprints._current = {}  # nothing stale: only the address is checked here
    reasons = checks.refusals(letter, out / "2020", options(out, addressees, sample_dir, allow_sample=True),
                                      fingerprints, [])
    assert any("chief_executive_email" in reason for reason in reasons)


@pytest.mark.parametrize("address, valid", [
    ("ce@kent.gov.uk", True), ("first.last+tag@sub.example.org", True),
    ("ce@@kent.gov.uk", False), ("ce@kent", False), ("Kent CE <ce@kent.gov.uk>", False),
    ("ce@kent.gov.uk, x@evil.example", False), ("ce@kent.gov.uk\r\nBcc: x@evil.example", False),
    (".ce@kent.gov.uk", False), ("ce..x@kent.gov.uk", False), ("ce@-kent.gov.uk", False), ("", False),
])
def test_addresses_are_checked_strictly(address, valid):
    if valid:
        assert check_address(address) == address
    else:
        with pytest.raises(ValueError):
            check_address(address)


# --------------------------------------------------------------------------- the letters' own addressees

PARAMETERS_KENT_TO = "chief.executive@kent-parameters.example.gov.uk"


@pytest.fixture
def letters_from_a_parameters_folder(tmp_path, sample_dir, monkeypatch):
    """Kent's letter made with ``LGSCO_REPORT_PARAMETERS`` naming a folder whose addressees.csv is not the
    workbook's: the letter, and so its email, is addressed from that folder's file."""
    folder = tmp_path / "parameters"
    folder.mkdir()
    shutil.copy(REPO / "parameters" / "2020.yaml", folder / "2020.yaml")
    write_addressees(folder / "addressees.csv", kent_to=PARAMETERS_KENT_TO)
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(folder))
    out = tmp_path / "outputs"
    result = run_batch(2020, councils=[KENT, CANNOCK], data_dir=sample_dir, out_dir=out, workers=1,
                       formats=("ipynb", "html", "pdf"), progress=False, reports=False, generated_at=GENERATED)
    assert result.exit_code == 0, result.failures
    return out, folder / "addressees.csv"


@pytest.mark.slow
def test_send_mails_the_addressee_of_each_letter(letters_from_a_parameters_folder, sample_dir, server):
    out, made_with = letters_from_a_parameters_folder
    workbook_kent = (REPO / "parameters" / "addressees.csv").read_text(encoding="utf-8")
    assert PARAMETERS_KENT_TO not in workbook_kent  # the workbook's own file would mail someone else
    entry = next(e for e in json.loads((out / "2020" / "manifest.json").read_text())["letters"].values()
                 if e["authority_name"] == KENT)
    assert entry["addressees"]["path"] == str(made_with.resolve())
    assert entry["addressees"]["sha256"] == hashlib.sha256(made_with.read_bytes()).hexdigest()
    assert "Ms A Example" in (out / "2020" / SLUGS[KENT] / "letter.html").read_text(encoding="utf-8")
    result = send(out, None, sample_dir, server, councils=[KENT])
    assert result.sent == [KENT]
    (sender, recipients, raw), = server.messages
    assert parsed(raw)["To"] == PARAMETERS_KENT_TO and recipients == [PARAMETERS_KENT_TO, KENT_LINK, KENT_MO]
    assert "Dear Ms Example" in parsed(raw).get_body(("plain",)).get_content()


@pytest.mark.slow
def test_an_entry_edited_after_the_letter_was_made_is_refused(letters_from_a_parameters_folder, sample_dir, server):
    out, made_with = letters_from_a_parameters_folder
    write_addressees(made_with, kent_to="someone.else@kent.example.gov.uk")  # Kent's row changed, Cannock's not
    with pytest.raises(SendError) as refused:
        send(out, None, sample_dir, server)
    message = str(refused.value)
    assert KENT in message and "changed since the letter was made" in message
    assert f'lgsco-report letters --year 2020 --council "{KENT}"' in message and CANNOCK not in message
    assert server.messages == [] and not (out / "2020" / "sent.json").exists()
    assert not (out / "2020" / SLUGS[CANNOCK] / "letter.eml").exists()  # nothing written either
    with open(made_with, "a", encoding="utf-8") as handle:  # another council's row alone: Cannock still goes
        handle.write("Watford Borough Council,Ms W,Chief Executive,ce@watford.example.gov.uk,,,,\n")
    text = made_with.read_text(encoding="utf-8").replace("someone.else@kent.example.gov.uk", PARAMETERS_KENT_TO)
    made_with.write_text(text, encoding="utf-8")
    assert send(out, None, sample_dir, server, councils=[CANNOCK]).sent == [CANNOCK]


@pytest.mark.slow
def test_addressees_other_than_the_letters_own_are_refused(letters_from_a_parameters_folder, sample_dir, server,
                                                           addressees, capsys):
    out, made_with = letters_from_a_parameters_folder
    assert addressees.read_bytes() != made_with.read_bytes()
    with pytest.raises(SendError, match="is not the addressees file its letter was made with"):
        send(out, addressees, sample_dir, server, councils=[KENT])
    assert cli_main(["send", "--year", "2020", "--addressees", str(addressees), "--data", str(sample_dir),
                     "--out", str(out), "--no-progress", "--allow-sample"]) == 2
    err = capsys.readouterr().err
    assert KENT in err and CANNOCK in err and "lgsco-report letters --year 2020" in err and "Traceback" not in err
    assert server.messages == []
    same_bytes = shutil.copy(made_with, out.parent / "copy.csv")
    assert send(out, Path(same_bytes), sample_dir, server, councils=[KENT]).sent == [KENT]


def test_the_email_wording_from_its_templates_is_unchanged():
    letter = LetterToSend("E07000192", CANNOCK, SLUGS[CANNOCK], {}, {"chief_executive_name": "Mr T <McGovern&Co>"})
    middle = ("Please find attached our annual review letter to Cannock Chase District Council for the year ending "
              "31 March 2020, setting out the complaint statistics for your Council.")
    text = f"Dear Mr <McGovern&Co>,\n\n{middle}\n\nYours sincerely,\nMichael King\n"
    page = ('<!DOCTYPE html>\n<html lang="en-GB"><body>\n<p>Dear Mr &lt;McGovern&amp;Co&gt;,</p>\n'
            f"<p>{middle}</p>\n<p>Yours sincerely,</p>\n<p>Michael King</p>\n</body></html>\n")
    assert email_message.body(letter, 2020, False, "Michael King") == (text, page)
    banner = "SAMPLE DATA - not real Ombudsman figures. This is a test message."
    assert email_message.body(letter, 2020, True, "Michael King") == (
        f"{banner}\n\n{text}", page.replace("<body>\n", f"<body>\n<p>{banner}</p>\n"))
    assert email_message.subject(letter, 2020, False) == f"Annual Review letter 2020: {CANNOCK}"
    assert email_message.subject(letter, 2020, True) == f"SAMPLE - Annual Review letter 2020: {CANNOCK}"
    letter.addresses["chief_executive_email"] = CANNOCK_TO
    message = email_message.build_message(letter, 2020, SENDER, [], False, "Michael King")
    assert message["Subject"] == f"Annual Review letter 2020: {CANNOCK}" and message["To"] == CANNOCK_TO
    assert message.get_body(("plain",)).get_content() == text and message.get_body(("html",)).get_content() == page


# --------------------------------------------------------------------------- credentials, server, options


def test_credentials_come_from_a_private_file_outside_the_repository(tmp_path, monkeypatch):
    good = tmp_path / "smtp.cred"
    good.write_text("user=annual.review\npassword=s3cret\n", encoding="utf-8")
    good.chmod(0o600)
    assert read_credentials(good) == ("annual.review", "s3cret")
    good.chmod(0o644)
    with pytest.raises(SendError, match="readable by everyone"):
        read_credentials(good)
    inside = REPO / "tests" / ".smtp-test-credentials"
    try:
        inside.write_text("user=a\npassword=b\n", encoding="utf-8")
        inside.chmod(0o600)
        with pytest.raises(SendError, match="inside a repository"):
            read_credentials(inside)
    finally:
        inside.unlink(missing_ok=True)
    monkeypatch.setenv(sending.ENV_USER, "env-user")
    with pytest.raises(SendError, match="both"):
        read_credentials(None)
    monkeypatch.setenv(sending.ENV_PASSWORD, "env-password")
    assert read_credentials(None) == ("env-user", "env-password")


def test_server_urls_never_carry_credentials_and_plain_text_is_for_loopback_only():
    with pytest.raises(SendError, match="no credentials in the URL"):
        sending.SMTPTransport("smtps://user:pw@mail.example.org", None)
    with pytest.raises(SendError, match="smtps://host"):
        sending.SMTPTransport("http://mail.example.org", None)
    assert sending.SMTPTransport("smtps://mail.example.org", None).port == 465
    assert sending.SMTPTransport("smtp://mail.example.org", None).port == 587
    assert smtp._is_loopback("127.0.0.1") and smtp._is_loopback("::1") and smtp._is_loopback("localhost")
    assert not smtp._is_loopback("mail.example.org") and not smtp._is_loopback("10.0.0.1")


@pytest.mark.slow
def test_rate_limit_spaces_the_messages(out, addressees, sample_dir, server):
    start = time.monotonic()
    result = send(out, addressees, sample_dir, server, rate_limit=60.0)  # one a second
    assert len(result.sent) == 2 and time.monotonic() - start >= 1.0
    assert send_rate("30/min") == 30.0 and send_rate("12") == 12.0


@pytest.mark.slow
def test_command_line_send(out, addressees, sample_dir, server, capsys):
    common = ["send", "--year", "2020", "--addressees", str(addressees), "--data", str(sample_dir), "--out", str(out),
              "--no-progress", "--allow-sample"]
    assert cli_main(common) == 1  # Watford has no address
    assert "dry run, 2 message(s)" in capsys.readouterr().err and server.messages == []
    assert cli_main(common + ["--send", "--smtp", server.url]) == 2  # no sender: one line, no traceback
    err = capsys.readouterr().err
    assert "--from" in err and "Traceback" not in err
    assert cli_main(common + ["--send", "--smtp", server.url, "--from", SENDER, "--council", KENT]) == 0
    err = capsys.readouterr().err
    assert "1 letter(s) sent" in err and "sent.json" in err and len(server.messages) == 1


def test_an_abolished_councils_letter_is_emailed_where_it_is_addressed():
    """The shipped addressees file names Buckinghamshire Council, which began after 2019-20: the send reads it as
    the letter does, so Aylesbury Vale's letter goes to its successor's chief executive."""
    import datetime as dt

    from lgsco_report.letter import addressing_for
    from lgsco_report.sending import read_addressees

    shipped = Path(__file__).resolve().parents[1] / "parameters" / "addressees.csv"
    letter_date = dt.date(2020, 7, 22)
    addresses = read_addressees(shipped, 2020, letter_date)
    aylesbury = "E07000004"
    assert addressing_for(aylesbury, letter_date, shipped)["addressee_council"] == "Buckinghamshire Council"
    assert addresses[aylesbury]["chief_executive_email"] == "chief.executive@buckinghamshire.example"
    assert addresses[aylesbury]["chief_executive_name"] == "Ms B Example"
    assert addresses["E07000192"]["monitoring_officer_email"] == "monitoring.officer@cannockchasedc.example"
