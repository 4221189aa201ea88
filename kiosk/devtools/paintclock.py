"""Tap to paint: how long after a real mouse click the next screen starts to be painted.

Shared by ``bench ui`` (the seed content) and ``bench scale`` (1,000 topics). The tap is a real
click (``QTest.mouseClick``: press and release, so the button's own ``clicked`` runs the
kiosk's code) on the real window; the clock stops at the first paint event of a widget that
shows the result (the topic page's title, a button of the next page of topics, ...).

Widgets the kiosk let go of (``deleteLater``) are deleted while waiting, as the kiosk's own event
loop does: ``processEvents`` alone never deletes them, and a bench that keeps every old page's
widgets alive gets slower with each tap (a style change, for one, repolishes all of them).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.devtools.stats import percentile

__all__ = ["PaintClock", "percentile", "tap_to_paint_ms"]

TIMEOUT_S = 2.0
"""A tap whose result is not painted by then is not counted (and reported as None)."""


class PaintClock(QObject):
    """Notes when the first of some widgets gets a paint event (``painted_at``, perf_counter
    seconds; 0 until then)."""

    def __init__(self, widgets: Iterable[QWidget]) -> None:
        super().__init__()
        self.painted_at = 0.0
        self._widgets = list(widgets)
        for widget in self._widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted_at:
            self.painted_at = time.perf_counter()
        return False

    def remove(self) -> None:
        """Stop watching."""
        for widget in self._widgets:
            widget.removeEventFilter(self)
        self._widgets = []


def tap_to_paint_ms(
    app: QApplication, target: QWidget, painted: Iterable[QWidget], timeout_s: float = TIMEOUT_S
) -> float | None:
    """Tap ``target`` and return the milliseconds until the first paint of any of ``painted``
    (None when none is painted within ``timeout_s``)."""
    clock = PaintClock(painted)
    try:
        start = time.perf_counter()
        QTest.mouseClick(target, Qt.MouseButton.LeftButton)
        while not clock.painted_at and time.perf_counter() - start < timeout_s:
            app.processEvents()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        return (clock.painted_at - start) * 1000 if clock.painted_at else None
    finally:
        clock.remove()
