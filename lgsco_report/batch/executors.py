"""Executors: what runs a batch's tasks. The batch hands one its tasks and records what comes back.

An :class:`Executor` is made before the tasks are ready (so kernels can boot
while the data loads), then ``run(tasks)`` yields ``(task, result)`` for each
task as it finishes, and ``close(graceful)`` releases it. Two are provided:

- :class:`PoolExecutor` (the default): forked worker processes, one warm
  kernel each, fed one task at a time over a pipe; a hung or dead worker is
  killed and replaced, its task recorded as failed. Linux and macOS (fork).
- :class:`SerialExecutor`: the tasks one after another in the batch's own
  process, on one warm kernel; no fork, no worker processes, no signal
  juggling. For debugging (a breakpoint in a task stops there), and for
  platforms without fork. A task's timeout is enforced per cell by the
  kernel engine; a task that hangs outside a cell is not killed.

Both call :func:`tasks.run_safely` for every task, so a document is written
the same way whichever runs it. Adding an executor (a cluster, threads):
see docs/adding-an-executor.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import BatchError, KernelStartError, StopBatch
from . import tasks as _tasks
from .layout import EXIT_KERNEL_FAILED, EXIT_TERMINATED, EXPORT_GRACE_SECONDS
from .tasks import NotebookTask, signals_held

POOL = "pool"
SERIAL = "serial"


class Terminated(KeyboardInterrupt):
    """SIGTERM in the batch's own process, raised where Ctrl-C's ``KeyboardInterrupt`` would be.

    Why a ``KeyboardInterrupt``: it must unwind the batch exactly as Ctrl-C does,
    and no ``except Exception`` (a task's failure handling, a best-effort
    clean-up) may take it for a letter's error. It has its own exit code.
    """

    exit_code = EXIT_TERMINATED
    message = "terminated (SIGTERM): finished letters are kept; run the same command again to resume"


def raise_terminated(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    """The batch process's SIGTERM handler (while the executor runs): stop as Ctrl-C does."""
    raise Terminated


class Executor(Protocol):
    """Runs notebook tasks and yields each one's result (manifest fields) as it finishes."""

    def run(self, tasks: list[NotebookTask]) -> Iterator[tuple[NotebookTask, dict[str, Any]]]:
        """Yield ``(task, result)`` for every task, in any order. Raise ``StopBatch`` when no further
        task can run (a kernel that cannot start: the task that never ran goes unrecorded). The
        caller may stop iterating at any time (disk full, Ctrl-C) and then calls ``close``."""
        ...

    def close(self, graceful: bool) -> None:
        """Release workers and kernels; ``graceful`` False (interrupted, stopped): at once."""
        ...


def make_executor(name: str, size: int, lock_fd: int | None, log_dir: Path, timeout: float) -> Executor:
    """The executor called ``name`` (a key of ``EXECUTORS``); ``size`` workers where it has workers."""
    if name not in EXECUTORS:
        raise BatchError(f"unknown executor {name!r}; choose one of: {', '.join(EXECUTORS)}")
    return EXECUTORS[name](size, lock_fd, log_dir, timeout)


# --------------------------------------------------------------------------- serial


