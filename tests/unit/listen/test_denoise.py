"""Noise reduction with the room heard before the request (real WebRTC suppressor)."""

from __future__ import annotations

import math
import random
from array import array

import pytest

from kiosk.listen.denoise import (
    SMOOTH_HZ,
    SMOOTH_MS,
    SPECTRAL_DECREASE,
    SPECTRAL_STD,
    reduce_noise,
    spectral_gate,
)
from kiosk.listen.endpoint import frame_db
from kiosk.listen.hearing import POST_MS, PRE_MS, RequestAudio

RATE = 16000


def tone(seconds: float, amplitude: float, frequency: float = 220.0) -> list[float]:
    return [
        amplitude * math.sin(2 * math.pi * frequency * i / RATE) for i in range(int(seconds * RATE))
    ]


def voice(seconds: float, amplitude: float, pitch: float = 150.0) -> list[float]:
    """A vowel-like sound: the harmonics of ``pitch`` up to 3 kHz, falling 6 dB an octave."""
    harmonics = range(1, int(3000 / pitch) + 1)
    scale = amplitude / sum(1 / k for k in harmonics)
    return [
        scale * sum(math.sin(2 * math.pi * pitch * k * i / RATE) / k for k in harmonics)
        for i in range(int(seconds * RATE))
    ]


def noise(seconds: float, amplitude: float, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0.0, amplitude) for _ in range(int(seconds * RATE))]


def pcm(samples: list[float]) -> bytes:
    return array("h", (max(-32768, min(32767, round(s))) for s in samples)).tobytes()


@pytest.mark.parametrize("method", ["webrtc", "spectral"])
def test_steady_room_noise_is_reduced_and_speech_kept(method: str) -> None:
    room = pcm(noise(1.0, 1000.0, seed=1))
    hiss = noise(1.0, 1000.0, seed=2)
    voiced = voice(1.0, 6000.0)
    mixed = pcm([a + b for a, b in zip(voiced, hiss, strict=True)])
    cleaned = reduce_noise(mixed, room, method)
    assert len(cleaned) == 2 * RATE
    hiss_alone = reduce_noise(pcm(hiss), room, method)
    # The hiss loses much of its level; the voice over it stands out from it more than before,
    # and is not taken away with it. (Spectral gating smooths its mask across 2 kHz, so a steady
    # vowel's harmonics lose about 11 dB, the hiss 18; the recogniser normalises the level.)
    assert frame_db(hiss_alone) < frame_db(pcm(hiss)) - 10
    assert frame_db(cleaned) - frame_db(hiss_alone) > frame_db(mixed) - frame_db(pcm(hiss)) + 4
    assert frame_db(cleaned) > frame_db(pcm(voiced)) - 15


def test_spectral_gating_is_noisereduces_stationary_algorithm() -> None:
    # The kiosk's own numpy gate, against the library it replaces (a test dependency only: its
    # import costs the voice process 80 MB), on the same frames (no padding of its own).
    import noisereduce
    import numpy as np

    rng = np.random.default_rng(0)
    room = rng.normal(0.0, 1000.0, RATE // 2)
    signal = rng.normal(0.0, 1000.0, 40000) + 5000.0 * np.sin(np.arange(40000) * 0.1)
    theirs = noisereduce.reduce_noise(
        y=signal,
        sr=RATE,
        y_noise=room,
        stationary=True,
        prop_decrease=SPECTRAL_DECREASE,
        n_std_thresh_stationary=SPECTRAL_STD,
        freq_mask_smooth_hz=SMOOTH_HZ,
        time_mask_smooth_ms=SMOOTH_MS,
        padding=0,
        n_jobs=1,
    )
    ours = spectral_gate(signal, room)
    assert len(ours) == len(signal)
    # noisereduce drops the last part-frame (2 windows); everything before it is the same.
    inside = slice(0, len(signal) - 2048)
    assert np.abs(ours[inside] - theirs[inside]).max() < 1e-6
    assert np.abs(ours).max() > 1000.0, "not silence"


@pytest.mark.parametrize("method", ["webrtc", "spectral"])
def test_quiet_or_short_rooms_change_nothing(method: str) -> None:
    speech = pcm(tone(0.5, 6000.0))
    assert reduce_noise(speech, bytes(2 * RATE), method) == speech  # digital silence
    assert reduce_noise(speech, pcm(noise(0.05, 1000.0)), method) == speech  # too short
    assert reduce_noise(speech, pcm(noise(1.0, 1000.0)), "off") == speech
    with pytest.raises(ValueError, match="unknown noise reduction"):
        reduce_noise(speech, pcm(noise(1.0, 1000.0)), "magic")


def test_request_audio_keeps_the_room_before_the_speech() -> None:
    room, speech = noise(1.5, 300.0), tone(1.0, 8000.0)
    audio = RequestAudio(limit_ms=8000)
    stream = pcm(room + [s + n for s, n in zip(speech, noise(1.0, 300.0, 3), strict=True)])
    stream += pcm(noise(1.5, 300.0, seed=4))
    for offset in range(0, len(stream), 3200):
        audio.push(stream[offset : offset + 3200])
    assert audio.done and audio.endpointer.reason == "end of speech"
    parts = audio.request()
    assert parts is not None
    heard, before = parts
    # The speech with its margins, and the room up to it.
    seconds = len(heard) / (2 * RATE)
    # From PRE_MS before the speech to POST_MS after it (not the whole hangover).
    expected = 1.0 + (PRE_MS + POST_MS) / 1000
    assert expected - 0.15 <= seconds <= expected + 0.15
    assert 0.9 <= len(before) / (2 * RATE) <= 1.5
    assert frame_db(before) < frame_db(heard) - 20
    audio.clear()
    assert audio.request() == (b"", b""), "the audio is forgotten"


def test_a_request_said_at_once_keeps_its_start() -> None:
    # Speech from the press: nothing of the room before it, and its start must not be lost.
    speech = tone(0.6, 8000.0)
    audio = RequestAudio(limit_ms=8000)
    stream = pcm([s + n for s, n in zip(speech, noise(0.6, 300.0, 3), strict=True)])
    stream += pcm(noise(2.0, 300.0, seed=4))
    for offset in range(0, len(stream), 3200):
        audio.push(stream[offset : offset + 3200])
    assert audio.done and audio.endpointer.reason == "end of speech"
    parts = audio.request()
    assert parts is not None
    heard, room = parts
    assert heard[:3200] == stream[:3200], "kept from the press"
    assert room == b"", "no room was heard before it"


def test_request_audio_with_no_speech_is_nothing() -> None:
    audio = RequestAudio(limit_ms=1000)
    quiet = pcm(noise(1.2, 200.0))
    for offset in range(0, len(quiet), 3200):
        audio.push(quiet[offset : offset + 3200])
    audio.finish()
    assert audio.request() is None
