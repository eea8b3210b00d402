"""Charts for the letters and the national review: PNG bytes plus alt text.

Why this shape: a letter is exported to HTML and PDF, so a chart must be a
self-contained image with a text equivalent that states the same figures
(screen readers, and the PDF's tagged figure). Every function takes plain data
and returns a :class:`Chart`; a notebook cell displays it, a test inspects it.

Rules kept here so every chart follows them:

* ``matplotlib.figure.Figure`` with an Agg canvas, never pyplot, so no global
  figure state leaks between letters run in one kernel and Jupyter's inline
  backend is left alone.
* Deterministic bytes: fixed size, dpi and font (DejaVu Sans, shipped with
  matplotlib), PNG written with ``metadata={"Software": None}``; jitter uses
  fixed offsets, not random numbers.
* Accessible: colours have at least 4.5:1 contrast against white (text and
  bars) and every value is also written on the chart, so colour is never the
  only carrier of meaning; series differ by hatching/marker shape as well.
* A missing rate (no denominator) is labelled "no figure", never drawn as 0.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from typing import Mapping

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .definitions import AUTHORITY_TYPES, year_label
from .stats import SMALL_BASE, is_missing, is_small_base, percent  # the letters' rounding: whole percent, half up

#: Output resolution; with the figure sizes below a chart is ~ 800-1000 px wide.
DPI = 120
FONT_FAMILY = "DejaVu Sans"

#: Council series: dark blue, 9.4:1 against white.
COUNCIL_COLOUR = "#1f4e79"
#: Comparison series (similar councils / type average): dark grey, 7.0:1.
COMPARISON_COLOUR = "#595959"
#: Text colour for labels (16:1).
TEXT_COLOUR = "#1b1b1b"
#: A council's bar resting on fewer than SMALL_BASE cases: lighter blue (5.3:1), cross-hatched.
SMALL_BASE_COLOUR = "#3f6ea3"
SMALL_BASE_HATCH = "xx"
SMALL_BASE_LABEL = f"{{name}}, fewer than {SMALL_BASE} cases"
#: Councils without a rate on the map: mid grey marker with a dark edge.
NO_FIGURE_COLOUR = "#bdbdbd"
#: Sequential, colour-blind-safe colormap for the map.
MAP_COLORMAP = "viridis"

NO_FIGURE = "no figure"
SIMILAR_COUNCILS = "similar councils"

_RC = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "font.size": 10,
    "axes.edgecolor": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "text.color": TEXT_COLOUR,
    "hatch.color": "#ffffff",
    "svg.hashsalt": "lgsco-report",
    "path.simplify": True,
}


@dataclass(frozen=True, repr=False)
class Chart:
    """A rendered chart: PNG bytes, a full text alternative and a caption."""

    png: bytes
    alt: str
    caption: str

    def __repr__(self) -> str:
        # Short on purpose: Jupyter stores this as the text/plain twin of the HTML.
        return f"<Chart {self.caption!r}, {len(self.png):,} bytes PNG>"

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, so HTML and PDF need no side files."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def to_html(self) -> str:
        """A ``<figure>`` with the inlined image, its alt text and caption (all escaped)."""
        return (
            '<figure class="lgsco-chart">'
            f'<img src="{self.data_uri()}" alt="{html.escape(self.alt, quote=True)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption>"
            "</figure>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


# ---------------------------------------------------------------------------
# helpers


def _percent_or_no_figure(rate: float | None) -> str:
    text = percent(rate)
    return NO_FIGURE if text is None else text


def _councils(count: int) -> str:
    return f"{count} council" if count == 1 else f"{count} councils"


def _upper_first(label: str) -> str:
    # Not str.capitalize(): that would lower-case "(District Councils)".
    return label[:1].upper() + label[1:]


def _legend_columns(*labels: str) -> int:
    """Two legend entries side by side only when they fit the chart's width."""
    # Measured on the letter charts: about 48 characters fit beside each other above the axes.
    return 2 if sum(len(label) for label in labels) <= 48 else 1


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def _new_figure(width_in: float, height_in: float) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _render(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=DPI,
        facecolor="white",
        metadata={"Software": None},
    )
    return buffer.getvalue()


