"""Word (.docx) letters and reports built from an executed notebook's outputs.

Why python-docx, building from the letter's HTML sections: the notebook's
display outputs are the letter (each section one ``text/html`` output, charts
as ``<figure><img alt>``), so parsing that HTML with the standard library's
``html.parser`` gives the same words and figures as the HTML and PDF letters,
while python-docx writes real Word structure: heading styles, tables with a
repeating header row, pictures with alt text (``docPr descr``), "Page N of M"
fields, A4 sections and core properties. It is pure Python, in process, and
opens an office's reference document as the base, so an office restyles the
letter in Word without touching code (like Quarto's ``reference-doc``).

The sample banner goes in the page header (every page, like the printed
letter); the council's name and the page number in the footer. Bytes are
deterministic: the zip entries carry a fixed time and the core properties the
letter's recorded generation time.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.text.run import Run
from nbformat import NotebookNode

from .documents import DEFAULT_SAMPLE_BANNER, raw_document_metadata, read_document_metadata
from .exporters.cells import LetterCleanupPreprocessor, png_base64
from .errors import LgscoReportError

__all__ = ["DOCX_MIMETYPE", "ReferenceDocxError", "build_docx", "notebook_to_docx", "reference_docx_for"]

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: A4, portrait.
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
#: Widest a chart may be on the page (text width with 2.5 cm margins).
MAX_IMAGE_WIDTH = Cm(16.0)
#: Fixed zip entry time: same letter, same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)

_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "col", "wbr", "source"})
_INLINE = frozenset({
    "a", "abbr", "b", "strong", "i", "em", "span", "code", "small", "sub", "sup", "br", "time",
    "cite", "q", "mark", "u", "s", "kbd", "var", "data", "bdi", "wbr", "img",
})
_SKIPPED = frozenset({"script", "style", "template", "head", "title", "noscript", "svg", "button"})
_RUN, _HYPERLINK, _BR, _PPR = qn("w:r"), qn("w:hyperlink"), qn("w:br"), qn("w:pPr")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class ReferenceDocxError(LgscoReportError, ValueError):
    """The office's reference .docx cannot be used; the message names the file."""


# --------------------------------------------------------------------------- a small HTML tree


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Any] = field(default_factory=list)  # Node or str

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else ("\n" if c.tag == "br" else c.text()) for c in self.children)


