"""Tests for lgsco_report.exporters on real exported files (HTML and PDF).

The fixtures are executed-notebook look-alikes built with nbformat: they carry
every kind of cell the letter notebook produces (parameters, logs, metadata
output, HTML sections tagged ``letter``, a matplotlib chart). Failed and
unexecuted notebooks, scratch cells and links have tests of their own.
"""

from __future__ import annotations

import base64
import html as html_module
import io
import json
import os
import re
import shutil
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import (  # noqa: E402
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)
from pdf_render import render_page  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from lgsco_report.atomic import write_bytes as write_atomically  # noqa: E402
from lgsco_report.documents import DEFAULT_SAMPLE_BANNER, DOCUMENT_MIMETYPE  # noqa: E402
from lgsco_report.errors import DocumentMetadataError  # noqa: E402
from lgsco_report.exporters import (  # noqa: E402
    LETTER_CELL_TAG,
    TEMPLATE_BASEDIR,
    LetterContentWarning,
    LetterHTMLExporter,
    LetterPDFExporter,
    NotebookNotExportableError,
    ReportHTMLExporter,
    ReportPDFExporter,
    css_string,
    export,
    export_letter,
)
from lgsco_report.formats import get_format  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
COUNCIL = "Cannock Chase District Council"
BANNER_TEXT = "SAMPLE DATA: not real Ombudsman figures"
CHART_ALT = "Bar chart: complaints upheld, 2016-17 to 2019-20, rising from 40% to 58%."
A4_POINTS = (595.28, 841.89)


# ---------------------------------------------------------------------------
# Fixture notebooks
# ---------------------------------------------------------------------------


LETTER = [LETTER_CELL_TAG]


