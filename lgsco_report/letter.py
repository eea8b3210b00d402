"""The annual review letter: its inputs, its figures and its wording.

``prepare_letter`` checks the notebook's parameters and gathers everything a
letter needs; the returned :class:`Letter` renders each section of the letter
from one editable Jinja2 template: the year's letter edition (key ``edition``;
``templates/letter/editions.yaml`` and a workbook's ``parameters/editions.yaml``
name each edition's template), or the file named by ``letter_template`` in the
year's parameters. Every figure the
template prints is taken from :mod:`lgsco_report.stats` here, as counts or as
ready-rounded strings; the template only chooses words.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes
import markupsafe
import pandas as pd
import yaml

from . import __version__, charts, metrics, register, stats, wording
from .definitions import (
    AUTHORITY_TYPES,
    CATEGORIES,
    parse_year,
    year_end,
    year_label,
    year_start,
)
from .formatting import is_missing, long_date, percent_of
from .workbook import addressees_file
from .yearparams import YearParameters, default_parameters_file, load_year_parameters, parse_yaml
from .documents import (  # DOCUMENT_MIMETYPE kept importable from here for callers
    DOCUMENT_MIMETYPE,
    SAMPLE_BANNER,
    DocumentMetadata,
    average_method_text,
    generated_at_text,
    letter_metadata,
)
from .errors import LgscoReportError

TEMPLATE_DIR = Path(__file__).parent / "templates" / "letter"
TEMPLATE_NAME = "letter.html.j2"
#: The package's letter editions (name -> template and headings); a workbook may add its own
#: in ``editions.yaml`` beside its year files.
EDITIONS_FILE = TEMPLATE_DIR / "editions.yaml"

#: Sections of the template, in letter order: the letter proper ends with
#: ``closing`` (the signature); ``annex`` holds the figures in detail (and the
#: blocks ``tables`` and ``notes`` inside it).
SECTIONS = ("banner", "heading", "key_statistics", "closing", "annex")

#: Decision table rows: (label printed, statistics column), from the registry's decision counts.
DECISION_ROWS = tuple(metrics.label_columns("decided").items())


class LetterInputError(LgscoReportError, ValueError):
    """A parameter the letter cannot be made from; the message says what to change.

    In a notebook IPython shows only the message (``_render_traceback_``), so the
    analyst sees one clear line, not a stack of library frames.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31mLetterInputError\x1b[0m: {self}"]


class HTMLFragment(str):
    """Already-escaped HTML from the template, displayed as HTML in notebooks."""

    def _repr_html_(self) -> str:
        return str(self)


def _count(value: Any) -> str:
    """A count with thousands separators; counts are whole numbers of cases."""
    return f"{int(value):,}"


_longdate = long_date  # the template's "longdate" filter


def _generated_on(generated_at: str) -> str:
    """The generation date for the annex's provenance line ("1 July 2020"); the full time is in the metadata."""
    try:
        return _longdate(_dt.datetime.fromisoformat(str(generated_at)).date())
    except ValueError:
        return str(generated_at)


def _join_places(places: tuple[str, ...]) -> str:
    places = list(places)
    return places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]


class _OwnTemplateLoader(jinja2.BaseLoader):
    """Loads "own:<file>" from the template's folder, keeping that name (a PrefixLoader would drop the prefix)."""

    def __init__(self, folder: jinja2.FileSystemLoader):
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str):
        if not template.startswith("own:"):
            raise jinja2.TemplateNotFound(template)
        return self.folder.get_source(environment, template[len("own:"):])


