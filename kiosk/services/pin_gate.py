"""The staff PIN pad's gate: what it guards (the staff screen, or clearing the usage counts),
what the pad says, and the lock after wrong tries (with a timer for when it runs out). The PIN
itself is checked by :class:`kiosk.core.pin.StaffPin`."""

from __future__ import annotations

import enum
import logging
from typing import Final

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.core.pin import StaffPin, VerifyResult

log = logging.getLogger("kiosk.session")

CLEAR_COUNTS_PROMPT: Final = "Enter the staff PIN to clear the usage counts."


class Guarded(enum.Enum):
    """What the PIN pad opens once the PIN is right."""

    STAFF = "staff"
    """The staff screen."""
    CLEAR_COUNTS = "clear-counts"
    """Clear counts on the Use page."""


def _locked_words(locked_for: float) -> str:
    return f"Too many wrong tries. The pad is locked for {int(locked_for + 0.999)} seconds."


class PinGate(QObject):
    """Asks ``staff_pin`` about a PIN entered and says what the pad should show. ``unlocked``:
    the lock after wrong tries ran out."""

    unlocked = Signal()

    def __init__(self, staff_pin: StaffPin, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.staff_pin = staff_pin
        self.guards = Guarded.STAFF
        self._unlock_timer = QTimer(self)
        self._unlock_timer.setSingleShot(True)
        self._unlock_timer.timeout.connect(self.unlocked)

    @property
    def needed(self) -> bool:
        """A PIN is asked for: one is set, or the PIN file has a problem."""
        return self.staff_pin.is_set() or bool(self.staff_pin.problem)

    def prompt(self) -> str:
        """What the pad says when it opens (or the lock runs out)."""
        locked = self.staff_pin.locked_for()
        if locked > 0:
            return _locked_words(locked)
        return "Enter the staff PIN."

    def check(self, pin: str) -> str | None:
        """Check an entered PIN: None when it opens what the pad guards, else what the pad
        says (locked for a while, or wrong with the tries left)."""
        attempt = self.staff_pin.try_pin(pin)
        if attempt.result is VerifyResult.ACCEPTED or attempt.result is VerifyResult.NO_PIN_SET:
            return None
        if attempt.result is VerifyResult.LOCKED:
            if not self._unlock_timer.isActive():
                log.warning(
                    "staff PIN pad locked for %.0f s after wrong attempts", attempt.locked_for
                )
            self._unlock_timer.start(int(attempt.locked_for * 1000) + 100)
            return _locked_words(attempt.locked_for)
        problem = f" ({self.staff_pin.problem})" if self.staff_pin.problem else ""
        return f"Wrong PIN{problem}. {attempt.attempts_left} tries left before the pad locks."