def _style_axes(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


# ---------------------------------------------------------------------------
# letter charts


def _small_base_note(base: int | None) -> str:
    if base is None or not is_small_base(base):
        return ""
    return f" (based on only {base} case{'s' if base != 1 else ''})"


def key_rates_text(
    council_name: str,
    figures: Mapping[str, tuple[float | None, float | None]],
    *,
    comparison_label: str = SIMILAR_COUNCILS,
    caption: str | None = None,
    bases: Mapping[str, int] | None = None,
    text_name: str | None = None,
) -> tuple[str, str]:
    """The key-rates chart's alt text and caption (as ``key_rates_chart``), without drawing it."""
    bases = dict(bases or {})
    text_name = text_name or council_name
    small = [label for label in figures if not is_missing(figures[label][0]) and is_small_base(bases.get(label, SMALL_BASE))]
    parts = []
    for label, (council_value, comparison_value) in figures.items():
        note = _small_base_note(bases.get(label)) if label in small else ""
        parts.append(
            f"{_lower_first(label)} {_percent_or_no_figure(council_value)}{note} for {text_name} "
            f"against {_percent_or_no_figure(comparison_value)} for {comparison_label}"
        )
    alt = "Bar chart: " + "; ".join(parts) + "."
    caption = caption or f"Key rates for {text_name} compared with the average for {comparison_label}."
    if small:
        caption += (
            f" Lighter, cross-hatched bars rest on fewer than {SMALL_BASE} cases "
            f"({', '.join(_lower_first(label) for label in small)}), so read them with care."
        )
    return alt, caption


def key_rates_chart(
    council_name: str,
    figures: Mapping[str, tuple[float | None, float | None]],
    *,
    comparison_label: str = SIMILAR_COUNCILS,
    caption: str | None = None,
    bases: Mapping[str, int] | None = None,
    text_name: str | None = None,
) -> Chart:
    """Council against the average for similar councils on each key rate.

    ``figures`` maps a rate label (e.g. ``"Uphold rate"``) to
    ``(council_rate, similar_councils_rate)`` as fractions (0..1), None or NaN
    when there is no figure. Horizontal grouped bars, value printed at the end
    of each bar; a missing rate gets a "no figure" label and no bar.
    ``bases`` maps a label to the number of cases the council's rate rests on:
    a rate on fewer than ``SMALL_BASE`` cases is drawn lighter and cross-hatched,
    with its own legend entry, and the alt text and caption say so.
    ``text_name`` is the name as it reads in a sentence (alt text), e.g.
    "the London Borough of Lambeth"; the legend keeps ``council_name``.
    """
    if not figures:
        raise ValueError("key_rates_chart needs at least one rate in `figures`")
    labels = list(figures)
    bases = dict(bases or {})
    small = [label for label in labels if not is_missing(figures[label][0]) and is_small_base(bases.get(label, SMALL_BASE))]
    with matplotlib.rc_context(_RC):
        figure = _new_figure(7.2, 0.9 + 0.85 * len(labels))
        axes = figure.add_subplot(1, 1, 1)
        bar_height = 0.36
        positions = range(len(labels))
        series = (
            (0, council_name, COUNCIL_COLOUR, None),
            (1, _upper_first(comparison_label), COMPARISON_COLOUR, "//"),
        )
        for index, legend_label, colour, hatch in series:
            offsets = [p - bar_height / 2 + index * bar_height for p in positions]
            values = [figures[label][index] for label in labels]
            for label, value, y in zip(labels, values, offsets):
                if is_missing(value):
                    axes.text(1, y, NO_FIGURE, va="center", ha="left", fontstyle="italic")
                    continue
                light = index == 0 and label in small
                axes.barh(
                    [y], [float(value) * 100], height=bar_height * 0.92,
                    color=SMALL_BASE_COLOUR if light else colour, hatch=SMALL_BASE_HATCH if light else hatch,
                    edgecolor=SMALL_BASE_COLOUR if light else colour,
                    label=SMALL_BASE_LABEL.format(name=council_name) if light else legend_label,
                )
                axes.text(float(value) * 100 + 1, y, percent(value), va="center", ha="left", fontweight="bold")
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 112)
        axes.set_xticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
        _style_axes(axes)
        # One legend entry per series actually drawn: never an entry without its swatch.
        handles, names = axes.get_legend_handles_labels()
        unique = dict(zip(names, handles))
        axes.legend(
            list(unique.values()), list(unique), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
            ncol=1 if small else _legend_columns(council_name, comparison_label),
        )
        figure.tight_layout()
        png = _render(figure)

    alt, caption = key_rates_text(
        council_name, figures, comparison_label=comparison_label, caption=caption, bases=bases, text_name=text_name
    )
    return Chart(png=png, alt=alt, caption=caption)


