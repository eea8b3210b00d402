"""Every council's letter for a year: plan, execute, record.

The package's public face; each concern has its own module:

- ``plan``: check every input, list the tasks to run (``fingerprint``: what a task's skip rule compares);
- ``tasks``: :class:`NotebookTask` and :func:`run_notebook_task`, for letters and the national review alike;
- ``executors``: the :class:`Executor` protocol, the warm-kernel pool (default) and the serial executor;
  ``warm_kernel``: the kernel a worker keeps and the papermill engine that uses it;
- ``record``: the manifest after every task, the index at the end; ``stats_cache``: the statistics, once;
- ``progress``: the closing summary; ``layout``: exit codes, errors, the result, moving files into place;
- ``run``: :func:`run_batch`, the steps in order.

The year folder's names, lock and manifest are ``lgsco_report.year_folder``'s;
the command line (``lgsco-report letters``) is ``lgsco_report.cli``'s, and the
batch never imports it. Why the heavier names are looked up on first use
(module ``__getattr__``): importing ``lgsco_report.batch`` for an error class or
an exit code should not load the executors, papermill or the index page.
"""

from __future__ import annotations

from typing import Any

from ..formats import default_format_names, format_names
from ..errors import BatchError, BatchLockedError
from ..year_folder.lock import batch_lock
from ..year_folder.names import CACHE_DIR, ERROR_FILE, FAILED_DIR, LOCK_FILE, LOG_FILE, TMP_DIR
from .executors import POOL, SERIAL, Executor, PoolExecutor, SerialExecutor, make_executor
from .fingerprint import PACKAGE_DIR, package_digest, runtime_versions
from .layout import (
    EXIT_DISK_FULL,
    EXIT_INTERRUPTED,
    EXIT_KERNEL_FAILED,
    EXIT_LETTERS_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    BatchResult,
    claim_year_folder,
)
from .plan import council_slugs, parse_formats
from .progress import summary
from .tasks import NATIONAL_REVIEW, NotebookTask, run_notebook_task

#: Formats written when none are asked for, and every format a batch accepts (from ``lgsco_report.formats``).
FORMATS: tuple[str, ...] = default_format_names()
ALL_FORMATS: tuple[str, ...] = format_names()


def __getattr__(name: str) -> Any:
    """``run_batch``, imported on first use: it brings in the record step and, through it, the index page."""
    if name == "run_batch":
        from .run import run_batch

        return run_batch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALL_FORMATS", "CACHE_DIR", "ERROR_FILE", "EXIT_DISK_FULL", "EXIT_INTERRUPTED", "EXIT_KERNEL_FAILED",
    "EXIT_LETTERS_FAILED", "EXIT_OK", "EXIT_USAGE", "FAILED_DIR", "FORMATS", "LOCK_FILE", "LOG_FILE",
    "NATIONAL_REVIEW", "PACKAGE_DIR", "POOL", "SERIAL", "TMP_DIR", "BatchError", "BatchLockedError", "BatchResult",
    "Executor", "NotebookTask", "PoolExecutor", "SerialExecutor", "batch_lock", "claim_year_folder",
    "council_slugs", "make_executor", "package_digest", "parse_formats", "run_batch", "run_notebook_task",
    "runtime_versions", "summary",
]
