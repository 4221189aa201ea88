"""PCM helpers for the recognisers: silence, peaks, dither, trimming, the high-pass filter (16 kHz
mono int16)."""

from __future__ import annotations

import functools
import sys
from array import array
from typing import TYPE_CHECKING, Final

from kiosk.listen.recognition import RATE, SILENCE_PEAK

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


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


HIGH_PASS_HZ: Final = 90.0
"""The endpointer measures the microphone's loudness without what lies below this: a DC offset,
mains hum (50 / 60 Hz), traffic and air-conditioning rumble (the recogniser's filter bank starts
at 130 Hz; speech below it carries nothing it uses). Measured 2026-12-07 on every 3rd clean clip
of the voice bench (140 in-scope requests) made 15 dB quieter (speech about -42 dBFS) with a DC
offset of 1 % of full scale (-40 dBFS) and 50 Hz hum at -45 dBFS: without the filter 97 were
heard as nothing and 0.136 acted on rightly; with it none and 0.407 (0.414 with neither offset
nor hum). Also filtering the audio the recogniser decodes: 0.379, and on the whole voice bench
952 of 1,875 transcripts changed (the spectral gate smooths across 2 kHz, so the room's low
frequencies shape its mask), Festival's false actions 3 -> 6 of 375: only the endpointer's
measure is filtered."""
HIGH_PASS_TAPS: Final = 511
"""The filter's length (linear phase: the audio comes out 255 samples, 16 ms, late); with a
Kaiser window of ``_HIGH_PASS_BETA`` it takes 50 Hz down by 57 dB, 60 Hz by 28 dB and 100 Hz
by 3 dB, and passes 130 Hz and up unchanged (0.08 ms of CPU per 100 ms of audio)."""
_HIGH_PASS_BETA: Final = 3.4


@functools.cache
def _high_pass_kernel() -> NDArray[np.float64]:
    import numpy as np

    taps = HIGH_PASS_TAPS
    n = np.arange(taps) - (taps - 1) / 2
    cutoff = 2 * HIGH_PASS_HZ / RATE
    low: NDArray[np.float64] = cutoff * np.sinc(cutoff * n) * np.kaiser(taps, _HIGH_PASS_BETA)
    low /= low.sum()
    kernel = -low
    kernel[(taps - 1) // 2] += 1.0
    kernel.flags.writeable = False
    return kernel


class HighPass:
    """Takes away what lies below the speech band (:data:`HIGH_PASS_HZ`) from 16 kHz mono int16
    audio, piece by piece (any sizes, odd bytes kept for the next piece). The output is
    ``(HIGH_PASS_TAPS - 1) / 2`` samples behind the input; before the first sample the audio is
    taken to have been that sample all along, so a DC offset does not start with a click."""

    def __init__(self) -> None:
        self._history: NDArray[np.float64] | None = None
        self._carry = b""

    def process(self, pcm16k: bytes) -> bytes:
        import numpy as np

        data = self._carry + pcm16k
        whole = len(data) // 2 * 2
        self._carry = data[whole:]
        samples = np.frombuffer(data[:whole], dtype=np.int16).astype(np.float64)
        if samples.size == 0:
            return b""
        if self._history is None:
            self._history = np.full(HIGH_PASS_TAPS - 1, samples[0])
        joined = np.concatenate([self._history, samples])
        self._history = joined[-(HIGH_PASS_TAPS - 1) :]
        out = np.convolve(joined, _high_pass_kernel(), mode="valid")
        return bytes(np.clip(np.rint(out), -32768, 32767).astype(np.int16).tobytes())
