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
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import MaxNLocator

from .definitions import AUTHORITY_TYPES, year_label
from .formatting import NO_FIGURE, is_missing, percent  # the letters' rounding: whole percent, half up
from .stats import SMALL_BASE, is_small_base

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
    # tight_layout() leaves a placeholder layout engine behind, and savefig then
    # draws the whole figure once more (without rendering) before the real draw:
    # a fifth of a chart's time for nothing, as the layout is already fixed.
    if isinstance(figure.get_layout_engine(), PlaceHolderLayoutEngine):
        figure.set_layout_engine(None)
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
        _draw_trend_rates(top, x, rates, averages, council_name, comparison_label)
        _draw_trend_counts(bottom, x, labels, counts)
        figure.tight_layout()
        png = _render(figure)

    alt, caption = trend_text(council_name, trend, comparison_label=comparison_label, caption=caption, text_name=text_name)
    return Chart(png=png, alt=alt, caption=caption)


def _plot_rate_series(axes, x, values, colour, style, marker, legend_label, text_offsets) -> None:
    """One line of rates (missing ones leave a gap), each point labelled ``text_offsets`` points above or below."""
    ys = [float("nan") if is_missing(v) else float(v) * 100 for v in values]
    axes.plot(x, ys, color=colour, linestyle=style, marker=marker, linewidth=2, markersize=7, label=legend_label)
    for xi, value, y, offset in zip(x, values, ys, text_offsets):
        if is_missing(value):
            continue
        axes.annotate(
            percent(value), (xi, y), textcoords="offset points", xytext=(0, offset),
            ha="center", fontsize=9, color=colour, fontweight="bold",
        )


def _draw_trend_rates(top, x, rates, averages, council_name, comparison_label) -> None:
    """Top panel of the trend chart: the council's uphold rate against the comparison average."""
    # The higher of the two points is labelled above, the lower below, so
    # close values never print on top of each other.
    council_above = [
        is_missing(avg) or (not is_missing(rate) and float(rate) >= float(avg)) for rate, avg in zip(rates, averages)
    ]
    _plot_rate_series(top, x, averages, COMPARISON_COLOUR, "--", "s", _upper_first(comparison_label),
                      [-14 if above else 8 for above in council_above])
    _plot_rate_series(top, x, rates, COUNCIL_COLOUR, "-", "o", council_name, [8 if above else -14 for above in council_above])
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


def _draw_trend_counts(bottom, x, labels, counts) -> None:
    """Bottom panel of the trend chart: detailed investigations per year, each bar labelled with its count."""
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
    national: float | None = None,
    caption: str | None = None,
) -> Chart:
    """Uphold rates of one year's councils, by council type (box plot + points).

    ``councils`` needs ``authority_type`` and ``upheld_rate`` (one year only).
    See :func:`rate_distribution_chart`.
    """
    return rate_distribution_chart(
        councils, "upheld_rate", "Uphold rate", basis_column="detailed_investigations",
        type_averages=type_averages, national=national, caption=caption,
        missing_reason="without detailed investigations",
    )


#: Marker of a type's average (dark orange, 5.9:1 against white) and England's line.
AVERAGE_COLOUR = "#b35900"
NATIONAL_COLOUR = "#7a0019"


def _distribution_groups(councils, rate_column, basis_column, small_base):
    """Per type: [(rate, small?)] of councils with a rate, and the count without one."""
    types = _types_in_order(councils)
    groups, without = [], []
    for authority_type in types:
        rows = councils[councils["authority_type"] == authority_type]
        present = []
        for _, row in rows.iterrows():
            if is_missing(row[rate_column]):
                continue
            basis = int(row[basis_column]) if basis_column and basis_column in rows.columns else small_base
            present.append((float(row[rate_column]), basis < small_base))
        groups.append(present)
        without.append(len(rows) - len(present))
    return types, groups, without


