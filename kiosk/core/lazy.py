"""Modules imported when first used rather than when the kiosk starts.

The kiosk's start (process start to Home painted) imports only what Home needs; modules needed
later (the voice and sound processes' messages, the request matcher) are bound with
:func:`lazy_module` and load on their first attribute access, which comes after Home is painted
(the processes' first messages, the matcher built once Home is on screen).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, loaded on its first attribute access (at once if it already is)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:  # as an import does: ``import a.b`` then ``a.b.x`` finds it
        setattr(sys.modules[parent], child, module)
    loader.exec_module(module)
    return module
