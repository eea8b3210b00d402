"""Word (.docx) letters and reports built from an executed notebook's outputs (python-docx, in process).

:mod:`.html_tree` reads the letter sections' HTML, :mod:`.setup` makes the
document around them (reference document, styles, A4, header and footer,
properties), :mod:`.writer` writes paragraphs, tables and pictures, and
:mod:`.build` is the entry (:func:`notebook_to_docx`). The nbconvert exporters
``letter_docx`` and ``report_docx`` (:mod:`lgsco_report.exporters.docx`) call it.
"""

from .build import build_docx, notebook_to_docx, reference_docx_for
from ..errors import ReferenceDocxError

__all__ = ["ReferenceDocxError", "build_docx", "notebook_to_docx", "reference_docx_for"]
