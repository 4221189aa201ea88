"""pyttsx3's espeak driver, as the kiosk uses it: the last buffer of a sentence is kept."""

from __future__ import annotations

import ctypes
import wave
from pathlib import Path

import pytest

from kiosk.speech.tts import EspeakTts, TtsError


def test_samples_that_arrive_with_the_end_of_a_sentence_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # espeak can hand over its last buffer in the same callback as "message terminated";
    # pyttsx3 wrote the file before adding those samples (the end of a sentence was lost).
    try:
        tts = EspeakTts("gmw/en")
    except TtsError as error:
        pytest.skip(str(error))
    import pyttsx3.drivers._espeak as espeak_api

    driver = tts._engine.proxy._driver
    events = (espeak_api.EVENT * 2)()
    events[0].type = espeak_api.EVENT_MSG_TERMINATED
    events[1].type = espeak_api.EVENT_LIST_TERMINATED
    samples = (ctypes.c_short * 2205)(*([1000] * 2205))  # the last 0.1 s of a sentence
    out = tmp_path / "end.wav"
    monkeypatch.setattr(driver, "_save_file", str(out))
    monkeypatch.setattr(driver, "_speaking", True)
    monkeypatch.setattr(driver, "_data_buffer", b"\x00\x00" * 22050)  # a second so far
    monkeypatch.setattr(driver, "_looping", True)
    monkeypatch.setattr(driver._proxy, "setBusy", lambda busy: None)
    monkeypatch.setattr(driver._proxy, "notify", lambda *args, **kwargs: None)
    espeak_api.SynthCallback(ctypes.cast(samples, ctypes.POINTER(ctypes.c_short)), 2205, events)
    with wave.open(str(out)) as wav:
        assert wav.getnframes() == 22050 + 2205
