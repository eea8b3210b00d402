"""The mail server: one connection (TLS, or plain only on loopback), the credentials, and what an error means.

Why the credentials are read here and nowhere else: they come from the
environment or a private file outside any repository, never from the
command line or the record, and this is the one place that checks so.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import smtplib
import ssl
import stat
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..workbook import workbook_root
from ..year_folder.sent_record import FAILED, UNKNOWN
from ..errors import SendError

ENV_USER, ENV_PASSWORD = "LGSCO_SMTP_USER", "LGSCO_SMTP_PASSWORD"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


def read_credentials(path: Path | None) -> tuple[str, str] | None:
    """(user, password) from ``path`` (lines ``user=...``, ``password=...``) or the environment; None if neither."""
    if path is None:
        user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
        if bool(user) != bool(password):
            raise SendError(f"set both {ENV_USER} and {ENV_PASSWORD}, or neither")
        return (user, password) if user else None
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise SendError(f"credentials file {path} not found")
    inside = [p for p in (path.parent, *path.parent.parents) if (p / ".git").exists()]
    if inside or workbook_root().resolve() in path.parents:
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


def classify_error(error: BaseException) -> str:
    """FAILED when the server clearly refused (nothing delivered); UNKNOWN when it may have accepted."""
    if isinstance(error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                          smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError,
                          smtplib.SMTPNotSupportedError, ConnectionRefusedError, SendError)):
        return FAILED
    return UNKNOWN
