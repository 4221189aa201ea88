"""What staff do at the kiosk: open the staff screen (through the PIN pad), reload content, see
and clear the usage counts, run the self-test, and close the kiosk.

What the staff screens say is :mod:`kiosk.staff_report`'s; the PIN pad's state is
:class:`kiosk.services.pin_gate.PinGate`'s and the self-test runs in
:class:`kiosk.services.selftest_runner.SelfTestRunner`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from kiosk.core.lazy import lazy_module
from kiosk.core.patient_use import PatientUse
from kiosk.core.pin import StaffPin
from kiosk.core.session import Place, Screen
from kiosk.listen.client import VoiceInput
from kiosk.navigation import Navigation
from kiosk.services.content_watch import ContentWatcher
from kiosk.services.pin_gate import CLEAR_COUNTS_PROMPT, Guarded, PinGate
from kiosk.services.selftest_runner import SelfTestRunner
from kiosk.sound_controls import SoundControls
from kiosk.ui.staff_tools import UsageView
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk import staff_report as report
    from kiosk.core import health
else:  # what the staff screens say (and the health checks' patterns): when staff first look
    report = lazy_module("kiosk.staff_report")

log = logging.getLogger("kiosk.session")

NO_PIN_NOTICE = (
    "No staff PIN is set, so Exit needs no PIN. Set one on this machine with: "
    "python run_kiosk.py set-pin"
)


class StaffDesk(QObject):
    """The staff screens on ``window``, reached through ``nav``.

    ``use`` holds the usage counts; ``unknown_words`` gives the content's words the recogniser
    cannot hear; ``quit_app`` ends the application; ``state_folder`` is the machine's state
    folder (crash log, last self-test, usage counts), or None."""

    def __init__(
        self,
        window: KioskWindow,
        nav: Navigation,
        watcher: ContentWatcher,
        staff_pin: StaffPin,
        use: PatientUse,
        sound: SoundControls,
        voice: VoiceInput | None,
        unknown_words: Callable[[], list[str]],
        log_transcripts: bool,
        quit_app: Callable[[], None],
        state_folder: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.nav = nav
        self.watcher = watcher
        self.staff_pin = staff_pin
        self.use = use
        self.sound = sound
        self.voice = voice
        self._unknown_words = unknown_words
        self.log_transcripts = log_transcripts
        self._quit = quit_app
        self.state_folder = state_folder
        self.started = dt.datetime.now()
        self.notice = ""
        """Said once at the top of the staff screen ("Content reloaded.")."""
        self.usage_notice = ""
        """Said once on the Use page ("Usage counts cleared.")."""
        self.pin_gate = PinGate(staff_pin, parent=self)
        """The staff PIN pad: what it guards and what it says."""
        self.pin_gate.unlocked.connect(self._pin_unlocked)
        self.selftest = SelfTestRunner(state_folder, parent=self)
        """The staff screen's sound and voice self-test."""
        self.selftest.finished.connect(self._selftest_finished)

    def open_staff(self) -> None:
        """The hidden gesture: PIN pad, or straight in when no PIN is set (first set-up)."""
        self.pin_gate.guards = Guarded.STAFF
        if self.pin_gate.needed:
            self.window.pin.reset(self.pin_gate.prompt())
            self.nav.go(Place(Screen.PIN))
        else:
            self.notice = NO_PIN_NOTICE
            self.nav.go(Place(Screen.STAFF))

    def check_pin(self, pin: str) -> None:
        """Check an entered PIN."""
        refused = self.pin_gate.check(pin)
        if refused is not None:
            self.window.pin.reset(refused)
        elif self.pin_gate.guards is Guarded.CLEAR_COUNTS:
            self.pin_gate.guards = Guarded.STAFF
            self.nav.navigator.current = Place(Screen.USE)
            self.clear_counts()
        else:
            log.info("staff mode opened")
            self.notice = ""
            # The PIN pad is not a place to go back to.
            self.nav.navigator.current = Place(Screen.STAFF)
            self.nav.render()

    def _pin_unlocked(self) -> None:
        if self.window.current_screen() is Screen.PIN:
            self.window.pin.reset(self.pin_gate.prompt())

    def reset(self) -> None:
        """Idle reset: no notice, and the PIN pad empty."""
        self.notice = ""
        self.window.pin.reset()

    def reload_content(self) -> None:
        """Staff pressed Reload content."""
        self.watcher.reload()
        self.notice = "Content reloaded."
        self.nav.render()

    def exit_kiosk(self) -> None:
        """Staff chose Exit."""
        log.info("kiosk closed by staff")
        self.window.allow_close()
        self.window.close()
        self._quit()

    def ask_clear_counts(self) -> None:
        """Clear counts was pressed: the PIN first (when one is set), then clear."""
        if self.pin_gate.needed:
            self.pin_gate.guards = Guarded.CLEAR_COUNTS
            self.window.pin.reset(CLEAR_COUNTS_PROMPT)
            self.nav.go(Place(Screen.PIN))
        else:
            self.clear_counts()

    def clear_counts(self) -> None:
        """Delete every usage count and show the Use page again."""
        usage = self.use.usage
        if usage is not None:
            self.usage_notice = (
                "Usage counts cleared."
                if usage.clear()
                else f"The usage counts could not be cleared: {usage.problem}."
            )
        self.nav.render()

    def usage_view(self, days: int = 30) -> UsageView:
        """The Use page's figures: the last ``days`` days, counts not yet written included (a
        notice, such as "Usage counts cleared.", is shown once)."""
        notice, self.usage_notice = self.usage_notice, ""
        return report.usage_view(self.use.usage, self.nav.content.topics, notice, days)

    def run_selftest(self) -> None:
        """Test sound and voice (in a thread: it takes about 5 s); the staff screen shows it."""
        if self.selftest.running:
            return
        self.sound.stop_speech()
        self.selftest.start(self.nav.content.folder.parent)
        self.nav.render()

    def _selftest_finished(self) -> None:
        if self.window.current_screen() is Screen.STAFF:
            self.nav.render()

    def health_lines(self) -> list[health.HealthLine]:
        """Health at a glance: one OK/CHECK line per part of the kiosk (top of the staff screen)."""
        return report.health_lines(
            self.nav.store,
            self.sound.speech,
            self.voice,
            state_folder=self.state_folder,
            started=self.started,
            selftest_result=self.selftest.result,
            now=dt.datetime.now(),
        )

    def staff_report(self) -> list[report.Line]:
        """The staff screen's lines: health at a glance (OK/CHECK lines), then the details."""
        return report.report_lines(
            self.health_lines(),
            self.nav.store,
            selftest_running=self.selftest.running,
            selftest_lines=self.selftest.lines,
            notice=self.notice,
            staff_pin=self.staff_pin,
            usage=self.use.usage,
            speech=self.sound.speech,
            voice=self.voice,
            unknown_words=self._unknown_words(),
            log_transcripts=self.log_transcripts,
            screen=self.window.screen_report(),
            now=dt.datetime.now(),
        )
