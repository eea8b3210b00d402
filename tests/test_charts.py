"""Charts: valid, non-blank, deterministic PNGs whose alt text states the figures."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from lgsco_report import charts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOSTILE = "<script>alert(1)</script>"
COUNCIL = "Cannock Chase District Council"


def half_up_percent(rate: float) -> str:
    """Independent reference for the letters' rounding: whole percent, half up."""
    return f"{(Decimal(str(rate)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def decode(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_MAGIC)
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def assert_not_blank(png: bytes) -> np.ndarray:
    pixels = decode(png)
    rgb = pixels[..., :3]
    non_white = np.any(rgb < 0.95, axis=-1).mean()
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert non_white > 0.01, "chart looks blank"
    return pixels


def colour_pixel_count(png: bytes, hex_colour: str, tolerance: float = 0.02) -> int:
    rgb = decode(png)[..., :3]
    target = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int(np.all(np.abs(rgb - target) <= tolerance, axis=-1).sum())


def relative_luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


KEY_FIGURES = {
    "Uphold rate": (0.625, 0.55),
    "Satisfactory remedy rate": (None, 0.13),
    "Compliance rate": (1.0, 0.994),
}


def trend_frame(rates=(0.5, None, 0.6, 0.7, 0.625)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2016, 2017, 2018, 2019, 2020],
            "upheld_rate": list(rates),
            "type_avg_upheld_rate": [0.5, 0.52, 0.55, 0.58, 0.61],
            "detailed_investigations": [4, 0, 5, 10, 8],
        }
    )


def national_frame() -> pd.DataFrame:
    """Twelve councils, hand-made: two types, one council without a rate, one without coordinates."""
    rows = [
        ("E10000028", "Staffordshire County Council", "County Council", 0.40, 52.8, -2.0),
        ("E10000029", "Suffolk County Council", "County Council", 0.55, 52.2, 1.0),
        ("E10000030", "Surrey County Council", "County Council", 0.70, 51.3, -0.4),
        ("E10000031", "Warwickshire County Council", "County Council", None, 52.3, -1.6),
        ("E07000192", "Cannock Chase District Council", "District Council", 0.62, 52.7, -2.0),
        ("E07000193", "East Staffordshire Borough Council", "District Council", 0.30, 52.8, -1.7),
        ("E07000194", "Lichfield District Council", "District Council", 0.90, 52.7, -1.8),
        ("E07000195", "Newcastle-under-Lyme Borough Council", "District Council", 0.50, 53.0, -2.3),
        ("E07000196", "South Staffordshire Council", "District Council", 0.45, 52.6, -2.2),
        ("E07000197", "Stafford Borough Council", "District Council", 0.65, 52.8, -2.1),
        ("E07000198", "Staffordshire Moorlands District Council", "District Council", 0.75, 53.1, -2.0),
        ("E07000199", "Tamworth Borough Council", "District Council", 0.60, None, None),
    ]
    frame = pd.DataFrame(rows, columns=["authority_code", "authority_name", "authority_type", "upheld_rate", "lat", "long"])
    frame["year"] = 2020
    return frame


def test_charts_round_like_the_letters():
    """Charts use formatting.percent; check it against an independent half-up reference,
    except that a rate that is not exactly 0 or 1 never prints as 0% or 100%."""
    for rate in (0.625, 0.994, 0.005, 0.0, 1.0, 0.285, 0.145, 2 / 3):
        assert charts.percent(rate) == half_up_percent(rate)
    assert charts.percent(0.995) == "99.5%" and charts.percent(0.004) == "0.4%"
    assert charts.percent(None) is None
    assert charts.percent(float("nan")) is None


def test_key_rates_chart_png_alt_and_missing_rate():
    chart = charts.key_rates_chart(COUNCIL, KEY_FIGURES)
    assert_not_blank(chart.png)
    assert chart.alt == (
        "Bar chart: uphold rate 63% for Cannock Chase District Council against 55% for similar councils; "
        "satisfactory remedy rate no figure for Cannock Chase District Council against 13% for similar councils; "
        "compliance rate 100% for Cannock Chase District Council against 99% for similar councils."
    )
    assert "0%" not in chart.alt.replace("100%", "")
    assert COUNCIL in chart.caption


