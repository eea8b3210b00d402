"""``run_batch``: every council's letter for a year, as plan, execute, record.

``run_batch`` writes ``<out>/<year>/<council-slug>/`` (``letter.ipynb``,
``letter.html``, ``letter.pdf``, ``letter.log``) for each council, the
national review and statistics pack beside them, then ``manifest.json``/``.csv``
and ``index.html``. The steps, and where each lives:

- plan (``plan``): check every input (councils, year, formats, parameters,
  office template, addressees, data) before anything is written; list the
  tasks whose fingerprint (``fingerprint``) differs from the manifest's;
- statistics (``stats_cache``): computed once in this process, cached as JSON
  that every letter reads;
- execute (``executors``): a pool of forked warm-kernel workers (default) or
  this process alone (``executor="serial"``), each task run by
  ``tasks.run_notebook_task``: built in ``<year>/.tmp/``, moved into place whole,
  a failure kept in ``<year>/failed/<slug>/`` with its log, error and partial notebook;
- record (``record``): the manifest after every task, the index at the end.

The year folder is the program's only if it holds our ``manifest.json``; a
non-empty folder without one is refused unless ``force``. A full disk stops
the batch (exit code 4) with the manifest and index true to what is on disk; a
kernel that cannot start stops it once (exit code 3). ``<year>/.lock`` keeps
two batches apart.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from ..errors import BatchError, StopBatch
from ..formats import default_format_names
from ..progress import ProgressBar
from ..year_folder.lock import batch_lock
from ..year_folder.manifest import Manifest, safe_child
from ..year_folder.names import LOGS_DIR
from . import plan
from .executors import EXECUTORS, POOL, Executor, Terminated, make_executor, raise_terminated
from .layout import (
    EXIT_DISK_FULL,
    EXIT_INTERRUPTED,
    EXIT_LETTERS_FAILED,
    BatchResult,
    claim_year_folder,
    clean_tmp,
    disk_full_message,
    is_disk_full,
    now_iso,
)
from .progress import stop_line, summary
from .record import Recorder
from .stats_cache import load_statistics, save_statistics, statistics_path
from .tasks import NotebookTask, signals_held


def run_batch(
    year: int,
    councils: list[str] | None = None,
    data_dir: Path | None = None,
    out_dir: Path = Path("outputs"),
    workers: int | None = None,
    formats: tuple[str, ...] | None = None,
    force: bool = False,
    timeout: float = 300,
    progress: bool = True,
    notebook: Path | None = None,
    generated_at: str | None = None,
    reports: bool = True,
    overrides: Path | None = None,
    final: bool = False,
    executor: str = POOL,
    allow_unnamed: bool = False,
) -> BatchResult:
    """Write every selected council's letter for ``year`` under ``out_dir/<year>/``.

    Also writes the year's statistics pack and national review beside the
    letters (``reports=False`` leaves them out). Raises ``BatchError`` (bad
    council, parameters, addressees, format, a folder that is not ours) and
    ``CaseDataError`` (bad data) before any worker starts or anything is
    written, and ``BatchLockedError`` (another batch is running). Letter
    failures do not raise: they are counted and ``exit_code`` is 1. A full disk
    (4) or a kernel that cannot start (3) stops the batch with ``stopped`` set.
    Ctrl-C stops the workers, keeps every finished letter, and returns exit code
    130. ``notebook`` replaces the letter notebook (tests, other letter kinds);
    ``overrides`` the addressees file; ``generated_at`` fixes the generation
    time (default: now, one per batch). ``final`` refuses (``BatchError``, nothing
    written) a year whose parameters list unconfirmed facts, and letters with no named
    addressee unless ``allow_unnamed`` (recorded in each such letter's manifest entry). ``executor`` is
    ``"pool"`` (forked warm-kernel workers, default) or ``"serial"`` (this
    process, one task after another); ``formats`` defaults to the format table's
    default formats (ipynb, html, pdf).
    """
    started = time.monotonic()
    inputs, year_dir, result, statistics, stats_unsaved, stats_path = _prepare(
        year, councils, data_dir, out_dir, formats, timeout, notebook, overrides, final, executor,
        allow_unnamed)
    with batch_lock(year_dir) as lock_fd:
        claim_year_folder(year_dir, force)
        manifest = Manifest.load(year_dir, result.year)
        try:
            _run_locked(inputs, year_dir, manifest, statistics, stats_unsaved, stats_path, lock_fd, result,
                        workers=workers, force=force, progress=progress, executor=executor,
                        generated_at=generated_at or now_iso(), reports=reports,
                        unnamed_allowed=final and allow_unnamed)
        except StopBatch as stop:
            result.stopped, result.exit_code = str(stop), stop.exit_code
    result.elapsed_seconds = round(time.monotonic() - started, 2)
    _set_exit_code(result)
    if progress or result.stopped or result.interrupted:
        # Without progress output, a stop is one line: why, and what to do.
        sys.stderr.write((summary(result) if progress else stop_line(result)) + "\n")
        sys.stderr.flush()
    return result


def _prepare(year, councils, data_dir, out_dir, formats, timeout, notebook, overrides, final: bool, executor: str,
             allow_unnamed: bool):
    """Everything before the lock: check every input, load (so validate) the data, make the year folder."""
    if executor not in EXECUTORS:
        raise BatchError(f"unknown executor {executor!r}; choose one of: {', '.join(EXECUTORS)}")
    inputs = plan.check_inputs(year, councils, data_dir, formats or default_format_names(), timeout, notebook, overrides)
    year = inputs.year
    unconfirmed = plan.unconfirmed(year, inputs.params_path, final)
    plan.refuse_unnamed(inputs, final, allow_unnamed)
    year_dir = safe_child(Path(out_dir), str(year))
    stats_path = statistics_path(year_dir, inputs.data_fingerprint)
    # The data is loaded (and so validated) before anything is written or started.
    statistics, stats_unsaved = load_statistics(stats_path, inputs.data_path, inputs.data_fingerprint, sys.stderr)
    if year not in statistics.years:
        raise BatchError(f"the data in {inputs.data_path} has no cases for the year ending March {year}; check --data and --year")
    from ..letter.coverage import letters_with_figures  # a figures folder: no letter for a council without figures

    inputs.selected, figures_notes = letters_with_figures(inputs.selected, statistics, year)
    year_dir.mkdir(parents=True, exist_ok=True)
    result = BatchResult(year=year, unconfirmed=unconfirmed, notes=tuple(figures_notes))
    return inputs, year_dir, result, statistics, stats_unsaved, stats_path


def _set_exit_code(result: BatchResult) -> None:
    if result.stopped:
        pass  # its own exit code, set where it stopped
    elif result.interrupted:
        result.exit_code = EXIT_INTERRUPTED
    elif result.failed:
        result.exit_code = EXIT_LETTERS_FAILED


def _run_locked(inputs: plan.Inputs, year_dir: Path, manifest: Manifest, statistics, stats_unsaved: bool,
                stats_path: Path, lock_fd: int, result: BatchResult, *, workers, force, progress, executor: str,
                generated_at: str, reports: bool, unnamed_allowed: bool = False) -> None:
    """The batch proper, inside the lock: plan the tasks, start the executor, record every result, finish."""
    from ..statistics_pack import write_statistics_pack

    bar = ProgressBar(len(inputs.selected), sys.stderr, enabled=progress, label=f"letters {inputs.year}")
    recorder = Recorder(manifest, year_dir, generated_at, result, bar, inputs.params_path, inputs.named, unnamed_allowed)
    runner: Executor | None = None
    graceful = False
    previous_sigterm = None
    try:
        manifest.save(year_dir)  # from now on the folder is recognisably ours
        clean_tmp(year_dir)  # leftovers of an interrupted batch: unfinished letters, never in place
        if stats_unsaved:
            save_statistics(statistics, stats_path)
        tasks = _plan_tasks(inputs, year_dir, manifest, force, stats_path, generated_at, result, reports)
        manifest.save(year_dir)  # with the letters about to be remade marked out of date
        bar.update(0, 0, result.skipped)
        if _in_main_thread():
            previous_sigterm = signal.signal(signal.SIGTERM, raise_terminated)
        if tasks:  # started before the statistics pack is written: the kernels boot meanwhile
            size = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
            runner = make_executor(executor, size, lock_fd, year_dir / LOGS_DIR, inputs.timeout)
        if reports:
            recorder.record_statistics_pack(write_statistics_pack(statistics, inputs.year, year_dir))
        if runner is not None:
            _execute(runner, tasks, recorder)
        graceful = True
    except Terminated as stop:
        result.stopped, result.exit_code = stop.message, stop.exit_code
    except KeyboardInterrupt:
        result.interrupted = True
    except OSError as error:
        if not is_disk_full(error):
            raise
        result.stopped, result.exit_code = disk_full_message(year_dir), EXIT_DISK_FULL
    except StopBatch as stop:
        result.stopped, result.exit_code = str(stop), stop.exit_code
    finally:
        if runner is not None:
            runner.close(graceful)
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)
        clean_tmp(year_dir)
    recorder.finish(statistics)
    bar.update(result.done, result.failed, result.skipped, final=True)


def _plan_tasks(inputs: plan.Inputs, year_dir: Path, manifest: Manifest, force: bool, stats_path: Path,
                generated_at: str, result: BatchResult, reports: bool) -> list[NotebookTask]:
    """The letters to (re)make, and the national review first: the longest task, overlapped with the letters."""
    tasks = plan.letter_tasks(inputs, year_dir, manifest, force, stats_path, generated_at, result)
    report = plan.report_task(inputs, year_dir, manifest, force, stats_path, generated_at) if reports else None
    return [report, *tasks] if report is not None else tasks


def _execute(runner: Executor, tasks: list[NotebookTask], recorder: Recorder) -> None:
    """Record every result as it comes; a task that found the disk full stops the batch once recorded."""
    for task, outcome in runner.run(tasks):
        with signals_held():  # a stop waits until the manifest and index agree on this letter
            recorder.record(task, outcome)
        if outcome.get("disk_full"):
            raise StopBatch(str(outcome["error"]), EXIT_DISK_FULL)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
