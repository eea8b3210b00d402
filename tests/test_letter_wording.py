"""The letter's wording: counts, names, small bases, addressing, for every council of every sample year.

The property tests render each letter's sections straight from the letter
module (no papermill), the statistics loaded once per session, and reject
wording an Ombudsman's office would not sign.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from lgsco_report import charts, formatting, register, stats, wording
from lgsco_report.letter import (
    DocumentMetadata,
    Letter,
    LetterInputError,
    addressing_for,
    letter_context,
    load_template,
    prepare_letter,
)
from lgsco_report.letter.addressing import salutation
from lgsco_report.yearparams import load_year_parameters

ROOT = Path(__file__).resolve().parent.parent
ADDRESSEES = ROOT / "parameters" / "addressees.csv"
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
GENERATED_AT = "2020-07-01T09:00:00+00:00"


# --------------------------------------------------------------------------- wording helpers


@pytest.mark.parametrize(
    "n, expected",
    [(0, "no complaints"), (1, "one complaint"), (2, "2 complaints"), (1234, "1,234 complaints")],
)
def test_count_phrase(n, expected):
    assert wording.count_phrase(n, "complaint") == expected


def test_count_phrase_irregular_plurals_and_zero_word():
    assert wording.count_phrase(3, "authority") == "3 authorities"
    assert wording.count_phrase(2, "person", "people") == "2 people"
    assert wording.count_phrase(0, "complaint or enquiry", "complaints and enquiries") == "no complaints and enquiries"
    with pytest.raises(ValueError):
        wording.count_phrase(1.5, "case")
    with pytest.raises(ValueError):
        wording.count_phrase(-1, "case")


@pytest.mark.parametrize(
    "function, n, expected",
    [
        (wording.all_of, 1, "the one complaint"),
        (wording.all_of, 2, "both complaints"),
        (wording.all_of, 5, "all 5 complaints"),
        (wording.any_of, 1, "the one complaint"),
        (wording.any_of, 2, "either of the 2 complaints"),
        (wording.any_of, 7, "any of the 7 complaints"),
        (wording.none_of, 2, "neither of the 2 complaints"),
        (wording.none_of, 3, "none of the 3 complaints"),
    ],
)
def test_all_any_none_of(function, n, expected):
    assert function(n, "complaint") == expected


def test_all_any_none_of_refuse_counts_they_cannot_word():
    for function, n in ((wording.all_of, 0), (wording.any_of, 0), (wording.none_of, 1), (wording.none_of, 0)):
        with pytest.raises(ValueError):
            function(n, "case")


def test_some_of():
    assert wording.some_of(1, 5, "case") == "1 of the 5 cases"
    assert wording.count_phrase(1, "case", numerals=True) == "1 case"
    assert wording.in_numerals(1, None, 2) and not wording.in_numerals(0, 1, None)
    assert wording.some_of(3, 5, "case") == "3 of the 5 cases"
    for part, whole in ((0, 5), (5, 5)):
        with pytest.raises(ValueError):
            wording.some_of(part, whole, "case")


@pytest.mark.parametrize(
    "printed, expected",
    [("9.1", "9.1 upheld decisions"), ("1.0", "1.0 upheld decision"), ("1", "1 upheld decision"),
     ("0.0", "no upheld decisions"), ("0", "no upheld decisions"), ("1,234.5", "1,234.5 upheld decisions")],
)
def test_figure_phrase_follows_the_printed_figure(printed, expected):
    assert wording.figure_phrase(printed, "upheld decision") == expected


def test_small_base_rule():
    assert stats.SMALL_BASE == 10
    assert [stats.is_small_base(n) for n in (0, 1, 9, 10, 11)] == [False, True, True, False, False]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name, in_text",
    [
        ("Council of the Isles of Scilly", "the Council of the Isles of Scilly"),
        ("London Borough of Lambeth", "the London Borough of Lambeth"),
        ("London Borough of Havering", "the London Borough of Havering"),
        ("Royal Borough of Greenwich", "the Royal Borough of Greenwich"),
        ("City of London Corporation", "the City of London Corporation"),
        ("City of Westminster", "the City of Westminster"),
        ("Borough Council of King's Lynn and West Norfolk", "the Borough Council of King's Lynn and West Norfolk"),
        ("Kent County Council", "Kent County Council"),
        ("City of York Council", "City of York Council"),
        ("Cannock Chase District Council", "Cannock Chase District Council"),
    ],
)
def test_name_in_text(name, in_text):
    assert register.name_in_text(name) == in_text
    assert register.name_in_text(name, start=True) == in_text[:1].upper() + in_text[1:]
    assert register.possessive(name) == in_text + "'s"


def test_name_grammar_over_every_council_in_the_register():
    prefixes = ("Council of ", "London Borough of ", "Royal Borough of ", "City of London Corporation", "Borough of ",
                "Borough Council of ", "County of ", "Metropolitan Borough of ", "City and County of ")
    councils = register.all_councils()
    assert len(councils) > 300
    for name in councils["authority_name"]:
        text = register.name_in_text(name)
        assert "  " not in text and not text.lower().startswith("the the ")
        if name.startswith(prefixes) or name in register.NAME_ARTICLE_OVERRIDES and register.NAME_ARTICLE_OVERRIDES[name]:
            assert text == "the " + name, name
        elif name.endswith(("County Council", "District Council", "Borough Council", "City Council")) and not name.startswith("City of"):
            assert text == name, name
        assert register.name_in_text(name, start=True)[0].isupper()
    # Every council that takes "the" does so for a stated reason: a prefix, "City of X", or the override table.
    takes = {n for n in councils["authority_name"] if register.takes_the(n)}
    assert {"London Borough of Lambeth", "Council of the Isles of Scilly", "City of London Corporation"} <= takes
    assert all(n.startswith(prefixes) or n.startswith("City of ") or n in register.NAME_ARTICLE_OVERRIDES for n in takes)


# --------------------------------------------------------------------------- whole batches of letters


def trends_of(statistics, year: int) -> dict:
    """Every council's ``Statistics.trend(code, year, n=5)``, by code, made in one pass."""
    recent = statistics.councils[statistics.councils["year"].between(year - 4, year)].sort_values("year")
    codes = set(statistics.councils.loc[statistics.councils["year"] == year, "authority_code"])
    return {code: frame.reset_index(drop=True) for code, frame in recent.groupby("authority_code") if code in codes}


