"""Start-up: the command defers the costly, rarely used import under nbformat, and nothing else changes."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys, time
import lgsco_report.cli  # the command's module: defers rfc3987_syntax before nbformat is imported
start = time.perf_counter()
import nbformat, jsonschema
seconds = time.perf_counter() - start
deferred = type(sys.modules["rfc3987_syntax"]).__name__
checker = jsonschema.FormatChecker()
iri_checked = [checker.conforms("http://example.org/ä", "iri"), checker.conforms("not an iri", "iri")]
print(json.dumps({"seconds": seconds, "deferred": deferred, "iri": iri_checked,
                  "loaded": type(sys.modules["rfc3987_syntax"]).__name__}))
"""


def test_rfc3987_syntax_is_loaded_only_when_an_iri_is_checked():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["deferred"] == "_DeferredModule"  # nbformat imported without compiling its grammars
    assert probe["iri"] == [True, False]  # jsonschema's iri check still works, with the real module
    assert probe["loaded"] == "module"


def test_nbformat_still_validates_a_notebook(tmp_path):
    import nbformat

    from lgsco_report import workbook

    nb = nbformat.read(workbook.letter_notebook(), as_version=4)
    nbformat.validate(nb)
    nb.cells[0]["cell_type"] = "nonsense"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError:
        return
    raise AssertionError("an invalid notebook was accepted")
