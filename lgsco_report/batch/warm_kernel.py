"""A warm Jupyter kernel per batch worker, and the papermill engine that uses it.

Why: starting a kernel costs about 1.1 s of the 1.4 s a letter takes through
papermill's API. A worker process therefore keeps one kernel alive and runs
every letter it is given on it. Letters stay isolated because before each one
the engine puts back the state the kernel had right after start-up (a snapshot
taken then): the user namespace (``%reset -f`` with a new history session);
builtins; ``os.environ`` (and the time zone); ``sys.path``, ``sys.meta_path``
and the recursion limit; warnings filters; numpy's and Python's global random
states, numpy's error and print options; the decimal context; the umask; pandas
options; matplotlib figures and rcParams; module attributes of our package and
of the libraries letters use (pandas, numpy, matplotlib, jinja2, json, os and
other standard modules: rebound or added names go back); the working directory
and the execution counter. Resetting, not restarting, keeps the warm kernel's
speed for every notebook, including an office's own.

Not reset (documented limits, none of which the letter notebook touches):
attributes of classes (``pd.DataFrame.x = ...``), objects mutated in place
inside a library, C-level state, threads or files a letter leaves open, and
modules first imported by a letter (they stay imported). After a failure or a
timeout the kernel is restarted, never reused as it is; a kernel that died
between letters is noticed (its liveness is checked while waiting for every
reply) and replaced before the next letter.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# jsonschema (papermill -> nbformat) imports the optional rfc3987_syntax when installed, which
# builds an IRI grammar on import: 1 s of CPU in every batch worker, for a string format that
# nbformat's schema never uses. Without it jsonschema just has no IRI check.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from ..errors import KernelDiedError, KernelResetError, KernelStartError

#: Name the engine is registered under in papermill's engine registry.
WARM_ENGINE_NAME = "lgsco-warm-kernel"
KERNEL_NAME = "python3"

# The kernel-side half of the reset: a snapshot of the process-wide state right
# after start-up, and its restoration before every letter. Kept in a module
# object (``_lgsco_warm_state``) that ``%reset`` does not touch.
_STATE_SOURCE = r"""
import builtins, decimal, os, random, sys, time, types, warnings

import matplotlib
import numpy
import pandas

#: Packages whose module attributes a letter could rebind (ours, and the libraries letters use).
GUARDED = ("lgsco_report", "pandas", "numpy", "matplotlib", "jinja2", "markupsafe", "json", "decimal",
           "datetime", "math", "random", "re", "html", "os", "time", "warnings", "functools", "itertools")
_MISSING = object()


def _guarded(name):
    return any(name == p or name.startswith(p + ".") for p in GUARDED)


def _module_dicts():
    return {name: dict(vars(module)) for name, module in list(sys.modules.items())
            if module is not None and _guarded(name)}


def take():
    global snapshot
    umask = os.umask(0)
    os.umask(umask)
    snapshot = types.SimpleNamespace(
        builtins=dict(vars(builtins)), environ=dict(os.environ), path=list(sys.path), meta_path=list(sys.meta_path),
        recursion_limit=sys.getrecursionlimit(), warnings_filters=list(warnings.filters),
        showwarning=warnings.showwarning, numpy_random=numpy.random.get_state(), numpy_err=numpy.geterr(),
        numpy_print=numpy.get_printoptions(), python_random=random.getstate(), decimal=decimal.getcontext().copy(),
        rc=matplotlib.rcParams.copy(), umask=umask, modules=_module_dicts(),
    )


def _restore_dict(current, saved, keep_added_modules):
    for key in [k for k in current if k not in saved]:
        if not (keep_added_modules and isinstance(current[key], types.ModuleType)):
            del current[key]
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value:
            current[key] = value


