"""The warm kernel: a kernel that dies is noticed within seconds, one that cannot start says why."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

import pytest

from lgsco_report.errors import KernelDiedError, KernelStartError
from lgsco_report.batch.warm_kernel import WarmKernel


@pytest.mark.slow
def test_kernel_dying_while_waiting_is_noticed_and_reset_starts_a_new_one(tmp_path):
    kernel = WarmKernel(stderr_path=tmp_path / "kernel.log")
    try:
        kernel.ensure_started()
        first = kernel.pid
        threading.Timer(1.0, os.kill, (first, signal.SIGKILL)).start()
        started = time.monotonic()
        with pytest.raises(KernelDiedError):
            kernel._run_silently("import time; time.sleep(60)")
        assert time.monotonic() - started < 10, "a dead kernel must not be waited for"
        kernel.reset(tmp_path)  # replaces the dead kernel and its client
        assert kernel.is_alive() and kernel.pid != first
        kernel._run_silently("import os; assert os.getcwd() == %r" % str(tmp_path))
    finally:
        kernel.shutdown()


def test_a_start_that_loses_its_port_to_another_kernel_is_tried_again(tmp_path, monkeypatch):
    """jupyter_client's ports can be taken by a kernel starting at the same moment ("Address already in use"):
    the start is tried again with new ports, and the letter goes on."""
    import zmq

    real_start, calls = WarmKernel._start, []

    def clash_once(self):
        calls.append(1)
        if len(calls) == 1:
            raise zmq.error.ZMQError(msg="Address already in use (addr='tcp://127.0.0.1:56977')")
        real_start(self)

    monkeypatch.setattr(WarmKernel, "_start", clash_once)
    kernel = WarmKernel(stderr_path=tmp_path / "kernel.log")
    try:
        kernel.ensure_started()
        assert len(calls) == 2 and kernel.is_alive()
    finally:
        kernel.shutdown()


def test_a_start_that_fails_otherwise_is_not_tried_again(tmp_path, monkeypatch):
    calls = []

    def fails(self):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(WarmKernel, "_start", fails)
    with pytest.raises(KernelStartError, match="Kernel died before replying"):
        WarmKernel(stderr_path=tmp_path / "kernel.log").ensure_started()
    assert len(calls) == 1


def test_kernel_that_cannot_start_raises_with_its_own_stderr(tmp_path, monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    boot = "import sys; sys.stderr.write('ImportError: cannot import lgsco_kernel_dependency\\n'); sys.exit(1)"
    (spec / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-c", boot, "{connection_file}"],
                                                  "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    kernel = WarmKernel(kernel_name="broken", stderr_path=tmp_path / "kernel.log")
    started = time.monotonic()
    with pytest.raises(KernelStartError, match="cannot import lgsco_kernel_dependency") as info:
        kernel.ensure_started()
    assert time.monotonic() - started < 30
    assert "'broken' could not start" in str(info.value) and "\n" not in str(info.value)
    assert kernel.km is None
