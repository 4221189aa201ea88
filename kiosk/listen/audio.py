"""Audio for the recognisers: any PCM WAV (8-48 kHz, mono or stereo) to 16 kHz mono int16.

Pure stdlib (the ``array`` module), so it is the same for the ``hear`` command and the kiosk.
Microphone audio passes through here in memory only; nothing is written to disk.
"""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

TARGET_RATE = 16_000


class UnreadableAudio(ValueError):
    """A file that is not a PCM WAV the recogniser can use, with a plain reason."""


def to_mono16k(pcm: bytes, rate: int, channels: int, sample_width: int) -> bytes:
    """Convert PCM (8/16/24/32-bit) to 16 kHz mono int16 by averaging channels and linear
    interpolation (good enough for speech recognition; no extra dependency)."""
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
    if rate == TARGET_RATE or not samples:
        return samples.tobytes()
    ratio = rate / TARGET_RATE
    count = int(len(samples) / ratio)
    out = array("h", bytes(2 * count))
    last = len(samples) - 1
    for i in range(count):
        position = i * ratio
        left = int(position)
        right = min(left + 1, last)
        fraction = position - left
        out[i] = int(samples[left] + (samples[right] - samples[left]) * fraction)
    return out.tobytes()


def read_wav_16k(path: Path) -> bytes:
    """A WAV file's audio as 16 kHz mono int16 PCM."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            if wav.getcomptype() != "NONE":
                raise UnreadableAudio("the WAV is compressed; expected plain PCM")
            pcm = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise UnreadableAudio(f"not a readable PCM WAV file ({error})") from error
    except OSError as error:
        raise UnreadableAudio(f"cannot be read ({error.strerror or error})") from error
    if not 8000 <= rate <= 48000:
        raise UnreadableAudio(f"the sample rate is {rate} Hz; expected 8000 to 48000 Hz")
    if channels not in (1, 2):
        raise UnreadableAudio(f"the file has {channels} channels; expected mono or stereo")
    return to_mono16k(pcm, rate, channels, width)
