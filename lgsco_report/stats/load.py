"""The statistics a notebook works from: a batch's cache file, or figures computed from a data folder.

Both are remembered per process, because a batch's warm kernel writes hundreds
of letters one after another: the data folder's figures are recomputed only
when one of its files changes (size or time), and a cache file is parsed again
only when it changes. Every caller still gets its own copy, so a letter that
edits its figures cannot change the next letter's.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

from .. import inputs
from .compute import compute_statistics
from .model import AVERAGE_METHODS, Statistics


@functools.lru_cache(maxsize=4)
def _computed(data_dir: str, average_method: str, fingerprint: tuple) -> Statistics:
    # Keyed on the files' sizes and times: an analyst who edits the data and reruns
    # a notebook gets fresh figures; a rerun without edits costs nothing.
    return compute_statistics(inputs.load(Path(data_dir)), average_method=average_method)


def load_statistics(
    data_dir: str | os.PathLike[str] = "", stats_file: str | os.PathLike[str] = "", average_method: str = "pooled"
) -> Statistics:
    """The statistics a notebook works from: a batch's cache file if given, else computed from the data.

    An empty ``data_dir`` means the labelled sample data. Raises ``FileNotFoundError``
    for a missing file or folder and ``ValueError`` for a cache of another method.
    """
    if average_method not in AVERAGE_METHODS:
        raise ValueError(f"average_method must be one of {', '.join(AVERAGE_METHODS)}, not {average_method!r}")
    if stats_file:
        path = Path(stats_file)
        if not path.is_file():
            raise FileNotFoundError(f"stats_file {path}: no such file; leave stats_file empty to compute from data_dir")
        result = _load_cache_file(path)
        if result.average_method != average_method:
            raise ValueError(
                f"stats_file {path} was computed with average_method={result.average_method!r}, not {average_method!r}"
            )
        return result
    if data_dir:
        folder = Path(data_dir).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"data folder {folder} not found; leave data_dir empty to use the sample data")
    else:
        folder = inputs.data_folder("")
    folder = folder.resolve()
    fingerprint = tuple(
        (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns) for entry in sorted(folder.iterdir()) if entry.is_file()
    )
    return _computed(str(folder), average_method, fingerprint)


#: The statistics cache file last read in this process, by (path, inode, size, mtime): a batch's
#: warm kernel writes hundreds of letters from one cache file and need not parse it for each.
_LOADED_CACHE_FILE: dict[tuple[str, int, int, int], Statistics] = {}


def _load_cache_file(path: Path) -> Statistics:
    """``Statistics.load(path)``, parsed again only when the file changed; every caller gets its own copy."""
    status = path.stat()
    key = (str(path.resolve()), status.st_ino, status.st_size, status.st_mtime_ns)
    if key not in _LOADED_CACHE_FILE:
        loaded = Statistics.load(path)
        _LOADED_CACHE_FILE.clear()
        _LOADED_CACHE_FILE[key] = loaded
    return copy.deepcopy(_LOADED_CACHE_FILE[key])