def test_key_rates_chart_missing_rate_draws_no_bar():
    """A missing council rate draws no bar at all, where a real 0% still draws the bar's outline."""
    all_missing = {label: (None, pair[1]) for label, pair in KEY_FIGURES.items()}
    all_zero = {label: (0.0, pair[1]) for label, pair in KEY_FIGURES.items()}
    missing_png = charts.key_rates_chart(COUNCIL, all_missing).png
    zero_png = charts.key_rates_chart(COUNCIL, all_zero).png
    legend_only = colour_pixel_count(missing_png, charts.COUNCIL_COLOUR)
    with_zero_bars = colour_pixel_count(zero_png, charts.COUNCIL_COLOUR)
    assert with_zero_bars > legend_only
    assert charts.key_rates_chart(COUNCIL, all_missing).alt.count("no figure for") == 3
    nan_chart = charts.key_rates_chart(COUNCIL, {"Uphold rate": (float("nan"), 0.5)})
    assert "uphold rate no figure" in nan_chart.alt


def test_key_rates_chart_marks_small_bases():
    """A rate on fewer than 10 cases is drawn lighter and cross-hatched, with its legend entry and a note."""
    bases = {"Uphold rate": 3, "Satisfactory remedy rate": 0, "Compliance rate": 25}
    chart = charts.key_rates_chart(COUNCIL, KEY_FIGURES, bases=bases, text_name="the Council")
    plain = charts.key_rates_chart(COUNCIL, KEY_FIGURES, bases={label: 25 for label in KEY_FIGURES})
    assert colour_pixel_count(chart.png, charts.SMALL_BASE_COLOUR) > 200
    assert colour_pixel_count(plain.png, charts.SMALL_BASE_COLOUR) == 0
    assert "uphold rate 63% (based on only 3 cases) for the Council against 55%" in chart.alt
    assert "compliance rate 100% for the Council" in chart.alt and "(based on only" not in plain.alt
    assert "fewer than 10 cases (uphold rate)" in chart.caption and "fewer than" not in plain.caption
    assert (chart.alt, chart.caption) == charts.key_rates_text(COUNCIL, KEY_FIGURES, bases=bases, text_name="the Council")


def test_key_rates_legend_has_no_entry_without_its_swatch():
    """No council bar drawn: no council legend entry either (its colour appears nowhere)."""
    no_council_rate = {label: (None, pair[1]) for label, pair in KEY_FIGURES.items()}
    png = charts.key_rates_chart(COUNCIL, no_council_rate).png
    assert colour_pixel_count(png, charts.COUNCIL_COLOUR) == 0
    assert colour_pixel_count(png, charts.COMPARISON_COLOUR) > 200
    # All small: the plain council entry goes, the small-base entry stays.
    small = charts.key_rates_chart(COUNCIL, {"Uphold rate": (0.5, 0.55)}, bases={"Uphold rate": 2}).png
    assert colour_pixel_count(small, charts.COUNCIL_COLOUR) == 0
    assert colour_pixel_count(small, charts.SMALL_BASE_COLOUR) > 200


def test_key_rates_chart_is_deterministic():
    first = charts.key_rates_chart(COUNCIL, KEY_FIGURES)
    second = charts.key_rates_chart(COUNCIL, dict(KEY_FIGURES))
    assert first.png == second.png
    assert first == second
    assert b"Software" not in first.png and b"matplotlib" not in first.png.lower()


