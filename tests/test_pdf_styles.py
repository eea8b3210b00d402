"""pdf_styles: the letters' <style> sheets parsed once per process, with the PDF's bytes unchanged."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from lgsco_report import pdf_styles
from lgsco_report.exporters import LetterPDFExporter

#: Page rules with margin boxes (page numbers), media rules and ordinary rules, as the letter's sheet has.
STYLE = """
@page { size: A4; margin: 2cm; @bottom-right { content: "Page " counter(page) " of " counter(pages); } }
@page :first { @bottom-right { content: none; } }
@media screen { body { color: red; } }
@media print { h1 { font-size: 20pt; } }
body { font-family: "DejaVu Sans", sans-serif; color: #1b1b1b; }
p.note { color: #595959; }
"""


def _html(style: str = STYLE, council: str = "Kent County Council") -> str:
    paragraphs = "".join(f"<p>Paragraph {i} about {council}.</p>" for i in range(60))
    return (
        f'<!doctype html><html lang="en-GB"><head><title>Styles</title><style>{style}</style>'
        f"<style>p {{ margin: 0 0 6pt; }}</style></head><body><h1>{council}</h1>"
        f'<p class="note">A note.</p>{paragraphs}</body></html>'
    )


@pytest.fixture()
def exporter():
    """An exporter whose first use has installed pdf_styles; WeasyPrint's own parsing restored afterwards."""
    exporter = LetterPDFExporter()
    exporter.html_to_pdf("<p>set-up</p>")
    pdf_styles.uninstall()
    yield exporter
    pdf_styles.uninstall()


def _uncached(exporter, html: str) -> bytes:
    pdf_styles.uninstall()
    return exporter.html_to_pdf(html)


def _cached(exporter, html: str) -> bytes:
    assert pdf_styles.install()
    return exporter.html_to_pdf(html)


def _footer(pdf: bytes) -> list[str]:
    return [page.extract_text().splitlines()[-1] for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_reused_sheet_gives_the_bytes_of_a_fresh_parse(exporter):
    kent, scilly = _html(), _html(council="Council of the Isles of Scilly")
    expected = [_uncached(exporter, kent), _uncached(exporter, scilly)]
    first = _cached(exporter, kent)  # parses and remembers both sheets
    assert len(pdf_styles._SHEETS) == 2
    second, third = _cached(exporter, scilly), _cached(exporter, kent)  # reuse them
    assert len(pdf_styles._SHEETS) == 2
    assert [first, second] == expected and third == expected[0]
    # The @page rules came with the reused sheet: numbered pages, the first without a number.
    footers = _footer(third)
    assert len(footers) >= 2 and "Page" not in footers[0] and footers[1] == f"Page 2 of {len(footers)}"


def test_a_changed_sheet_is_parsed_again(exporter):
    _cached(exporter, _html())
    changed = _html(STYLE.replace("margin: 2cm", "margin: 4cm"))
    pdf = _cached(exporter, changed)
    assert len(pdf_styles._SHEETS) == 3
    assert pdf == _uncached(exporter, changed)
    assert len(_footer(pdf)) > len(_footer(_uncached(exporter, _html())))  # wider margins, more pages


@pytest.mark.parametrize(
    "style",
    [
        '@font-face { font-family: X; src: local("DejaVu Sans"); } body { font-family: X; }',
        "@counter-style thumbs { system: cyclic; symbols: A; } ol { list-style: thumbs; }",
        ":root { --ink: #123456; } body { color: var(--ink); }",
        '@import url("data:text/css,p{color:red}"); body { color: blue; }',
        "@\\66ont-face { font-family: X; } body { color: blue; }",
    ],
)
def test_sheets_with_effects_beyond_themselves_are_left_to_weasyprint(exporter, style):
    assert not pdf_styles.reusable(style)
    html = _html(style)
    assert _cached(exporter, html) == _uncached(exporter, html)
    assert all(style not in key[0] for key in pdf_styles._SHEETS)


def test_only_the_weasyprint_it_knows_is_changed(monkeypatch):
    import weasyprint
    from weasyprint import css

    pdf_styles.uninstall()
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert not pdf_styles.install()
    assert css.CSS is weasyprint.CSS
