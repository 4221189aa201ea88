"""``python run_kiosk.py screenshot``: render a screen offscreen with the real widgets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.core.display import PhysicalScreen, panel_for_size
from kiosk.core.session import Place, Screen
from kiosk.core.settings import KioskSettings

if TYPE_CHECKING:
    from kiosk.ui.window import KioskWindow

SCREENS = ("home", "help", "emergency", "staff", "display", "pin", "use")


def take_screenshot(
    content_dir: Path,
    out: Path,
    *,
    topic: str | None = None,
    screen: str = "home",
    size: tuple[int, int] = (1920, 1080),
    text_size: int = 100,
    theme: str = "standard",
    voice: str | None = None,
    panel: PhysicalScreen | None = None,
    usage: Path | None = None,
    page: int = 0,
    inspect: Callable[[KioskWindow], None] | None = None,
) -> Path:
    """Render one screen at a size, text size and theme, and save it as PNG; ``voice``
    ("listening", "question", "message") shows the Ask by voice overlay in that state; ``panel``
    is the physical screen to size for (default: the supported screen with this pixel size);
    ``usage`` is a usage counts file to show on the "use" screen (a copy is used: it is not
    changed); ``page`` turns the screen to that page (0 the first); ``inspect`` is called with
    the window just before it is grabbed (tests)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from kiosk.app import create_kiosk
    from kiosk.controller import KioskController
    from kiosk.core.pin import StaffPin
    from kiosk.paths import state_dir
    from kiosk.ui.fonts import install_fonts
    from kiosk.ui.window import KioskWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install_fonts(app)
    panel = panel or panel_for_size(*size)
    settings = KioskSettings(
        screen_diagonal_inches=panel.diagonal_inches,
        screen_width_px=panel.width_px,
        screen_height_px=panel.height_px,
        viewing_distance_mm=panel.viewing_distance_mm,
    )
    with tempfile.TemporaryDirectory() as tmp:
        usage_copy = Path(tmp) / "usage.sqlite3"
        if usage is not None:
            import sqlite3

            with sqlite3.connect(usage) as source, sqlite3.connect(usage_copy) as copy:
                source.backup(copy)
        kiosk = create_kiosk(
            content_dir,
            settings,
            staff_pin=StaffPin(Path(tmp) / "staff.json"),
            watch=False,
            voice=False,
            usage_file=usage_copy,
            # The staff screen's health lines read this machine's crash log and last self-test.
            state_folder=state_dir() if screen in ("staff", "use") else None,
        )
        window, controller = kiosk.window, kiosk.controller
        assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
        window.resize(*size)
        window.show()
        app.processEvents()
        controller.nav.set_text_scale(text_size)
        controller.nav.set_theme(theme)
        if controller.usage is not None:
            controller.usage.discard_pending()  # the picture's own settings are not use
        if topic:
            controller.nav.open_topic(topic)
            if controller.navigator.current.topic_id != topic:
                raise ValueError(f"there is no topic with id {topic!r}")
        elif screen == "staff":
            controller.staff.open_staff()
        elif screen == "use":
            controller.staff.open_staff()
            controller.nav.go(Place(Screen.USE))
        elif screen != "home":
            controller.nav.go(Place(Screen(screen)))
        if page:
            shown = window.screens[controller.navigator.current.screen]
            view = getattr(shown, "view", None) or getattr(shown, "grid", None)
            if view is not None:
                view.set_page(page)
        overlay = window.voice_overlay
        # Drawn as on a kiosk with a microphone (no voice process is started for a picture).
        window.show_voice_state("listening" if voice == "listening" else "ready")
        if voice == "listening":
            overlay.show_listening()
            overlay.show_level(0.6)
        elif voice == "question":
            overlay.show_question("Did you mean Tiredness (fatigue)?")
        elif voice == "message":
            from kiosk.listen.matching import NOT_RECOGNISED_MESSAGE

            overlay.show_message(NOT_RECOGNISED_MESSAGE)
        app.processEvents()
        if inspect is not None:
            inspect(window)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise OSError(f"could not write {out}")
        window.allow_close()
        window.close()
    return out