def chart_png() -> bytes:
    """A small real matplotlib chart, as the charts module would draw it."""
    fig, ax = plt.subplots(figsize=(5, 2.6), dpi=80)
    ax.bar(["2016-17", "2017-18", "2018-19", "2019-20"], [40, 47, 51, 58], color="#1f4e79")
    ax.set_ylabel("Upheld (%)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def html_output(html: str) -> nbformat.NotebookNode:
    return new_output("display_data", data={"text/html": html, "text/plain": "<IPython.core.display.HTML object>"})


def metadata_output(council: str = COUNCIL, **overrides: object) -> nbformat.NotebookNode:
    document = {
        "title": f"Annual review letter 2020: {council}",
        "author": "Local Government and Social Care Ombudsman",
        "subject": f"Complaint statistics for {council}, year ending 31 March 2020",
        "lang": "en-GB",
        "council": council,
        "is_sample": True,
        "kind": "letter",
    }
    document.update(overrides)
    return new_output("display_data", data={DOCUMENT_MIMETYPE: document, "text/plain": "document metadata"})


def code_cell(source: str, outputs: list, tags: list[str] | None = None) -> nbformat.NotebookNode:
    """An executed code cell; pass ``tags=["letter"]`` for a cell whose output is part of the letter."""
    cell = new_code_cell(source, execution_count=1, outputs=outputs)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def section_html(number: int) -> str:
    sentences = " ".join(
        f"Paragraph text {number}.{i}: we looked at the complaints we received and decided about the council "
        f"this year, and at how quickly it did what we asked once our investigations were complete."
        for i in range(1, 4)
    )
    return f"<section><h2>Section {number}</h2><p>{sentences}</p><p>{sentences}</p></section>"


def table_html(rows: int) -> str:
    body = "".join(
        f"<tr><th scope='row'>Category {i}</th><td class='lgsco-number'>{i * 3}</td>"
        f"<td class='lgsco-number'>{i * 2}</td></tr>"
        for i in range(1, rows + 1)
    )
    return (
        "<table><caption>Complaints decided by category</caption>"
        "<thead><tr><th scope='col'>Category</th><th scope='col'>Received</th>"
        f"<th scope='col'>Decided</th></tr></thead><tbody>{body}</tbody></table>"
    )


def build_letter_notebook(
    *,
    council: str = COUNCIL,
    sections: int = 10,
    table_rows: int = 40,
    banner: bool = True,
    opening_html: str = "",
    charts: bool = True,
    **metadata: object,
) -> nbformat.NotebookNode:
    """An executed letter notebook with every cell type the exporter must handle."""
    banner_html = f'<div class="lgsco-sample-banner" role="note">{BANNER_TEXT}</div>' if banner else ""
    png = chart_png()
    png_b64 = base64.b64encode(png).decode("ascii")
    cells = [
        new_markdown_cell("ANALYST-NOTE: how to run this notebook", metadata={"tags": ["remove-cell"]}),
        code_cell('council = "PARAMETER-DEFAULT"\nyear = 2019', [], ["parameters"]),
        code_cell('council = "INJECTED-PARAMETER"\nyear = 2020', [], ["injected-parameters"]),
        code_cell(
            "import lgsco_report\nfrom IPython.display import display",
            [
                new_output("stream", name="stdout", text="STDOUT-LOG loading cases\n"),
                new_output("stream", name="stderr", text="STDERR-LOG warning: sample data\n"),
            ],
            LETTER,
        ),
        code_cell("display(document_metadata, raw=True)", [metadata_output(council, **metadata)], ["document-metadata"]),
        code_cell(
            "display(HTML(letterhead))",
            [
                html_output(
                    banner_html
                    + opening_html
                    + '<header class="lgsco-letterhead"><p class="lgsco-letterhead-title">'
                    "Local Government &amp; Social Care Ombudsman</p><p>PO Box 4771, Coventry CV4 0EH</p></header>"
                    f'<p>To the Chief Executive, <span class="lgsco-council-name">{html_module.escape(council)}</span></p>'
                    "<h1>Annual review letter 2020</h1>"
                )
            ],
            LETTER,
        ),
        new_markdown_cell("## Markdown heading\n\nA **markdown** paragraph written in the notebook.", metadata={"tags": LETTER}),
        new_markdown_cell("REMOVED-MARKDOWN-CELL", metadata={"tags": ["remove-cell"]}),
        code_cell("display(HTML(hidden))", [html_output("<p>REMOVED-OUTPUT-TEXT</p>")], ["remove-output", *LETTER]),
        code_cell("display(HTML(removed))", [html_output("<p>REMOVED-CODE-CELL</p>")], ["remove-cell", *LETTER]),
        code_cell("display(HTML(table))", [html_output(table_html(table_rows))], LETTER),
        code_cell(
            "display(Image(png), metadata=alt)",
            [
                new_output(
                    "display_data",
                    data={"image/png": png_b64, "text/plain": "<Figure size 400x208>"},
                    metadata={"image/png": {"alt": CHART_ALT, "caption": "Figure 1: upheld complaints by year"}},
                )
            ],
            LETTER,
        ),
        code_cell(
            "display(HTML(figure))",
            [
                html_output(
                    f'<figure><img src="data:image/png;base64,{png_b64}" alt="{CHART_ALT}">'
                    "<figcaption>Figure 2: the same chart as HTML</figcaption></figure>"
                )
            ],
            LETTER,
        ),
        code_cell("display(Markdown(note))", [new_output("display_data", data={"text/markdown": "*Markdown output note.*"})], LETTER),
        code_cell("repr_only", [new_output("execute_result", data={"text/plain": "'PLAIN-TEXT-REPR'"}, execution_count=1)], LETTER),
    ]
    if not charts:
        cells = [cell for cell in cells if "Image(png)" not in cell.source and "HTML(figure)" not in cell.source]
    cells += [code_cell(f"display(HTML(section_{n}))", [html_output(section_html(n))], LETTER) for n in range(1, sections + 1)]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.validate(nb)
    return nb


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def pdf_page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def relative_luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


class TagCollector(HTMLParser):
    """Collects (tag, attrs) pairs and heading levels in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


# ---------------------------------------------------------------------------
# Exports shared by several tests (one export each: WeasyPrint is not free)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def letter_notebook() -> nbformat.NotebookNode:
    return build_letter_notebook()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, letter_notebook) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("letter")
    html_path, pdf_path = export_letter(letter_notebook, out / "letter.html", out / "letter.pdf")
    return {"html": html_path, "pdf": pdf_path, "dir": out}


# ---------------------------------------------------------------------------
# HTML: only the letter, offline, accessible
# ---------------------------------------------------------------------------

FORBIDDEN_IN_LETTER = [
    "STDOUT-LOG",
    "STDERR-LOG",
    "TRACEBACK-LINE",
    "ZeroDivisionError",
    "PLAIN-TEXT-REPR",
    "PARAMETER-DEFAULT",
    "INJECTED-PARAMETER",
    "REMOVED-MARKDOWN-CELL",
    "REMOVED-OUTPUT-TEXT",
    "REMOVED-CODE-CELL",
    "An Exception was encountered",
    "ANALYST-NOTE",
    "import lgsco_report",
    "display(",
    "In [",
    "is_sample",
    DOCUMENT_MIMETYPE,
]


def test_html_contains_the_letter_and_nothing_else(exported):
    html = exported["html"].read_text(encoding="utf-8")
    for expected in [
        COUNCIL,
        BANNER_TEXT,
        "Annual review letter 2020</h1>",
        "Complaints decided by category",
        "Category 40",
        "Paragraph text 10.3",
        "<em>Markdown output note.</em>",
        "Figure 1: upheld complaints by year",
        "Figure 2: the same chart as HTML",
    ]:
        assert expected in html, expected
    # Markdown cells are rendered, not shown as source, and carry no pilcrow links.
    assert re.search(r"<h2[^>]*>Markdown heading</h2>", html)
    assert "<strong>markdown</strong>" in html
    assert "¶" not in html
    for forbidden in FORBIDDEN_IN_LETTER:
        assert forbidden not in html, forbidden
    # No code input, no prompts, no notebook chrome.
    assert "<pre" not in html
    assert "jp-InputArea" not in html and "jp-InputPrompt" not in html and "prompt" not in html.lower()


def test_html_loads_nothing_from_the_network(exported):
    html = exported["html"].read_text(encoding="utf-8")
    tags = parse_tags(html)
    assert not [tag for tag, _ in tags if tag in ("script", "link", "iframe", "object")]
    for tag, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:", "#")), f"<{tag} {name}={value[:60]!r}>"
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", html):
        assert url.startswith("data:"), url
    assert "@import" not in html and "@font-face" not in html
    assert "mathjax" not in html.lower() and "require.js" not in html.lower()


def test_html_head_carries_the_document_metadata(exported):
    html = exported["html"].read_text(encoding="utf-8")
    tags = parse_tags(html)
    html_tag = next(attrs for tag, attrs in tags if tag == "html")
    assert html_tag["lang"] == "en-GB"
    assert html.count("<title>") == 1
    assert f"<title>Annual review letter 2020: {COUNCIL}</title>" in html
    metas = {attrs.get("name"): attrs.get("content") for tag, attrs in tags if tag == "meta"}
    assert metas["author"] == "Local Government and Social Care Ombudsman"
    assert metas["description"] == f"Complaint statistics for {COUNCIL}, year ending 31 March 2020"


def test_images_carry_their_alt_text_as_data_uris(exported):
    images = [attrs for tag, attrs in parse_tags(exported["html"].read_text(encoding="utf-8")) if tag == "img"]
    assert len(images) == 2
    for attrs in images:
        assert attrs["alt"] == CHART_ALT
        assert attrs["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(attrs["src"].split(",", 1)[1]).startswith(b"\x89PNG")


def test_headings_are_in_order_and_table_headers_scoped(exported):
    tags = parse_tags(exported["html"].read_text(encoding="utf-8"))
    levels = [int(tag[1]) for tag, _ in tags if re.fullmatch(r"h[1-6]", tag)]
    assert levels[0] == 1
    for previous, current in zip(levels, levels[1:]):
        assert current <= previous + 1, levels
    header_cells = [attrs for tag, attrs in tags if tag == "th"]
    assert header_cells and all(attrs.get("scope") in ("col", "row") for attrs in header_cells)


def stylesheet_rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """Innermost `selector { declarations }` blocks of a stylesheet, comments removed."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append((selector.strip(), declarations))
    return rules


def test_wcag_contrast_ratio_helper_matches_known_values():
    # Reference values from the WCAG definition: black on white is 21:1, and
    # #767676 on white is the classic lightest grey that passes AA (4.54:1).
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5


@pytest.mark.parametrize("stylesheet", ["lgsco_letter/letter.css", "lgsco_report/report.css"])
def test_stylesheet_colours_pass_wcag_aa(stylesheet):
    rules = stylesheet_rules((TEMPLATE_BASEDIR / stylesheet).read_text(encoding="utf-8"))
    checked = 0
    for selector, declarations in rules:
        for value in declarations.values():
            assert not re.search(r"url\(|https?:", value), f"{selector}: {value}"
        if "color" not in declarations:
            continue
        foreground = declarations["color"]
        background = declarations.get("background-color", "#ffffff")
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", foreground), f"{selector}: use a #rrggbb colour, got {foreground}"
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", background), f"{selector}: use a #rrggbb background, got {background}"
        ratio = contrast_ratio(foreground, background)
        assert ratio >= 4.5, f"{selector}: {foreground} on {background} is {ratio:.2f}:1, below WCAG AA 4.5:1"
        checked += 1
    assert checked >= (5 if stylesheet.endswith("letter.css") else 1)


def test_stylesheet_has_the_print_rules_the_letter_relies_on():
    rules = stylesheet_rules((TEMPLATE_BASEDIR / "lgsco_letter/letter.css").read_text(encoding="utf-8"))
    by_selector: dict[str, dict[str, str]] = {}
    for selector, declarations in rules:
        by_selector.setdefault(selector, {}).update(declarations)
    assert by_selector["tr"]["break-inside"] == "avoid"
    assert by_selector["thead"]["display"] == "table-header-group"
    assert by_selector["figure"]["break-inside"] == "avoid"
    assert by_selector[".lgsco-council-name"]["string-set"] == "council content(text)"
    assert by_selector[".lgsco-annex"]["break-before"] == "page"
    assert by_selector[".lgsco-kind-letter table"]["break-inside"] == "avoid"
    assert by_selector["caption"]["break-after"] == "avoid"
    assert by_selector["figcaption"]["break-before"] == "avoid"
    headings = by_selector["h1, h2, h3, h4"]
    assert headings["break-after"] == "avoid" and headings["break-inside"] == "avoid"
    link_rule = by_selector['a[href^="http"]:not(.lgsco-link-is-address)::after']
    assert link_rule["content"] == '" (" attr(href) ")"'


# ---------------------------------------------------------------------------
# Escaping of metadata
# ---------------------------------------------------------------------------

HOSTILE_TITLE = '<script>alert("title")</script> & "Sons"'
HOSTILE_AUTHOR = '"><img src=x onerror=alert(1)>'
HOSTILE_COUNCIL = 'Evil</style><script>alert("c")</script> "Borough" Council'


def test_metadata_is_escaped_in_html_and_round_trips_to_the_pdf(tmp_path):
    nb = build_letter_notebook(
        sections=1, table_rows=2, title=HOSTILE_TITLE, author=HOSTILE_AUTHOR, council=HOSTILE_COUNCIL,
        subject="Subject with <b>tags</b>",
    )
    html_path, pdf_path = export_letter(nb, tmp_path / "x.html", tmp_path / "x.pdf")
    html = html_path.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    tags = parse_tags(html)
    # The parser sees exactly the metadata text, so nothing broke out of its attribute or element.
    assert not [attrs for tag, attrs in tags if tag == "img" and attrs.get("src") == "x"]
    metas = {attrs.get("name"): attrs.get("content") for tag, attrs in tags if tag == "meta"}
    assert metas["author"] == HOSTILE_AUTHOR
    assert metas["description"] == "Subject with <b>tags</b>"
    raw_title = re.search(r"<title>(.*?)</title>", html, flags=re.DOTALL).group(1)
    assert "<" not in raw_title and ">" not in raw_title
    assert html_module.unescape(raw_title) == HOSTILE_TITLE
    style_blocks = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL)
    assert len(style_blocks) == 2  # stylesheet + footer rule: the council name did not close one early
    assert css_string(HOSTILE_COUNCIL) in style_blocks[1]
    reader = PdfReader(pdf_path)
    assert reader.metadata.title == HOSTILE_TITLE
    assert reader.metadata.author == HOSTILE_AUTHOR
    assert HOSTILE_COUNCIL in reader.pages[0].extract_text()


