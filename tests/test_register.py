"""The council register: who gets a letter each year, and look-ups."""

import subprocess
import sys
from collections import Counter

import pandas as pd
import pytest

from lgsco_report import register
from lgsco_report.definitions import AUTHORITY_TYPES


def test_2020_has_343_councils_split_by_type():
    frame = register.councils_for_year(2020)
    assert len(frame) == 343
    counts = Counter(frame["authority_type"])
    assert [counts[t] for t in AUTHORITY_TYPES] == [26, 192, 36, 56, 33]


def test_2024_has_317_councils():
    assert len(register.councils_for_year(2024)) == 317


def test_columns_and_unique_codes():
    frame = register.councils_for_year(2021)
    assert tuple(frame.columns) == register.COUNCIL_COLUMNS
    assert frame["authority_code"].is_unique
    assert frame["authority_code"].str.match(r"^E0[6-9]\d{6}$|^E10\d{6}$").all()
    assert set(frame["authority_type"]) == set(AUTHORITY_TYPES)


def test_isles_of_scilly_is_unitary_and_city_of_london_is_london_borough():
    frame = register.councils_for_year(2020).set_index("authority_name")
    assert frame.loc["Council of the Isles of Scilly", "authority_type"] == "Unitary Council"
    assert frame.loc["City of London Corporation", "authority_type"] == "London Borough"


def test_end_date_written_as_last_day_or_successors_first_day():
    # Aylesbury Vale ends 2020-03-31 (last day): in 2020, out of 2021.
    names_2020 = set(register.councils_for_year(2020)["authority_name"])
    names_2021 = set(register.councils_for_year(2021)["authority_name"])
    assert "Aylesbury Vale District Council" in names_2020
    assert "Aylesbury Vale District Council" not in names_2021
    assert "Buckinghamshire Council" in names_2021 and "Buckinghamshire Council" not in names_2020
    # Corby ends 2021-04-01 (successor's first day): in 2021, out of 2022.
    assert "Corby Borough Council" in names_2021
    assert "Corby Borough Council" not in set(register.councils_for_year(2022)["authority_name"])


@pytest.mark.parametrize(
    "query",
    ["E07000192", "e07000192", "CAN", "Cannock Chase District Council", "  cannock   CHASE district council ", "Cannock Chase"],
)
def test_find_council_by_code_or_name(query):
    assert register.find_council(query, 2020)["authority_name"] == "Cannock Chase District Council"


def test_unknown_council_suggests_closest():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Canock Chase Distrct Council", 2020)
    assert "Cannock Chase District Council" in info.value.suggestions
    assert "Did you mean" in str(info.value)


def test_council_outside_year_says_when_it_existed():
    with pytest.raises(register.UnknownCouncilError, match="until 31 March 2020"):
        register.find_council("Aylesbury Vale District Council", 2022)


def test_resolve_authority_vectorised():
    values = pd.Series(["City of Westminster", "E07000192", "nowhere", "cannock chase"])
    resolved = register.resolve_authority(values)
    assert resolved.iloc[0] == "E09000033"
    assert resolved.iloc[1] == "E07000192"
    assert pd.isna(resolved.iloc[2])
    assert resolved.iloc[3] == "E07000192"


def test_overrides_fill_addressee(tmp_path):
    path = tmp_path / "addressees.csv"
    path.write_text("council,chief_executive_name,chief_executive_title\nE07000192,Ms Example,Chief Executive\n")
    frame = register.councils_for_year(2020, overrides=path).set_index("authority_code")
    assert frame.loc["E07000192", "chief_executive_name"] == "Ms Example"
    assert frame.loc["E07000192", "chief_executive_title"] == "Chief Executive"
    assert frame["chief_executive_name"].notna().sum() == 1


def test_overrides_unknown_council_names_row_and_column(tmp_path):
    path = tmp_path / "addressees.csv"
    path.write_text("council,chief_executive_name,chief_executive_title\nCanock Chase,Ms X,CEO\n")
    with pytest.raises(register.RegisterOverridesError) as info:
        register.councils_for_year(2020, overrides=path)
    message = str(info.value)
    assert str(path) in message and "row 2" in message and "column council" in message
    assert "Cannock Chase District Council" in message


def test_overrides_missing_column(tmp_path):
    path = tmp_path / "addressees.csv"
    path.write_text("council,name\nE07000192,Ms X\n")
    with pytest.raises(register.RegisterOverridesError, match="chief_executive_name"):
        register.councils_for_year(2020, overrides=path)


def test_register_carries_licence_notice():
    from importlib import resources

    notice = resources.files("lgsco_report.data").joinpath("councils_england.LICENSE").read_text()
    assert "mySociety" in notice and "MIT" in notice


