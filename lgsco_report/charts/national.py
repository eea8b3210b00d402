"""The national review's charts: each council type's spread of one rate (box plot and points).

Its alt text and caption come from ``templates/charts/distribution.txt.j2``.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib
import pandas as pd

from ..formatting import is_missing, percent
from .base import (
    _RC, COMPARISON_COLOUR, COUNCIL_COLOUR, TEXT_COLOUR, Chart, _median, _new_figure, _render, _single_year, _style_axes,
    _types_in_order, chart_text,
)


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
    missing_reason: str | None = None,
    basis_label: str | None = None,
    caption: str | None = None,
) -> Chart:
    """One rate of one year's councils, each council type side by side (box plot + points).

    A box per type (middle half of the councils, line at the median), every
    council as a point (hollow when its rate rests on fewer than ``small_base``
    cases in ``basis_column``), each type's average as a diamond
    (``type_averages``) and England's rate as a dotted line (``national``).
    Councils without the rate are left out of the plot and counted in the axis
    labels and the alt text ("with no <basis_label>", or ``missing_reason``).
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

    context = dict(
        types=_type_summaries(types, groups, without, type_averages), rate_label=rate_label, year=year,
        national=None if is_missing(national) else national, hollow=bool(basis_column), small_base=small_base,
        small=sum(1 for group in groups for _, is_small in group if is_small),
        missing_reason=missing_reason, basis_label=basis_label,
    )
    return Chart(
        png=png, alt=chart_text("distribution", "alt", **context),
        caption=chart_text("distribution", "caption", given_caption=caption, **context),
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



def _type_summaries(types, groups, without, type_averages) -> list[dict]:
    """Per type what the alt text states: councils with a rate, their median, lowest and highest, the average."""
    summaries = []
    for authority_type, group, missing_count in zip(types, groups, without):
        values = [v for v, _ in group]
        average = (type_averages or {}).get(authority_type)
        summaries.append({
            "name": authority_type, "count": len(values), "without": missing_count,
            "median": _median(values) if values else None, "lowest": min(values, default=None),
            "highest": max(values, default=None), "average": None if is_missing(average) else average,
        })
    return summaries