def trend_chart(
    council_name: str,
    trend: pd.DataFrame,
    *,
    comparison_label: str = SIMILAR_COUNCILS,
    caption: str | None = None,
    text_name: str | None = None,
) -> Chart:
    """The council's uphold rate and detailed investigations over up to five years.

    ``trend`` has one row per year with columns ``year``, ``upheld_rate``,
    ``type_avg_upheld_rate`` and ``detailed_investigations`` (as
    ``Statistics.trend`` returns). Top panel: uphold rate against the type
    average (different line styles and markers); bottom panel: the count of
    detailed investigations, which is the basis of the rate.
    """
    needed = {"year", "upheld_rate", "type_avg_upheld_rate", "detailed_investigations"}
    missing_columns = needed - set(trend.columns)
    if missing_columns:
        raise ValueError(f"trend_chart: trend frame lacks column(s) {sorted(missing_columns)}")
    if trend.empty:
        raise ValueError("trend_chart: the trend frame has no rows")
    rows = trend.sort_values("year").tail(5).reset_index(drop=True)
    years = [int(y) for y in rows["year"]]
    labels = [year_label(y) for y in years]
    x = list(range(len(years)))
    rates = list(rows["upheld_rate"])
    averages = list(rows["type_avg_upheld_rate"])
    counts = [0 if is_missing(c) else int(c) for c in rows["detailed_investigations"]]

    with matplotlib.rc_context(_RC):
        figure = _new_figure(7.2, 5.0)
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})

        def plot_series(values, colour, style, marker, legend_label, text_offsets):
            ys = [float("nan") if is_missing(v) else float(v) * 100 for v in values]
            top.plot(x, ys, color=colour, linestyle=style, marker=marker, linewidth=2, markersize=7, label=legend_label)
            for xi, value, y, offset in zip(x, values, ys, text_offsets):
                if is_missing(value):
                    continue
                top.annotate(
                    percent(value), (xi, y), textcoords="offset points", xytext=(0, offset),
                    ha="center", fontsize=9, color=colour, fontweight="bold",
                )

        # The higher of the two points is labelled above, the lower below, so
        # close values never print on top of each other.
        council_above = [
            is_missing(avg) or (not is_missing(rate) and float(rate) >= float(avg)) for rate, avg in zip(rates, averages)
        ]
        plot_series(averages, COMPARISON_COLOUR, "--", "s", _upper_first(comparison_label),
                    [-14 if above else 8 for above in council_above])
        plot_series(rates, COUNCIL_COLOUR, "-", "o", council_name, [8 if above else -14 for above in council_above])
        for xi, value in zip(x, rates):
            if is_missing(value):
                top.text(xi, 97, NO_FIGURE, ha="center", va="center", fontstyle="italic")
        top.set_ylim(0, 110)
        top.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        top.set_ylabel("Uphold rate")
        top.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
            ncol=_legend_columns(council_name, comparison_label),
        )
        _style_axes(top)

        bars = bottom.bar(x, counts, color=COUNCIL_COLOUR, width=0.55)
        ceiling = max(counts + [1])
        for bar, count in zip(bars, counts):
            bottom.text(bar.get_x() + bar.get_width() / 2, count + ceiling * 0.04, str(count), ha="center", va="bottom")
        bottom.set_ylim(0, ceiling * 1.3)
        bottom.set_ylabel("Detailed\ninvestigations")
        # Counts of cases: whole-number ticks only.
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        bottom.set_xticks(x, labels)
        bottom.set_xlim(-0.5, len(x) - 0.5)
        _style_axes(bottom)
        figure.tight_layout()
        png = _render(figure)

    alt, caption = trend_text(council_name, trend, comparison_label=comparison_label, caption=caption, text_name=text_name)
    return Chart(png=png, alt=alt, caption=caption)


def trend_text(
    council_name: str,
    trend: pd.DataFrame,
    *,
    comparison_label: str = SIMILAR_COUNCILS,
    caption: str | None = None,
    text_name: str | None = None,
) -> tuple[str, str]:
    """The trend chart's alt text and caption (as ``trend_chart``), without drawing it."""
    rows = trend.sort_values("year").tail(5).reset_index(drop=True)
    labels = [year_label(int(y)) for y in rows["year"]]
    counts = [0 if is_missing(c) else int(c) for c in rows["detailed_investigations"]]
    parts = []
    for label, rate, average, count in zip(labels, rows["upheld_rate"], rows["type_avg_upheld_rate"], counts):
        parts.append(
            f"{label}: uphold rate {_percent_or_no_figure(rate)} against "
            f"{_percent_or_no_figure(average)} for {comparison_label}, "
            + ("no detailed investigations" if count == 0 else f"{count} detailed investigation{'s' if count != 1 else ''}")
        )
    text_name = text_name or council_name
    alt = f"Line and bar chart of {text_name}'s uphold rate and detailed investigations by year: " + "; ".join(parts) + "."
    first, last = labels[0], labels[-1]
    span = first if first == last else f"{first} to {last}"
    return alt, caption or f"Uphold rate and detailed investigations for {text_name}, {span}."


