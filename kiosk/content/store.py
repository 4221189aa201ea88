"""Keeps the last good content: a failed reload never replaces what patients are reading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kiosk.content.loader import ContentLoad, load_content
from kiosk.content.model import ContentSet


class ContentStore:
    """Holds the current valid content set and the report of the most recent load."""

    def __init__(self, root: Path, language: str = "en") -> None:
        self.root = root
        self.language = language
        self.current: ContentSet | None = None
        self.last_load: ContentLoad | None = None

    def reload(self, today: dt.date | None = None) -> ContentLoad:
        """Load again; adopt the result only when it is valid. Returns the load's report."""
        load = load_content(self.root, self.language, today)
        self.last_load = load
        if load.content is not None:
            self.current = load.content
        return load
