"""Device and engine faults on the real audio rig, with the real kiosk window: the microphone
unplugged while listening, the Vosk model damaged while the kiosk runs, and the speech cache
unwritable or full. (The sound server killed mid-read is in ``test_speech.py``.)

In each case touch keeps working, patients see plain words (or nothing changes for them), staff
see the cause on the staff screen, and the kiosk recovers by itself once the fault is cleared.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.core.session import Screen
from kiosk.devtools.recorder import SinkRecorder
from kiosk.devtools.rig import PulseRig
from kiosk.paths import VOICES_DIR
from tests.ui.conftest import KioskUnderTest, build
from tests.ui.helpers import staff_text
from tests.ui.test_speech import sound_after
from tests.ui.test_voice import say
from tests.unit.listen.test_recognisers import korean_model, link_tree

KOREAN = "vosk-model-small-ko-0.22"


def touch_still_works(qtbot: QtBot, k: KioskUnderTest) -> None:
    qtbot.mouseClick(k.window.home_button, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.HOME
    qtbot.mouseClick(k.window.home.grid.buttons[0], Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.TOPIC


# -- the microphone ------------------------------------------------------------------------------


def test_microphone_unplugged_while_listening(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    pulse_rig: PulseRig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    k = build(qtbot, seed_copy, tmp_path, voice=True)
    c = k.controller
    assert c.voice is not None
    qtbot.mouseClick(k.window.voice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.voice.state == "listening", timeout=10_000)
    try:
        pulse_rig.unplug_microphones()
        # Plain words for the patient, not "I didn't hear anything".
        qtbot.waitUntil(lambda: k.window.voice_overlay.mode == "message", timeout=10_000)
        assert "not working" in k.window.voice_overlay.title.text()
        qtbot.waitUntil(lambda: k.window.voice_button.title == "Voice unavailable", timeout=10_000)
        assert "no microphone is connected" in staff_text(k)
        qtbot.mouseClick(k.window.voice_overlay.ok_button, Qt.MouseButton.LeftButton)
        touch_still_works(qtbot, k)
    finally:
        pulse_rig.plug_microphones()
    qtbot.waitUntil(lambda: k.window.voice_button.title == "Ask by voice", timeout=10_000)
    assert "Asking by voice: working" in staff_text(k)
    # Listening works again: speech is heard (its words do not matter here).
    c.sound.stop_speech()
    qtbot.waitUntil(lambda: c.speech is None or c.speech.state == "idle", timeout=10_000)
    qtbot.mouseClick(k.window.voice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.voice.state == "listening", timeout=10_000)
    say(pulse_rig, "tell me about pain", tmp_path)
    qtbot.waitUntil(lambda: c.voice.state == "idle", timeout=10_000)
    assert k.window.voice_overlay.title.text() != "", "no answer after the microphone came back"
    assert "didn't hear anything" not in k.window.voice_overlay.title.text()
    assert any("microphone was removed" in r.getMessage() for r in caplog.records)
    caplog.clear()


# -- the Vosk model ------------------------------------------------------------------------------


def test_vosk_model_damaged_while_running_falls_back_and_comes_back_when_repaired(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real Vosk library on a real model (the Korean one: only the mechanics matter here)."""
    models_dir = tmp_path / "models"
    model = link_tree(korean_model(), models_dir / KOREAN)
    profile = tmp_path / "en.toml"
    text = (VOICES_DIR / "en.toml").read_text(encoding="utf-8")
    profile.write_text(
        text.replace('vosk_model = "vosk-model-small-en-us-0.15"', f'vosk_model = "{KOREAN}"'),
        encoding="utf-8",
    )
    k = build(
        qtbot,
        seed_copy,
        tmp_path,
        voice=True,
        voice_engine="auto",
        models_dir=models_dir,
        voice_profile=profile,
    )
    voice = k.controller.voice
    assert voice is not None
    qtbot.waitUntil(lambda: voice.engine == "vosk", timeout=60_000)
    assert f"using Vosk (model {KOREAN})" in staff_text(k)

    # Damage the acoustic model while the kiosk runs (a failed copy: half a file).
    final = model / "am" / "final.mdl"
    original = final.resolve()
    final.unlink()
    final.write_bytes(original.read_bytes()[:4096])
    qtbot.waitUntil(lambda: voice.engine == "pocketsphinx" and voice.available, timeout=60_000)
    report = staff_text(k)
    assert "the Vosk model in" in report and "cannot be loaded" in report, report
    assert "using PocketSphinx" in report
    assert k.window.voice_button.title == "Ask by voice"  # patients can still ask by voice
    touch_still_works(qtbot, k)

    # Repaired (the file put back): Vosk again, without restarting the kiosk.
    final.unlink()
    final.symlink_to(original)
    qtbot.waitUntil(lambda: voice.engine == "vosk" and voice.available, timeout=60_000)
    assert f"using Vosk (model {KOREAN})" in staff_text(k)
    assert voice.restarts >= 2
    caplog.clear()  # the Korean model cannot hear the English phrases: warned about, expected


# -- the speech cache ----------------------------------------------------------------------------


def _mount_tmpfs(folder: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.fail(
            "this test mounts a small tmpfs to fill a disk for real: run the tests as root "
            "(CI and `sudo make test` do)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)


@pytest.mark.parametrize("fault", ["unwritable", "full"])
def test_speech_cache_unwritable_or_full_speech_goes_on_and_the_cache_comes_back(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    pulse_rig: PulseRig,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    cache = tmp_path / "speech-cache"
    filler = cache / "filler"
    if fault == "unwritable":
        cache.write_text("a file where the cache folder should be\n")  # mkdir/open fail
    else:
        _mount_tmpfs(cache, "4m")
    try:
        if fault == "full":
            # Fill the disk to the last byte.
            with open(filler, "wb") as stream, pytest.raises(OSError):
                while True:
                    stream.write(bytes(64 * 1024))
                    stream.flush()
        k = build(qtbot, seed_copy, tmp_path, speech_cache=cache)
        speech = k.controller.speech
        assert speech is not None
        renderer = speech.worker.renderer
        renderer.cache_retry_s = 1.0
        k.controller.nav.open_topic("fatigue")
        with SinkRecorder(pulse_rig) as recorder:
            started = time.perf_counter()
            k.controller.sound.read_page()
            assert sound_after(qtbot, recorder, started, 5.0) is not None, "no speech"
        k.controller.sound.stop_speech()
        qtbot.waitUntil(lambda: speech.cache_problem is not None, timeout=10_000)
        cause = "(File exists)" if fault == "unwritable" else "(No space left on device)"
        report = staff_text(k)
        assert "Speech cache: not working" in report and cause in report, report
        assert k.window.sound_status.isHidden()  # nothing changes for patients
        touch_still_works(qtbot, k)

        # The fault clears; the next rendering goes into the cache again.
        if fault == "unwritable":
            cache.unlink()
        else:
            filler.unlink()
        time.sleep(renderer.cache_retry_s)
        k.controller.sound.speak_text("The cache works again.")
        qtbot.waitUntil(lambda: speech.cache_problem is None, timeout=10_000)
        qtbot.waitUntil(lambda: any(cache.glob("*.wav")), timeout=10_000)
        assert "Speech cache: not working" not in staff_text(k)
        k.controller.sound.stop_speech()
    finally:
        if fault == "full":
            subprocess.run(["umount", "-l", str(cache)], check=False)
    assert any("speech cache unavailable" in r.getMessage() for r in caplog.records)
    caplog.clear()