# ---------------------------------------------------------------------------
# national charts


def _single_year(councils: pd.DataFrame, function: str) -> int | None:
    if "year" not in councils.columns:
        return None
    years = sorted({int(y) for y in councils["year"].dropna()})
    if len(years) > 1:
        raise ValueError(f"{function}: pass one year's councils (got years {years}); filter on `year` first")
    return years[0] if years else None


def _types_in_order(councils: pd.DataFrame) -> list[str]:
    present = set(councils["authority_type"].dropna())
    ordered = [t for t in AUTHORITY_TYPES if t in present]
    return ordered + sorted(present - set(ordered))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def uphold_distribution_chart(
    councils: pd.DataFrame,
    *,
    type_averages: Mapping[str, float | None] | None = None,
    caption: str | None = None,
) -> Chart:
    """Uphold rates of one year's councils, by council type (box plot + points).

    ``councils`` needs ``authority_type`` and ``upheld_rate`` (one year only).
    Councils without detailed investigations have no rate: they are left out
    of the plot and counted in the axis label and the alt text.
    ``type_averages`` (optional, from ``Statistics.types``) adds a diamond for
    each type's average for similar councils.
    """
    for column in ("authority_type", "upheld_rate"):
        if column not in councils.columns:
            raise ValueError(f"uphold_distribution_chart: councils frame lacks column {column!r}")
    year = _single_year(councils, "uphold_distribution_chart")
    types = _types_in_order(councils)
    if not types:
        raise ValueError("uphold_distribution_chart: no councils to plot")
    groups: list[list[float]] = []
    without: list[int] = []
    for authority_type in types:
        rates = councils.loc[councils["authority_type"] == authority_type, "upheld_rate"]
        present = [float(r) for r in rates if not is_missing(r)]
        groups.append(present)
        without.append(len(rates) - len(present))

    with matplotlib.rc_context(_RC):
        figure = _new_figure(8.0, 4.8)
        axes = figure.add_subplot(1, 1, 1)
        positions = list(range(1, len(types) + 1))
        plotted = [(p, [v * 100 for v in g]) for p, g in zip(positions, groups) if g]
        if plotted:
            axes.boxplot(
                [values for _, values in plotted],
                positions=[p for p, _ in plotted],
                widths=0.5,
                showfliers=False,
                medianprops={"color": TEXT_COLOUR, "linewidth": 2},
                boxprops={"color": COMPARISON_COLOUR},
                whiskerprops={"color": COMPARISON_COLOUR},
                capprops={"color": COMPARISON_COLOUR},
            )
        for position, values in plotted:
            # Deterministic jitter: spread points evenly across a narrow band.
            count = len(values)
            offsets = [((i % 9) - 4) * 0.035 for i in range(count)]
            axes.scatter(
                [position + o for o in offsets],
                values,
                s=14,
                color=COUNCIL_COLOUR,
                alpha=0.75,
                edgecolors="none",
                zorder=3,
                label="Council" if position == plotted[0][0] else None,
            )
        if type_averages:
            shown = False
            for position, authority_type in zip(positions, types):
                average = type_averages.get(authority_type)
                if is_missing(average):
                    continue
                axes.scatter(
                    [position + 0.34], [float(average) * 100], marker="D", s=46, color="#b35900",
                    edgecolors=TEXT_COLOUR, zorder=4, label=None if shown else "Average for the type",
                )
                axes.annotate(
                    percent(average), (position + 0.34, float(average) * 100), textcoords="offset points",
                    xytext=(6, 0), va="center", fontsize=8.5, color="#8a4500", fontweight="bold",
                )
                shown = True
        tick_labels = []
        for authority_type, group, missing_count in zip(types, groups, without):
            label = authority_type.replace(" ", "\n", 1) + f"\n{len(group)} with a rate"
            label += f"\n{missing_count} without" if missing_count else ""
            tick_labels.append(label)
        axes.set_xticks(positions, tick_labels, fontsize=8.5)
        axes.set_xlim(0.4, len(types) + 0.75)
        axes.set_ylim(-2, 102)
        axes.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        axes.set_ylabel("Uphold rate")
        axes.grid(axis="y", color="#d9d9d9", linewidth=0.6)
        axes.set_axisbelow(True)
        _style_axes(axes)
        if plotted:
            axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        figure.tight_layout()
        png = _render(figure)

    parts = []
    for authority_type, group, missing_count in zip(types, groups, without):
        if group:
            text = (
                f"{authority_type}: {_councils(len(group))} with a rate, median {percent(_median(group))}, "
                f"lowest {percent(min(group))}, highest {percent(max(group))}"
            )
        else:
            text = f"{authority_type}: no council with a rate"
        if type_averages and not is_missing(type_averages.get(authority_type)):
            text += f", average for the type {percent(type_averages[authority_type])}"
        if missing_count:
            text += f", {missing_count} without detailed investigations ({NO_FIGURE})"
        parts.append(text)
    when = f" in {year_label(year)}" if year else ""
    alt = f"Box plot of council uphold rates{when} by council type. " + "; ".join(parts) + "."
    return Chart(
        png=png,
        alt=alt,
        caption=caption or f"Uphold rates of councils{when}, by council type; each point is one council.",
    )


