"""The wording of representative letters and of the national review, compared with reviewed files.

Each case renders whole sections (the letter module's and the national module's
own functions, as the notebooks call them) and compares their text with one file
under ``tests/expected/``. The rules that are not wording (counts agree with the
statistics, never 100% unless exact, names take "the", small bases are flagged)
stay in test_letter_wording.py, test_letter_editions.py and test_national.py.

How to review a wording change:

1. Edit the template (``lgsco_report/templates/letter/`` or ``.../national/``).
2. Run ``LGSCO_UPDATE_EXPECTED=1 pytest tests/test_wording_expected.py``: it
   rewrites the files of every case whose text changed.
3. Read ``git diff tests/expected/``: that diff is the change as the councils
   will read it. Commit it with the template; a reviewer approves both.

Without ``LGSCO_UPDATE_EXPECTED`` a difference fails with the diff printed.
"""

from __future__ import annotations

import pytest

from golden import EXPECTED_DIR, assert_expected, document_text
from lgsco_report import __version__, national, register
from lgsco_report.letter import prepare_letter

GENERATED_AT = "2020-07-01T09:00:00+00:00"

#: file name -> (council, year, why it is here)
LETTERS = {
    "letter-2020-kent.txt": ("Kent", 2020, "a county council, every section and both charts"),
    "letter-2020-cannock-chase.txt": ("Cannock Chase", 2020, "a district with one detailed investigation; copies"),
    "letter-2020-mendip.txt": ("Mendip", 2020, "a district with decisions but no detailed investigation"),
    "letter-2020-isles-of-scilly.txt": ("Isles of Scilly", 2020, "nothing to report: the short letter"),
    "letter-2020-aylesbury-vale.txt": ("Aylesbury Vale", 2020, "abolished: addressed to its successor"),
    "letter-2024-kent.txt": ("Kent", 2024, "the current edition (2024)"),
}

#: file name -> (year, the national module's function rendering the section, as the notebook calls it)
NATIONAL_SECTIONS = {
    "national-2020-title.txt": (2020, lambda review: national.title_html(review)),
    "national-2020-summary.txt": (2020, lambda review: national.summary_html(review.statistics, review.year)),
    "national-2020-totals.txt": (2020, lambda review: national.national_totals_html(review.statistics, review.year)),
    "national-2020-categories.txt": (2020, lambda review: national.categories_html(review.statistics, review.year)),
    "national-2020-type-averages.txt": (2020, lambda review: national.type_averages_html(review.statistics, review.year)),
    "national-2020-distribution-note.txt": (2020, lambda review: national.distribution_note_html(review.statistics, review.year)),
    "national-2020-outliers.txt": (2020, lambda review: national.outliers_html(review.statistics, review.year, n=5)),
    "national-2020-non-compliance.txt": (2020, lambda review: national.non_compliance_html(review.statistics, review.year)),
    "national-2020-remedies.txt": (2020, lambda review: national.remedies_html(review.statistics, review.year)),
    "national-2020-public-reports.txt": (2020, lambda review: national.public_reports_html(review.statistics, review.year)),
    "national-2021-abolished.txt": (2021, lambda review: national.abolished_councils_html(review.statistics, review.year)),
    "national-2020-notes.txt": (2020, lambda review: national.notes_html(review)),
}


def letter_parts(letter) -> dict[str, str]:
    """The letter's parts in the notebook's order, as its cells display them (the key rates chart may be absent)."""
    figure = letter.key_rates_figure()
    return {
        "banner": letter.section("banner"), "heading": letter.section("heading"),
        "key_statistics": letter.section("key_statistics"),
        "key_rates_figure": figure.to_html() if figure is not None else "",
        "closing": letter.section("closing"), "annex": letter.annex(),
    }


def letter_text(letter) -> str:
    """Every part of the letter, each under a ``== name ==`` line, as reviewable text.

    The package version in the provenance line is written ``{version}``, so a release changes no reviewed file.
    """
    text = "".join(f"== {name} ==\n{document_text(markup)}\n" for name, markup in letter_parts(letter).items())
    return text.replace(f"lgsco-report {__version__} ", "lgsco-report {version} ")


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_letter_wording_is_the_reviewed_wording(name, stats_file):
    council, year, _why = LETTERS[name]
    letter = prepare_letter(council, year, stats_file=stats_file, generated_at=GENERATED_AT)
    assert_expected(name, letter_text(letter))


def test_the_letter_cases_are_what_they_say(statistics):
    """The sample data still gives each case its reason to be here (else the reviewed file tests something else)."""
    def figures(council, year):
        return statistics.council(register.find_council(council, year)["authority_code"], year)

    mendip, cannock, scilly = figures("Mendip", 2020), figures("Cannock Chase", 2020), figures("Isles of Scilly", 2020)
    assert mendip["authority_type"] == "District Council"
    assert int(mendip["decisions_total"]) > 0 and int(mendip["detailed_investigations"]) == 0
    assert int(cannock["detailed_investigations"]) == 1
    assert int(scilly["received_total"]) == int(scilly["decisions_total"]) == int(scilly["compliance_outcomes"]) == 0
    assert figures("Kent", 2020)["authority_type"] == "County Council"
    assert register.abolished_before(figures("Aylesbury Vale", 2020)["authority_code"], register_letter_date(2020))


def register_letter_date(year):
    from lgsco_report.yearparams import load_year_parameters

    return load_year_parameters(year).letter_date


@pytest.fixture(scope="module")
def reviews(stats_file):
    return {year: national.prepare_review(year, stats_file=stats_file, generated_at=GENERATED_AT) for year in (2020, 2021)}


@pytest.mark.parametrize("name", sorted(NATIONAL_SECTIONS))
def test_national_review_wording_is_the_reviewed_wording(name, reviews):
    year, render = NATIONAL_SECTIONS[name]
    text = document_text(render(reviews[year]))
    assert text, f"{name}: the section rendered nothing, so there is no wording to review"
    assert_expected(name, text)


def test_every_reviewed_file_belongs_to_a_case():
    on_disk = {path.name for path in EXPECTED_DIR.iterdir()}
    assert on_disk == set(LETTERS) | set(NATIONAL_SECTIONS), "remove reviewed files no case renders, or add their case"
