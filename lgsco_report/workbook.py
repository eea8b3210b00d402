"""Where the workbook lives: the notebooks, the year parameters and the sample data.

A *workbook* is a folder holding ``notebooks/`` (the parameterized notebooks)
and ``parameters/`` (one YAML file a year, ``addressees.csv``). The package
finds the one to use, first match wins:

1. ``$LGSCO_REPORT_WORKBOOK``, a folder you name;
2. the current directory, or its parent when the current directory is the
   workbook's ``notebooks/`` (as in JupyterLab and in the batch's kernels), if
   it is a workbook (``lgsco-report init DIR`` makes one to edit, so
   ``cd DIR && lgsco-report letters ...`` uses your copies);
3. the checkout the package runs from (a git clone, ``pip install -e .``);
4. the read-only copy installed with the package (``pip install .`` or a wheel
   puts the notebooks and parameters in ``lgsco_report/workbook/``).

``$LGSCO_REPORT_PARAMETERS`` and ``$LGSCO_REPORT_DATA`` still override the
parameters folder and the data folder alone.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import __version__
from .errors import WorkbookError

__all__ = [
    "ADDRESSEES_FILE",
    "LETTER_NOTEBOOK",
    "REVIEW_NOTEBOOK",
    "WorkbookError",
    "addressees_file",
    "init_workbook",
    "is_workbook",
    "letter_notebook",
    "packaged_workbook",
    "parameters_folder",
    "review_notebook",
    "sample_data_dir",
    "workbook_root",
]

LETTER_NOTEBOOK = "annual_review_letter.ipynb"
REVIEW_NOTEBOOK = "national_review.ipynb"
ADDRESSEES_FILE = "addressees.csv"
_PACKAGE_DIR = Path(__file__).resolve().parent


def is_workbook(folder: Path) -> bool:
    """Whether ``folder`` holds the letter notebook and a parameters folder."""
    return (folder / "notebooks" / LETTER_NOTEBOOK).is_file() and (folder / "parameters").is_dir()


def packaged_workbook() -> Path:
    """The copy installed inside the package (present in wheels, absent in a checkout)."""
    return _PACKAGE_DIR / "workbook"


def _checkout() -> Path:
    return _PACKAGE_DIR.parent


def workbook_root() -> Path:
    """The workbook in use (see the module docstring for the order)."""
    configured = os.environ.get("LGSCO_REPORT_WORKBOOK")
    if configured:
        folder = Path(configured).expanduser().resolve()
        if not is_workbook(folder):
            raise WorkbookError(
                f"LGSCO_REPORT_WORKBOOK={configured}: not a workbook (needs notebooks/{LETTER_NOTEBOOK} "
                "and parameters/); make one with: lgsco-report init DIR"
            )
        return folder
    here = Path.cwd()
    candidates = [here, here.parent] if here.name == "notebooks" else [here]
    for folder in (*candidates, _checkout(), packaged_workbook()):
        if is_workbook(folder):
            return folder.resolve()
    raise WorkbookError(
        "no workbook found: the package was installed without its notebooks and parameters; "
        "reinstall it, or make a workbook with: lgsco-report init DIR"
    )


def letter_notebook() -> Path:
    """The letter notebook the batch runs: ``<workbook>/notebooks/annual_review_letter.ipynb``."""
    return workbook_root() / "notebooks" / LETTER_NOTEBOOK


def review_notebook() -> Path:
    """The national review notebook, beside the letter notebook."""
    return workbook_root() / "notebooks" / REVIEW_NOTEBOOK


def parameters_folder() -> Path:
    """The workbook's own ``parameters/`` (``$LGSCO_REPORT_PARAMETERS`` may name another for the year files)."""
    return workbook_root() / "parameters"


def addressees_file(params_file: Path | str | None, overrides: Path | str | None = None) -> Path | None:
    """The addressees CSV a year's letters (and their emails) use; the one rule, asked by every caller.

    First match wins: ``overrides`` as given (even if missing: the caller says
    it is not found); ``addressees.csv`` beside ``params_file`` (so a
    ``$LGSCO_REPORT_PARAMETERS`` folder brings its own addressees); the
    workbook's ``parameters/addressees.csv``; else None (letters to "The Chief
    Executive").
    """
    if overrides:
        return Path(overrides).expanduser()
    candidates = [Path(params_file).parent / ADDRESSEES_FILE] if params_file else []
    candidates.append(parameters_folder() / ADDRESSEES_FILE)
    return next((path for path in candidates if path.is_file()), None)


def _is_writable_workbook(folder: Path) -> bool:
    return folder != packaged_workbook().resolve() and os.access(folder, os.W_OK)


def sample_data_dir() -> Path:
    """Where the generated sample data goes: ``<workbook>/data/sample``.

    For the read-only copy inside an installed package, a per-user cache folder
    instead (``$XDG_CACHE_HOME/lgsco-report/<version>/sample``), since
    site-packages is not a place to write to.
    """
    root = workbook_root()
    if _is_writable_workbook(root):
        return root / "data" / "sample"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "lgsco-report" / __version__ / "sample"


def init_workbook(destination: Path | str) -> list[Path]:
    """Copy the workbook in use (notebooks and parameters) to ``destination`` to edit; return what was written.

    Refuses a destination that already has a ``notebooks`` or ``parameters``
    folder, so nobody's edited copy is overwritten.
    """
    target = Path(destination).expanduser()
    source = workbook_root()
    clashes = [name for name in ("notebooks", "parameters") if (target / name).exists()]
    if clashes:
        raise WorkbookError(
            f"{target}: already has {' and '.join(clashes)}/; choose an empty or new folder"
        )
    written: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for name in ("notebooks", "parameters"):
        for path in sorted((source / name).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                (target / name).mkdir(exist_ok=True)
                written.append(Path(shutil.copyfile(path, target / name / path.name)))
    (target / "outputs").mkdir(exist_ok=True)
    return written
