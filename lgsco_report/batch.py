"""Every council's letter for a year: papermill on warm kernels, manifest, lock, resume.

``run_batch`` writes ``<out>/<year>/<council-slug>/`` (``letter.ipynb``,
``letter.html``, ``letter.pdf``, ``letter.log``) for each council, then
``manifest.json``/``.csv`` and ``index.html``. Design choices, and why:

- Everything is checked before a worker starts (councils, year, parameters
  file, office template, addressees, data): a mistake is one message.
- Statistics are computed once per batch in the parent and cached as JSON
  (``Statistics.save``; no pickle: the output folder is not trusted) that every
  letter reads through ``stats_file``. A cache that does not validate is recomputed.
- Worker processes (forked, one warm kernel each, see ``kernel_pool``) take one
  letter at a time from the parent over a pipe; only the parent writes the
  manifest, atomically, after every letter, so a killed batch resumes.
- A letter is built in ``<year>/.tmp/`` and moved into place whole; a failed
  letter goes to ``<year>/failed/<slug>/`` with its log, its error and the
  notebook executed up to the failure, its previous letter (if any) is removed
  so nothing out of date looks current, and the batch goes on.
- A letter is skipped when its fingerprint matches the manifest and its files
  exist. The fingerprint covers every file that shapes it: the data files, the
  notebook, the year's parameters file, the office template it names (and the
  other ``*.j2`` beside it), the addressees file, every file of the installed
  package (Python source, letter and exporter templates, CSS, register data),
  the versions of Python and the rendering libraries, and the formats.
- The year folder is the program's only if it holds our ``manifest.json``; a
  non-empty folder without one is refused unless ``--force``. Only files the
  program writes (``letter.*``, ``error.txt``, its own temporary folders) are ever
  replaced or removed: other files in a council's folder survive.
- A full disk stops the batch (exit code 4) with the manifest and index true
  to what is on disk; a kernel that cannot start stops it once (exit code 3)
  with the kernel's own error.
- ``<year>/.lock`` (``fcntl.flock``, non-blocking) keeps two batches apart.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as _dt
import errno
import fcntl
import hashlib
import importlib.metadata
import multiprocessing
import multiprocessing.connection
import os
import re
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
    MANIFEST_JSON,
    STATUS_DONE,
    STATUS_FAILED,
    STATUS_OUT_OF_DATE,
    Manifest,
    entry_is_up_to_date,
    fingerprint_digest,
    safe_child,
    sha256_file,
    slugify,
)
from .errors import LgscoReportError

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
EXIT_KERNEL_FAILED = 3
EXIT_DISK_FULL = 4
EXIT_INTERRUPTED = 130

#: Every file name the program writes into a letter's folder (and may therefore replace or remove).
OUR_LETTER_FILES = frozenset({*LETTER_FILES.values(), LOG_FILE, ERROR_FILE})
#: Names of the program's own folders inside ``.tmp`` (``<slug>.<kind>.<pid>.<ns>``; older runs: ``<slug>.<pid>``).
_OUR_TMP_NAME = re.compile(r"[a-z0-9_-]+(\.(work|lost|old))?(\.[0-9]+)+")
#: The installed package: every file in it shapes a letter (code, templates, CSS, register data).
PACKAGE_DIR = Path(__file__).resolve().parent
#: Distributions whose version changes how a letter is computed or rendered.
RENDERING_LIBRARIES = ("pandas", "numpy", "matplotlib", "jinja2", "nbconvert", "nbformat", "papermill", "weasyprint", "pydyf", "fonttools")
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class BatchError(LgscoReportError, ValueError):
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
    #: Why the batch stopped early (disk full, kernel cannot start), one line; None otherwise.
    stopped: str | None = None
    #: The year's unconfirmed facts (its parameters file's 'unconfirmed' list): the letters are DRAFTs.
    unconfirmed: tuple[str, ...] = ()


class _StopBatch(Exception):
    """Raised in the parent when no further letter can be written; carries the exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _is_disk_full(error: BaseException | None) -> bool:
    """Whether ``error`` (or an error it was raised from) is "no space left" / "quota exceeded"."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _disk_full_message(where: Path | str) -> str:
    return (
        f"the disk is full (no space left writing in {where}); free some space and run the same command "
        "again to resume: finished letters are kept"
    )


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


def package_digest(root: Path | None = None) -> str:
    """SHA-256 over every file of the package (names and contents), ``__pycache__`` left out.

    Why the whole package: the letter is shaped by its Python code (statistics,
    wording, charts), its templates (letter, exporters) and CSS and the register
    data; hashing all of them is cheap (a few ms) and cannot miss a new file.
    """
    root = Path(root or PACKAGE_DIR)
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0" + sha256_file(path).encode("ascii"))
    return digest.hexdigest()


def runtime_versions() -> dict[str, str | None]:
    """Python's version and those of the libraries that compute and render a letter."""
    versions: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in RENDERING_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _office_template_digest(template: Path | None) -> str | None:
    """Digest of an office's letter template and the other ``*.j2`` beside it (it may include them)."""
    if template is None:
        return None
    files = sorted({template, *template.parent.glob("*.j2")})
    return fingerprint_digest({path.name: sha256_file(path) for path in files if path.is_file()})