def build_letter(statistics, year_params, figures, template, trend=None) -> Letter:
    """A letter made as ``prepare_letter`` makes it, from statistics already loaded."""
    code = figures["authority_code"]
    addressing = addressing_for(code, year_params.letter_date, ADDRESSEES)
    context = letter_context(figures, year_params, statistics, generated_at=GENERATED_AT, addressing=addressing)
    trend = statistics.trend(code, int(figures["year"]), n=5) if trend is None else trend
    letter = Letter(context=context, template=template, figures=figures, trend=trend, metadata=DocumentMetadata())
    # The trend chart's text without drawing it (drawing 2,000 charts would take minutes).
    if letter.has_trend_chart():
        alt, caption = charts.trend_text(**letter._trend_arguments())
        letter._charts["trend"] = charts.Chart(png=b"", alt=alt, caption=caption)
    return letter


def visible(markup: str) -> str:
    text = re.sub(r"</?(a|span|strong|em|code|b)\b[^>]*>", "", markup)  # inline: no space
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def prose_of(letter: Letter, chart_texts=None) -> tuple[str, str]:
    """(running text without the address block and tables, the whole letter's markup)."""
    markup = "\n".join(letter.section(name) for name in ("heading", "key_statistics", "closing", "annex"))
    # The address block and the "Copied to" line are address lines, not sentences.
    prose = re.sub(r"<address.*?</address>|<p class=\"lgsco-copies\">.*?</p>", " ", markup, flags=re.S)
    prose = re.sub(r"<table.*?</table>", " ", prose, flags=re.S)
    prose = re.sub(r'<img [^>]*alt="([^"]*)"[^>]*>', r" \1 ", prose)
    texts = [alt + " " + caption for alt, caption in (letter.chart_texts() if chart_texts is None else chart_texts)]
    return visible(prose) + " " + " ".join(texts), markup