def test_comparison_label_keeps_its_capitals_and_long_legends_fit():
    label = "similar authorities (District Councils)"
    chart = charts.key_rates_chart("Newcastle-under-Lyme Borough Council", KEY_FIGURES, comparison_label=label)
    assert "against 55% for similar authorities (District Councils)" in chart.alt
    assert charts._upper_first(label) == "Similar authorities (District Councils)"
    pixels = assert_not_blank(chart.png)
    # The legend is above the plot: nothing may be drawn in the outermost columns of the image.
    edge = pixels[:, :3, :3]
    assert (edge > 0.95).all()
    trend = charts.trend_chart("Newcastle-under-Lyme Borough Council", trend_frame(), comparison_label=label)
    assert (decode(trend.png)[:, :3, :3] > 0.95).all()


def test_key_rates_chart_rejects_empty_figures():
    with pytest.raises(ValueError, match="at least one rate"):
        charts.key_rates_chart(COUNCIL, {})


def test_hostile_council_name_is_escaped_in_html():
    chart = charts.key_rates_chart(HOSTILE, KEY_FIGURES)
    page = chart.to_html()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.startswith("<figure") and page.endswith("</figure>")
    assert '<img src="data:image/png;base64,' in page
    assert "<figcaption>" in page
    assert chart._repr_html_() == page
    quoted = charts.Chart(png=chart.png, alt='say "hi" & <b>', caption="x").to_html()
    assert 'alt="say &quot;hi&quot; &amp; &lt;b&gt;"' in quoted


def test_trend_chart_png_alt_and_years():
    chart = charts.trend_chart(COUNCIL, trend_frame())
    assert_not_blank(chart.png)
    # 8 investigations: a small base, named as Figure 1 names one.
    assert "2019-20: uphold rate 63% (based on only 8 cases) against 61% for similar councils, 8 detailed investigations" in chart.alt
    assert "2016-17: uphold rate no figure against 52% for similar councils, no detailed investigations" in chart.alt
    assert "2015-16 to 2019-20" in chart.caption
    assert charts.trend_chart(COUNCIL, trend_frame()).png == chart.png


def test_trend_chart_keeps_the_last_five_years_in_order():
    frame = pd.concat([trend_frame(), trend_frame().assign(year=lambda f: f["year"] - 5)]).sample(frac=1, random_state=3)
    chart = charts.trend_chart(COUNCIL, frame)
    assert "2014-15" not in chart.alt
    positions = [chart.alt.index(label) for label in ("2015-16", "2016-17", "2017-18", "2018-19", "2019-20")]
    assert positions == sorted(positions)


def test_trend_chart_single_year_and_bad_frames():
    chart = charts.trend_chart(COUNCIL, trend_frame().tail(1))
    assert_not_blank(chart.png)
    assert chart.caption.endswith("2019-20. Lighter, cross-hatched points rest on fewer than 10 cases (2019-20), so read them with care.")
    with pytest.raises(ValueError, match="detailed_investigations"):
        charts.trend_chart(COUNCIL, trend_frame().drop(columns="detailed_investigations"))
    with pytest.raises(ValueError, match="no rows"):
        charts.trend_chart(COUNCIL, trend_frame().iloc[0:0])


def test_uphold_distribution_chart():
    frame = national_frame()
    chart = charts.uphold_distribution_chart(frame, type_averages={"County Council": 0.5501, "District Council": None})
    assert_not_blank(chart.png)
    assert "in 2019-20" in chart.alt
    # County: rates 40, 55, 70 -> median 55%; one without a rate.
    assert (
        "County Council: 3 councils with a rate, median 55%, lowest 40%, highest 70%, average for the type 55%, "
        "1 without detailed investigations (no figure)"
    ) in chart.alt
    # District: 30 45 50 60 62 65 75 90 -> median (60+62)/2 = 61%.
    assert "District Council: 8 councils with a rate, median 61%, lowest 30%, highest 90%." in chart.alt
    assert charts.uphold_distribution_chart(frame, type_averages={"County Council": 0.5501}).png == chart.png


def test_uphold_distribution_chart_rejects_several_years():
    frame = pd.concat([national_frame(), national_frame().assign(year=2019)])
    with pytest.raises(ValueError, match="one year"):
        charts.uphold_distribution_chart(frame)


