"""Physical sizes: the screen's millimetres per pixel, the viewing distance, and the minimum sizes
in ACCESSIBILITY.md."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_TARGET_MM = 15.0
"""Every touch target is at least this on each side (our target, above WCAG 2.5.5's 44 px)."""

MIN_CAP_HEIGHT_MM = 6.1
"""Body text capital-H height at default size (EN 301 549 5.1.4: 0.7° at 500 mm)."""

MIN_CAP_ANGLE_DEGREES = 0.7
"""EN 301 549 5.1.4: a capital H subtends at least this angle at the viewing distance."""

DEFAULT_VIEWING_DISTANCE_MM = 500.0
"""A standing or seated patient in front of a desk or wall panel."""

NEAR_VIEWING_DISTANCE_MM = 350.0
"""A panel under 13 inches (a tablet on a stand) is read from nearer."""

SMALL_PANEL_INCHES = 13.0


def cap_height_mm(distance_mm: float) -> float:
    """The smallest capital height that subtends 0.7° at ``distance_mm``."""
    return 2 * distance_mm * math.tan(math.radians(MIN_CAP_ANGLE_DEGREES / 2))


@dataclass(frozen=True)
class PhysicalScreen:
    """A panel's diagonal and native resolution; the default is a 21.5-inch 1920×1080 panel.

    ``viewing_distance_mm`` 0 means the default for the panel's size (350 mm under 13 inches,
    500 mm otherwise).
    """

    diagonal_inches: float = 21.5
    width_px: int = 1920
    height_px: int = 1080
    viewing_distance_mm: float = 0.0

    @classmethod
    def from_mm(
        cls,
        width_px: int,
        height_px: int,
        width_mm: float,
        height_mm: float,
        viewing_distance_mm: float = 0.0,
    ) -> PhysicalScreen:
        """A panel from its pixel size and its visible area's width and height in millimetres."""
        return cls(
            round(math.hypot(width_mm, height_mm) / 25.4, 2),
            width_px,
            height_px,
            viewing_distance_mm,
        )

    @property
    def mm_per_px(self) -> float:
        """Millimetres per pixel (square pixels): about 0.248 for the default panel."""
        return self.diagonal_inches * 25.4 / math.hypot(self.width_px, self.height_px)

    @property
    def width_mm(self) -> float:
        """The visible width."""
        return self.width_px * self.mm_per_px

    @property
    def height_mm(self) -> float:
        """The visible height."""
        return self.height_px * self.mm_per_px

    @property
    def viewing_distance(self) -> float:
        """The viewing distance in millimetres (the setting, or the default for this size)."""
        if self.viewing_distance_mm > 0:
            return self.viewing_distance_mm
        if self.diagonal_inches < SMALL_PANEL_INCHES:
            return NEAR_VIEWING_DISTANCE_MM
        return DEFAULT_VIEWING_DISTANCE_MM

    @property
    def min_cap_height_mm(self) -> float:
        """The legibility minimum: a capital H of 0.7° at the viewing distance."""
        return cap_height_mm(self.viewing_distance)

    def px(self, mm: float) -> int:
        """The whole number of pixels that is at least ``mm`` millimetres."""
        return math.ceil(mm / self.mm_per_px - 1e-9)

    def mm(self, px: float) -> float:
        """Pixels to millimetres."""
        return px * self.mm_per_px

    def describe(self) -> str:
        """For people: '21.5-inch 1920×1080 (477×268 mm), read from 500 mm'."""
        return (
            f"{self.diagonal_inches:g}-inch {self.width_px}×{self.height_px} "
            f"({self.width_mm:.0f}×{self.height_mm:.0f} mm), read from "
            f"{self.viewing_distance:.0f} mm"
        )


@dataclass(frozen=True)
class SupportedScreen:
    """A panel the layout is tested on (README: Supported screens)."""

    name: str
    screen: PhysicalScreen


SUPPORTED_SCREENS: tuple[SupportedScreen, ...] = (
    SupportedScreen("10-inch 1280×800 tablet", PhysicalScreen(10.0, 1280, 800)),
    SupportedScreen("15.6-inch 1366×768", PhysicalScreen(15.6, 1366, 768)),
    SupportedScreen("21.5-inch 1920×1080", PhysicalScreen(21.5, 1920, 1080)),
    SupportedScreen("27-inch 1920×1080", PhysicalScreen(27.0, 1920, 1080)),
    SupportedScreen("21.5-inch 1080×1920 portrait", PhysicalScreen(21.5, 1080, 1920)),
    SupportedScreen("32-inch 1080×1920 portrait", PhysicalScreen(32.0, 1080, 1920)),
    SupportedScreen("27-inch 2560×1440", PhysicalScreen(27.0, 2560, 1440)),
    SupportedScreen("32-inch 3840×2160", PhysicalScreen(32.0, 3840, 2160)),
)

SMALLEST_SUPPORTED_MM = (210.0, 130.0)
"""Below this visible area (about a 10-inch panel) staff are told the screen is too small."""


def panel_for_size(width_px: int, height_px: int) -> PhysicalScreen:
    """The first supported panel with this pixel size; otherwise the default panel's pixel pitch
    (a 21.5-inch 1920×1080) at this size."""
    for supported in SUPPORTED_SCREENS:
        if (supported.screen.width_px, supported.screen.height_px) == (width_px, height_px):
            return supported.screen
    pitch = PhysicalScreen().mm_per_px
    return PhysicalScreen.from_mm(width_px, height_px, width_px * pitch, height_px * pitch)


def too_small(screen: PhysicalScreen) -> bool:
    """True below the smallest supported screen (landscape or portrait)."""
    long_side, short_side = sorted((screen.width_mm, screen.height_mm), reverse=True)
    return long_side < SMALLEST_SUPPORTED_MM[0] or short_side < SMALLEST_SUPPORTED_MM[1]


@dataclass(frozen=True)
class ReportedScreen:
    """What the windowing system says about the screen (from the panel's EDID)."""

    width_px: int
    height_px: int
    width_mm: float
    height_mm: float

    def plausible(self) -> bool:
        """False for the sizes broken EDIDs and virtual screens give (0 mm, a 1 cm screen, a
        wall, or millimetres whose shape is not the pixels' shape)."""
        if min(self.width_px, self.height_px, self.width_mm, self.height_mm) <= 0:
            return False
        diagonal = math.hypot(self.width_mm, self.height_mm) / 25.4
        pixels = self.width_px / self.height_px
        millimetres = self.width_mm / self.height_mm
        return 5 <= diagonal <= 100 and abs(millimetres / pixels - 1) <= 0.1

    def screen(self, viewing_distance_mm: float = 0.0) -> PhysicalScreen:
        """As a physical panel."""
        return PhysicalScreen.from_mm(
            self.width_px, self.height_px, self.width_mm, self.height_mm, viewing_distance_mm
        )


def choose_screen(
    configured: PhysicalScreen, from_file: bool, reported: ReportedScreen | None
) -> tuple[PhysicalScreen, list[str]]:
    """The panel to size everything for, and what the staff screen says about it.

    ``kiosk.toml`` (``from_file``) overrides the screen's report; without it a plausible report
    is used, otherwise the default panel. A file that disagrees with a plausible report by more
    than a tenth of the diagonal, or in pixels, is used with a warning."""
    notes: list[str] = []
    usable = reported is not None and reported.plausible()
    if from_file:
        screen = configured
        notes.append(f"Screen: {screen.describe()}, from kiosk.toml.")
        if reported is not None and usable:
            seen = reported.screen(configured.viewing_distance_mm)
            differs = abs(seen.diagonal_inches / screen.diagonal_inches - 1) > 0.1 or (
                seen.width_px,
                seen.height_px,
            ) != (screen.width_px, screen.height_px)
            if differs:
                notes.append(
                    f"Warning: kiosk.toml says the screen is {screen.describe()}, but the screen "
                    f"reports {seen.describe()}. Check the screen_ settings in kiosk.toml."
                )
        return screen, notes
    if reported is not None and usable:
        screen = reported.screen(configured.viewing_distance_mm)
        notes.append(f"Screen: {screen.describe()}, as the screen reports it.")
        return screen, notes
    screen = configured
    if reported is not None:
        screen = PhysicalScreen(
            configured.diagonal_inches,
            reported.width_px,
            reported.height_px,
            configured.viewing_distance_mm,
        )
        notes.append(
            f"Warning: the screen reports an unusable size ({reported.width_mm:g}×"
            f"{reported.height_mm:g} mm); assuming {screen.describe()}. Set screen_diagonal_inches "
            "in kiosk.toml."
        )
    else:
        notes.append(f"Screen: {screen.describe()} (the default; the screen reported nothing).")
    return screen, notes
