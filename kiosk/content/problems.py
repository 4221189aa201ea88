"""A problem found in a content file, worded for clinic staff rather than programmers."""

from __future__ import annotations

import dataclasses
import enum
import os
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    """Errors stop a content set from loading; warnings are shown to staff but do not."""

    ERROR = "error"
    WARNING = "warning"


REVIEW_OVERDUE = "review-overdue"
"""The :attr:`Problem.code` of the warning that a topic's review date has passed."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one place. ``line`` is 1-based; 0 means "the whole file"."""

    file: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR
    code: str = dataclasses.field(default="", compare=False)
    """What kind of problem it is, for programs (e.g. :data:`REVIEW_OVERDUE`); "" for most."""

    def format(self) -> str:
        """``content/en/pain.md:4: urgency is "high"; expected one of: normal, urgent, ...``."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_json(self) -> dict[str, object]:
        """The problem as the checker's ``--json`` output shows it."""
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "severity": self.severity.value,
        }


def display_path(path: Path) -> str:
    """The path as staff would type it: relative to the working folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def shorten(text: str, limit: int = 40) -> str:
    """Text from a content file as quoted in a message: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
