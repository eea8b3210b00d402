"""Year-specific parameters: the shipped files load, mistakes are named."""

import datetime as dt

import pytest

from lgsco_report.errors import YearParametersError
from lgsco_report.yearparams import default_parameters_file, load_year_parameters


@pytest.mark.parametrize("year", range(2019, 2025))
def test_every_sample_year_has_a_parameters_file(year):
    params = load_year_parameters(year)
    assert params.year == year
    assert params.letter_date.year == year
    assert params.signatory_name


def test_2020_carries_the_seed_letters_facts():
    params = load_year_parameters("2019-20")
    assert params.letter_date == dt.date(2020, 7, 22)
    assert params.publication_date == dt.date(2020, 7, 29)
    assert params.signatory_name == "Michael King"
    assert params.seminars.places == ("London", "Bristol", "Leeds", "Birmingham")
    assert (params.seminars.delegates, params.seminars.authorities) == (178, 143)
    assert (params.training.courses, params.training.courses_more_than_last_year) == (118, 47)


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(YearParametersError, match="copy parameters/2020.yaml"):
        load_year_parameters(2020, tmp_path / "2020.yaml")


@pytest.mark.parametrize(
    "text, message",
    [
        ("year: 2020\nsignatory: {name: A}\n", "missing key 'letter_date'"),
        ("year: 2021\nletter_date: 2020-07-01\nsignatory: {name: A}\n", "letters are for 2020"),
        ("year: 2020\nletter_date: 22/07/2020\nsignatory: {name: A}\n", "yyyy-mm-dd"),
        ("year: 2020\nletter_date: 2020-07-22\n", "missing key 'signatory'"),
        ("year: 2020\nletter_date: 2020-07-22\nsignatory: {name: A}\ntraining: {courses: lots, people: 3}\n", "training.courses"),
        ("year: [2020\n", "not valid YAML"),
        ("- just a list\n", "mapping"),
    ],
)
def test_mistakes_name_file_and_key(tmp_path, text, message):
    path = tmp_path / "2020.yaml"
    path.write_text(text)
    with pytest.raises(YearParametersError) as info:
        load_year_parameters(2020, path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_parameters_folder_can_be_moved(tmp_path, monkeypatch):
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(tmp_path))
    assert default_parameters_file(2021) == tmp_path / "2021.yaml"


@pytest.mark.parametrize("year", [2020, "2020", "2019-20", "2019/2020"])
def test_default_file_takes_every_year_form(year, tmp_path, monkeypatch):
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(tmp_path))
    assert default_parameters_file(year) == tmp_path / "2020.yaml"


def test_default_file_for_a_year_across_a_century(tmp_path, monkeypatch):
    monkeypatch.setenv("LGSCO_REPORT_PARAMETERS", str(tmp_path))
    assert default_parameters_file("1999-00") == tmp_path / "2000.yaml"


@pytest.mark.parametrize("written", ["2019-20", "'2019-20'", "2020", "'2019/2020'"])
def test_year_key_may_be_written_as_a_span(written, tmp_path):
    path = tmp_path / "2020.yaml"
    path.write_text(f"year: {written}\nletter_date: 2020-07-22\nsignatory: {{name: A}}\n")
    assert load_year_parameters("2019-20", path).year == 2020


def test_year_key_across_a_century(tmp_path):
    path = tmp_path / "2000.yaml"
    path.write_text("year: 1999-00\nletter_date: 2000-07-22\nsignatory: {name: A}\n")
    assert load_year_parameters("1999-00", path).year == 2000


@pytest.mark.parametrize("written, message", [("true", "key 'year'"), ("2019-21", "key 'year'"), ("twenty", "key 'year'")])
def test_year_key_that_is_not_a_year_names_file_and_key(written, message, tmp_path):
    path = tmp_path / "2020.yaml"
    path.write_text(f"year: {written}\nletter_date: 2020-07-22\nsignatory: {{name: A}}\n")
    with pytest.raises(YearParametersError) as info:
        load_year_parameters(2020, path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_bad_year_argument_is_a_parameters_error():
    with pytest.raises(YearParametersError, match="not understood"):
        load_year_parameters("twenty")


def test_parsed_yaml_is_remembered_but_each_caller_gets_its_own_copy(monkeypatch):
    """A warm kernel reads the same parameters file for every letter: parsed once, never shared."""
    from lgsco_report import yearparams

    calls = []
    real = yearparams.yaml.safe_load
    monkeypatch.setattr(yearparams.yaml, "safe_load", lambda text: calls.append(text) or real(text))
    yearparams._parsed.cache_clear()
    text = "signatory:\n  name: A. Person\nlinks: [one, two]\n"
    first = yearparams.parse_yaml(text)
    first["links"].append("changed by a letter")
    second = yearparams.parse_yaml(text)
    assert second == {"signatory": {"name": "A. Person"}, "links": ["one", "two"]}
    assert len(calls) == 1
    assert yearparams.parse_yaml(text + "extra: 1\n")["extra"] == 1 and len(calls) == 2


def test_2025_carries_the_confirmed_letter_date_and_marks_the_rest_unconfirmed():
    """2024-25: a council's committee paper gives 21 May 2025 for the letters; the rest is not confirmed."""
    params = load_year_parameters("2024-25")
    assert params.year == 2025 and params.letter_date == dt.date(2025, 5, 21)
    assert params.signatory_name == "Amerdeep Somal"
    assert set(params.unconfirmed) == {"publication_date", "signatory"}
    assert params.publication_date > params.letter_date and params.publication_date.weekday() < 5


def test_the_figures_carried_follow_the_domain_notes_and_take_the_older_key(tmp_path):
    """Per 100,000 residents from 2022-23, late remedies from 2021-22; a file written with the older key
    'review' reads the same; both keys at once is a mistake named with its fix."""
    carried = {year: load_year_parameters(year).carries for year in range(2019, 2026)}
    assert [year for year, c in carried.items() if c.per_100k] == [2023, 2024, 2025]
    assert [year for year, c in carried.items() if c.late_remedies] == [2022, 2023, 2024, 2025]
    text = default_parameters_file(2020).read_text(encoding="utf-8")
    older = tmp_path / "2020.yaml"
    older.write_text(text.replace("\ncarries:\n", "\nreview:\n"), encoding="utf-8")
    assert load_year_parameters(2020, older).carries == carried[2020]
    both = tmp_path / "both" / "2020.yaml"
    both.parent.mkdir()
    both.write_text(text + "review:\n  per_100k: true\n", encoding="utf-8")
    with pytest.raises(YearParametersError, match=r"2020.yaml: keys 'carries' and 'review' say the same thing; keep 'carries' only"):
        load_year_parameters(2020, both)
