"""Every name under ``outputs/<year>/`` that more than one module needs, in one place.

The documents' own file names (``letter.pdf``, ``national_review.html``...)
come from the format table (``lgsco_report.formats``); everything else the
program writes into a year folder is named here.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The batch's record of every document of the year (JSON, and a CSV copy to read).
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
#: ``send``'s journal: every attempt for each council.
SENT_JSON = "sent.json"
#: The audit teams' page.
INDEX_FILE = "index.html"
#: Held (flock) by a batch or a send while it writes the folder.
LOCK_FILE = ".lock"
#: The batch's private working folders; never linked, cleaned at the start and end of a batch.
TMP_DIR = ".tmp"
#: The batch's statistics cache (``statistics-<key>.json``).
CACHE_DIR = ".cache"
#: Kernel logs of the batch's workers.
LOGS_DIR = ".logs"
#: Failed documents, each with its log, error and partial notebook: ``failed/<slug>/``.
FAILED_DIR = "failed"
#: Beside each letter: its log, the error of a failed run, the dry run's message.
LOG_FILE = "letter.log"
REVIEW_LOG_FILE = "national_review.log"
ERROR_FILE = "error.txt"
EML_FILE = "letter.eml"

#: The statistics caches the program writes (and may therefore replace or remove).
STATISTICS_CACHE_GLOB = "statistics-*.json"
_STATISTICS_CACHE_NAME = re.compile(r"statistics-[0-9a-f]{16}\.json")


def statistics_cache(year_dir: Path, key: str) -> Path:
    """``<year>/.cache/statistics-<key>.json``: the cache for one data and package version."""
    return Path(year_dir) / CACHE_DIR / f"statistics-{key}.json"


def is_statistics_cache(path: Path) -> bool:
    """Whether ``path`` is named as one of our statistics caches."""
    return bool(_STATISTICS_CACHE_NAME.fullmatch(Path(path).name))


def statistics_caches(year_dir: Path) -> list[Path]:
    """The year folder's statistics caches, oldest first."""
    return sorted((Path(year_dir) / CACHE_DIR).glob(STATISTICS_CACHE_GLOB), key=lambda p: p.stat().st_mtime)
