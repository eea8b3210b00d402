"""The package's shape (docs/architecture.md): imports point one way, functions stay short.

Read from the source with ``ast``, so a new upward import or a long function
fails here with its file and line, not in a review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lgsco_report"

#: Top-level modules and subpackages, from the top layer down (docs/architecture.md, "Modules, by layer").
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli", "__main__"),
    ("batch", "sending", "manifest", "index_page", "site", "statistics_pack"),
    ("exporters", "docx_exporters", "pdf_fonts", "word", "formats", "letter", "national", "charts", "wording"),
    ("stats", "metrics", "counting"),
    ("inputs", "sample", "register", "boundaries", "yearparams", "workbook"),
    ("definitions", "errors", "atomic", "notebook_parameters", "documents", "formatting", "hashing", "data", "__init__"),
)
RANK = {name: depth for depth, names in enumerate(LAYERS) for name in names}

#: Imports allowed against the layers, each with its reason.
ALLOWED_UPWARD = {
    # ``python -m lgsco_report.batch`` is a script entry point: it runs the CLI's letters command.
    ("batch", "cli"): "batch/__main__.py",
}

#: Functions allowed over MAX_BODY_LINES, each with its reason.
LONG_FUNCTIONS = {
    # One dict literal: the letter template's context, one key a line; splitting it would scatter the names.
    "letter.py:letter_context",
}
MAX_BODY_LINES = 60


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "workbook" not in p.relative_to(PACKAGE).parts[:-1])


def _top_name(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_tops(path: Path) -> set[str]:
    """The package's top-level modules that ``path`` imports (relative or absolute, at any depth)."""
    relative = path.relative_to(PACKAGE)
    here = list(relative.parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("lgsco_report.")}
            continue
        if node.level == 0:
            if not (node.module or "").startswith("lgsco_report"):
                continue
            base = node.module.split(".")[1:]
        else:
            base = here[: len(here) - (node.level - 1)] + (node.module.split(".") if node.module else [])
        found |= {base[0]} if base else {alias.name for alias in node.names}
    return found


def test_every_module_has_a_layer():
    missing = sorted({_top_name(p) for p in _modules()} - set(RANK))
    assert not missing, f"add these to LAYERS (and to docs/architecture.md): {missing}"


def test_imports_point_down_the_layers():
    upward = []
    for path in _modules():
        source = _top_name(path)
        for target in _imported_tops(path):
            if target in RANK and target != source and RANK[target] < RANK[source]:
                if ALLOWED_UPWARD.get((source, target)) != str(path.relative_to(PACKAGE)):
                    upward.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert not upward, "imports pointing up the layers:\n" + "\n".join(upward)


def _body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = function.body
    has_docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
    start = body[0].end_lineno + 1 if has_docstring and len(body) > 1 else body[0].lineno
    return function.end_lineno - start + 1


def test_functions_are_short():
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{path.relative_to(PACKAGE)}:{node.name}"
                if _body_lines(node) > MAX_BODY_LINES and name not in LONG_FUNCTIONS:
                    long.append(f"{name} (line {node.lineno}): {_body_lines(node)} lines")
    assert not long, f"functions over {MAX_BODY_LINES} lines (split them, or list them with a reason):\n" + "\n".join(long)


@pytest.mark.parametrize("source, target", sorted(ALLOWED_UPWARD))
def test_allowed_upward_imports_are_still_needed(source, target):
    path = PACKAGE / ALLOWED_UPWARD[(source, target)]
    assert target in _imported_tops(path), f"{path} no longer imports {target}: remove it from ALLOWED_UPWARD"


def test_the_checks_see_an_upward_import(tmp_path):
    """The import reader finds what a module imports, relative and absolute (so the checks above can fail)."""
    assert {"stats", "definitions"} <= _imported_tops(PACKAGE / "letter.py")
    assert "inputs" in _imported_tops(PACKAGE / "batch" / "stats_cache.py")