def restore(cwd):
    s = snapshot
    # Builtins and module attributes first: what follows calls library functions a letter may have replaced.
    _restore_dict(vars(builtins), s.builtins, keep_added_modules=False)
    for name, saved in s.modules.items():
        module = sys.modules.get(name)
        if module is not None:
            _restore_dict(vars(module), saved, keep_added_modules=True)
    os.chdir(cwd)
    if dict(os.environ) != s.environ:
        os.environ.clear()
        os.environ.update(s.environ)
        time.tzset()
    sys.path[:] = s.path
    sys.meta_path[:] = s.meta_path
    sys.setrecursionlimit(s.recursion_limit)
    warnings.filters[:] = s.warnings_filters
    warnings._filters_mutated()
    warnings.showwarning = s.showwarning
    numpy.random.set_state(s.numpy_random)
    numpy.seterr(**s.numpy_err)
    numpy.set_printoptions(**s.numpy_print)
    random.setstate(s.python_random)
    decimal.setcontext(s.decimal.copy())
    os.umask(s.umask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandas.reset_option("all")
    import matplotlib.pyplot as plt
    plt.close("all")
    matplotlib.rcParams.clear()
    matplotlib.rcParams.update(s.rc)
"""

# Runs once after the kernel starts: import pyplot and draw nothing, so the inline
# backend is set up; warm the imports every letter needs; then take the snapshot.
_INIT_CODE = """
import sys as _sys, types as _types
import matplotlib.pyplot as _plt
_plt.close(_plt.figure())
try:  # warm the imports every letter needs, while the batch is still loading its data
    import lgsco_report.letter, lgsco_report.national  # noqa: F401
except ImportError:
    pass
_state = _types.ModuleType("_lgsco_warm_state")
_sys.modules["_lgsco_warm_state"] = _state
exec(compile({source!r}, "<lgsco warm state>", "exec"), vars(_state))
_state.take()
# What start-up made (modules, the snapshot) lives as long as the kernel: out of every
# collection, so the full one IPython's reset runs before each letter scans only a letter's objects.
__import__("gc").freeze()
del _sys, _types, _plt, _state
"""

# Runs before every letter (silently, outside the history).
_RESET_TEMPLATE = """
import sys as _sys
_sys.modules["_lgsco_warm_state"].restore({cwd!r})
del _sys
# As %reset -f, but also a new history session, so counting from 1 again is no clash.
get_ipython().reset(new_session=True)
get_ipython().execution_count = 1
"""


#: jupyter_client picks free ports, then the kernel binds them a moment later: another process
#: starting a kernel at the same time can take one in between ("Address already in use"). New
#: ports are picked on each start, so such a start is tried again; any other failure is reported.
PORT_CLASH = "Address already in use"
PORT_CLASH_ATTEMPTS = 3


class WarmKernel:
    """One long-lived kernel (started lazily) that letters run on, one after another."""

    #: Seconds between checks that the kernel is still alive while waiting for a reply.
    POLL_SECONDS = 0.5

    def __init__(self, kernel_name: str = KERNEL_NAME, startup_timeout: float = 60, stderr_path: Path | None = None) -> None:
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        # The kernel's own stderr (start-up warnings, crashes) goes to a file, not the progress bar.
        self.stderr_path = stderr_path
        self.km: AsyncKernelManager | None = None
        self._client = None
        self.letters_run = 0

    @property
    def pid(self) -> int | None:
        """Process id of the kernel, if it is running (the batch's parent kills it on a hang)."""
        provisioner = getattr(self.km, "provisioner", None) if self.km else None
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def is_alive(self) -> bool:
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def ensure_started(self) -> None:
        """Start the kernel and run the init code, unless it is running.

        A kernel that died since the last letter is thrown away with its client
        (whose channels point at the dead process) and a new one started. Raises
        ``KernelStartError`` with the kernel's own stderr when it cannot start.
        """
        if self.is_alive():
            return
        self.shutdown()
        for attempt in range(PORT_CLASH_ATTEMPTS):
            stderr_start = self._stderr_size()
            try:
                self._start()
                self._run_silently(_INIT_CODE.format(source=_STATE_SOURCE))
                return
            except Exception as error:  # noqa: BLE001 - whatever stops a start-up is reported with the kernel's words
                self.shutdown()
                message = self._start_failure(error, stderr_start)
                if PORT_CLASH not in message or attempt == PORT_CLASH_ATTEMPTS - 1:
                    raise KernelStartError(message) from error

    def _start(self) -> None:
        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        # No input history: letters never read it, and each reset would otherwise
        # open a new history session in SQLite.
        launch: dict[str, Any] = {"stdout": subprocess.DEVNULL, "extra_arguments": ["--HistoryManager.enabled=False"]}
        if self.stderr_path is not None:
            self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.stderr_path, "ab") as stderr_file:
                launch["stderr"] = stderr_file
                run_sync(self.km.start_kernel)(**launch)
        else:
            run_sync(self.km.start_kernel)(**launch)

    def _stderr_size(self) -> int:
        try:
            return self.stderr_path.stat().st_size if self.stderr_path else 0
        except OSError:
            return 0

    def _start_failure(self, error: BaseException, stderr_start: int) -> str:
        """One message: which kernel, what went wrong, and the last lines the kernel wrote to stderr."""
        said = ""
        if self.stderr_path is not None:
            with contextlib.suppress(OSError), open(self.stderr_path, "rb") as handle:
                handle.seek(stderr_start)
                said = _error_lines(handle.read().decode("utf-8", "replace"))
        where = f" (kernel log {self.stderr_path})" if self.stderr_path else ""
        message = f"the Jupyter kernel {self.kernel_name!r} could not start: {type(error).__name__}: {error}"
        if said:
            message += f"; the kernel said: {said}"
        return message + where + ". Check the kernel with: jupyter kernelspec list"

    def restart(self) -> None:
        """Throw the kernel away and start a fresh one (after a failure or timeout)."""
        self.shutdown()
        self.ensure_started()

    def shutdown(self) -> None:
        """Stop the kernel (immediately: nothing in it is worth keeping)."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.stop_channels()
            self._client = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - best effort: the process may already be gone
                pass
            self.km = None

    def reset(self, cwd: Path) -> None:
        """Put the kernel into the state of a fresh start before the next letter.

        A kernel that dies or fails during the reset is restarted once and reset again.
        """
        self.ensure_started()
        code = _RESET_TEMPLATE.format(cwd=str(cwd))
        try:
            self._run_silently(code)
        except (KernelDiedError, KernelResetError, TimeoutError, RuntimeError):
            self.restart()
            self._run_silently(code)

    @property
    def client(self):
        """One client for the kernel's whole life.

        ``wait_for_ready`` flushes IOPub for 0.2 s every time it is called; a new
        client per letter (and another per reset) paid that twice a letter. Replies
        are matched to their request, so a client shared by letters run one after
        another cannot mix their messages up.
        """
        if self._client is None:
            assert self.km is not None
            client = self.km.client()
            client.start_channels()
            try:
                run_sync(client.wait_for_ready)(timeout=self.startup_timeout)
            except BaseException:
                client.stop_channels()
                raise
            self._client = client
        return self._client

    def _run_silently(self, code: str) -> None:
        """Run ``code`` and wait for its reply, checking every half second that the kernel lives."""
        assert self.km is not None
        client = self.client
        msg_id = client.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                reply = run_sync(client.get_shell_msg)(timeout=self.POLL_SECONDS)
            except queue.Empty:
                if not self.is_alive():
                    raise KernelDiedError(f"the kernel {self.kernel_name!r} died") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the kernel did not answer within {self.startup_timeout:g} s") from None
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelResetError(
                f"could not reset the warm kernel: {content.get('ename')}: {content.get('evalue')}"
            )


def _error_lines(stderr: str) -> str:
    """The few lines of a kernel's stderr that say what went wrong (a traceback's frames left out)."""
    lines = [
        line.strip() for line in stderr.splitlines()
        if line.strip() and not line[:1].isspace() and not line.startswith(("Traceback (most recent call last)", "^"))
    ]
    errors = [line for line in lines if "rror" in line or "xception" in line]
    return " | ".join(errors[-2:] or lines[-3:])


class _WarmNotebookClient(PapermillNotebookClient):
    """papermill's client on a kernel and kernel client it does not own: leaves both running."""

    def execute(self, **kwargs: Any):  # type: ignore[override]
        try:
            return super().execute(**kwargs)
        finally:
            self.kc = None  # the warm kernel's client: not ours to stop