class SerialExecutor:
    """Every task in this process, one after another, on one warm kernel (started lazily)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.kernel = None

    def run(self, tasks: list[NotebookTask]) -> Iterator[tuple[NotebookTask, dict[str, Any]]]:
        from .warm_kernel import WarmKernel

        for task in tasks:
            if self.kernel is None:
                self.kernel = WarmKernel(stderr_path=self.log_dir / "kernel-serial.log")
            try:
                self.kernel.ensure_started()
            except KernelStartError as error:
                raise StopBatch(str(error), EXIT_KERNEL_FAILED) from None
            yield task, _tasks.run_safely(task, self.kernel)

    def close(self, graceful: bool) -> None:  # noqa: ARG002 - nothing runs once run() has returned
        if self.kernel is not None:
            self.kernel.shutdown()
            self.kernel = None


# --------------------------------------------------------------------------- pool: the worker side


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM this worker when the batch process dies (even by SIGKILL)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        raise SystemExit(0)


#: The worker's warm kernel, for the stop handler (one worker process, one kernel).
_WORKER_KERNEL: list[Any] = []


def _stop_worker(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    """SIGTERM in a worker (the batch stopping it): end at once, its kernel with it, printing nothing.

    Why not ``raise SystemExit``: the signal can land inside a finalizer or a
    weakref callback (WeakSet's, during a collection), where Python prints
    "Exception ignored in ..." with the traceback and carries on, so the worker
    was neither quiet nor stopped. Nothing of a stopped letter is worth
    finishing: it is built in ``.tmp`` (which the batch clears) and moved into
    place only with these signals held, so a move is never split. The kernel is
    killed by its pid, as the parent kills a hung one.
    """
    for kernel in _WORKER_KERNEL:
        with contextlib.suppress(Exception):
            _kill_pid(kernel.pid)
    os._exit(128 + signum)


def _worker_main(conn, parent_pid: int, lock_fd: int | None, kernel_log: str) -> None:
    """Worker process: one warm kernel, tasks received one at a time until ``None``.

    Messages to the parent: ``("kernel", pid)`` before each task, ``("result", fields)``
    after it, and ``("kernel-failed", message)`` when the kernel cannot start
    (then the worker stops: every task would fail the same way).
    """
    # First, before any import: the parent's handlers (inherited by the fork)
    # must never run here, or a Ctrl-C during an import prints its traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    signal.signal(signal.SIGTERM, _stop_worker)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if lock_fd is not None:
        # The inherited copy would keep the batch lock alive after the parent dies.
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    kernel = None
    try:
        _die_with_parent(parent_pid)
        from .warm_kernel import WarmKernel

        kernel = WarmKernel(stderr_path=Path(kernel_log))
        _WORKER_KERNEL.append(kernel)
        _serve(conn, kernel)
    except (EOFError, BrokenPipeError, ConnectionResetError, SystemExit, KeyboardInterrupt):
        pass
    finally:
        if kernel is not None:
            kernel.shutdown()


def _serve(conn, kernel) -> None:
    """Receive tasks until ``None``; the kernel is (re)started before each, and before the first arrives."""

    served = 0
    while True:
        try:
            # Started before the first task arrives (it boots while the parent
            # loads the data), and again whenever it has died since the last task.
            kernel.ensure_started()
        except KernelStartError as error:
            conn.send(("kernel-failed", str(error)))
            return
        task = conn.recv()
        if task is None:
            return
        try:
            kernel.ensure_started()
        except KernelStartError as error:
            conn.send(("kernel-failed", str(error)))
            return
        conn.send(("kernel", kernel.pid))
        conn.send(("result", _tasks.run_safely(task, kernel)))
        if not served:
            freeze_long_lived()
        served += 1


def freeze_long_lived() -> None:
    """Take what is alive after a worker's first document out of every later garbage collection.

    Why: that is the data forked from the parent, the imported libraries and the
    exporters' fonts, templates and caches, all kept for the worker's life; each
    full collection (about one a letter, set off by WeasyPrint's many objects)
    scanned it again: 0.06 s of a letter's 0.45 s of worker CPU. The first
    document's garbage is collected first, so none of it is kept.
    """
    gc.collect()
    gc.freeze()


# --------------------------------------------------------------------------- pool: the parent side


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: NotebookTask | None = None
    task_started: float = 0.0
    kernel_pid: int | None = None


def _kill_pid(pid: int | None) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


class PoolExecutor:
    """Forked workers fed one task at a time; hung or dead workers are replaced."""

    def __init__(self, size: int, lock_fd: int | None, kernel_log_dir: Path, timeout: float) -> None:
        self.context = multiprocessing.get_context("fork")
        self.lock_fd = lock_fd
        self.kernel_log_dir = kernel_log_dir
        self.timeout = float(timeout)
        self.workers = [self._spawn(index) for index in range(size)]

    def _spawn(self, index: int) -> _Worker:
        parent_conn, child_conn = self.context.Pipe()
        log = str(self.kernel_log_dir / f"kernel-worker-{index}.log")
        process = self.context.Process(
            target=_worker_main, args=(child_conn, os.getpid(), self.lock_fd, log), daemon=True, name=f"lgsco-letter-{index}"
        )
        # Signals stay blocked across the fork until the worker has its own handlers
        # (it unblocks them first thing); one arriving meanwhile waits for the parent.
        with signals_held():
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

    def close(self, graceful: bool) -> None:
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

    def run(self, tasks: list[NotebookTask]) -> Iterator[tuple[NotebookTask, dict[str, Any]]]:
        """Feed ``tasks`` to the workers; yield each finished task with its result.

        Raises ``StopBatch`` when a kernel cannot start (the task goes unrecorded: it never ran).
        """
        pending = list(reversed(tasks))
        while True:
            self._hand_out(pending)
            if not any(w.task is not None for w in self.workers):
                return
            # Every worker's pipe, busy or not: a kernel failure can come from an idle one.
            ready = multiprocessing.connection.wait([w.conn for w in self.workers], timeout=0.5)
            for index, worker in enumerate(self.workers):
                finished = self._receive(index, worker) if worker.conn in ready else self._check_busy(index, worker)
                if finished is not None:
                    if not finished[1].get("disk_full"):
                        # The worker starts its next task while this one is recorded (the manifest's fsyncs).
                        self._hand_out(pending)
                    yield finished

    def _hand_out(self, pending: list[NotebookTask]) -> None:
        for worker in self.workers:
            if worker.task is None and pending:
                worker.task = pending.pop()
                worker.task_started = time.monotonic()
                with contextlib.suppress(OSError):  # a worker already gone is noticed later
                    worker.conn.send(worker.task)

    def _receive(self, index: int, worker: _Worker) -> tuple[NotebookTask, dict[str, Any]] | None:
        """Read one message from a worker whose pipe is ready; a finished task, if that is what came."""
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            kind, payload = "died", None
        if kind == "kernel-failed":
            raise StopBatch(str(payload), EXIT_KERNEL_FAILED)
        if kind == "kernel":
            worker.kernel_pid = payload
            return None
        if kind == "result" and worker.task is not None:
            task, worker.task = worker.task, None
            return task, payload
        if worker.task is None:
            if kind == "died":
                self.replace(index)
            return None
        return self._lost(index, worker, "died")

    def _check_busy(self, index: int, worker: _Worker) -> tuple[NotebookTask, dict[str, Any]] | None:
        """A busy worker that is silent: fine, unless it died or is past the task's time."""
        if worker.task is None:
            return None
        overdue = time.monotonic() - worker.task_started > self.timeout + EXPORT_GRACE_SECONDS
        if worker.process.is_alive() and not overdue:
            return None
        return self._lost(index, worker, "overdue" if overdue else "died")

    def _lost(self, index: int, worker: _Worker, why: str) -> tuple[NotebookTask, dict[str, Any]]:
        """Replace a dead or hung worker; its task is recorded as failed."""
        task, worker.task = worker.task, None
        if why == "overdue":
            message = (f"timed out: the letter did not finish within {self.timeout:g} s "
                       f"(+{EXPORT_GRACE_SECONDS:g} s grace); its worker was stopped")
        else:
            worker.process.join(1)
            message = f"worker process died (exit code {worker.process.exitcode}) while writing this letter"
        self.replace(index)
        return task, _tasks.lost_result(task, message)


#: Executor name -> how to make one from (size, lock_fd, log_dir, timeout). These names are the
#: ``--executor`` choices and ``run_batch(executor=...)``: adding an executor is one class and one row.
EXECUTORS: dict[str, Callable[[int, int | None, Path, float], Executor]] = {
    POOL: lambda size, lock_fd, log_dir, timeout: PoolExecutor(size, lock_fd, log_dir, timeout),
    SERIAL: lambda size, lock_fd, log_dir, timeout: SerialExecutor(log_dir),
}
