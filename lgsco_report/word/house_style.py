"""The Word letter's house style: the printed letter's font, colours, sizes, captions and tables.

Why one place: the PDF takes its look from ``letter.css``; Word cannot read CSS,
so the same choices are written here as Word styles, and a change to one
should be made to the other. Word does not embed fonts, so the letter names
Arial, which every Word has and whose metrics Liberation Sans (the PDF's
carried font) copies: lines break in the same places. Everything sits in
styles, not on each run, so an office's reference document (or a reader in
Word) restyles the letter by editing them; the base font, size and spacing go
into the document defaults, where Word lets a table style override them.
Without a reference document :func:`apply_house_style` sets all of it; with one,
:func:`add_missing_styles` adds only the styles it lacks.
"""

from __future__ import annotations

from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor

#: letter.css's colours (text, headings and rules, muted text, table rules, header and band fills).
TEXT, HEADING, MUTED, RULE = "1B1B1B", "1F4E79", "4A4A4A", "9AA5B1"
HEADER_FILL, BAND_FILL = "E7EEF5", "F5F7FA"
#: Word's font for the letter: Liberation Sans's metric twin (the PDF's font); Courier New for code.
FONT, MONO_FONT = "Arial", "Courier New"
#: Sizes in points, as letter.css: body, tables, figure captions, footer.
BODY_POINTS, TABLE_POINTS, CAPTION_POINTS, FOOTER_POINTS = 10.5, 9.5, 9.0, 8.5
#: letter.css's h1-h3 (h4 as h3): size, space before and after in points. Word adds a
#: paragraph's space after to the next one's space before where CSS margins collapse,
#: so "before" is the CSS margin less the body's :data:`PARAGRAPH_AFTER`.
HEADINGS = {1: (17.0, 0.0, 11.0), 2: (13.0, 12.0, 7.0), 3: (11.0, 6.0, 6.0), 4: (11.0, 6.0, 6.0)}
#: Space after a paragraph (2.8 mm) and the line height (CSS 1.45 of the font size is about 1.25 Word lines).
PARAGRAPH_AFTER, LINE_SPACING = 8.0, 1.25
#: The style of the letter's tables and of their captions (figure captions keep Word's "Caption").
TABLE_STYLE, TABLE_CAPTION_STYLE = "LGSCO Table", "Table Caption"

#: letter.css's tables: a 0.6 pt rule under each row, none down the sides, a shaded bold
#: header row, every second body row shaded, a bold total row under a 1 pt rule.
#: Cell margins 1.2 mm above and below, 1.9 mm at the sides (the writer's CELL_PADDING).
_TABLE_STYLE_XML = f"""<w:style {nsdecls('w')} w:type="table" w:customStyle="1" w:styleId="LGSCOTable">
<w:name w:val="{TABLE_STYLE}"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>
<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
<w:rPr><w:color w:val="{TEXT}"/><w:sz w:val="{int(TABLE_POINTS * 2)}"/><w:szCs w:val="{int(TABLE_POINTS * 2)}"/></w:rPr>
<w:tblPr><w:tblStyleRowBandSize w:val="1"/><w:tblInd w:w="0" w:type="dxa"/>
<w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/>
<w:bottom w:val="single" w:sz="5" w:space="0" w:color="{RULE}"/><w:right w:val="nil"/>
<w:insideH w:val="single" w:sz="5" w:space="0" w:color="{RULE}"/><w:insideV w:val="nil"/></w:tblBorders>
<w:tblCellMar><w:top w:w="68" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>
<w:bottom w:w="68" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>
<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>
<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr></w:tblStylePr>
<w:tblStylePr w:type="lastRow"><w:rPr><w:b/><w:bCs/></w:rPr>
<w:tcPr><w:tcBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="{TEXT}"/></w:tcBorders>
<w:shd w:val="clear" w:color="auto" w:fill="FFFFFF"/></w:tcPr></w:tblStylePr>
<w:tblStylePr w:type="band2Horz"><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{BAND_FILL}"/></w:tcPr></w:tblStylePr>
</w:style>"""


def _style(document: Any, name: str, base: str = "Normal") -> Any:
    """The named paragraph style, created from ``base`` when the document lacks it."""
    try:
        return document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles[base]
        return style


def _plain_fonts(rpr: Any, name: str) -> None:
    """``w:rFonts`` naming ``name`` for every script, without the theme fonts that Word lets override it."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        if attribute.endswith("Theme") or attribute == qn("w:cstheme"):
            del fonts.attrib[attribute]
    for script in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{script}"), name)


def _font(style: Any, points: float | None = None, colour: str | None = None, bold: bool | None = None) -> None:
    """Arial (no theme font), and the size, colour and weight given, on a style."""
    _plain_fonts(style.element.get_or_add_rPr(), FONT)
    if points is not None:
        style.font.size = Pt(points)
    if colour is not None:
        style.font.color.rgb = RGBColor.from_string(colour)
    if bold is not None:
        style.font.bold = bold


def _document_defaults(document: Any) -> None:
    """Arial 10.5 pt in the letter's text colour, 8 pt after each paragraph, 1.25 lines: Word's defaults here."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    _plain_fonts(rpr, FONT)
    for tag, value in (("w:sz", BODY_POINTS * 2), ("w:szCs", BODY_POINTS * 2)):
        element = rpr.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            rpr.append(element)
        element.set(qn("w:val"), str(int(value)))
    spacing = defaults.find(qn("w:pPrDefault") + "/" + qn("w:pPr") + "/" + qn("w:spacing"))
    spacing.set(qn("w:after"), str(int(PARAGRAPH_AFTER * 20)))
    spacing.set(qn("w:line"), str(int(LINE_SPACING * 240)))
    spacing.set(qn("w:lineRule"), "auto")


