"""Idle timing in Qt: any touch, click or key is activity; a timer reports warning and reset."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from kiosk.core.session import IdlePhase, IdleState, IdleTimer

_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
}


class IdleService(QObject):
    """Emits ``warning(seconds_left)`` each second of the warning, ``expired`` once, and
    ``resumed`` when someone interacts during the warning."""

    warning = Signal(int)
    expired = Signal()
    resumed = Signal()

    def __init__(self, timer: IdleTimer, tick_ms: int = 250, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = timer
        self._last = IdleState(IdlePhase.ACTIVE)
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self.check)

    def start(self) -> None:
        """Start ticking."""
        self._tick.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.activity()
        return False

    def activity(self) -> None:
        """Someone is here."""
        self.timer.activity()
        if self._last.phase is IdlePhase.WARNING:
            self._last = IdleState(IdlePhase.ACTIVE)
            self.resumed.emit()

    def check(self) -> IdleState:
        """Look at the clock and report any change."""
        state = self.timer.state()
        if state.phase is IdlePhase.WARNING and state != self._last:
            self.warning.emit(state.seconds_left)
        elif state.phase is IdlePhase.EXPIRED:
            self.timer.activity()  # the next session starts counting from the reset
            state = IdleState(IdlePhase.ACTIVE)
            self._last = state
            self.expired.emit()
            return state
        self._last = state
        return state