def test_uphold_map():
    frame = national_frame()
    chart = charts.uphold_map(frame)
    assert_not_blank(chart.png)
    # Every council is drawn from its boundary, Tamworth (no coordinates) included: 11 with a rate.
    assert "11 councils with an uphold rate, from 30% (East Staffordshire Borough Council) to 90% (Lichfield District Council)" in chart.alt
    assert "1 council without detailed investigations hatched grey (no figure)" in chart.alt
    assert "not shown" not in chart.alt  # Tamworth has no coordinates but has a boundary: drawn as an area
    assert charts.uphold_map(frame).png == chart.png
    grey_with_missing = colour_pixel_count(chart.png, charts.NO_FIGURE_COLOUR)
    all_rated = frame.assign(upheld_rate=frame["upheld_rate"].fillna(0.5))
    grey_without_missing = colour_pixel_count(charts.uphold_map(all_rated).png, charts.NO_FIGURE_COLOUR)
    assert grey_with_missing > grey_without_missing


def test_uphold_map_escapes_hostile_names():
    frame = national_frame()
    frame.loc[frame["authority_name"] == "Lichfield District Council", "authority_name"] = HOSTILE
    page = charts.uphold_map(frame).to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_colours_meet_wcag_aa_against_white():
    white = relative_luminance("#ffffff")
    for colour in (charts.COUNCIL_COLOUR, charts.COMPARISON_COLOUR, charts.TEXT_COLOUR, charts.SMALL_BASE_COLOUR):
        ratio = (white + 0.05) / (relative_luminance(colour) + 0.05)
        assert ratio >= 4.5, (colour, ratio)


def test_no_pyplot_figures_leak():
    import matplotlib.pyplot as pyplot

    before = list(pyplot.get_fignums())
    charts.key_rates_chart(COUNCIL, KEY_FIGURES)
    charts.uphold_map(national_frame())
    assert pyplot.get_fignums() == before


def _chart_pngs() -> list[bytes]:
    small = {"Uphold rate": (0.5, 0.55)}
    return [
        charts.key_rates_chart(COUNCIL, KEY_FIGURES).png,
        charts.key_rates_chart(COUNCIL, small, bases={"Uphold rate": 4}).png,
        charts.trend_chart(COUNCIL, trend_frame()).png,
        charts.uphold_distribution_chart(national_frame()).png,
    ]


def test_each_chart_is_drawn_once_with_the_bytes_of_matplotlibs_own_save(monkeypatch):
    """After tight_layout, savefig would draw the whole figure twice; charts draw it once, same PNG bytes."""
    from matplotlib.figure import Figure

    draws = []
    real_draw = Figure.draw

    def counting_draw(self, renderer):
        draws.append(self)
        return real_draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting_draw)
    once = _chart_pngs()
    assert len(draws) == len(once) == len(set(map(id, draws)))
    # matplotlib's own path: the placeholder layout engine left in place (two draws a chart).
    monkeypatch.setattr(charts.base, "PlaceHolderLayoutEngine", type("NeverALayoutEngine", (), {}))
    draws.clear()
    twice = _chart_pngs()
    assert len(draws) == 2 * len(twice)
    assert once == twice


def test_chart_text_comes_from_its_template(tmp_path, monkeypatch):
    """Alt text and captions are templates/charts/<chart>.txt.j2: an edited copy changes them, not the PNG."""
    import shutil

    before = charts.key_rates_chart(COUNCIL, KEY_FIGURES)
    trend_before = charts.trend_chart(COUNCIL, trend_frame())
    copy = tmp_path / "charts"
    shutil.copytree(charts.TEMPLATE_DIR, copy)
    key_rates = copy / "key_rates.txt.j2"
    key_rates.write_text(key_rates.read_text(encoding="utf-8").replace("Bar chart: ", "Bars: "), encoding="utf-8")
    trend = copy / "trend.txt.j2"
    trend.write_text(trend.read_text(encoding="utf-8").replace("Uphold rate and detailed", "Upheld and detailed"),
                     encoding="utf-8")
    monkeypatch.setattr(charts.base, "TEMPLATE_DIR", copy)
    after = charts.key_rates_chart(COUNCIL, KEY_FIGURES)
    assert before.alt.startswith("Bar chart: ") and after.alt == "Bars: " + before.alt.removeprefix("Bar chart: ")
    assert after.png == before.png and after.caption == before.caption
    trend_after = charts.trend_chart(COUNCIL, trend_frame())
    assert trend_after.caption == trend_before.caption.replace("Uphold rate and detailed", "Upheld and detailed")
    assert trend_after.png == trend_before.png
    assert {path.name for path in charts.TEMPLATE_DIR.glob("*.txt.j2")} == {
        "key_rates.txt.j2", "trend.txt.j2", "distribution.txt.j2", "map.txt.j2"}


