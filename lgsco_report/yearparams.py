"""Year-specific facts for the letters, read from ``parameters/<year>.yaml``.

Everything that changes from one year's letters to the next and is not a
statistic lives in these files, not in code: the letter date, the date the
figures are published, the signatory, and the facts of the year's outreach
(seminars, training). A missing optional section simply leaves its paragraph
out of the letter.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .definitions import DECISION_OUTCOMES, parse_year
from .errors import YearParametersError
from .workbook import parameters_folder


@dataclass(frozen=True)
class Seminars:
    places: tuple[str, ...]
    delegates: int
    authorities: int


@dataclass(frozen=True)
class Training:
    courses: int
    people: int
    courses_more_than_last_year: int | None = None


@dataclass(frozen=True)
class ReviewFigures:
    """Which figures the year's letters and national review carry (key 'carries'; 'review' is its older name).

    The Ombudsman's letters gained figures over the years (see the domain notes): a year's documents carry only
    the figures that year's letters had, so a 2019-20 letter does not print what the Ombudsman began printing later.
    """

    #: Upheld decisions per 100,000 residents (the letters carry it from about 2022-23).
    per_100k: bool = True
    #: Remedies completed late or overdue (the Ombudsman reports them from 2021-22).
    late_remedies: bool = True


@dataclass(frozen=True)
class ComplaintHandlingCode:
    """The Complaint Handling Code, as the year's documents mention it (key 'complaint_handling_code').

    Its dates are not confirmed: ``applies_from`` is printed only when ``dates_confirmed`` is true.
    """

    applies_from: _dt.date | None = None
    dates_confirmed: bool = False

    @property
    def confirmed_start(self) -> _dt.date | None:
        """The day the Code applies from, when that date is confirmed; None otherwise (never printed as fact)."""
        return self.applies_from if self.dates_confirmed else None


@dataclass(frozen=True)
class YearParameters:
    year: int
    letter_date: _dt.date
    publication_date: _dt.date | None
    signatory_name: str
    signatory_titles: tuple[str, ...]
    ombudsman_name: str = "Local Government and Social Care Ombudsman"
    seminars: Seminars | None = None
    training: Training | None = None
    extra_paragraphs: tuple[str, ...] = field(default_factory=tuple)
    #: An office's replacement letter template, relative to the parameters file.
    letter_template: str | None = None
    #: An office's reference Word document (styles, page set-up) for .docx letters, relative to the parameters file.
    reference_docx: str | None = None
    source: Path | None = None
    #: Web addresses the letter links to (key 'links': performance_map, website, training).
    links: dict = field(default_factory=dict)
    #: The letter edition: its wording template (see ``templates/letter/editions.yaml``).
    edition: str = "2020"
    #: Headings of the edition and the decision outcomes each counts (key 'decision_groups').
    decision_groups: dict = field(default_factory=dict)
    #: Facts of this file not yet confirmed (key 'unconfirmed'): its letters are DRAFTs.
    unconfirmed: tuple[str, ...] = ()
    #: The figures the year's letters and national review carry (key 'carries'; absent: all of them).
    carries: ReviewFigures = field(default_factory=ReviewFigures)
    #: The Complaint Handling Code, when the year's documents mention it (key 'complaint_handling_code').
    complaint_handling_code: ComplaintHandlingCode | None = None


#: Keys of a year file that state a fact a letter prints, so may be listed under ``unconfirmed``.
FACT_KEYS = (
    "letter_date", "publication_date", "signatory", "ombudsman_name", "seminars", "training",
    "extra_paragraphs", "links", "edition", "decision_groups",
)
#: How each fact is named in the DRAFT mark ("DRAFT: letter date and signatory not confirmed").
def _unconfirmed(data: dict, path: Path) -> tuple[str, ...]:
    """The ``unconfirmed`` list: each item a fact key of this file (see FACT_KEYS), no repeats."""
    value = data.get("unconfirmed")
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise YearParametersError(f"{path}: key 'unconfirmed' should be a list of fact names, e.g. [letter_date, signatory]")
    for item in value:
        if item.strip() not in FACT_KEYS:
            raise YearParametersError(
                f"{path}: key 'unconfirmed' names {item!r}, which is not a fact of a year file; "
                f"use some of: {', '.join(FACT_KEYS)}"
            )
    return tuple(dict.fromkeys(item.strip() for item in value))


def unconfirmed_facts(year: int | str, path: Path | str | None = None) -> tuple[str, ...]:
    """The year's unconfirmed facts (() when the year has no parameters file)."""
    file = Path(path) if path else default_parameters_file(year)
    return load_year_parameters(year, file).unconfirmed if file.is_file() else ()


def draft_metadata(year: int | str) -> dict:
    """Document-metadata keys ``draft`` and ``unconfirmed`` for a document made from ``year``'s facts."""
    facts = unconfirmed_facts(year)
    return {"draft": bool(facts), "unconfirmed": list(facts)}


