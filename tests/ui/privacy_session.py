"""One patient's full session in a kiosk process of its own, for the privacy tests.

``python -m tests.ui.privacy_session CONTENT STATE CLIP...`` builds the real kiosk (offscreen
window, sound output and voice input processes, logging to ``STATE/log``, speech cache in
``STATE/cache``), waits until it is ready, then runs a session by touch and by voice: topics
opened with taps, a page read aloud and stopped, page turns, the emergency and help pages, text
size, each CLIP spoken into the microphone (``paplay`` into the rig's ``mic_feed``) after a tap
on Ask by voice, the staff PIN (:data:`PIN`) typed to open the staff screen and its Use page, and
finally the idle reset. Usage counting is on, into ``STATE/usage.sqlite3``. It prints one JSON
line with what happened.

The session's start and end are marked in a system-call trace by opening two files that do not
exist (``SESSION_START`` and ``SESSION_END``), so ``tests/ui/test_privacy.py`` can run this
under ``strace`` and look at exactly what the kiosk's processes did during the session.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

SESSION_START = "/nonexistent-kiosk-privacy/session-start"
SESSION_END = "/nonexistent-kiosk-privacy/session-end"
PIN = "583920"
"""The staff PIN typed during the session (set before it starts)."""


def mark(path: str) -> None:
    """Open a file that does not exist: an ``openat`` the trace shows at this moment."""
    with contextlib.suppress(OSError):
        open(path, "rb").close()


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    content, state, clips = Path(argv[0]), Path(argv[1]), argv[2:]
    app = QApplication([])
    from kiosk.app import create_kiosk
    from kiosk.core.pin import StaffPin
    from kiosk.core.session import Screen
    from kiosk.listen.dialogue import Step
    from kiosk.logsetup import setup_logging
    from kiosk.ui.fonts import install_fonts

    setup_logging(state / "log")
    install_fonts(app)
    from kiosk.core.usage import FILE_NAME

    staff_pin = StaffPin(state / "staff.json")
    staff_pin.set_pin(PIN)
    kiosk = create_kiosk(
        content,
        staff_pin=staff_pin,
        snapshot_dir=state / "snapshot",
        speech_cache=state / "cache",
        voice=True,
        voice_engine="pocketsphinx",
        usage_file=state / FILE_NAME,
    )
    window, c = kiosk.window, kiosk.controller
    window.resize(1920, 1080)
    window.show()

    def wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.01)

    def tap(widget: object) -> None:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[call-overload]
        app.processEvents()

    speech, voice = c.speech, c.voice
    assert speech is not None and voice is not None
    wait(lambda: speech.output.ready and voice.available, 30, "sound and voice")
    wait(lambda: voice.state == "idle", 5, "voice idle")

    mark(SESSION_START)
    screens: list[str] = []
    tap(window.home.grid.buttons[1])
    screens.append(window.current_screen().name)
    paged = c.sound.current_paged_screen()
    assert paged is not None and paged.speech is not None
    tap(paged.speech.read_button)
    wait(lambda: speech.current >= 1, 20, "reading aloud")
    tap(paged.speech.stop_button)
    tap(paged.pages.next_button)
    tap(window.back_button)
    tap(window.panel)
    screens.append(window.current_screen().name)
    tap(window.help_button)
    screens.append(window.current_screen().name)
    tap(window.display_button)
    c.nav.set_text_scale(150)
    tap(window.home_button)
    heard: list[str] = []
    for clip in clips:
        wait(lambda: speech.state == "idle", 20, "quiet before asking")
        tap(window.voice_button)
        wait(lambda: voice.state == "listening", 20, "the microphone to open")
        subprocess.run(["paplay", "--device=mic_feed", clip], check=True, timeout=30)
        wait(
            lambda: voice.state == "idle" and c.voice_requests.dialogue.step is not Step.LISTENING,
            20,
            "an answer",
        )
        heard.append(f"{window.voice_overlay.mode}:{window.current_screen().name}")
        c.voice_requests.close_voice()
        c.sound.stop_speech()
    c.staff.open_staff()
    screens.append(window.current_screen().name)
    for key in (*PIN, "OK"):
        window.pin.press(key)
        app.processEvents()
    screens.append(window.current_screen().name)
    tap(window.staff.use_button)
    screens.append(window.current_screen().name)
    c.reset_session()
    screens.append(window.current_screen().name)
    wait(lambda: speech.state == "idle", 20, "quiet at the end")
    mark(SESSION_END)

    print(json.dumps({"screens": screens, "voice": heard, "home": Screen.HOME.name}))
    sys.stdout.flush()
    c.shutdown()
    window.allow_close()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