def test_css_string_escapes_everything_that_could_break_out():
    quoted = css_string('a"b\\c</style>\n')
    assert quoted.startswith('"') and quoted.endswith('"')
    inner = quoted[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner and "\n" not in inner
    assert inner.replace("\\22 ", '"').replace("\\5c ", "\\").replace("\\3c ", "<").replace(
        "\\2f ", "/").replace("\\3e ", ">").replace("\\a ", "\n") == 'a"b\\c</style>\n'
    assert css_string("Cannock Chase District Council") == '"Cannock Chase District Council"'


def test_bad_metadata_gives_a_clear_error():
    with pytest.raises(DocumentMetadataError, match=r"cell 4: document kind 'memo'"):
        LetterHTMLExporter().from_notebook_node(build_letter_notebook(sections=1, kind="memo"))
    with pytest.raises(DocumentMetadataError, match=r"lang 'English please'"):
        LetterHTMLExporter().from_notebook_node(build_letter_notebook(sections=1, lang="English please"))
    with pytest.raises(DocumentMetadataError, match=r"is_sample must be true or false"):
        LetterHTMLExporter().from_notebook_node(build_letter_notebook(sections=1, is_sample="yes"))


def test_corrupt_png_output_is_rejected():
    nb = build_letter_notebook(sections=1)
    nb.cells.append(code_cell("bad", [new_output("display_data", data={"image/png": 'AAAA" onload="x'})], LETTER))
    with pytest.raises(ValueError, match="not valid base64"):
        LetterHTMLExporter().from_notebook_node(nb)


# ---------------------------------------------------------------------------
# PDF: A4, paged, footers, banner, metadata, tagging
# ---------------------------------------------------------------------------


def test_pdf_pages_are_a4_with_footer_and_banner_on_every_page(exported):
    reader = PdfReader(exported["pdf"])
    page_count = len(reader.pages)
    # Ten sections of prose, a 40-row table and two charts do not fit on fewer than 4 pages,
    # nor need more than 10.
    assert 4 <= page_count <= 10
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4_POINTS[0], abs=1) and height == pytest.approx(A4_POINTS[1], abs=1)
        text = page.extract_text()
        assert f"Page {number} of {page_count}" in text
        assert COUNCIL in text
        assert BANNER_TEXT in text


