"""Colours and type sizes, declared once per theme; the stylesheet is generated from them.

Every rule that sets a text colour also sets its background, so the contrast test can compute each
ratio from the stylesheet the kiosk really applies (``tests`` parse ``stylesheet()``'s output).
Colours follow the NHS care-card scheme: emergencies in red and dark grey, with words and an icon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kiosk.core.display import MIN_TARGET_MM, PhysicalScreen

FONT_FAMILY = "Atkinson Hyperlegible"

CAP_HEIGHT_RATIO = 0.67
"""Atkinson Hyperlegible's capital height per em (measured with QFontMetricsF in the tests)."""


@dataclass(frozen=True)
class Theme:
    """Named colour roles; every text role has its background beside it."""

    name: str
    label: str
    window_bg: str
    text: str
    muted_text: str
    button_bg: str
    button_text: str
    button_border: str
    pressed_bg: str
    pressed_text: str
    focus_bg: str
    focus_text: str
    focus_ring: str
    emergency_bg: str
    emergency_text: str
    emergency_band_bg: str
    emergency_band_text: str
    emergency_button_bg: str
    emergency_button_text: str
    highlight_bg: str
    highlight_text: str
    overlay_bg: str
    overlay_text: str
    disabled_bg: str
    disabled_text: str

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text, background) pair the kiosk paints with, by name."""
        return {
            "body": (self.text, self.window_bg),
            "muted": (self.muted_text, self.window_bg),
            "button": (self.button_text, self.button_bg),
            "button pressed": (self.pressed_text, self.pressed_bg),
            "button focused": (self.focus_text, self.focus_bg),
            "emergency panel": (self.emergency_text, self.emergency_bg),
            "emergency band": (self.emergency_band_text, self.emergency_band_bg),
            "emergency button": (self.emergency_button_text, self.emergency_button_bg),
            "highlight": (self.highlight_text, self.highlight_bg),
            "overlay": (self.overlay_text, self.overlay_bg),
            "disabled button": (self.disabled_text, self.disabled_bg),
        }


STANDARD = Theme(
    name="standard",
    label="Standard",
    window_bg="#ffffff",
    text="#0b0c0c",
    muted_text="#33434e",
    button_bg="#003087",
    button_text="#ffffff",
    button_border="#00205b",
    pressed_bg="#00205b",
    pressed_text="#ffffff",
    focus_bg="#ffeb3b",
    focus_text="#0b0c0c",
    focus_ring="#0b0c0c",
    emergency_bg="#212b32",
    emergency_text="#ffffff",
    emergency_band_bg="#8a1538",
    emergency_band_text="#ffffff",
    emergency_button_bg="#8a1538",
    emergency_button_text="#ffffff",
    highlight_bg="#ffeb3b",
    highlight_text="#0b0c0c",
    overlay_bg="#f0f4f5",
    overlay_text="#0b0c0c",
    disabled_bg="#d8dde0",
    disabled_text="#212b32",
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    label="High contrast",
    window_bg="#000000",
    text="#ffffff",
    muted_text="#ffffff",
    button_bg="#000000",
    button_text="#ffff00",
    button_border="#ffff00",
    pressed_bg="#ffff00",
    pressed_text="#000000",
    focus_bg="#ffffff",
    focus_text="#000000",
    focus_ring="#00ffff",
    emergency_bg="#000000",
    emergency_text="#ffffff",
    emergency_band_bg="#ffffff",
    emergency_band_text="#000000",
    emergency_button_bg="#000000",
    emergency_button_text="#ffffff",
    highlight_bg="#00ffff",
    highlight_text="#000000",
    overlay_bg="#000000",
    overlay_text="#ffffff",
    disabled_bg="#000000",
    disabled_text="#c0c0c0",
)

THEMES: dict[str, Theme] = {t.name: t for t in (STANDARD, HIGH_CONTRAST)}


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes for one screen, theme-independent. ``scale`` is the patient's text size."""

    screen: PhysicalScreen
    scale: int = 100
    control_scale: int = 0
    """The text size the controls are drawn at (0: ``scale``). The window lowers it, never below
    100, where the page column is too small for the controls at the patient's size; page text
    keeps ``scale``."""
    heading_ratio: float = 1.3
    """Headings' size per page text size (the window lowers it, never below 1, where a long
    title would leave the page no room)."""
    title_in_page: bool = False
    """True where the screens are too low to keep a title (and band) above the page: they
    are the page's first blocks, paged with its text (the window decides)."""

    @property
    def base_body_px(self) -> int:
        """Body font pixel size at 100%: the legibility minimum, a capital H of 0.7° at the
        viewing distance (6.1 mm at 500 mm)."""
        return self.screen.px(self.screen.min_cap_height_mm / CAP_HEIGHT_RATIO) + 1

    @property
    def body_px(self) -> int:
        """Page text at the patient's text size."""
        return round(self.base_body_px * self.scale / 100)

    @property
    def heading_px(self) -> int:
        """Page headings."""
        return round(self.body_px * self.heading_ratio)

    @property
    def control_px(self) -> int:
        """Buttons grow half as fast as page text, so every control stays on screen at 200%."""
        scale = self.control_scale or self.scale
        return round(self.base_body_px * (1 + (scale - 100) / 200))

    @property
    def panel_px(self) -> int:
        """The emergency panel's preferred type size (it grows like the controls); the panel
        chooses a smaller one, down to ``panel_min_px``, when it would not fit in full."""
        return self.control_px

    @property
    def panel_min_px(self) -> int:
        """The emergency panel never goes below the legibility minimum."""
        return self.base_body_px

    @property
    def min_target_px(self) -> int:
        """Smallest touch target side (15 mm)."""
        return self.screen.px(MIN_TARGET_MM)

    @property
    def gap_px(self) -> int:
        """Space between controls (3 mm), so a finger does not touch two at once."""
        return self.screen.px(3.0)

    @property
    def focus_px(self) -> int:
        """Focus ring thickness (1.5 mm)."""
        return self.screen.px(1.5)