def default_parameters_file(year: int | str) -> Path:
    """``<project>/parameters/<year>.yaml``; ``$LGSCO_REPORT_PARAMETERS`` may name another folder."""
    folder = os.environ.get("LGSCO_REPORT_PARAMETERS")
    base = Path(folder) if folder else parameters_folder()
    return base / f"{parse_year(year)}.yaml"


def _require(data: dict, key: str, path: Path, kind: type | tuple[type, ...]):
    if key not in data or data[key] in (None, ""):
        raise YearParametersError(f"{path}: missing key '{key}'; see parameters/2020.yaml for an example")
    value = data[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise YearParametersError(f"{path}: key '{key}' should be a {names}, not {value!r}")
    return value


def _file_year(data: dict, path: Path) -> int:
    """The file's ``year`` key, in any form ``parse_year`` reads (2020, 2019-20, 1999-00)."""
    value = _require(data, "year", path, (int, str))
    try:
        return parse_year(value)
    except ValueError as exc:
        raise YearParametersError(f"{path}: key 'year': {exc}") from None


def _date(data: dict, key: str, path: Path, required: bool) -> _dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise YearParametersError(f"{path}: missing key '{key}' (a date such as 2020-07-22)")
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise YearParametersError(f"{path}: key '{key}' should be a date written yyyy-mm-dd, not {value!r}") from None


def _int(section: dict, key: str, where: str, path: Path, required: bool = True) -> int | None:
    value = section.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise YearParametersError(f"{path}: key '{where}.{key}' should be a whole number, not {value!r}")
    return value


def _edition(data: dict, path: Path) -> str:
    value = data.get("edition", "2020")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise YearParametersError(f"{path}: key 'edition' should name a letter edition such as \"2020\" or current, not {value!r}")
    return str(value).strip()


def _decision_groups(data: dict, path: Path) -> dict[str, tuple[str, ...]]:
    """Key 'decision_groups': heading -> the decision outcomes it counts, each a label of DECISION_OUTCOMES."""
    groups = data.get("decision_groups") or {}
    if not isinstance(groups, dict):
        raise YearParametersError(f"{path}: key 'decision_groups' should map each heading to a list of decision outcomes")
    known = ", ".join(repr(label) for label in DECISION_OUTCOMES)
    checked = {}
    for heading, outcomes in groups.items():
        where = f"{path}: key 'decision_groups.{heading}'"
        if isinstance(outcomes, str):
            outcomes = [outcomes]
        if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
            raise YearParametersError(f"{where} should be a list of decision outcomes ({known})")
        for outcome in outcomes:
            if outcome not in DECISION_OUTCOMES:
                raise YearParametersError(f"{where}: unknown decision outcome {outcome!r}; use one of {known}")
        if len(set(outcomes)) != len(outcomes):
            raise YearParametersError(f"{where} lists an outcome twice")
        checked[str(heading)] = tuple(outcomes)
    return checked


def load_year_parameters(year: int | str, path: Path | str | None = None) -> YearParameters:
    """Read and check the parameters for ``year`` (default file: ``parameters/<year>.yaml``).

    Checks run in a fixed order (year, file, YAML, top-level keys, then each section), so a file with
    several faults always reports the same one first.
    """
    try:
        year = parse_year(year)
    except ValueError as exc:
        raise YearParametersError(str(exc)) from None
    path = Path(path) if path else default_parameters_file(year)
    data = _read_mapping(path, year)
    file_year = _file_year(data, path)
    if file_year != year:
        raise YearParametersError(f"{path}: key 'year' is {file_year} but the letters are for {year}")
    unconfirmed = _unconfirmed(data, path)
    name, titles = _signatory(data, path, unconfirmed)
    seminars = _seminars(data, path)
    training = _training(data, path)
    extra = _extra_paragraphs(data, path)
    links = _links(data, path)
    return YearParameters(
        edition=_edition(data, path),
        decision_groups=_decision_groups(data, path),
        links=dict(links),
        year=year,
        letter_date=_date(data, "letter_date", path, required=True),
        publication_date=_date(data, "publication_date", path, required=False),
        signatory_name=name,
        signatory_titles=tuple(titles),
        ombudsman_name=str(data.get("ombudsman_name") or YearParameters.ombudsman_name),
        seminars=seminars,
        training=training,
        extra_paragraphs=tuple(extra),
        letter_template=str(data["letter_template"]) if data.get("letter_template") else None,
        reference_docx=str(data["reference_docx"]) if data.get("reference_docx") else None,
        source=path,
        unconfirmed=unconfirmed,
        carries=_figures_carried(data, path),
        complaint_handling_code=_complaint_handling_code(data, path),
    )


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> Any:
    return yaml.safe_load(text)


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, parsed once per process for the same text; a fresh copy each call.

    A batch's warm kernel reads the same parameters and editions files for every
    letter; parsing them (pure-Python YAML) cost about 5 ms a letter.
    """
    return copy.deepcopy(_parsed(text))


def _read_mapping(path: Path, year: int) -> dict:
    """The parameters file's top-level mapping, or an error saying the file is missing, not YAML or not a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YearParametersError(
            f"{path}: no parameters file for the year ending March {year}; copy parameters/2020.yaml "
            f"to {path.name} and set that year's facts"
        ) from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise YearParametersError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise YearParametersError(f"{path}: expected a mapping of keys to values at the top level")
    return data