@pytest.mark.slow
def test_cli_councils_csv_and_table():
    out = subprocess.run(
        [sys.executable, "-m", "lgsco_report", "councils", "--year", "2019-20", "--format", "csv"],
        capture_output=True, text=True, check=True,
    )
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "authority_code,authority_name,short_name,authority_type,population"
    assert len(lines) == 344
    table = subprocess.run(
        [sys.executable, "-m", "lgsco_report", "councils", "--year", "2024"],
        capture_output=True, text=True, check=True,
    )
    assert "317 councils" in table.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "lgsco_report", "councils", "--year", "twenty"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# Short names people really type, with the council(s) they mean (year ending March 2020 unless given).
SHORT_NAMES = [
    ("Hull", 2020, ["Hull City Council"]),
    ("hull", 2024, ["Hull City Council"]),
    ("Newcastle", 2020, ["Newcastle City Council", "Newcastle-under-Lyme Borough Council"]),
    ("Newcastle", 2024, ["Newcastle City Council", "Newcastle-under-Lyme Borough Council"]),
    ("Newcastle under Lyme", 2020, ["Newcastle-under-Lyme Borough Council"]),
    ("Stoke", 2020, ["Stoke-on-Trent City Council"]),
    ("Stoke on Trent", 2020, ["Stoke-on-Trent City Council"]),
    ("Southend", 2020, ["Southend-on-Sea Borough Council"]),
    ("Southend on Sea", 2020, ["Southend-on-Sea Borough Council"]),
    ("Bristol", 2020, ["Bristol City Council"]),
    ("Herefordshire", 2020, ["Herefordshire Council"]),
    ("Hereford", 2020, ["Herefordshire Council"]),
    ("Durham", 2020, ["Durham County Council"]),
    ("Windsor", 2020, ["Royal Borough of Windsor and Maidenhead"]),
    ("Kings Lynn", 2020, ["Borough Council of King's Lynn and West Norfolk"]),
    ("King's Lynn", 2020, ["Borough Council of King's Lynn and West Norfolk"]),
    ("St Helens", 2020, ["St Helens Council"]),
    ("Saint Helens", 2020, ["St Helens Council"]),
    ("Telford", 2020, ["Telford & Wrekin Council"]),
    ("Barrow", 2020, ["Barrow-in-Furness Borough Council"]),
    ("Barrow in Furness", 2020, ["Barrow-in-Furness Borough Council"]),
    ("Brighton", 2020, ["Brighton and Hove City Council"]),
    ("Stockton", 2020, ["Stockton-on-Tees Borough Council"]),
    ("Redcar", 2020, ["Redcar and Cleveland Borough Council"]),
    ("Blackburn", 2020, ["Blackburn with Darwen Borough Council"]),
    ("Hammersmith", 2020, ["London Borough of Hammersmith and Fulham"]),
    ("Kensington", 2020, ["Royal Borough of Kensington and Chelsea"]),
    ("Bournemouth", 2020, ["Bournemouth, Christchurch and Poole Council"]),
    ("Bath", 2020, ["Bath and North East Somerset Council"]),
    ("Scilly", 2020, ["Council of the Isles of Scilly"]),
    ("Kingston", 2020, ["Royal Borough of Kingston upon Thames", "Hull City Council"]),
    ("Sussex", 2020, ["East Sussex County Council", "West Sussex County Council", "Mid Sussex District Council"]),
    ("Herts", 2020, ["Hertfordshire County Council"]),
    ("East Herts", 2020, ["East Hertfordshire District Council"]),
    ("Northants", 2020, ["Northamptonshire County Council"]),
    ("Westmorland", 2024, ["Westmorland and Furness Council"]),
]


@pytest.mark.parametrize("query, year, expected", SHORT_NAMES, ids=[f"{q}-{y}" for q, y, _ in SHORT_NAMES])
def test_common_short_names_find_the_council_or_suggest_every_match(query, year, expected):
    try:
        found = register.find_council(query, year)
    except register.UnknownCouncilError as error:
        assert set(expected) <= set(error.suggestions), (query, error.suggestions)
        assert all(name in str(error) for name in expected)
    else:
        # Resolved directly only when the query names one council.
        assert len(expected) == 1, f"{query!r} silently picked {found['authority_name']} of {expected}"
        assert found["authority_name"] == expected[0]


@pytest.mark.parametrize("query", ["Newcastle", "Kingston", "Sussex"])
def test_ambiguous_short_name_lists_every_word_match_and_picks_none(query):
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council(query, 2020)
    assert "more than one council" in str(info.value)
    assert len(info.value.suggestions) >= 2


