"""Audio for the recognisers: any PCM or float WAV (8-48 kHz, 1-8 channels) to 16 kHz mono int16.

The same for the ``hear`` command and the kiosk's microphone (:class:`Resampler` keeps its place
between the pieces of a capture). Audio passes through here in memory only; nothing is written
to disk.

Resampling is band-limited (a Kaiser-windowed sinc, :class:`Resampler`). Linear interpolation,
used before, folded everything between 8 kHz and half the recording's rate back into the speech
band the recogniser listens to. Measured through the kiosk's path (``hear_utterance``) on the
Festival voice the voice bench never tunes on (``cmu_us_slt_arctic_hts``), every 2nd phrasing of
a half (53 in scope), noise added at the recording's rate; transcripts whose own match was right,
and requests acted on right, linear against band-limited:

- 32 kHz, development phrasings, white noise at 10 dB SNR: 15 / 32 heard right, 4 / 12 acted on
  (1 false action each); pink noise at 10 dB: 38 / 37, 13 / 20; white at 20 dB: 42 / 41, 23 / 27.
- 48 kHz (the voice resampled by sox), held-out phrasings, white at 10 dB: 23 / 35, 10 / 19 (2
  false actions each); pink at 10 dB: 31 / 34, 19 / 20.

espeak-ng's 22.05 kHz voices, which have little above 8 kHz, were heard about the same (the voice
bench's espeak-ng clips of both halves, heard right per condition within 0.05 either way).

Telephone-band recordings (8 kHz: nothing above 4 kHz, where the model's filters reach 6.8 kHz)
are heard much worse (2026-12-07; the voice bench's clips resampled to 8 kHz by sox, every 2nd
clip of a half, heard right clean / 10 dB / 5 dB): development 0.629 / 0.571 / 0.352 -> 0.486 /
0.400 / 0.200, held out 0.495 / 0.495 / 0.276 -> 0.362 / 0.333 / 0.162; espeak-ng's voices
suffer most (development clean 0.49 -> 0.28), flite's least (0.77 -> 0.69). Filling 4-8 kHz with
the speech band's mirror image (the upsampled audio plus 0.3 or 0.15 of it times (-1)^n, a crude
bandwidth extension) did not help: 0.467 / 0.390 / 0.238 and 0.457 / 0.400 / 0.219. The model's
``feat.params`` fixes its filter bank, so it cannot be told to listen below 4 kHz only: the
kiosk's microphone should run at 16 kHz or more (every USB microphone does).
"""

from __future__ import annotations

import math
from array import array
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

TARGET_RATE = 16_000

ZERO_CROSSINGS: Final = 16
"""The sinc's zero crossings each side of a sample (its length)."""
ROLLOFF: Final = 0.95
"""The pass band, as a share of the lower rate's Nyquist frequency."""
KAISER_BETA: Final = 8.6
"""The window's shape (about 80 dB stop-band attenuation)."""


class UnreadableAudio(ValueError):
    """A file that is not a PCM WAV the recogniser can use, with a plain reason."""


@cache
def _kernel(up: int, down: int) -> tuple[int, NDArray[np.float32]]:
    """Half the filter's length in input samples, and its weights for each of the ``up``
    phases (rows; read-only): output sample n lies at input position n * down / up."""
    import numpy as np

    cutoff = min(1.0, up / down) * ROLLOFF
    half = math.ceil(ZERO_CROSSINGS / cutoff)
    offsets = np.arange(-half + 1, half + 1)
    distance = (np.arange(up)[:, None] / up) - offsets[None, :]
    window = np.i0(KAISER_BETA * np.sqrt(np.clip(1.0 - (distance / half) ** 2, 0.0, None)))
    weights = cutoff * np.sinc(cutoff * distance) * window / np.i0(KAISER_BETA)
    weights /= weights.sum(axis=1, keepdims=True)
    table = weights.astype(np.float32)
    table.flags.writeable = False
    return half, table


