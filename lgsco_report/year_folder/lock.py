"""The year folder's lock: one batch or one send writes ``outputs/<year>/`` at a time.

Why a lock file with ``flock`` rather than a marker file: the kernel releases
it when the holder dies, however it dies, so a killed batch never leaves the
folder locked. The holder writes its pid and start time into the file, so the
refusal can say who holds it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from pathlib import Path
from typing import Iterator

from ..errors import BatchLockedError
from .names import LOCK_FILE

__all__ = ["LOCK_FILE", "BatchLockedError", "batch_lock"]


@contextlib.contextmanager
def batch_lock(year_dir: Path) -> Iterator[int]:
    """Hold ``year_dir/.lock`` for the batch; refuse at once if another batch holds it."""
    path = year_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock_or_fail(fd)
    except BlockingIOError:
        holder = ""
        with contextlib.suppress(OSError):
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        os.close(fd)
        raise BatchLockedError(
            f"Another batch is already writing {year_dir} ({holder or 'lock held'}; lock file {path}). "
            "Wait for it to finish, or write elsewhere with --out."
        ) from None
    try:
        os.ftruncate(fd, 0)
        since = _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
        os.pwrite(fd, f"pid {os.getpid()} since {since}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)


def _lock_or_fail(fd: int) -> None:
    """Take an exclusive, non-blocking lock on ``fd`` (``fcntl.flock``; ``msvcrt`` where there is no fcntl)."""
    try:
        import fcntl
    except ImportError:  # Windows: the serial executor runs there; lock the file's first byte instead
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError("lock held") from None
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
