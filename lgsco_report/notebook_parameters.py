"""Stop a notebook that was given a parameter it does not know.

papermill only warns ("Passed unknown parameter") and runs on: ``-p counsil Leeds``
would quietly make the default council's letter. papermill defines the given
names in an ``injected-parameters`` cell, so after it they are in the kernel's
namespace; :func:`check_known`, called in the cell after the parameters, compares
that namespace with the notebook's parameters and stops with one clear line.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping
from .errors import UnknownParameterError

#: Names IPython and ipykernel put in every user namespace.
IPYTHON_NAMES = frozenset({"In", "Out", "_", "__", "___", "exit", "quit", "get_ipython", "open"})
#: Input and output history (``_i``, ``_ii``, ``_i3``, ``_ih``, ``_oh``, ``_3``), ``_dh``, ``_sh`` and dunders.
_IPYTHON_NAME = re.compile(r"^(_[io]\w*|_\d+|_dh|_sh|__\w+__)$")
#: The only types a papermill parameter can have (anything else is passed as its str()).
PARAMETER_TYPES = (str, int, float, bool, type(None), list, dict)


def _is_ipython_or_code(name: str, value: object) -> bool:
    if name in IPYTHON_NAMES or _IPYTHON_NAME.match(name):
        return True
    # Imports and definitions (modules, functions, classes) are code, never parameters; so are
    # objects the notebook's own later cells made, left over when an analyst runs all cells again.
    return isinstance(value, types.ModuleType) or callable(value) or not isinstance(value, PARAMETER_TYPES)


def unknown_names(namespace: Mapping[str, object], known: Iterable[str]) -> list[str]:
    """Names in ``namespace`` that look like parameters but are not among ``known``, sorted."""
    known = set(known)
    return sorted(
        name for name, value in namespace.items()
        if name not in known and not _is_ipython_or_code(name, value)
    )


def _describe(name: str, known: list[str]) -> str:
    by_folded = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_folded), n=1, cutoff=0.6)
    if close:
        return f"{name}: unknown parameter; did you mean {by_folded[close[0]]}?"
    return (
        f"{name}: unknown parameter; this notebook's parameters are {', '.join(known)} "
        f"(if you set {name} yourself in this session, restart the kernel and run all cells)"
    )


def check_known(namespace: Mapping[str, object], known: Iterable[str]) -> None:
    """Raise :class:`UnknownParameterError` if ``namespace`` holds a parameter not in ``known``.

    ``namespace`` is the kernel's (``globals()`` in a notebook cell); ``known`` the
    parameters cell's names. IPython's own names, imported modules and callables,
    and values of types papermill never passes are ignored.
    """
    known = list(known)
    unknown = unknown_names(namespace, known)
    if unknown:
        raise UnknownParameterError(". ".join(_describe(name, known) for name in unknown))