@functools.lru_cache(maxsize=8)
def _environment(template_dir: str) -> jinja2.Environment:
    own = jinja2.FileSystemLoader(template_dir)
    env = jinja2.Environment(
        # The template itself is loaded as "own:<file>"; any other name it extends, imports or
        # includes is the package's first (letter.html.j2, partials), so an edition's own
        # letter.html.j2 may extend the package's without extending itself.
        loader=jinja2.ChoiceLoader([_OwnTemplateLoader(own), jinja2.FileSystemLoader(str(TEMPLATE_DIR)), own]),
        autoescape=True,  # every value is data: escaped unless the template says otherwise
        undefined=jinja2.StrictUndefined,  # a misspelt name in an office's template fails loudly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["count"] = _count
    env.filters["longdate"] = _longdate
    env.filters["join_places"] = _join_places
    env.filters["counted"] = wording.count_phrase
    env.filters["all_of"] = wording.all_of
    env.filters["any_of"] = wording.any_of
    env.filters["none_of"] = wording.none_of
    env.filters["some_of"] = wording.some_of
    env.filters["figure"] = wording.figure_phrase
    env.filters["upper_first"] = wording.upper_first
    env.tests["small_base"] = stats.is_small_base
    return env


def load_template(path: Path | None = None) -> jinja2.Template:
    """The letter template: the package's, or an office's replacement file."""
    path = Path(path) if path else TEMPLATE_DIR / TEMPLATE_NAME
    if not path.is_file():
        raise LetterInputError(f"letter template {path} not found; fix 'letter_template' in the parameters file")
    return _environment(str(path.parent.resolve())).get_template(f"own:{path.name}")


@functools.lru_cache(maxsize=32)
def _parent_templates(template: jinja2.Template) -> tuple[jinja2.Template, ...]:
    """The templates ``template`` extends, nearest first (empty for a template that extends none)."""
    parents, seen = [], {template.name}
    while template.environment.loader is not None:
        source, _, _ = template.environment.loader.get_source(template.environment, template.name)
        extends = template.environment.parse(source).find(jinja2.nodes.Extends)
        if extends is None or not isinstance(extends.template, jinja2.nodes.Const):
            break
        parent_name = extends.template.value
        template = template.environment.get_template(parent_name, parent=template.name)
        if template.name in seen:
            break
        parents.append(template)
        seen.add(template.name)
    return tuple(parents)


def _read_editions(path: Path) -> dict[str, dict[str, Any]]:
    """One editions file: name -> {template (a resolved path), groups (headings)}; errors name file and key."""
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LetterInputError(f"{path}: cannot read the letter editions ({exc})") from None
    if not isinstance(data, dict):
        raise LetterInputError(f"{path}: expected one block per edition name, e.g. current: {{template: current.html.j2}}")
    editions = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("template"), str):
            raise LetterInputError(f"{path}: key '{name}.template' should name the edition's template file")
        groups = entry.get("groups") or []
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise LetterInputError(f"{path}: key '{name}.groups' should be a list of heading names")
        editions[str(name)] = {"template": (path.parent / entry["template"]).resolve(), "groups": tuple(groups), "file": path}
    return editions


def letter_editions(year_params: YearParameters) -> dict[str, dict[str, Any]]:
    """The package's editions, and any a workbook adds in ``editions.yaml`` beside its year file."""
    editions = _read_editions(EDITIONS_FILE)
    own = year_params.source.parent / "editions.yaml" if year_params.source else None
    if own is not None and own.is_file():
        editions.update(_read_editions(own))
    return editions


def edition_template(year_params: YearParameters) -> Path:
    """The template of the year's edition; refuses an unknown edition or missing headings, naming file and key."""
    editions = letter_editions(year_params)
    where = year_params.source or "the parameters"
    edition = editions.get(year_params.edition)
    if edition is None:
        known = ", ".join(sorted(editions))
        raise LetterInputError(f"{where}: key 'edition': unknown letter edition {year_params.edition!r}; known editions: {known}")
    missing = [g for g in edition["groups"] if g not in year_params.decision_groups]
    if missing:
        raise LetterInputError(
            f"{where}: key 'decision_groups' lacks {', '.join(missing)}, which the {year_params.edition!r} edition "
            f"prints ({edition['file']}); list the decision outcomes counted under each"
        )
    return edition["template"]


#: Decision outcome label -> the statistics column that counts it.
DECISION_COLUMNS = {label: column for label, column in DECISION_ROWS}


def decision_group_counts(figures: pd.Series, groups: dict[str, tuple[str, ...]]) -> dict[str, dict[str, Any]]:
    """Each heading of the edition with the sum of the statistics' counts of the outcomes it groups."""
    return {
        heading: {"count": sum(int(figures[DECISION_COLUMNS[label]]) for label in outcomes), "outcomes": list(outcomes)}
        for heading, outcomes in groups.items()
    }


