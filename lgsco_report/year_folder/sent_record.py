"""``outputs/<year>/sent.json``: every send attempt for each council, and each council's send state.

Why here and not in ``sending``: the index page shows each council's send
state and must not import the sending machinery (SMTP, messages) to read a
JSON file; ``send`` writes it through the same class.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import SendRecordError
from ..hashing import sha256_file
from .names import SENT_JSON

RECORD_FORMAT = 1

# States of one attempt in the record.
INTENT, SENT, FAILED, UNKNOWN = "intent", "sent", "failed", "unknown"
DELIVERED = (SENT,)
PENDING = (INTENT, UNKNOWN)


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
                raise SendRecordError(f"{self.path}: not a readable send record ({error}); restore it from backup - "
                                      "never delete it, it is what stops letters being sent twice") from None
            if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT or data.get("year") != year:
                raise SendRecordError(f"{self.path}: not a send record for {year}")
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
            if attachment_changed(Path(year_dir), last):
                state, text = "changed", text + " (letter changed since: not re-sent)"
        elif state in PENDING:
            state, text = "unknown", f"unknown: check the mail server for {last.get('message_id')}"
        else:
            text = f"failed: {last.get('error', '')}"
        states[code] = {"state": state, "text": text}
    return states


def attachment_changed(year_dir: Path, attempt: dict[str, Any]) -> bool:
    """Whether a file an attempt attached is gone or differs from what was sent."""
    for attachment in attempt.get("attachments", []):
        path = year_dir / attachment.get("file", "")
        if not path.is_file() or sha256_file(path) != attachment.get("sha256"):
            return True
    return False
