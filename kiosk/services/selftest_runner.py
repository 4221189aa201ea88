"""The staff screen's sound and voice self-test, run in a thread (it takes about 5 s): the lines
it shows while it runs and after, and this run's last result (saved in the state folder)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("kiosk.session")

RUNNING_LINE = "Testing sound and voice: the speaker says a sentence now..."


class SelfTestRunner(QObject):
    """Runs :func:`kiosk.selftest.run_selftest` off the GUI thread. ``done(SelfTest)`` comes
    from the self-test's thread; ``finished`` follows on the GUI thread once the result is kept
    (and saved in ``state_folder``, when there is one)."""

    done = Signal(object)  # SelfTest, from the self-test's thread
    finished = Signal()

    def __init__(self, state_folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state_folder = state_folder
        self.running = False
        self.lines: list[str] = []
        """What the staff screen shows of the self-test (nothing until one is run)."""
        self.result: object = None
        """This run's last SelfTest, if any."""
        self.done.connect(self._finished)

    def start(self, content_dir: Path) -> bool:
        """Start a self-test with the content in ``content_dir``; False if one is running."""
        if self.running:
            return False
        from kiosk.selftest import run_selftest

        self.running = True
        self.lines = [RUNNING_LINE]

        def work() -> None:
            self.done.emit(run_selftest(content_dir=content_dir))

        threading.Thread(target=work, name="selftest", daemon=True).start()
        return True

    def _finished(self, result: object) -> None:
        from kiosk.selftest import RESULT_FILE, SelfTest, save_result

        self.running = False
        assert isinstance(result, SelfTest)
        log.info("sound and voice self-test: %s", result.verdict)
        self.result = result
        self.lines = result.lines()
        if self.state_folder is not None:
            try:
                save_result(result, self.state_folder / RESULT_FILE)
            except OSError as error:
                log.warning("the self-test result could not be saved: %s", error)
        self.finished.emit()
