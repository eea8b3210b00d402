"""Every council's letter for a year: papermill on warm kernels, manifest, lock, resume.

``run_batch`` writes ``<out>/<year>/<council-slug>/`` (``letter.ipynb``,
``letter.html``, ``letter.pdf``, ``letter.log``) for each council, then
``manifest.json``/``.csv`` and ``index.html``. Design choices, and why:

- Statistics are computed once per batch in the parent and cached as a
  ``Statistics.save`` pickle that every letter reads through ``stats_file``.
- Worker processes (forked, one warm kernel each, see ``kernel_pool``) take one
  letter at a time from the parent over a pipe; only the parent writes the
  manifest, atomically, after every letter, so a killed batch resumes.
- A letter is built in ``<year>/.tmp/`` and renamed into place whole; a failed
  letter goes to ``<year>/failed/<slug>/`` with its log, its error and the
  notebook executed up to the failure, and the batch goes on.
- A letter is skipped when its fingerprint (data files, notebook, parameters
  file, package version, formats) matches the manifest and its files exist.
- ``<year>/.lock`` (``fcntl.flock``, non-blocking) keeps two batches apart.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as _dt
import fcntl
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, TextIO

from . import __version__
from .manifest import (
    STATUS_DONE,
    STATUS_FAILED,
    Manifest,
    entry_is_up_to_date,
    fingerprint_digest,
    safe_child,
    sha256_file,
    slugify,
)

FORMATS: tuple[str, ...] = ("ipynb", "html", "pdf")
#: Formats a batch accepts; Word (.docx) is written only when asked for.
ALL_FORMATS: tuple[str, ...] = FORMATS + ("docx",)
LETTER_FILES = {"ipynb": "letter.ipynb", "html": "letter.html", "pdf": "letter.pdf", "docx": "letter.docx"}
LOG_FILE = "letter.log"
ERROR_FILE = "error.txt"
LOCK_FILE = ".lock"
TMP_DIR = ".tmp"
CACHE_DIR = ".cache"
FAILED_DIR = "failed"
#: Extra time the parent allows beyond the letter timeout (export, kernel restart) before killing a worker.
EXPORT_GRACE_SECONDS = 120.0

EXIT_OK = 0
EXIT_LETTERS_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class BatchError(ValueError):
    """The batch cannot start (bad council, data or option); the message says what to fix."""


class BatchLockedError(BatchError):
    """Another batch holds ``<out>/<year>/.lock``."""


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
    #: The year's unconfirmed facts (its parameters file's 'unconfirmed' list): the letters are DRAFTs.
    unconfirmed: tuple[str, ...] = ()


# --------------------------------------------------------------------------- paths and inputs


def default_notebook() -> Path:
    """The letter notebook the batch runs: ``<project>/notebooks/annual_review_letter.ipynb``."""
    from .yearparams import project_root

    return project_root() / "notebooks" / "annual_review_letter.ipynb"


def _now_iso() -> str:
    return _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def _resolve_data_dir(data_dir: Path | None) -> Path:
    from . import sample

    if data_dir is not None:
        path = Path(data_dir)
        if not path.is_dir():
            raise BatchError(f"data folder {path} does not exist; pass --data with the folder holding received/decided/compliance tables")
        return path.resolve()
    if os.environ.get("LGSCO_REPORT_DATA"):
        return sample.default_data_dir().resolve()
    return Path(sample.ensure_sample_data()).resolve()


def _parse_formats(formats: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    cleaned = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [item for item in cleaned if item not in ALL_FORMATS]
    if unknown or not cleaned:
        raise BatchError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {','.join(ALL_FORMATS)}")
    return tuple(fmt for fmt in ALL_FORMATS if fmt in cleaned)


def _select_councils(year: int, councils: list[str] | None):
    """The year's register rows to write, in register (name) order."""
    from .register import UnknownCouncilError, councils_for_year, find_council

    register = councils_for_year(year)
    if not councils:
        return register
    codes: list[str] = []
    for query in councils:
        try:
            codes.append(str(find_council(query, year)["authority_code"]))
        except UnknownCouncilError as error:
            raise BatchError(str(error)) from error
    wanted = set(codes)
    return register[register["authority_code"].isin(wanted)].reset_index(drop=True)


