"""The letter sections' HTML read into a small tree, for the Word writer.

Why the standard library's ``html.parser``: each letter section is one
``text/html`` output the notebook displayed (charts as ``<figure><img alt>``),
the same HTML the HTML and PDF letters print; a forgiving parser that never runs
anything turns it into :class:`Node` trees that :mod:`.writer` walks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "col", "wbr", "source"})
#: Elements written into the paragraph around them (runs), not as paragraphs of their own.
INLINE_TAGS = frozenset({
    "a", "abbr", "b", "strong", "i", "em", "span", "code", "small", "sub", "sup", "br", "time",
    "cite", "q", "mark", "u", "s", "kbd", "var", "data", "bdi", "wbr", "img",
})
#: Elements whose content never reaches the document.
SKIPPED_TAGS = frozenset({"script", "style", "template", "head", "title", "noscript", "svg", "button"})
HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


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



def collapse_space(text: str) -> str:
    """Runs of whitespace as one space, as a browser shows them."""
    return re.sub(r"\s+", " ", text)


def find_all(node: Node, tag: str) -> list[Node]:
    """Every ``tag`` element below ``node`` (not looking inside a match)."""
    found: list[Node] = []
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                found.append(child)
            else:
                found.extend(find_all(child, tag))
    return found


def table_rows(table: Node) -> list[tuple[str, list[Node]]]:
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
