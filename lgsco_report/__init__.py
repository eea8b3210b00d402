"""lgsco-report: the Local Government and Social Care Ombudsman's annual review letters.

A workbook of parameterized notebooks (run by papermill, exported by nbconvert)
backed by small single-purpose modules: ``register`` (councils), ``inputs``
(case-level input), ``counting`` (cases to counts), ``sample`` (the labelled sample dataset), ``stats`` (every
figure a letter prints), ``letter`` and ``charts`` (wording and figures),
``exporters`` (HTML and PDF letters) and ``batch`` (every council of a year).
"""

__version__ = "0.1.0"
