"""The letter's charts: the key rates beside similar councils, and the five-year trend.

Each function takes plain data and returns a :class:`~.base.Chart`; its alt
text and caption come from ``templates/charts/key_rates.txt.j2`` and
``trend.txt.j2`` (the ``*_text`` functions give them without drawing).
"""

from __future__ import annotations

from typing import Mapping

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..definitions import year_label
from ..formatting import NO_FIGURE, is_missing, percent
from ..stats import SMALL_BASE, is_small_base
from .base import (
    _RC, COMPARISON_COLOUR, COUNCIL_COLOUR, SIMILAR_COUNCILS, SMALL_BASE_COLOUR, SMALL_BASE_HATCH, SMALL_BASE_LABEL,
    Chart, _legend_columns, _new_figure, _render, _style_axes, _upper_first, chart_text,
)


def _small_labels(figures: Mapping[str, tuple[float | None, float | None]], bases: Mapping[str, int]) -> list[str]:
    """The rates whose council figure rests on fewer than ``SMALL_BASE`` cases."""
    return [label for label in figures if not is_missing(figures[label][0]) and is_small_base(bases.get(label, SMALL_BASE))]


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
    small = _small_labels(figures, bases)
    rates = [
        {"label": label, "council": council, "comparison": comparison, "small_base": bases[label] if label in small else None}
        for label, (council, comparison) in figures.items()
    ]
    alt = chart_text("key_rates", "alt", rates=rates, text_name=text_name, comparison_label=comparison_label)
    caption = chart_text(
        "key_rates", "caption", text_name=text_name, comparison_label=comparison_label, small_labels=small,
        small_base=SMALL_BASE, given_caption=caption,
    )
    return alt, caption


def _draw_key_rate_bars(axes, figures, labels, small, council_name, comparison_label) -> None:
    """The council's and the comparison's bar for each rate, each labelled with its percentage."""
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


def key_rates_figure(
    council_name: str,
    figures: Mapping[str, tuple[float | None, float | None]],
    *,
    comparison_label: str = SIMILAR_COUNCILS,
    bases: Mapping[str, int] | None = None,
) -> Figure:
    """The key-rates chart's matplotlib figure, laid out and not yet rendered (as ``key_rates_chart`` draws it)."""
    if not figures:
        raise ValueError("key_rates_chart needs at least one rate in `figures`")
    labels = list(figures)
    bases = dict(bases or {})
    small = _small_labels(figures, bases)
    with matplotlib.rc_context(_RC):
        figure = _new_figure(7.2, 0.9 + 0.85 * len(labels))
        axes = figure.add_subplot(1, 1, 1)
        _draw_key_rate_bars(axes, figures, labels, small, council_name, comparison_label)
        axes.set_yticks(list(range(len(labels))), labels)
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
    return figure


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
    with matplotlib.rc_context(_RC):
        png = _render(key_rates_figure(council_name, figures, comparison_label=comparison_label, bases=bases))

    alt, caption = key_rates_text(
        council_name, figures, comparison_label=comparison_label, caption=caption, bases=bases, text_name=text_name
    )
    return Chart(png=png, alt=alt, caption=caption)


def _trend_rows(trend: pd.DataFrame) -> pd.DataFrame:
    """The last five years of ``trend``, oldest first."""
    return trend.sort_values("year").tail(5).reset_index(drop=True)


def _trend_small_bases(rows: pd.DataFrame) -> list[int | None]:
    """Each year's count of detailed investigations when the council's uphold rate rests on a small base, else None."""
    return [
        int(count) if not is_missing(rate) and not is_missing(count) and is_small_base(int(count)) else None
        for rate, count in zip(rows["upheld_rate"], rows["detailed_investigations"])
    ]