BAD_PATTERNS = [
    r"\ball 1\b", r"\bnone of the [01]\b", r"\ball 2\b", r"\bboth 1\b", r"(?<![\d.,])0\.0 \w",
    r"(?<![\d.,])1(\.0)? (?!April\b)\w+s\b",  # plural after 1 (dates such as "1 April" are fine)
    r"(?<![\d.,])(?!1(\.0)? )\d[\d,]*(\.\d+)? (\w+ )?(complaint|decision|case|investigation|delegate|course|authority)\b",  # singular after not-1
    r"(?<![\d.,])1 (\w+ )?(complaints|decisions|cases|investigations)\b",
    r"\brecommendations whose outcome\b", r"\ball \d+ of the recommendations\b",
    r"\babout (Council of|London Borough|Royal Borough|City of London Corporation)",
    r"(?<!the )(?<!The )City of London Corporation's",
    r"\bNone\b(?! of)", r"\bnan\b", r"\bNaN\b", r"\{\{", r"\}\}", r"\{%", r"Undefined", r"\bno figure%",
    r"\.\.", r" ,", r"\bthe the\b", r"\bno complaints and enquiries\b", r"\bThe the\b", r"\ba a\b",
]
#: Fixed phrases of the wording that mention 0% or 100% as words, not as a council's figure.
FIXED_PERCENT_PHRASES = ("below 100%", "exactly 0% or 100%")


def printed_percentages_are_rates(text: str, figures, trend) -> None:
    """Every percentage printed is ``formatting.percent`` of one of the letter's rates (none made up, none rounded to 0/100%)."""
    allowed = set()
    # late_or_overdue_rate: only when the data has the optional remedies table.
    for column in ("upheld_rate", "satisfactory_remedy_rate", "compliance_rate", "late_or_overdue_rate"):
        if column not in figures:
            continue
        for value in (figures[column], figures[f"type_avg_{column}"]):
            if not formatting.is_missing(value):
                allowed.add(formatting.percent(value))
    for column in ("upheld_rate", "type_avg_upheld_rate"):
        allowed |= {formatting.percent(v) for v in trend[column] if not formatting.is_missing(v)}
    for phrase in FIXED_PERCENT_PHRASES:
        text = text.replace(phrase, "")
    for printed in re.findall(r"\d[\d,]*(?:\.\d+)?%", text):
        assert printed in allowed, (figures["authority_name"], printed, sorted(allowed))