def council_slugs(register) -> dict[str, str]:
    """GSS code -> folder slug for a year's register; a name shared by two councils gets the code appended."""
    slugs = {row.authority_code: slugify(row.authority_name, fallback=row.authority_code) for row in register.itertuples()}
    counts: dict[str, int] = {}
    for slug in slugs.values():
        counts[slug] = counts.get(slug, 0) + 1
    return {
        code: (slugify(f"{slug}-{code}") if counts[slug] > 1 else slug) for code, slug in slugs.items()
    }


@contextlib.contextmanager
def batch_lock(year_dir: Path) -> Iterator[int]:
    """Hold ``year_dir/.lock`` for the batch; refuse at once if another batch holds it."""
    path = year_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
        os.pwrite(fd, f"pid {os.getpid()} since {_now_iso()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- one letter (in a worker)


def _move_into_place(tmp: Path, final: Path, trash: Path) -> None:
    """Rename a finished folder over ``final``; an old folder is moved aside first, then deleted."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        old = trash / f"{final.name}.old.{os.getpid()}.{time.monotonic_ns()}"
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, final)


def _describe_error(error: BaseException, timeout: float) -> str:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, CellTimeoutError):
        return f"timed out: the letter did not finish within {timeout:g} s and was stopped (a cell hung; see its log)"
    if isinstance(error, PapermillExecutionError):
        return f"{error.ename}: {error.evalue} (notebook cell {error.cell_index + 1})"
    return f"{type(error).__name__}: {error}"


def run_letter(task: dict[str, Any], kernel) -> dict[str, Any]:
    """Execute and export one letter on ``kernel`` (a ``WarmKernel``); return its manifest fields.

    Never raises for a letter's own failure: the error goes into the result,
    the log and ``failed/<slug>/``, and the kernel is restarted.
    """
    import papermill

    from . import exporters
    from .kernel_pool import WARM_ENGINE_NAME

    year_dir = Path(task["year_dir"])
    slug = task["slug"]
    trash = year_dir / TMP_DIR
    tmp = trash / f"{slug}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    formats = tuple(task["formats"])
    timeout = float(task["timeout"])
    started_at = _now_iso()
    start = time.monotonic()
    timings: dict[str, float] = {}
    error: str | None = None
    with open(tmp / LOG_FILE, "w", encoding="utf-8") as log:
        log.write(
            f"letter for {task['authority_name']} ({task['authority_code']}), year {task['year']}\n"
            f"notebook {task['notebook']}\nparameters {task['parameters']}\nstarted {started_at}\n\n"
        )
        log.flush()
        try:
            nb = papermill.execute_notebook(
                str(task["notebook"]),
                str(tmp / LETTER_FILES["ipynb"]),
                parameters=task["parameters"],
                engine_name=WARM_ENGINE_NAME,
                kernel_name=kernel.kernel_name,
                progress_bar=False,
                log_output=False,
                stdout_file=log,
                stderr_file=log,
                warm_kernel=kernel,
                letter_deadline=start + timeout,
                kernel_cwd=str(task["kernel_cwd"]),
                # One write at the end (or at the failure), not one per cell: the
                # notebook holds two images and is rewritten in full each time.
                request_save_on_cell_execute=False,
            )
            timings["execute"] = round(time.monotonic() - start, 3)
            html_path = tmp / LETTER_FILES["html"] if "html" in formats else None
            pdf_path = tmp / LETTER_FILES["pdf"] if "pdf" in formats else None
            if html_path or pdf_path:
                export_start = time.monotonic()
                exporters.export_letter(nb, html_path, pdf_path, kind="letter")
                timings["export"] = round(time.monotonic() - export_start, 3)
            if "docx" in formats:
                _export_docx(nb, tmp / LETTER_FILES["docx"], timings)
            if "ipynb" not in formats:
                (tmp / LETTER_FILES["ipynb"]).unlink(missing_ok=True)
        except Exception as exc:  # noqa: BLE001 - a letter's failure is recorded, the batch goes on
            error = _describe_error(exc, timeout)
            log.write(f"\nFAILED: {error}\n\n{traceback.format_exc()}")
            with contextlib.suppress(Exception):
                kernel.restart()
        timings["total"] = round(time.monotonic() - start, 3)
        log.write(f"\nfinished {_now_iso()} in {timings['total']:.2f} s: {'failed' if error else 'done'}\n")
    if error is None:
        final = safe_child(year_dir, slug)
        relative = slug
    else:
        (tmp / ERROR_FILE).write_text(error + "\n", encoding="utf-8")
        (year_dir / FAILED_DIR).mkdir(exist_ok=True)
        final = safe_child(year_dir / FAILED_DIR, slug)
        relative = f"{FAILED_DIR}/{slug}"
    outputs = {fmt: f"{relative}/{name}" for fmt, name in LETTER_FILES.items() if (tmp / name).exists()}
    outputs["log"] = f"{relative}/{LOG_FILE}"
    if error is not None:
        outputs["error"] = f"{relative}/{ERROR_FILE}"
    _move_into_place(tmp, final, trash)
    if error is None:
        # A letter that now succeeds no longer has a failure record.
        stale = year_dir / FAILED_DIR / slug
        if stale.exists():
            shutil.rmtree(stale, ignore_errors=True)
    return {
        "authority_code": task["authority_code"],
        "status": STATUS_FAILED if error else STATUS_DONE,
        "error": error,
        "started_at": started_at,
        "finished_at": _now_iso(),
        "timings": timings,
        "outputs": outputs,
        "worker_pid": os.getpid(),
    }


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM this worker when the batch process dies (even by SIGKILL)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        raise SystemExit(0)


def _raise_exit(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise SystemExit(128 + signum)


def _worker_main(conn, parent_pid: int, lock_fd: int | None, kernel_log: str) -> None:
    """Worker process: one warm kernel, letters received one at a time until ``None``."""
    from .kernel_pool import WarmKernel

    if lock_fd is not None:
        # The inherited copy would keep the batch lock alive after the parent dies.
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, _raise_exit)
    kernel = WarmKernel(stderr_path=Path(kernel_log))
    try:
        _die_with_parent(parent_pid)
        # Start the kernel before the first task arrives: it boots while the
        # parent is still loading the data.
        kernel.ensure_started()
        while True:
            task = conn.recv()
            if task is None:
                break
            kernel.ensure_started()
            conn.send(("kernel", kernel.pid))
            run = run_report if task.get("kind") == NATIONAL_REVIEW else run_letter
            conn.send(("result", run(task, kernel)))
    except (EOFError, OSError, SystemExit, KeyboardInterrupt):
        pass
    finally:
        kernel.shutdown()


# --------------------------------------------------------------------------- progress


class ProgressBar:
    """A one-line progress bar on stderr: letters done, failed, skipped, rate, time left."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True, label: str = "letters") -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.label = label
        self.start = time.monotonic()
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_line_time = 0.0
        self._last_line = ""

    def render(self, done: int, failed: int, skipped: int) -> str:
        finished = done + failed + skipped
        width = 24
        filled = int(width * finished / self.total) if self.total else width
        elapsed = max(time.monotonic() - self.start, 1e-9)
        ran = done + failed
        rate = ran / elapsed
        remaining = self.total - finished
        eta = f"{int(remaining / rate // 60)}m{int(remaining / rate % 60):02d}s" if rate > 0 and remaining else "-"
        return (
            f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {finished}/{self.total} "
            f"done {done} failed {failed} skipped {skipped} | {rate:.2f}/s | left {eta}"
        )

    def update(self, done: int, failed: int, skipped: int, final: bool = False) -> None:
        if not self.enabled:
            return
        line = self.render(done, failed, skipped)
        if self.is_tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        elif (final and line != self._last_line) or (not final and time.monotonic() - self._last_line_time >= 2.0):
            self.stream.write(line + "\n")
            self._last_line = line
            self._last_line_time = time.monotonic()
        self.stream.flush()


# --------------------------------------------------------------------------- the pool (in the parent)


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: dict[str, Any] | None = None
    task_started: float = 0.0
    kernel_pid: int | None = None


def _kill_pid(pid: int | None) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class _Pool:
    """Forked workers fed one letter at a time; hung or dead workers are replaced."""

    def __init__(self, size: int, lock_fd: int, kernel_log_dir: Path) -> None:
        self.context = multiprocessing.get_context("fork")
        self.lock_fd = lock_fd
        self.kernel_log_dir = kernel_log_dir
        self.workers = [self._spawn(index) for index in range(size)]

    def _spawn(self, index: int) -> _Worker:
        parent_conn, child_conn = self.context.Pipe()
        log = str(self.kernel_log_dir / f"kernel-worker-{index}.log")
        process = self.context.Process(
            target=_worker_main, args=(child_conn, os.getpid(), self.lock_fd, log), daemon=True, name=f"lgsco-letter-{index}"
        )
        process.start()
        child_conn.close()
        return _Worker(process, parent_conn)

    def replace(self, index: int) -> None:
        worker = self.workers[index]
        _kill_pid(worker.kernel_pid)
        _kill_pid(worker.process.pid)
        worker.process.join(5)
        worker.conn.close()
        self.workers[index] = self._spawn(index)

    def shutdown(self, graceful: bool) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError, BrokenPipeError):
                if graceful:
                    worker.conn.send(None)
                else:
                    worker.process.terminate()
        deadline = time.monotonic() + 10
        for worker in self.workers:
            worker.process.join(max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive():
                _kill_pid(worker.kernel_pid)
                worker.process.kill()
                worker.process.join(5)
            worker.conn.close()


def _run_tasks(tasks: list[dict[str, Any]], pool: "_Pool", year_dir: Path, timeout: float, on_result) -> None:
    """Feed ``tasks`` to the pool's workers; call ``on_result(task, result)`` for each one."""
    pending = list(reversed(tasks))
    while True:
        for worker in pool.workers:
            if worker.task is None and pending:
                worker.task = pending.pop()
                worker.task_started = time.monotonic()
                worker.conn.send(worker.task)
        busy = [w for w in pool.workers if w.task is not None]
        if not busy:
            break
        ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=0.5)
        for index, worker in enumerate(pool.workers):
            if worker.task is None:
                continue
            if worker.conn in ready:
                try:
                    kind, payload = worker.conn.recv()
                except (EOFError, OSError):
                    kind, payload = "died", None
                if kind == "kernel":
                    worker.kernel_pid = payload
                    continue
                if kind == "result":
                    task, worker.task = worker.task, None
                    on_result(task, payload)
                    continue
            else:
                overdue = time.monotonic() - worker.task_started > timeout + EXPORT_GRACE_SECONDS
                if worker.process.is_alive() and not overdue:
                    continue
                kind = "overdue" if overdue else "died"
            task, worker.task = worker.task, None
            if kind == "overdue":
                message = f"timed out: the letter did not finish within {timeout:g} s (+{EXPORT_GRACE_SECONDS:g} s grace); its worker was stopped"
            else:
                message = f"worker process died (exit code {worker.process.exitcode}) while writing this letter"
            pool.replace(index)
            on_result(task, _lost_letter_result(task, message))


