"""Third-party imports that cost seconds at start-up and are almost never used: put off until first use.

Why: ``nbformat`` imports ``jsonschema``, whose format checkers import ``rfc3987_syntax``
when it is installed (``jupyter-events`` brings it, through ``jsonschema[format-nongpl]``);
that module compiles some forty Lark grammars on import: about 2.5 s of a cold
``lgsco-report letters`` on a shared 2-core machine, before any letter is made.
Only jsonschema's ``iri`` / ``iri-reference`` format checks call it, and no notebook
schema uses them. :func:`defer_rfc3987_syntax` puts a stand-in module in its place whose
functions import the real module on first call, so nothing changes but when it loads.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

MODULE = "rfc3987_syntax"


class _DeferredModule(types.ModuleType):
    """Stands in for a module until one of its attributes is used; then is replaced by the real one."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_load(self.__name__), name)


def _load(name: str) -> types.ModuleType:
    if isinstance(sys.modules.get(name), _DeferredModule):
        del sys.modules[name]
    return importlib.import_module(name)


def _deferred_function(module: str, name: str):
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_load(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def defer_rfc3987_syntax() -> bool:
    """Make ``import rfc3987_syntax`` cheap in this process (the real import on first use); True if done.

    Does nothing when the module is already imported, or not installed (jsonschema then
    leaves the ``iri`` checks out, as it would anyway).
    """
    if MODULE in sys.modules or importlib.util.find_spec(MODULE) is None:
        return False
    stand_in = _DeferredModule(MODULE, "deferred until first use by lgsco_report.lazy_imports")
    # jsonschema does `from rfc3987_syntax import is_valid_syntax` at import: a real function, called later.
    stand_in.is_valid_syntax = _deferred_function(MODULE, "is_valid_syntax")
    sys.modules[MODULE] = stand_in
    return True