class _TreeBuilder(HTMLParser):
    """HTML text to a :class:`Node` tree; forgiving about unclosed tags, never runs anything."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v or "") for k, v in attrs})
        if tag == "p" and self.stack[-1].tag == "p":  # <p> closes an open <p>
            self.stack.pop()
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- document set-up


def _style(document: Any, name: str, base: str = "Normal", kind: Any = WD_STYLE_TYPE.PARAGRAPH) -> Any:
    """The named style, created from ``base`` when the (reference) document lacks it."""
    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, kind)
        if kind == WD_STYLE_TYPE.PARAGRAPH:
            style.base_style = document.styles[base]
        return style


def _new_document(reference: Path | None) -> Any:
    """A fresh document: the office's reference .docx with its body emptied, or python-docx's default."""
    if reference is None:
        document = docx.Document()
        _default_look(document)
        return document
    try:
        document = docx.Document(str(reference))
    except Exception as exc:  # noqa: BLE001 - python-docx raises several kinds for a bad file
        raise ReferenceDocxError(
            f"{reference}: not a usable Word document ({type(exc).__name__}: {exc}); "
            "fix or remove 'reference_docx' in the year's parameters"
        ) from None
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep the page set-up, headers and footers
            body.remove(child)
    return document


def _default_look(document: Any) -> None:
    """The letter's look when no reference document is given: Arial, black headings."""
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    for level, size in ((1, 16), (2, 13), (3, 11)):
        heading = document.styles[f"Heading {level}"]
        heading.font.name = "Arial"
        heading.font.size = Pt(size)
        heading.font.color.rgb = RGBColor(0, 0, 0)
        heading.font.bold = True
    letterhead = _style(document, "Letterhead")
    letterhead.font.size = Pt(14)
    letterhead.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    letterhead.paragraph_format.space_after = Pt(18)
    banner = _style(document, "Sample Banner")
    banner.font.bold = True
    banner.font.color.rgb = RGBColor(0xA0, 0, 0)
    banner.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _set_language(document: Any, lang: str) -> None:
    """Spell-check language for every run (``w:lang`` in the document defaults)."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        return
    rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    element = rpr.find(qn("w:lang"))
    if element is None:
        element = OxmlElement("w:lang")
        rpr.append(element)
    element.set(qn("w:val"), lang)


def _page_setup(document: Any, has_reference: bool) -> Any:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    if not has_reference:
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    return section


def _add_field(paragraph: Any, instruction: str, placeholder: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``): begin, instruction, separate, shown value, end."""
    def fld_char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run = paragraph.add_run()
    run._r.append(fld_char("begin"))
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    paragraph.add_run()._r.append(fld_char("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(fld_char("end"))


def _first_free_paragraph(part: Any) -> Any:
    """The header's or footer's empty first paragraph, or a new one after what a reference put there."""
    paragraphs = part.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].text and not paragraphs[0]._p.xpath(".//w:drawing"):
        return paragraphs[0]
    return part.add_paragraph()


def _header_footer(document: Any, section: Any, meta: dict[str, Any]) -> None:
    """Sample banner (every page) in the header; council and "Page N of M" in the footer."""
    section.header.is_linked_to_previous = False
    section.footer.is_linked_to_previous = False
    if meta.get("is_sample") or meta.get("draft"):
        banner = _first_free_paragraph(section.header)
        banner.style = _style(document, "Sample Banner")
        words = [meta.get("banner") or DEFAULT_SAMPLE_BANNER] if meta.get("is_sample") else []
        if meta.get("draft"):
            words.insert(0, meta.get("draft_mark") or "DRAFT")
        banner.add_run(" - ".join(words)).bold = True
    footer = _first_free_paragraph(section.footer)
    footer.style = _style(document, "Footer")
    width = section.page_width - section.left_margin - section.right_margin
    tabs = footer.paragraph_format.tab_stops
    for inherited in footer.style.paragraph_format.tab_stops:  # the style's centre tab would catch "Page"
        tabs.add_tab_stop(inherited.position, alignment=WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(width, alignment=WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(meta.get("council") or meta.get("title") or "")
    footer.add_run("\tPage ")
    _add_field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _add_field(footer, "NUMPAGES", "1")


def _core_properties(document: Any, meta: dict[str, Any]) -> None:
    props = document.core_properties
    props.title = meta.get("title") or ""
    props.subject = meta.get("subject") or ""
    props.author = meta.get("author") or ""
    props.language = meta.get("lang") or "en-GB"
    keywords = [meta.get("council"), str(meta["year"]) if meta.get("year") else None,
                "annual review letter" if meta.get("kind") == "letter" else "annual review report"]
    if meta.get("is_sample"):
        keywords.append("SAMPLE DATA")
    props.keywords = "; ".join(k for k in keywords if k)
    props.category = "Annual review letter" if meta.get("kind") == "letter" else "Annual review report"
    props.comments = "Made by lgsco-report"
    props.last_modified_by = "lgsco-report"
    props.revision = 1
    when = _generated_time(meta.get("generated_at"))
    props.created = props.modified = when
    props.last_printed = when


def _generated_time(text: Any) -> _dt.datetime:
    """The letter's recorded generation time (naive UTC, as core properties want); a fixed date without one."""
    try:
        value = _dt.datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return _dt.datetime(2000, 1, 1)
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return value


# --------------------------------------------------------------------------- HTML to Word


class _Writer:
    """Walks the HTML tree of each letter section and adds Word paragraphs, tables and pictures."""

    def __init__(self, document: Any, meta: dict[str, Any]) -> None:
        self.document = document
        self.meta = meta
        self.pending: Any = None  # paragraph collecting loose inline content
        self.page_break_next = False
        section = document.sections[0]
        self.text_width = section.page_width - section.left_margin - section.right_margin
        self._style_ids: dict[str, str] = {}  # python-docx looks styles up by scanning them all: once each

    def style_id(self, name: str) -> str:
        if name not in self._style_ids:
            self._style_ids[name] = _style(self.document, name).style_id
        return self._style_ids[name]

    # -- blocks
    def blocks(self, node: Node, container: Any = None) -> None:
        container = container if container is not None else self.document
        for child in node.children:
            if isinstance(child, str):
                if child.strip() or self.pending is not None:
                    self._inline_into(self._pending(container), child)
                continue
            if child.tag in _SKIPPED:
                continue
            if child.tag in _INLINE:
                self._inline_into(self._pending(container), child)
                continue
            self.pending = None
            self.block(child, container)
        self.pending = None

    def _pending(self, container: Any) -> Any:
        if self.pending is None:
            self.pending = self._paragraph(container)
        return self.pending

    def _paragraph(self, container: Any, style: str | None = None) -> Any:
        paragraph = container.add_paragraph()
        if style:
            paragraph._p.style = self.style_id(style)
        if self.page_break_next:
            paragraph.paragraph_format.page_break_before = True
            self.page_break_next = False
        return paragraph

    def block(self, node: Node, container: Any) -> None:
        tag, classes = node.tag, node.classes
        if "lgsco-sample-banner" in classes:
            return  # in the page header instead, on every page
        if "lgsco-annex" in classes:
            self.page_break_next = True  # the annex starts on a new page, as in print
        if tag in _HEADINGS:
            level = min(_HEADINGS[tag], 4)
            heading = self._paragraph(container, f"Heading {level}")
            self.inline(heading, node)
            heading.paragraph_format.keep_with_next = True
        elif tag == "header" and "lgsco-letterhead" in classes:
            for part in (c for c in node.children if isinstance(c, Node)):
                self.inline(self._paragraph(container, "Letterhead"), part)
        elif tag == "address":
            paragraph = self._paragraph(container, "Addressee" if "lgsco-addressee" in classes else None)
            self.inline(paragraph, node)
        elif tag == "p" or tag in ("dt", "dd", "figcaption", "caption", "blockquote", "pre"):
            self.paragraph_block(node, container)
        elif tag == "table":
            self.table(node, container)
        elif tag == "figure":
            self.figure(node, container)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in (c for c in node.children if isinstance(c, Node) and c.tag == "li"):
                self.inline(self._paragraph(container, style), item)
        elif tag == "hr":
            return
        else:  # section, div, main, dl, li, article...: their children are blocks
            self.blocks(node, container)

    def paragraph_block(self, node: Node, container: Any) -> None:
        style = {"figcaption": "Caption", "caption": "Caption", "blockquote": "Quote"}.get(node.tag)
        paragraph = self._paragraph(container, style)
        if node.tag == "dt":
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.space_after = Pt(0)
            self.inline(paragraph, node, bold=True)
            return
        if node.tag == "dd":
            paragraph.paragraph_format.left_indent = Cm(0.75)
        if {"lgsco-date", "lgsco-signoff"} & node.classes:
            paragraph.paragraph_format.keep_with_next = True
        self.inline(paragraph, node)

    # -- inline content
    def inline(self, paragraph: Any, node: Node, **fmt: Any) -> None:
        for child in node.children:
            self._inline_into(paragraph, child, **fmt)
        _trim_runs(paragraph)

    def _inline_into(self, paragraph: Any, child: Any, **fmt: Any) -> None:
        if isinstance(child, str):
            text = _collapse(child)
            if _after_line_break(paragraph):
                text = text.lstrip(" ")
            if text and not (text == " " and not paragraph.runs):
                self._run(paragraph, text, **fmt)
            return
        tag = child.tag
        if tag in _SKIPPED:
            return
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag in ("strong", "b"):
            self.inline_children(paragraph, child, **{**fmt, "bold": True})
        elif tag in ("em", "i", "cite"):
            self.inline_children(paragraph, child, **{**fmt, "italic": True})
        elif tag in ("code", "kbd", "var"):
            self.inline_children(paragraph, child, **{**fmt, "mono": True})
        elif tag == "a":
            self.link(paragraph, child, **fmt)
        elif tag == "img":
            self.picture(paragraph, child)
        else:
            self.inline_children(paragraph, child, **fmt)

    def inline_children(self, paragraph: Any, node: Node, **fmt: Any) -> None:
        for child in node.children:
            self._inline_into(paragraph, child, **fmt)

    def _run(self, paragraph: Any, text: str, bold: bool = False, italic: bool = False, mono: bool = False) -> Any:
        run = paragraph.add_run(text)
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        if mono:
            run.font.name = "Courier New"
        return run

    def link(self, paragraph: Any, node: Node, **fmt: Any) -> None:
        """A clickable link; the address is printed after the words when they differ (as in print)."""
        href = node.attrs.get("href", "")
        text = _collapse(node.text()).strip()
        if not href.startswith(("http://", "https://", "mailto:")):
            self._run(paragraph, text, **fmt)
            return
        part = self.document.part
        r_id = part.relate_to(href, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True)
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), r_id)
        run = self._run(paragraph, text or href, **fmt)
        run.font.underline = True
        run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x9A)
        run._r.getparent().remove(run._r)
        hyperlink.append(run._r)
        paragraph._p.append(hyperlink)
        if text and text != href and not href.startswith("mailto:"):
            self._run(paragraph, f" ({href})", **fmt)

    # -- tables
    def table(self, node: Node, container: Any) -> None:
        caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
        if caption is not None:
            paragraph = self._paragraph(container, "Caption")
            self.inline(paragraph, caption)
            paragraph.paragraph_format.keep_with_next = True
        rows = _table_rows(node)
        if not rows:
            return
        width = max(sum(int(cell.attrs.get("colspan", "1") or 1) for cell in cells) for _, cells in rows)
        table = container.add_table(rows=0, cols=width)
        with_grid = _table_style(self.document)
        if with_grid is not None:
            table.style = with_grid
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        for group, cells in rows:
            row = table.add_row()
            _cant_split(row)
            if group == "thead":
                _repeat_as_header(row)
            column = 0
            for cell_node in cells:
                span = max(1, int(cell_node.attrs.get("colspan", "1") or 1))
                cell = row.cells[column]
                if span > 1 and column + span - 1 < width:
                    cell = cell.merge(row.cells[column + span - 1])
                paragraph = cell.paragraphs[0]
                if {"num", "lgsco-number"} & cell_node.classes:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                self.inline(paragraph, cell_node, bold=cell_node.tag == "th" or group == "thead")
                column += span
        _column_widths(table, rows, width, self.text_width)
        if width > WIDE_TABLE_COLUMNS:
            for run in table._tbl.iter(qn("w:r")):
                Run(run, table).font.size = Pt(WIDE_TABLE_POINTS)
        _keep_together(table)

    # -- figures
    def figure(self, node: Node, container: Any) -> None:
        images = _find(node, "img")
        for image in images:
            paragraph = self._paragraph(container)
            paragraph.paragraph_format.keep_with_next = True
            self.picture(paragraph, image)
        for caption in _find(node, "figcaption"):
            paragraph = self._paragraph(container, "Caption")
            self.inline(paragraph, caption)

    def picture(self, paragraph: Any, node: Node) -> None:
        data = _image_bytes(node.attrs.get("src", ""))
        if data is None:
            alt = node.attrs.get("alt", "")
            if alt:
                self._run(paragraph, f"[{alt}]")
            return
        add_picture(paragraph, data, node.attrs.get("alt", ""))