def test_hull_is_not_solihull():
    assert register.find_council("Hull", 2020)["authority_name"] == "Hull City Council"
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Hul", 2020)
    assert "Hull City Council" in info.value.suggestions


def test_newcastle_suggestions_are_only_the_newcastles():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Newcastle", 2020)
    assert sorted(info.value.suggestions) == ["Newcastle City Council", "Newcastle-under-Lyme Borough Council"]
    assert "Lancaster" not in str(info.value)


def test_short_name_of_a_council_abolished_before_the_year_says_so_and_names_its_successor():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Barrow", 2024)
    message = str(info.value)
    assert "Barrow-in-Furness Borough Council" in message and "until 01 April 2023" in message
    assert "Westmorland and Furness Council" in message


def test_exact_name_outside_the_year_suggests_the_council_of_that_year():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Buckinghamshire", 2020)
    assert "Buckinghamshire County Council" in info.value.suggestions


def test_typo_still_suggests_by_spelling():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Leicestershre", 2020)
    assert "Leicestershire County Council" in info.value.suggestions


def test_exact_name_of_an_abolished_council_is_not_swapped_for_a_namesake():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Bournemouth Borough Council", 2020)
    message = str(info.value)
    assert "until" in message or "to 31 March 2019" in message
    assert "replaced by Bournemouth, Christchurch and Poole Council" in message


def test_generic_words_alone_pick_out_no_council():
    with pytest.raises(register.UnknownCouncilError) as info:
        register.find_council("Borough Council", 2020)
    assert not isinstance(info.value, register.AmbiguousCouncilError)
    assert len(info.value.suggestions) <= 3


@pytest.mark.parametrize("year", ["2019-20", "2019/2020", "2020"])
def test_find_council_takes_the_year_in_any_form(year):
    assert register.find_council("Hull", year)["authority_name"] == "Hull City Council"
    with pytest.raises(register.UnknownCouncilError, match="year ending 31 March 2020"):
        register.find_council("Newcastle", year)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Newcastle City", "Newcastle City Council"),
        ("Newcastle Borough", "Newcastle-under-Lyme Borough Council"),
        ("Kingston upon Hull City Council", "Hull City Council"),
        ("Stoke On Trent City Council", "Stoke-on-Trent City Council"),
        ("Kingston Royal Borough", "Royal Borough of Kingston upon Thames"),
    ],
)
def test_generic_words_settle_between_word_matches(query, expected):
    assert register.find_council(query, 2020)["authority_name"] == expected


def test_generic_words_narrow_an_ambiguous_list():
    with pytest.raises(register.AmbiguousCouncilError) as info:
        register.find_council("Sussex County", 2020)
    assert sorted(info.value.suggestions) == ["East Sussex County Council", "West Sussex County Council"]


@pytest.mark.parametrize("year", [2020, 2024])
def test_every_council_is_found_by_its_own_official_and_short_name(year):
    # Word matching and ambiguity checks must never turn a council's own name into another council.
    for row in register.councils_for_year(year).itertuples():
        for query in (row.authority_name, row.short_name):
            assert register.find_council(query, year)["authority_code"] == row.authority_code, query


# --------------------------------------------------------------------------- addressees, names, successors


def test_addressees_file_with_every_optional_column(tmp_path):
    path = tmp_path / "addressees.csv"
    path.write_text(
        "council," + ",".join(register.ADDRESSEE_COLUMNS) + "\n"
        "E07000192,Ms Example,Chief Executive,ce@council.example,Mr Link,Link Officer,link@council.example,,,\n"
        "Adur,,,,,,,Ms Monitor,,\n"
    )
    frame = register.councils_for_year(2020, overrides=path).set_index("authority_code")
    assert frame.loc["E07000192", "chief_executive_email"] == "ce@council.example"
    assert frame.loc["E07000192", "link_officer_name"] == "Mr Link"
    assert frame.loc["E07000192", "monitoring_officer_name"] is None
    assert frame.loc["E07000223", "monitoring_officer_name"] == "Ms Monitor"
    assert frame.loc["E07000223", "chief_executive_name"] is None
    assert tuple(frame.reset_index().columns) == register.COUNCIL_COLUMNS


@pytest.mark.parametrize("email", ["not-an-address", "a@b", "two@@council.example", "x y@council.example"])
def test_addressees_bad_email_names_file_row_and_column(tmp_path, email):
    path = tmp_path / "addressees.csv"
    path.write_text(f"council,monitoring_officer_email\nAdur,\nE07000192,{email}\n")
    with pytest.raises(register.RegisterOverridesError) as info:
        register.councils_for_year(2020, overrides=path)
    message = str(info.value)
    assert str(path) in message and "row 3" in message and "column monitoring_officer_email" in message