def trend_figure(
    council_name: str,
    trend: pd.DataFrame,
    *,
    comparison_label: str = SIMILAR_COUNCILS,
) -> Figure:
    """The trend chart's matplotlib figure, laid out and not yet rendered (as ``trend_chart`` draws it)."""
    needed = {"year", "upheld_rate", "type_avg_upheld_rate", "detailed_investigations"}
    missing_columns = needed - set(trend.columns)
    if missing_columns:
        raise ValueError(f"trend_chart: trend frame lacks column(s) {sorted(missing_columns)}")
    if trend.empty:
        raise ValueError("trend_chart: the trend frame has no rows")
    rows = _trend_rows(trend)
    x = list(range(len(rows)))
    counts = [0 if is_missing(c) else int(c) for c in rows["detailed_investigations"]]
    small = [base is not None for base in _trend_small_bases(rows)]
    with matplotlib.rc_context(_RC):
        figure = _new_figure(7.2, 5.0)
        top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        _draw_trend_rates(top, x, list(rows["upheld_rate"]), list(rows["type_avg_upheld_rate"]), small, council_name,
                          comparison_label)
        _draw_trend_counts(bottom, x, [year_label(int(y)) for y in rows["year"]], counts)
        figure.tight_layout()
    return figure


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
    detailed investigations, which is the basis of the rate. A year whose rate
    rests on fewer than ``SMALL_BASE`` detailed investigations is marked as the
    key-rates chart marks a small base: lighter and cross-hatched, with its
    legend entry, and the alt text and caption say so.
    """
    with matplotlib.rc_context(_RC):
        png = _render(trend_figure(council_name, trend, comparison_label=comparison_label))

    alt, caption = trend_text(council_name, trend, comparison_label=comparison_label, caption=caption, text_name=text_name)
    return Chart(png=png, alt=alt, caption=caption)


def _label_points(axes, x, values, ys, colour, text_offsets) -> None:
    """Each rate written above or below its point, in the axes' own font and weight (as the key-rates chart's)."""
    for xi, value, y, offset in zip(x, values, ys, text_offsets):
        if not is_missing(value):
            axes.annotate(percent(value), (xi, y), textcoords="offset points", xytext=(0, offset), ha="center",
                          color=colour)


def _plot_comparison(axes, x, values, legend_label, text_offsets) -> None:
    """The comparison's rates: a dashed grey line with square markers (missing ones leave a gap)."""
    ys = [float("nan") if is_missing(v) else float(v) * 100 for v in values]
    axes.plot(x, ys, color=COMPARISON_COLOUR, linestyle="--", marker="s", linewidth=2, markersize=7, label=legend_label)
    _label_points(axes, x, values, ys, COMPARISON_COLOUR, text_offsets)


def _plot_council(axes, x, values, small, council_name, text_offsets) -> None:
    """The council's rates: a solid blue line with round markers; a small base's point lighter and cross-hatched."""
    ys = [float("nan") if is_missing(v) else float(v) * 100 for v in values]
    plain = [i for i, (value, light) in enumerate(zip(values, small)) if not is_missing(value) and not light]
    # As the key-rates chart: a legend entry only for a swatch that is drawn.
    axes.plot(x, ys, color=COUNCIL_COLOUR, linestyle="-", marker="o", markevery=plain, linewidth=2, markersize=7,
              label=council_name if plain else "_council")
    if any(small):
        axes.scatter(
            [xi for xi, light in zip(x, small) if light], [y for y, light in zip(ys, small) if light],
            s=11 ** 2, marker="o", color=SMALL_BASE_COLOUR, edgecolor=SMALL_BASE_COLOUR, hatch=SMALL_BASE_HATCH,
            zorder=3, clip_on=False, label=SMALL_BASE_LABEL.format(name=council_name),
        )
    # A label below a small base's larger marker sits a little lower, clear of it.
    offsets = [offset - 2 if light and offset < 0 else offset for offset, light in zip(text_offsets, small)]
    _label_points(axes, x, values, ys, COUNCIL_COLOUR, offsets)


def _draw_trend_rates(top, x, rates, averages, small, council_name, comparison_label) -> None:
    """Top panel of the trend chart: the council's uphold rate against the comparison average."""
    # The higher of the two points is labelled above, the lower below, so
    # close values never print on top of each other.
    council_above = [
        is_missing(avg) or (not is_missing(rate) and float(rate) >= float(avg)) for rate, avg in zip(rates, averages)
    ]
    _plot_comparison(top, x, averages, _upper_first(comparison_label), [-14 if above else 8 for above in council_above])
    _plot_council(top, x, rates, small, council_name, [8 if above else -14 for above in council_above])
    for xi, value in zip(x, rates):
        if is_missing(value):
            top.text(xi, 97, NO_FIGURE, ha="center", va="center", fontstyle="italic")
    top.set_ylim(0, 110)
    top.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    top.set_ylabel("Uphold rate")
    # Figure 1's order: the council's entries first, the comparison last.
    handles, names = top.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: names[i] == _upper_first(comparison_label))
    top.legend(
        [handles[i] for i in order], [names[i] for i in order], loc="lower center", bbox_to_anchor=(0.5, 1.0),
        frameon=False, ncol=1 if any(small) else _legend_columns(council_name, comparison_label),
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
    rows = _trend_rows(trend)
    years = [
        {"year": int(year), "rate": rate, "average": average, "investigations": 0 if is_missing(count) else int(count),
         "small_base": small_base}
        for year, rate, average, count, small_base in zip(
            rows["year"], rows["upheld_rate"], rows["type_avg_upheld_rate"], rows["detailed_investigations"],
            _trend_small_bases(rows),
        )
    ]
    text_name = text_name or council_name
    alt = chart_text("trend", "alt", years=years, text_name=text_name, comparison_label=comparison_label)
    return alt, chart_text("trend", "caption", years=years, text_name=text_name, given_caption=caption,
                           small_base=SMALL_BASE)
