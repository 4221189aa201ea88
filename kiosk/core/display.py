"""Physical sizes: the screen's millimetres per pixel, and the minimum sizes in ACCESSIBILITY.md."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_TARGET_MM = 15.0
"""Every touch target is at least this on each side (our target, above WCAG 2.5.5's 44 px)."""

MIN_CAP_HEIGHT_MM = 6.1
"""Body text capital-H height at default size (EN 301 549 5.1.4: 0.7° at 500 mm)."""


@dataclass(frozen=True)
class PhysicalScreen:
    """A panel's diagonal and native resolution; the default is a 21.5-inch 1920×1080 panel."""

    diagonal_inches: float = 21.5
    width_px: int = 1920
    height_px: int = 1080

    @property
    def mm_per_px(self) -> float:
        """Millimetres per pixel (square pixels): about 0.248 for the default panel."""
        return self.diagonal_inches * 25.4 / math.hypot(self.width_px, self.height_px)

    def px(self, mm: float) -> int:
        """The whole number of pixels that is at least ``mm`` millimetres."""
        return math.ceil(mm / self.mm_per_px - 1e-9)

    def mm(self, px: float) -> float:
        """Pixels to millimetres."""
        return px * self.mm_per_px