def _lost_letter_result(task: dict[str, Any], message: str) -> dict[str, Any]:
    """Record a letter whose worker was killed: a failure folder holding the message as its log."""
    year_dir = Path(task["year_dir"])
    failed_dir = year_dir / FAILED_DIR
    failed_dir.mkdir(exist_ok=True)
    tmp = year_dir / TMP_DIR / f"{task['slug']}.lost.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / LOG_FILE).write_text(f"letter for {task['authority_name']}: FAILED: {message}\n", encoding="utf-8")
    (tmp / ERROR_FILE).write_text(message + "\n", encoding="utf-8")
    _move_into_place(tmp, safe_child(failed_dir, task["slug"]), year_dir / TMP_DIR)
    relative = f"{FAILED_DIR}/{task['slug']}"
    now = _now_iso()
    return {
        "authority_code": task.get("authority_code"),
        "status": STATUS_FAILED,
        "error": message,
        "started_at": now,
        "finished_at": now,
        "timings": {},
        "outputs": {"log": f"{relative}/{LOG_FILE}", "error": f"{relative}/{ERROR_FILE}"},
        "worker_pid": None,
    }


# --------------------------------------------------------------------------- the batch


def _statistics_path(year_dir: Path, data_fingerprint: dict[str, str]) -> Path:
    """Where this batch's statistics are cached: keyed on the data files and the package version."""
    key = fingerprint_digest({"data": data_fingerprint, "package_version": __version__})
    return year_dir / CACHE_DIR / f"statistics-{key}.pkl"


