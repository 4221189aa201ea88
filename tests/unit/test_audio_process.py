"""The sound and voice processes' Qt application loads no media backend (Qt's FFmpeg plugin,
with Qt Quick and QML: 18 MB of each process), and its audio classes still work."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

_PROBE = """
import sys
from kiosk.audio_process import audio_application
from PySide6.QtMultimedia import QMediaDevices
app = audio_application(sys.argv[:1])
QMediaDevices.audioOutputs()
with open("/proc/self/maps", encoding="ascii") as maps:
    print("libraries:", " ".join(sorted({line.split()[-1] for line in maps if ".so" in line})))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_the_audio_processes_load_no_media_backend_and_say_nothing_about_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=REPO,
        env={"PULSE_SERVER": "unix:/nonexistent/pulse", "PATH": "/usr/bin:/bin"},
    )
    libraries = result.stdout
    assert "libQt6Multimedia.so" in libraries
    for unneeded in ("ffmpegmediaplugin", "libavcodec", "libQt6Quick", "libQt6Qml"):
        assert unneeded not in libraries
    assert "QtMultimedia backends" not in result.stderr
