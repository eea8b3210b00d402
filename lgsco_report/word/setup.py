"""The Word document around the letter: the base document, styles, A4 page set-up, header, footer, properties.

Why apart from the writer: this is what an office changes through its
reference document (``reference_docx`` in the year's parameters; its styles,
margins, header and footer are kept, its body emptied; without one, the house
style of :mod:`.house_style`), and what every letter
carries whatever its content: the sample or DRAFT banner in the page header
(every page, like the printed letter), the council and "Page N of M" in the
footer, and the core properties (the recorded generation time, so the bytes
are the same for the same letter). The words come from ``templates/documents/``.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from ..documents import DEFAULT_SAMPLE_BANNER
from ..errors import ReferenceDocxError
from ..exporters.sentences import sentence
from .house_style import add_missing_styles, apply_house_style

#: A4, portrait.
PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
#: Stand-ins for the page fields in the footer's sentence, split out again to place the fields.
_PAGE, _PAGES = "\x00PAGE\x00", "\x00NUMPAGES\x00"


def named_style(document: Any, name: str, base: str = "Normal", kind: Any = WD_STYLE_TYPE.PARAGRAPH) -> Any:
    """The named style, created from ``base`` when the (reference) document lacks it."""
    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, kind)
        if kind == WD_STYLE_TYPE.PARAGRAPH:
            style.base_style = document.styles[base]
        return style



def new_document(reference: Path | None) -> Any:
    """A fresh document: the office's reference .docx with its body emptied, or python-docx's default."""
    if reference is None:
        document = docx.Document()
        apply_house_style(document)  # the printed letter's look (house_style.py)
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
    add_missing_styles(document)
    return document


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
        banner.style = named_style(document, "Sample Banner")
        words = [meta.get("banner") or DEFAULT_SAMPLE_BANNER] if meta.get("is_sample") else []
        if meta.get("draft"):
            words.insert(0, meta.get("draft_mark") or "DRAFT")
        banner.add_run(" - ".join(words)).bold = True
    footer = _first_free_paragraph(section.footer)
    footer.style = named_style(document, "Footer")
    width = section.page_width - section.left_margin - section.right_margin
    tabs = footer.paragraph_format.tab_stops
    for inherited in footer.style.paragraph_format.tab_stops:  # the style's centre tab would catch "Page"
        tabs.add_tab_stop(inherited.position, alignment=WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(width, alignment=WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(meta.get("council") or meta.get("title") or "")
    _page_numbers(footer)


def _page_numbers(footer: Any) -> None:
    """After a tab, "Page N of M" from its template, with Word's PAGE and NUMPAGES fields for the numbers."""
    words = sentence("word_page_numbers", page=_PAGE, pages=_PAGES)
    parts = re.split(f"({re.escape(_PAGE)}|{re.escape(_PAGES)})", words)
    parts[0] = "\t" + parts[0]
    for part in parts:
        if part == _PAGE:
            _add_field(footer, "PAGE", "1")
        elif part == _PAGES:
            _add_field(footer, "NUMPAGES", "1")
        elif part:
            footer.add_run(part)


def _core_properties(document: Any, meta: dict[str, Any]) -> None:
    props = document.core_properties
    props.title = meta.get("title") or ""
    props.subject = meta.get("subject") or ""
    props.author = meta.get("author") or ""
    props.language = meta.get("lang") or "en-GB"
    category = sentence("word_category", kind=meta.get("kind"))
    # The category is a keyword too, in lower case.
    keywords = [meta.get("council"), str(meta["year"]) if meta.get("year") else None, category.lower()]
    if meta.get("is_sample"):
        keywords.append("SAMPLE DATA")
    props.keywords = "; ".join(k for k in keywords if k)
    props.category = category
    props.comments = sentence("word_comments")
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



def document_for(reference: Path | None, meta: dict[str, Any]) -> Any:
    """The document a letter is written into: base document, A4 page, language, header, footer, properties."""
    document = new_document(reference)
    section = _page_setup(document, reference is not None)
    _set_language(document, meta.get("lang") or "en-GB")
    _header_footer(document, section, meta)
    _core_properties(document, meta)
    return document
