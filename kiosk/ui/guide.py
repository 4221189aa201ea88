"""Audio guide ("talk-through", as Trace's Talking Fingertip and EZ Access): in this mode a tap
says what a control is without using it, and a double tap uses it.

The filter only decides which gesture happened; what to say and do is the controller's business.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from kiosk.ui.widgets import BigButton, EmergencyPanel

_TOUCH_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
}


def control_at(widget: QObject | None) -> QWidget | None:
    """The big button or emergency panel that a touched widget belongs to, if any."""
    while isinstance(widget, QWidget):
        if isinstance(widget, BigButton | EmergencyPanel):
            return widget
        widget = widget.parentWidget()
    return None


class AudioGuideFilter(QObject):
    """While enabled, turns taps on controls into ``explain(control)`` and double taps into
    ``activate(control)``; the control itself never sees the touch."""

    explain = Signal(object)
    activate = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = False
        self._swallow_release = False
        # Taps reach eventFilter through the kiosk's one application event filter (app.py).

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.enabled or event.type() not in _TOUCH_EVENTS:
            return False
        control = control_at(watched)
        if control is None:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonDblClick:
            self._swallow_release = True
            self.activate.emit(control)
        elif kind == QEvent.Type.MouseButtonRelease:
            if self._swallow_release:
                self._swallow_release = False
            else:
                self.explain.emit(control)
        return True  # presses and releases never reach the control in this mode