def _statistics_cache(path: Path, data_path: Path):
    """Compute the statistics once per batch, or reuse the cache for identical inputs (no reload of the data)."""
    from .cases import load_cases
    from .stats import Statistics, compute_statistics

    path.parent.mkdir(exist_ok=True)
    if path.exists():
        with contextlib.suppress(Exception):
            return Statistics.load(path)
    statistics = compute_statistics(load_cases(data_path))
    statistics.save(path)
    for stale in path.parent.glob("statistics-*.pkl"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return statistics


def default_national_notebook() -> Path:
    """The national review notebook, beside the letter notebook."""
    return default_notebook().parent / "national_review.ipynb"


#: The national review's files, written to the year folder beside the letters.
REPORT_FILES = {"ipynb": "national_review.ipynb", "html": "national_review.html", "pdf": "national_review.pdf",
                "docx": "national_review.docx"}
NATIONAL_REVIEW = "national_review"


def run_report(task: dict[str, Any], kernel) -> dict[str, Any]:
    """Execute and export the year's national review on ``kernel`` (a worker's warm kernel).

    Runs as one more task of the pool, beside the letters, so it costs no extra
    kernel start and overlaps with them. Never raises: failures are recorded.
    """
    import papermill

    from . import exporters
    from .kernel_pool import WARM_ENGINE_NAME

    year_dir = Path(task["year_dir"])
    tmp = year_dir / TMP_DIR / f"{NATIONAL_REVIEW}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    formats = tuple(task["formats"])
    start = time.monotonic()
    started_at = _now_iso()
    error = None
    try:
        nb = papermill.execute_notebook(
            str(task["notebook"]), str(tmp / REPORT_FILES["ipynb"]), parameters=task["parameters"],
            engine_name=WARM_ENGINE_NAME, kernel_name=kernel.kernel_name, progress_bar=False,
            warm_kernel=kernel, letter_deadline=start + float(task["timeout"]), kernel_cwd=str(task["kernel_cwd"]),
            request_save_on_cell_execute=False,
        )
        exporters.export_letter(
            nb,
            tmp / REPORT_FILES["html"] if "html" in formats else None,
            tmp / REPORT_FILES["pdf"] if "pdf" in formats else None,
            kind="report",
        ) if {"html", "pdf"} & set(formats) else None
        if "docx" in formats:
            _export_docx(nb, tmp / REPORT_FILES["docx"], {})
    except Exception as exc:  # noqa: BLE001 - recorded in the manifest, the batch goes on
        error = _describe_error(exc, float(task["timeout"]))
        with contextlib.suppress(Exception):
            kernel.restart()
    written: dict[str, str] = {}
    if error is None:
        for fmt in ALL_FORMATS:
            if fmt in formats and (tmp / REPORT_FILES[fmt]).is_file():
                os.replace(tmp / REPORT_FILES[fmt], year_dir / REPORT_FILES[fmt])  # each file whole, or not there
                written[fmt] = REPORT_FILES[fmt]
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "status": STATUS_FAILED if error else STATUS_DONE,
        "error": error,
        "started_at": started_at,
        "finished_at": _now_iso(),
        "timings": {"total": round(time.monotonic() - start, 3)},
        "outputs": written,
    }