def _check_parameters(year: int, params_path: Path) -> Path | None:
    """Load the year's parameters file (one clear error if wrong); return the office template it names, if any."""
    from .yearparams import load_year_parameters

    if not params_path.is_file():
        raise BatchError(f"parameters file {params_path} not found; every year needs parameters/<year>.yaml (copy the previous year's)")
    try:
        params = load_year_parameters(year, params_path)
    except (ValueError, OSError) as error:
        raise BatchError(str(error)) from error
    name = getattr(params, "letter_template", None)
    if not name:
        return None
    template = (params_path.parent / name).resolve()
    if not template.is_file():
        raise BatchError(f"{params_path}: letter_template {name!r} not found (looked for {template})")
    return template


def _addressees_file(year: int, params_path: Path, overrides: Path | None) -> Path | None:
    """The addressees CSV the letters use: ``overrides``, else ``addressees.csv`` beside the parameters file,
    else the project's ``parameters/addressees.csv``; checked here so a mistake stops the batch before it starts."""
    from .register import councils_for_year
    from .yearparams import project_root

    if overrides is not None:
        path = Path(overrides)
        if not path.is_file():
            raise BatchError(f"addressees file {path} not found")
    else:
        candidates = [params_path.parent / "addressees.csv", project_root() / "parameters" / "addressees.csv"]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            return None
    try:
        councils_for_year(year, overrides=path)
    except (ValueError, OSError) as error:
        raise BatchError(str(error)) from error
    return path.resolve()


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


def _tmp_folder(year_dir: Path, stem: str, kind: str = "work") -> Path:
    """A new private working folder ``<year>/.tmp/<stem>.<kind>.<pid>.<ns>`` (a name the clean-up recognises)."""
    path = year_dir / TMP_DIR / f"{stem}.{kind}.{os.getpid()}.{time.monotonic_ns()}"
    path.mkdir(parents=True)
    return path


