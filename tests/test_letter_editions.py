"""Letter editions: the year file chooses the letter's form and how decisions are grouped under its headings.

Sample years 2019-2023 use the edition "2020" (letter.html.j2); 2024 uses
"current" (the form of the Ombudsman's Manual for Councils). The grouping of
decision outcomes is data in parameters/<year>.yaml; a third edition needs a
template and a YAML block only.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

from lgsco_report import formatting
from lgsco_report.definitions import DECISION_OUTCOMES
from lgsco_report.letter import (
    SECTIONS,
    TEMPLATE_DIR,
    Letter,
    LetterInputError,
    edition_template,
    letter_context,
    load_template,
    prepare_letter,
)
from lgsco_report.errors import YearParametersError
from lgsco_report.yearparams import load_year_parameters
from test_letter_wording import GENERATED_AT, build_letter, check_letter, trends_of, visible

ROOT = Path(__file__).resolve().parent.parent
PARAMETERS = ROOT / "parameters"
NOTEBOOK = ROOT / "notebooks" / "annual_review_letter.ipynb"
#: Decision outcome label -> statistics column, written out by hand (not taken from letter.py).
OUTCOME_COLUMNS = {
    "Upheld": "upheld",
    "Not upheld": "not_upheld",
    "Advice given": "advice_given",
    "Closed after initial enquiries": "closed_after_initial_enquiries",
    "Incomplete/Invalid": "incomplete_invalid",
    "Referred back for local resolution": "referred_back",
}


def year_file_copy(tmp_path: Path, year: int, **changes) -> Path:
    """parameters/<year>.yaml copied into tmp_path with some keys replaced."""
    data = yaml.safe_load((PARAMETERS / f"{year}.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / f"{year}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def table_counts(markup: str) -> dict[str, int]:
    """Heading -> count of the 'How we dealt with complaints' table."""
    table = re.search(r'<table class="lgsco-table lgsco-decision-groups">.*?</table>', markup, re.S).group(0)
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>[^<]*</td><td class="num">([\d,]+)</td>', table)
    return {label: int(count.replace(",", "")) for label, count in rows}


# --------------------------------------------------------------------------- the edition switch


def test_year_files_choose_the_edition(stats_file):
    for year in (2019, 2020, 2021, 2022, 2023):
        params = load_year_parameters(year)
        assert params.edition == "2020" and params.decision_groups == {}
        assert edition_template(params) == (TEMPLATE_DIR / "letter.html.j2").resolve()
    params = load_year_parameters(2024)
    assert params.edition == "current"
    assert edition_template(params) == (TEMPLATE_DIR / "current.html.j2").resolve()

    old = prepare_letter("Kent", 2020, stats_file=stats_file, generated_at=GENERATED_AT)
    new = prepare_letter("Kent", 2024, stats_file=stats_file, generated_at=GENERATED_AT)
    # Each edition's wording is a reviewed file: tests/expected/letter-2020-kent.txt and letter-2024-kent.txt.
    # The 2019-20 letter is the 2020 edition's template, unchanged, section by section.
    same = Letter(context=old.context, template=load_template(), figures=old.figures, trend=old.trend,
                  metadata=old.metadata)
    for name in SECTIONS:
        assert old.section(name) == same.section(name)
    # The notebook's calls work for both editions: every section it renders exists in each.
    for letter in (old, new):
        assert all(letter.section(name) for name in ("heading", "key_statistics", "closing", "annex"))


def test_type_averages_table_comes_from_the_statistics(statistics, stats_file):
    letter = prepare_letter("Breckland", 2024, stats_file=stats_file, generated_at=GENERATED_AT)
    table = re.search(r'<table class="lgsco-table lgsco-type-averages">.*?</table>', letter.section("key_statistics"), re.S)
    rows = re.findall(r'<th scope="row">([^<(]*?)(?: \([^)]*\))?</th>\s*<td class="num">([^<]*)</td><td class="num">([^<]*)</td>'
                      r'<td class="num">([^<]*)</td>', table.group(0))
    assert len(rows) == 5
    for plural, uphold, remedy, compliance in rows:
        row = statistics.types[(statistics.types["year"] == 2024)
                               & (statistics.types["authority_type"].str.rstrip("y") == plural.rstrip("s").rstrip("ie"))]
        assert len(row) == 1, plural
        row = row.iloc[0]
        assert uphold == formatting.percent(row["type_avg_upheld_rate"])
        assert remedy == formatting.percent(row["type_avg_satisfactory_remedy_rate"])
        assert compliance == formatting.percent(row["type_avg_compliance_rate"])
    assert 'class="lgsco-own-type"><th scope="row">District Councils' in table.group(0)


def test_an_offices_own_template_wins_over_the_edition(tmp_path, stats_file):
    (tmp_path / "own.html.j2").write_text(
        '{% block banner %}{% endblock %}{% block heading %}<p>Own letter for {{ council }}</p>{% endblock %}'
        '{% block key_statistics %}{% endblock %}{% block closing %}{% endblock %}{% block annex %}{% endblock %}',
        encoding="utf-8")
    params = year_file_copy(tmp_path, 2024, letter_template="own.html.j2")
    letter = prepare_letter("Kent", 2024, params_file=params, stats_file=stats_file, generated_at=GENERATED_AT)
    assert letter.section("heading") == "<p>Own letter for Kent County Council</p>"


# --------------------------------------------------------------------------- the grouping data


@pytest.mark.slow
def test_group_counts_are_sums_of_the_outcome_counts_for_every_council_of_2024(statistics):
    params = load_year_parameters(2024)
    groups = yaml.safe_load((PARAMETERS / "2024.yaml").read_text(encoding="utf-8"))["decision_groups"]
    template = load_template(edition_template(params))
    councils = statistics.councils[statistics.councils["year"] == 2024]
    assert len(councils) >= 300
    checked_tables = 0
    for _, figures in councils.iterrows():
        context = letter_context(figures, params, statistics, generated_at=GENERATED_AT)
        counts = {heading: group["count"] for heading, group in context["decision_groups"].items()}
        expected = {heading: sum(int(figures[OUTCOME_COLUMNS[o]]) for o in outcomes) for heading, outcomes in groups.items()}
        assert counts == expected, figures["authority_name"]
        # The shipped grouping: dealt with = every decision; the three headings split them; investigated = detailed.
        assert counts["dealt_with"] == int(figures["decisions_total"])
        assert counts["not_for_us"] + counts["assessed_and_closed"] + counts["investigated"] == counts["dealt_with"]
        assert counts["investigated"] == int(figures["detailed_investigations"])
        if counts["dealt_with"]:
            letter = Letter(context=context, template=template, figures=figures, trend=None, metadata={})
            assert table_counts(letter.section("key_statistics")) == {
                "Not for us": counts["not_for_us"], "Assessed and closed": counts["assessed_and_closed"],
                "Investigated": counts["investigated"], "Complaints dealt with": counts["dealt_with"]}
            checked_tables += 1
    assert checked_tables > 300


def test_changing_the_grouping_in_the_year_file_changes_the_counts(tmp_path, statistics, stats_file):
    groups = yaml.safe_load((PARAMETERS / "2024.yaml").read_text(encoding="utf-8"))["decision_groups"]
    groups["not_for_us"] = ["Referred back for local resolution", "Incomplete/Invalid"]
    groups["assessed_and_closed"] = ["Closed after initial enquiries", "Advice given"]
    params = year_file_copy(tmp_path, 2024, decision_groups=groups)
    letter = prepare_letter("Kent", 2024, params_file=params, stats_file=stats_file, generated_at=GENERATED_AT)
    shipped = prepare_letter("Kent", 2024, stats_file=stats_file, generated_at=GENERATED_AT)
    figures = statistics.council(letter.context["council_code"], 2024)
    assert int(figures["advice_given"]) > 0  # otherwise moving it would change nothing
    changed, before = table_counts(letter.section("key_statistics")), table_counts(shipped.section("key_statistics"))
    assert changed["Not for us"] == before["Not for us"] - int(figures["advice_given"])
    assert changed["Assessed and closed"] == before["Assessed and closed"] + int(figures["advice_given"])
    assert "Closed after initial enquiries; Advice given" in letter.section("key_statistics")


@pytest.mark.parametrize("groups, key, words", [
    ({"not_for_us": ["Referred back", "Advice given"]}, "decision_groups.not_for_us", "unknown decision outcome 'Referred back'"),
    ({"investigated": "Upheld partly"}, "decision_groups.investigated", "unknown decision outcome 'Upheld partly'"),
    ({"investigated": ["Upheld", "Upheld"]}, "decision_groups.investigated", "lists an outcome twice"),
    (["Upheld"], "decision_groups", "should map each heading"),
])
def test_a_bad_grouping_is_refused_naming_file_and_key(tmp_path, stats_file, groups, key, words):
    params = year_file_copy(tmp_path, 2024, decision_groups=groups)
    with pytest.raises(YearParametersError) as error:
        load_year_parameters(2024, params)
    message = str(error.value)
    assert str(params) in message and f"key '{key}'" in message and words in message, message
    if "unknown" in words:
        assert all(repr(label) in message for label in DECISION_OUTCOMES)  # the fix: the labels it knows
    with pytest.raises(LetterInputError, match=re.escape(str(params))):
        prepare_letter("Kent", 2024, params_file=params, stats_file=stats_file)


def test_an_unknown_edition_or_a_missing_heading_is_refused(tmp_path, stats_file):
    params = year_file_copy(tmp_path, 2024, edition="2031")
    with pytest.raises(LetterInputError, match=r"key 'edition': unknown letter edition '2031'; known editions: 2020, current"):
        prepare_letter("Kent", 2024, params_file=params, stats_file=stats_file)
    groups = yaml.safe_load((PARAMETERS / "2024.yaml").read_text(encoding="utf-8"))["decision_groups"]
    del groups["assessed_and_closed"]
    params = year_file_copy(tmp_path, 2024, decision_groups=groups)
    with pytest.raises(LetterInputError) as error:
        prepare_letter("Kent", 2024, params_file=params, stats_file=stats_file)
    assert str(params) in str(error.value) and "key 'decision_groups' lacks assessed_and_closed" in str(error.value)


# --------------------------------------------------------------------------- a third edition, no Python


def write_third_edition(folder: Path) -> Path:
    """A workbook's parameters folder with a third edition "plain": a template and YAML only; returns its 2024.yaml."""
    (folder / "plain").mkdir(parents=True)
    (folder / "editions.yaml").write_text(
        "plain:\n  description: A shorter form.\n  template: plain/letter.html.j2\n  groups: [decided, looked_into]\n",
        encoding="utf-8")
    (folder / "plain" / "letter.html.j2").write_text(
        '{% extends "letter.html.j2" %}\n'
        '{% block key_statistics %}<section class="lgsco-key-statistics"><h2>Our figures</h2>'
        '<p class="plain">We decided {{ decision_groups.decided.count|counted("complaint") }} about {{ council }} and '
        'looked into {{ decision_groups.looked_into.count|counted("complaint") }}.</p>{{ self.upheld() }}</section>{% endblock %}\n',
        encoding="utf-8")
    return year_file_copy(folder, 2024, edition="plain", decision_groups={
        "decided": list(OUTCOME_COLUMNS), "looked_into": ["Upheld", "Not upheld"]})


