"""errors.py: the one error family; the command line prints its members, and only those, as one line."""

from __future__ import annotations

import ast
import errno
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lgsco_report
from lgsco_report import cli, errors
from lgsco_report.errors import (
    ConfigError,
    ExportError,
    InputError,
    KernelError,
    LgscoReportError,
    LgscoReportWarning,
    NotSampleDataError,
    SendError,
    YearFolderError,
    YearNotInDataError,
)
from lgsco_report.year_folder.lock import batch_lock

ROOT = Path(__file__).resolve().parents[1]
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"

#: Exception classes defined outside errors.py, each with the reason it is not one of the family.
NOT_IN_THE_FAMILY = {
    # Control flow: SIGTERM must unwind the batch exactly as Ctrl-C does, past every ``except Exception``.
    "lgsco_report.batch.executors.Terminated": KeyboardInterrupt,
    # Private to the streaming XLSX reader: raised inside expat handlers to stop parsing, caught in the
    # same module and turned into a Problem (so into a CaseDataError); never seen outside it.
    "lgsco_report.inputs.xlsx_reader._Refused": Exception,
    "lgsco_report.inputs.xlsx_reader._DoctypeFound": Exception,
    "lgsco_report.inputs.xlsx_reader._StopReading": Exception,
}


def _package_exception_classes() -> dict[str, type[BaseException]]:
    """Every exception or warning class defined anywhere in the package, private ones too, by dotted name."""
    found = {}
    for module_info in pkgutil.walk_packages(lgsco_report.__path__, prefix="lgsco_report."):  # with subpackages
        if module_info.name.endswith("__main__"):  # importing it runs the command line
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_exception_class_of_the_package_is_defined_in_errors_py_or_listed_with_its_reason():
    classes = _package_exception_classes()
    elsewhere = {name: cls for name, cls in classes.items() if cls.__module__ != "lgsco_report.errors"}
    assert sorted(elsewhere) == sorted(NOT_IN_THE_FAMILY)
    for name, parent in NOT_IN_THE_FAMILY.items():
        assert elsewhere[name].__bases__ == (parent,), name
    family = [cls for cls in classes.values() if cls.__module__ == "lgsco_report.errors"]
    assert len(family) >= 30
    for cls in family:
        base = LgscoReportWarning if issubclass(cls, Warning) else LgscoReportError
        assert issubclass(cls, base), cls.__name__
        assert cls.__name__ in errors.__all__, cls.__name__


def test_each_error_has_a_branch_and_keeps_its_meaningful_parent():
    branches = (InputError, ConfigError, YearFolderError, ExportError, SendError, KernelError)
    leaves = [cls for cls in vars(errors).values()
              if inspect.isclass(cls) and issubclass(cls, LgscoReportError) and cls not in (*branches, LgscoReportError)]
    assert [cls.__name__ for cls in leaves if not issubclass(cls, branches)] == ["StopBatch"]  # control of the batch
    assert issubclass(errors.KernelStartError, RuntimeError) and issubclass(errors.KernelDiedError, KernelError)
    assert issubclass(NotSampleDataError, FileExistsError)
    assert issubclass(errors.AmbiguousCouncilError, errors.UnknownCouncilError)
    assert issubclass(errors.LetterContentWarning, UserWarning)


def test_the_value_error_parent_is_kept_for_one_release_and_its_removal_announced():
    for branch in (InputError, ConfigError, YearFolderError, ExportError, SendError):
        assert issubclass(branch, ValueError), branch.__name__
    assert not issubclass(KernelError, ValueError) and not issubclass(errors.StopBatch, ValueError)
    assert "goes in the next release" in errors.__doc__


def test_errors_py_imports_nothing_of_the_package():
    tree = ast.parse(Path(errors.__file__).read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert imported == ["__future__"]
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]