def _export_docx(nb, path: Path, timings: dict[str, float]) -> None:
    """The Word document (``--formats ...,docx``); its time is added to the export time."""
    from .docx_exporters import export_docx

    start = time.monotonic()
    export_docx(nb, path)
    timings["export"] = round(timings.get("export", 0.0) + time.monotonic() - start, 3)


def _report_task(
    year_dir: Path, year: int, data_path: Path, stats_path: Path, generated_at: str, manifest: Manifest,
    base_fingerprint: dict[str, Any], force: bool, formats: tuple[str, ...], timeout: float,
) -> dict[str, Any] | None:
    """The national review's task, or None when it is up to date (same inputs, files present)."""
    notebook = default_national_notebook()
    if not notebook.is_file():
        return None
    fingerprint = {**base_fingerprint, "notebook": sha256_file(notebook), "council": None}
    if not force and entry_is_up_to_date(manifest.reports.get(NATIONAL_REVIEW), fingerprint, year_dir):
        return None
    return _task(
        NATIONAL_REVIEW, notebook, year_dir, formats, timeout, fingerprint,
        slug=NATIONAL_REVIEW, authority_name="national review",
        parameters={"year": year, "data_dir": str(data_path), "stats_file": str(stats_path), "generated_at": generated_at},
    )


