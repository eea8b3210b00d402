"""Word letters: real letters made by the batch with ``--formats ...,docx``, opened with python-docx.

Every check compares the .docx with the HTML letter made from the same executed
notebook (text, figures, headings, tables, image alt text), so nothing here is a
hard-coded expectation of the wording.
"""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import nbformat
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor

from lgsco_report.documents import SAMPLE_BANNER
from lgsco_report.exporters import LetterDocxExporter
from lgsco_report.errors import ReferenceDocxError
from lgsco_report.word import notebook_to_docx

REPO = Path(__file__).resolve().parents[1]
COUNCIL = "Kent County Council"
FORMATS = ("ipynb", "html", "pdf", "docx")
# Every test reads the letters of a real batch (conftest.py's batch_year).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def year_dir(batch_year: Path) -> Path:
    """The session's shared 2020 batch (conftest.py): Kent's letter in every format of FORMATS, and the review."""
    return batch_year


@pytest.fixture(scope="module")
def letter_dir(year_dir: Path) -> Path:
    return year_dir / "kent-county-council"


@pytest.fixture(scope="module")
def document(letter_dir: Path):
    return docx.Document(str(letter_dir / "letter.docx"))


class _LetterHTML(HTMLParser):
    """The HTML letter's visible text (banner left out: it is in the Word header), headings, tables, images."""

    BLOCKS = {"p", "div", "section", "h1", "h2", "h3", "h4", "li", "dt", "dd", "tr", "td", "th", "caption",
              "figcaption", "address", "header", "table", "figure", "br"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.tables: list[list[list[str]]] = []
        self.alts: list[str] = []
        self._skip = 0
        self._heading: tuple[int, list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        self._depth: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self._in_body = True
        if tag in ("style", "script", "title") or (self._skip and tag not in ("br", "img")):
            self._skip += 1 if tag not in ("br", "img") else 0
            return
        if "lgsco-sample-banner" in (attrs.get("class") or ""):
            self._skip = 1
            return
        if tag in self.BLOCKS:
            self.words.append(" ")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.alts.append(attrs.get("alt") or "")

    def handle_endtag(self, tag):
        if self._skip:
            self._skip -= 1
            return
        if tag in self.BLOCKS:
            self.words.append(" ")
        if re.fullmatch(r"h[1-6]", tag) and self._heading:
            self.headings.append((self._heading[0], _norm("".join(self._heading[1]))))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(_norm("".join(self._cell)))
            self._cell = None

    def handle_data(self, data):
        if self._skip or not self._in_body:
            return
        self.words.append(data)
        if self._heading:
            self._heading[1].append(data)
        if self._cell is not None:
            self._cell.append(data)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def html_letter(letter_dir: Path) -> _LetterHTML:
    parser = _LetterHTML()
    parser.feed((letter_dir / "letter.html").read_text(encoding="utf-8"))
    return parser


def body_text(document) -> str:
    """Every paragraph and table cell of the body, in document order."""
    def text(element) -> str:  # line breaks and tabs count as spaces
        return "".join(t.text or "" if t.tag == qn("w:t") else " " for t in element.iter(qn("w:t"), qn("w:br"), qn("w:tab")))

    parts = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            parts.append(text(element))
        elif element.tag == qn("w:tbl"):
            parts.extend(text(cell) for cell in element.iter(qn("w:tc")))
    return _norm(" ".join(parts))


def test_batch_writes_the_word_letter_and_the_review_and_records_them(year_dir, letter_dir):
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["letters"].values() if e["authority_name"] == COUNCIL)
    assert entry["outputs"]["docx"] == "kent-county-council/letter.docx"
    assert (letter_dir / "letter.docx").is_file()
    assert manifest["reports"]["national_review"]["outputs"]["docx"] == "national_review.docx"
    assert "kent-county-council/letter.docx" in (year_dir / "manifest.csv").read_text(encoding="utf-8")
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="kent-county-council/letter.docx"' in index and 'href="national_review.docx"' in index


def test_word_text_is_the_html_letters_text(document, html_letter):
    html_text = _norm("".join(html_letter.words))
    word_text = re.sub(r" \(https?://[^)]*\)", "", body_text(document))  # printed link addresses
    assert word_text == html_text
    # The figures in particular: every number of the HTML letter, in the same order.
    numbers = re.compile(r"\d[\d,.]*%?")
    assert numbers.findall(word_text) == numbers.findall(html_text)


def test_headings_are_word_heading_styles_in_letter_order(document, html_letter):
    headings = [(int(p.style.name.split()[-1]), _norm(p.text)) for p in document.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == [(min(level, 4), text) for level, text in html_letter.headings]
    assert headings[0] == (1, "Annual Review letter 2020")


def test_tables_are_word_tables_with_a_repeating_header_row(document, html_letter):
    word_tables = [[[_norm(c.text) for c in row.cells] for row in table.rows] for table in document.tables]
    assert word_tables == html_letter.tables and len(word_tables) >= 2
    for table in document.tables:
        first, second = table.rows[0]._tr, table.rows[1]._tr
        assert first.trPr.find(qn("w:tblHeader")) is not None  # repeats on each page
        assert second.trPr.find(qn("w:tblHeader")) is None
        assert all(run.bold for cell in table.rows[0].cells for p in cell.paragraphs for run in p.runs if run.text)
        # Each table is introduced by its caption, kept with it.
        caption = table._tbl.getprevious()
        assert caption.tag == qn("w:p") and caption.pPr.pStyle.val == "TableCaption"


def test_charts_are_pictures_with_their_alt_text(document, html_letter):
    descriptions = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert descriptions == html_letter.alts and len(descriptions) == 2
    assert all(len(d) > 40 for d in descriptions)
    for shape in document.inline_shapes:
        assert shape.width <= Cm(16.01)
        blob = document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        assert blob.startswith(b"\x89PNG")


def test_page_is_a4_with_banner_header_and_page_n_of_m_footer(document):
    section = document.sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    header = " ".join(p.text for p in section.header.paragraphs)
    assert SAMPLE_BANNER in header  # the letter's own banner words, on every page
    footer = section.footer.paragraphs
    assert any(COUNCIL in p.text for p in footer)
    instructions = [t.text.strip() for t in section.footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    footer_text = " ".join(p.text for p in footer)
    assert re.search(r"Page \d+ of \d+", footer_text)


def test_core_properties_name_the_council(document):
    props = document.core_properties
    assert props.title == f"Annual Review letter 2020: {COUNCIL}"
    assert COUNCIL in props.subject and SAMPLE_BANNER in props.subject
    assert COUNCIL in props.keywords and "2020" in props.keywords
    assert props.language == "en-GB"
    assert props.created.isoformat().startswith("2020-07-22T09:00")  # the batch's generation time


def test_word_letter_survives_a_round_trip(letter_dir, tmp_path):
    original = docx.Document(str(letter_dir / "letter.docx"))
    first = tmp_path / "first.docx"
    original.save(str(first))
    again = docx.Document(str(first))
    second = tmp_path / "second.docx"
    again.save(str(second))
    reopened = docx.Document(str(second))
    assert body_text(reopened) == body_text(original)
    assert len(reopened.tables) == len(original.tables) and len(reopened.inline_shapes) == 2
    with zipfile.ZipFile(letter_dir / "letter.docx") as package:
        assert package.testzip() is None
        assert "word/document.xml" in package.namelist()


def test_same_notebook_same_bytes(letter_dir):
    nb = nbformat.read(letter_dir / "letter.ipynb", as_version=4)
    assert notebook_to_docx(nb) == notebook_to_docx(nb) == (letter_dir / "letter.docx").read_bytes()


def test_jupyter_nbconvert_to_letter_docx(letter_dir, tmp_path):
    target = tmp_path / "kent"
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "jupyter"), "nbconvert", "--to", "letter_docx",
         str(letter_dir / "letter.ipynb"), "--output", str(target)],
        check=True, capture_output=True, timeout=120,
    )
    made = docx.Document(str(tmp_path / "kent.docx"))
    assert made.core_properties.title == f"Annual Review letter 2020: {COUNCIL}"
    assert body_text(made) == body_text(docx.Document(str(letter_dir / "letter.docx")))


def _reference(path: Path) -> Path:
    """An office's reference document: dark-red headings, Georgia text, its own header line, US Letter page."""
    reference = docx.Document()
    reference.styles["Heading 1"].font.color.rgb = RGBColor(0x80, 0, 0)
    reference.styles["Normal"].font.name = "Georgia"
    reference.sections[0].header.paragraphs[0].text = "Office header"
    reference.sections[0].page_width = Cm(21.59)
    reference.add_paragraph("This template text must not reach the letter.")
    reference.save(str(path))
    return path


def test_reference_docx_from_the_year_parameters_restyles_the_letter(letter_dir, tmp_path):
    _reference(tmp_path / "office.docx")
    params = tmp_path / "2020.yaml"
    params.write_text((REPO / "parameters" / "2020.yaml").read_text(encoding="utf-8")
                      + "reference_docx: office.docx\n", encoding="utf-8")
    nb = nbformat.read(letter_dir / "letter.ipynb", as_version=4)
    nb.metadata["papermill"]["parameters"]["params_file"] = str(params)
    data, _ = LetterDocxExporter().from_notebook_node(nb)
    made = docx.Document(io.BytesIO(data))
    assert made.styles["Heading 1"].font.color.rgb == RGBColor(0x80, 0, 0)
    assert made.styles["Normal"].font.name == "Georgia"
    assert "template text" not in body_text(made)
    header = [p.text for p in made.sections[0].header.paragraphs]
    assert header[0] == "Office header" and any(SAMPLE_BANNER in h for h in header[1:])
    assert abs(made.sections[0].page_width - Cm(21.0)) < Cm(0.01)  # letters stay A4
    assert body_text(made) == body_text(docx.Document(str(letter_dir / "letter.docx")))


def test_reference_docx_option_and_a_bad_reference_named_in_the_error(letter_dir, tmp_path):
    nb = nbformat.read(letter_dir / "letter.ipynb", as_version=4)
    reference = _reference(tmp_path / "office.docx")
    data, _ = LetterDocxExporter(reference_docx=str(reference)).from_notebook_node(copy.deepcopy(nb))
    assert docx.Document(io.BytesIO(data)).styles["Heading 1"].font.color.rgb == RGBColor(0x80, 0, 0)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ReferenceDocxError, match="broken.docx"):
        LetterDocxExporter(reference_docx=str(broken)).from_notebook_node(copy.deepcopy(nb))
    with pytest.raises(ReferenceDocxError, match="missing.docx"):
        LetterDocxExporter(reference_docx=str(tmp_path / "missing.docx")).from_notebook_node(copy.deepcopy(nb))


def test_html_in_a_section_never_becomes_word_markup(letter_dir):
    nb = nbformat.read(letter_dir / "letter.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.outputs
                and "text/html" in c.outputs[0].get("data", {}))
    cell.outputs[0]["data"]["text/html"] = (
        '<p>Fish &amp; chips &lt;b&gt;not bold&lt;/b&gt;</p><script>alert(1)</script>'
        '<p><a href="javascript:alert(1)">a link</a></p>')
    made = docx.Document(io.BytesIO(notebook_to_docx(nb)))
    text = body_text(made)
    assert "Fish & chips <b>not bold</b>" in text and "alert" not in text and "a link" in text
    assert not any(r.bold for p in made.paragraphs if "Fish" in p.text for r in p.runs)
    assert not [rel for rel in made.part.rels.values() if "javascript" in str(rel._target)]


def test_national_review_in_word(year_dir):
    review = docx.Document(str(year_dir / "national_review.docx"))
    html = _LetterHTML()
    html.feed((year_dir / "national_review.html").read_text(encoding="utf-8"))
    assert [shape._inline.docPr.get("descr") for shape in review.inline_shapes] == html.alts
    assert len(review.tables) == len(html.tables) >= 1
    assert review.core_properties.title and abs(review.sections[0].page_height - Cm(29.7)) < Cm(0.01)
    assert re.sub(r" \(https?://[^)]*\)", "", body_text(review)) == _norm("".join(html.words))


LETTER_CSS = (REPO / "lgsco_report" / "templates" / "nbconvert" / "lgsco_letter" / "letter.css").read_text(encoding="utf-8")


def _css(selector: str, prop: str) -> str:
    """A property of the first rule of letter.css whose selector list is exactly ``selector``."""
    rule = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", LETTER_CSS)
    return re.search(re.escape(prop) + r":\s*([^;]+);", rule.group(1)).group(1).strip()


def test_word_letter_has_the_printed_letters_font_and_headings(document, letter_dir):
    styles = zipfile.ZipFile(letter_dir / "letter.docx").read("word/styles.xml").decode()
    defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
    assert 'w:ascii="Arial"' in defaults and "Theme" not in defaults  # Arial, Liberation Sans's metric twin
    assert "majorHAnsi" not in styles.split('w:styleId="Heading1"')[1].split("</w:style>")[0]
    heading_colour = RGBColor.from_string(_css("h1, h2, h3, h4", "color").lstrip("#").upper())
    for level in (1, 2, 3):
        style = document.styles[f"Heading {level}"]
        assert style.font.name == "Arial" and style.font.bold and style.font.color.rgb == heading_colour
        assert style.font.size.pt == float(re.match(r"[\d.]+", _css(f"h{level}", "font-size")).group(0))


def test_word_captions_and_tables_have_the_printed_look(document, letter_dir):
    figure_captions = [p for p in document.paragraphs if p.text.startswith("Figure")]
    assert len(figure_captions) == 2 and {p.style.name for p in figure_captions} == {"Caption"}
    caption = document.styles["Caption"]
    assert caption.font.color.rgb == RGBColor.from_string(_css("figcaption", "color").lstrip("#").upper())
    assert caption.font.color.theme_color is None and not caption.font.bold  # not Word's blue bold caption
    assert document.styles["Table Caption"].font.bold
    styles = zipfile.ZipFile(letter_dir / "letter.docx").read("word/styles.xml").decode()
    table_style = re.search(r'<w:style w:type="table"[^>]*w:styleId="LGSCOTable".*?</w:style>', styles, re.S).group(0)
    assert f'w:fill="{_css("th", "background-color").lstrip("#").upper()}"' in table_style  # shaded header row
    assert '<w:insideV w:val="nil"/>' in table_style and 'w:color="9AA5B1"' in table_style  # rules, no grid
    for table in document.tables:
        assert table.style.name == "LGSCO Table"
        assert table._tbl.tblPr.find(qn("w:tblLook")).get(qn("w:firstRow")) == "1"


def test_a_councils_name_never_breaks_over_a_line_in_word(document):
    texts = [t.text or "" for t in document.element.body.iter(qn("w:t"))]
    assert any(COUNCIL.replace(" ", "\u00a0") in t for t in texts)
    assert not any(COUNCIL in t for t in texts)  # every mention held together