def check_letter(letter: Letter, figures, year_params) -> None:
    chart_texts = letter.chart_texts()
    prose, markup = prose_of(letter, chart_texts)
    name = figures["authority_name"]
    for pattern in BAD_PATTERNS:
        match = re.search(pattern, prose)
        assert match is None, (year_params.year, name, pattern, prose[max(0, match.start() - 120):match.end() + 80])
    printed_percentages_are_rates(prose, figures, letter.trend)
    if register.takes_the(name):
        bare = re.findall(r"(\S+\s)?" + re.escape(name), prose)
        assert all(before.strip().lower() == "the" for before in bare), (name, bare)
    counts = {c: int(figures[c]) for c in ("received_total", "decisions_total", "compliance_outcomes",
                                           "detailed_investigations", "upheld")}
    if not (counts["received_total"] or counts["decisions_total"] or counts["compliance_outcomes"]):
        assert "no statistics to report" in prose
        assert "<table" not in markup and "<figure" not in markup and not chart_texts
        assert not letter.has_key_rates_chart()
    else:
        assert '<section class="lgsco-annex"' in markup
        assert markup.index('class="lgsco-signature"') < markup.index('class="lgsco-annex"')
        assert len(re.findall(r'class="lgsco-provenance"', markup)) == 1
        assert "sha256" not in markup.lower() and GENERATED_AT not in markup
    # The caution about small numbers: once per letter at most, naming every small base.
    cautions = re.findall(r'<span class="lgsco-small-base">(.*?)</span>', markup)
    assert len(cautions) <= 1, (name, cautions)
    for basis, noun in ((counts["detailed_investigations"], "detailed investigation"),
                        (counts["compliance_outcomes"], "case"), (counts["upheld"], "upheld complaint")):
        if stats.is_small_base(basis):
            assert cautions and wording.count_phrase(basis, noun) in cautions[0], (name, basis, noun)
    key_texts = [t for t in chart_texts if t[0].startswith("Bar chart")]
    if key_texts:
        rates_small = any(stats.is_small_base(b) for _, (r, _, b) in letter._key_rates().items())
        assert ("fewer than 10 cases" in key_texts[0][1]) == rates_small
        assert "no figure for" not in key_texts[0][0].split("against")[0]
    else:
        assert counts["detailed_investigations"] == 0 and counts["compliance_outcomes"] == 0
    for href in re.findall(r'<a href="([^"]*)"', markup):
        assert href.startswith("https://"), href
    check_figure_numbers(letter, prose, chart_texts)
    check_remedies_paragraph(letter, markup)
    check_year_paragraphs(prose, year_params, name)
    check_figures_carried(letter, prose, markup, year_params)


def check_figure_numbers(letter: Letter, prose: str, chart_texts) -> None:
    """Figures are numbered 1, 2, ... in the order the letter shows them; no text points to a figure not shown."""
    numbers = [int(re.match(r"Figure (\d+)\. ", caption).group(1)) for _, caption in chart_texts]
    assert numbers == list(range(1, len(chart_texts) + 1)), (letter.context["council_name"], numbers)
    assert sorted(letter.figure_numbers().values()) == numbers
    assert all(int(n) <= len(chart_texts) for n in re.findall(r"\bFigure (\d+)\b", prose)), letter.context["council_name"]


def check_remedies_paragraph(letter: Letter, markup: str) -> None:
    """A council that agreed no remedies is told so once; no average is printed beside a rate that is not there."""
    remedies = (letter.context["reports_and_remedies"] or {}).get("remedies")
    match = re.search(r'<p class="lgsco-service-improvements">(.*?)</p>', markup, re.S)
    if remedies is None or letter.context["nothing_to_report"]:
        assert match is None
        return
    text, name = visible(match.group(1)), letter.context["council_name"]
    if remedies["total"] == 0:
        assert text.count("agreed no remedies") == 1 and "service improvements" in text, (name, text)
    if not letter.context["carries"].late_remedies:
        assert "late" not in text and "%" not in text and "average" not in text, (name, text)
    elif remedies["due_or_done"] == 0:
        assert "average" not in text and "%" not in text, (name, text)
    else:
        assert "late or overdue" in text and "no figure" not in text, (name, text)


def check_figures_carried(letter: Letter, prose: str, markup: str, year_params) -> None:
    """A letter prints only the figures its year's letters had (key 'carries'): per 100,000 residents from
    2022-23, late remedies from 2021-22 (the domain notes); a year that carries them prints them where it can."""
    carries, name = year_params.carries, letter.context["council_name"]
    assert ("100,000" in prose) == bool(carries.per_100k and letter.context.get("upheld_per_100k") is not None
                                         and not letter.context["nothing_to_report"]), (year_params.year, name)
    assert "per 100,000 residents</dt>" not in markup or carries.per_100k, (year_params.year, name)
    remedies = (letter.context["reports_and_remedies"] or {}).get("remedies")
    prints_late = bool(remedies and remedies["due_or_done"] and not letter.context["nothing_to_report"])
    assert ("late or overdue" in prose) == (carries.late_remedies and prints_late), (year_params.year, name)
    if not carries.late_remedies:
        assert "completed late" not in prose and "overdue" not in prose, (year_params.year, name)


