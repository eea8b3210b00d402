"""Every council's letter for a year: plan, execute, record.

The package's public face; each concern has its own module:

- ``plan``: check every input, list the tasks to run (``fingerprint``: what a task's skip rule compares);
- ``tasks``: :class:`NotebookTask` and :func:`run_notebook_task`, for letters and the national review alike;
- ``executors``: the :class:`Executor` protocol, the warm-kernel pool (default) and the serial executor;
  ``warm_kernel``: the kernel a worker keeps and the papermill engine that uses it;
- ``record``: the manifest after every task, the index at the end; ``stats_cache``: the statistics, once;
- ``progress``: the progress bar and the closing summary; ``layout``: names, exit codes, errors, the result;
- ``run``: :func:`run_batch`, the steps in order.

The command line (``lgsco-report letters``) is in ``lgsco_report.cli``; the batch never imports it.
"""

from ..formats import default_format_names, format_names
from .executors import POOL, SERIAL, Executor, PoolExecutor, SerialExecutor, make_executor
from .fingerprint import PACKAGE_DIR, package_digest, runtime_versions
from .layout import (
    CACHE_DIR,
    ERROR_FILE,
    EXIT_DISK_FULL,
    EXIT_INTERRUPTED,
    EXIT_KERNEL_FAILED,
    EXIT_LETTERS_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    FAILED_DIR,
    LOCK_FILE,
    LOG_FILE,
    TMP_DIR,
    BatchError,
    BatchLockedError,
    BatchResult,
    batch_lock,
    claim_year_folder,
)
from .plan import _resolve_data_dir, council_slugs, parse_formats  # noqa: F401 - _resolve_data_dir: used by sending
from .progress import ProgressBar, summary
from .run import run_batch
from .tasks import NATIONAL_REVIEW, NotebookTask, default_national_notebook, default_notebook, run_notebook_task

#: Formats written when none are asked for, and every format a batch accepts (from ``lgsco_report.formats``).
FORMATS: tuple[str, ...] = default_format_names()
ALL_FORMATS: tuple[str, ...] = format_names()

__all__ = [
    "ALL_FORMATS", "CACHE_DIR", "ERROR_FILE", "EXIT_DISK_FULL", "EXIT_INTERRUPTED", "EXIT_KERNEL_FAILED",
    "EXIT_LETTERS_FAILED", "EXIT_OK", "EXIT_USAGE", "FAILED_DIR", "FORMATS", "LOCK_FILE", "LOG_FILE",
    "NATIONAL_REVIEW", "PACKAGE_DIR", "POOL", "SERIAL", "TMP_DIR", "BatchError", "BatchLockedError", "BatchResult",
    "Executor", "NotebookTask", "PoolExecutor", "ProgressBar", "SerialExecutor", "batch_lock", "claim_year_folder",
    "council_slugs", "default_national_notebook", "default_notebook", "make_executor", "package_digest",
    "parse_formats", "run_batch", "run_notebook_task", "runtime_versions", "summary",
]
