"""Counts in the letter's sentences for 0, 1, 2 and 5 of everything: number and noun agree, one style per sentence.

Each case takes a real letter (Kent's, both editions) and sets its counts to a
synthetic shape, then renders the key statistics and closing sections as the
notebook does. The rules: no plural after 1 ("1 others"), no "one" in a
sentence whose other counts are numerals ("2 public reports: one ... and one
..."), and a case in the singular only for one case ("learn from the case").
"""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from lgsco_report.letter import prepare_letter
from lgsco_report.yearparams import Seminars, Training
from test_letter_wording import visible

COUNTS = (0, 1, 2, 5)
#: Words ending in "s" that are not plural nouns, after "1 ...".
NOT_PLURAL = {"was", "is", "has", "its", "this", "us", "as", "always"}


def _splits(total: int) -> list[tuple[int, int]]:
    """Ways to part ``total`` in two: all, none, and one and the rest."""
    return sorted({(total, 0), (0, total), (min(1, total), total - min(1, total))})


def _shapes():
    """(label, context changes) for every count in COUNTS and the ways its parts can fall."""
    for n in COUNTS:
        for part, rest in _splits(n):
            remedies = {"service_improvements": n, "due_or_done": n, "completed_late": part, "overdue": rest,
                        "late_or_overdue": n, "late_or_overdue_pct": "50%", "small_base": n < 10,
                        "service_improvements_by_type": [(label, k) for label, k in
                                                         zip(("Procedure or policy change", "Staff training"), (part, rest)) if k]}
            yield f"{n}-{part}-{rest}", {
                "received_total": n, "decisions_total": max(n, 1), "investigations": n, "upheld": part,
                "satisfactory_remedies": min(part, 1), "compliance_outcomes": n, "complied_total": part,
                "complied_late": min(part, 1), "not_complied": rest,
                "reports": {"total": n, "public_interest": part, "further": rest},
                "remedies": remedies,
                "seminars": Seminars(places=("London",), delegates=n, authorities=max(part, 1)),
                "training": Training(courses=n or 1, people=max(n, 1), courses_more_than_last_year=part),
            }


def _letter_with(letter, shape: dict):
    context = dict(letter.context)
    context.update({k: v for k, v in shape.items() if k not in ("reports", "remedies")})
    context["reports_and_remedies"] = {"reports": shape["reports"], "remedies": {
        **letter.context["reports_and_remedies"]["remedies"], **shape["remedies"]}}
    return dataclasses.replace(letter, context=context, _charts={})


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;:])\s+", text) if s]


def count_problems(sentence: str) -> list[str]:
    """What is wrong with the counts of one sentence (empty when it reads well)."""
    problems = []
    for match in re.finditer(r"(?<![\d.,])1 (?:\w+ ){0,3}?(\w+)\b", sentence):
        words = match.group(0).split()[1:]
        if any(w.endswith("s") and w not in NOT_PLURAL and not w.endswith("ss") for w in words[:1]):
            problems.append(f"a plural after 1: {match.group(0)!r}")
    numerals = re.search(r"(?<![\d.,])(?:[2-9]|\d{2,}|\d{1,3}(?:,\d{3})+) [a-z]", sentence)
    word_one = re.search(r"(?<![Tt]he )\bone (?!of\b|place\b)[a-z]", sentence)
    if numerals and word_one:
        problems.append("counts in words and numerals in one sentence")
    if re.search(r"\b(?:[2-9]|\d{2,}) public reports?\b.*learn from the case\b", sentence):
        problems.append("several reports, one case")
    return problems


@pytest.fixture(scope="module")
def letters(stats_file):
    return {year: prepare_letter("Kent", year, stats_file=stats_file) for year in (2020, 2024)}


@pytest.mark.parametrize("year", (2020, 2024))
def test_every_sentence_words_its_counts_one_way_for_0_1_2_and_5(letters, year):
    problems = []
    for label, shape in _shapes():
        letter = _letter_with(letters[year], shape)
        text = visible(letter.section("key_statistics") + " " + letter.section("closing"))
        for sentence in sentences(text):
            problems += [f"{label}: {problem}: {sentence}" for problem in count_problems(sentence)]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("sentence, problem", [
    ("We issued 2 public reports about Kent: one public interest report and one further report.", True),
    ("Kent County Council, Slough and 1 others at the same figure.", True),
    ("We issued 2 public reports, in the public interest, so that others can learn from the case.", True),
    ("We issued 2 public reports about Kent: 1 public interest report and 1 further report.", False),
    ("In the one complaint we upheld, Kent had offered a remedy (100%).", False),
    ("We upheld 62% of the complaints: 84 of the 136 detailed investigations.", False),
])
def test_the_count_rules_catch_what_readers_stumbled_on(sentence, problem):
    assert bool(count_problems(sentence)) == problem