def _signatory(data: dict, path: Path, unconfirmed: tuple[str, ...]) -> tuple[str, list[str]]:
    """The signatory's name and title lines."""
    signatory = _require(data, "signatory", path, dict)
    titles = signatory.get("titles") or []
    if isinstance(titles, str):
        titles = [titles]
    if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
        raise YearParametersError(f"{path}: key 'signatory.titles' should be a list of lines")
    if not signatory.get("name") and "signatory" in unconfirmed and titles:
        # Signatory not known: the letter is signed with the office's title alone (and carries the DRAFT mark).
        return titles[0], titles[1:]
    return _require(signatory, "name", path, str), titles


def _seminars(data: dict, path: Path) -> Seminars | None:
    """The optional ``seminars`` section."""
    if not data.get("seminars"):
        return None
    section = _require(data, "seminars", path, dict)
    places = section.get("places") or []
    if not isinstance(places, list) or not places or not all(isinstance(p, str) for p in places):
        raise YearParametersError(f"{path}: key 'seminars.places' should be a list of place names")
    return Seminars(
        places=tuple(places),
        delegates=_int(section, "delegates", "seminars", path),
        authorities=_int(section, "authorities", "seminars", path),
    )


def _training(data: dict, path: Path) -> Training | None:
    """The optional ``training`` section."""
    if not data.get("training"):
        return None
    section = _require(data, "training", path, dict)
    return Training(
        courses=_int(section, "courses", "training", path),
        people=_int(section, "people", "training", path),
        courses_more_than_last_year=_int(
            section, "courses_more_than_last_year", "training", path, required=False
        ),
    )


def _extra_paragraphs(data: dict, path: Path) -> list[str]:
    """The optional ``extra_paragraphs``: one string or a list of them."""
    extra = data.get("extra_paragraphs") or []
    if isinstance(extra, str):
        extra = [extra]
    if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
        raise YearParametersError(f"{path}: key 'extra_paragraphs' should be a list of paragraphs")
    return extra


def _links(data: dict, path: Path) -> dict:
    """The optional ``links``: names to https:// addresses safe to put in an href."""
    links = data.get("links") or {}
    if not isinstance(links, dict) or not all(
        isinstance(v, str) and v.startswith("https://") and not any(c in v for c in " <>\"'") for v in links.values()
    ):
        raise YearParametersError(f"{path}: key 'links' should map names to https:// addresses, e.g. website: https://www.lgo.org.uk")
    return links


def _figures_carried(data: dict, path: Path) -> ReviewFigures:
    """The optional ``carries`` (older files: ``review``): true or false for each of ``ReviewFigures``' figures
    (absent: true)."""
    if "carries" in data and "review" in data:
        raise YearParametersError(f"{path}: keys 'carries' and 'review' say the same thing; keep 'carries' only")
    key = "review" if "review" in data else "carries"
    section = data.get(key) or {}
    known = ReviewFigures.__dataclass_fields__
    if not isinstance(section, dict) or any(k not in known or not isinstance(v, bool) for k, v in section.items()):
        raise YearParametersError(
            f"{path}: key '{key}' should map some of {', '.join(known)} to true or false, e.g. per_100k: false"
        )
    return ReviewFigures(**section)


def _complaint_handling_code(data: dict, path: Path) -> ComplaintHandlingCode | None:
    """The optional ``complaint_handling_code``: ``applies_from`` (a date or empty), ``dates_confirmed``."""
    if "complaint_handling_code" not in data:
        return None
    section = data.get("complaint_handling_code") or {}
    where = f"{path}: key 'complaint_handling_code'"
    if not isinstance(section, dict) or set(section) - {"applies_from", "dates_confirmed"}:
        raise YearParametersError(f"{where} should hold applies_from (a date, or empty) and dates_confirmed (true or false)")
    start = _date(section, "applies_from", path, required=False) if section.get("applies_from") else None
    confirmed = section.get("dates_confirmed", False)
    if not isinstance(confirmed, bool):
        raise YearParametersError(f"{where}: dates_confirmed should be true or false")
    return ComplaintHandlingCode(start, confirmed)


def review_parameters(year: int | str) -> tuple[ReviewFigures, ComplaintHandlingCode | None]:
    """What the year's national review carries and whether it mentions the Code, from the year's default
    file (``ReviewFigures()`` and None when the year has no file)."""
    path = default_parameters_file(year)
    if not path.exists():
        return ReviewFigures(), None
    parameters = load_year_parameters(year, path)
    return parameters.carries, parameters.complaint_handling_code
