"""A notebook given a parameter it does not know stops with one clear line (papermill only warns).

Also the order of the letter's checks: a year the data lacks is said before a
missing parameters file is asked for.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat
import papermill
import pytest

from lgsco_report import national
from lgsco_report.errors import LetterInputError, UnknownParameterError
from lgsco_report.letter import prepare_letter
from lgsco_report.notebook_parameters import check_known, unknown_names
from lgsco_report.stats import Statistics

ROOT = Path(__file__).resolve().parent.parent
LETTER = ROOT / "notebooks" / "annual_review_letter.ipynb"
REVIEW = ROOT / "notebooks" / "national_review.ipynb"
GENERATED_AT = "2020-07-01T09:00:00+00:00"


def _run(notebook: Path, tmp_path: Path, **parameters) -> nbformat.NotebookNode:
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebook), str(out), parameters=parameters, cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def _failure(notebook: Path, tmp_path: Path, **parameters) -> tuple[papermill.PapermillExecutionError, nbformat.NotebookNode]:
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(notebook), str(out), parameters=parameters, cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
        )
    return info.value, nbformat.read(out, as_version=4)


def _failed_cells(nb: nbformat.NotebookNode) -> list[str]:
    return [c["id"] for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]


# --- check_known on a namespace like a kernel's ------------------------------------------------


def _kernel_namespace(**names) -> dict:
    """What a kernel holds after the parameters and papermill's injected cell (see the module doc)."""
    return {
        "In": ["", "council: str = 'x'"], "Out": {}, "_": "", "__": "", "___": "", "_i": "", "_ii": "", "_iii": "",
        "_i1": "", "_i2": "", "_3": 3, "_o3": 3, "_ih": [], "_oh": {}, "_dh": [], "_sh": object(), "__name__": "__main__",
        "__builtins__": object(), "__annotations__": {}, "exit": object(), "quit": object(),
        "get_ipython": lambda: None, "open": open, "os": os, "Path": Path, "helper": lambda x: x,
        **names,
    }


def test_misspelt_parameter_is_named_with_the_closest_known_one():
    namespace = _kernel_namespace(council="Cannock Chase", year=2020, counsil="Leeds")
    with pytest.raises(UnknownParameterError) as info:
        check_known(namespace, ["council", "year", "data_dir"])
    assert str(info.value) == "counsil: unknown parameter; did you mean council?"


def test_ipython_names_imports_and_callables_are_not_parameters():
    namespace = _kernel_namespace(council="Leeds", year=2020)
    check_known(namespace, ["council", "year"])  # does not raise
    assert unknown_names(namespace, ["council", "year"]) == []


@pytest.mark.parametrize("value", ["Leeds", 3, 1.5, True, None, [1], {"a": 1}])
def test_every_type_papermill_passes_is_checked(value):
    assert unknown_names(_kernel_namespace(council="x", extra=value), ["council"]) == ["extra"]


def test_several_unknown_parameters_are_all_named():
    namespace = _kernel_namespace(council="x", yaer=2020, Council="y", colour="red")
    with pytest.raises(UnknownParameterError) as info:
        check_known(namespace, ["council", "year"])
    message = str(info.value)
    assert "yaer: unknown parameter; did you mean year?" in message
    assert "Council: unknown parameter; did you mean council?" in message
    assert "colour: unknown parameter; this notebook's parameters are council, year" in message


def test_objects_a_notebook_made_are_not_taken_for_parameters():
    # Running all cells again in JupyterLab leaves the last run's letter and statistics in the namespace.
    namespace = _kernel_namespace(council="x", letter=object(), statistics=Statistics.__new__(Statistics))
    check_known(namespace, ["council"])


# --- the real notebooks, run by papermill --------------------------------------------------------


@pytest.mark.slow
def test_letter_notebook_stops_on_an_unknown_parameter(tmp_path, stats_file):
    error, nb = _failure(LETTER, tmp_path, counsil="Leeds", stats_file=str(stats_file))
    assert error.ename == "UnknownParameterError"
    assert "counsil: unknown parameter; did you mean council?" in error.evalue
    assert _failed_cells(nb) == ["prepare"]
    assert all(c.get("execution_count") is None for c in nb.cells if c["id"] in ("metadata", "heading", "notes"))
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Cannock Chase" not in shown  # no letter for the default council


@pytest.mark.slow
def test_national_review_notebook_stops_on_an_unknown_parameter(tmp_path, stats_file):
    error, nb = _failure(REVIEW, tmp_path, yaer=2021, stats_file=str(stats_file))
    assert error.ename == "UnknownParameterError"
    assert "yaer: unknown parameter; did you mean year?" in error.evalue
    assert _failed_cells(nb) == ["setup"]


@pytest.mark.slow
def test_letter_notebook_runs_with_every_parameter_it_lists(tmp_path, stats_file):
    parameters = {name: spec["default"] for name, spec in papermill.inspect_notebook(str(LETTER)).items()}
    parameters = {name: ast.literal_eval(default) for name, default in parameters.items()}
    parameters.update(council="Hull", stats_file=str(stats_file), generated_at=GENERATED_AT)
    nb = _run(LETTER, tmp_path, **parameters)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Hull City Council" in shown


@pytest.mark.slow
def test_national_review_notebook_runs_with_every_parameter_it_lists(tmp_path, stats_file):
    parameters = {name: ast.literal_eval(spec["default"]) for name, spec in papermill.inspect_notebook(str(REVIEW)).items()}
    parameters.update(year="2020-21", stats_file=str(stats_file), generated_at=GENERATED_AT)
    nb = _run(REVIEW, tmp_path, **parameters)
    assert not _failed_cells(nb)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "2020-21" in shown


# --- the order of the letter's checks -------------------------------------------------------------


@pytest.mark.slow
def test_year_the_data_lacks_is_said_before_asking_for_a_parameters_file(tmp_path, stats_file):
    error, nb = _failure(LETTER, tmp_path, council="Adur", year=2018, stats_file=str(stats_file))
    assert error.ename == "LetterInputError"
    assert "no cases for the year ending 31 March 2018" in error.evalue
    assert "parameters file" not in error.evalue


@pytest.mark.slow
def test_year_across_a_century_reaches_the_data_check(tmp_path, stats_file):
    error, _ = _failure(LETTER, tmp_path, council="Adur", year="1999-00", stats_file=str(stats_file))
    assert "no cases for the year ending 31 March 2000" in error.evalue


def test_prepare_letter_checks_the_data_before_the_parameters_file(stats_file, tmp_path):
    with pytest.raises(LetterInputError, match="no cases for the year ending 31 March 2031"):
        prepare_letter("Adur", 2031, stats_file=stats_file)
    # A year the data has, without its parameters file: now the file is asked for.
    with pytest.raises(LetterInputError, match="no parameters file"):
        prepare_letter("Adur", 2020, stats_file=stats_file, params_file=tmp_path / "2020.yaml")


def test_prepare_letter_names_an_unknown_council_before_loading_the_data(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(LetterInputError, match="Did you mean"):
        prepare_letter("Canock Chase", 2020, data_dir=missing)


def test_prepare_review_checks_the_year_before_loading_the_data(tmp_path):
    with pytest.raises(ValueError, match="not understood"):
        national.prepare_review("twenty", data_dir=tmp_path / "no-such-folder")
