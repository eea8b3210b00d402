"""The batch's statistics, computed once in the parent and cached as JSON beside the letters.

Every letter reads them through its ``stats_file`` parameter. JSON, never
pickle: the output folder is not trusted, and a cache that does not validate
(``stats.cache`` checks every part) is recomputed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ..errors import StatisticsCacheError
from ..hashing import fingerprint_digest
from .fingerprint import package_digest
from ..year_folder.names import STATISTICS_CACHE_GLOB, is_statistics_cache, statistics_cache

#: A statistics cache is a few MB; a bigger file in its place is not ours and is not read.
MAX_CACHE_BYTES = 256 << 20


def statistics_path(year_dir: Path, data_fingerprint: dict[str, str]) -> Path:
    """Where this batch's statistics are cached: keyed on the data files and the package (JSON, never pickle)."""
    key = fingerprint_digest({"data": data_fingerprint, "package": package_digest(), "cache": "json"})
    return statistics_cache(year_dir, key)


def load_statistics(path: Path, data_path: Path, data_fingerprint: dict[str, str], warn: TextIO):
    """The statistics for this batch: the cache if it validates and matches the data, else computed.

    Returns ``(statistics, needs_saving)``. Nothing in the cache can run code
    (JSON, checked column by column); a cache that fails a check is reported in
    one warning line and recomputed, never trusted.
    """
    from ..inputs import load as load_cases
    from ..stats import Statistics, compute_statistics

    if path.is_file():
        try:
            if path.stat().st_size > MAX_CACHE_BYTES:
                raise StatisticsCacheError(f"it is larger than {MAX_CACHE_BYTES >> 20} MiB")
            statistics = Statistics.load(path)
            cached = {source.get("sha256") for source in statistics.sources}
            if cached != set(data_fingerprint.values()):
                raise StatisticsCacheError("it was computed from other data files")
            return statistics, False
        except (StatisticsCacheError, OSError) as error:
            warn.write(f"warning: the statistics cache {path} is not usable ({error}); recomputing it from the data\n")
            warn.flush()
    return compute_statistics(load_cases(data_path)), True


def save_statistics(statistics, path: Path) -> None:
    """Write the cache (ours: ``statistics-*.json`` in ``.cache``) and remove our older caches beside it."""
    from ..stats import cache

    path.parent.mkdir(exist_ok=True)
    cache.write_statistics(statistics, path)
    for stale in path.parent.glob(STATISTICS_CACHE_GLOB):
        if stale != path and stale.is_file() and is_statistics_cache(stale):
            stale.unlink(missing_ok=True)