class Resampler:
    """Band-limited resampling of int16 mono audio from ``rate`` to 16 kHz, piece by piece:
    :meth:`process` gives the output the pieces so far allow, :meth:`flush` the rest (the
    audio after the last piece counts as silence). The pieces' output joined is the whole
    audio's, whatever the pieces' sizes; ``rate`` samples become ceil(n * 16000 / rate)."""

    def __init__(self, rate: int) -> None:
        import numpy as np

        if rate <= 0:
            raise ValueError(f"sample rate {rate}")
        common = math.gcd(rate, TARGET_RATE)
        self.up, self.down = TARGET_RATE // common, rate // common
        self._half, self._weights = _kernel(self.up, self.down)
        # The input kept (from absolute index self._start; silence before the audio), and the
        # next output sample's index.
        self._kept: NDArray[np.float32] = np.zeros(self._half, dtype=np.float32)
        self._start = -self._half
        self._next = 0
        self._received = 0

    def process(self, samples: bytes) -> bytes:
        """The output that ``samples`` (int16) and those before them allow."""
        import numpy as np

        piece = np.frombuffer(samples[: len(samples) - len(samples) % 2], dtype=np.int16)
        self._received += len(piece)
        self._kept = np.concatenate([self._kept, piece.astype(np.float32)])
        return self._produce(None)

    def flush(self) -> bytes:
        """The rest of the output, up to ceil(input samples * 16000 / rate)."""
        import numpy as np

        total = -(-self._received * self.up // self.down)
        self._kept = np.concatenate([self._kept, np.zeros(self._half + 1, dtype=np.float32)])
        return self._produce(total)

    def _produce(self, total: int | None) -> bytes:
        import numpy as np

        end = self._start + len(self._kept)  # one past the last input sample kept
        last_base = end - 1 - self._half  # the last base whose whole filter is in the input
        stop = -(-(last_base + 1) * self.up // self.down)
        if total is not None:
            stop = min(stop, total)
        if stop <= self._next:
            return b""
        wanted = np.arange(self._next, stop, dtype=np.int64)
        bases = wanted * self.down // self.up
        phases = wanted * self.down % self.up
        where = bases[:, None] + np.arange(-self._half + 1, self._half + 1)[None, :]
        values = np.einsum("ij,ij->i", self._kept[where - self._start], self._weights[phases])
        self._next = stop
        # Keep what the next output needs: from its base's filter start on.
        keep_from = self._next * self.down // self.up - self._half + 1
        if keep_from > self._start:
            self._kept = self._kept[keep_from - self._start :]
            self._start = keep_from
        out: bytes = np.clip(np.rint(values), -32768, 32767).astype(np.int16).tobytes()
        return out


def mono_int16(pcm: bytes, channels: int, sample_width: int) -> bytes:
    """PCM (8/16/24/32-bit, interleaved channels) as mono int16 PCM (channels averaged), at
    its own rate."""
    return _mono_samples(pcm, channels, sample_width).tobytes()


def _mono_samples(pcm: bytes, channels: int, sample_width: int) -> array[int]:
    if sample_width == 1:
        samples = array("h", ((b - 128) << 8 for b in pcm))
    elif sample_width == 2:
        samples = array("h")
        samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    elif sample_width in (3, 4):
        step = sample_width
        samples = array(
            "h",
            (
                int.from_bytes(pcm[i + step - 2 : i + step], "little", signed=True)
                for i in range(0, len(pcm) - step + 1, step)
            ),
        )
    else:
        raise UnreadableAudio(f"{8 * sample_width}-bit audio is not supported")
    if channels > 1:
        samples = array(
            "h",
            (
                sum(samples[i : i + channels]) // channels
                for i in range(0, len(samples) - channels + 1, channels)
            ),
        )
    return samples


def to_mono16k(pcm: bytes, rate: int, channels: int, sample_width: int) -> bytes:
    """Convert a whole recording's PCM (8/16/24/32-bit) to 16 kHz mono int16: channels
    averaged, band-limited resampling (:class:`Resampler`)."""
    samples = _mono_samples(pcm, channels, sample_width)
    if rate == TARGET_RATE or not samples:
        return samples.tobytes()
    resampler = Resampler(rate)
    return resampler.process(samples.tobytes()) + resampler.flush()


_PCM: Final = 1
_FLOAT: Final = 3
_EXTENSIBLE: Final = 0xFFFE
_FORMAT_NAMES: Final = {2: "ADPCM", 6: "A-law", 7: "mu-law", 0x11: "IMA ADPCM", 0x55: "MP3"}
MAX_CHANNELS: Final = 8


def wav_contents(data: bytes) -> tuple[int, int, int, bytes]:
    """A WAV file's (rate, channels, bytes per sample, interleaved int16 or 8/24/32-bit PCM).

    Reads the RIFF chunks itself rather than with ``wave``, which refuses what recorders and
    sox commonly write: 32-bit float samples (format 3) and WAVE_FORMAT_EXTENSIBLE (24-bit and
    multichannel files). Float samples come back as 16-bit PCM; a ``data`` chunk whose size is
    larger than the file (a recorder writing to a pipe, RF64) is read to the end of the file."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise UnreadableAudio("not a WAV file (no RIFF/WAVE header)")
    fmt: bytes | None = None
    pcm: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = data[pos + 8 : pos + 8 + size]
        if chunk == b"fmt ":
            fmt = body
        elif chunk == b"data":
            pcm = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16:
        raise UnreadableAudio("the WAV has no format chunk")
    if pcm is None:
        raise UnreadableAudio("the WAV has no audio (no data chunk)")
    tag = int.from_bytes(fmt[0:2], "little")
    channels = int.from_bytes(fmt[2:4], "little")
    rate = int.from_bytes(fmt[4:8], "little")
    block = int.from_bytes(fmt[12:14], "little")
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = int.from_bytes(fmt[24:26], "little")  # the sub-format GUID's first two bytes
    if not 1 <= channels <= MAX_CHANNELS:
        raise UnreadableAudio(f"the file has {channels} channels; expected 1 to {MAX_CHANNELS}")
    width = block // channels
    pcm = pcm[: len(pcm) - len(pcm) % block] if block else b""
    if tag == _PCM and 1 <= width <= 4:
        return rate, channels, width, pcm
    if tag == _FLOAT and width in (4, 8):
        import numpy as np

        values = np.frombuffer(pcm, dtype="<f4" if width == 4 else "<f8")
        values = np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=-1.0)
        scaled = np.rint(np.clip(values, -1.0, 1.0) * 32767.0).astype("<i2")
        return rate, channels, 2, scaled.tobytes()
    kind = "float" if tag == _FLOAT else "PCM" if tag == _PCM else ""
    name = f"{8 * width}-bit {kind}" if kind else _FORMAT_NAMES.get(tag, f"format {tag}")
    raise UnreadableAudio(f"the WAV holds {name} audio; expected PCM or float samples")


def read_wav_16k(path: Path) -> bytes:
    """A WAV file's audio (PCM 8/16/24/32-bit or float, any layout) as 16 kHz mono int16."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableAudio(f"cannot be read ({error.strerror or error})") from error
    rate, channels, width, pcm = wav_contents(data)
    if not 8000 <= rate <= 48000:
        raise UnreadableAudio(f"the sample rate is {rate} Hz; expected 8000 to 48000 Hz")
    return to_mono16k(pcm, rate, channels, width)