def check_year_paragraphs(prose: str, year_params, name: str) -> None:
    """The year's seminars and training paragraphs (parameters/<year>.yaml) are in every council's letter."""
    if year_params.seminars:
        assert prose.count("This year we ran seminars for link officers in ") == 1, name
    if year_params.training:
        assert prose.count("Our training programme for councils and independent care providers delivered ") == 1, name
    elif (year_params.links or {}).get("training"):
        assert "can help your staff handle complaints well" in prose, name


#: The fast tier reads every letter of the confirmed year (2024's are read in test_letter_editions.py); the
#: slow tier every year's.
@pytest.mark.parametrize("year", [pytest.param(year, marks=() if year == 2020 else pytest.mark.slow) for year in YEARS])
def test_every_letter_of_the_year_reads_well(year, statistics):
    year_params = load_year_parameters(year)
    template = load_template()
    councils = statistics.councils[statistics.councils["year"] == year]
    assert len(councils) >= 300
    trends = trends_of(statistics, year)
    for code in list(trends)[:3]:  # the one-pass trends are Statistics.trend's
        pd.testing.assert_frame_equal(trends[code], statistics.trend(code, year, n=5))
    abolished = 0
    for _, figures in councils.iterrows():
        letter = build_letter(statistics, year_params, figures, template, trends[figures["authority_code"]])
        check_letter(letter, figures, year_params)
        ended = register.abolished_before(figures["authority_code"], year_params.letter_date)
        if ended:
            abolished += 1
            heading = visible(letter.section("heading"))
            assert f"ceased to exist on {ended[0].day} {ended[0]:%B %Y}" in heading
            assert letter.context["addressee_council"] == ended[1][0]["authority_name"]
    # The year has councils that agreed no remedies, and letters whose only chart is the trend (its Figure 1).
    assert (councils["remedies_total"] == 0).any(), year
    # The years the register says councils were abolished in (2019, 2020, 2021, 2023) each have such letters.
    assert (abolished > 0) == (year in (2019, 2020, 2021, 2023)), (year, abolished)


# --------------------------------------------------------------------------- named cases


def _letter(council, year, stats_file, **kwargs) -> tuple[Letter, str]:
    letter = prepare_letter(council, year, stats_file=stats_file, generated_at=GENERATED_AT, **kwargs)
    return letter, visible(letter.to_html())


def test_isles_of_scilly_2020_gets_a_short_letter(statistics, stats_file):
    figures = statistics.council(register.find_council("Isles of Scilly", 2020)["authority_code"], 2020)
    assert int(figures["received_total"]) == int(figures["decisions_total"]) == int(figures["compliance_outcomes"]) == 0
    letter, _ = _letter("Isles of Scilly", 2020, stats_file)
    markup = letter.to_html()
    # Its wording is the reviewed file tests/expected/letter-2020-isles-of-scilly.txt (test_wording_expected.py).
    assert "<table" not in markup and "<figure" not in markup and "<img" not in markup
    assert letter.key_rates_figure() is None


@pytest.mark.parametrize("council, name", [("Havering", "London Borough of Havering"), ("Lambeth", "London Borough of Lambeth"),
                                           ("City of London", "City of London Corporation")])
def test_names_that_take_the(council, name, stats_file):
    letter, text = _letter(council, 2020, stats_file)
    assert f"about the {name}" in text
    prose, _ = prose_of(letter)
    assert re.search(r"(?<!the )(?<!The )" + re.escape(name), prose) is None
    if letter.has_key_rates_chart():
        assert f"Figure 1. The {name}'s key rates" in letter.key_rates_chart().caption