def _clean_tmp(year_dir: Path) -> None:
    """Remove what earlier batches left in ``.tmp`` (only folders named as ours); ``.tmp`` itself if then empty."""
    tmp = year_dir / TMP_DIR
    if not tmp.is_dir():
        return
    for entry in tmp.iterdir():
        if entry.is_dir() and not entry.is_symlink() and _OUR_TMP_NAME.fullmatch(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
    with contextlib.suppress(OSError):
        tmp.rmdir()


def _remove_our_files(folder: Path) -> None:
    """Delete the program's files from a letter folder, and the folder if nothing else is in it."""
    if not folder.is_dir():
        return
    for name in OUR_LETTER_FILES:
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


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


def _move_into_place(tmp: Path, final: Path, year_dir: Path) -> None:
    """Put a finished letter folder at ``final``, keeping any file there that the program did not write.

    A folder holding only our files is swapped whole (renamed aside, then
    deleted); otherwise our files are replaced one by one, each whole.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.rename(tmp, final)
        return
    if all(entry.name in OUR_LETTER_FILES and entry.is_file() for entry in final.iterdir()):
        old = year_dir / TMP_DIR / f"{final.name}.old.{os.getpid()}.{time.monotonic_ns()}"
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        return
    new_names = {entry.name for entry in tmp.iterdir()}
    for name in sorted(new_names):
        os.replace(tmp / name, final / name)
    for name in OUR_LETTER_FILES - new_names:
        (final / name).unlink(missing_ok=True)
    tmp.rmdir()


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
    the log and ``failed/<slug>/``, the previous letter (if any) is removed and
    the kernel is restarted. A full disk is a failure too, flagged ``disk_full``
    so the parent stops the batch.
    """
    year_dir = Path(task["year_dir"])
    started_at = _now_iso()
    start = time.monotonic()
    timings: dict[str, float] = {}
    tmp: Path | None = None
    failure: BaseException | None = None
    try:
        tmp = _tmp_folder(year_dir, task["slug"])
        failure = _execute_letter(task, kernel, tmp, timings, start, started_at)
    except OSError as error:  # the working folder or the log could not be written
        failure = error
    disk_full = _is_disk_full(failure)
    error = _disk_full_message(year_dir) if disk_full else (_describe_error(failure, float(task["timeout"])) if failure else None)
    try:
        if tmp is None:
            raise failure or OSError("no working folder")
        with _signals_held():  # a stop signal waits until the letter's files are all in place
            outputs = _file_letter(task, tmp, error)
    except OSError as filing_error:
        if not _is_disk_full(filing_error):
            raise
        disk_full, error, outputs = True, _disk_full_message(year_dir), {}
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        _remove_our_files(safe_child(year_dir, task["slug"]))
    return {
        "authority_code": task["authority_code"],
        "status": STATUS_FAILED if error else STATUS_DONE,
        "error": error,
        "started_at": started_at,
        "finished_at": _now_iso(),
        "timings": timings,
        "outputs": outputs,
        "worker_pid": os.getpid(),
        "disk_full": disk_full,
    }


def _execute_letter(task: dict[str, Any], kernel, tmp: Path, timings: dict[str, float], start: float,
                    started_at: str) -> BaseException | None:
    """Run the notebook into ``tmp`` and export it there; return the error that stopped it, if any."""
    import papermill

    from . import exporters
    from .kernel_pool import WARM_ENGINE_NAME

    formats = tuple(task["formats"])
    timeout = float(task["timeout"])
    failure: BaseException | None = None
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
            failure = exc
            with contextlib.suppress(OSError):
                log.write(f"\nFAILED: {_describe_error(exc, timeout)}\n\n{traceback.format_exc()}")
            with contextlib.suppress(Exception):
                kernel.restart()
        timings["total"] = round(time.monotonic() - start, 3)
        with contextlib.suppress(OSError):
            log.write(f"\nfinished {_now_iso()} in {timings['total']:.2f} s: {'failed' if failure else 'done'}\n")
    return failure


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (delivered on leaving) so they cannot split what this block does."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _file_letter(task: dict[str, Any], tmp: Path, error: str | None) -> dict[str, str]:
    """Move a finished letter into place, or a failed one into ``failed/``; return its outputs (relative paths).

    A letter and its failure record never both stand: success removes the old
    failure record, failure removes the old letter (it no longer matches its inputs).
    """
    year_dir = Path(task["year_dir"])
    slug = task["slug"]
    letter_dir = safe_child(year_dir, slug)
    failed_dir = safe_child(year_dir / FAILED_DIR, slug)
    if error is None:
        relative = slug
        final = letter_dir
    else:
        (tmp / ERROR_FILE).write_text(error + "\n", encoding="utf-8")
        relative = f"{FAILED_DIR}/{slug}"
        final = failed_dir
    outputs = {fmt: f"{relative}/{name}" for fmt, name in LETTER_FILES.items() if (tmp / name).exists()}
    outputs["log"] = f"{relative}/{LOG_FILE}"
    if error is not None:
        outputs["error"] = f"{relative}/{ERROR_FILE}"
    _move_into_place(tmp, final, year_dir)
    _remove_our_files(failed_dir if error is None else letter_dir)
    return outputs


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
    """Worker process: one warm kernel, letters received one at a time until ``None``.

    Messages to the parent: ``("kernel", pid)`` before each task, ``("result", fields)``
    after it, and ``("kernel-failed", message)`` when the kernel cannot start
    (then the worker stops: every letter would fail the same way).
    """
    # First, before any import: the parent's handlers (inherited by the fork)
    # must never run here, or a Ctrl-C during an import prints its traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if lock_fd is not None:
        # The inherited copy would keep the batch lock alive after the parent dies.
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    kernel = None
    try:
        _die_with_parent(parent_pid)
        from .kernel_pool import KernelStartError, WarmKernel

        kernel = WarmKernel(stderr_path=Path(kernel_log))
        while True:
            try:
                # Started before the first task arrives (it boots while the parent
                # loads the data), and again whenever it has died since the last letter.
                kernel.ensure_started()
            except KernelStartError as error:
                conn.send(("kernel-failed", str(error)))
                return
            task = conn.recv()
            if task is None:
                break
            try:
                kernel.ensure_started()
            except KernelStartError as error:
                conn.send(("kernel-failed", str(error)))
                return
            conn.send(("kernel", kernel.pid))
            conn.send(("result", _run_task(task, kernel)))
    except (EOFError, BrokenPipeError, ConnectionResetError, SystemExit, KeyboardInterrupt):
        pass
    finally:
        if kernel is not None:
            kernel.shutdown()


def _run_task(task: dict[str, Any], kernel) -> dict[str, Any]:
    """One task's result; an unexpected error becomes that task's failure, never a silent worker exit."""
    run = run_report if task.get("kind") == NATIONAL_REVIEW else run_letter
    try:
        return run(task, kernel)
    except Exception as error:  # noqa: BLE001 - reported as this letter's failure
        disk_full = _is_disk_full(error)
        message = _disk_full_message(task["year_dir"]) if disk_full else f"{type(error).__name__}: {error}"
        return {
            "authority_code": task.get("authority_code"), "status": STATUS_FAILED, "error": message,
            "started_at": _now_iso(), "finished_at": _now_iso(), "timings": {}, "outputs": {},
            "worker_pid": os.getpid(), "disk_full": disk_full,
        }


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
        # Signals stay blocked across the fork until the worker has its own handlers
        # (it unblocks them first thing); one arriving meanwhile waits for the parent.
        with _signals_held():
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
    """Feed ``tasks`` to the pool's workers; call ``on_result(task, result)`` for each one.

    Raises ``_StopBatch`` when a kernel cannot start (the task goes unrecorded:
    it never ran) or a letter found the disk full (after recording it).
    """
    pending = list(reversed(tasks))
    while True:
        for worker in pool.workers:
            if worker.task is None and pending:
                worker.task = pending.pop()
                worker.task_started = time.monotonic()
                with contextlib.suppress(OSError):  # a worker already gone is noticed below
                    worker.conn.send(worker.task)
        if not any(w.task is not None for w in pool.workers):
            break
        # Every worker's pipe, busy or not: a kernel failure can come from an idle one.
        ready = multiprocessing.connection.wait([w.conn for w in pool.workers], timeout=0.5)
        for index, worker in enumerate(pool.workers):
            if worker.conn in ready:
                try:
                    kind, payload = worker.conn.recv()
                except (EOFError, OSError):
                    kind, payload = "died", None
                if kind == "kernel-failed":
                    raise _StopBatch(str(payload), EXIT_KERNEL_FAILED)
                if kind == "kernel":
                    worker.kernel_pid = payload
                    continue
                if kind == "result" and worker.task is not None:
                    task, worker.task = worker.task, None
                    if pending and not payload.get("disk_full"):
                        # The worker starts its next letter while this one is recorded (the manifest's fsyncs).
                        worker.task, worker.task_started = pending.pop(), time.monotonic()
                        with contextlib.suppress(OSError):
                            worker.conn.send(worker.task)
                    on_result(task, payload)
                    if payload.get("disk_full"):
                        raise _StopBatch(str(payload["error"]), EXIT_DISK_FULL)
                    continue
                if worker.task is None:
                    if kind == "died":
                        pool.replace(index)
                    continue
            elif worker.task is None:
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
                worker.process.join(1)
                message = f"worker process died (exit code {worker.process.exitcode}) while writing this letter"
            pool.replace(index)
            on_result(task, _lost_letter_result(task, message))


def _lost_letter_result(task: dict[str, Any], message: str) -> dict[str, Any]:
    """Record a letter whose worker was killed: a failure folder holding the message as its log."""
    year_dir = Path(task["year_dir"])
    failed_dir = year_dir / FAILED_DIR
    failed_dir.mkdir(exist_ok=True)
    tmp = _tmp_folder(year_dir, task["slug"], "lost")
    (tmp / LOG_FILE).write_text(f"letter for {task['authority_name']}: FAILED: {message}\n", encoding="utf-8")
    (tmp / ERROR_FILE).write_text(message + "\n", encoding="utf-8")
    _move_into_place(tmp, safe_child(failed_dir, task["slug"]), year_dir)
    if task.get("kind") != NATIONAL_REVIEW:
        _remove_our_files(safe_child(year_dir, task["slug"]))  # the old letter no longer matches its inputs
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


#: A statistics cache is a few MB; a bigger file in its place is not ours and is not read.
MAX_CACHE_BYTES = 256 << 20


def _statistics_path(year_dir: Path, data_fingerprint: dict[str, str]) -> Path:
    """Where this batch's statistics are cached: keyed on the data files and the package (JSON, never pickle)."""
    key = fingerprint_digest({"data": data_fingerprint, "package": package_digest(), "cache": "json"})
    return year_dir / CACHE_DIR / f"statistics-{key}.json"


def _load_statistics(path: Path, data_path: Path, data_fingerprint: dict[str, str], warn: TextIO):
    """The statistics for this batch: the cache if it validates and matches the data, else computed.

    Returns ``(statistics, needs_saving)``. Nothing in the cache can run code
    (JSON, checked column by column); a cache that fails a check is reported in
    one warning line and recomputed, never trusted.
    """
    from .cases import load_cases
    from .stats import compute_statistics
    from .stats import Statistics

    if path.is_file():
        try:
            if path.stat().st_size > MAX_CACHE_BYTES:
                raise ValueError(f"it is larger than {MAX_CACHE_BYTES >> 20} MiB")
            statistics = Statistics.load(path)
            cached = {source.get("sha256") for source in statistics.sources}
            if cached != set(data_fingerprint.values()):
                raise ValueError("it was computed from other data files")
            return statistics, False
        except (ValueError, OSError) as error:
            warn.write(f"warning: the statistics cache {path} is not usable ({error}); recomputing it from the data\n")
            warn.flush()
    return compute_statistics(load_cases(data_path)), True


def _save_statistics(statistics, path: Path) -> None:
    """Write the cache (ours: ``statistics-*.json`` in ``.cache``) and remove our older caches beside it."""
    path.parent.mkdir(exist_ok=True)
    statistics.save(path)
    for stale in path.parent.glob("statistics-*.json"):
        if stale != path and stale.is_file() and re.fullmatch(r"statistics-[0-9a-f]{16}\.json", stale.name):
            stale.unlink(missing_ok=True)


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
    kernel start and overlaps with them. Never raises: failures are recorded,
    and an old review that could not be remade is removed.
    """
    import papermill

    from . import exporters
    from .kernel_pool import WARM_ENGINE_NAME

    year_dir = Path(task["year_dir"])
    formats = tuple(task["formats"])
    start = time.monotonic()
    started_at = _now_iso()
    failure: BaseException | None = None
    tmp = None
    try:
        tmp = _tmp_folder(year_dir, NATIONAL_REVIEW)
        nb = papermill.execute_notebook(
            str(task["notebook"]), str(tmp / REPORT_FILES["ipynb"]), parameters=task["parameters"],
            engine_name=WARM_ENGINE_NAME, kernel_name=kernel.kernel_name, progress_bar=False,
            warm_kernel=kernel, letter_deadline=start + float(task["timeout"]), kernel_cwd=str(task["kernel_cwd"]),
            request_save_on_cell_execute=False,
        )
        if {"html", "pdf"} & set(formats):
            exporters.export_letter(
                nb,
                tmp / REPORT_FILES["html"] if "html" in formats else None,
                tmp / REPORT_FILES["pdf"] if "pdf" in formats else None,
                kind="report",
            )
        if "docx" in formats:
            _export_docx(nb, tmp / REPORT_FILES["docx"], {})
    except Exception as exc:  # noqa: BLE001 - recorded in the manifest, the batch goes on
        failure = exc
        with contextlib.suppress(Exception):
            kernel.restart()
    disk_full = _is_disk_full(failure)
    error = _disk_full_message(year_dir) if disk_full else (_describe_error(failure, float(task["timeout"])) if failure else None)
    written: dict[str, str] = {}
    with _signals_held():
        for fmt, name in REPORT_FILES.items():
            if error is None and fmt in formats and tmp is not None and (tmp / name).is_file():
                os.replace(tmp / name, year_dir / name)  # each file whole, or not there
                written[fmt] = name
            elif error is not None:
                (year_dir / name).unlink(missing_ok=True)  # an old review must not pass for this one
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "status": STATUS_FAILED if error else STATUS_DONE,
        "error": error,
        "started_at": started_at,
        "finished_at": _now_iso(),
        "timings": {"total": round(time.monotonic() - start, 3)},
        "outputs": written,
        "disk_full": disk_full,
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
    _mark_out_of_date(manifest.reports.get(NATIONAL_REVIEW), fingerprint)
    return _task(
        NATIONAL_REVIEW, notebook, year_dir, formats, timeout, fingerprint,
        slug=NATIONAL_REVIEW, authority_name="national review",
        parameters={"year": year, "data_dir": str(data_path), "stats_file": str(stats_path), "generated_at": generated_at},
    )


def _mark_out_of_date(entry: dict[str, Any] | None, fingerprint: dict[str, Any]) -> None:
    """A letter done from other inputs is out of date until remade: if the batch stops first, the
    manifest and the index say so rather than show it as current."""
    if entry and entry.get("status") == STATUS_DONE and entry.get("fingerprint") != fingerprint:
        entry["status"] = STATUS_OUT_OF_DATE


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


@dataclass
class _Inputs:
    """Everything a batch reads, checked before anything is written or any worker started."""

    year: int
    formats: tuple[str, ...]
    notebook: Path
    selected: Any
    slugs: dict[str, str]
    data_path: Path
    data_fingerprint: dict[str, str]
    params_path: Path
    addressees: Path | None
    base_fingerprint: dict[str, Any]
    letter_fingerprint: dict[str, Any]


def _check_inputs(year, councils, data_dir, formats, timeout, notebook, overrides) -> _Inputs:
    """Check every input of a batch (one ``BatchError`` or ``CaseDataError`` naming what to fix)."""
    from .cases import data_fingerprint as fingerprint_data
    from .definitions import parse_year
    from .register import councils_for_year
    from .yearparams import default_parameters_file

    try:
        year = parse_year(year)
    except ValueError as error:
        raise BatchError(str(error)) from error
    formats = _parse_formats(formats)
    if timeout <= 0:
        raise BatchError(f"timeout must be positive, got {timeout}")
    notebook = Path(notebook) if notebook is not None else default_notebook()
    if not notebook.is_file():
        raise BatchError(f"letter notebook {notebook} not found")
    notebook = notebook.resolve()
    selected = _select_councils(year, councils)
    params_path = default_parameters_file(year)
    template = _check_parameters(year, params_path)
    addressees = _addressees_file(year, params_path, overrides)
    data_path = _resolve_data_dir(data_dir)
    # What is unchanged is decided from the files' hashes, before anything is loaded.
    data_fingerprint = fingerprint_data(data_path)
    base = {
        "data": data_fingerprint,
        "parameters": sha256_file(params_path),
        "package_version": __version__,
        "package_source": package_digest(),
        "runtime": runtime_versions(),
        "formats": list(formats),
    }
    letter = {
        **base,
        "notebook": sha256_file(notebook),
        "addressees": sha256_file(addressees) if addressees else None,
        "letter_template": _office_template_digest(template),
    }
    return _Inputs(year, formats, notebook, selected, council_slugs(councils_for_year(year)), data_path,
                   data_fingerprint, params_path, addressees, base, letter)


def _letter_tasks(inputs: _Inputs, year_dir: Path, manifest: Manifest, force: bool, timeout: float,
                  stats_path: Path, generated_at: str, result: BatchResult) -> list[dict[str, Any]]:
    """A task for every selected letter that is not up to date (those are counted as skipped)."""
    tasks = []
    for row in inputs.selected.itertuples():
        code = str(row.authority_code)
        fingerprint = {**inputs.letter_fingerprint, "council": code}
        if not force and manifest.is_up_to_date(code, fingerprint, year_dir):
            result.skipped += 1
            continue
        _mark_out_of_date(manifest.letters.get(code), fingerprint)
        tasks.append(
            _task(
                "letter", inputs.notebook, year_dir, inputs.formats, timeout, fingerprint,
                authority_code=code,
                authority_name=str(row.authority_name),
                authority_type=str(row.authority_type),
                slug=inputs.slugs[code],
                year=inputs.year,
                parameters={
                    "council": code,
                    "year": inputs.year,
                    "data_dir": str(inputs.data_path),
                    "params_file": str(inputs.params_path),
                    "stats_file": str(stats_path),
                    "overrides_file": str(inputs.addressees or ""),
                    "generated_at": generated_at,
                },
            )
        )
    return tasks


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
    overrides: Path | None = None,
    final: bool = False,
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
    written) a year whose parameters list unconfirmed facts.
    """
    started = time.monotonic()
    inputs = _check_inputs(year, councils, data_dir, formats, timeout, notebook, overrides)
    year = inputs.year
    unconfirmed = _unconfirmed(year, inputs.params_path, final)
    out_dir = Path(out_dir)
    year_dir = safe_child(out_dir, str(year))
    stats_path = _statistics_path(year_dir, inputs.data_fingerprint)
    # The data is loaded (and so validated) before anything is written or started.
    statistics, stats_unsaved = _load_statistics(stats_path, inputs.data_path, inputs.data_fingerprint, sys.stderr)
    if year not in statistics.years:
        raise BatchError(f"the data in {inputs.data_path} has no cases for the year ending March {year}; check --data and --year")
    out_dir.mkdir(parents=True, exist_ok=True)
    year_dir.mkdir(exist_ok=True)
    result = BatchResult(year=year, unconfirmed=unconfirmed)
    with batch_lock(year_dir) as lock_fd:
        claim_year_folder(year_dir, force)
        manifest = Manifest.load(year_dir, year)
        try:
            _run_locked(inputs, year_dir, manifest, statistics, stats_unsaved, stats_path, lock_fd, result,
                        workers=workers, force=force, timeout=timeout, progress=progress,
                        generated_at=generated_at or _now_iso(), reports=reports)
        except _StopBatch as stop:
            result.stopped, result.exit_code = str(stop), stop.exit_code
    result.elapsed_seconds = round(time.monotonic() - started, 2)
    if result.stopped:
        pass  # its own exit code, set where it stopped
    elif result.interrupted:
        result.exit_code = EXIT_INTERRUPTED
    elif result.failed:
        result.exit_code = EXIT_LETTERS_FAILED
    if progress or result.stopped:
        sys.stderr.write(summary(result) + "\n")
        sys.stderr.flush()
    return result


def _run_locked(inputs: _Inputs, year_dir: Path, manifest: Manifest, statistics, stats_unsaved: bool,
                stats_path: Path, lock_fd: int, result: BatchResult, *, workers, force, timeout, progress,
                generated_at: str, reports: bool) -> None:
    """The batch proper, inside the lock: tasks, workers, manifest after every letter, index at the end."""
    from .index_page import write_index
    from .statistics_pack import write_statistics_pack

    year = inputs.year
    stream = sys.stderr
    manifest.package_version = __version__
    bar = ProgressBar(len(inputs.selected), stream, enabled=progress, label=f"letters {year}")
    pool = None
    graceful = False
    previous_sigterm = None
    try:
        manifest.save(year_dir)  # from now on the folder is recognisably ours
        _clean_tmp(year_dir)  # leftovers of an interrupted batch: unfinished letters, never in place
        if stats_unsaved:
            _save_statistics(statistics, stats_path)
        tasks = _letter_tasks(inputs, year_dir, manifest, force, timeout, stats_path, generated_at, result)
        if reports:
            report = _report_task(year_dir, year, inputs.data_path, stats_path, generated_at, manifest,
                                  inputs.base_fingerprint, force, inputs.formats, timeout)
            if report is not None:
                tasks.insert(0, report)  # first: the longest task, overlapped with the letters
        manifest.save(year_dir)  # with the letters about to be remade marked out of date
        bar.update(0, 0, result.skipped)
        on_result = _result_recorder(manifest, year_dir, year, generated_at, result, bar)
        if _in_main_thread():
            previous_sigterm = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
        if tasks:
            pool = _Pool(max(1, min(workers or os.cpu_count() or 1, len(tasks))), lock_fd, year_dir / ".logs")
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
    except OSError as error:
        if not _is_disk_full(error):
            raise
        result.stopped, result.exit_code = _disk_full_message(year_dir), EXIT_DISK_FULL
    except _StopBatch as stop:
        result.stopped, result.exit_code = str(stop), stop.exit_code
    finally:
        if pool is not None:
            pool.shutdown(graceful)
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)
        _clean_tmp(year_dir)
    _finish(year_dir, year, manifest, statistics, result, write_index)
    bar.update(result.done, result.failed, result.skipped, final=True)


