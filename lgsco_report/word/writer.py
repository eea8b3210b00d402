"""The letter's HTML sections written into the Word document: paragraphs, headings, tables, pictures, links.

Why by hand over the tree (:mod:`.html_tree`) rather than a converter: each
HTML class the letter uses has its Word meaning here, as the stylesheet gives
it in print: the sample banner goes to the page header instead, the annex
starts a new page, headings keep with what follows, tables repeat their
header row and a short one stays on one page, charts become pictures with
their alt text (``docPr descr``), and a link's address follows its words.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.text.run import Run

from ..exporters.cells import png_base64
from .html_tree import HEADING_LEVELS, INLINE_TAGS, SKIPPED_TAGS, Node, collapse_space, find_all, table_rows
from .house_style import TABLE_CAPTION_STYLE, table_look, unbreakable
from .setup import named_style

#: Widest a chart may be on the page (text width with 2.5 cm margins).
MAX_IMAGE_WIDTH = Cm(16.0)
_RUN, _HYPERLINK, _BR, _PPR = qn("w:r"), qn("w:hyperlink"), qn("w:br"), qn("w:pPr")


class Writer:
    """Walks the HTML tree of each letter section and adds Word paragraphs, tables and pictures."""

    def __init__(self, document: Any, meta: dict[str, Any]) -> None:
        self.document = document
        self.meta = meta
        self.pending: Any = None  # paragraph collecting loose inline content
        self.page_break_next = False
        section = document.sections[0]
        self.text_width = section.page_width - section.left_margin - section.right_margin
        self._style_ids: dict[str, str] = {}  # python-docx looks styles up by scanning them all: once each
        # A council's name never breaks over a line, so never over a page ("Kent | County Council").
        self.unbreakable_names = tuple(n for n in (meta.get("council"),) if n and " " in n)

    def style_id(self, name: str) -> str:
        if name not in self._style_ids:
            self._style_ids[name] = named_style(self.document, name).style_id
        return self._style_ids[name]

    # -- blocks
    def blocks(self, node: Node, container: Any = None) -> None:
        container = container if container is not None else self.document
        for child in node.children:
            if isinstance(child, str):
                if child.strip() or self.pending is not None:
                    self._inline_into(self._pending(container), child)
                continue
            if child.tag in SKIPPED_TAGS:
                continue
            if child.tag in INLINE_TAGS:
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
        if tag in HEADING_LEVELS:
            level = min(HEADING_LEVELS[tag], 4)
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
        style = {"figcaption": "Caption", "caption": TABLE_CAPTION_STYLE, "blockquote": "Quote"}.get(node.tag)
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
            text = collapse_space(child)
            if _after_line_break(paragraph):
                text = text.lstrip(" ")
            if text and not (text == " " and not paragraph.runs):
                self._run(paragraph, text, **fmt)
            return
        tag = child.tag
        if tag in SKIPPED_TAGS:
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
        run = paragraph.add_run(unbreakable(text, self.unbreakable_names) if self.unbreakable_names else text)
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
        text = collapse_space(node.text()).strip()
        if not href.startswith(("http://", "https://", "mailto:")):
            self._run(paragraph, text, **fmt)
            return
        part = self.document.part
        r_id = part.relate_to(href, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True)
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), r_id)
        run = self._run(paragraph, text or href, **fmt)
        run.font.underline = True
        run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)  # letter.css's link colour
        run._r.getparent().remove(run._r)
        hyperlink.append(run._r)
        paragraph._p.append(hyperlink)
        if text and text != href and not href.startswith("mailto:"):
            self._run(paragraph, f" ({href})", **fmt)

    # -- tables
    def table(self, node: Node, container: Any) -> None:
        caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
        if caption is not None:
            paragraph = self._paragraph(container, TABLE_CAPTION_STYLE)
            self.inline(paragraph, caption)
            paragraph.paragraph_format.keep_with_next = True
        rows = table_rows(node)
        if not rows:
            return
        width = max(sum(int(cell.attrs.get("colspan", "1") or 1) for cell in cells) for _, cells in rows)
        table = container.add_table(rows=0, cols=width)
        table_look(table, header=any(g == "thead" for g, _ in rows), total=any(g == "tfoot" for g, _ in rows))
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
        images = find_all(node, "img")
        for image in images:
            paragraph = self._paragraph(container)
            paragraph.paragraph_format.keep_with_next = True
            self.picture(paragraph, image)
        for caption in find_all(node, "figcaption"):
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
    return base64.b64decode(png_base64(match.group(2)))



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
            text = collapse_space(cell.text()).strip()
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

