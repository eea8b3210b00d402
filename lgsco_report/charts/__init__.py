"""Charts for the letters and the national review: PNG bytes plus alt text.

Why this shape: a letter is exported to HTML and PDF, so a chart must be a
self-contained image with a text equivalent that states the same figures
(screen readers, and the PDF's tagged figure). Every function takes plain data
and returns a :class:`Chart`; a notebook cell displays it, a test inspects it.

``base`` holds what every chart shares (style, :class:`Chart`, PNG bytes, the
text templates); ``letter`` the key rates and trend charts, ``national`` the
distributions, ``map`` the map. Their alt text and captions are the templates
``templates/charts/{key_rates,trend,distribution,map}.txt.j2``.
"""

from __future__ import annotations

from ..formatting import NO_FIGURE, is_missing, percent
from .base import (
    COMPARISON_COLOUR, COUNCIL_COLOUR, DPI, FONT_FAMILY, MAP_COLORMAP, NO_FIGURE_COLOUR, SIMILAR_COUNCILS,
    SMALL_BASE_COLOUR, SMALL_BASE_HATCH, SMALL_BASE_LABEL, TEMPLATE_DIR, TEXT_COLOUR, Chart, _lower_first, _upper_first,
    chart_text,
)
from .letter import key_rates_chart, key_rates_figure, key_rates_text, trend_chart, trend_figure, trend_text
from .map import uphold_map
from .national import AVERAGE_COLOUR, NATIONAL_COLOUR, rate_distribution_chart, uphold_distribution_chart

__all__ = [
    "AVERAGE_COLOUR", "COMPARISON_COLOUR", "COUNCIL_COLOUR", "DPI", "FONT_FAMILY", "MAP_COLORMAP", "NATIONAL_COLOUR",
    "NO_FIGURE", "NO_FIGURE_COLOUR", "SIMILAR_COUNCILS", "SMALL_BASE_COLOUR", "SMALL_BASE_HATCH", "SMALL_BASE_LABEL",
    "TEMPLATE_DIR", "TEXT_COLOUR", "Chart", "chart_text", "is_missing", "key_rates_chart", "key_rates_figure",
    "key_rates_text", "percent", "rate_distribution_chart", "trend_chart", "trend_figure", "trend_text", "uphold_distribution_chart", "uphold_map",
]
