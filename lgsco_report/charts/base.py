"""What every chart shares: the style, the :class:`Chart` it returns, figure to PNG bytes, and its words.

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

Why the alt text and captions are templates (``templates/charts/<chart>.txt.j2``,
each with an ``alt`` and a ``caption`` macro): they are sentences a reader
(or a screen reader) meets, so they are changed where the review's and the
letter's sentences are, without touching the drawing code. The templates
receive numbers; the ``percent`` filter is ``formatting.percent``.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from ..definitions import AUTHORITY_TYPES, year_label
from ..formatting import NO_FIGURE, percent  # the letters' rounding: whole percent, half up
from ..stats import SMALL_BASE

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
# words: templates/charts/<chart>.txt.j2

#: The charts' alt text and captions, one file per chart.
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "charts"


def _percent_or_no_figure(rate: float | None) -> str:
    text = percent(rate)
    return NO_FIGURE if text is None else text


def _councils(count: int) -> str:
    return f"{count} council" if count == 1 else f"{count} councils"


def _upper_first(label: str) -> str:
    # Not str.capitalize(): that would lower-case "(District Councils)".
    return label[:1].upper() + label[1:]


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


@functools.lru_cache(maxsize=4)
def _environment(template_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=False,  # plain text: Chart.to_html escapes it where it becomes HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent_or_no_figure
    env.filters["councils"] = _councils
    env.filters["upper_first"] = _upper_first
    env.filters["lower_first"] = _lower_first
    env.filters["year_label"] = year_label
    env.globals["NO_FIGURE"] = NO_FIGURE
    return env


def chart_text(chart: str, part: str, **context: Any) -> str:
    """One text of a chart: ``part`` ("alt" or "caption") from ``templates/charts/<chart>.txt.j2``."""
    module = _environment(str(TEMPLATE_DIR)).get_template(f"{chart}.txt.j2").module
    return str(getattr(module, part)(**context))


# ---------------------------------------------------------------------------
# drawing


def _legend_columns(*labels: str) -> int:
    """Two legend entries side by side only when they fit the chart's width."""
    # Measured on the letter charts: about 48 characters fit beside each other above the axes.
    return 2 if sum(len(label) for label in labels) <= 48 else 1


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