def _axis_floor(groups, type_averages, national) -> int:
    """0, unless every value is above 50%: then a multiple of 10 below the lowest (compliance is near 100%)."""
    values = [v for group in groups for v, _ in group]
    values += [float(a) for a in (type_averages or {}).values() if not is_missing(a)]
    values += [] if is_missing(national) else [float(national)]
    lowest = min(values, default=0.0) * 100
    return 0 if lowest <= 50 else int(max(0, (lowest - 5) // 10 * 10))


def _draw_distribution(axes, types, groups, type_averages, national):
    positions = list(range(1, len(types) + 1))
    plotted = [(p, [v * 100 for v, _ in g], [small for _, small in g]) for p, g in zip(positions, groups) if g]
    if plotted:
        axes.boxplot(
            [values for _, values, _ in plotted], positions=[p for p, _, _ in plotted], widths=0.5, showfliers=False,
            medianprops={"color": TEXT_COLOUR, "linewidth": 2}, boxprops={"color": COMPARISON_COLOUR},
            whiskerprops={"color": COMPARISON_COLOUR}, capprops={"color": COMPARISON_COLOUR},
        )
    legend_done = {"full": False, "small": False}
    for position, values, small in plotted:
        # Deterministic jitter: spread points evenly across a narrow band.
        offsets = [((i % 9) - 4) * 0.035 for i in range(len(values))]
        for hollow in (False, True):
            xs = [position + o for o, s in zip(offsets, small) if s == hollow]
            ys = [v for v, s in zip(values, small) if s == hollow]
            if not xs:
                continue
            key = "small" if hollow else "full"
            label = None if legend_done[key] else ("Council, small base" if hollow else "Council")
            legend_done[key] = True
            axes.scatter(
                xs, ys, s=16 if hollow else 14, zorder=3, label=label,
                facecolors="white" if hollow else COUNCIL_COLOUR, edgecolors=COUNCIL_COLOUR,
                linewidths=0.8 if hollow else 0, alpha=1 if hollow else 0.75,
            )
    if type_averages:
        shown = False
        for position, authority_type in zip(positions, types):
            average = type_averages.get(authority_type)
            if is_missing(average):
                continue
            axes.scatter(
                [position + 0.34], [float(average) * 100], marker="D", s=46, color=AVERAGE_COLOUR,
                edgecolors=TEXT_COLOUR, zorder=4, label=None if shown else "Average for the type",
            )
            axes.annotate(
                percent(average), (position + 0.34, float(average) * 100), textcoords="offset points",
                xytext=(6, 0), va="center", fontsize=8.5, color="#8a4500", fontweight="bold",
            )
            shown = True
    if not is_missing(national):
        axes.axhline(float(national) * 100, color=NATIONAL_COLOUR, linestyle=":", linewidth=1.6, zorder=2,
                     label=f"England {percent(national)}")
    return positions, plotted


def rate_distribution_chart(
    councils: pd.DataFrame,
    rate_column: str,
    rate_label: str,
    *,
    basis_column: str | None = None,
    type_averages: Mapping[str, float | None] | None = None,
    national: float | None = None,
    small_base: int = 10,
    missing_reason: str = "without a figure",
    caption: str | None = None,
) -> Chart:
    """One rate of one year's councils, each council type side by side (box plot + points).

    A box per type (middle half of the councils, line at the median), every
    council as a point (hollow when its rate rests on fewer than ``small_base``
    cases in ``basis_column``), each type's average as a diamond
    (``type_averages``) and England's rate as a dotted line (``national``).
    Councils without the rate are left out of the plot and counted in the axis
    labels and the alt text.
    """
    for column in ("authority_type", rate_column):
        if column not in councils.columns:
            raise ValueError(f"rate_distribution_chart: councils frame lacks column {column!r}")
    year = _single_year(councils, "rate_distribution_chart")
    types, groups, without = _distribution_groups(councils, rate_column, basis_column, small_base)
    if not types:
        raise ValueError("rate_distribution_chart: no councils to plot")

    with matplotlib.rc_context(_RC):
        figure = _new_figure(8.0, 4.6)
        axes = figure.add_subplot(1, 1, 1)
        positions, plotted = _draw_distribution(axes, types, groups, type_averages, national)
        axes.set_xticks(positions, _distribution_tick_labels(types, groups, without), fontsize=8.5)
        axes.set_xlim(0.4, len(types) + 0.75)
        _set_rate_axis(axes, rate_label, _axis_floor(groups, type_averages, national))
        axes.grid(axis="y", color="#d9d9d9", linewidth=0.6)
        axes.set_axisbelow(True)
        _style_axes(axes)
        if plotted:
            axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=8.5)
        figure.tight_layout()
        png = _render(figure)

    when = f" in {year_label(year)}" if year else ""
    return Chart(
        png=png,
        alt=_distribution_alt(
            types, groups, without, rate_label, when, basis_column, type_averages, national, small_base, missing_reason
        ),
        caption=caption or (
            f"{rate_label} of councils{when}, by council type; each point is one council"
            + (f", hollow when fewer than {small_base} cases are behind the rate" if basis_column else "")
            + "; diamond: average for the type" + ("" if is_missing(national) else "; dotted line: England") + "."
        ),
    )


def _distribution_tick_labels(types, groups, without) -> list[str]:
    """Per type: its name over two lines, then how many councils have a rate and how many do not."""
    tick_labels = []
    for authority_type, group, missing_count in zip(types, groups, without):
        label = authority_type.replace(" ", "\n", 1) + f"\n{len(group)} with a rate"
        label += f"\n{missing_count} without" if missing_count else ""
        tick_labels.append(label)
    return tick_labels


def _set_rate_axis(axes, rate_label: str, floor: int) -> None:
    """The percentage axis from ``floor`` to 100%, with a little room at both ends."""
    axes.set_ylim(floor - 2 * (100 - floor) / 100, 100 + 2 * (100 - floor) / 100)
    ticks = list(range(floor, 101, 25 if floor == 0 else 10 if floor <= 60 else 5))
    axes.set_yticks(ticks, [f"{t}%" for t in ticks])
    # A cut axis is said in the label, so a short bar of dots is not read as a low rate.
    axes.set_ylabel(rate_label if floor == 0 else f"{rate_label} (axis from {floor}%)")


def _distribution_alt(
    types, groups, without, rate_label, when, basis_column, type_averages, national, small_base, missing_reason
) -> str:
    """The distribution chart's alt text: per type the spread of rates, then England and the small bases."""
    parts = []
    for authority_type, group, missing_count in zip(types, groups, without):
        values = [v for v, _ in group]
        if values:
            text = (
                f"{authority_type}: {_councils(len(values))} with a rate, median {percent(_median(values))}, "
                f"lowest {percent(min(values))}, highest {percent(max(values))}"
            )
        else:
            text = f"{authority_type}: no council with a rate"
        if type_averages and not is_missing(type_averages.get(authority_type)):
            text += f", average for the type {percent(type_averages[authority_type])}"
        if missing_count:
            text += f", {missing_count} {missing_reason} ({NO_FIGURE})"
        parts.append(text)
    lower = _lower_first(rate_label)
    alt = f"Box plot of council {lower}s{when} by council type. " + "; ".join(parts) + "."
    if not is_missing(national):
        alt += f" England as a whole: {percent(national)} (dotted line)."
    small = sum(1 for group in groups for _, is_small in group if is_small)
    if small and basis_column:
        alt += f" {_upper_first(_councils(small))} with fewer than {small_base} cases behind the rate drawn hollow."
    return alt


# ---------------------------------------------------------------------------
# map


def _ring_area(ring) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float((x * np.roll(y, -1) - np.roll(x, -1) * y).sum())) / 2


def _rate_colour(rate, colormap):
    return NO_FIGURE_COLOUR if is_missing(rate) else colormap(float(rate))


def _draw_areas(axes, areas, rings, colours, hatched):
    """Fill every ring of every area, largest first, so areas enclosed by another stay on top."""
    pieces = []
    for code, districts in areas.items():
        for district in districts:
            for ring in rings.get(district, []):
                pieces.append((-_ring_area(ring), code, ring))
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    for filled_hatch in (False, True):
        selected = [(code, ring) for _, code, ring in pieces if (code in hatched) == filled_hatch]
        if not selected:
            continue
        axes.add_collection(PolyCollection(
            [ring for _, ring in selected], facecolors=[colours[code] for code, _ in selected],
            edgecolors="none", linewidths=0, hatch="////" if filled_hatch else None, zorder=1 + filled_hatch,
        ))


def _draw_borders(axes, areas, arcs, district_arcs):
    """Borders between different areas (white) and England's outline (dark), each arc drawn once.

    ``areas`` maps an area to its districts; a district in several areas
    belongs to the last one given (the county in the county panel).
    """
    owner = {district: code for code, districts in areas.items() for district in districts}
    owners: dict[int, set] = {}
    uses: dict[int, int] = {}
    for district, district_set in district_arcs.items():
        for arc in district_set:
            uses[arc] = uses.get(arc, 0) + 1
            owners.setdefault(arc, set()).add(owner.get(district))
    inner = [arcs[i] for i in sorted(owners) if len(owners[i]) > 1]
    outline = [arcs[i] for i in sorted(uses) if uses[i] == 1]
    axes.add_collection(LineCollection(inner, colors="white", linewidths=0.35, zorder=3))
    axes.add_collection(LineCollection(outline, colors=TEXT_COLOUR, linewidths=0.6, zorder=4))


