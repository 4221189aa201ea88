"""The high-pass filter the endpointer measures loudness through (kiosk.listen.pcm.HighPass)."""

from __future__ import annotations

import numpy as np

from kiosk.listen.pcm import HIGH_PASS_TAPS, HighPass

RATE = 16000
DELAY = (HIGH_PASS_TAPS - 1) // 2


def _tone(hz: float, seconds: float = 2.0, amplitude: float = 10000.0) -> np.ndarray:
    return np.sin(2 * np.pi * hz * np.arange(int(RATE * seconds)) / RATE) * amplitude


def _filtered(samples: np.ndarray, piece: int = 1600) -> np.ndarray:
    data = np.clip(np.rint(samples), -32768, 32767).astype(np.int16).tobytes()
    high_pass = HighPass()
    out = b"".join(high_pass.process(data[i : i + piece]) for i in range(0, len(data), piece))
    return np.frombuffer(out, dtype=np.int16).astype(float)


def _gain_db(hz: float) -> float:
    out = _filtered(_tone(hz))[RATE // 2 :]  # after the filter has filled
    return float(20 * np.log10(np.sqrt(np.mean(out**2)) / (10000 / np.sqrt(2))))


def test_mains_hum_goes_and_the_speech_band_stays() -> None:
    assert _gain_db(50) < -40
    assert _gain_db(60) < -20
    for hz in (130, 300, 1000, 3000, 7000):
        assert abs(_gain_db(hz)) < 0.2, hz


def test_a_dc_offset_goes_without_a_click_and_the_output_is_only_delayed() -> None:
    # Half a second of a quiet room on a sound card with a 5 % DC offset, then a tone.
    speech_like = np.concatenate(
        [np.zeros(RATE // 2), _tone(440, 1.0, 3000) + _tone(1700, 1.0, 2000)]
    )
    out = _filtered(speech_like + 0.05 * 32767)
    assert len(out) == len(speech_like)  # the same number of samples out as in
    # No step at the start (the offset is taken to have always been there), and no offset after.
    assert np.max(np.abs(out[: RATE // 2])) <= 1
    # What passes is the input, 255 samples late (within the filter's pass-band ripple).
    late = speech_like[: len(out) - DELAY]
    assert np.max(np.abs(out[DELAY + RATE :] - late[RATE:])) < 0.02 * 5000


def test_pieces_of_any_size_give_the_same_output() -> None:
    noise = np.random.default_rng(3).normal(0, 3000, RATE)
    whole = _filtered(noise, piece=len(noise) * 2)
    for piece in (1, 3, 641, 3200, 4097):
        assert np.array_equal(_filtered(noise, piece=piece), whole), piece
