"""Run a Python module as a machine without libharfbuzz-subset would: WeasyPrint subsets fonts with fontTools.

Usage: ``python bench/fonttools_only.py -m MODULE [ARGS...]`` (like ``python -m``).
Why: the issue's targets are for users' machines, which often lack Debian's
libharfbuzz-subset0; a machine that has it can still measure their case. The
library cannot be hidden from the dynamic loader without root, so WeasyPrint's
handle on it is set to None as ``weasyprint.pdf.fonts`` is imported (before
any worker forks; the kernels never write PDFs). ``use()`` does the same in
the calling process.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import runpy
import sys

TARGET = "weasyprint.pdf.fonts"


class _Loader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec):  # noqa: D102
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:  # noqa: D102
        self.loader.exec_module(module)
        module.harfbuzz_subset = None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):  # noqa: D102
        if name != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def use() -> None:
    """From now on (and in forked children), WeasyPrint in this process subsets with fontTools."""
    module = sys.modules.get(TARGET)
    if module is not None:
        module.harfbuzz_subset = None
    elif not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] != "-m":
        raise SystemExit("usage: python bench/fonttools_only.py -m MODULE [ARGS...]")
    use()
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
