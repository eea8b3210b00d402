"""errors.py: one base for every failure a user can fix; the command line prints those, and only those, as one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import lgsco_report
from lgsco_report import cli
from lgsco_report.errors import LgscoReportError


def _package_exceptions() -> list[type[BaseException]]:
    found = []
    for module_info in pkgutil.walk_packages(lgsco_report.__path__, prefix="lgsco_report."):  # with subpackages
        if module_info.name.endswith("__main__"):  # importing it runs the command line
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.__name__
                    and not name.startswith("_") and not issubclass(value, Warning)):
                found.append(value)
    return found


# Raised inside a worker or kernel and turned into a recorded letter failure, never shown to a user as such.
INTERNAL = {"KernelDiedError", "KernelResetError"}


def test_every_public_error_of_the_package_derives_from_the_one_base():
    errors = _package_exceptions()
    assert len(errors) >= 15
    stray = [e.__qualname__ for e in errors if not issubclass(e, LgscoReportError) and e.__name__ not in INTERNAL]
    assert stray == []


def test_the_command_line_prints_an_expected_failure_as_one_line(capsys):
    assert cli.main(["councils", "--year", "2020", "--overrides", __file__]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lgsco-report: error:") and "Traceback" not in err


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(args):
        raise ValueError("a bug, not a user's mistake")

    monkeypatch.setattr(cli, "cmd_councils", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["councils", "--year", "2020"])