def stylesheet(theme: Theme, sizes: Sizes) -> str:
    """The whole stylesheet for a theme at a text size: :func:`colour_sheet`, which the window
    has, and :func:`type_sheet`, which each part of it with text of the patient's size has."""
    return colour_sheet(theme, sizes) + type_sheet(sizes)


def colour_sheet(theme: Theme, sizes: Sizes) -> str:
    """The window's stylesheet: the typeface and every colour (no type sizes: a change of text
    size then leaves it alone, and Qt restyles only the parts whose type sheet changes instead
    of every widget of every screen). Of ``sizes`` it uses the focus ring's width only, which
    does not change with the text size."""
    t, s = theme, sizes
    return f"""
* {{ font-family: "{FONT_FAMILY}"; }}
QWidget#KioskWindow {{ color: {t.text}; background-color: {t.window_bg}; }}
QWidget#Screen, QStackedWidget, QWidget#Page {{ color: {t.text}; }}
QLabel {{ color: {t.text}; }}
QLabel[role="title"], QLabel[role="heading"], QLabel[role="status"], QLabel[role="clinic"] {{
    color: {t.text};
}}
QLabel[role="meta"] {{ color: {t.muted_text}; }}
QFrame#EmergencyPanel {{
    color: {t.emergency_text}; background-color: {t.emergency_bg};
    border: {s.focus_px}px solid {t.emergency_bg};
}}
QFrame#EmergencyPanel:focus {{ border: {s.focus_px}px solid {t.focus_bg}; }}
QFrame#EmergencyPanel QLabel {{
    color: {t.emergency_text}; background-color: {t.emergency_bg};
}}
QFrame#EmergencyPanel QLabel[role="band"] {{
    color: {t.emergency_band_text}; background-color: {t.emergency_band_bg};
}}
QLabel[role="band"] {{
    color: {t.emergency_band_text}; background-color: {t.emergency_band_bg};
}}
QWidget#Overlay, QWidget#VoiceOverlay {{
    color: {t.overlay_text}; background-color: {t.overlay_bg};
}}
QWidget#Overlay QLabel, QWidget#VoiceOverlay QLabel {{
    color: {t.overlay_text}; background-color: {t.overlay_bg};
}}
"""


ROLE_TYPES: Final = (
    (("title", "heading"), "heading_px", True),
    (("meta", "status"), "control_px", False),
    (("clinic", "band"), "control_px", True),
)
"""Labels' roles -> the type size (a :class:`Sizes` field) and whether bold; any other label
has ``body_px``, not bold. Both :func:`type_sheet` and ``kiosk.ui.widgets.role_font`` use it."""


def role_type(sizes: Sizes, role: object) -> tuple[int, bool]:
    """A label's type size in px and whether it is bold, for its ``role`` property."""
    for roles, size, bold in ROLE_TYPES:
        if role in roles:
            return getattr(sizes, size), bold
    return sizes.body_px, False


def type_sheet(sizes: Sizes) -> str:
    """The type sizes at the patient's text size (every font-size is here, none in
    :func:`colour_sheet`: Qt prefers the nearer sheet whatever the rules' specificity)."""
    rules = [f"QLabel {{ font-size: {sizes.body_px}px; }}"]
    for roles, size, bold in ROLE_TYPES:
        selector = ", ".join(f'QLabel[role="{role}"]' for role in roles)
        weight = " font-weight: bold;" if bold else ""
        rules.append(f"{selector} {{ font-size: {getattr(sizes, size)}px;{weight} }}")
    return "\n" + "\n".join(rules) + "\n"