def add_picture(paragraph: Any, png: bytes, alt: str) -> Any:
    """An inline picture at most :data:`MAX_IMAGE_WIDTH` wide, its alt text in ``docPr descr``."""
    run = paragraph.add_run()
    shape = run.add_picture(io.BytesIO(png))
    if shape.width > MAX_IMAGE_WIDTH:
        ratio = MAX_IMAGE_WIDTH / shape.width
        shape.width, shape.height = Emu(int(MAX_IMAGE_WIDTH)), Emu(int(shape.height * ratio))
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", alt)
    doc_pr.set("title", alt.split(". ")[0][:120] if alt else "")
    return shape


def _image_bytes(src: str) -> bytes | None:
    """PNG/JPEG bytes of a ``data:`` URL (the only images a letter has); None for anything else."""
    match = re.match(r"^data:image/(png|jpeg);base64,(.*)$", src, re.S)
    if not match:
        return None
    import base64

    return base64.b64decode(png_base64(match.group(2)))


def _find(node: Node, tag: str) -> list[Node]:
    found: list[Node] = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                found.append(child)
            else:
                found.extend(_find(child, tag))
    return found


def _table_rows(table: Node) -> list[tuple[str, list[Node]]]:
    """(group, cells) for each ``<tr>`` in order: thead first, then tbody rows, then tfoot."""
    groups: dict[str, list[tuple[str, list[Node]]]] = {"thead": [], "tbody": [], "tfoot": []}

    def collect(node: Node, group: str) -> None:
        for child in node.children:
            if not isinstance(child, Node):
                continue
            if child.tag in groups:
                collect(child, child.tag)
            elif child.tag == "tr":
                cells = [c for c in child.children if isinstance(c, Node) and c.tag in ("th", "td")]
                if cells:
                    groups[group].append((group, cells))

    collect(table, "tbody")
    return groups["thead"] + groups["tbody"] + groups["tfoot"]


