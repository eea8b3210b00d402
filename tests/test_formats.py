"""Adding an output format: one exporter class and one row of the format table.

The test plays an office that wants plain-text letters. It writes a tiny
exporter class, registers it the way any package does (an ``nbconvert.exporters``
entry point named ``letter_txt``, here in a throw-away ``.dist-info`` on sys.path),
adds one ``OutputFormat`` row, and runs a real batch: the letter's ``.txt``
is written, the manifest records it (JSON and a CSV column) and the index links it.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest

from lgsco_report import formats
from lgsco_report.batch import run_batch
from lgsco_report.formats import OutputFormat

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "data" / "standin_letter.ipynb"
YEAR = 2020
CANNOCK = "E07000192"

EXPORTER_MODULE = '''
import re

from nbconvert.exporters import Exporter
from traitlets import default


class LetterTextExporter(Exporter):
    """The letter's sections as plain text: the HTML of each cell tagged 'letter', tags removed."""

    output_mimetype = "text/plain"

    @default("file_extension")
    def _file_extension_default(self):
        return ".txt"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb, resources = super().from_notebook_node(nb, resources, **kw)
        html = [
            "".join(output.get("data", {}).get("text/html", ""))
            for cell in nb.cells if "letter" in cell.get("metadata", {}).get("tags", [])
            for output in cell.get("outputs", [])
        ]
        return " ".join(re.sub(r"<[^>]+>", " ", " ".join(html)).split()) + "\\n", resources
'''


@pytest.fixture()
def text_format(tmp_path, monkeypatch) -> OutputFormat:
    """Register ``letter_txt`` as an nbconvert exporter entry point and add the format's row."""
    site = tmp_path / "site"
    info = site / "lgsco_plain_text-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "lgsco_plain_text.py").write_text(EXPORTER_MODULE, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lgsco-plain-text\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""\
            [nbconvert.exporters]
            letter_txt = lgsco_plain_text:LetterTextExporter
        """), encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    row = OutputFormat("txt", ".txt", "Text", default=False)
    monkeypatch.setattr(formats, "OUTPUT_FORMATS", (*formats.OUTPUT_FORMATS, row))
    return row


def test_nbconvert_finds_the_new_exporter_by_its_name(text_format):
    from nbconvert.exporters import get_exporter

    assert get_exporter(text_format.exporter_name("letter")).__name__ == "LetterTextExporter"
    assert text_format.file_name("letter") == "letter.txt"
    assert "txt" in formats.format_names() and "txt" not in formats.default_format_names()


@pytest.mark.slow
def test_a_new_format_is_written_recorded_and_linked(tmp_path, text_format):
    out = tmp_path / "outputs"
    result = run_batch(YEAR, councils=[CANNOCK], out_dir=out, workers=1, notebook=STANDIN,
                       formats=("html", "txt"), progress=False, reports=False)
    assert (result.done, result.failed) == (1, 0), result.failures
    year_dir = out / str(YEAR)
    entry = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))["letters"][CANNOCK]
    relative = entry["outputs"]["txt"]
    assert relative == "cannock-chase-district-council/letter.txt"
    text = (year_dir / relative).read_text(encoding="utf-8")
    assert "Cannock Chase District Council" in text and "<" not in text
    rows = list(csv.DictReader(io.StringIO((year_dir / "manifest.csv").read_text(encoding="utf-8"))))
    assert rows[0]["txt"] == relative and rows[0]["html"] == "cannock-chase-district-council/letter.html"
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{relative}">Text</a>' in index


def test_an_unknown_format_is_refused_with_the_table_s_names():
    from lgsco_report.errors import BatchError

    with pytest.raises(BatchError, match="choose from ipynb,html,pdf,docx"):
        run_batch(YEAR, councils=[CANNOCK], formats=("txt",), progress=False)


def test_the_table_gives_the_manifest_its_columns_in_the_same_order_as_before():
    from lgsco_report.year_folder.manifest import CSV_COLUMNS, csv_columns

    assert CSV_COLUMNS == csv_columns()
    assert CSV_COLUMNS[-6:] == ("ipynb", "html", "pdf", "docx", "log", "fingerprint")
    assert formats.file_names("report") == {"ipynb": "national_review.ipynb", "html": "national_review.html",
                                            "pdf": "national_review.pdf", "docx": "national_review.docx"}