def _task(kind: str, notebook: Path, year_dir: Path, formats: tuple[str, ...], timeout: float,
          fingerprint: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """One unit of work for a worker: a notebook to execute and export, and where."""
    return {
        "kind": kind,
        "year_dir": str(year_dir),
        "notebook": str(notebook),
        "kernel_cwd": str(notebook.parent),
        "formats": list(formats),
        "timeout": float(timeout),
        "fingerprint": fingerprint,
        **fields,
    }


def run_batch(
    year: int,
    councils: list[str] | None = None,
    data_dir: Path | None = None,
    out_dir: Path = Path("outputs"),
    workers: int | None = None,
    formats: tuple[str, ...] = FORMATS,
    force: bool = False,
    timeout: float = 300,
    progress: bool = True,
    notebook: Path | None = None,
    generated_at: str | None = None,
    reports: bool = True,
    final: bool = False,
) -> BatchResult:
    """Write every selected council's letter for ``year`` under ``out_dir/<year>/``.

    Also writes the year's statistics pack and national review beside the
    letters (``reports=False`` leaves them out). Raises ``BatchError`` (bad
    council, data, format) and ``BatchLockedError`` (another batch is running)
    before any letter is touched. Letter failures do not raise: they are counted
    and ``exit_code`` is 1. Ctrl-C stops the workers, keeps every finished
    letter, and returns exit code 130. ``notebook`` replaces the letter notebook
    (tests, other letter kinds); ``generated_at`` fixes the generation time
    (default: now, one per batch). ``final`` refuses (``BatchError``, nothing
    written) a year whose parameters list unconfirmed facts.
    """
    from .cases import data_fingerprint as fingerprint_data
    from .definitions import parse_year
    from .index_page import write_index
    from .statistics_pack import write_statistics_pack
    from .yearparams import default_parameters_file

    started = time.monotonic()
    try:
        year = parse_year(year)
    except ValueError as error:
        raise BatchError(str(error)) from error
    formats = _parse_formats(formats)
    if timeout <= 0:
        raise BatchError(f"timeout must be positive, got {timeout}")
    params_path = default_parameters_file(year)
    unconfirmed = _unconfirmed(year, params_path, final)
    notebook = Path(notebook) if notebook is not None else default_notebook()
    if not notebook.is_file():
        raise BatchError(f"letter notebook {notebook} not found")
    notebook = notebook.resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    year_dir = safe_child(out_dir, str(year))
    year_dir.mkdir(exist_ok=True)
    result = BatchResult(year=year, unconfirmed=unconfirmed)
    stream = sys.stderr

    with batch_lock(year_dir) as lock_fd:
        # Leftovers of an interrupted batch: unfinished letters, never in place.
        shutil.rmtree(year_dir / TMP_DIR, ignore_errors=True)
        (year_dir / TMP_DIR).mkdir()
        selected = _select_councils(year, councils)
        from .register import councils_for_year

        slugs = council_slugs(councils_for_year(year))
        data_path = _resolve_data_dir(data_dir)
        # What is unchanged is decided from the files' hashes, before anything is loaded.
        data_fingerprint = fingerprint_data(data_path)
        stats_path = _statistics_path(year_dir, data_fingerprint)
        base_fingerprint = {
            "data": data_fingerprint,
            "notebook": sha256_file(notebook),
            "parameters": sha256_file(params_path) if params_path.is_file() else None,
            "package_version": __version__,
            "formats": list(formats),
        }
        manifest = Manifest.load(year_dir, year)
        manifest.package_version = __version__
        generated_at = generated_at or _now_iso()
        tasks: list[dict[str, Any]] = []
        report = (
            _report_task(year_dir, year, data_path, stats_path, generated_at, manifest, base_fingerprint, force, formats, timeout)
            if reports else None
        )
        if report is not None:
            tasks.append(report)  # first: the longest task, overlapped with the letters
        for row in selected.itertuples():
            code = str(row.authority_code)
            fingerprint = {**base_fingerprint, "council": code}
            if not force and manifest.is_up_to_date(code, fingerprint, year_dir):
                result.skipped += 1
                continue
            tasks.append(
                _task(
                    "letter", notebook, year_dir, formats, timeout, fingerprint,
                    authority_code=code,
                    authority_name=str(row.authority_name),
                    authority_type=str(row.authority_type),
                    slug=slugs[code],
                    year=year,
                    parameters={
                        "council": code,
                        "year": year,
                        "data_dir": str(data_path),
                        "params_file": str(params_path) if params_path.is_file() else "",
                        "stats_file": str(stats_path),
                        "generated_at": generated_at,
                    },
                )
            )
        bar = ProgressBar(len(selected), stream, enabled=progress, label=f"letters {year}")
        bar.update(0, 0, result.skipped)

        def on_result(task: dict[str, Any], letter: dict[str, Any]) -> None:
            if task.get("kind") == NATIONAL_REVIEW:
                manifest.reports[NATIONAL_REVIEW] = {
                    **{k: v for k, v in letter.items() if k not in ("authority_code", "worker_pid")},
                    "fingerprint": task["fingerprint"],
                    "generated_at": generated_at,
                }
                if letter["status"] != STATUS_DONE:
                    result.failed += 1
                    result.failures.append(("national review", str(letter["error"])))
                manifest.save(year_dir)
                return
            entry = {
                **letter,
                "authority_name": task["authority_name"],
                "authority_type": task["authority_type"],
                "slug": task["slug"],
                "year": year,
                "generated_at": generated_at,
                "fingerprint": task["fingerprint"],
            }
            entry.pop("worker_pid", None)
            manifest.letters[task["authority_code"]] = entry
            manifest.updated_at = _now_iso()
            manifest.save(year_dir)
            if letter["status"] == STATUS_DONE:
                result.done += 1
            else:
                result.failed += 1
                result.failures.append((task["authority_name"], str(letter["error"])))
            bar.update(result.done, result.failed, result.skipped)

        previous_sigterm = None
        pool = None
        statistics = None
        graceful = False
        try:
            if _in_main_thread():
                previous_sigterm = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
            if tasks:
                # Workers start their kernels now, while this process loads the data.
                pool_size = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
                pool = _Pool(pool_size, lock_fd, year_dir / ".logs")
            statistics = _statistics_cache(stats_path, data_path)
            if year not in set(int(y) for y in statistics.councils["year"].unique()):
                raise BatchError(f"the data in {data_path} has no cases for the year ending March {year}; check --data and --year")
            if reports:
                pack = write_statistics_pack(statistics, year, year_dir)
                manifest.reports["statistics_pack"] = {
                    "status": STATUS_DONE, "outputs": {path.suffix.lstrip("."): path.name for path in pack},
                }
            if pool is not None:
                _run_tasks(tasks, pool, year_dir, float(timeout), on_result)
            graceful = True
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            if pool is not None:
                pool.shutdown(graceful)
            if previous_sigterm is not None:
                signal.signal(signal.SIGTERM, previous_sigterm)
        manifest.updated_at = manifest.updated_at or _now_iso()
        result.manifest_path = manifest.save(year_dir)
        if statistics is not None:
            year_councils = statistics.councils[statistics.councils["year"] == year]
            result.index_path = write_index(year_dir, year, year_councils, manifest, statistics.is_sample, unconfirmed)
        bar.update(result.done, result.failed, result.skipped, final=True)
        shutil.rmtree(year_dir / TMP_DIR, ignore_errors=True)

    result.elapsed_seconds = round(time.monotonic() - started, 2)
    if result.interrupted:
        result.exit_code = EXIT_INTERRUPTED
    elif result.failed:
        result.exit_code = EXIT_LETTERS_FAILED
    if progress:
        stream.write(summary(result) + "\n")
        stream.flush()
    return result


def _unconfirmed(year: int, params_path: Path, final: bool) -> tuple[str, ...]:
    """The year's unconfirmed facts; with ``final``, a year that has any is refused (BatchError)."""
    from .yearparams import YearParametersError, draft_mark, unconfirmed_facts

    try:
        facts = unconfirmed_facts(year, params_path)
    except YearParametersError as error:
        raise BatchError(str(error)) from None
    if final and facts:
        raise BatchError(
            f"--final: {params_path} lists facts of {year} that are not confirmed ({', '.join(facts)}); "
            f"confirm them and remove them from its 'unconfirmed' list, or leave out --final to make DRAFT letters "
            f"({draft_mark(facts)})"
        )
    return facts


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _sigterm_as_interrupt(signum, frame) -> None:  # noqa: ARG001
    raise KeyboardInterrupt


def summary(result: BatchResult) -> str:
    """The closing lines of a batch: counts, failures with their errors, where the outputs are."""
    lines = [
        f"{result.year}: {result.done} letter(s) written, {result.skipped} unchanged (skipped), "
        f"{result.failed} failed in {result.elapsed_seconds:.1f} s."
    ]
    if result.interrupted:
        lines.append("Interrupted: finished letters are kept; run the same command again to resume.")
    for name, error in result.failures:
        lines.append(f"  FAILED {name}: {error}")
    if result.failures:
        lines.append("  Logs and partial notebooks are in the 'failed' folder beside the manifest.")
    if result.manifest_path:
        lines.append(f"Manifest: {result.manifest_path}")
    if result.index_path:
        lines.append(f"Index: {result.index_path}")
    if result.unconfirmed:
        from .yearparams import draft_mark

        lines.append(
            f"Drafts: every {result.year} letter and report written carries \"{draft_mark(result.unconfirmed)}\" "
            f"on each page (unconfirmed in the year's parameters: {', '.join(result.unconfirmed)}); "
            "`lgsco-report letters --final` refuses the year until they are confirmed."
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``lgsco-report letters``."""
    parser.add_argument("--year", required=True, help="year ending March, e.g. 2020 or 2019-20")
    parser.add_argument("--council", action="append", metavar="NAME", help="a council (name or code); repeat for several; default: every council of the year")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR", help="folder with the case tables (default: the sample data)")
    parser.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR", help="output folder (default: outputs)")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: number of cores)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: ipynb,html,pdf,docx (default: ipynb,html,pdf)")
    parser.add_argument("--force", action="store_true", help="rewrite letters even when their inputs are unchanged")
    parser.add_argument("--timeout", type=float, default=300, metavar="S", help="seconds allowed per letter (default: 300)")
    parser.add_argument("--no-reports", action="store_true", help="letters only: skip the national review and the statistics pack")
    parser.add_argument("--final", action="store_true", help="refuse a year whose parameters list unconfirmed facts (no DRAFT letters)")
    parser.add_argument("--notebook", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or summary on stderr")


def main(args: argparse.Namespace) -> int:
    """Run ``lgsco-report letters``; return the exit code (0 ok, 1 letters failed, 2 refused, 130 interrupted)."""
    from .cases import CaseDataError

    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_batch(
            year=args.year,
            councils=args.council,
            data_dir=args.data,
            out_dir=args.out,
            workers=args.workers,
            formats=tuple(args.formats.split(",")),
            force=args.force,
            timeout=args.timeout,
            progress=not getattr(args, "no_progress", False),
            notebook=getattr(args, "notebook", None),
            reports=not getattr(args, "no_reports", False),
            final=getattr(args, "final", False),
        )
    except (BatchError, CaseDataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return result.exit_code


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="python -m lgsco_report.batch", description="Write every council's letter for a year.")
    add_arguments(_parser)
    sys.exit(main(_parser.parse_args()))