def test_published_table_of_a_year_not_in_the_data_is_an_input_error(sample_cases):
    from lgsco_report.stats import compute_statistics, published_table

    with pytest.raises(YearNotInDataError, match="2025; years available: 2019, 2020"):
        published_table(compute_statistics(sample_cases), 2025)


# ---------------------------------------------------------------- the command line


def _stats_of_a_year_not_in_the_data(tmp_path, monkeypatch):
    return ["stats", "--year", "2025", "--out", str(tmp_path / "stats.csv")], "no statistics for the year ending 31 March 2025"


def _bad_data_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "received.csv").write_text("case_ref,authority,received_date,category\n", encoding="utf-8")
    return (["stats", "--year", "2020", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "stats.csv")],
            "problems in the case data")


def _unknown_council_in_the_addressees_file(tmp_path, monkeypatch):
    overrides = tmp_path / "addressees.csv"
    overrides.write_text("council,chief_executive_name\nNowhere Borough,A Person\n", encoding="utf-8")
    return ["councils", "--year", "2020", "--overrides", str(overrides)], "column council: unknown council 'Nowhere Borough'"


def _sample_data_over_real_data(tmp_path, monkeypatch):
    (tmp_path / "received.csv").write_text("case_ref\nreal\n", encoding="utf-8")
    return ["sample-data", "--out", str(tmp_path)], "received.csv exists and is not sample data"


def _bad_year_parameters(tmp_path, monkeypatch):
    params = tmp_path / "parameters"
    params.mkdir()
    (params / "2020.yaml").write_text("year: 2019\n", encoding="utf-8")
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(params))
    return (["letters", "--year", "2020", "--council", "Cannock Chase", "--out", str(tmp_path / "out"),
             "--notebook", str(STANDIN), "--no-progress"], "key 'year' is 2019 but the letters are for 2020")


def _locked_year_folder(tmp_path, monkeypatch):
    (tmp_path / "out" / "2020").mkdir(parents=True)
    return (["letters", "--year", "2020", "--council", "Cannock Chase", "--out", str(tmp_path / "out"),
             "--notebook", str(STANDIN), "--no-progress"], "Another batch is already writing")


FAILURES = [_stats_of_a_year_not_in_the_data, _bad_data_folder, _unknown_council_in_the_addressees_file,
            _sample_data_over_real_data, _bad_year_parameters, _locked_year_folder]


@pytest.mark.parametrize("failure", FAILURES, ids=[f.__name__.strip("_") for f in FAILURES])
def test_the_command_line_prints_each_family_member_as_one_line_with_exit_2(failure, tmp_path, monkeypatch, capsys):
    argv, expected = failure(tmp_path, monkeypatch)
    if failure is _locked_year_folder:
        with batch_lock(tmp_path / "out" / "2020"):
            code = cli.main(argv)
    else:
        code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and expected in err
    first, *rest = err.rstrip("\n").split("\n")
    assert first.startswith(("lgsco-report: error: ", "error: "))
    assert all(line.startswith("  ") for line in rest)  # only a CaseDataError's problems, one a line, follow


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(args):
        raise ValueError("a bug, not a user's mistake")

    monkeypatch.setattr(cli, "cmd_councils", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["councils", "--year", "2020"])


def test_an_os_error_keeps_its_traceback_but_a_full_disk_is_one_line(monkeypatch, capsys):
    def fails_with(error):
        def command(args):
            raise error
        return command

    monkeypatch.setattr(cli, "cmd_councils", fails_with(PermissionError(errno.EACCES, "Permission denied", "x.csv")))
    with pytest.raises(PermissionError):
        cli.main(["councils", "--year", "2020"])
    monkeypatch.setattr(cli, "cmd_councils", fails_with(OSError(errno.ENOSPC, "No space left on device")))
    assert cli.main(["councils", "--year", "2020"]) == 2
    assert capsys.readouterr().err == "lgsco-report: error: [Errno 28] No space left on device\n"