def plain_sentence(figures) -> str:
    return (f"We decided {int(figures['decisions_total']):,} complaints about Kent County Council and looked into "
            f"{int(figures['detailed_investigations']):,} complaints.")


def test_a_third_edition_takes_a_template_and_a_yaml_block_only(tmp_path, statistics, stats_file):
    params = write_third_edition(tmp_path / "parameters")
    assert not list(tmp_path.rglob("*.py"))  # the edition is a template and YAML, nothing else
    letter = prepare_letter("Kent", 2024, params_file=params, stats_file=stats_file, generated_at=GENERATED_AT)
    figures = statistics.council(letter.context["council_code"], 2024)
    text = visible(letter.section("key_statistics"))
    assert plain_sentence(figures) in text
    assert "Complaints upheld" in text and formatting.percent(figures["upheld_rate"]) in text
    # The blocks it did not replace come from the 2020 edition, as the notebook renders them.
    current = prepare_letter("Kent", 2024, stats_file=stats_file, generated_at=GENERATED_AT)
    for name in ("banner", "heading", "closing"):
        assert letter.section(name) == current.section(name)
    assert '<section class="lgsco-annex"' in letter.annex()


@pytest.mark.slow
def test_the_letter_notebook_renders_a_third_edition_unchanged(tmp_path, statistics, stats_file):
    params = write_third_edition(tmp_path / "parameters")
    out = tmp_path / "letter.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
        parameters={"council": "Kent", "year": 2024, "stats_file": str(stats_file), "params_file": str(params)},
    )
    markup = "\n".join(output["data"]["text/html"] for cell in nbformat.read(out, as_version=4).cells
                       for output in cell.get("outputs", []) if "text/html" in output.get("data", {}))
    figures = statistics.council("E10000016", 2024)
    assert figures["authority_name"] == "Kent County Council"
    text = visible(markup)
    assert plain_sentence(figures) in text and "Yours sincerely" in text and "Annex" in text
    assert "Complaints dealt with" not in text  # the current edition's wording is not used


# --------------------------------------------------------------------------- the current edition reads well


@pytest.mark.slow
def test_every_2024_letter_in_the_current_edition_reads_well(statistics):
    params = load_year_parameters(2024)
    template = load_template(edition_template(params))
    assert template.name == "own:current.html.j2"
    trends = trends_of(statistics, 2024)
    councils = statistics.councils[statistics.councils["year"] == 2024]
    below_full, nothing = 0, 0
    for _, figures in councils.iterrows():
        letter = build_letter(statistics, params, figures, template, trends[figures["authority_code"]])
        check_letter(letter, figures, params)
        text = visible(letter.section("key_statistics"))
        scrutinise = "whose compliance rate is below 100% should look closely at each complaint" in text
        assert scrutinise == (int(figures["not_complied"]) > 0), figures["authority_name"]
        below_full += scrutinise
        nothing += letter.context["nothing_to_report"]
        if not letter.context["nothing_to_report"]:
            assert "Averages for the five types of council" in text
    assert below_full > 0
