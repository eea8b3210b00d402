"""The package's shape (docs/architecture.md): no import cycles, imports point down the layers, functions stay short.

Read from the source with ``ast``, so a new cycle, a new upward import or a
long function fails here with its file and line, not in a review. Imports are
read at module granularity (``batch.run``, not ``batch``) and wherever they are
written, inside functions too: a late import still ties two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lgsco_report"

#: Top-level modules and subpackages, from the top layer down (docs/architecture.md, "Modules, by layer").
#: A module may import its own layer and those below it, never one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli", "__main__"),  # command line
    ("batch", "sending"),  # getting letters out
    ("index_page", "site", "statistics_pack"),  # published beside the letters
    ("exporters", "docx_exporters", "word", "letter", "national", "charts", "wording"),  # documents
    ("stats", "metrics", "counting"),  # figures
    ("inputs", "sample", "register", "boundaries", "yearparams", "workbook"),  # inputs
    ("year_folder", "progress", "formats", "definitions", "errors", "atomic", "notebook_parameters", "documents",
     "formatting", "hashing", "data", "lazy_imports", "__init__"),  # the year folder and base
)
RANK = {name: depth for depth, names in enumerate(LAYERS) for name in names}

#: Functions allowed over MAX_BODY_LINES, each with its reason.
LONG_FUNCTIONS: set[str] = set()
MAX_BODY_LINES = 60


# --------------------------------------------------------------------------- reading the import graph


def _sources(root: Path) -> list[Path]:
    """The package's modules (the read-only workbook copy a wheel carries left out)."""
    return sorted(p for p in root.rglob("*.py") if "workbook" not in p.relative_to(root).parts[:-1])


def module_name(root: Path, path: Path) -> str:
    """``lgsco_report/batch/run.py`` -> ``lgsco_report.batch.run``; a package is its ``__init__``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def top_name(root: Path, module: str) -> str:
    """The layer-table name of a module: its top-level module or subpackage (``__init__`` for the package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _nearest(name: str, known: set[str]) -> str | None:
    """``name``, or the closest enclosing module that exists (``pkg.mod.Class`` -> ``pkg.mod``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(root: Path, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in it (relative or absolute, in functions too)."""
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {_nearest(a.name, known) for a in node.names if a.name.split(".")[0] == root.name}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if (node.module or "").split(".")[0] != root.name:
                    continue
                base = node.module
            else:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            for alias in node.names:  # ``from . import run`` imports the module ``run``; else the module named
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else _nearest(base, known))
    return {module for module in found if module and module != name}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    paths = {module_name(root, path): path for path in _sources(root)}
    known = set(paths)
    return {module: imports_of(root, path, known) for module, path in paths.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan): each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def upward_imports(root: Path, graph: dict[str, set[str]], rank: dict[str, int]) -> list[str]:
    """Each import from a module to one in a higher layer, as ``a imports b``."""
    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if rank.get(top_name(root, target), len(rank)) < rank.get(top_name(root, module), -1)
    )


# --------------------------------------------------------------------------- the package's shape


def test_every_module_has_a_layer():
    tops = {top_name(PACKAGE, module) for module in import_graph(PACKAGE)}
    missing = sorted(tops - set(RANK))
    assert not missing, f"add these to LAYERS (and to docs/architecture.md): {missing}"


def test_no_import_cycles():
    cycles = import_cycles(import_graph(PACKAGE))
    assert not cycles, "import cycles (break each, e.g. move what both need lower down):\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles)


def test_imports_point_down_the_layers():
    upward = upward_imports(PACKAGE, import_graph(PACKAGE), RANK)
    assert not upward, "imports pointing up the layers:\n" + "\n".join(upward)


def _body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = function.body
    has_docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)
    start = body[0].end_lineno + 1 if has_docstring and len(body) > 1 else body[0].lineno
    return function.end_lineno - start + 1


def test_functions_are_short():
    long = []
    for path in _sources(PACKAGE):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{path.relative_to(PACKAGE)}:{node.name}"
                if _body_lines(node) > MAX_BODY_LINES and name not in LONG_FUNCTIONS:
                    long.append(f"{name} (line {node.lineno}): {_body_lines(node)} lines")
    assert not long, f"functions over {MAX_BODY_LINES} lines (split them, or list them with a reason):\n" + "\n".join(long)


# --------------------------------------------------------------------------- the checks can fail


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for relative, text in {"__init__.py": "", **files}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    root = _package(tmp_path, {
        "low.py": "def late():\n    from .high import thing\n    return thing\n",
        "high.py": "from . import low\nthing = 1\n",
        "alone.py": "import pkg.low\n",
        "sub/__init__.py": "",
        "sub/leaf.py": "from ..high import thing\n",
    })
    graph = import_graph(root)
    assert graph["pkg.alone"] == {"pkg.low"} and graph["pkg.sub.leaf"] == {"pkg.high"}
    assert import_cycles(graph) == [["pkg.high", "pkg.low"]]
    (root / "low.py").write_text("thing = 2\n", encoding="utf-8")
    assert import_cycles(import_graph(root)) == []


def test_the_layer_check_finds_an_upward_import(tmp_path):
    root = _package(tmp_path, {
        "top/__init__.py": "", "top/run.py": "from ..base import helper\n",
        "base.py": "def helper():\n    from .top.run import x\n",
    })
    graph = import_graph(root)
    assert upward_imports(root, graph, {"top": 0, "base": 1, "__init__": 1}) == ["pkg.base imports pkg.top.run"]
    assert upward_imports(root, graph, {"top": 0, "base": 0, "__init__": 1}) == []