def uphold_map(councils: pd.DataFrame, *, caption: str | None = None) -> Chart:
    """Each council at its latitude/longitude, coloured by uphold rate.

    No map tiles and no network: a plain scatter on an aspect ratio corrected
    for England's latitude (1 / cos 53 degrees), with a colourbar. Councils
    without a rate are drawn as grey hollow-looking markers and listed by count
    in the alt text; councils without coordinates are counted, not drawn.
    """
    for column in ("authority_name", "lat", "long", "upheld_rate"):
        if column not in councils.columns:
            raise ValueError(f"uphold_map: councils frame lacks column {column!r}")
    year = _single_year(councils, "uphold_map")
    located = councils[councils["lat"].notna() & councils["long"].notna()]
    unlocated = len(councils) - len(located)
    with_rate = located[located["upheld_rate"].notna()].sort_values("authority_name", kind="stable")
    without_rate = located[located["upheld_rate"].isna()]

    with matplotlib.rc_context(_RC):
        figure = _new_figure(6.4, 7.2)
        axes = figure.add_subplot(1, 1, 1)
        if not without_rate.empty:
            axes.scatter(
                without_rate["long"], without_rate["lat"], s=22, color=NO_FIGURE_COLOUR, marker="s",
                edgecolors=TEXT_COLOUR, linewidths=0.5, label=f"No uphold rate ({NO_FIGURE})", zorder=2,
            )
        if not with_rate.empty:
            points = axes.scatter(
                with_rate["long"], with_rate["lat"], c=with_rate["upheld_rate"] * 100, cmap=MAP_COLORMAP,
                vmin=0, vmax=100, s=26, edgecolors=TEXT_COLOUR, linewidths=0.5, zorder=3,
            )
            colourbar = figure.colorbar(points, ax=axes, shrink=0.7, pad=0.02)
            colourbar.set_label("Uphold rate")
            colourbar.set_ticks([0, 25, 50, 75, 100], labels=["0%", "25%", "50%", "75%", "100%"])
        if not without_rate.empty:
            axes.legend(loc="upper left", frameon=False, fontsize=8.5)
        mean_lat = float(located["lat"].mean()) if not located.empty else 53.0
        axes.set_aspect(1 / math.cos(math.radians(mean_lat)))
        axes.set_xlabel("Longitude")
        axes.set_ylabel("Latitude")
        _style_axes(axes)
        figure.tight_layout()
        png = _render(figure)

    when = f" in {year_label(year)}" if year else ""
    if with_rate.empty:
        summary = "no council has an uphold rate"
    else:
        rates = with_rate["upheld_rate"].astype(float)
        lowest = with_rate.loc[rates.idxmin()]
        highest = with_rate.loc[rates.idxmax()]
        summary = (
            f"{_councils(len(with_rate))} with an uphold rate, from {percent(lowest['upheld_rate'])} "
            f"({lowest['authority_name']}) to {percent(highest['upheld_rate'])} ({highest['authority_name']}), "
            f"median {percent(_median(list(rates)))}"
        )
    alt = f"Map of councils in England{when}, each placed by latitude and longitude and coloured by uphold rate: {summary}"
    if not without_rate.empty:
        alt += f"; {_councils(len(without_rate))} without detailed investigations shown as grey squares ({NO_FIGURE})"
    if unlocated:
        alt += f"; {_councils(unlocated)} without a location not shown"
    alt += "."
    return Chart(
        png=png,
        alt=alt,
        caption=caption or f"Uphold rate by council location{when}. Darker purple is lower, yellow is higher.",
    )