# ---------------------------------------------------------------------------
# the trend chart (Figure 2) drawn as the key-rates chart (Figure 1) is (#27)


def _texts(figure) -> list:
    from matplotlib.text import Text

    return [text for text in figure.findobj(Text) if text.get_text() and text.get_visible()]


def _legend_labels(figure) -> list[str]:
    return [text.get_text() for axes in figure.axes if axes.get_legend() for text in axes.get_legend().get_texts()]


def _small_base_markers(figure):
    from matplotlib.collections import PathCollection

    label = charts.SMALL_BASE_LABEL.format(name=COUNCIL)
    return [c for axes in figure.axes for c in axes.collections if isinstance(c, PathCollection) and c.get_label() == label]


def test_trend_chart_labels_its_points_in_the_axes_font_and_weight():
    """Every text of the trend chart, data labels included, is DejaVu Sans at the tick labels' weight (not bold)."""
    from matplotlib.font_manager import findfont

    figure = charts.trend_figure(COUNCIL, trend_frame())
    top = figure.axes[0]
    tick = top.get_yticklabels()[0]
    data_labels = [text for text in top.texts if text.get_text().endswith("%")]
    assert sorted(t.get_text() for t in data_labels) == sorted(["50%", "60%", "70%", "63%", "50%", "52%", "55%", "58%", "61%"])
    for text in _texts(figure):
        assert findfont(text.get_fontproperties()).endswith("DejaVuSans.ttf" if text.get_fontstyle() == "normal"
                                                            else "DejaVuSans-Oblique.ttf"), text.get_text()
    for text in data_labels:
        assert text.get_fontweight() == tick.get_fontweight() == "normal"
        assert text.get_fontsize() == tick.get_fontsize()


def test_trend_legend_is_in_figure_ones_order():
    """Council first, then its small-base entry, the comparison last; an entry only for a swatch drawn, as Figure 1."""
    label = "similar authorities (District Councils)"
    small = charts.SMALL_BASE_LABEL.format(name=COUNCIL)
    comparison = "Similar authorities (District Councils)"
    cases = [
        # (trend investigations by year, key-rates bases for the same pattern, expected legend)
        ([40, 0, 50, 100, 80], {"Uphold rate": 80, "Compliance rate": 40}, [COUNCIL, comparison]),
        ([40, 0, 5, 100, 80], {"Uphold rate": 80, "Compliance rate": 5}, [COUNCIL, small, comparison]),
        ([4, 0, 5, 1, 8], {"Uphold rate": 8, "Compliance rate": 4}, [small, comparison]),
    ]
    for investigations, bases, expected in cases:
        trend = trend_frame().assign(detailed_investigations=investigations)
        figures = {"Uphold rate": (0.6, 0.55), "Compliance rate": (0.9, 0.99)}
        key_rates = charts.key_rates_figure(COUNCIL, figures, comparison_label=label, bases=bases)
        trend_figure = charts.trend_figure(COUNCIL, trend, comparison_label=label)
        assert _legend_labels(key_rates) == _legend_labels(trend_figure) == expected


