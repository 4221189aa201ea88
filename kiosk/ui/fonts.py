"""Register Atkinson Hyperlegible (from the fontpkg package) with Qt."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.ui.theme import FONT_FAMILY

log = logging.getLogger("kiosk.ui")


def font_files() -> list[Path]:
    """The font files shipped by fontpkg-atkinson-hyperlegible."""
    import fontpkg_atkinson_hyperlegible as package

    return sorted(Path(package.ROOT, "files").glob("*.ttf"))


def install_fonts(app: QApplication) -> bool:
    """Make Atkinson Hyperlegible the application font; False (and a log line) if unavailable."""
    families: set[str] = set()
    try:
        files = font_files()
    except ImportError:
        files = []
    for path in files:
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families.update(QFontDatabase.applicationFontFamilies(font_id))
    if FONT_FAMILY not in families:
        log.error(
            "font %s not found (install fontpkg-atkinson-hyperlegible); using the system font",
            FONT_FAMILY,
        )
        return False
    font = QFont(FONT_FAMILY)
    font.setPixelSize(38)
    app.setFont(font)
    return True