def test_pdf_text_has_the_figures_and_no_source_code(exported):
    text = "\n".join(pdf_page_texts(exported["pdf"]))
    for expected in ["Annual review letter 2020", "Complaints decided by category", "Category 40", "120",
                     "Figure 1: upheld complaints by year", "Paragraph text 10.3", "Markdown heading"]:
        assert expected in text, expected
    assert "import" not in text
    for forbidden in FORBIDDEN_IN_LETTER:
        assert forbidden not in text, forbidden


def test_table_header_repeats_on_the_next_page(exported):
    texts = pdf_page_texts(exported["pdf"])
    pages_with_rows = [text for text in texts if "Category 1\n" in text or re.search(r"Category \d+", text)]
    assert len(pages_with_rows) >= 2, "the 40-row fixture table should run over a page break"
    for text in pages_with_rows:
        assert re.search(r"Category\s+Received\s+Decided", text), text[:300]


def test_pdf_metadata_language_and_tags(exported):
    reader = PdfReader(exported["pdf"])
    assert reader.metadata.title == f"Annual review letter 2020: {COUNCIL}"
    assert reader.metadata.author == "Local Government and Social Care Ombudsman"
    assert reader.metadata.subject == f"Complaint statistics for {COUNCIL}, year ending 31 March 2020"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in catalog
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid" in xmp and re.search(r"pdfuaid:part[^0-9]{0,3}1", xmp)
    assert exported["pdf"].read_bytes().startswith(b"%PDF-1.7")


def test_pdf_page_one_is_not_blank(exported, tmp_path):
    pixels = render_page(exported["pdf"], 0, dpi=50, png_path=tmp_path / "page-1.png")
    assert pixels.shape[0] > pixels.shape[1]  # portrait
    non_white = (pixels[..., :3].min(axis=2) < 0.9).mean()
    assert 0.03 < non_white < 0.6, f"{non_white:.1%} of page 1 is ink"


def test_short_letter_fits_one_page(tmp_path):
    nb = build_letter_notebook(sections=1, table_rows=4, charts=False)
    _, pdf_path = export_letter(nb, None, tmp_path / "short.pdf")
    reader = PdfReader(pdf_path)
    assert len(reader.pages) == 1
    assert "Page 1 of 1" in reader.pages[0].extract_text()


def test_sample_banner_added_when_metadata_says_sample_and_the_html_has_none(tmp_path):
    nb = build_letter_notebook(sections=6, banner=False, is_sample=True)
    html_path, pdf_path = export_letter(nb, tmp_path / "s.html", tmp_path / "s.pdf")
    assert DEFAULT_SAMPLE_BANNER in html_path.read_text(encoding="utf-8")
    texts = pdf_page_texts(pdf_path)
    assert len(texts) >= 2
    assert all(DEFAULT_SAMPLE_BANNER in text for text in texts)


def test_real_letter_has_no_banner(tmp_path):
    nb = build_letter_notebook(sections=1, table_rows=4, banner=False, is_sample=False)
    html_path, pdf_path = export_letter(nb, tmp_path / "r.html", tmp_path / "r.pdf")
    html = html_path.read_text(encoding="utf-8")
    assert "lgsco-sample-banner" not in html.split("</style>")[-1]
    text = "\n".join(pdf_page_texts(pdf_path))
    assert "Sample data" not in text and "SAMPLE DATA" not in text
    assert COUNCIL in text  # footer still names the council


def test_footer_falls_back_to_the_council_name_element(tmp_path):
    nb = build_letter_notebook(sections=6, council="Ashfield District Council")
    # Drop the council from the metadata: the footer must come from .lgsco-council-name.
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if DOCUMENT_MIMETYPE in output.get("data", {}):
                del output["data"][DOCUMENT_MIMETYPE]["council"]
    _, pdf_path = export_letter(nb, None, tmp_path / "f.pdf")
    texts = pdf_page_texts(pdf_path)
    assert len(texts) >= 2
    assert all("Ashfield District Council" in text for text in texts)


# ---------------------------------------------------------------------------
# Exporter classes, reuse, atomic writes, determinism
# ---------------------------------------------------------------------------


def test_exporter_classes_follow_nbconvert_conventions(letter_notebook):
    html_exporter, pdf_exporter = LetterHTMLExporter(), LetterPDFExporter()
    assert (html_exporter.file_extension, html_exporter.output_mimetype) == (".html", "text/html")
    assert (pdf_exporter.file_extension, pdf_exporter.output_mimetype) == (".pdf", "application/pdf")
    for exporter in (html_exporter, pdf_exporter, ReportHTMLExporter(), ReportPDFExporter()):
        assert exporter.export_from_notebook
    before = json.dumps(letter_notebook, sort_keys=True)
    html, _ = html_exporter.from_notebook_node(letter_notebook)
    pdf, resources = pdf_exporter.from_notebook_node(letter_notebook)
    assert isinstance(html, str) and html.startswith("<!DOCTYPE html>")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    assert resources["output_extension"] == ".pdf"
    assert json.dumps(letter_notebook, sort_keys=True) == before, "the caller's notebook must not change"


def test_one_exporter_serves_many_notebooks_without_leaking_state(tmp_path):
    exporter = LetterPDFExporter()
    councils = ["Adur District Council", "Bolsover District Council", "Cheshire East Council"]
    for council in councils:
        is_sample = council != councils[1]
        nb = build_letter_notebook(sections=1, table_rows=3, council=council, is_sample=is_sample, banner=is_sample)
        pdf, _ = exporter.from_notebook_node(nb)
        path = tmp_path / f"{council}.pdf"
        path.write_bytes(pdf)
        reader = PdfReader(path)
        text = reader.pages[0].extract_text()
        assert council in text
        assert all(other not in text for other in councils if other != council)
        assert reader.metadata.title == f"Annual review letter 2020: {council}"
        assert (BANNER_TEXT in text) == (council != councils[1])


