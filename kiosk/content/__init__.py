"""Pure content core: the schema, the loader and the staff checker. Imports no Qt or speech code."""

from kiosk.content.loader import ContentLoad, load_content
from kiosk.content.model import ContentSet, EmergencyPanel, Site, Topic, Urgency
from kiosk.content.problems import Problem, Severity

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
