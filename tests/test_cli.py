"""Every option of every ``lgsco-report`` subcommand is checked when the command line is read.

A bad value gets one line naming the option and exit status 2, before any
folder is made or data loaded, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lgsco_report import cli


def _refused(argv: list[str], capsys) -> str:
    """Parse ``argv``; assert argparse refuses it with exit 2; return the error line."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    return errors[0]


def _parsed(argv: list[str]):
    return cli.build_parser().parse_args(argv)


LETTERS = ["letters", "--year", "2020", "--council", "Kent"]


@pytest.mark.parametrize("value", ["inf", "Infinity", "-inf", "1e308", "nan", "NaN", "0", "-5", "1e6", "abc", "", "5s"])
def test_letters_timeout_must_be_finite_positive_and_sane(value, capsys, tmp_path):
    line = _refused([*LETTERS, "--out", str(tmp_path / "out"), "--timeout", value], capsys)
    assert "--timeout" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value, seconds", [("30", 30.0), ("0.5", 0.5), ("86400", 86400.0), (" 300 ", 300.0)])
def test_letters_timeout_accepts_seconds(value, seconds):
    assert _parsed([*LETTERS, "--timeout", value]).timeout == seconds


@pytest.mark.parametrize("value", ["0", "-1", "1000", "2.5", "two", "", "1e2"])
def test_letters_workers_between_one_and_a_sane_maximum(value, capsys):
    assert "--workers" in _refused([*LETTERS, "--workers", value], capsys)


def test_letters_workers_accepted():
    assert _parsed([*LETTERS, "--workers", "3"]).workers == 3
    assert _parsed(LETTERS).workers is None


@pytest.mark.parametrize("command", ["letters", "stats", "councils"])
@pytest.mark.parametrize("value", ["1850", "twenty", "2019-21", "../2020", "2020\x00", ""])
def test_every_year_option_is_checked(command, value, capsys, tmp_path):
    argv = [command, "--year", value]
    if command == "stats":
        argv += ["--out", str(tmp_path / "x.csv")]
    assert "--year" in _refused(argv, capsys)


@pytest.mark.parametrize("command", ["letters", "stats", "councils"])
def test_year_across_a_century_is_read(command, tmp_path):
    argv = [command, "--year", "1999-00"] + (["--out", str(tmp_path / "x.csv")] if command == "stats" else [])
    assert _parsed(argv).year == 2000


@pytest.mark.parametrize("value", ["pdf,rtf", "", ",", "html;pdf", "PDF,txt"])
def test_letters_formats_are_known(value, capsys):
    line = _refused([*LETTERS, "--formats", value], capsys)
    assert "--formats" in line and "ipynb" in line


def test_letters_formats_normalised():
    assert _parsed([*LETTERS, "--formats", " PDF , html "]).formats == "pdf,html"
    assert _parsed([*LETTERS, "--formats", "pdf,DOCX"]).formats == "pdf,docx"


@pytest.mark.parametrize(
    "value, shown",
    [
        ("Newcastle", "Newcastle-under-Lyme Borough Council"),
        ("Atlantis Borough", "Unknown council"),
        ("", "empty"),
        ("Canock Chase", "Cannock Chase District Council"),
        ("x\x00y", "control character"),
    ],
)
def test_letters_council_is_known_and_unambiguous(value, shown, capsys):
    line = _refused(["letters", "--year", "2020", "--council", value], capsys)
    assert "--council" in line and shown in line


def test_council_of_another_year_is_refused_for_that_year(capsys):
    line = _refused(["letters", "--year", "2022", "--council", "Aylesbury Vale"], capsys)
    assert "--council" in line and "until 31 March 2020" in line


def test_letters_council_by_short_name_is_accepted():
    assert _parsed(["letters", "--year", "2020", "--council", "Hull", "--council", "E07000192"]).council == ["Hull", "E07000192"]


