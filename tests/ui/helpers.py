"""Walk every screen and dialog of the real window, and measure what is on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk.content.loader import load_content
from kiosk.core.session import Place, Screen
from kiosk.ui.widgets import BigButton
from tests.conftest import SEED
from tests.ui.conftest import KioskUnderTest

Visit = Callable[[KioskUnderTest], None]
TOPIC_IDS = [t.id for t in load_content(SEED).topics]


def _go(screen: Screen) -> Visit:
    return lambda k: k.controller.nav.go(Place(screen))


def _topic(topic_id: str, last_page: bool = False) -> Visit:
    def visit(k: KioskUnderTest) -> None:
        k.controller.nav.open_topic(topic_id)
        if last_page:
            view = k.window.topic.view
            view.set_page(view.page_count - 1)

    return visit


def _idle_warning(k: KioskUnderTest) -> None:
    k.clock.advance(k.controller.idle.timer.idle_seconds + 1)
    k.controller.idle.check()
    assert k.window.overlay.isVisible()


def _staff(k: KioskUnderTest) -> None:
    k.controller.staff.open_staff()


VISITS: dict[str, Visit] = {
    "home": lambda k: k.controller.nav.home(),
    "home page 2": lambda k: (k.controller.nav.home(), k.window.home.grid.set_page(1)),
    **{f"topic {t}": _topic(t) for t in TOPIC_IDS},
    **{
        f"topic {t} last page": _topic(t, last_page=True)
        for t in ("pain", "spinal-cord-compression")
    },
    "help": _go(Screen.HELP),
    "emergency": _go(Screen.EMERGENCY),
    "display": _go(Screen.DISPLAY),
    "staff": _staff,
    "pin pad": _go(Screen.PIN),
    "idle warning": _idle_warning,
}


def visit_all(k: KioskUnderTest) -> Iterator[str]:
    """Go to every screen and dialog in turn; yields its name while it is showing."""
    for name, visit in VISITS.items():
        k.window.hide_idle_warning()
        visit(k)
        QApplication.processEvents()
        yield name


def in_window(widget: QWidget) -> QRect:
    """The widget's rectangle in window coordinates."""
    top_left = widget.mapTo(widget.window(), widget.rect().topLeft())
    return QRect(top_left, widget.size())


def shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def visible_buttons(window: QWidget) -> list[BigButton]:
    return [b for b in window.findChildren(BigButton) if shown(b) and not covered(b)]


def covered(widget: QWidget) -> bool:
    """True when the idle overlay lies over the widget (then it cannot be touched)."""
    overlay = widget.window().findChild(QWidget, "Overlay")
    if overlay is None or not overlay.isVisible() or overlay.isAncestorOf(widget):
        return False
    return in_window(overlay).intersects(in_window(widget))


def visible_labels(window: QWidget) -> list[QLabel]:
    return [
        label
        for label in window.findChildren(QLabel)
        if shown(label) and label.text() and not covered(label)
    ]


def staff_text(k: KioskUnderTest) -> str:
    """The staff screen's lines, one per line (what staff would read there)."""
    return "\n".join(text for _, text in k.controller.staff.staff_report())