def type_averages(statistics: stats.Statistics, year: int) -> list[dict[str, Any]]:
    """The five council types' average uphold, remedy and compliance rates for the year, as printed."""
    rows = []
    for authority_type in AUTHORITY_TYPES:
        try:
            row = statistics.type_row(authority_type, year)
        except KeyError:
            continue
        rows.append({
            "authority_type": authority_type,
            "type_plural": _plural_type(authority_type),
            **{m.letter_key: metrics.display_text(m.display, row[m.average_column]) for m in metrics.key_rates()},
        })
    return rows


def _plural_type(authority_type: str) -> str:
    return authority_type[:-1] + "ies" if authority_type.endswith("y") else authority_type + "s"


def load_statistics(data_dir: str | Path = "", stats_file: str | Path = "", average_method: str = "pooled") -> stats.Statistics:
    """``stats.load_statistics``, its problems as one ``LetterInputError`` line for the notebook."""
    try:
        return stats.load_statistics(data_dir, stats_file, average_method)
    except (FileNotFoundError, ValueError) as exc:
        raise LetterInputError(str(exc)) from None


@dataclass
class Letter:
    """One council's letter for one year: its context and its rendered sections."""

    context: dict[str, Any]
    template: jinja2.Template
    figures: pd.Series
    trend: pd.DataFrame
    metadata: DocumentMetadata
    _charts: dict[str, Any] = field(default_factory=dict, repr=False)  # rendered once per letter

    def section(self, name: str) -> HTMLFragment:
        """One section of the letter as HTML (see ``SECTIONS``)."""
        context = self.template.new_context({**self.context, **self._macros(), "trend_figure": self._trend_figure})
        # An edition that extends another template takes the blocks it does not replace from it.
        for parent in _parent_templates(self.template):
            for block, render in parent.blocks.items():
                context.blocks.setdefault(block, []).append(render)
        if name not in context.blocks:
            raise KeyError(f"the letter template has no section {name!r}; it has {', '.join(context.blocks)}")
        return HTMLFragment("".join(context.blocks[name][0](context)).strip())

    def annex(self) -> HTMLFragment:
        """The annex after the signature: the figures in detail, the trend chart and the definitions."""
        return self.section("annex")

    def _trend_figure(self) -> markupsafe.Markup:
        # Chart.to_html escapes its alt text and caption itself.
        return markupsafe.Markup(self.trend_chart().to_html()) if self.has_trend_chart() else markupsafe.Markup("")

    def has_key_rates_chart(self) -> bool:
        """Whether the council has any key rate to draw (no chart of "no figure" bars)."""
        return bool(self._key_rates())

    def has_trend_chart(self) -> bool:
        """Whether any year of the trend had a detailed investigation to chart (never in a short letter)."""
        return not self.context["nothing_to_report"] and bool(self.trend["detailed_investigations"].fillna(0).sum() > 0)

    def key_rates_figure(self) -> charts.Chart | None:
        """The key-rates chart, or None (nothing displayed) when the council has no rate."""
        return self.key_rates_chart() if self.has_key_rates_chart() else None

    def _key_rates(self) -> dict[str, tuple[Any, Any, int]]:
        f, c = self.figures, self.context
        # (council rate, similar councils' rate, the count the council's rate rests on), by chart label
        rates = {
            label: (f[m.column], f[m.average_column], c[m.basis[1]]) for m, label in metrics.view("key_rates_chart")
        }
        return {label: values for label, values in rates.items() if not is_missing(values[0])}

    def _macros(self) -> dict[str, Any]:
        # Top-level macros of the template are not visible to a block rendered on
        # its own; take them from the template's module once per letter.
        if "macros" not in self._charts:
            module = self.template.make_module({**self.context, "trend_figure": lambda: markupsafe.Markup("")})
            self._charts["macros"] = {
                k: v for k, v in vars(module).items() if isinstance(v, jinja2.runtime.Macro)
            }
        return self._charts["macros"]

    def _key_rates_arguments(self) -> dict[str, Any]:
        rates = self._key_rates()
        if not rates:
            raise ValueError(f"{self.context['council_name']} has no key rate to chart this year")
        return dict(
            council_name=self.context["council_name"],
            figures={label: (rate, average) for label, (rate, average, _) in rates.items()},
            comparison_label=f"similar authorities ({self.context['type_plural']})",
            caption=f"Figure 1. {self.context['Councils_']} key rates for {self.context['year_label']} "
            f"beside the average for {self.context['type_plural']}.",
            bases={label: base for label, (_, _, base) in rates.items()},
            text_name=self.context["council"],
        )

    def _trend_arguments(self) -> dict[str, Any]:
        first, last = int(self.trend["year"].min()), int(self.trend["year"].max())
        span = year_label(last) if first == last else f"{year_label(first)} to {year_label(last)}"
        return dict(
            council_name=self.context["council_name"],
            trend=self.trend,
            comparison_label=f"similar authorities ({self.context['type_plural']})",
            caption=f"Figure 2. Uphold rate and detailed investigations for {self.context['council']}, {span}.",
            text_name=self.context["council"],
        )

    def key_rates_chart(self) -> charts.Chart:
        """The council against the average for similar councils on the key rates it has."""
        if "key_rates" not in self._charts:
            self._charts["key_rates"] = charts.key_rates_chart(**self._key_rates_arguments())
        return self._charts["key_rates"]

    def trend_chart(self) -> charts.Chart:
        """The council's uphold rate and detailed investigations over up to five years."""
        if "trend" not in self._charts:
            self._charts["trend"] = charts.trend_chart(**self._trend_arguments())
        return self._charts["trend"]

    def chart_texts(self) -> list[tuple[str, str]]:
        """(alt text, caption) of each chart the letter shows, without drawing the charts."""
        texts = []
        if self.has_key_rates_chart():
            texts.append(charts.key_rates_text(**self._key_rates_arguments()))
        if self.has_trend_chart():
            texts.append(charts.trend_text(**self._trend_arguments()))
        return texts

    def to_html(self) -> str:
        """The whole letter as one HTML fragment (sections and charts in order)."""
        figure = self.key_rates_figure()
        parts = [self.section("banner"), self.section("heading"), self.section("key_statistics"),
                 figure.to_html() if figure else "", self.section("closing"), self.annex()]
        return "\n".join(part for part in parts if part)

    def _repr_html_(self) -> str:
        return self.to_html()