def _normal(document: Any) -> None:
    """Normal takes everything from the document defaults but the text colour (so table styles can apply)."""
    normal = document.styles["Normal"]
    rpr = normal.element.get_or_add_rPr()
    for tag in ("w:rFonts", "w:sz", "w:szCs"):
        for element in rpr.findall(qn(tag)):
            rpr.remove(element)
    ppr = normal.element.pPr
    if ppr is not None and ppr.find(qn("w:spacing")) is not None:
        ppr.remove(ppr.find(qn("w:spacing")))
    normal.font.color.rgb = RGBColor.from_string(TEXT)


def _headings(document: Any) -> None:
    """Headings 1-4 in the PDF's blue, sizes and spacing, bold, kept with what follows."""
    for level, (points, before, after) in HEADINGS.items():
        heading = _style(document, f"Heading {level}")
        _font(heading, points, HEADING, bold=True)
        heading.paragraph_format.space_before = Pt(before)
        heading.paragraph_format.space_after = Pt(after)
        heading.paragraph_format.keep_with_next = True


def _captions(document: Any) -> None:
    """Figure captions small and grey under the chart; table captions bold, dark, above and kept with the table."""
    caption = _style(document, "Caption")
    _font(caption, CAPTION_POINTS, MUTED, bold=False)
    caption.paragraph_format.space_before = Pt(4)
    caption.paragraph_format.space_after = Pt(14)
    table_caption = _style(document, TABLE_CAPTION_STYLE, base="Caption")
    _font(table_caption, TABLE_POINTS, TEXT, bold=True)
    table_caption.paragraph_format.space_before = Pt(6)
    table_caption.paragraph_format.space_after = Pt(4)
    table_caption.paragraph_format.keep_with_next = True


#: What follows ``w:pBdr`` and ``w:shd`` in a ``w:pPr`` (Word refuses a document with them out of order).
_AFTER_SHADING = (
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange")


def _paragraph_property(style: Any, tag: str) -> Any:
    """The style's ``w:pBdr`` or ``w:shd``, made in its place in the ``w:pPr`` when missing."""
    ppr = style.element.get_or_add_pPr()
    element = ppr.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        ppr.insert_element_before(element, *(("w:shd",) if tag == "w:pBdr" else ()), *_AFTER_SHADING)
    return element


def _border(style: Any, side: str, points: float, colour: str, space: float) -> None:
    """A paragraph border (``w:pBdr``) on one side of a paragraph style (sides added top, left, bottom, right)."""
    borders = _paragraph_property(style, "w:pBdr")
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", int(points * 8)), ("space", int(space)), ("color", colour)):
        line.set(qn(f"w:{key}"), str(value))
    borders.append(line)


def _letterhead_and_page(document: Any) -> None:
    """The letterhead line under its blue rule, the sample banner's box, the grey footer: as printed."""
    letterhead = _style(document, "Letterhead")
    _font(letterhead, 9, MUTED)
    letterhead.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    letterhead.paragraph_format.space_after = Pt(23)
    _border(letterhead, "bottom", 1.25, HEADING, 8)
    banner = _style(document, "Sample Banner")
    _font(banner, 9, "3B2A00", bold=True)
    banner.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for side in ("top", "left", "bottom", "right"):
        _border(banner, side, 1, "8A6D00", 4)
    shading = _paragraph_property(banner, "w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", "FFF1B8")):
        shading.set(qn(f"w:{key}"), value)
    _font(_style(document, "Footer"), FOOTER_POINTS, MUTED)


def _table_style(document: Any) -> None:
    """The letter's table style (:data:`TABLE_STYLE`), added when the document has none of that name."""
    if not any(style.name == TABLE_STYLE for style in document.styles):
        document.styles.element.append(parse_xml(_TABLE_STYLE_XML))


def apply_house_style(document: Any) -> None:
    """The letter's look on python-docx's default document (no reference document given)."""
    _document_defaults(document)
    _normal(document)
    _headings(document)
    _captions(document)
    _letterhead_and_page(document)
    _table_style(document)


def add_missing_styles(document: Any) -> None:
    """An office's reference document keeps its own looks; only the letter's table and table-caption styles are added."""
    _table_style(document)
    try:
        document.styles[TABLE_CAPTION_STYLE]
    except KeyError:
        caption = _style(document, TABLE_CAPTION_STYLE, base="Caption")
        caption.font.bold = True
        caption.paragraph_format.keep_with_next = True


def table_look(table: Any, header: bool, total: bool) -> None:
    """The table in :data:`TABLE_STYLE`, its header row and total row styled only when it has them."""
    table.style = table.part.document.styles[TABLE_STYLE]
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    flags = {"firstRow": header, "lastRow": total, "firstColumn": False, "lastColumn": False,
             "noHBand": False, "noVBand": True}
    bits = {"firstRow": 0x20, "lastRow": 0x40, "firstColumn": 0x80, "lastColumn": 0x100, "noHBand": 0x200, "noVBand": 0x400}
    for name, on in flags.items():
        look.set(qn(f"w:{name}"), "1" if on else "0")
    look.set(qn("w:val"), f"{sum(bits[name] for name, on in flags.items() if on):04X}")


def unbreakable(text: str, names: tuple[str, ...]) -> str:
    """``text`` with the spaces inside each of ``names`` made non-breaking: a council's name stays on one line."""
    for name in names:
        if name in text:
            text = text.replace(name, name.replace(" ", "\u00a0"))
    return text
