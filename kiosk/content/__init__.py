"""Pure content core: the schema, the loader and the staff checker. Imports no Qt or speech code.

The names below are loaded on first use (PEP 562), so that importing one light module of the
package (``kiosk.content.problems``, as the voice profile does in the voice process) does not
bring the loader, its schema and YAML with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.content.loader import ContentLoad, load_content
    from kiosk.content.model import ContentSet, EmergencyPanel, Site, Topic, Urgency
    from kiosk.content.problems import Problem, Severity

_HOMES = {
    "ContentLoad": "kiosk.content.loader",
    "load_content": "kiosk.content.loader",
    "ContentSet": "kiosk.content.model",
    "EmergencyPanel": "kiosk.content.model",
    "Site": "kiosk.content.model",
    "Topic": "kiosk.content.model",
    "Urgency": "kiosk.content.model",
    "Problem": "kiosk.content.problems",
    "Severity": "kiosk.content.problems",
}

__all__ = [
    "ContentLoad",
    "ContentSet",
    "EmergencyPanel",
    "Problem",
    "Severity",
    "Site",
    "Topic",
    "Urgency",
    "load_content",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
