"""Finding the browser for the index-page test, and the note printed when it is missing.

Run as a script (``make test`` does, after pytest) it prints that note if
Chromium is missing, so the run's last lines say the browser test did not run.
"""

from __future__ import annotations

import os
import shutil
import sys

INSTALL_HINT = "sudo apt-get install chromium"
NOTE = (
    "note: the index-page browser test (tests/test_index_browser.py) did not run: Chromium was not found. "
    f"To run it, install the browser: {INSTALL_HINT}"
)


def chromium_path() -> str | None:
    """Debian's Chromium (or another on PATH, or ``$LGSCO_CHROMIUM``); None if there is none."""
    configured = os.environ.get("LGSCO_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


if __name__ == "__main__":
    if chromium_path() is None:
        print(NOTE)
    sys.exit(0)