def _table_style(document: Any) -> Any:
    for name in ("Table Grid", "Light Grid Accent 1"):
        try:
            return document.styles[name]
        except KeyError:
            continue
    return None


def _repeat_as_header(row: Any) -> None:
    """Mark a table row to repeat at the top of each page (``w:tblHeader``)."""
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


#: Tables with more columns than this are set in :data:`WIDE_TABLE_POINTS` type, as the HTML report's are.
WIDE_TABLE_COLUMNS = 4
WIDE_TABLE_POINTS = 8.5
#: Average width of a character, in ems (bold table text), and a cell's left + right padding.
CHARACTER_EMS = 0.55
CELL_PADDING = Cm(0.38)


def _column_widths(table: Any, rows: list[tuple[str, list[Node]]], columns: int, text_width: int) -> None:
    """Share the text width by what each column holds, so no word is broken across lines.

    Each column first gets room for its longest word (equal columns would split
    "Compliance" into "Complian ce"); what is left goes to the columns whose
    text is longer, up to 30 characters' worth each.
    """
    least, wish = [3.0] * columns, [3.0] * columns
    for _, cells in rows:
        if len(cells) != columns:
            continue  # spanned rows say nothing about one column
        for index, cell in enumerate(cells):
            text = _collapse(cell.text()).strip()
            longest = max((len(word) for word in text.split()), default=0) + 1.5
            least[index] = max(least[index], longest)
            wish[index] = max(wish[index], longest, min(len(text) + 1.5, 30.0))
    points = WIDE_TABLE_POINTS if columns > WIDE_TABLE_COLUMNS else 11.0
    capacity = (text_width - columns * CELL_PADDING) / Pt(points * CHARACTER_EMS)
    spare = capacity - sum(least)
    extra = sum(wish) - sum(least)
    if spare <= 0 or extra <= 0:
        shares = least if spare <= 0 else wish
    else:
        shares = [lo + (hi - lo) * min(1.0, spare / extra) for lo, hi in zip(least, wish)]
    total = sum(shares)
    widths = [Emu(int(text_width * share / total)) for share in shares]
    table.autofit = False
    for row in table.rows:
        for index, cell in enumerate(row.cells[:columns]):
            cell.width = widths[index]
    for index, column in enumerate(table.columns):
        column.width = widths[index]


