"""A warm Jupyter kernel per batch worker, and the papermill engine that uses it.

Why: starting a kernel costs about 1.1 s of the 1.4 s a letter takes through
papermill's API. A worker process therefore keeps one kernel alive and runs
every letter it is given on it. Letters stay isolated because before each one
the engine resets the kernel: user namespace wiped (``%reset -f`` with a new history session), matplotlib
figures closed and its rcParams restored to the state right after start-up,
the execution counter set back to 1, the working directory restored. After a
failure or a timeout the kernel is restarted, never reused as it is.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

#: Name the engine is registered under in papermill's engine registry.
WARM_ENGINE_NAME = "lgsco-warm-kernel"
KERNEL_NAME = "python3"

# Runs once after the kernel starts: import pyplot so the inline backend is set up,
# then keep a copy of rcParams in a module %reset does not touch.
_INIT_CODE = """
import sys as _sys, types as _types
import matplotlib as _mpl
import matplotlib.pyplot as _plt
try:  # warm the imports every letter needs, while the batch is still loading its data
    import lgsco_report.letter, lgsco_report.national  # noqa: F401
except ImportError:
    pass
_state = _types.ModuleType("_lgsco_warm_state")
_state.rc = _mpl.rcParams.copy()
_sys.modules["_lgsco_warm_state"] = _state
del _sys, _types, _mpl, _plt, _state
"""

# Runs before every letter (silently, outside the history).
_RESET_TEMPLATE = """
import os as _os, sys as _sys
_os.chdir({cwd!r})
import matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcParams.clear()
_mpl.rcParams.update(_sys.modules["_lgsco_warm_state"].rc)
# As %reset -f, but also a new history session, so counting from 1 again is no clash.
get_ipython().reset(new_session=True)
get_ipython().execution_count = 1
"""


class KernelResetError(RuntimeError):
    """The kernel could not be put back into a clean state before a letter."""


class WarmKernel:
    """One long-lived kernel (started lazily) that letters run on, one after another."""

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

    def ensure_started(self) -> None:
        """Start the kernel and run the init code, if not already running."""
        if self.km is not None and run_sync(self.km.is_alive)():
            return
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
        self._run_silently(_INIT_CODE)

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
        """Put the kernel into the state of a fresh start before the next letter."""
        self.ensure_started()
        self._run_silently(_RESET_TEMPLATE.format(cwd=str(cwd)))

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
        assert self.km is not None
        reply = run_sync(self.client.execute_interactive)(
            code, silent=True, store_history=False, timeout=self.startup_timeout, output_hook=lambda msg: None
        )
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelResetError(
                f"could not reset the warm kernel: {content.get('ename')}: {content.get('evalue')}"
            )


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

__all__ = ["CellTimeoutError", "KernelResetError", "WARM_ENGINE_NAME", "WarmKernel", "WarmKernelEngine", "register_engine"]
