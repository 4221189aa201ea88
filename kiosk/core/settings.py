"""Kiosk settings for this machine (``kiosk.toml`` in the settings folder), with safe defaults.

A bad settings file never stops the kiosk: each bad value is reported and its default used.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from kiosk.core.display import PhysicalScreen
from kiosk.core.session import MIN_WARNING_SECONDS

ORIENTATIONS = ("auto", "landscape", "portrait")


@dataclass(frozen=True)
class KioskSettings:
    """Everything a clinic's IT person may set. Defaults suit a 21.5-inch 1920×1080 panel."""

    idle_seconds: float = 90.0
    idle_warning_seconds: float = 30.0
    screen_diagonal_inches: float = 21.5
    screen_width_px: int = 1920
    screen_height_px: int = 1080
    viewing_distance_mm: float = 0.0
    """How far patients' eyes are from the screen; 0: 350 mm under 13 inches, else 500 mm (the
    smallest text has a capital H of 0.7° at this distance)."""
    orientation: str = "auto"
    staff_press_seconds: float = 3.0
    log_transcripts: bool = False
    """Write what patients said by voice to the log (off: the log says only what was done)."""
    voice: bool = True
    """Offer Ask by voice (off: the control says voice is unavailable; no microphone is used)."""
    usage_counts: bool = True
    """Count per hour how the kiosk is used (``kiosk.core.usage``; off: nothing is counted)."""
    explicit: frozenset[str] = field(default=frozenset(), compare=False)
    """The settings the file gave (not itself a setting): the screen's size from ``kiosk.toml``
    overrides the size the screen reports."""

    @property
    def screen(self) -> PhysicalScreen:
        """The physical panel, for millimetre sizes."""
        return PhysicalScreen(
            self.screen_diagonal_inches,
            self.screen_width_px,
            self.screen_height_px,
            self.viewing_distance_mm,
        )


_LIMITS: dict[str, tuple[float, float]] = {
    "idle_seconds": (10, 3600),
    "idle_warning_seconds": (MIN_WARNING_SECONDS, 300),
    "screen_diagonal_inches": (7, 100),
    "screen_width_px": (320, 10000),
    "screen_height_px": (320, 10000),
    "staff_press_seconds": (1, 10),
    "viewing_distance_mm": (200, 3000),
}


def load_settings(path: Path) -> tuple[KioskSettings, list[str]]:
    """Settings from ``path`` (missing file: defaults) and a message for each value not used."""
    settings = KioskSettings()
    if not path.exists():
        return settings, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return settings, [f"{path}: cannot be read ({error}); using the default settings"]
    problems: list[str] = []
    known = {f.name: f for f in fields(KioskSettings) if f.name != "explicit"}
    changes: dict[str, object] = {}
    for key, value in data.items():
        if key not in known:
            problems.append(
                f"{path}: unknown setting {key!r}; the settings are: {', '.join(known)}"
            )
            continue
        default = getattr(settings, key)
        if key == "orientation":
            if value in ORIENTATIONS:
                changes[key] = value
            else:
                problems.append(
                    f"{path}: orientation is {value!r}; expected one of: {', '.join(ORIENTATIONS)}"
                )
            continue
        if isinstance(default, bool):
            if isinstance(value, bool):
                changes[key] = value
            else:
                problems.append(f"{path}: {key} is {value!r}; expected true or false")
            continue
        low, high = _LIMITS[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            problems.append(
                f"{path}: {key} is {value!r}; expected a number from {low:g} to {high:g}"
            )
            continue
        changes[key] = type(default)(value)
    changes["explicit"] = frozenset(changes)
    return replace(settings, **changes), problems  # type: ignore[arg-type]
