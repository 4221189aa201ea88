"""Band-limited conversion to 16 kHz (:class:`kiosk.listen.audio.Resampler`): what lies in the
speech band keeps its level, what lies above 8 kHz is gone instead of folded into the band, and a
capture converted piece by piece is the same as the whole recording converted at once."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.listen.audio import Resampler, to_mono16k

RATES = (8000, 11025, 22050, 32000, 44100, 48000)


def _tone(frequency: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * frequency * t) * 10000).astype(np.int16)


def _level(samples: np.ndarray) -> float:
    middle = samples[len(samples) // 8 : -len(samples) // 8].astype(float)
    return float(np.sqrt(np.mean(middle**2)))


def _converted(samples: np.ndarray, rate: int) -> np.ndarray:
    return np.frombuffer(to_mono16k(samples.tobytes(), rate, 1, 2), dtype=np.int16)


@pytest.mark.parametrize("rate", RATES)
def test_speech_band_keeps_its_level(rate: int) -> None:
    for frequency in (300.0, 1000.0, min(6000.0, rate * 0.4)):
        tone = _tone(frequency, rate)
        out = _converted(tone, rate)
        assert len(out) == -(-len(tone) * 16000 // rate)
        assert _level(out) == pytest.approx(_level(tone), rel=0.01), frequency
        spectrum = np.abs(np.fft.rfft(out.astype(float)))
        peak = np.fft.rfftfreq(len(out), 1 / 16000)[int(spectrum.argmax())]
        assert peak == pytest.approx(frequency, abs=2.0)


@pytest.mark.parametrize("rate", (22050, 32000, 44100, 48000))
def test_sound_above_8_khz_is_removed_not_folded_into_the_band(rate: int) -> None:
    # Linear interpolation kept a 12 kHz tone from 48 kHz audio at full level, as a 4 kHz one.
    # (The filter's edge lies between 7.6 and 8.8 kHz: what little of 8-8.8 kHz it lets by folds
    # to 7.2-8 kHz, above the acoustic model's filter bank, which ends at 6.8 kHz.)
    for frequency in (9000.0, 12000.0, 15000.0, 20000.0):
        if frequency >= rate / 2:
            continue
        tone = _tone(frequency, rate)
        assert _level(_converted(tone, rate)) < 0.001 * _level(tone), frequency


@pytest.mark.parametrize("rate", RATES)
def test_pieces_give_the_same_audio_as_the_whole(rate: int) -> None:
    rng = np.random.default_rng(rate)
    audio = (rng.standard_normal(rate) * 3000).astype(np.int16)
    whole = to_mono16k(audio.tobytes(), rate, 1, 2)
    resampler = Resampler(rate)
    pieces: list[bytes] = []
    start = 0
    while start < len(audio):
        size = int(rng.integers(1, 2500))
        pieces.append(resampler.process(audio[start : start + size].tobytes()))
        start += size
    pieces.append(resampler.flush())
    assert b"".join(pieces) == whole
    assert len(whole) == 2 * -(-len(audio) * 16000 // rate)


def test_a_piece_waits_only_for_the_filter_not_for_the_end() -> None:
    # The microphone's audio is decoded while the patient speaks: each piece must come out
    # (all but the filter's few milliseconds) as it arrives.
    resampler = Resampler(48000)
    out = resampler.process(_tone(1000.0, 48000, 0.1).tobytes())
    assert 1500 <= len(out) // 2 <= 1600
    assert resampler.process(b"") == b""


def test_an_odd_byte_and_silence_are_harmless() -> None:
    resampler = Resampler(44100)
    assert resampler.process(b"\x01") == b""
    assert set(resampler.flush()) <= {0}
    assert to_mono16k(bytes(2 * 44100), 44100, 1, 2) == bytes(2 * 16000)
    with pytest.raises(ValueError):
        Resampler(0)
