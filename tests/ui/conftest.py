"""Fixtures that build the real kiosk window (offscreen) on a copy of the seed content."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import create_kiosk
from kiosk.controller import KioskController
from kiosk.core.pin import StaffPin
from kiosk.core.settings import KioskSettings
from kiosk.ui.fonts import install_fonts
from kiosk.ui.window import KioskWindow
from tests.conftest import FakeClock

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


@dataclass
class KioskUnderTest:
    window: KioskWindow
    controller: KioskController
    clock: FakeClock
    content: Path
    staff_pin: StaffPin
    quits: list[int]


@pytest.fixture(scope="session")
def fonts(qapp: QApplication) -> bool:
    assert install_fonts(qapp), "Atkinson Hyperlegible did not load"
    return True


def build(
    qtbot: QtBot,
    content: Path,
    tmp_path: Path,
    size: tuple[int, int] = LANDSCAPE,
    settings: KioskSettings | None = None,
    voice_profile: Path | None = None,
    speech_cache: Path | None = None,
    voice: bool = False,
    voice_engine: str = "pocketsphinx",
    models_dir: Path | None = None,
    usage_file: Path | None = None,
    state_folder: Path | None = None,
) -> KioskUnderTest:
    """The real kiosk. ``voice=True`` also starts the voice input process (microphone and
    PocketSphinx); other tests leave it off: it takes about 2 s to start."""
    clock = FakeClock()
    quits: list[int] = []
    pin = StaffPin(tmp_path / "staff.json", clock=clock)
    kiosk = create_kiosk(
        content,
        settings or KioskSettings(),
        staff_pin=pin,
        clock=clock,
        snapshot_dir=tmp_path / "snapshot",
        quit_app=lambda: quits.append(1),
        voice_profile=voice_profile,
        speech_cache=speech_cache or tmp_path / "speech-cache",
        voice=voice,
        voice_engine=voice_engine,
        models_dir=models_dir,
        usage_file=usage_file,
        state_folder=state_folder or tmp_path / "state",
    )
    window, controller = kiosk.window, kiosk.controller
    assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
    qtbot.addWidget(window, before_close_func=lambda w: w.allow_close())
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    if controller.speech is not None:
        # The sound output process takes a moment to start; tests expect sound from the start.
        qtbot.waitUntil(lambda: controller.speech.output.ready, timeout=10_000)
    if controller.voice is not None:
        qtbot.waitUntil(lambda: controller.voice.available, timeout=20_000)
    return KioskUnderTest(window, controller, clock, content, pin, quits)


@pytest.fixture
def kiosk(qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path) -> Iterator[KioskUnderTest]:
    yield build(qtbot, seed_copy, tmp_path)
