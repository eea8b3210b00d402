"""One unit of a batch's work, a :class:`NotebookTask`, and the one function that runs it.

A letter and the national review are the same kind of work: execute a
notebook with papermill on a warm kernel, export it to the asked-for formats,
and put the files in place whole; on a failure, keep the log, the error and the
notebook executed up to the failure in ``failed/<slug>/``, remove the previous
document (it no longer matches its inputs) and restart the kernel. Which
executor runs a task (a forked worker, or the batch's own process) does not
change what it writes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..formats import file_names, get_format
from ..year_folder.manifest import STATUS_DONE, STATUS_FAILED, safe_child
from ..year_folder.names import ERROR_FILE, FAILED_DIR, LOG_FILE, REVIEW_LOG_FILE
from .layout import (
    disk_full_message,
    is_disk_full,
    move_into_place,
    now_iso,
    remove_our_files,
    tmp_folder,
)

LETTER = "letter"
NATIONAL_REVIEW = "national_review"
#: Task kind -> the document kind its exporters and file names use.
DOCUMENT_OF = {LETTER: "letter", NATIONAL_REVIEW: "report"}
#: Task kind -> its log's file name.
LOG_NAMES = {LETTER: LOG_FILE, NATIONAL_REVIEW: REVIEW_LOG_FILE}


@dataclass
class NotebookTask:
    """A notebook to execute and export, and where its files go.

    ``destination`` is the folder (relative to ``year_dir``) a finished
    document goes to: a letter's ``<slug>``, or ``""`` for the year folder
    itself (the national review). A failure goes to ``failed/<slug>/``.
    """

    kind: str
    notebook: Path
    parameters: dict[str, Any]
    formats: tuple[str, ...]
    year_dir: Path
    destination: str
    slug: str
    fingerprint: dict[str, Any]
    timeout: float
    year: int
    authority_code: str | None = None
    authority_name: str = ""
    authority_type: str | None = None
    #: A letter's addressees (``year_folder.manifest.addressees_file_record`` + ``entry``), for the manifest.
    addressees: dict[str, Any] | None = None

    @property
    def document(self) -> str:
        """``letter`` or ``report``: the exporters' kind, and the stem of the file names."""
        return DOCUMENT_OF[self.kind]

    @property
    def kernel_cwd(self) -> Path:
        return self.notebook.parent

    @property
    def log_name(self) -> str:
        return LOG_NAMES[self.kind]

    @property
    def files(self) -> dict[str, str]:
        """``{format: file name}`` for every format of the table."""
        return file_names(self.document)

    @property
    def done_dir(self) -> Path:
        return safe_child(self.year_dir, self.destination) if self.destination else self.year_dir

    @property
    def failed_dir(self) -> Path:
        return safe_child(self.year_dir / FAILED_DIR, self.slug)

    def our_files(self) -> frozenset[str]:
        """The file names the program may replace or remove at ``done_dir``.

        The error file only where the document has a folder of its own: in the
        year folder an ``error.txt`` is not ours to remove.
        """
        names = {*self.files.values(), self.log_name}
        return frozenset(names | {ERROR_FILE} if self.destination else names)

    def failed_files(self) -> frozenset[str]:
        return frozenset({*self.files.values(), self.log_name, ERROR_FILE})

    def describe(self) -> str:
        """One line naming the document, for logs and messages."""
        if self.kind == LETTER:
            return f"letter for {self.authority_name} ({self.authority_code}), year {self.year}"
        return f"{self.authority_name or self.kind}, year {self.year}"


def describe_error(error: BaseException, timeout: float) -> str:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, CellTimeoutError):
        return f"timed out: the letter did not finish within {timeout:g} s and was stopped (a cell hung; see its log)"
    if isinstance(error, PapermillExecutionError):
        return f"{error.ename}: {error.evalue} (notebook cell {error.cell_index + 1})"
    return f"{type(error).__name__}: {error}"


def run_notebook_task(task: NotebookTask, kernel) -> dict[str, Any]:
    """Execute and export one task on ``kernel`` (a ``WarmKernel``); return its manifest fields.

    Never raises for the document's own failure: the error goes into the
    result, the log and ``failed/<slug>/``, the previous document (if any) is
    removed and the kernel is restarted. A full disk is a failure too, flagged
    ``disk_full`` so the batch stops.
    """
    year_dir = Path(task.year_dir)
    started_at = now_iso()
    start = time.monotonic()
    timings: dict[str, float] = {}
    tmp: Path | None = None
    failure: BaseException | None = None
    try:
        tmp = tmp_folder(year_dir, task.slug)
        failure = _execute(task, kernel, tmp, timings, start, started_at)
    except OSError as error:  # the working folder or the log could not be written
        failure = error
    disk_full = is_disk_full(failure)
    error = disk_full_message(year_dir) if disk_full else (describe_error(failure, task.timeout) if failure else None)
    try:
        if tmp is None:
            raise failure or OSError("no working folder")
        with signals_held():  # a stop signal waits until the document's files are all in place
            outputs = _file(task, tmp, error)
    except OSError as filing_error:
        if not is_disk_full(filing_error):
            raise
        disk_full, error, outputs = True, disk_full_message(year_dir), {}
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        remove_our_files(task.done_dir, task.our_files())
    return {
        "authority_code": task.authority_code,
        "status": STATUS_FAILED if error else STATUS_DONE,
        "error": error,
        "started_at": started_at,
        "finished_at": now_iso(),
        "timings": timings,
        "outputs": outputs,
        "worker_pid": os.getpid(),
        "disk_full": disk_full,
    }


