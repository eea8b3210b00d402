"""The few words the exporters themselves add to a document, rendered from ``templates/documents/``.

Why templates: every sentence a reader sees lives in a ``.j2`` file, so changing
the words is a template edit, never a code change (docs/presentation.md). These
are the words no notebook section supplies: the PDF's and HTML's subject line of
a DRAFT, and the Word document's footer and properties. Plain text (autoescape
off): each caller escapes for where it goes (the HTML template's ``| e``,
python-docx's XML writer, WeasyPrint's metadata). Strict: a misspelt name fails.

Why ``templates/documents/`` and not the nbconvert templates folder: nbconvert
treats each folder there as a whole exporter template (``conf.json``, a base
template); these are single sentences shared by the HTML, PDF and Word
exporters, like the letter's and national review's own template folders.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

#: Folder of the exporters' own sentence templates.
SENTENCE_DIR = Path(__file__).resolve().parents[1] / "templates" / "documents"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(SENTENCE_DIR)),
        autoescape=False,  # plain text: escaped by each caller for where it goes
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def sentence(name: str, **context: Any) -> str:
    """The words of ``templates/documents/<name>.txt.j2`` with ``context``, on one line, stripped."""
    return _environment().get_template(f"{name}.txt.j2").render(**context).strip()
