"""Any install works: a wheel in a new virtual environment, a workbook made by `init`, conda's environment file.

The wheel test builds the package as `pip install .` would, installs it without
its checkout into a new virtual environment (its dependencies are borrowed from
the test environment through a .pth file, so the test needs no network), and
writes a letter from an unrelated directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LGSCO_REPORT_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    # The borrowed dependencies' data files (nbconvert's base templates) are under the test environment's prefix.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed; returns its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "dist"
    # Build from a copy of the sources, as pip does, so nothing is written into the checkout.
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", str(wheels), str(ROOT)], cwd=base)
    (wheel,) = wheels.glob("lgsco_report-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    site = Path(subprocess.check_output(
        [str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True).strip())
    # The test environment's packages, behind the new environment's own (no network needed).
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "--quiet",
          "--no-deps", "--no-index", str(wheel)], cwd=base)
    return env_dir / "bin"


@pytest.mark.slow
def test_the_wheel_carries_the_workbook_and_runs_from_anywhere(installed, tmp_path):
    python = installed / "python"
    where = subprocess.check_output(
        [str(python), "-c", "import lgsco_report, lgsco_report.workbook as w; print(lgsco_report.__file__); print(w.workbook_root())"],
        cwd=tmp_path, env=_clean_env(), text=True).split()
    package_file, workbook = Path(where[0]), Path(where[1])
    assert ROOT not in package_file.parents, "the installed copy, not the checkout, must be imported"
    assert workbook == package_file.parent / "workbook"
    assert (workbook / "notebooks" / "annual_review_letter.ipynb").is_file()
    assert (workbook / "parameters" / "2020.yaml").is_file()
    fonts = package_file.parent / "fonts"  # the PDF's carried font, with its licence beside it
    assert {"LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LICENSE", "fonts.css"} <= {p.name for p in fonts.iterdir()}

    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    env = _clean_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = _run([str(installed / "lgsco-report"), "letters", "--year", "2020", "--council", "Cannock Chase",
                   "--out", str(tmp_path / "letters"), "--formats", "ipynb,html,pdf"], cwd=elsewhere, env=env)
    letter = tmp_path / "letters" / "2020" / "cannock-chase-district-council"
    assert (letter / "letter.pdf").read_bytes().startswith(b"%PDF")
    html = (letter / "letter.html").read_text(encoding="utf-8")
    assert "Cannock Chase District Council" in html and "SAMPLE DATA" in html.upper()
    # The sample data went to the user's cache, not into site-packages or the current directory.
    assert list((tmp_path / "cache" / "lgsco-report").glob("*/sample/received.csv"))
    assert list(elsewhere.iterdir()) == []
    assert "1 letter(s) written" in result.stdout + result.stderr


@pytest.mark.slow
def test_init_writes_an_editable_workbook_that_the_command_then_uses(installed, tmp_path):
    workbook = tmp_path / "my-workbook"
    env = _clean_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    _run([str(installed / "lgsco-report"), "init", str(workbook)], cwd=tmp_path, env=env)
    assert (workbook / "notebooks" / "annual_review_letter.ipynb").is_file()
    assert (workbook / "parameters" / "addressees.csv").is_file()
    # An office edits its copy of the year's facts: the letter made inside the workbook shows it.
    params = workbook / "parameters" / "2020.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("name: Michael King", "name: Edited Signatory"),
                      encoding="utf-8")
    _run([str(installed / "lgsco-report"), "letters", "--year", "2020", "--council", "Watford",
          "--formats", "ipynb,html"], cwd=workbook, env=env)
    html = (workbook / "outputs" / "2020" / "watford-borough-council" / "letter.html").read_text(encoding="utf-8")
    assert "Edited Signatory" in html and "Michael King" not in html
    assert (workbook / "data" / "sample" / "received.csv").is_file()
    # A second init into the same folder is refused, so nobody's edits are overwritten.
    again = subprocess.run([str(installed / "lgsco-report"), "init", str(workbook)], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert again.returncode == 2 and "already has notebooks and parameters" in again.stderr
    assert "Traceback" not in again.stderr


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))

    def name(requirement: str) -> str:
        return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].strip().lower()

    conda = {name(dep): dep for dep in environment["dependencies"] if isinstance(dep, str)}
    (pip_section,) = [dep["pip"] for dep in environment["dependencies"] if isinstance(dep, dict)]
    for requirement in project["dependencies"]:
        assert name(requirement) in conda, f"{requirement} is in pyproject.toml but not environment.yml"
        assert conda[name(requirement)].replace(" ", "") == requirement.replace(" ", ""), requirement
    assert "python>=3.11" in conda["python"] and project["requires-python"] == ">=3.11"
    # WeasyPrint's system library comes from conda-forge there, not from the machine.
    assert "pango" in conda
    assert "harfbuzz" in conda  # with hb-subset: WeasyPrint's fast font subsetter (exporters/pdf_fonts.py)
    assert pip_section == ["-e .[test]"]


def _make_dry_run(**conda: str) -> str:
    """What `make setup` would run (-B: as if nothing were built yet), with the given conda variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "MAKE", "MFLAGS"))}
    result = subprocess.run(["make", "-n", "-B", "setup"], cwd=ROOT, capture_output=True, text=True,
                            env={**env, **conda})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_makefile_uses_an_activated_conda_environment_instead_of_a_venv():
    conda = _make_dry_run(CONDA_PREFIX="/opt/conda/envs/lgsco-report", CONDA_DEFAULT_ENV="lgsco-report")
    assert "-m venv" not in conda
    assert "/opt/conda/envs/lgsco-report/bin/python -m pip install --quiet -e '.[test]'" in conda
    assert "--python-only" in conda  # conda-forge brings Pango: only Python is checked
    plain = _make_dry_run()
    assert "-m venv .venv" in plain and ".venv/bin/python -m pip install --quiet -e '.[test]'" in plain
    assert "check_system.py" in plain and "--python-only" not in plain
    base = _make_dry_run(CONDA_PREFIX="/opt/conda", CONDA_DEFAULT_ENV="base")
    assert "-m venv .venv" in base  # conda's base environment is never installed into


def test_system_check_names_the_missing_library_in_one_line(tmp_path):
    # A Python whose ctypes finds no Pango: the check prints one line with the package names, no traceback.
    shim = tmp_path / "sitecustomize.py"
    shim.write_text("import ctypes.util\nctypes.util.find_library = lambda name: None\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / ".ci" / "check_system.py")], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "libpango-1.0-0" in lines[0] and "brew install pango" in lines[0]
    assert "dnf install pango" in lines[0]
    ok = subprocess.run([sys.executable, str(ROOT / ".ci" / "check_system.py")], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stderr == ""
