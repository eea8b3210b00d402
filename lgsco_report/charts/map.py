"""The national review's map: every council's area coloured by its uphold rate, in two panels.

Its alt text and caption come from ``templates/charts/map.txt.j2``.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch

from ..formatting import NO_FIGURE, is_missing
from .base import _RC, MAP_COLORMAP, NO_FIGURE_COLOUR, TEXT_COLOUR, Chart, _median, _new_figure, _render, _single_year, chart_text



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
    from .. import boundaries

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

    context = _map_text(councils, year, as_points, not_shown, attribution)
    return Chart(png=png, alt=chart_text("map", "alt", **context),
                 caption=chart_text("map", "caption", given_caption=caption, **context))




def _map_text(councils, year, as_points, not_shown, attribution) -> dict:
    """What the map's alt text and caption state: the range of rates, the councils drawn as points or not shown."""
    with_rate = councils[councils["upheld_rate"].notna()].sort_values("authority_name", kind="stable")
    lowest = highest = median = None
    if not with_rate.empty:
        rates = with_rate["upheld_rate"].astype(float)
        lowest, highest = with_rate.loc[rates.idxmin()], with_rate.loc[rates.idxmax()]
        median = _median(list(rates))
    return dict(
        year=year, with_rate=len(with_rate), median=median,
        lowest=None if lowest is None else {"rate": lowest["upheld_rate"], "name": lowest["authority_name"]},
        highest=None if highest is None else {"rate": highest["upheld_rate"], "name": highest["authority_name"]},
        without=int(councils["upheld_rate"].isna().sum()),
        as_points=sorted(as_points["authority_name"]), not_shown=sorted(not_shown["authority_name"]),
        attribution=attribution or "",
    )