#: Tables up to this many rows are kept on one page, as the printed letter keeps them.
KEEP_TOGETHER_ROWS = 25


def _keep_together(table: Any) -> None:
    """Keep a short table on one page: every row's paragraphs keep with the next, except the last row's."""
    rows = table.rows
    if len(rows) > KEEP_TOGETHER_ROWS:
        return
    for row in list(rows)[:-1]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _cant_split(row: Any) -> None:
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _after_line_break(paragraph: Any) -> bool:
    """True at the start of a paragraph or just after a ``<br>``: no leading space there."""
    last = paragraph._p[-1] if len(paragraph._p) else None
    if last is not None and last.tag == _HYPERLINK:
        last = last[-1] if len(last) else None
    if last is None or last.tag not in (_RUN, _HYPERLINK):
        return last is None or last.tag == _PPR
    return len(last) > 0 and last[-1].tag == _BR


def _trim_runs(paragraph: Any) -> None:
    """No leading or trailing spaces from the HTML's line breaks."""
    texts = paragraph._p.xpath("./w:r/w:t | ./w:hyperlink/w:r/w:t")
    if texts:
        texts[0].text = (texts[0].text or "").lstrip(" ")
        texts[-1].text = (texts[-1].text or "").rstrip(" ")


# --------------------------------------------------------------------------- notebook to document


