"""What ``send`` is asked to do and what it did: options, result, one letter to send (its error: ``errors.SendError``).

Why a module of its own: every other part of ``sending`` reads these, and
none of them needs the others to do so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


ENV_FROM = "LGSCO_SMTP_FROM"
#: Sender used in dry runs when no --from is given (a reserved, undeliverable domain).
DRY_RUN_FROM = "annual-review@lgsco-report.invalid"

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


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
    #: Must be the addressees file the letters were made with (the manifest records it); default: that file.
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


@dataclass
class LetterToSend:
    """One council's letter as the manifest records it, and the addresses its email goes to."""

    code: str
    name: str
    slug: str
    entry: dict[str, Any]
    addresses: dict[str, Any]
