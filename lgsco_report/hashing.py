"""SHA-256 of files and of fingerprints: what the inputs, the manifest and the batch compare.

A base module (standard library only), so the inputs can hash their files
without importing the manifest that records them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (read in chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint_digest(fingerprint: dict[str, Any]) -> str:
    """Short stable digest of a fingerprint dict (for the CSV and cache names)."""
    text = json.dumps(fingerprint, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