def prepare_letter(
    council: str,
    year: int | str,
    data_dir: str | Path = "",
    params_file: str | Path = "",
    stats_file: str | Path = "",
    overrides_file: str | Path = "",
    average_method: str = "pooled",
    generated_at: str = "",
) -> Letter:
    """Check the parameters and gather one council's letter for one year.

    ``council`` is a GSS code or a name; ``year`` the year ending March (2020 or
    "2019-20"); empty strings mean the defaults (sample data, ``parameters/<year>.yaml``,
    statistics computed from the data, ``parameters/addressees.csv`` if present, now).
    Raises :class:`LetterInputError` with one clear message for anything wrong.
    """
    if not str(council or "").strip():
        raise LetterInputError("parameter 'council' is empty: give a council's name or GSS code")
    try:
        year = parse_year(year)
    except ValueError as exc:
        raise LetterInputError(f"parameter 'year': {exc}") from None
    try:
        row = register.find_council(str(council), year)
    except register.UnknownCouncilError as exc:
        raise LetterInputError(str(exc)) from None
    statistics = load_statistics(data_dir, stats_file, average_method)
    if year not in statistics.years:
        available = ", ".join(year_label(y) for y in statistics.years) or "none"
        raise LetterInputError(
            f"the data has no cases for the year ending 31 March {year}; years in the data: {available}"
        )
    try:
        year_params = load_year_parameters(year, params_file or None)
    except ValueError as exc:
        raise LetterInputError(str(exc)) from None
    code = row["authority_code"]
    overrides = addressees_file(params_file or default_parameters_file(year), overrides_file or None)
    addressing = addressing_for(code, year_params.letter_date, overrides)
    figures = statistics.council(code, year)
    trend = statistics.trend(code, year, n=5)
    generated = generated_at_text(generated_at)
    context = letter_context(
        figures, year_params, statistics, generated_at=generated, addressing=addressing,
    )
    # An office's own template (key 'letter_template') wins over the edition's.
    template_path = year_params_template(year_params) or edition_template(year_params)
    metadata = letter_metadata(
        council_name=str(figures["authority_name"]), year=year, author=year_params.ombudsman_name,
        is_sample=bool(statistics.is_sample), unconfirmed=year_params.unconfirmed, generated_at=generated,
        data_files=context["sources"],
    )
    return Letter(context=context, template=load_template(template_path), figures=figures, trend=trend, metadata=metadata)


