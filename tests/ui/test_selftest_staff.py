"""The staff screen's Test sound and voice button, on the real rig and the real window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.devtools.rig import MIC_FEED_SINK, SPEAKER_SINK, PulseRig
from tests.ui.conftest import build
from tests.ui.helpers import staff_text


def test_the_staff_button_runs_the_selftest_and_shows_the_verdict(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, pulse_rig: PulseRig
) -> None:
    module = pulse_rig.pactl(
        "load-module",
        "module-loopback",
        f"source={SPEAKER_SINK}.monitor",
        f"sink={MIC_FEED_SINK}",
        "latency_msec=20",
    ).strip()
    try:
        k = build(qtbot, seed_copy, tmp_path)
        k.controller.staff.open_staff()
        qtbot.mouseClick(k.window.staff.selftest_button, Qt.MouseButton.LeftButton)
        assert "Testing sound and voice" in staff_text(k)
        with qtbot.waitSignal(k.controller.staff.selftest.done, timeout=60_000):
            pass
        report = staff_text(k)
    finally:
        pulse_rig.pactl("unload-module", module)
    assert "Self-test: Sound and voice are working." in report, report
    assert "Speaker: KioskSpeaker. Microphone: KioskMicrophone." in report
