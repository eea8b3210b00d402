"""The output formats a batch can write: one row each, read by the batch, the manifest and the index page.

Why one table: a format used to be named in five places (the batch's format
list and file names, its html/pdf branches, the manifest's CSV columns and the
index page's links). Each row says what the format is called, the file suffix
and the link label; the file name follows from the document kind. The
nbconvert exporter that writes a format for a kind is looked up by the name
``f"{kind}_{format}"`` (``letter_pdf``, ``report_docx``: the ``nbconvert.exporters``
entry points in pyproject.toml), so adding a format is one exporter class, its
entry point, and one row here (see docs/adding-an-output-format.md).

``ipynb`` is the executed notebook itself (papermill writes it); it has no exporter.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Document kinds (the exporters' templates) and the stem of their file names.
FILE_STEMS = {"letter": "letter", "report": "national_review"}


@dataclass(frozen=True)
class OutputFormat:
    """One format: ``name`` (as in ``--formats``), file ``suffix``, ``label`` for links, defaults, ``mime``."""

    name: str
    suffix: str
    label: str
    #: Written when ``--formats`` is not given.
    default: bool = True
    #: False for the executed notebook, which papermill writes and no exporter makes.
    exported: bool = True
    #: The file's media type: its exporter's ``output_mimetype``, and what :func:`exporters.export` checks the
    #: exporter it looks up against (a row whose exporter writes something else is refused, not written).
    mime: str = ""

    def file_name(self, kind: str) -> str:
        """``letter.pdf``, ``national_review.docx``: this format's file for a document ``kind``."""
        return FILE_STEMS[kind] + self.suffix

    def exporter_name(self, kind: str) -> str:
        """The nbconvert exporter (entry point) name that writes this format for ``kind``."""
        return f"{kind}_{self.name}"


#: Every format, in the order of ``--formats``, the manifest's columns and the index page's links.
OUTPUT_FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("ipynb", ".ipynb", "Notebook", exported=False, mime="application/x-ipynb+json"),
    OutputFormat("html", ".html", "HTML", mime="text/html"),
    OutputFormat("pdf", ".pdf", "PDF", mime="application/pdf"),
    OutputFormat("docx", ".docx", "Word", default=False,
                 mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
)


def all_formats() -> tuple[OutputFormat, ...]:
    """The table (read at call time, so a format added at run time is seen everywhere)."""
    return OUTPUT_FORMATS


def format_names() -> tuple[str, ...]:
    """Every format's name, in table order."""
    return tuple(fmt.name for fmt in all_formats())


def default_format_names() -> tuple[str, ...]:
    """The formats written when none are asked for."""
    return tuple(fmt.name for fmt in all_formats() if fmt.default)


def get_format(name: str) -> OutputFormat:
    """The row called ``name`` (KeyError if there is none)."""
    for fmt in all_formats():
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def file_names(kind: str) -> dict[str, str]:
    """``{format: file name}`` of a document ``kind`` for every format (``{"pdf": "letter.pdf", ...}``)."""
    return {fmt.name: fmt.file_name(kind) for fmt in all_formats()}
