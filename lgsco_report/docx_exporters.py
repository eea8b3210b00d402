"""The ``letter_docx`` and ``report_docx`` entry points of installs made before the exporters became a package.

Why this file exists: an environment installed earlier has
``lgsco_report.docx_exporters:LetterDocxExporter`` in its entry-point metadata,
and nbconvert imports exactly that path for ``--to letter_docx``. pyproject.toml
now names ``lgsco_report.exporters:LetterDocxExporter``; delete this file once
every environment has been reinstalled (``make setup`` or ``pip install -e .``).
"""

from .exporters.docx import LetterDocxExporter, ReportDocxExporter

__all__ = ["LetterDocxExporter", "ReportDocxExporter"]
