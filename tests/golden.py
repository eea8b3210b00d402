"""Rendered wording compared with reviewed files under ``tests/expected/``.

Why: a sentence of a letter or of the national review is checked by one
reviewed file, so changing the sentence changes that file (and its diff is the
review), not dozens of fragment assertions spread over the test modules.

``document_text(markup)`` turns an HTML fragment into plain text a person can
read in a diff: one line per block (paragraph, heading, list item, table row),
table cells joined by `` | ``, links as ``text <href>``, images as
``[image: alt]``. ``assert_expected(name, text)`` compares it with
``tests/expected/<name>``; with ``LGSCO_UPDATE_EXPECTED=1`` it rewrites the file
instead, and the wording change is then reviewed as that file's ``git diff``.
"""

from __future__ import annotations

import difflib
import html.parser
import os
import re
from pathlib import Path

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
UPDATE_VARIABLE = "LGSCO_UPDATE_EXPECTED"

#: Tags that start a new line of text.
_BLOCKS = {"address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption",
           "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "section",
           "table", "tbody", "thead", "tfoot", "tr", "ul"}
_CELLS = {"td", "th"}


class _TextOfDocument(html.parser.HTMLParser):
    """Collects the visible text of an HTML fragment as lines (see ``document_text``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._cells_in_row = 0
        self._hrefs: list[str | None] = []

    def _end_line(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._line)).strip()
        if text:
            self.lines.append(text)
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _BLOCKS:
            self._end_line()
            self._cells_in_row = 0
        elif tag in _CELLS:
            if self._cells_in_row:
                self._line.append(" | ")
            self._cells_in_row += 1
        elif tag == "img":
            self._line.append(f" [image: {attributes.get('alt') or ''}] ")
        elif tag == "a":
            self._hrefs.append(attributes.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._end_line()
        elif tag == "a" and self._hrefs:
            href = self._hrefs.pop()
            if href:
                self._line.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        self._line.append(data)

    def close(self) -> None:
        super().close()
        self._end_line()


def document_text(markup: str) -> str:
    """The visible text of ``markup``, one block a line (ends with a newline unless empty)."""
    parser = _TextOfDocument()
    parser.feed(markup)
    parser.close()
    return "".join(line + "\n" for line in parser.lines)


def assert_expected(name: str, text: str) -> None:
    """``text`` must equal ``tests/expected/<name>``; ``LGSCO_UPDATE_EXPECTED=1`` rewrites the file instead."""
    path = EXPECTED_DIR / name
    if os.environ.get(UPDATE_VARIABLE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
        return
    assert path.exists(), (f"no reviewed wording {path}: run the test with {UPDATE_VARIABLE}=1 to write it, "
                           f"then read and commit it")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                            f"expected/{name}", "rendered now"))
        raise AssertionError(f"the wording differs from {path}:\n{diff}\nIf the change is meant, rerun with "
                             f"{UPDATE_VARIABLE}=1 and review the file's git diff.")
