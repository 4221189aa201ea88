"""PCM helpers for the recognisers: silence, peaks, dither, trimming (16 kHz mono int16)."""

from __future__ import annotations

import sys
from array import array
from typing import Final

from kiosk.listen.recognition import RATE, SILENCE_PEAK


def is_silent(pcm16k: bytes) -> bool:
    """Whether no sample of ``pcm16k`` is louder than ``SILENCE_PEAK``."""
    samples = array("h", pcm16k[: len(pcm16k) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return not samples or max(max(samples), -min(samples)) <= SILENCE_PEAK


def peak_of(pcm16k: bytes) -> int:
    """The loudest sample's magnitude in ``pcm16k`` (whole samples only)."""
    samples = array("h", pcm16k[: len(pcm16k) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return max(max(samples), -min(samples)) if samples else 0


class Utterance:
    """Bookkeeping of one streamed utterance: the loudest sample so far and an odd byte left over
    from the previous piece (pieces from a microphone need not end on a sample)."""

    __slots__ = ("carry", "peak", "seconds")

    def __init__(self) -> None:
        self.peak = 0
        self.carry = b""
        self.seconds = 0.0

    def take(self, pcm16k: bytes) -> bytes:
        """The whole samples of ``carry + pcm16k``; the odd byte is kept for the next piece."""
        data = self.carry + pcm16k
        cut = len(data) // 2 * 2
        self.carry = data[cut:]
        data = data[:cut]
        if data:
            self.peak = max(self.peak, peak_of(data))
            self.seconds += len(data) / (2 * RATE)
        return data

    @property
    def silent(self) -> bool:
        return self.peak <= SILENCE_PEAK


DITHER: Final = 16
"""Dither amplitude (about -66 dBFS): with +-1 or +-4, short requests padded with digital silence
were still misheard now and then; +-16 heard 12 of 12 padded test requests."""
DITHER_SEED: Final = 20141
"""Seed of the dither (the same audio always gives the same result)."""


def dithered(pcm16k: bytes) -> bytes:
    """``pcm16k`` with up to +-``DITHER`` of seeded noise on every sample (about -66 dBFS).

    Recordings (and text-to-speech) hold stretches of digital silence, whose log energy is minus
    infinity: PocketSphinx's features and its batch normalisation go wrong on them ("Spinal cord
    compression." from the kiosk's own voice was heard as "told"; with dither, right). A
    microphone never gives exact zeros, and the dither is far below any room's noise, so live
    audio is not changed in any way that matters.
    """
    import numpy as np

    samples = np.frombuffer(pcm16k[: len(pcm16k) // 2 * 2], dtype=np.int16).astype(np.int32)
    noise = np.random.default_rng(DITHER_SEED).integers(-DITHER, DITHER + 1, size=samples.size)
    return bytes(np.clip(samples + noise, -32768, 32767).astype(np.int16).tobytes())


SILENCE_MARGIN_S: Final = 0.15


def without_silence(pcm16k: bytes) -> bytes:
    """``pcm16k`` without leading and trailing digital near-silence (no sample above
    ``SILENCE_PEAK``), keeping ``SILENCE_MARGIN_S`` of it. Batch normalisation takes its mean
    over the whole utterance, and a second of zeros either side of "go home" (a test rig's
    quiet microphone, a padded recording) made it "oh". A real room is never this quiet."""
    import numpy as np

    samples = np.frombuffer(pcm16k[: len(pcm16k) // 2 * 2], dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_PEAK)
    if loud.size == 0:
        return pcm16k
    margin = int(SILENCE_MARGIN_S * RATE)
    start = max(0, int(loud[0]) - margin)
    stop = min(samples.size, int(loud[-1]) + 1 + margin)
    return bytes(samples[start:stop].tobytes())