def test_export_letter_writes_atomically_and_returns_paths(tmp_path):
    nb = build_letter_notebook(sections=1, table_rows=3)
    out = tmp_path / "nested" / "letters"
    html_only = export_letter(nb, out / "a.html", None)
    assert html_only == (out / "a.html", None)
    pdf_only = export_letter(nb, None, out / "a.pdf")
    assert pdf_only == (None, out / "a.pdf")
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "a.pdf"]  # no temp files left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((out / "a.pdf").stat().st_mode) == 0o666 & ~umask  # not the temp file's 0600
    # Overwriting replaces the file in one step.
    (out / "a.html").write_text("old", encoding="utf-8")
    export_letter(nb, out / "a.html", None)
    assert (out / "a.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="kind must be one of letter, report"):
        export_letter(nb, out / "b.html", None, kind="memo")
    with pytest.raises(ValueError, match="needs html_path, pdf_path or both"):
        export_letter(nb, None, None)


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("lgsco_report.atomic.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "letter.html", b"data")
    assert list(tmp_path.iterdir()) == []


def test_exports_are_deterministic(tmp_path, letter_notebook):
    first = export_letter(letter_notebook, tmp_path / "1.html", tmp_path / "1.pdf")
    second = export_letter(letter_notebook, tmp_path / "2.html", tmp_path / "2.pdf")
    assert first[0].read_bytes() == second[0].read_bytes()
    assert first[1].read_bytes() == second[1].read_bytes()


# ---------------------------------------------------------------------------
# Report variant
# ---------------------------------------------------------------------------


def test_report_has_a_title_page_and_the_letter_look(tmp_path):
    title_page = (
        '<div class="lgsco-title-page"><h1 class="lgsco-report-title">Review of local government complaints 2019-20</h1>'
        "<p>National report</p></div>"
    )
    nb = build_letter_notebook(sections=3, table_rows=5, opening_html=title_page, kind="report",
                               title="Review of local government complaints 2019-20")
    html_path, pdf_path = export_letter(nb, tmp_path / "r.html", tmp_path / "r.pdf", kind="report")
    html = html_path.read_text(encoding="utf-8")
    assert ".lgsco-report-title" in html and ".lgsco-council-name" in html  # both stylesheets inlined
    assert 'class="lgsco-document lgsco-kind-report' in html
    texts = [" ".join(text.split()) for text in pdf_page_texts(pdf_path)]
    assert "Review of local government complaints 2019-20 National report" in texts[0]
    assert "Paragraph text 1.1" not in texts[0], "the title page stands alone"
    assert "Paragraph text 1.1" in "\n".join(texts[1:])
    assert f"Page 1 of {len(texts)}" in texts[0]
    reader = PdfReader(pdf_path)
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert all(float(p.mediabox.height) == pytest.approx(A4_POINTS[1], abs=1) for p in reader.pages)


# ---------------------------------------------------------------------------
# Command line: `jupyter nbconvert --to letter_html / letter_pdf` (entry points)
# ---------------------------------------------------------------------------


def jupyter_command() -> str:
    jupyter = VENV_BIN / "jupyter"
    return str(jupyter) if jupyter.exists() else shutil.which("jupyter") or "jupyter"


def test_entry_points_name_the_exporter_classes():
    from importlib.metadata import entry_points

    registered = {ep.name: ep.value for ep in entry_points(group="nbconvert.exporters")}
    assert registered.get("letter_html") == "lgsco_report.exporters:LetterHTMLExporter"
    assert registered.get("letter_pdf") == "lgsco_report.exporters:LetterPDFExporter"
    assert registered.get("report_html") == "lgsco_report.exporters:ReportHTMLExporter"
    assert registered.get("report_pdf") == "lgsco_report.exporters:ReportPDFExporter"


def test_every_entry_point_target_loads_its_exporter():
    """pyproject's targets (the package's face) and those of an environment installed before the
    exporters became a package (``lgsco_report.docx_exporters``) both load the exporter classes."""
    import importlib
    import tomllib
    from importlib.metadata import entry_points

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    targets = declared["project"]["entry-points"]["nbconvert.exporters"]
    assert set(targets) == {f"{kind}_{fmt}" for kind in ("letter", "report") for fmt in ("html", "pdf", "docx")}
    for name, target in targets.items():
        module, attribute = target.split(":")
        assert module == "lgsco_report.exporters", f"{name}: {target}"
        exporter = getattr(importlib.import_module(module), attribute)
        assert exporter().output_mimetype == get_format(name.split("_")[1]).mime
    installed = [ep for ep in entry_points(group="nbconvert.exporters") if ep.value.startswith("lgsco_report")]
    assert installed
    for ep in installed:
        assert ep.load() is getattr(importlib.import_module("lgsco_report.exporters"), ep.value.split(":")[1])


def test_a_format_whose_exporter_writes_another_type_is_refused(tmp_path, monkeypatch):
    """export() checks the exporter it looks up against the format's mime: a wrong entry point writes nothing."""
    from lgsco_report import formats

    wrong = formats.OutputFormat("pdf", ".pdf", "PDF", mime="application/x-not-pdf")
    monkeypatch.setattr(formats, "OUTPUT_FORMATS", (*formats.OUTPUT_FORMATS[:2], wrong))
    with pytest.raises(ValueError, match="letter_pdf.*writes 'application/pdf', not the format's 'application/x-not-pdf'"):
        export(build_letter_notebook(sections=1), "letter", {"html": tmp_path / "l.html", "pdf": tmp_path / "l.pdf"})
    assert list(tmp_path.iterdir()) == []


def test_the_exporters_own_words_come_from_their_templates(tmp_path, monkeypatch):
    """Editing a copy of templates/documents/ changes the DRAFT subject (HTML, PDF) and the Word footer."""
    import docx

    from lgsco_report.exporters import sentences

    folder = tmp_path / "documents"
    shutil.copytree(sentences.SENTENCE_DIR, folder)
    (folder / "draft_subject.txt.j2").write_text("{{ subject }} (UNCONFIRMED: {{ draft_mark }})\n", encoding="utf-8")
    (folder / "word_page_numbers.txt.j2").write_text("Sheet {{ page }} / {{ pages }}\n", encoding="utf-8")
    monkeypatch.setattr(sentences, "SENTENCE_DIR", folder)
    sentences._environment.cache_clear()
    try:
        nb = build_letter_notebook(sections=1, table_rows=3, draft=True, unconfirmed=["letter_date"])
        out = export(nb, "letter", {"html": tmp_path / "l.html", "pdf": tmp_path / "l.pdf", "docx": tmp_path / "l.docx"})
    finally:
        sentences._environment.cache_clear()
    subject = f"Complaint statistics for {COUNCIL}, year ending 31 March 2020 (UNCONFIRMED: DRAFT: letter date not confirmed)"
    assert f'<meta content="{subject}" name="description"/>' in out["html"].read_text(encoding="utf-8")
    assert PdfReader(out["pdf"]).metadata.subject == subject
    footer = docx.Document(str(out["docx"])).sections[0].footer.paragraphs[-1]
    assert footer.text == f"{COUNCIL}\tSheet 1 / 1"  # the fields show 1 until Word counts the pages
    instructions = footer._p.xpath(".//w:instrText")
    assert [i.text.strip() for i in instructions] == ["PAGE", "NUMPAGES"]


@pytest.mark.slow
def test_jupyter_nbconvert_to_letter_html_and_pdf(tmp_path):
    source = tmp_path / "executed.ipynb"
    nbformat.write(build_letter_notebook(sections=3, table_rows=5), source)
    out = tmp_path / "out"
    for fmt in ("letter_html", "letter_pdf"):
        result = subprocess.run(
            [jupyter_command(), "nbconvert", "--to", fmt, str(source), "--output-dir", str(out)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
    html = (out / "executed.html").read_text(encoding="utf-8")
    assert COUNCIL in html and "<pre" not in html and "STDOUT-LOG" not in html and "<script" not in html
    pdf_path = out / "executed.pdf"
    assert pdf_path.read_bytes().startswith(b"%PDF-1.7")
    reader = PdfReader(pdf_path)
    texts = [page.extract_text() for page in reader.pages]
    assert f"Page 1 of {len(texts)}" in texts[0]
    assert all(COUNCIL in text and BANNER_TEXT in text for text in texts)
    assert "/StructTreeRoot" in reader.trailer["/Root"]


# ---------------------------------------------------------------------------
# The project's own letter notebook, executed by papermill and exported
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_annual_review_letter_notebook_executes_and_exports(tmp_path, sample_dir):
    import papermill

    notebook = REPO / "notebooks" / "annual_review_letter.ipynb"
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        str(notebook), str(executed),
        parameters={"council": COUNCIL, "year": 2020, "data_dir": str(sample_dir)},
        kernel_name="python3", progress_bar=False, cwd=str(notebook.parent),
    )
    nb = nbformat.read(executed, as_version=4)
    html_path, pdf_path = export_letter(nb, tmp_path / "letter.html", tmp_path / "letter.pdf")
    html = html_path.read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<pre" not in html and "In [" not in html
    assert "letter.section(" not in html and "prepare_letter" not in html
    tags = parse_tags(html)
    assert next(attrs for tag, attrs in tags if tag == "html")["lang"] == "en-GB"
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert images and all(attrs["src"].startswith("data:image/png;base64,") and len(attrs["alt"]) > 20
                          for attrs in images)
    reader = PdfReader(pdf_path)
    assert COUNCIL in reader.metadata.title and reader.metadata.author and reader.metadata.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert COUNCIL in text
        assert "SAMPLE DATA" in text.upper(), f"page {number} lacks the sample-data banner"
        assert "import " not in text and "display(" not in text
    assert "1 April 2019" in texts[0] and "31 March 2020" in texts[0]


def test_multiline_outputs_stored_as_lists_are_joined():
    nb = build_letter_notebook(sections=1, table_rows=2, charts=False)
    nb.cells.append(code_cell("x", [new_output("display_data", data={"text/html": ["<p>LINE-ONE\n", "LINE-TWO</p>"]})], LETTER))
    html, _ = LetterHTMLExporter().from_notebook_node(nb)
    assert "<p>LINE-ONE\nLINE-TWO</p>" in html


# ---------------------------------------------------------------------------
# Only the letter goes out: scratch cells are left out, with a warning
# ---------------------------------------------------------------------------


def scratch_cells() -> list[nbformat.NotebookNode]:
    """An analyst's scratch work saved into the notebook: a table of other councils, a print, a plot."""
    import pandas as pd

    others = pd.DataFrame({"council": ["SCRATCH-Adur", "SCRATCH-Bolsover"], "upheld": [3, 5]})
    png = base64.b64encode(chart_png()).decode("ascii")
    return [
        code_cell("others", [new_output("execute_result", data={"text/html": others._repr_html_(),
                                                                "text/plain": repr(others)}, execution_count=1)]),
        code_cell("print(others)", [new_output("stream", name="stdout", text="SCRATCH-PRINTED\n")]),
        code_cell("plt.plot(...)", [new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
    ]


def test_scratch_cells_are_left_out_of_the_letter_with_a_warning(tmp_path):
    nb = build_letter_notebook(sections=2, table_rows=3, charts=False)
    first_scratch = len(nb.cells) + 1
    nb.cells += scratch_cells()
    with pytest.warns(LetterContentWarning) as caught:
        html_path, pdf_path = export_letter(nb, tmp_path / "l.html", tmp_path / "l.pdf")
    messages = [str(w.message) for w in caught if issubclass(w.category, LetterContentWarning)]
    # The table and the plot had something to show: both are named; the print never reaches a letter anyway.
    assert any(f"notebook cells {first_scratch}, {first_scratch + 2} (not tagged 'letter')" in m for m in messages), messages
    html = html_path.read_text(encoding="utf-8")
    assert "SCRATCH-" not in html and "dataframe" not in html
    assert len([tag for tag, _ in parse_tags(html) if tag == "img"]) == 0  # the scratch plot is gone
    text = "\n".join(pdf_page_texts(pdf_path))
    assert "SCRATCH-" not in text and "Paragraph text 2.3" in text


def test_a_letter_notebook_with_nothing_tagged_is_refused():
    nb = build_letter_notebook(sections=1, table_rows=2)
    for cell in nb.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != LETTER_CELL_TAG]
    with pytest.raises(NotebookNotExportableError, match="no cell of this notebook is tagged 'letter'"):
        export_letter(nb, None, Path("never-written.pdf"))
    assert not Path("never-written.pdf").exists()


def test_report_kind_keeps_untagged_cells():
    nb = build_letter_notebook(sections=1, table_rows=2, charts=False, kind="report")
    nb.cells.append(code_cell("display(HTML(x))", [html_output("<p>REPORT-CELL-WITHOUT-TAG</p>")]))
    html, _ = ReportHTMLExporter().from_notebook_node(nb)
    assert "REPORT-CELL-WITHOUT-TAG" in html


@pytest.mark.slow
def test_the_real_notebook_leaves_out_a_scratch_cell_saved_into_it(tmp_path, sample_dir):
    """The reported bug: a DataFrame of other councils printed at the end of a council's letter."""
    import papermill

    source = nbformat.read(REPO / "notebooks" / "annual_review_letter.ipynb", as_version=4)
    source.cells.append(new_code_cell(
        "import pandas as pd\npd.DataFrame({'council': ['SCRATCH-Other Council'], 'upheld': [9]})"))
    notebook, executed = tmp_path / "with-scratch.ipynb", tmp_path / "executed.ipynb"
    nbformat.write(source, notebook)
    papermill.execute_notebook(
        str(notebook), str(executed), parameters={"council": COUNCIL, "year": 2020, "data_dir": str(sample_dir)},
        kernel_name="python3", progress_bar=False, cwd=str(REPO / "notebooks"),
    )
    nb = nbformat.read(executed, as_version=4)
    assert "SCRATCH-Other Council" in json.dumps(nb.cells[-1].outputs)  # the notebook itself still shows it
    with pytest.warns(LetterContentWarning, match=rf"notebook cell {len(nb.cells)} \(not tagged 'letter'\)"):
        html_path, pdf_path = export_letter(nb, tmp_path / "l.html", tmp_path / "l.pdf")
    assert "SCRATCH-" not in html_path.read_text(encoding="utf-8")
    assert "SCRATCH-" not in "\n".join(pdf_page_texts(pdf_path))


# ---------------------------------------------------------------------------
# A failed or unexecuted notebook never becomes a blank letter
# ---------------------------------------------------------------------------


def run_nbconvert(fmt: str, notebook: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [jupyter_command(), "nbconvert", "--to", fmt, str(notebook), "--output-dir", str(out)],
        capture_output=True, text=True, cwd=notebook.parent, timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["letter_pdf", "letter_html"])
def test_jupyter_nbconvert_refuses_an_unexecuted_letter_notebook(tmp_path, fmt):
    notebook = tmp_path / "annual_review_letter.ipynb"
    shutil.copy(REPO / "notebooks" / "annual_review_letter.ipynb", notebook)
    source = nbformat.read(notebook, as_version=4)
    first_section = next(n for n, c in enumerate(source.cells, start=1) if LETTER_CELL_TAG in c.metadata.get("tags", []))
    result = run_nbconvert(fmt, notebook, tmp_path / "out")
    assert result.returncode != 0
    assert (f"the letter notebook was not executed: no output for section 'banner' (cell {first_section})"
            in result.stderr), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.slow
def test_jupyter_nbconvert_refuses_a_failed_papermill_run(tmp_path, sample_dir):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = tmp_path / "failed.ipynb"
    with pytest.raises(PapermillExecutionError):
        papermill.execute_notebook(
            str(REPO / "notebooks" / "annual_review_letter.ipynb"), str(executed),
            parameters={"council": "Nowhere Council", "year": 2020, "data_dir": str(sample_dir)},
            kernel_name="python3", progress_bar=False, cwd=str(REPO / "notebooks"),
        )
    nb = nbformat.read(executed, as_version=4)
    failed = next(n for n, c in enumerate(nb.cells, start=1)
                  if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    result = run_nbconvert("letter_pdf", executed, tmp_path / "out")
    assert result.returncode != 0
    assert re.search(rf"notebook cell {failed} failed: LetterInputError: .*Nowhere Council", result.stderr), result.stderr[-2000:]
    assert "\x1b[" not in result.stderr  # the kernel's colour codes are stripped
    assert not (tmp_path / "out" / "failed.pdf").exists()
    # Called from Python (as the batch does), the same refusal is an exception and no file is written.
    with pytest.raises(NotebookNotExportableError, match=rf"cell {failed} failed: LetterInputError"):
        export_letter(nb, tmp_path / "f.html", tmp_path / "f.pdf")
    assert not (tmp_path / "f.html").exists() and not (tmp_path / "f.pdf").exists()


def test_a_partly_executed_letter_names_the_sections_with_no_output():
    nb = build_letter_notebook(sections=3, table_rows=2, charts=False)
    last = nb.cells[-1]
    last.outputs, last.execution_count = [], None
    with pytest.raises(NotebookNotExportableError,
                       match=rf"did not run to the end: no output for section 'display\(HTML\(section_3\)\)' \(cell {len(nb.cells)}\)"):
        LetterHTMLExporter().from_notebook_node(nb)


# ---------------------------------------------------------------------------
# Links, provenance metadata, annex
# ---------------------------------------------------------------------------

PERFORMANCE_URL = "https://www.lgo.org.uk/your-councils-performance"


def test_links_are_clickable_and_their_address_is_printed(tmp_path):
    nb = build_letter_notebook(sections=1, table_rows=2, charts=False)
    nb.cells.append(code_cell("letter.section('closing')", [html_output(
        f'<p>See <a href="{PERFORMANCE_URL}">Your council\'s performance</a> on our map, '
        'and our website <a href="https://www.lgo.org.uk/">www.lgo.org.uk</a>.</p>')], LETTER))
    html_path, pdf_path = export_letter(nb, tmp_path / "l.html", tmp_path / "l.pdf")
    reader = PdfReader(pdf_path)
    uris = [annotation.get_object()["/A"]["/URI"] for page in reader.pages
            for annotation in page.get("/Annots", []) if annotation.get_object().get("/Subtype") == "/Link"]
    assert PERFORMANCE_URL in uris and "https://www.lgo.org.uk/" in uris
    text = " ".join(" ".join(pdf_page_texts(pdf_path)).split())
    assert f"Your council's performance ({PERFORMANCE_URL})" in text
    # A link that already reads as its address is not printed twice.
    assert "www.lgo.org.uk." in text and "www.lgo.org.uk (https://www.lgo.org.uk/)" not in text
    assert 'class="lgsco-link-is-address"' in html_path.read_text(encoding="utf-8")


HASHES = {"received": "a" * 64, "decided": "b" * 64, "compliance": "c" * 64}
PROVENANCE = {
    "data_files": [{"table": t, "name": f"{t}.csv", "sha256": h} for t, h in HASHES.items()],
    "package_version": "9.8.7",
    "generated_at": "2026-11-28T00:12:17+00:00",
}


def test_provenance_goes_into_the_pdf_metadata_not_onto_the_page(tmp_path):
    nb = build_letter_notebook(sections=1, table_rows=2, charts=False, provenance=PROVENANCE)
    _, pdf_path = export_letter(nb, None, tmp_path / "p.pdf")
    reader = PdfReader(pdf_path)
    keywords = reader.metadata["/Keywords"]
    for table, digest in HASHES.items():
        assert f"{table} {table}.csv sha256:{digest}" in keywords
    assert "lgsco-report 9.8.7" in keywords and "generated 2026-11-28T00:12:17+00:00" in keywords
    assert reader.metadata["/CreationDate"].startswith("D:20261128001217")
    assert reader.metadata["/Creator"] == "lgsco-report 9.8.7"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert f"sha256:{HASHES['decided']}" in xmp and "2026-11-28T00:12:17" in xmp and "lgsco-report 9.8.7" in xmp
    text = "\n".join(pdf_page_texts(pdf_path))
    assert "a" * 64 not in text and "9.8.7" not in text


@pytest.mark.parametrize("provenance, problem", [
    ("hashes", "provenance must be a JSON object"),
    ({"data_files": [{"table": "received", "name": "r.csv", "sha256": "not-a-hash"}]}, "is not a SHA-256 hex digest"),
    ({"package_version": 7}, "provenance.package_version must be a string"),
])
def test_bad_provenance_gives_a_clear_error(provenance, problem):
    with pytest.raises(DocumentMetadataError, match=problem):
        LetterHTMLExporter().from_notebook_node(build_letter_notebook(sections=1, provenance=provenance))


def test_annex_starts_on_a_new_page_and_a_small_table_stays_whole(tmp_path):
    nb = build_letter_notebook(sections=2, table_rows=2, charts=False)
    nb.cells.append(code_cell("letter.section('annex')", [html_output(
        '<section class="lgsco-annex"><h2>Annex: ANNEX-HEADING</h2>' + table_html(12) + "</section>")], LETTER))
    _, pdf_path = export_letter(nb, None, tmp_path / "a.pdf")
    texts = pdf_page_texts(pdf_path)
    annex_pages = [n for n, text in enumerate(texts) if "ANNEX-HEADING" in text]
    assert annex_pages and annex_pages[0] > 0
    assert "Paragraph text 2.3" not in texts[annex_pages[0]], "the annex shares a page with the letter"
    assert "Category 12" in texts[annex_pages[0]], "the annex's small table was split from its heading"


@pytest.mark.slow
def test_the_signature_never_stands_alone_on_a_page(tmp_path):
    """Wherever the page break falls, the closing paragraphs go over with the signature, unsplit."""
    closing = (
        '<section class="lgsco-closing"><h2>Publication and support</h2>'
        + "".join(f"<p>CLOSING-PARA-{n}: " + "We will publish these figures on our map of councils. " * 5 + "</p>"
                  for n in (1, 2, 3))
        + '<div class="lgsco-signature"><p class="lgsco-signoff">Yours sincerely,</p>'
        '<p class="lgsco-signatory"><strong>SIGNATORY-NAME</strong><br>Ombudsman</p></div></section>'
    )
    crossings = 0
    for filler_paragraphs in range(4, 16):
        nb = build_letter_notebook(sections=0, table_rows=2, charts=False)
        filler = "".join(f"<p>Filler {n}: " + "A line of the letter's body text. " * 9 + "</p>" for n in range(filler_paragraphs))
        nb.cells.append(code_cell("letter.section('key_statistics')", [html_output(filler)], LETTER))
        nb.cells.append(code_cell("letter.section('closing')", [html_output(closing)], LETTER))
        _, pdf_path = export_letter(nb, None, tmp_path / f"s{filler_paragraphs}.pdf")
        texts = pdf_page_texts(pdf_path)
        signed = next(text for text in texts if "SIGNATORY-NAME" in text)
        for n in (1, 2, 3):
            assert f"CLOSING-PARA-{n}" in signed, f"{filler_paragraphs} filler paragraphs: paragraph {n} left behind"
        crossings += len(texts) > 1
    assert crossings >= 3, "the filler should push the closing across a page break in several variants"


def test_an_error_output_refuses_the_export_unless_the_cell_was_meant_to_raise():
    error = new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                       traceback=["TRACEBACK-LINE ZeroDivisionError: division by zero"])
    nb = build_letter_notebook(sections=1, table_rows=2, charts=False)
    nb.cells.append(code_cell("1/0", [error], ["remove-cell"]))
    with pytest.raises(NotebookNotExportableError, match=rf"notebook cell {len(nb.cells)} failed: ZeroDivisionError: division by zero"):
        LetterHTMLExporter().from_notebook_node(nb)
    nb.cells[-1].metadata["tags"] = ["remove-cell", "raises-exception"]
    html, _ = LetterHTMLExporter().from_notebook_node(nb)
    assert "TRACEBACK-LINE" not in html and "Paragraph text 1.1" in html


@pytest.mark.slow
def test_jupyter_nbconvert_warns_about_left_out_cells(tmp_path):
    nb = build_letter_notebook(sections=1, table_rows=2, charts=False)
    first_scratch = len(nb.cells) + 1
    nb.cells += scratch_cells()
    source = tmp_path / "with-scratch.ipynb"
    nbformat.write(nb, source)
    result = run_nbconvert("letter_pdf", source, tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (f"WARNING | left out of the letter: notebook cells {first_scratch}, {first_scratch + 2} "
            "(not tagged 'letter')") in result.stderr
    assert "SCRATCH-" not in "\n".join(pdf_page_texts(tmp_path / "out" / "with-scratch.pdf"))
