"""Noise reduction with the room heard before the request (real WebRTC suppressor)."""

from __future__ import annotations

import math
import random
from array import array

import pytest

from kiosk.listen.denoise import reduce_noise
from kiosk.listen.endpoint import frame_db
from kiosk.listen.hearing import POST_MS, PRE_MS, RequestAudio

RATE = 16000


def tone(seconds: float, amplitude: float, frequency: float = 220.0) -> list[float]:
    return [
        amplitude * math.sin(2 * math.pi * frequency * i / RATE) for i in range(int(seconds * RATE))
    ]


def noise(seconds: float, amplitude: float, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0.0, amplitude) for _ in range(int(seconds * RATE))]


def pcm(samples: list[float]) -> bytes:
    return array("h", (max(-32768, min(32767, round(s))) for s in samples)).tobytes()


def test_steady_room_noise_is_reduced_and_speech_kept() -> None:
    room = pcm(noise(1.0, 1000.0, seed=1))
    hiss = noise(1.0, 1000.0, seed=2)
    voiced = tone(1.0, 6000.0)
    cleaned = reduce_noise(pcm([a + b for a, b in zip(voiced, hiss, strict=True)]), room)
    assert len(cleaned) == 2 * RATE
    hiss_alone = reduce_noise(pcm(hiss), room)
    # The hiss loses much of its level; the tone under it keeps most of its own.
    assert frame_db(hiss_alone) < frame_db(pcm(hiss)) - 10
    assert frame_db(cleaned) > frame_db(pcm(voiced)) - 3


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