def test_addressees_unknown_column_is_refused(tmp_path):
    path = tmp_path / "addressees.csv"
    path.write_text("council,chief_executive_name,link_officer_phone\nAdur,Ms X,0123\n")
    with pytest.raises(register.RegisterOverridesError, match="row 1: unknown column.*link_officer_phone"):
        register.councils_for_year(2020, overrides=path)


def test_project_addressees_file_is_valid_and_illustrative():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "parameters" / "addressees.csv"
    frame = register.apply_overrides(register.all_councils(), path)
    emails = [e for c in register.ADDRESSEE_COLUMNS if c.endswith("_email") for e in frame[c].dropna()]
    assert emails and all(e.endswith(".example") for e in emails)


def test_corrected_names_and_old_spellings_still_resolve():
    kings_lynn = register.find_council("Kings Lynn and West Norfolk", 2020)
    assert kings_lynn["authority_name"] == "Borough Council of King's Lynn and West Norfolk"
    assert register.find_council("Borough Council of Kings Lynn and West Norfolk", 2020)["authority_code"] == "E07000146"
    assert register.find_council("St. Helens", 2020)["short_name"] == "St Helens"
    assert register.find_council("North Somerset  Council", 2020)["authority_name"] == "North Somerset Council"
    assert register.find_council("London Borough of Hammersmith & Fulham", 2020)["authority_name"] == (
        "London Borough of Hammersmith and Fulham"
    )
    names = register.all_councils()["authority_name"]
    assert not names.str.contains("  ").any() and not names.str.contains("Kings Lynn").any()


def test_successors_and_last_day():
    import datetime as dt

    ended = register.abolished_before("E07000004", dt.date(2020, 7, 22))  # Aylesbury Vale
    assert ended is not None and ended[0] == dt.date(2020, 3, 31)
    assert [s["authority_name"] for s in ended[1]] == ["Buckinghamshire Council"]
    # Corby's end date is written as the successor's first day (2021-04-01): its last day is 31 March.
    corby = register.abolished_before("E07000150", dt.date(2021, 7, 20))
    assert corby[0] == dt.date(2021, 3, 31) and corby[1][0]["authority_name"] == "North Northamptonshire Council"
    county = register.successors("E10000021")
    assert [s["authority_name"] for s in county] == ["North Northamptonshire Council", "West Northamptonshire Council"]
    assert register.abolished_before("E07000004", dt.date(2020, 3, 31)) is None
    assert register.abolished_before("E07000192", dt.date(2024, 7, 1)) is None
    assert register.abolition_note("E07000004", dt.date(2020, 7, 22)) == (
        "abolished 31 March 2020; successor: Buckinghamshire Council"
    )
    assert register.abolition_note("E10000021", dt.date(2021, 7, 20)).endswith(
        "successors: North Northamptonshire Council; West Northamptonshire Council"
    )
    assert register.abolition_note("E07000004", None) is None


def test_2025_has_the_317_councils_of_2024_by_type():
    councils = register.councils_for_year(2025)
    assert councils["authority_code"].tolist() == register.councils_for_year(2024)["authority_code"].tolist()
    assert councils["authority_type"].value_counts().to_dict() == {
        "District Council": 164, "Unitary Council": 63, "Metropolitan Borough": 36, "London Borough": 33, "County Council": 21,
    }


def test_every_council_of_every_letter_year_has_an_ons_population():
    """Every council that gets a letter, 2019-20 to 2024-25, has a population and the mid-year of its estimate."""
    from lgsco_report.register import councils_for_year, population_mid_year

    for year in range(2020, 2026):
        councils = councils_for_year(year)
        assert councils["population"].notna().all(), (year, list(councils.loc[councils["population"].isna(), "authority_name"]))
        assert all(population_mid_year(code) in (2019, 2020) for code in councils["authority_code"]), year


def test_populations_are_the_ons_estimates():
    """A few figures against the ONS tables: mid-2020 where the council existed then, mid-2019 where it had gone."""
    from lgsco_report.register import population_estimates

    estimates = population_estimates()
    assert estimates["E10000016"] == (1589057, 2020)  # Kent, as the register's pop-2020
    assert estimates["E07000154"] == (224290, 2020)  # Northampton (the register has no figure)
    assert estimates["E07000004"] == (203219, 2019)  # Aylesbury Vale, abolished 1 April 2020
    # Northamptonshire at mid-2020 is the sum of its seven districts, as the source column says.
    districts = ["E07000150", "E07000151", "E07000152", "E07000153", "E07000154", "E07000155", "E07000156"]
    assert estimates["E10000021"] == (sum(estimates[d][0] for d in districts), 2020)
