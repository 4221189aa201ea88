"""Asking by voice in a noisy waiting room, end to end: other people talking (babble, 10 dB
below the request) play into the PulseAudio virtual microphone before, during and after the
request, and the kiosk's voice process (real endpointer, noise reduction, PocketSphinx) and
window act on it, or do not."""

from __future__ import annotations

import math
import subprocess
import wave
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.core.session import Screen
from kiosk.devtools.rig import MIC_FEED_SINK, PulseRig
from kiosk.devtools.speechcheck import TRANSCRIBABLE_VOICE, render_espeak
from kiosk.devtools.voiceset import NoiseBeds
from kiosk.listen.audio import read_wav_16k
from tests.ui.conftest import KioskUnderTest, build
from tests.ui.test_voice import ask, ask_and_confirm

SNR_DB = 10.0
_BABBLE_SECONDS = 30.0


@pytest.fixture
def voice_kiosk(qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path) -> KioskUnderTest:
    return build(qtbot, seed_copy, tmp_path, voice=True)


def _rms(samples: array[int]) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def _write(path: Path, samples: list[float]) -> Path:
    pcm = array("h", (max(-32768, min(32767, round(s))) for s in samples))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(pcm.tobytes())
    return path


@pytest.fixture(scope="module")
def babble_bed() -> list[float]:
    """Four people talking (the voice bench's held-out babble, espeak-ng and flite talkers)."""
    return NoiseBeds("heldout").bed("babble")[: int(_BABBLE_SECONDS * 16000)]


@pytest.fixture
def babble(
    pulse_rig: PulseRig, babble_bed: list[float], tmp_path: Path
) -> Iterator[tuple[Path, float]]:
    """Plays babble into the microphone for the whole test, 10 dB under a request rendered
    with ``TRANSCRIBABLE_VOICE``; yields the folder for requests and the babble's level."""
    probe = render_espeak("tell me about fatigue", tmp_path / "probe.wav", TRANSCRIBABLE_VOICE)
    speech_rms = _rms(array("h", read_wav_16k(probe)))
    gain = speech_rms / 10 ** (SNR_DB / 20)
    wav = _write(tmp_path / "babble.wav", [s * gain for s in babble_bed])
    player = subprocess.Popen(
        ["paplay", f"--device={MIC_FEED_SINK}", str(wav)],
        env=pulse_rig.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield tmp_path, gain
    finally:
        player.terminate()
        player.wait(timeout=5)


def request(qtbot: QtBot, k: KioskUnderTest, rig: PulseRig, text: str, folder: Path) -> None:
    """Ask by voice and say ``text`` into the room (the babble is already playing)."""
    ask(qtbot, k, rig, text, folder)


ATTEMPTS = 3
"""A patient who is not understood asks again (the kiosk says so, and opens nothing). In this
babble a clear request is acted on (or asked about) about 4 times in 5 on the first try (the
voice bench gives the rates); three tries make the test dependable, and every try must leave
the kiosk on the right page or where it was, never on a wrong one."""


def ask_until_done(
    qtbot: QtBot,
    k: KioskUnderTest,
    rig: PulseRig,
    request: tuple[str, str],
    folder: Path,
    done: Callable[[], bool],
    unchanged: Callable[[], bool],
) -> int:
    """Say ``request`` (text, target) until ``done``; returns the number of tries. After a
    try that is not ``done``, the kiosk must be ``unchanged``."""
    text, target = request
    for attempt in range(1, ATTEMPTS + 1):
        ask_and_confirm(qtbot, k, rig, text, folder, target)
        k.controller.voice_requests.close_voice()
        if done():
            return attempt
        assert unchanged(), f"try {attempt} of {text!r} changed the kiosk to something else"
    raise AssertionError(f"{text!r} was not understood in {ATTEMPTS} tries")


@pytest.mark.slow
def test_a_topic_request_in_babble_opens_that_topic(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, babble: tuple[Path, float]
) -> None:
    k = voice_kiosk
    folder, _ = babble
    place = k.controller.navigator

    def done() -> bool:
        return (place.current.screen, place.current.topic_id) == (
            Screen.TOPIC,
            "spinal-cord-compression",
        )

    def unchanged() -> bool:
        return place.current.screen is Screen.HOME

    request = ("spinal cord compression", "spinal-cord-compression")
    ask_until_done(qtbot, k, pulse_rig, request, folder, done, unchanged)


@pytest.mark.slow
def test_a_command_in_babble_does_what_its_control_does(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, babble: tuple[Path, float]
) -> None:
    k = voice_kiosk
    c = k.controller
    assert c.speech is not None
    c.nav.open_topic("pain")
    before = c.speech.volume_step
    folder, _ = babble

    def done() -> bool:
        assert c.speech is not None
        return c.speech.volume_step == before + 1

    def unchanged() -> bool:
        assert c.speech is not None
        return c.speech.volume_step == before and c.navigator.current.topic_id == "pain"

    ask_until_done(qtbot, k, pulse_rig, ("louder please", "louder"), folder, done, unchanged)
    assert c.navigator.current.topic_id == "pain"


@pytest.mark.slow
def test_out_of_scope_speech_in_babble_opens_nothing(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, babble: tuple[Path, float]
) -> None:
    k = voice_kiosk
    folder, _ = babble
    for text in ("where is the toilet", "what time is my appointment"):
        request(qtbot, k, pulse_rig, text, folder)
        assert k.controller.navigator.current.screen is Screen.HOME, text
        k.controller.voice_requests.close_voice()
