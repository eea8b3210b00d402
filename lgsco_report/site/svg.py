"""Trend charts as inline SVG, written by hand from the numbers (no plotting library, no files).

A chart is a few dozen elements: fast to make for every council, small in the
page, sharp at any zoom and readable offline. Every text in it is escaped; the
chart is ``role="img"`` with a title and a description (its alt text), and the
page prints the same figures as a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 34, 16, 44
COUNCIL_COLOUR = "#1d4f91"
AVERAGE_COLOUR = "#5c5c5c"


@dataclass(frozen=True)
class Series:
    """One line: its name, style and values (None where there is no figure), one per year."""

    name: str
    values: tuple[float | None, ...]
    colour: str
    dashed: bool = False


def _scale_top(series: Sequence[Series], fixed_top: float | None) -> float:
    if fixed_top is not None:
        return fixed_top
    values = [v for s in series for v in s.values if v is not None]
    wanted = max(max(values, default=0.0) * 1.1, 1.0) / 4
    magnitude = 10 ** math.floor(math.log10(wanted))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= wanted)
    return 4 * step  # four even steps of 1, 2, 2.5 or 5 times a power of ten


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _axes(labels: Sequence[str], top: float, tick: Callable[[float], str]) -> list[str]:
    parts = []
    for step in range(5):
        value = top * step / 4
        y = _y(value, top)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8d8d8"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(tick(value))}</text>')
    for index, label in enumerate(labels):
        x = _x(index, len(labels))
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{escape(label)}</text>')
    return parts


def _line(series: Series, top: float) -> list[str]:
    points = [(i, v) for i, v in enumerate(series.values)]
    parts, run = [], []
    dash = ' stroke-dasharray="6 4"' if series.dashed else ""
    for i, value in points + [(len(points), None)]:
        if value is not None:
            run.append(f"{_x(i, len(points)):.1f},{_y(value, top):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline fill="none" stroke="{series.colour}" stroke-width="2.5"{dash} points="{" ".join(run)}"/>')
        run = []
    for i, value in points:
        if value is None:
            continue
        x, y = _x(i, len(points)), _y(value, top)
        if series.dashed:
            parts.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" stroke="{series.colour}" stroke-width="2"/>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{series.colour}"/>')
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], LEFT
    y = HEIGHT - 10
    for line in series:
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        parts.append(f'<line x1="{x}" x2="{x + 24}" y1="{y - 4}" y2="{y - 4}" stroke="{line.colour}" stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{x + 30}" y="{y}">{escape(line.name)}</text>')
        x += 40 + 7 * len(line.name)
    return parts


def trend_chart(
    chart_id: str, title: str, description: str, labels: Sequence[str], series: Sequence[Series],
    tick: Callable[[float], str], fixed_top: float | None = None,
) -> Markup:
    """An SVG line chart of ``series`` over ``labels`` (years), with ``title``/``description`` as its alt text."""
    top = _scale_top(series, fixed_top)
    body = [*_axes(labels, top, tick)]
    for line in series:
        body += _line(line, top)
    body += _legend(series)
    ident = escape(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="trend-chart" font-family="Arial, sans-serif" font-size="12" fill="#1b1b1b">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )
