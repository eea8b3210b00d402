"""Page layout of real letters: every page well filled, no heading stranded, figures kept with captions.

A module-scoped fixture runs the real letter notebook through the batch
(papermill, then the exporters) for a handful of councils chosen from the sample
data: one of each council type, and the edge cases a layout must survive: a
council with nothing to report, one with non-compliance, one abolished at the end
of the year, one with a single detailed investigation. Each PDF page is then read
with pypdfium2's text positions:

* fill: how far down the printable area (inside the @page margins of
  letter.css) the lowest line of text or image reaches; no page may be less than
  a quarter full;
* stranded heading: a heading (h1-h4, a table caption, a definition term) whose
  text is the last text on a page, so what it introduces starts overleaf;
* figure split from its caption: a page that starts with a figure's caption.
"""

from __future__ import annotations

import hashlib
import json
import re
from html import unescape as html_unescape
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from lgsco_report import __version__, register
from lgsco_report.batch import run_batch
from lgsco_report.inputs import load as load_cases
from lgsco_report.exporters import TEMPLATE_BASEDIR
from lgsco_report.stats import compute_statistics

YEAR = 2020
GENERATED_AT = "2020-07-22T09:30:00+00:00"
MM = 72 / 25.4
MIN_FILL = 0.25
#: Text within this many points of the printable area's edge still counts as inside it.
EDGE_TOLERANCE = 2.0
LIST_MARKERS = frozenset("•◦▪")


# ---------------------------------------------------------------------------
# Which letters: chosen from the data, not hard-coded figures
# ---------------------------------------------------------------------------


def choose_councils(sample_dir: Path) -> dict[str, str]:
    """One council per type plus the edge cases, each found in the sample statistics."""
    statistics = compute_statistics(load_cases(sample_dir))
    year = statistics.councils[statistics.councils.year == YEAR].sort_values("authority_name")

    def first(rows, why: str) -> str:
        assert len(rows), f"the sample data has no council that is {why}"
        return str(rows.iloc[0]["authority_name"])

    chosen = {}
    for authority_type in sorted(year.authority_type.unique()):
        chosen[authority_type] = first(
            year[(year.authority_type == authority_type) & (year.detailed_investigations > 5)], authority_type)
    nothing = year[(year.received_total == 0) & (year.decisions_total == 0) & (year.compliance_outcomes == 0)]
    scilly = nothing[nothing.authority_name.str.contains("Isles of Scilly")]
    chosen["nothing to report"] = first(scilly if len(scilly) else nothing, "without any case")
    chosen["non-compliance"] = first(year[year.not_complied > 0], "with non-compliance")
    chosen["one detailed investigation"] = first(year[year.detailed_investigations == 1], "with one investigation")
    chosen["no detailed investigation"] = first(
        year[(year.detailed_investigations == 0) & (year.decisions_total > 0)], "with decisions but no investigation")
    next_year = set(register.councils_for_year(YEAR + 1)["authority_code"])
    abolished = year[~year.authority_code.isin(next_year)]
    aylesbury = abolished[abolished.authority_name.str.contains("Aylesbury Vale")]
    chosen["abolished"] = first(aylesbury if len(aylesbury) else abolished, "abolished at the end of the year")
    return chosen


@dataclass
class Letter:
    why: str
    council: str
    pdf: Path
    html: Path


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> list[Letter]:
    chosen = choose_councils(sample_dir)
    out = tmp_path_factory.mktemp("layout-letters")
    result = run_batch(
        YEAR, councils=sorted(set(chosen.values())), data_dir=sample_dir, out_dir=out,
        formats=("html", "pdf"), progress=False, reports=False, generated_at=GENERATED_AT,
    )
    assert result.failed == 0, result.failures
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    by_name = {entry["authority_name"]: entry for entry in manifest["letters"].values()}
    year_dir = result.manifest_path.parent
    return [
        Letter(why, council, year_dir / by_name[council]["outputs"]["pdf"], year_dir / by_name[council]["outputs"]["html"])
        for why, council in chosen.items()
    ]


# ---------------------------------------------------------------------------
# Reading pages: text lines and images with their positions
# ---------------------------------------------------------------------------


def page_margins() -> tuple[float, float, float]:
    """(top, first page's top, bottom) margins in points, read from letter.css's @page rules."""
    css = (TEMPLATE_BASEDIR / "lgsco_letter" / "letter.css").read_text(encoding="utf-8")
    margins = re.search(r"@page\s*\{[^@]*?margin:\s*([\d.]+)mm\s+[\d.]+mm\s+([\d.]+)mm", css)
    first = re.search(r"@page\s*:first\s*\{[^}]*margin-top:\s*([\d.]+)mm", css)
    top, bottom = float(margins.group(1)) * MM, float(margins.group(2)) * MM
    return top, (float(first.group(1)) * MM if first else top), bottom


@dataclass
class Page:
    number: int
    body_text: str  # the printable area's text in content (reading) order, whitespace collapsed
    lowest_text: float  # bottom of the lowest character in the printable area (points from the page foot)
    body_top: float
    body_bottom: float
    image_bottoms: list[float]
    header_text: str
    footer_text: str
    highest_text: float = 0.0  # top of the highest character in the printable area

    @property
    def fill(self) -> float:
        """Share of the printable height above the lowest text or image on the page."""
        lowest = min([self.lowest_text, *self.image_bottoms])
        return (self.body_top - lowest) / (self.body_top - self.body_bottom)


def _split_by_area(textpage, body_top: float, body_bottom: float) -> tuple[str, str, str, float]:
    """(header, body, footer) text of a page, each in content order, and the body's lowest character."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    areas = {"header": [], "body": [], "footer": []}
    area, lowest, highest = "body", body_top, body_bottom
    for index in range(min(count, len(text))):
        char = text[index]
        left, bottom, right, top = textpage.get_charbox(index)
        if char in LIST_MARKERS:
            continue  # drawn after their item's text: not part of the reading order
        if char.isspace() or char == "\ufffe" or (left == right and bottom == top):
            areas[area].append(" ")  # generated spaces and line ends belong with their neighbours
            continue
        middle = (bottom + top) / 2
        area = "header" if middle > body_top + EDGE_TOLERANCE else "footer" if middle < body_bottom - EDGE_TOLERANCE else "body"
        areas[area].append(char)
        if area == "body":
            lowest = min(lowest, bottom)
            highest = max(highest, top)
    header, body, footer = (" ".join("".join(areas[a]).split()) for a in ("header", "body", "footer"))
    return header, body, footer, lowest, highest


def read_pages(pdf_path: Path) -> list[Page]:
    top_margin, first_top_margin, bottom_margin = page_margins()
    document = pdfium.PdfDocument(str(pdf_path))
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            _, height = page.get_size()
            body_top = height - (first_top_margin if index == 0 else top_margin)
            textpage = page.get_textpage()
            header, body, footer, lowest, highest = _split_by_area(textpage, body_top, bottom_margin)
            images = [obj.get_bounds()[1] for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=5)]
            pages.append(Page(index + 1, body, lowest, body_top, bottom_margin, images, header, footer, highest))
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


class LetterStructure(HTMLParser):
    """Texts of the letter's headings, captions and figure captions, and the annex's first heading."""

    HEADINGS = {"h1", "h2", "h3", "h4", "caption", "dt"}

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.figcaptions: list[str] = []
        self.annex_heading: str | None = None
        self._open: list[tuple[str, list[str]]] = []
        self._in_annex = False

    def handle_starttag(self, tag, attrs):
        if tag == "section" and "lgsco-annex" in (dict(attrs).get("class") or "").split():
            self._in_annex = True
        if tag in self.HEADINGS or tag == "figcaption":
            self._open.append((tag, []))

    def handle_data(self, data):
        for _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if not text:
                return
            if tag == "figcaption":
                self.figcaptions.append(text)
            else:
                self.headings.append(text)
                if self._in_annex and self.annex_heading is None and tag.startswith("h"):
                    self.annex_heading = text


def letter_structure(html_path: Path) -> LetterStructure:
    parser = LetterStructure()
    body = html_path.read_text(encoding="utf-8").split("<body", 1)[1]  # not the <title> in the head
    parser.feed(body)
    return parser


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def describe(letter: Letter, page: Page) -> str:
    return f"{letter.council} ({letter.why}), page {page.number}"


@pytest.mark.slow
def test_the_sample_covers_every_council_type_and_edge_case(letters):
    reasons = {letter.why for letter in letters}
    assert {"County Council", "District Council", "Metropolitan Borough", "Unitary Council", "London Borough"} <= reasons
    assert {"nothing to report", "non-compliance", "abolished", "one detailed investigation"} <= reasons


@pytest.mark.slow
def test_every_page_is_at_least_a_quarter_full(letters):
    thin = []
    for letter in letters:
        for page in read_pages(letter.pdf):
            if page.fill < MIN_FILL:
                thin.append(f"{describe(letter, page)}: {page.fill:.0%} full, ends {page.body_text[-90:]!r}")
    assert not thin, "pages less than a quarter full:\n" + "\n".join(thin)


@pytest.mark.slow
def test_no_heading_or_caption_is_left_at_the_foot_of_a_page(letters):
    stranded = []
    for letter in letters:
        headings = letter_structure(letter.html).headings
        assert headings, f"{letter.council}: no headings found in {letter.html}"
        pages = read_pages(letter.pdf)
        for page in pages[:-1]:
            text = page.body_text
            stranded += [f"{describe(letter, page)} ends with {h!r}" for h in headings if text.endswith(h)]
    assert not stranded, "\n".join(stranded)


@pytest.mark.slow
def test_no_figure_is_split_from_its_caption(letters):
    split = []
    for letter in letters:
        captions = letter_structure(letter.html).figcaptions
        for page in read_pages(letter.pdf)[1:]:
            # A caption that is the page's first text is split from its figure unless
            # the figure (an image: no text) is drawn above it on the same page.
            figure_above = any(bottom >= page.highest_text - EDGE_TOLERANCE for bottom in page.image_bottoms)
            split += [f"{describe(letter, page)} starts with {c[:60]!r}" for c in captions
                      if page.body_text.startswith(c) and not figure_above]
    assert not split, "\n".join(split)


@pytest.mark.slow
def test_the_annex_starts_on_a_page_of_its_own(letters):
    for letter in letters:
        annex = letter_structure(letter.html).annex_heading
        if letter.why == "nothing to report":  # a short letter: no figures, so no annex
            assert annex is None, f"{letter.council}: a letter with nothing to report has an annex"
            continue
        assert annex, f"{letter.council}: the letter has no <section class='lgsco-annex'> with a heading"
        pages = read_pages(letter.pdf)
        starts = [page for page in pages if page.body_text.startswith(annex)]
        assert starts and starts[0].number > 1, f"{letter.council}: the annex does not start a page"
        before = pages[starts[0].number - 2].body_text
        assert annex not in before, f"{letter.council}: the annex begins on the letter's last page"


@pytest.mark.slow
def test_banner_and_page_footer_on_every_page(letters):
    for letter in letters:
        pages = read_pages(letter.pdf)
        for page in pages:
            assert "SAMPLE DATA" in page.header_text.upper(), f"{describe(letter, page)}: no banner at the top"
            assert f"Page {page.number} of {len(pages)}" in page.footer_text, describe(letter, page)
            assert letter.council in page.footer_text, describe(letter, page)


@pytest.mark.slow
def test_provenance_is_in_the_pdf_metadata_not_on_the_pages(letters, sample_dir):
    hashes = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(sample_dir.glob("*.csv"))}
    assert len(hashes) == 5  # the three case tables and the optional reports and remedies tables
    for letter in letters:
        reader = PdfReader(letter.pdf)
        keywords = reader.metadata.get("/Keywords", "")
        for name, digest in hashes.items():
            assert f"{name} sha256:{digest}" in keywords, f"{letter.council}: {name} hash not in /Keywords"
        assert f"lgsco-report {__version__}" in keywords and f"generated {GENERATED_AT}" in keywords
        assert reader.metadata["/CreationDate"].startswith("D:20200722093000")
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert all(digest in xmp for digest in hashes.values())
        for page in read_pages(letter.pdf):
            assert not re.search(r"\b[0-9a-f]{64}\b", page.body_text), f"{describe(letter, page)} prints a file hash"


def test_the_checks_catch_a_stranded_heading_and_a_thin_page(tmp_path):
    """The page reader itself: a heading forced to a page foot and a near-empty page are both seen."""
    import weasyprint

    css = (TEMPLATE_BASEDIR / "lgsco_letter" / "letter.css").read_text(encoding="utf-8")
    filler = "<p>" + "Filler text for the page. " * 40 + "</p>"
    html = (f"<html><head><style>{css}</style></head><body>{filler * 3}<h2>STRANDED HEADING</h2>"
            '<p style="break-before: page">One line on a page of its own.</p></body></html>')
    pdf = tmp_path / "bad.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    pages = read_pages(pdf)
    assert len(pages) == 2
    assert pages[0].body_text.endswith("STRANDED HEADING")
    assert pages[0].fill > 0.25 and pages[1].fill < 0.1


@pytest.mark.slow
def test_links_are_clickable_and_show_their_address_in_print(letters):
    """The letter's web links (map, website, training) work in the PDF and can be read on paper."""
    for letter in letters:
        html = letter.html.read_text(encoding="utf-8").split("<body", 1)[1]
        links = re.findall(r"""<a\b[^>]*\bhref=["'](https?://[^"']+)["'][^>]*>(.*?)</a>""", html, flags=re.DOTALL)
        assert links, f"{letter.council}: the letter has no web link (map, website, training pages)"
        reader = PdfReader(letter.pdf)
        uris = {annotation.get_object()["/A"]["/URI"] for page in reader.pages for annotation in page.get("/Annots", [])
                if annotation.get_object().get("/Subtype") == "/Link" and "/A" in annotation.get_object()}
        text = "".join("".join(page.extract_text().split()) for page in reader.pages)  # addresses may wrap
        for href, _ in links:
            href = html_unescape(href)
            assert href in uris, f"{letter.council}: {href} is not a link in the PDF"
            assert href.split("://", 1)[1].rstrip("/") in text, f"{letter.council}: {href} is not printed"


# ---------------------------------------------------------------------------
# Issue #27: names kept whole, the DRAFT box clear of the footer, the annex's tables aligned,
# over each edition (2020's 2019-20 form; 2023; 2024's current form, both DRAFT in the sample)
# ---------------------------------------------------------------------------

EDITION_YEARS = (2023, 2024)


def _no_investigation_council(sample_dir: Path, year: int) -> str:
    statistics = compute_statistics(load_cases(sample_dir))
    rows = statistics.councils[(statistics.councils.year == year) & (statistics.councils.detailed_investigations == 0)
                               & (statistics.councils.decisions_total > 0)].sort_values("authority_name")
    assert len(rows), f"the sample data has no council without a detailed investigation in {year}"
    return str(rows.iloc[0]["authority_name"])


@pytest.fixture(scope="module")
def edition_letters(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> list[Letter]:
    out = tmp_path_factory.mktemp("edition-letters")
    chosen = []
    for year in EDITION_YEARS:
        councils = {"Kent County Council": "a county", "Council of the Isles of Scilly": "nothing to report",
                    _no_investigation_council(sample_dir, year): "no detailed investigation",
                    "Royal Borough of Windsor and Maidenhead": "a long name"}
        result = run_batch(year, councils=list(councils), data_dir=sample_dir, out_dir=out, formats=("html", "pdf"),
                           progress=False, reports=False, generated_at=GENERATED_AT)
        assert result.failed == 0, result.failures
        manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
        by_name = {entry["authority_name"]: entry for entry in manifest["letters"].values()}
        year_dir = result.manifest_path.parent
        chosen += [Letter(f"{year}, {why}", council, year_dir / by_name[council]["outputs"]["pdf"],
                          year_dir / by_name[council]["outputs"]["html"]) for council, why in councils.items()]
    return chosen


def body_lines(pdf_path: Path) -> list[list[str]]:
    """Each page's lines of text inside the printable area, top to bottom, whitespace collapsed."""
    top_margin, first_top_margin, bottom_margin = page_margins()
    document = pdfium.PdfDocument(str(pdf_path))
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            body_top = page.get_size()[1] - (first_top_margin if index == 0 else top_margin)
            textpage = page.get_textpage()
            lines, current, middle = [], [], None
            text = textpage.get_text_range(0, textpage.count_chars())
            for char_index, char in enumerate(text):
                if char in "\r\n":
                    if current and middle is not None and bottom_margin < middle < body_top:
                        lines.append(" ".join("".join(current).split()))
                    current, middle = [], None
                    continue
                current.append(char)
                if middle is None and not char.isspace():
                    box = textpage.get_charbox(char_index)
                    middle = (box[1] + box[3]) / 2
            if current and middle is not None and bottom_margin < middle < body_top:
                lines.append(" ".join("".join(current).split()))
            pages.append([line for line in lines if line])
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


def split_names(letter: Letter) -> list[str]:
    """Each place where a line (or a page) ends with the start of a council's name and the next begins with the rest.

    A name that starts its line and still runs over is wider than the line: that one may wrap.
    """
    html = letter.html.read_text(encoding="utf-8").split("<body", 1)[1]
    names = {" ".join(html_unescape(re.sub(r"<[^>]+>", "", name)).split())
             for name in re.findall(r'<span class="lgsco-name">(.*?)</span>', html)}
    assert names, f"{letter.council}: no council name is marked in the letter's HTML"
    lines = [(page_number, line) for page_number, page in enumerate(body_lines(letter.pdf), start=1) for line in page]
    found = []
    for (page_a, a), (page_b, b) in zip(lines, lines[1:]):
        for name in names:
            words = name.split()
            for k in range(1, len(words)):
                head, tail = " ".join(words[:k]), " ".join(words[k:])
                if a.endswith(" " + head) and b.startswith(tail):
                    where = f"page {page_a}" if page_a == page_b else f"pages {page_a}-{page_b}"
                    found.append(f"{letter.council}, {where}: {a[-40:]!r} | {b[:40]!r}")
    return found


@pytest.mark.slow
def test_no_council_name_is_split_across_a_line_or_a_page(letters, edition_letters):
    split = [where for letter in [*letters, *edition_letters] for where in split_names(letter)]
    assert not split, "council names split:\n" + "\n".join(split)


@pytest.mark.slow
def test_every_page_of_every_edition_is_at_least_a_quarter_full(edition_letters):
    reasons = {letter.why for letter in edition_letters}
    assert {f"{year}, no detailed investigation" for year in EDITION_YEARS} <= reasons
    thin = [f"{describe(letter, page)}: {page.fill:.0%} full" for letter in edition_letters
            for page in read_pages(letter.pdf) if page.fill < MIN_FILL]
    assert not thin, "pages less than a quarter full:\n" + "\n".join(thin)


def _text_box(textpage, phrase: str, start: int = 0) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) of the first occurrence of ``phrase`` on the page, or None."""
    text = textpage.get_text_range(0, textpage.count_chars())
    index = text.find(phrase, start)
    if index < 0:
        return None
    boxes = [textpage.get_charbox(i) for i in range(index, index + len(phrase)) if not text[i].isspace()]
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


#: The clear gap wanted between the footer line (council, page number) and the DRAFT box below it.
MIN_DRAFT_GAP = 2 * MM


@pytest.mark.slow
def test_the_draft_box_is_clear_of_the_footer_line_on_every_page(edition_letters):
    touching = []
    for letter in edition_letters:
        document = pdfium.PdfDocument(str(letter.pdf))
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            footer, draft = _text_box(textpage, f"Page {index + 1} of"), _text_box(textpage, "DRAFT")
            assert footer and draft, f"{letter.council}, page {index + 1}: no footer or no DRAFT mark"
            # The DRAFT box: the path drawn round the DRAFT text.
            boxes = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=5)]
            around = [b for b in boxes if b[0] <= draft[0] and b[2] >= draft[2] and b[1] <= draft[1] and b[3] >= draft[3]
                      and b[3] < footer[1] + 10]
            assert around, f"{letter.council}, page {index + 1}: no box drawn round the DRAFT mark"
            gap = footer[1] - max(b[3] for b in around)
            if gap < MIN_DRAFT_GAP:
                touching.append(f"{letter.council}, page {index + 1}: {gap / MM:.1f} mm")
            textpage.close()
            page.close()
        document.close()
    assert not touching, "DRAFT box too close to the footer line:\n" + "\n".join(touching)


def _annex_table_page(pdf: Path):
    document = pdfium.PdfDocument(str(pdf))
    for index in range(len(document)):
        textpage = document[index].get_textpage()
        if _text_box(textpage, "Category") and _text_box(textpage, "Outcome"):
            return document, textpage
        textpage.close()
    document.close()
    return None, None  # one table only (no complaints received, or no decisions): nothing side by side


def _lines_of(textpage, phrase: str) -> int:
    """How many lines the first occurrence of ``phrase`` (wrapped or not) takes on the page."""
    text = textpage.get_text_range(0, textpage.count_chars())
    pattern = r"\s+".join(re.escape(word) for word in phrase.split())
    match = re.search(pattern, text)
    assert match, f"{phrase!r} not on the page"
    bottoms = sorted(textpage.get_charbox(i)[1] for i in range(match.start(), match.end()) if not text[i].isspace())
    # Descenders and brackets sit a little lower than their line's other letters; a new line is a line-height down.
    return 1 + sum(1 for above, below in zip(bottoms, bottoms[1:]) if below - above > 5)


@pytest.mark.slow
def test_the_annex_tables_line_up_and_no_label_takes_more_than_two_lines(letters, edition_letters):
    problems = []
    for letter in [*letters, *edition_letters]:
        if "nothing to report" in letter.why:
            continue
        html = letter.html.read_text(encoding="utf-8")
        tables = html.split('<section class="lgsco-tables">', 1)[1].split("</section>", 1)[0]
        labels = {" ".join(html_unescape(re.sub(r"<[^>]+>", "", label)).split())
                  for label in re.findall(r'<th scope="row">(.*?)</th>', tables)}
        document, textpage = _annex_table_page(letter.pdf)
        if document is None:
            continue
        category, outcome = _text_box(textpage, "Category"), _text_box(textpage, "Outcome")
        if abs(category[3] - outcome[3]) > 0.5:
            problems.append(f"{letter.council}: the tables' header rows are {abs(category[3] - outcome[3]) / MM:.1f} mm apart")
        problems += [f"{letter.council}: {label!r} takes {n} lines" for label in sorted(labels)
                     if (n := _lines_of(textpage, label)) > 2]
        textpage.close()
        document.close()
    assert not problems, "\n".join(problems)