class WarmKernelEngine(NBClientEngine):
    """papermill engine running on the ``warm_kernel`` passed through execute_notebook's kwargs.

    ``letter_deadline`` (a ``time.monotonic()`` value) bounds the whole letter:
    each cell gets the time left until it, so a hanging notebook is stopped.
    """

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        warm_kernel: WarmKernel | None = None,
        letter_deadline: float | None = None,
        kernel_cwd: str | None = None,
        **kwargs,
    ):
        if warm_kernel is None:
            raise ValueError(f"the {WARM_ENGINE_NAME} engine needs warm_kernel=WarmKernel()")
        warm_kernel.reset(Path(kernel_cwd or os.getcwd()))
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            kwargs,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        if letter_deadline is not None:
            final_kwargs["timeout_func"] = lambda cell: max(0.5, letter_deadline - time.monotonic())
        elif execution_timeout:
            final_kwargs["timeout"] = execution_timeout
        client = _WarmNotebookClient(nb_man, km=warm_kernel.km, **final_kwargs)
        client.kc = warm_kernel.client
        warm_kernel.letters_run += 1
        return client.execute()


def register_engine() -> None:
    """Add the warm-kernel engine to papermill's registry (idempotent)."""
    papermill_engines.register(WARM_ENGINE_NAME, WarmKernelEngine)


register_engine()

__all__ = ["CellTimeoutError", "KernelDiedError", "KernelResetError", "KernelStartError", "WARM_ENGINE_NAME", "WarmKernel", "WarmKernelEngine", "register_engine"]