def _letter_outputs(nb: NotebookNode) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The outputs that make the letter, in order, and its document metadata (cleaned as for HTML)."""
    resources: dict[str, Any] = {}
    # A letter prints only its cells tagged 'letter'; a report prints every cell (exporters' contract).
    kind = read_document_metadata(nb).get("kind", "letter")
    cleanup = LetterCleanupPreprocessor(kind="report" if kind == "report" else "letter")
    clean, resources = cleanup.preprocess(copy.deepcopy(nb), resources)
    outputs = []
    for cell in clean.cells:
        if cell.cell_type == "markdown":
            outputs.append({"markdown": cell.source})
        elif cell.cell_type == "code":
            outputs.extend({"output": output} for output in cell.outputs)
    return outputs, resources["lgsco_document"]


def _has_draft_mark(outputs: list[dict[str, Any]]) -> bool:
    return any("lgsco-draft" in str(o.get("output", {}).get("data", {}).get("text/html", "")) for o in outputs)


def notebook_to_docx(nb: NotebookNode, reference_docx: Path | str | None = None) -> bytes:
    """The executed notebook as .docx bytes (letter or report, from its document metadata)."""
    outputs, meta = _letter_outputs(nb)
    meta = dict(meta)
    meta.setdefault("year", _metadata_extra(nb, "year"))
    meta.setdefault("generated_at", _metadata_extra(nb, "generated_at"))
    meta["draft"] = bool(_metadata_extra(nb, "draft")) or _has_draft_mark(outputs)
    return build_docx(outputs, meta, Path(reference_docx) if reference_docx else None)


def _metadata_extra(nb: NotebookNode, key: str) -> Any:
    """A key of the raw document-metadata output that the exporters' cleaned copy leaves out."""
    return raw_document_metadata(nb).get(key)


def build_docx(outputs: list[dict[str, Any]], meta: dict[str, Any], reference: Path | None = None) -> bytes:
    """Word bytes from letter outputs (``{"output": nbformat output}`` / ``{"markdown": text}``)."""
    if reference is not None and not reference.is_file():
        raise ReferenceDocxError(f"reference document {reference} not found; fix 'reference_docx' in the year's parameters")
    meta = {**meta, "banner": meta.get("banner") or _banner_text(outputs)}
    document = _new_document(reference)
    section = _page_setup(document, reference is not None)
    _set_language(document, meta.get("lang") or "en-GB")
    _header_footer(document, section, meta)
    _core_properties(document, meta)
    writer = _Writer(document, meta)
    for item in outputs:
        if "markdown" in item:
            from nbconvert.filters import markdown2html

            writer.blocks(parse_html(markdown2html(item["markdown"])))
            continue
        data = item["output"].get("data", {})
        if "text/html" in data:
            writer.blocks(parse_html(str(data["text/html"])))
        elif "image/png" in data:
            png_meta = item["output"].get("metadata", {}).get("image/png", {})
            import base64

            paragraph = document.add_paragraph()
            add_picture(paragraph, base64.b64decode(png_base64(data["image/png"])),
                        png_meta.get("alt") or item["output"].get("metadata", {}).get("alt") or "")
            if png_meta.get("caption"):
                document.add_paragraph(str(png_meta["caption"]), style=_style(document, "Caption"))
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _banner_text(outputs: list[dict[str, Any]]) -> str | None:
    """The words of the letter's own sample banner (``.lgsco-sample-banner``), for the page header."""
    def search(node: Node) -> str | None:
        for child in node.children:
            if isinstance(child, Node):
                if "lgsco-sample-banner" in child.classes:
                    return _collapse(child.text()).strip()
                found = search(child)
                if found:
                    return found
        return None

    for item in outputs:
        html = str(item.get("output", {}).get("data", {}).get("text/html", ""))
        if "lgsco-sample-banner" in html:
            return search(parse_html(html))
    return None


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times and order: same letter, same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            # Pictures are compressed already: storing them saves time and nothing in size.
            fixed.compress_type = zipfile.ZIP_STORED if info.filename.endswith(".png") else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def reference_docx_for(nb: NotebookNode) -> Path | None:
    """The office's reference .docx named by ``reference_docx`` in the year's parameters, if any.

    The parameters file is the one the notebook ran with (papermill's recorded
    ``params_file``), else ``parameters/<year>.yaml``.
    """
    from .yearparams import YearParametersError, load_year_parameters

    parameters = (nb.metadata.get("papermill") or {}).get("parameters") or {}
    year = parameters.get("year") or _metadata_extra(nb, "year")
    if not year:
        return None
    try:
        params = load_year_parameters(year, parameters.get("params_file") or None)
    except (YearParametersError, ValueError):
        return None
    name = getattr(params, "reference_docx", None)
    if not name:
        return None
    base = params.source.parent if params.source else Path.cwd()
    return (base / name).resolve()
