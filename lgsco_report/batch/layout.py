"""What a batch leaves on disk and returns: exit codes, errors, the result.

Also the few helpers that keep the year folder true to the manifest: the
batch's private working folders (``.tmp``), moving a finished document into
place whole, and removing the program's own files (and only those). The
names themselves are ``year_folder.names``'s; the lock is ``year_folder.lock``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BatchError
from ..formats import file_names
from ..year_folder.names import ERROR_FILE, LOCK_FILE, LOG_FILE, MANIFEST_JSON, TMP_DIR

#: Extra time the parent allows beyond the letter timeout (export, kernel restart) before killing a worker.
EXPORT_GRACE_SECONDS = 120.0

EXIT_OK = 0
EXIT_LETTERS_FAILED = 1
EXIT_USAGE = 2
EXIT_KERNEL_FAILED = 3
EXIT_DISK_FULL = 4
EXIT_INTERRUPTED = 130
#: Stopped by SIGTERM (``kill``, a service manager): 128 + 15, as a shell reports it.
EXIT_TERMINATED = 143

#: Names of the program's own folders inside ``.tmp`` (``<slug>.<kind>.<pid>.<ns>``; older runs: ``<slug>.<pid>``).
_OUR_TMP_NAME = re.compile(r"[a-z0-9_-]+(\.(work|lost|old))?(\.[0-9]+)+")
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def letter_files() -> dict[str, str]:
    """``{format: file name}`` of a letter (``letter.pdf``...), every format of the table."""
    return file_names("letter")


def our_letter_files() -> frozenset[str]:
    """Every file name the program writes into a letter's folder (and may therefore replace or remove)."""
    return frozenset({*letter_files().values(), LOG_FILE, ERROR_FILE})


@dataclass
class BatchResult:
    """What a batch did; ``exit_code`` is what the command returns."""

    year: int
    done: int = 0
    skipped: int = 0
    failed: int = 0
    manifest_path: Path | None = None
    index_path: Path | None = None
    exit_code: int = EXIT_OK
    failures: list[tuple[str, str]] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    interrupted: bool = False
    #: Why the batch stopped early (disk full, kernel cannot start), one line; None otherwise.
    stopped: str | None = None
    #: The year's unconfirmed facts (its parameters file's 'unconfirmed' list): the letters are DRAFTs.
    unconfirmed: tuple[str, ...] = ()
    #: This run's letters (written or unchanged) with no named addressee ("Dear Chief Executive").
    unnamed: int = 0
    #: Lines for the summary about the figures: councils without figures (no letter), sections left out.
    notes: tuple[str, ...] = ()


def now_iso() -> str:
    return _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def is_disk_full(error: BaseException | None) -> bool:
    """Whether ``error`` (or an error it was raised from) is "no space left" / "quota exceeded"."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def disk_full_message(where: Path | str) -> str:
    return (
        f"the disk is full (no space left writing in {where}); free some space and run the same command "
        "again to resume: finished letters are kept"
    )


def claim_year_folder(year_dir: Path, force: bool) -> None:
    """Refuse a non-empty year folder that holds no manifest of ours, unless ``force``.

    Why: the batch replaces council folders' letters and its own temporary
    folders; in a folder someone else filled it must not guess what is whose.
    """
    if (year_dir / MANIFEST_JSON).exists():
        return
    others = sorted(p.name for p in year_dir.iterdir() if p.name != LOCK_FILE)
    if others and not force:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise BatchError(
            f"{year_dir} already holds files that lgsco-report did not write ({shown}) and no manifest.json; "
            "choose an empty folder with --out, or pass --force to write the letters there "
            "(files that are not the program's are left alone)"
        )


def tmp_folder(year_dir: Path, stem: str, kind: str = "work") -> Path:
    """A new private working folder ``<year>/.tmp/<stem>.<kind>.<pid>.<ns>`` (a name the clean-up recognises)."""
    path = year_dir / TMP_DIR / f"{stem}.{kind}.{os.getpid()}.{time.monotonic_ns()}"
    path.mkdir(parents=True)
    return path


def clean_tmp(year_dir: Path) -> None:
    """Remove what earlier batches left in ``.tmp`` (only folders named as ours); ``.tmp`` itself if then empty."""
    tmp = year_dir / TMP_DIR
    if not tmp.is_dir():
        return
    for entry in tmp.iterdir():
        if entry.is_dir() and not entry.is_symlink() and _OUR_TMP_NAME.fullmatch(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
    with contextlib.suppress(OSError):
        tmp.rmdir()


def remove_our_files(folder: Path, ours: Iterable[str] | None = None) -> None:
    """Delete the program's files (``ours``, default a letter's) from ``folder``, and the folder if then empty."""
    if not folder.is_dir():
        return
    for name in our_letter_files() if ours is None else ours:
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def move_into_place(tmp: Path, final: Path, year_dir: Path, ours: Iterable[str] | None = None) -> None:
    """Put a finished document's folder at ``final``, keeping any file there that the program did not write.

    A folder holding only our files (``ours``, default a letter's) is swapped
    whole (renamed aside, then deleted); otherwise our files are replaced one
    by one, each whole.
    """
    ours = our_letter_files() if ours is None else frozenset(ours)
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.rename(tmp, final)
        return
    if all(entry.name in ours and entry.is_file() for entry in final.iterdir()):
        old = year_dir / TMP_DIR / f"{final.name}.old.{os.getpid()}.{time.monotonic_ns()}"
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        return
    new_names = {entry.name for entry in tmp.iterdir()}
    for name in sorted(new_names):
        os.replace(tmp / name, final / name)
    for name in ours - new_names:
        (final / name).unlink(missing_ok=True)
    tmp.rmdir()
