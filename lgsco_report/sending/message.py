"""One council's email: headers, a short body (``templates/email/``) and the letter attached.

Why templates: the subject and the body are wording, edited like the
letters' sentences, in ``lgsco_report/templates/email/subject.txt.j2`` and
``body.txt.j2``; the HTML alternative is the same lines, each escaped, as
paragraphs.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import html
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import jinja2

from ..documents import SAMPLE_BANNER
from ..letter.addressing import salutation
from .addresses import cc_addresses, check_address
from .options import LetterToSend, SendOptions

PDF_MIME = ("application", "pdf")
DOCX_MIME = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "email"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Plain text: no autoescaping here; the HTML body escapes every line itself.
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=False,  # noqa: S701
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def _render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


def attachments(letter: LetterToSend, year_dir: Path, options: SendOptions, year: int) -> list[dict[str, Any]]:
    """The files to attach: name, file (relative to the year folder), bytes, SHA-256, MIME type."""
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


def subject(letter: LetterToSend, year: int, sample: bool) -> str:
    """"Annual Review letter 2020: COUNCIL", "SAMPLE - " first for a sample letter."""
    return _render("subject.txt.j2", year=year, council=letter.name, sample=sample).removesuffix("\n")


def body(letter: LetterToSend, year: int, sample: bool, signatory: str) -> tuple[str, str]:
    """Short plain-text and HTML bodies (the letter itself is the attachment)."""
    text = _render("body.txt.j2", addressee=salutation(letter.addresses.get("chief_executive_name")),
                   council=letter.name, year=year, sample=sample, sample_banner=SAMPLE_BANNER, signatory=signatory)
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line)
    return text, f"<!DOCTYPE html>\n<html lang=\"en-GB\"><body>\n{paragraphs}\n</body></html>\n"


def build_message(letter: LetterToSend, year: int, sender: str, files: list[dict[str, Any]],
                  sample: bool, signatory: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = subject(letter, year, sample)
    message["From"] = sender
    message["To"] = check_address(letter.addresses["chief_executive_email"])
    cc = cc_addresses(letter)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(_dt.datetime.now(_dt.timezone.utc))
    message["Message-ID"] = make_msgid(idstring=f"lgsco-{year}-{letter.slug[:40]}", domain=sender.split("@", 1)[1])
    text, page = body(letter, year, sample, signatory)
    message.set_content(text)
    message.add_alternative(page, subtype="html")
    for item in files:
        maintype, subtype = item["mime"]
        message.add_attachment(item["data"], maintype=maintype, subtype=subtype, filename=item["name"])
    return message