def test_trend_marks_exactly_the_small_bases_by_the_statistics_rule():
    """A year whose uphold rate rests on 1 to 9 investigations (stats.is_small_base) gets Figure 1's mark and words."""
    from matplotlib.colors import to_hex

    from lgsco_report.stats import is_small_base

    rates = (0.5, None, 0.6, 0.7, 0.625)
    for investigations in ([4, 0, 5, 10, 8], [9, 0, 10, 11, 1], [40, 0, 50, 100, 80]):
        trend = trend_frame(rates).assign(detailed_investigations=investigations)
        expected = [(x, rate * 100) for x, (rate, n) in enumerate(zip(rates, investigations))
                    if rate is not None and is_small_base(n)]
        markers = _small_base_markers(charts.trend_figure(COUNCIL, trend))
        if not expected:
            assert markers == []
            continue
        (marker,) = markers
        assert np.asarray(marker.get_offsets()).tolist() == pytest.approx(np.array(expected, dtype=float))
        assert marker.get_hatch() == charts.SMALL_BASE_HATCH
        assert {to_hex(colour) for colour in marker.get_facecolor()} == {charts.SMALL_BASE_COLOUR}
        chart = charts.trend_chart(COUNCIL, trend)
        assert colour_pixel_count(chart.png, charts.SMALL_BASE_COLOUR) > 100
        assert chart.alt.count("(based on only") == len(expected)
        years = [f"{2015 + x}-{16 + x}" for x, _ in expected]
        assert f"rest on fewer than 10 cases ({', '.join(years)}), so read them with care." in chart.caption
    plain = charts.trend_chart(COUNCIL, trend_frame().assign(detailed_investigations=[40, 0, 50, 100, 80]))
    assert colour_pixel_count(plain.png, charts.SMALL_BASE_COLOUR) == 0
    assert "(based on only" not in plain.alt and "fewer than" not in plain.caption
    assert (plain.alt, plain.caption) == charts.trend_text(COUNCIL, trend_frame().assign(
        detailed_investigations=[40, 0, 50, 100, 80]))


def test_trend_alt_names_the_small_base_as_figure_one_does():
    trend = trend_frame().assign(detailed_investigations=[1, 0, 5, 10, 8])
    chart = charts.trend_chart(COUNCIL, trend, caption="Figure 2. Given.")
    assert "2015-16: uphold rate 50% (based on only 1 case) against 50% for similar councils, 1 detailed investigation" in chart.alt
    assert "2019-20: uphold rate 63% (based on only 8 cases) against 61%" in chart.alt
    assert "2018-19: uphold rate 70% against 58%" in chart.alt
    key = charts.key_rates_chart(COUNCIL, {"Uphold rate": (0.5, 0.5)}, bases={"Uphold rate": 1})
    assert "uphold rate 50% (based on only 1 case) for" in key.alt
    assert chart.caption == ("Figure 2. Given. Lighter, cross-hatched points rest on fewer than 10 cases "
                             "(2015-16, 2017-18, 2019-20), so read them with care.")


def test_an_exported_letter_marks_its_trend_charts_small_bases(executed_letter, tmp_path):
    """A real letter (papermill, then the HTML and PDF exporters): Cannock Chase 2019-20 rests on 1 case each year."""
    import base64
    import re

    import nbformat
    from pypdf import PdfReader

    from lgsco_report.exporters import export

    nb = nbformat.read(executed_letter("Cannock Chase", 2020), as_version=4)
    written = export(nb, "letter", {"html": tmp_path / "letter.html", "pdf": tmp_path / "letter.pdf"})
    page = written["html"].read_text(encoding="utf-8")
    images = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", page)]
    (trend_png,) = [base64.b64decode(image["src"].removeprefix("data:image/png;base64,")) for image in images
                    if image["alt"].startswith("Line and bar chart")]
    assert colour_pixel_count(trend_png, charts.SMALL_BASE_COLOUR) > 100
    assert "2018-19: uphold rate 100% (based on only 1 case) against 47%" in page
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(written["pdf"]).pages)
    assert "Lighter, cross-hatched points rest on fewer than 10 cases (2018-19, 2019-20), so read them with care." in text
