"""Counting patients' use of the kiosk: a count the counter refuses is logged and left out, and
what staff do on their own screens is not counted.

Pure module: standard library and the pure core only.
"""

from __future__ import annotations

import logging
from typing import Final

from kiosk.core.session import Navigator, Screen
from kiosk.core.usage import UsageCounter, UsageRefused

STAFF_SCREENS: Final = (Screen.STAFF, Screen.USE, Screen.PIN)
"""Screens only staff see: nothing done there is counted as patients' use."""

log = logging.getLogger("kiosk.session")


class PatientUse:
    """Counts uses in ``usage`` (None: the kiosk counts nothing), telling patients' screens from
    staff's by where ``navigator`` is."""

    def __init__(self, usage: UsageCounter | None, navigator: Navigator) -> None:
        self.usage = usage
        self.navigator = navigator

    def count(self, event: str, detail: str = "") -> None:
        """Count one use (in memory: the file is written by the counter's own thread). A count
        the counter refuses is left out and logged: counting never stops what the patient did."""
        if self.usage is not None:
            try:
                self.usage.count(event, detail)
            except UsageRefused as error:
                log.warning("usage count left out: %s", error)

    def by_patient(self) -> bool:
        """Whether a display choice is a patient's: not made by staff who opened Text size from
        their own screens (checking how the kiosk looks is not patients' use)."""
        nav = self.navigator
        on_display = nav.current.screen is Screen.DISPLAY
        came_from = nav.history[-1] if on_display and nav.history else None
        return nav.current.screen not in STAFF_SCREENS and (
            came_from is None or came_from.screen not in STAFF_SCREENS
        )

    def page_turned(self) -> None:
        """A page turned: counted for patients' screens only (staff reading their screens are
        not patients' use)."""
        if self.navigator.current.screen not in STAFF_SCREENS:
            self.count("page-turn")