def test_aylesbury_vale_2020_goes_to_buckinghamshire_council(stats_file):
    letter, _ = _letter("Aylesbury Vale", 2020, stats_file)
    address = visible(re.search(r"<address.*?</address>", letter.section("heading"), re.S).group(0))
    assert address.endswith("Buckinghamshire Council")
    assert letter.context["addressee_name"] == "Ms B Example"  # the successor's row of the addressees file
    # Its wording is the reviewed file tests/expected/letter-2020-aylesbury-vale.txt (test_wording_expected.py).


def test_northamptonshire_district_2021_goes_to_its_successor_and_the_county_to_both(stats_file):
    letter, text = _letter("Corby", 2021, stats_file)
    assert "ceased to exist on 31 March 2021" in text
    assert letter.context["addressee_council"] == "North Northamptonshire Council"
    assert "Copied to: Mr C Example, Link Officer, North Northamptonshire Council" in text
    county, text = _letter("Northamptonshire County Council", 2021, stats_file)
    assert "North Northamptonshire Council and West Northamptonshire Council have taken over" in text
    assert "the Chief Executive, West Northamptonshire Council" in text
    # Letter date decides: the same council in the 2020 letters (still existing then) is addressed to itself.
    still, text_2020 = _letter("Corby", 2020, stats_file)
    assert still.context["addressee_council"] == "Corby Borough Council" and "ceased" not in text_2020


def test_council_with_one_detailed_investigation(statistics, stats_file):
    year = statistics.councils[(statistics.councils["year"] == 2020) & (statistics.councils["detailed_investigations"] == 1)]
    assert not year.empty, "the sample data has no council with one detailed investigation in 2019-20"
    figures = year.iloc[0]
    letter, text = _letter(figures["authority_code"], 2020, stats_file)
    assert "We completed one detailed investigation" in text
    assert "rests on only one detailed investigation" in text
    chart = letter.key_rates_chart()
    assert "uphold rate " + formatting.percent(figures["upheld_rate"]) + " (based on only 1 case)" in chart.alt
    assert "fewer than 10 cases" in chart.caption


def test_council_not_in_the_addressees_file_goes_to_the_chief_executive(stats_file):
    letter, text = _letter("Adur", 2020, stats_file)
    assert "By email The Chief Executive Adur District Council Dear Chief Executive" in text
    assert "Copied to" not in text


def test_bad_email_in_addressees_names_file_row_and_column(tmp_path, stats_file):
    path = tmp_path / "addressees.csv"
    path.write_text("council,chief_executive_name,link_officer_email\nAdur,Ms X,not-an-address\n")
    with pytest.raises(LetterInputError) as info:
        prepare_letter("Adur", 2020, stats_file=stats_file, overrides_file=path)
    message = str(info.value)
    assert str(path) in message and "row 2" in message and "column link_officer_email" in message


def test_the_addressees_beside_the_parameters_file_address_the_letter(tmp_path, stats_file):
    """``workbook.addressees_file``'s rule, as the batch and ``send`` read it: beside the parameters file first."""
    (tmp_path / "2020.yaml").write_bytes((ROOT / "parameters" / "2020.yaml").read_bytes())
    (tmp_path / "addressees.csv").write_text("council,chief_executive_name\nAdur,Ms Beside-The-Parameters\n")
    markup = prepare_letter("Adur", 2020, stats_file=stats_file, params_file=tmp_path / "2020.yaml").to_html()
    assert "Ms Beside-The-Parameters" in markup


def test_hostile_addressee_is_escaped(tmp_path, stats_file):
    path = tmp_path / "addressees.csv"
    path.write_text('council,chief_executive_name,link_officer_name\nAdur,<script>x</script>,"<b>Bold</b>"\n')
    markup = prepare_letter("Adur", 2020, stats_file=stats_file, overrides_file=path).to_html()
    assert "<script>" not in markup and "<b>Bold" not in markup and "&lt;script&gt;" in markup


# --------------------------------------------------------------------------- index page and national review