def _map_panel(axes, title, areas, rates, geography, colormap, mean_lat, background=None):
    rings, arcs, district_arcs = geography
    colours = {code: _rate_colour(rates.get(code), colormap) for code in areas}
    hatched = {code for code in areas if is_missing(rates.get(code))}
    if background:
        _draw_areas(axes, background, rings, {code: "#f2f2f2" for code in background}, set())
    _draw_areas(axes, areas, rings, colours, hatched)
    _draw_borders(axes, {**(background or {}), **areas}, arcs, district_arcs)
    axes.set_title(title, fontsize=9.5)
    axes.set_aspect(1 / math.cos(math.radians(mean_lat)))
    axes.set_axis_off()


def uphold_map(
    councils: pd.DataFrame, *, geography=None, attribution: str | None = None, caption: str | None = None
) -> Chart:
    """Every council as an area coloured by its uphold rate, with England's outline (two panels).

    Left: single-tier councils and districts (they tile England); right: county
    councils (each the union of its districts), so neither tier hides the other.
    ``geography`` is ``(district rings, arcs, district arcs, council -> districts)``;
    by default the carried 2013 district boundaries (``boundaries.py``). A
    council the boundaries do not cover is drawn as a point at its latitude and
    longitude; one with neither is named in the caption as not shown.
    """
    from . import boundaries

    for column in ("authority_code", "authority_name", "authority_type", "lat", "long", "upheld_rate"):
        if column not in councils.columns:
            raise ValueError(f"uphold_map: councils frame lacks column {column!r}")
    year = _single_year(councils, "uphold_map")
    if geography is None:
        topology = boundaries.load_topology()
        rings = boundaries.district_rings()
        geography = (rings, boundaries.arc_lines(topology), boundaries.geometry_arcs(topology),
                     boundaries.council_districts(councils, rings))
        attribution = attribution or boundaries.ATTRIBUTION
    rings, arcs, district_arcs, districts_of = geography
    rates = dict(zip(councils["authority_code"], councils["upheld_rate"]))
    is_county = dict(zip(councils["authority_code"], councils["authority_type"] == "County Council"))
    covered = {code: districts_of.get(code, []) for code in councils["authority_code"] if districts_of.get(code)}
    lower = {code: d for code, d in covered.items() if not is_county[code]}
    upper = {code: d for code, d in covered.items() if is_county[code]}
    uncovered = councils[~councils["authority_code"].isin(list(covered))]
    as_points = uncovered[uncovered["lat"].notna() & uncovered["long"].notna()]
    not_shown = uncovered[uncovered["lat"].isna() | uncovered["long"].isna()]
    colormap = matplotlib.colormaps[MAP_COLORMAP]

    with matplotlib.rc_context(_RC):
        figure = _new_figure(7.4, 6.2)
        left, right = figure.subplots(1, 2)
        figure.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.13, wspace=0.02)
        _map_panel(left, "Single-tier councils and districts", lower, rates, (rings, arcs, district_arcs), colormap, 53.0)
        _map_panel(right, "County councils", upper, rates, (rings, arcs, district_arcs), colormap, 53.0, background=lower)
        for panel, county in ((left, False), (right, True)):
            points = as_points[(as_points["authority_type"] == "County Council") == county].sort_values("authority_code")
            if not points.empty:
                panel.scatter(points["long"], points["lat"], s=30, marker="o", zorder=5, edgecolors=TEXT_COLOUR,
                              linewidths=0.6, c=[_rate_colour(r, colormap) for r in points["upheld_rate"]])
            panel.autoscale_view()
        scale = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 100), cmap=colormap)
        colourbar = figure.colorbar(scale, cax=figure.add_axes((0.3, 0.075, 0.4, 0.025)), orientation="horizontal")
        colourbar.set_label("Uphold rate")
        colourbar.set_ticks([0, 25, 50, 75, 100], labels=["0%", "25%", "50%", "75%", "100%"])
        handles = [Patch(facecolor=NO_FIGURE_COLOUR, hatch="////", edgecolor="white", label=f"No uphold rate ({NO_FIGURE})"),
                   Patch(facecolor="#f2f2f2", edgecolor=TEXT_COLOUR, linewidth=0.5, label="Not in a county (right panel)")]
        figure.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.995), ncol=2, frameon=False, fontsize=8.5)
        png = _render(figure)

    return Chart(png=png, alt=_map_alt(councils, year, covered, as_points, not_shown),
                 caption=caption or _map_caption(year, as_points, not_shown, attribution))


