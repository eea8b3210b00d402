"""pdf_fonts: WeasyPrint's fontTools subsetting made faster and remembered, with the PDF's bytes unchanged.

Runs as on a machine without libharfbuzz-subset0 (WeasyPrint's handle on it is
set to None for each test), where WeasyPrint subsets with fontTools.
"""

from __future__ import annotations

import io

import pytest
import weasyprint
from pypdf import PdfReader
from weasyprint.pdf import fonts as weasyprint_fonts

from lgsco_report.exporters import pdf_fonts
from lgsco_report.exporters import LetterPDFExporter

#: Two faces (regular and bold) and a few dozen glyphs, as a letter has.
HTML = """<!doctype html><html lang="en-GB"><head><title>Fonts</title>
<style>body { font-family: "Liberation Sans", sans-serif; }</style></head><body>
<h1>Annual review letter 2020</h1><p>Kent County Council: 42 complaints, 61.5% upheld.</p>
<p><b>Compliance with our recommendations: 100%</b></p></body></html>"""
OTHER_HTML = HTML.replace("Kent County Council", "Isles of Scilly Council; jqxz")


@pytest.fixture()
def fonttools_only(monkeypatch):
    """WeasyPrint as without libharfbuzz-subset; its own subsetter restored afterwards, memory of subsets cleared."""
    monkeypatch.setattr(weasyprint_fonts, "harfbuzz_subset", None)
    pdf_fonts.uninstall()
    yield
    pdf_fonts.uninstall()


def _pdf(html: str) -> bytes:
    return LetterPDFExporter().html_to_pdf(html)


def _stock_pdf(html: str) -> bytes:
    pdf_fonts.uninstall()
    exporter = LetterPDFExporter()
    exporter.html_to_pdf("<p>set-up</p>")  # installs pdf_fonts on first use
    pdf_fonts.uninstall()  # ... so take it out again: WeasyPrint's own subsetter
    try:
        return exporter.html_to_pdf(html)
    finally:
        pdf_fonts.install()


def _embedded_fonts(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return sorted(names)


def test_the_exporter_uses_the_faster_subsetter_and_the_bytes_are_weasyprints(fonttools_only, monkeypatch):
    calls = []
    original = pdf_fonts._subset_bytes
    monkeypatch.setattr(pdf_fonts, "_subset_bytes", lambda *args: calls.append(args) or original(*args))
    ours = _pdf(HTML)
    assert calls, "the exporter did not subset through pdf_fonts"
    assert weasyprint_fonts.Font._fonttools_subset is pdf_fonts.fonttools_subset
    stock = _stock_pdf(HTML)
    assert ours == stock
    assert len(_embedded_fonts(ours)) >= 2  # regular and bold: there was subsetting to compare


def test_a_remembered_subset_gives_the_same_bytes_as_a_fresh_one(fonttools_only, monkeypatch):
    first = _pdf(HTML)
    remembered = len(pdf_fonts._SUBSETS)
    assert remembered >= 2
    made = []
    original = pdf_fonts._subset_bytes
    monkeypatch.setattr(pdf_fonts, "_subset_bytes", lambda *args: made.append(args) or original(*args))
    again = _pdf(HTML)
    assert made == []  # every subset came from memory
    assert again == first
    other = _pdf(OTHER_HTML)  # other glyphs: subset afresh, and right
    assert made and len(pdf_fonts._SUBSETS) > remembered
    assert other == _stock_pdf(OTHER_HTML)


def test_memory_of_subsets_is_bounded(fonttools_only, monkeypatch):
    monkeypatch.setattr(pdf_fonts, "MAX_CACHED_SUBSETS", 1)
    _pdf(HTML)
    assert len(pdf_fonts._SUBSETS) == 1


def test_another_weasyprint_version_keeps_its_own_subsetter(fonttools_only, monkeypatch):
    stock = weasyprint_fonts.Font._fonttools_subset
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert pdf_fonts.install() is False
    assert weasyprint_fonts.Font._fonttools_subset is stock
    _pdf(HTML)  # still exports
    assert weasyprint_fonts.Font._fonttools_subset is stock


def test_pdfs_embed_the_carried_liberation_faces_not_the_systems_fonts():
    css = (pdf_fonts.FONT_DIR.parent / "templates" / "nbconvert" / "lgsco_letter" / "letter.css").read_text(encoding="utf-8")
    html = (f"<!doctype html><html lang='en-GB'><head><title>Fonts</title><style>{css}</style></head><body>"
            "<h1>Kent County Council</h1><p>Plain, <b>bold</b>, <i>italic</i>, <b><i>both</i></b>: 61.5% – £5</p>"
            "<p style='font-family: \"Liberation Mono\"'>0a1b2c</p></body></html>")
    names = sorted(name.split("+", 1)[1] for name in _embedded_fonts(_pdf(html)))
    assert names == ["Liberation-Mono", "Liberation-Sans", "Liberation-Sans-Bold", "Liberation-Sans-Bold-Italic",
                     "Liberation-Sans-Italic"]


def test_the_font_fetcher_serves_the_carried_fonts_and_no_other_file():
    fetcher = pdf_fonts.font_url_fetcher()
    font = pdf_fonts.FONT_DIR / "LiberationSans-Regular.ttf"
    assert fetcher(font.as_uri()).read() == font.read_bytes()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher((pdf_fonts.FONT_DIR / "LICENSE").as_uri())
    assert (pdf_fonts.FONT_DIR / "LICENSE").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE Version 1.1") == 1