def _execute(task: NotebookTask, kernel, tmp: Path, timings: dict[str, float], start: float,
             started_at: str) -> BaseException | None:
    """Run the notebook into ``tmp`` and export it there; return the error that stopped it, if any."""
    failure: BaseException | None = None
    with open(tmp / task.log_name, "w", encoding="utf-8") as log:
        log.write(f"{task.describe()}\nnotebook {task.notebook}\nparameters {task.parameters}\nstarted {started_at}\n\n")
        log.flush()
        try:
            nb = _papermill(task, kernel, tmp / task.files["ipynb"], log, deadline=start + task.timeout)
            timings["execute"] = round(time.monotonic() - start, 3)
            _export(task, nb, tmp, timings)
        except Exception as exc:  # noqa: BLE001 - a document's failure is recorded, the batch goes on
            failure = exc
            with contextlib.suppress(OSError):
                log.write(f"\nFAILED: {describe_error(exc, task.timeout)}\n\n{traceback.format_exc()}")
            with contextlib.suppress(Exception):
                kernel.restart()
        timings["total"] = round(time.monotonic() - start, 3)
        with contextlib.suppress(OSError):
            log.write(f"\nfinished {now_iso()} in {timings['total']:.2f} s: {'failed' if failure else 'done'}\n")
    return failure


def _papermill(task: NotebookTask, kernel, output: Path, log, deadline: float):
    """The executed notebook (written to ``output``, also when a cell fails)."""
    import papermill

    from .warm_kernel import WARM_ENGINE_NAME

    return papermill.execute_notebook(
        str(task.notebook),
        str(output),
        parameters=task.parameters,
        engine_name=WARM_ENGINE_NAME,
        kernel_name=kernel.kernel_name,
        progress_bar=False,
        log_output=False,
        stdout_file=log,
        stderr_file=log,
        warm_kernel=kernel,
        letter_deadline=deadline,
        kernel_cwd=str(task.kernel_cwd),
        # One write at the end (or at the failure), not one per cell: the
        # notebook holds two images and is rewritten in full each time.
        request_save_on_cell_execute=False,
    )


def _export(task: NotebookTask, nb, tmp: Path, timings: dict[str, float]) -> None:
    """Export to every asked-for format that an exporter writes; drop the notebook if it was not asked for."""
    from .. import exporters

    targets = {fmt: tmp / task.files[fmt] for fmt in task.formats if get_format(fmt).exported}
    if targets:
        export_start = time.monotonic()
        exporters.export(nb, task.document, targets)
        timings["export"] = round(time.monotonic() - export_start, 3)
    if "ipynb" not in task.formats:
        (tmp / task.files["ipynb"]).unlink(missing_ok=True)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (delivered on leaving) so they cannot split what this block does.

    Where there is no ``pthread_sigmask`` (Windows) the block runs unprotected.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _file(task: NotebookTask, tmp: Path, error: str | None) -> dict[str, str]:
    """Move a finished document into place, or a failed one into ``failed/``; return its outputs (relative paths).

    A document and its failure record never both stand: success removes the old
    failure record, failure removes the old document (it no longer matches its inputs).
    """
    if error is None:
        relative, final, ours = task.destination, task.done_dir, task.our_files()
    else:
        (tmp / ERROR_FILE).write_text(error + "\n", encoding="utf-8")
        relative, final, ours = f"{FAILED_DIR}/{task.slug}", task.failed_dir, task.failed_files()

    def where(name: str) -> str:
        return f"{relative}/{name}" if relative else name

    outputs = {fmt: where(name) for fmt, name in task.files.items() if (tmp / name).exists()}
    outputs["log"] = where(task.log_name)
    if error is not None:
        outputs["error"] = where(ERROR_FILE)
    move_into_place(tmp, final, task.year_dir, ours)
    if error is None:
        remove_our_files(task.failed_dir, task.failed_files())
    else:
        remove_our_files(task.done_dir, task.our_files())
    return outputs


def run_safely(task: NotebookTask, kernel) -> dict[str, Any]:
    """One task's result; an unexpected error becomes that task's failure, never a silent worker exit."""
    try:
        return run_notebook_task(task, kernel)
    except Exception as error:  # noqa: BLE001 - reported as this task's failure
        disk_full = is_disk_full(error)
        message = disk_full_message(task.year_dir) if disk_full else f"{type(error).__name__}: {error}"
        return {
            "authority_code": task.authority_code, "status": STATUS_FAILED, "error": message,
            "started_at": now_iso(), "finished_at": now_iso(), "timings": {}, "outputs": {},
            "worker_pid": os.getpid(), "disk_full": disk_full,
        }


def lost_result(task: NotebookTask, message: str) -> dict[str, Any]:
    """Record a task whose worker was killed: a failure folder holding the message as its log."""
    year_dir = Path(task.year_dir)
    (year_dir / FAILED_DIR).mkdir(exist_ok=True)
    tmp = tmp_folder(year_dir, task.slug, "lost")
    (tmp / task.log_name).write_text(f"{task.describe()}: FAILED: {message}\n", encoding="utf-8")
    (tmp / ERROR_FILE).write_text(message + "\n", encoding="utf-8")
    move_into_place(tmp, task.failed_dir, year_dir, task.failed_files())
    remove_our_files(task.done_dir, task.our_files())  # the old document no longer matches its inputs
    relative = f"{FAILED_DIR}/{task.slug}"
    now = now_iso()
    return {
        "authority_code": task.authority_code,
        "status": STATUS_FAILED,
        "error": message,
        "started_at": now,
        "finished_at": now,
        "timings": {},
        "outputs": {"log": f"{relative}/{task.log_name}", "error": f"{relative}/{ERROR_FILE}"},
        "worker_pid": None,
    }
