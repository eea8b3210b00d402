"""The annual review letter: its inputs, its figures and its wording.

``prepare_letter`` checks the notebook's parameters and gathers everything a
letter needs; the returned :class:`Letter` renders each section of the letter
from one editable Jinja2 template: the year's letter edition (key ``edition``;
``templates/letter/editions.yaml`` and a workbook's ``parameters/editions.yaml``
name each edition's template), or the file named by ``letter_template`` in the
year's parameters. Every figure the template prints is taken from
:mod:`lgsco_report.stats` and worded in ``letter.context``, as counts or as
ready-rounded strings; the template only chooses words.

The package: ``templates`` (the Jinja environment, editions, ``load_template``),
``addressing`` (``recipients_for``, ``addressing_for``: who the letter and its
email go to), ``context`` (``letter_context``: what the template prints), and
here the ``Letter`` and ``prepare_letter`` the notebook uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from .. import charts, metrics, register, stats
from ..definitions import parse_year, year_label
from ..documents import (  # DOCUMENT_MIMETYPE kept importable from here for callers
    DOCUMENT_MIMETYPE,
    DocumentMetadata,
    generated_at_text,
    letter_metadata,
)
from ..errors import LetterInputError, UnknownCouncilError
from ..formatting import is_missing
from ..workbook import addressees_file
from ..yearparams import default_parameters_file, load_year_parameters
from .addressing import addressing_for, recipients_for
from .context import (
    DECISION_COLUMNS,
    DECISION_ROWS,
    decision_group_counts,
    letter_context,
    rate_context,
    reports_and_remedies_context,
    type_averages,
)
from .templates import (
    EDITIONS_FILE,
    SECTIONS,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    edition_template,
    letter_editions,
    load_template,
    missing_section_message,
    parent_templates,
    year_params_template,
)

__all__ = [
    "DECISION_COLUMNS",
    "DECISION_ROWS",
    "DOCUMENT_MIMETYPE",
    "EDITIONS_FILE",
    "SECTIONS",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "DocumentMetadata",
    "HTMLFragment",
    "Letter",
    "LetterInputError",
    "addressing_for",
    "decision_group_counts",
    "edition_template",
    "letter_context",
    "letter_editions",
    "load_statistics",
    "load_template",
    "prepare_letter",
    "rate_context",
    "recipients_for",
    "reports_and_remedies_context",
    "type_averages",
    "year_params_template",
]


class HTMLFragment(str):
    """Already-escaped HTML from the template, displayed as HTML in notebooks."""

    def _repr_html_(self) -> str:
        return str(self)


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
    trend: pd.DataFrame | None  # None: no years to chart
    metadata: DocumentMetadata
    _charts: dict[str, Any] = field(default_factory=dict, repr=False)  # rendered once per letter

    def section(self, name: str) -> HTMLFragment:
        """One section of the letter as HTML (see ``SECTIONS``)."""
        context = self.template.new_context({**self.context, **self._macros(), "trend_figure": self._trend_figure,
                                             "figure_numbers": self.figure_numbers()})
        # An edition that extends another template takes the blocks it does not replace from it.
        for parent in parent_templates(self.template):
            for block, render in parent.blocks.items():
                context.blocks.setdefault(block, []).append(render)
        if name not in context.blocks:
            raise LetterInputError(missing_section_message(self.template, name, list(context.blocks)))
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
        if self.trend is None or self.context["nothing_to_report"] or "trend" in self.context.get("left_out", {}):
            return False
        return bool(self.trend["detailed_investigations"].fillna(0).sum() > 0)

    def figure_numbers(self) -> dict[str, int]:
        """The number of each chart the letter shows ("key_rates" in the letter, then "trend" in the annex).

        Numbered by what is shown, so a letter without the key-rates chart calls its trend chart Figure 1.
        """
        shown = [name for name, has in (("key_rates", self.has_key_rates_chart()), ("trend", self.has_trend_chart())) if has]
        return {name: number for number, name in enumerate(shown, start=1)}

    def _figure_number(self, chart: str) -> int:
        # A chart drawn though the letter does not show it takes the number after those shown.
        numbers = self.figure_numbers()
        return numbers.get(chart, len(numbers) + 1)

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
            module = self.template.make_module({**self.context, "trend_figure": lambda: markupsafe.Markup(""),
                                                "figure_numbers": self.figure_numbers()})
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
            caption=charts.chart_text("key_rates", "letter_caption", number=self._figure_number("key_rates"), councils_=self.context["Councils_"],
                                      year_label=self.context["year_label"], type_plural=self.context["type_plural"]),
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
            caption=charts.chart_text("trend", "letter_caption", number=self._figure_number("trend"), council=self.context["council"], span=span),
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
    except UnknownCouncilError as exc:
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
    addressees = addressees_file(params_file or default_parameters_file(year), overrides_file or None)
    addressing = addressing_for(code, year_params.letter_date, addressees)
    figures = statistics.council(code, year)
    if not bool(figures.get("has_figures", True)):
        raise LetterInputError(
            f"the figures table has no row for {figures['authority_name']} ({code}) in {year_label(year)}: "
            "no letter without figures; add the council's row to the figures table"
        )
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