def _finish(year_dir: Path, year: int, manifest: Manifest, statistics, result: BatchResult, write_index) -> None:
    """Save the manifest and rebuild the index; on a full disk, leave no index that disagrees with the manifest."""
    try:
        manifest.updated_at = manifest.updated_at or _now_iso()
        result.manifest_path = manifest.save(year_dir)
        year_councils = statistics.councils[statistics.councils["year"] == year]
        result.index_path = write_index(year_dir, year, year_councils, manifest, statistics.is_sample, result.unconfirmed)
    except OSError as error:
        if not _is_disk_full(error):
            raise
        result.stopped, result.exit_code = _disk_full_message(year_dir), EXIT_DISK_FULL
        if result.manifest_path is None:
            return  # the manifest on disk is the last one saved, which still matches the letters it lists
        from .index_page import INDEX_FILE

        (year_dir / INDEX_FILE).unlink(missing_ok=True)
        result.index_path = None


def _result_recorder(manifest: Manifest, year_dir: Path, year: int, generated_at: str, result: BatchResult, bar):
    """The callback that records one finished task in the manifest (saved at once) and the counts."""

    def on_result(task: dict[str, Any], letter: dict[str, Any]) -> None:
        letter = {k: v for k, v in letter.items() if k not in ("worker_pid", "disk_full")}
        if task.get("kind") == NATIONAL_REVIEW:
            manifest.reports[NATIONAL_REVIEW] = {
                **{k: v for k, v in letter.items() if k != "authority_code"},
                "fingerprint": task["fingerprint"],
                "generated_at": generated_at,
            }
            if letter["status"] != STATUS_DONE:
                result.failed += 1
                result.failures.append(("national review", str(letter["error"])))
            manifest.save(year_dir)
            return
        manifest.letters[task["authority_code"]] = {
            **letter,
            "authority_name": task["authority_name"],
            "authority_type": task["authority_type"],
            "slug": task["slug"],
            "year": year,
            "generated_at": generated_at,
            "fingerprint": task["fingerprint"],
        }
        manifest.updated_at = _now_iso()
        manifest.save(year_dir)
        if letter["status"] == STATUS_DONE:
            result.done += 1
        else:
            result.failed += 1
            result.failures.append((task["authority_name"], str(letter["error"])))
        bar.update(result.done, result.failed, result.skipped)

    return on_result


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
    if result.stopped:
        lines.append(f"Stopped: {result.stopped}")
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
    parser.add_argument("--overrides", type=Path, default=None, metavar="FILE", help="addressees CSV (default: addressees.csv beside the year's parameters file)")
    parser.add_argument("--no-reports", action="store_true", help="letters only: skip the national review and the statistics pack")
    parser.add_argument("--final", action="store_true", help="refuse a year whose parameters list unconfirmed facts (no DRAFT letters)")
    parser.add_argument("--notebook", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or summary on stderr")


def main(args: argparse.Namespace) -> int:
    """Run ``lgsco-report letters``; return the exit code.

    0 ok, 1 some letters failed, 2 refused (bad input, folder not ours, another
    batch running), 3 the kernel cannot start, 4 disk full, 130 interrupted.
    """
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
            overrides=getattr(args, "overrides", None),
            final=getattr(args, "final", False),
        )
    except (BatchError, CaseDataError, ValueError) as error:  # ValueError: e.g. an unreadable manifest
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        if not _is_disk_full(error):
            raise
        print(f"error: {_disk_full_message(args.out)}", file=sys.stderr)
        return EXIT_DISK_FULL
    return result.exit_code


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="python -m lgsco_report.batch", description="Write every council's letter for a year.")
    add_arguments(_parser)
    sys.exit(main(_parser.parse_args()))
