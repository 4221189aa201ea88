"""Clinic voice-and-touch information kiosk.

Import direction (see shared/STYLE.md): the pure core (``kiosk.content``) imports no Qt and no
speech engine; speech adapters, Qt services and the UI build on it; ``kiosk.app`` composes them.
"""

__version__ = "0.1.0"