def year_params_template(year_params: YearParameters) -> Path | None:
    """The office's replacement template named in the parameters file, if any."""
    name = getattr(year_params, "letter_template", None)
    if not name:
        return None
    base = year_params.source.parent if year_params.source else Path.cwd()
    return (base / name).resolve()


def _none_if_missing(value: Any) -> Any:
    return None if is_missing(value) else value


def _text(value: Any) -> str | None:
    value = _none_if_missing(value)
    return (" ".join(str(value).split()) or None) if value is not None else None


_OFFICERS = (("link_officer", "Link Officer"), ("monitoring_officer", "Monitoring Officer"))


def _copies(recipients: list[pd.Series]) -> list[str]:
    """"Copied to" entries: other successors' chief executives, then Link and Monitoring Officers."""
    copies = []
    for row in recipients[1:]:
        who = [_text(row["chief_executive_name"]), _text(row["chief_executive_title"]) or "the Chief Executive"]
        copies.append(", ".join([w for w in who if w] + [row["authority_name"]]))
    for row in recipients:
        for prefix, role in _OFFICERS:
            name, title = _text(row[f"{prefix}_name"]), _text(row[f"{prefix}_title"])
            if name or title or _text(row[f"{prefix}_email"]):
                # "Ms A, Complaints Manager (Link Officer), X Council"; unnamed: "the Link Officer, X Council".
                label = f"{title} ({role})" if title and title != role else role
                who = f"{name}, {label}" if name else f"the {label}"
                copies.append(f"{who}, {row['authority_name']}")
    return copies


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path is not None else 0.0
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=4)
def _addressee_table(addressees: str, _mtime: float, check_emails: bool = True) -> pd.DataFrame:
    """Every council with its addressee details, by GSS code (read once per file version)."""
    frame = register.all_councils()
    if addressees:
        try:
            frame = register.apply_overrides(frame, addressees, check_emails=check_emails)
        except ValueError as exc:
            raise LetterInputError(str(exc)) from None
    return frame.drop_duplicates("authority_code").set_index("authority_code", drop=False)


def recipients_for(
    code: str, letter_date: _dt.date, addressees: Path | None = None, check_emails: bool = True
) -> list[pd.Series]:
    """The addressee rows of ``code``'s letter, the addressee first: the council's own, or, for a
    council abolished before the letter date, its successors'. The letter and ``send`` both use it
    (``send`` with ``check_emails=False``: it refuses a council with a bad address on its own).

    Raises ``LetterInputError`` for a bad addressees file.
    """
    by_code = _addressee_table(str(addressees) if addressees is not None else "", _mtime(addressees), check_emails)
    ended = register.abolished_before(code, letter_date)
    if ended and ended[1]:
        return [by_code.loc[row["authority_code"]] for row in ended[1]]
    return [by_code.loc[code]]


def addressing_for(code: str, letter_date: _dt.date, addressees: Path | None = None) -> dict[str, Any]:
    """Who the letter goes to and who is copied in.

    A council abolished before the letter date has its letter sent to its
    successor's chief executive (the first successor's; any others are copied).
    Raises ``LetterInputError`` for a bad addressees file.
    """
    recipients, abolished = recipients_for(code, letter_date, addressees), None
    ended = register.abolished_before(code, letter_date)
    if ended and ended[1]:
        last, successors = ended
        names = [register.name_in_text(row["authority_name"]) for row in successors]
        abolished = {
            "last_day": last,
            "successors": [row["authority_name"] for row in successors],
            "successors_text": _join_places(tuple(names)),
            "successor_count": len(names),
        }
    main = recipients[0]
    name = _text(main["chief_executive_name"])
    return {
        "addressee_name": name,
        "addressee_title": _text(main["chief_executive_title"]) or "The Chief Executive",
        "addressee_council": main["authority_name"],
        "salutation_name": name or "Chief Executive",
        "copies": _copies(recipients),
        "abolished": abolished,
    }