def _map_alt(councils, year, covered, as_points, not_shown) -> str:
    when = f" in {year_label(year)}" if year else ""
    with_rate = councils[councils["upheld_rate"].notna()].sort_values("authority_name", kind="stable")
    if with_rate.empty:
        summary = "no council has an uphold rate"
    else:
        rates = with_rate["upheld_rate"].astype(float)
        lowest, highest = with_rate.loc[rates.idxmin()], with_rate.loc[rates.idxmax()]
        summary = (
            f"{_councils(len(with_rate))} with an uphold rate, from {percent(lowest['upheld_rate'])} "
            f"({lowest['authority_name']}) to {percent(highest['upheld_rate'])} ({highest['authority_name']}), "
            f"median {percent(_median(list(rates)))}"
        )
    alt = (f"Map of England{when} in two panels, single-tier councils and districts on the left and county councils "
           f"on the right, each council's area coloured by its uphold rate: {summary}")
    without = int(councils["upheld_rate"].isna().sum())
    if without:
        alt += f"; {_councils(without)} without detailed investigations hatched grey ({NO_FIGURE})"
    if not as_points.empty:
        alt += f"; {_councils(len(as_points))} without a boundary drawn as a point at its location"
    if not not_shown.empty:
        alt += f"; {_councils(len(not_shown))} without a boundary or a location not shown"
    return alt + "."


def _map_caption(year, as_points, not_shown, attribution) -> str:
    when = f", {year_label(year)}" if year else ""
    text = (f"Uphold rate by council{when}: single-tier councils and districts (left) and county councils (right), "
            "whose areas contain their districts. Hatched grey: no detailed investigations, so no rate.")
    if not as_points.empty:
        text += f" Drawn as points (no boundary in the map data): {', '.join(sorted(as_points['authority_name']))}."
    if not not_shown.empty:
        text += f" Not shown (no boundary and no location): {', '.join(sorted(not_shown['authority_name']))}."
    if attribution:
        text += f" {attribution}"
    return text
