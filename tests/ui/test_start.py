"""How the kiosk starts: Home first, then its sound output and voice input processes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import create_kiosk
from kiosk.controller import KioskController
from kiosk.core.pin import StaffPin
from kiosk.core.settings import KioskSettings
from kiosk.ui.window import KioskWindow


def test_the_sound_and_voice_processes_start_once_home_is_painted(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    # As the kiosk runs (run_kiosk): their starts no longer take the CPU Home's first frame
    # needs; they still start before the kiosk reports itself ready.
    kiosk = create_kiosk(
        seed_copy,
        KioskSettings(),
        staff_pin=StaffPin(tmp_path / "staff.json"),
        snapshot_dir=tmp_path / "snapshot",
        speech_cache=tmp_path / "speech-cache",
        voice=True,
        voice_engine="pocketsphinx",
        state_folder=tmp_path / "state",
        children_after_paint=True,
    )
    window, controller = kiosk.window, kiosk.controller
    assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
    qtbot.addWidget(window, before_close_func=lambda w: w.allow_close())
    assert controller.speech is not None and controller.voice is not None
    output, voice = controller.speech.output, controller.voice
    at_first_paint: list[tuple[bool, bool]] = []
    window.first_painted.connect(lambda: at_first_paint.append((output.started, voice.started)))
    QApplication.processEvents()
    assert not output.started and not voice.started  # not shown, so not painted
    window.resize(1366, 768)
    window.show()
    qtbot.waitUntil(lambda: output.started and voice.started, timeout=5_000)
    assert at_first_paint == [(False, False)]
    # The real processes come up and say so.
    qtbot.waitUntil(lambda: output.ready, timeout=10_000)
    qtbot.waitUntil(lambda: voice.available, timeout=20_000)