def rate_context(figures: pd.Series) -> dict[str, Any]:
    """Each rate the letter prints (``metrics.letter_rates``) under its ``letter_key``, with its type average.

    A count-based rate is printed from its counts (``stats.rate_basis``: exact, and the
    counts go in too under the rate's ``basis`` names, e.g. "upheld" and "investigations");
    any other from its value, as its display says.
    """
    context: dict[str, Any] = {}
    for metric in metrics.letter_rates():
        if metric.basis is not None:
            numerator, denominator = stats.rate_basis(figures, metric.column)
            context.update({metric.basis[0]: numerator, metric.basis[1]: denominator})
            context[metric.letter_key] = percent_of(numerator, denominator)
        else:
            context[metric.letter_key] = metrics.display_text(metric.display, figures[metric.column])
        context[f"type_avg_{metric.letter_key}"] = metrics.display_text(metric.display, figures[metric.average_column])
    return context


def letter_context(
    figures: pd.Series,
    year_params: YearParameters,
    statistics: stats.Statistics,
    addressee_name: str | None = None,
    addressee_title: str | None = None,
    generated_at: str = "",
    addressing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the template prints, as counts and ready-rounded strings.

    ``addressing`` (from ``addressing_for``) names the addressee, copies and any
    abolition; without it the letter goes to the council's chief executive.
    """
    year = int(figures["year"])
    authority_type = figures["authority_type"]
    count = lambda column: int(figures[column])  # noqa: E731 - a short local reader
    categories = list(getattr(statistics, "categories", CATEGORIES))
    name = str(figures["authority_name"])
    addressing = addressing or {
        "addressee_name": _text(addressee_name),
        "addressee_title": _text(addressee_title) or "The Chief Executive",
        "addressee_council": name,
        "salutation_name": _text(addressee_name) or "Chief Executive",
        "copies": [],
        "abolished": None,
    }
    return {
        **addressing,
        "council": register.name_in_text(name),
        "Council_": register.name_in_text(name, start=True),
        "councils": register.possessive(name),
        "Councils_": register.possessive(name, start=True),
        "nothing_to_report": count("received_total") == 0 and count("decisions_total") == 0
        and count("compliance_outcomes") == 0,
        "small_base_threshold": stats.SMALL_BASE,
        "links": dict(getattr(year_params, "links", {}) or {}),
        "generated_on": _generated_on(generated_at),
        "is_sample": bool(statistics.is_sample),
        "sample_banner": SAMPLE_BANNER,
        "ombudsman_name": year_params.ombudsman_name,
        "letter_date": year_params.letter_date,
        "publication_date": year_params.publication_date,
        "council_name": name,
        "council_code": str(figures["authority_code"]),
        "year": year,
        "year_label": year_label(year),
        "period_start": year_start(year),
        "period_end": year_end(year),
        "extra_paragraphs": list(year_params.extra_paragraphs),
        "authority_type": authority_type,
        "type_plural": _plural_type(authority_type),
        "decision_groups": decision_group_counts(figures, getattr(year_params, "decision_groups", {}) or {}),
        "type_averages": type_averages(statistics, year),
        "type_list": ", ".join(_plural_type(t) for t in AUTHORITY_TYPES[:-1]) + " and " + _plural_type(AUTHORITY_TYPES[-1]),
        **rate_context(figures),
        "complied_late": count("complied_late"),
        "not_complied": count("not_complied"),
        "population": None if is_missing(figures["population"]) else int(figures["population"]),
        "received_rows": [
            {"label": m.label, "count": count(m.column)}
            for m in metrics.all_metrics(categories) if m.source == "received" and m.label is not None
        ],
        "received_total": count("received_total"),
        "decision_rows": [{"label": label, "count": count(column)} for label, column in metrics.label_columns("decided").items()],
        "decisions_total": count("decisions_total"),
        "average_method_text": average_method_text(statistics.average_method, "letter"),
        "sources": [
            {"table": s.get("table", ""), "name": Path(s.get("path", "")).name, "sha256": s.get("sha256", "")}
            for s in statistics.sources
        ],
        "package_version": __version__,
        "generated_at": generated_at,
        "signatory_name": year_params.signatory_name,
        "signatory_titles": list(year_params.signatory_titles),
        "seminars": year_params.seminars,
        "training": year_params.training,
        "reports_and_remedies": stats.reports_and_remedies(statistics, str(figures["authority_code"]), year),
    }