def test_letters_out_must_be_a_folder(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert "--out" in _refused([*LETTERS, "--out", str(a_file)], capsys)
    assert "--out" in _refused([*LETTERS, "--out", str(a_file / "below")], capsys)
    assert _parsed([*LETTERS, "--out", str(tmp_path / "new" / "deeper")]).out == tmp_path / "new" / "deeper"


def test_letters_data_must_be_an_existing_folder(tmp_path, capsys):
    assert "--data" in _refused([*LETTERS, "--data", str(tmp_path / "missing")], capsys)
    (tmp_path / "file.csv").write_text("x")
    assert "--data" in _refused([*LETTERS, "--data", str(tmp_path / "file.csv")], capsys)
    assert _parsed([*LETTERS, "--data", str(tmp_path)]).data == tmp_path


@pytest.mark.parametrize("name", ["existing.csv", "existing.xlsx"])
def test_stats_out_that_is_a_folder_is_refused(name, tmp_path, capsys):
    (tmp_path / name).mkdir()
    line = _refused(["stats", "--year", "2020", "--out", str(tmp_path / name)], capsys)
    assert "--out" in line and "folder" in line


@pytest.mark.parametrize("name", ["figures.txt", "figures", "figures.csv.bak", "figures.xls"])
def test_stats_out_extension_must_be_known(name, tmp_path, capsys):
    line = _refused(["stats", "--year", "2020", "--out", str(tmp_path / name)], capsys)
    assert "--out" in line and ".csv" in line and ".xlsx" in line


def test_stats_out_below_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    assert "--out" in _refused(["stats", "--year", "2020", "--out", str(tmp_path / "a-file" / "x.csv")], capsys)


def test_stats_out_in_a_new_folder_is_made(tmp_path, sample_dir):
    out = tmp_path / "new" / "figures.csv"
    assert cli.main(["stats", "--year", "2020", "--data", str(sample_dir), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("authority_code,authority_name,")


@pytest.mark.parametrize("value", ["-1", "1.5", "seed", "", str(2**32), "99999999999999999999999"])
def test_sample_data_seed_is_a_non_negative_whole_number(value, capsys, tmp_path):
    assert "--seed" in _refused(["sample-data", "--seed", value, "--out", str(tmp_path / "s")], capsys)


def test_sample_data_out_must_be_a_folder(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    assert "--out" in _refused(["sample-data", "--out", str(tmp_path / "a-file")], capsys)
    assert _parsed(["sample-data", "--seed", "0", "--out", str(tmp_path / "s")]).seed == 0


def test_councils_overrides_must_be_an_existing_file(tmp_path, capsys):
    assert "--overrides" in _refused(["councils", "--year", "2020", "--overrides", str(tmp_path)], capsys)
    assert "--overrides" in _refused(["councils", "--year", "2020", "--overrides", str(tmp_path / "none.csv")], capsys)


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lgsco_report", *argv], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_stats_out_existing_folder_end_to_end(tmp_path):
    (tmp_path / "existing.csv").mkdir()
    result = _run("stats", "--year", "2020", "--out", str(tmp_path / "existing.csv"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "IsADirectoryError" not in result.stderr
    assert "--out" in result.stderr and "is a folder" in result.stderr


@pytest.mark.slow
def test_letters_infinite_timeout_is_refused_before_any_work(tmp_path):
    result = _run("letters", "--year", "2020", "--council", "Kent", "--timeout", "inf", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--timeout" in result.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- --final and unnamed letters

STANDIN = Path(__file__).resolve().parent / "data" / "standin_letter.ipynb"


def test_letters_final_refuses_a_letter_with_no_named_addressee_before_any_work(tmp_path):
    """Kent has no addressees row ("Dear Chief Executive"); Cannock Chase has one. One line names Kent and the way out."""
    out = tmp_path / "out"
    result = _run("letters", "--year", "2020", "--final", "--council", "Cannock Chase", "--council", "Kent",
                  "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "1 letter(s) have no named addressee" in lines[0] and "(Kent County Council)" in lines[0]
    assert "Cannock" not in lines[0] and "--allow-unnamed" in lines[0] and "addressees.csv" in lines[0]
    assert not out.exists()


@pytest.mark.slow
def test_letters_final_allow_unnamed_writes_the_letter_and_records_the_decision(tmp_path):
    import json

    out = tmp_path / "out"
    result = _run("letters", "--year", "2020", "--final", "--allow-unnamed", "--council", "Cannock Chase",
                  "--council", "Kent", "--out", str(out), "--notebook", str(STANDIN), "--no-reports", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert "1 letter(s) have no named addressee" in result.stderr
    letters = json.loads((out / "2020" / "manifest.json").read_text(encoding="utf-8"))["letters"]
    recorded = {e["authority_name"]: (e["addressee"], e.get("unnamed_allowed", False)) for e in letters.values()}
    assert recorded == {"Kent County Council": ("unnamed", True), "Cannock Chase District Council": ("named", False)}
    named_only = _run("letters", "--year", "2020", "--final", "--council", "Cannock Chase", "--out", str(out),
                      "--notebook", str(STANDIN), "--no-reports", "--workers", "1")
    assert named_only.returncode == 0, named_only.stderr  # a named letter needs no --allow-unnamed
    assert "no named addressee" not in named_only.stderr


@pytest.mark.parametrize("name", ["figures.csv", "figures.xlsx"])
def test_figures_template_writes_the_years_councils_and_loads(name, tmp_path, capsys):
    from lgsco_report import inputs, register

    out = tmp_path / "new" / name
    assert cli.main(["figures-template", "--year", "2024-25", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    data = inputs.load(out.parent)
    assert isinstance(data, inputs.FiguresData) and data.years == [2025]
    assert data.figures["authority_code"].tolist() == sorted(register.councils_for_year(2025)["authority_code"])
    assert data.figures[list(inputs.FIGURE_COUNT_COLUMNS)].isna().all().all()  # every count blank: not known


def test_figures_template_out_must_be_csv_or_xlsx(tmp_path, capsys):
    line = _refused(["figures-template", "--year", "2025", "--out", str(tmp_path / "figures.txt")], capsys)
    assert "--out" in line and ".csv or .xlsx" in line


def test_letters_for_named_councils_leave_the_year_reports_unless_asked():
    """A whole-year run makes the national review and pack; a --council run only its letters, unless --reports."""
    assert cli.wants_reports(_parsed(["letters", "--year", "2020"]))
    assert not cli.wants_reports(_parsed(["letters", "--year", "2020", "--no-reports"]))
    assert not cli.wants_reports(_parsed(["letters", "--year", "2020", "--council", "Kent"]))
    assert cli.wants_reports(_parsed(["letters", "--year", "2020", "--council", "Kent", "--reports"]))
    assert not cli.wants_reports(_parsed(["letters", "--year", "2020", "--council", "Kent", "--reports", "--no-reports"]))