def test_index_page_marks_letters_of_abolished_councils(statistics, tmp_path):
    from lgsco_report.index_page import index_rows, render_index
    from lgsco_report.year_folder.manifest import Manifest

    councils = statistics.councils[statistics.councils["year"] == 2020]
    rows = {row["name"]: row for row in index_rows(councils, Manifest(year=2020), tmp_path, 2020)}
    for name in ("Aylesbury Vale District Council", "Chiltern District Council", "South Bucks District Council",
                 "Wycombe District Council", "Buckinghamshire County Council"):
        assert rows[name]["abolished"] == "abolished 31 March 2020; successor: Buckinghamshire Council"
    assert sum(bool(row["abolished"]) for row in rows.values()) == 5
    page = render_index(2020, councils, Manifest(year=2020), tmp_path)
    assert '<span class="abolished">abolished 31 March 2020; successor: Buckinghamshire Council</span>' in page
    later = statistics.councils[statistics.councils["year"] == 2022]
    assert not any(row["abolished"] for row in index_rows(later, Manifest(year=2022), tmp_path, 2022))


def test_national_review_marks_letters_of_abolished_councils(statistics):
    from lgsco_report import national

    frame = national.abolished_councils(statistics, 2021)
    assert set(frame["authority_name"]) == {
        "Corby Borough Council", "Daventry District Council", "East Northamptonshire Council",
        "Kettering Borough Council", "Northampton Borough Council", "Northamptonshire County Council",
        "South Northamptonshire Council", "Wellingborough Borough Council",
    }
    markup = national.abolished_councils_html(statistics, 2021)
    # The date and the successors in columns of their own.
    assert '<td data-column="abolished">31 March 2021</td><td data-column="successors">West Northamptonshire Council</td>' in markup
    assert '<td data-column="successors">North Northamptonshire Council and West Northamptonshire Council</td>' in markup
    assert national.abolished_councils_html(statistics, 2022) == ""


def test_links_come_from_the_year_parameters_and_must_be_https(tmp_path):
    from lgsco_report.errors import YearParametersError

    for year in YEARS:
        links = load_year_parameters(year).links
        assert set(links) == {"performance_map", "website", "training"}
    text = (ROOT / "parameters" / "2020.yaml").read_text()
    bad = tmp_path / "2020.yaml"
    bad.write_text(text.replace("https://www.lgo.org.uk/training", 'javascript:alert(1)"'))
    with pytest.raises(YearParametersError, match="key 'links'"):
        load_year_parameters(2020, bad)


@pytest.mark.parametrize("name, expected", [
    ("Ms B Example", "Ms Example"),
    ("Dr Jane Smith", "Dr Smith"),
    ("Jane Smith", "Jane Smith"),
    ("Mr McGovern", "Mr McGovern"),
    ("Dr. A. B. Jones", "Dr. Jones"),
    ("Sir John Smith", "Sir John"),
    ("Ms A van der Berg", "Ms van der Berg"),
    ("Mr J Smith OBE", "Mr Smith"),
    (None, "Chief Executive"),
    ("  ", "Chief Executive"),
])
def test_a_salutation_is_the_title_and_surname_as_british_letters_write_it(name, expected):
    assert salutation(name) == expected


def test_every_letter_of_a_year_greets_its_addressee_by_title_and_surname(statistics):
    year_params = load_year_parameters(2020)
    for row in register.councils_for_year(2020).to_dict("records"):
        addressing = addressing_for(row["authority_code"], year_params.letter_date, ADDRESSEES)
        named, greeting = addressing["addressee_name"], addressing["salutation_name"]
        assert greeting == salutation(named)
        # No initial after "Dear", and the addressee's surname (or "Chief Executive") ends it.
        assert not any(len(word.rstrip(".")) == 1 for word in greeting.split()), greeting
        assert greeting.split()[-1] == (named.split()[-1] if named else "Executive"), (named, greeting)
