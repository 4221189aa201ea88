"""Noise reduction for one spoken request, using the room heard before it.

A push-to-talk kiosk always hears the room before the patient speaks: the audio between the
press and the start of speech is a profile of the noise (other people talking, a fan, a
television). Two reducers take it:

- ``spectral`` (default): stationary spectral gating with the room as the noise profile. Each
  frequency band of the request is kept where it is clearly louder than the room was in that
  band, and lowered where it is not (:func:`spectral_gate`; the algorithm of ``noisereduce``'s
  stationary mode, written here in numpy because importing ``noisereduce`` took the voice
  process 80 MB more).
- ``webrtc``: WebRTC's noise suppressor (``webrtc-noise-gain``, the one Home Assistant's voice
  pipeline uses). It adapts to the noise as it goes, so it first hears the room (``PRIME_S`` of
  it), then the request; gain control stays off (the recogniser normalises levels itself).

Measured on the voice bench (PocketSphinx, the kiosk's decision path): the share of in-scope
requests whose transcript's best match was the right one, clean / 10 dB / 5 dB babble:

- development half: spectral 0.681 / 0.481 / 0.362, WebRTC 0.690 / 0.443 / 0.300, none 0.686 /
  0.419 / 0.324;
- held out: spectral 0.538 / 0.433 / 0.271, WebRTC 0.505 / 0.371 / 0.214, none 0.514 / 0.357 /
  0.176.

Settings tried on the development half (10 / 5 dB; the rest as chosen): smoothing across
frequency 125 Hz 0.424 / 0.333, 250 Hz 0.448 / 0.348, 500 Hz (``noisereduce``'s) 0.448 / 0.348,
1000 Hz 0.476 / 0.362, 2000 Hz 0.481 / 0.362 (chosen), 4000 Hz 0.471 / 0.367; 1000 Hz with
100 ms across time 0.481 / 0.362. At 500 Hz: lowering by 0.8 0.457 / 0.343 (0.9 chosen; 0.95 at
2000 Hz 0.481 / 0.367); kept at 1.0 standard deviation 0.448 / 0.343, at 2.0 0.448 / 0.367 (1.5
chosen). ``noisereduce`` itself, 500 Hz: 0.443 / 0.333. WebRTC at suppression level 1 0.429 /
0.310, 3 0.414 / 0.310 (2 was its setting).

RNNoise (the recurrent suppressor of ``pyrnnoise`` 0.4.5's ``librnnoise``, at 48 kHz, hearing the
room first, then the request), tried on every 2nd development clip (375; heard right, clean /
10 dB / 5 dB): alone 0.600 / 0.429 / 0.381, followed by spectral gating 0.600 / 0.438 / 0.362,
against spectral gating's 0.638 / 0.590 / 0.381. It treats espeak-ng's buzzy speech as noise
(espeak-ng clean 0.509 -> 0.415) and lets more babble through (flite at 10 dB 0.679 -> 0.566);
flite's clean speech gained a little (0.769 -> 0.788). About 100 ms of CPU a request. Not kept.

Statistical speech enhancement with the room as the noise spectrum (2026-12-07; every 2nd
development clip, 105 in-scope requests and 20 out-of-scope ones a condition; heard right, clean /
10 dB / 5 dB, and out-of-scope requests whose transcript matched something): spectral gating
0.629 / 0.571 / 0.352, 3 / 3 / 3; a Wiener filter with the decision-directed a-priori SNR
(smoothing 0.98, gain floor 0.1, 32 ms frames) 0.629 / 0.505 / 0.333, 6 / 4 / 5; the MMSE
log-spectral amplitude estimator in its place 0.610 / 0.524 / 0.333, 5 / 3 / 6; the Wiener filter
followed by spectral gating 0.638 / 0.571 / 0.314, 2 / 2 / 3. Babble is speech: a filter that
lets through what is louder than the room's average spectrum lets through the babble's syllables
too. Not kept.

Reduction is skipped when the room is quieter than ``ROOM_FLOOR_DB`` (nothing to take away; a
digitally silent lead-in made spectral gating damage clean speech) or when less than
``MIN_ROOM_S`` of it was heard.

Audio stays in memory; nothing is written anywhere.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Final

from kiosk.listen.endpoint import frame_db

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

RATE: Final = 16000
METHODS: Final = ("webrtc", "spectral", "off")
DEFAULT_METHOD: Final = "spectral"
PRIME_S: Final = 1.0
"""At most this much of the room is played to the WebRTC suppressor before the request."""
MIN_ROOM_S: Final = 0.2
ROOM_FLOOR_DB: Final = -70.0
SUPPRESSION_LEVEL: Final = 2
"""WebRTC noise suppression level (0-4); 2 measured best with 4 over-suppressing speech."""
SPECTRAL_DECREASE: Final = 0.9
"""How far spectral gating lowers what it takes for the room (1: to silence)."""
SPECTRAL_STD: Final = 1.5
"""How many standard deviations above the room's mean level a bin must be to be kept."""
SMOOTH_HZ: Final = 2000.0
SMOOTH_MS: Final = 50.0
_N_FFT: Final = 1024
_HOP: Final = _N_FFT // 4
_TOP_DB: Final = 80.0
_FRAME: Final = 320  # 10 ms of 16 kHz int16 mono, what the WebRTC processor takes


def reduce_noise(speech: bytes, room: bytes, method: str = DEFAULT_METHOD) -> bytes:
    """``speech`` (16 kHz mono int16) with the noise heard in ``room`` reduced; unchanged when
    the room is too short or too quiet, with ``method`` "off", or when the reducer's package is
    missing (logged)."""
    if method == "off" or len(room) < MIN_ROOM_S * RATE * 2 or not speech:
        return speech
    if frame_db(room) < ROOM_FLOOR_DB:
        return speech
    try:
        if method == "webrtc":
            return _webrtc(speech, room)
        if method == "spectral":
            return _spectral(speech, room)
    except ImportError as error:
        log.warning("noise reduction %s is unavailable (%s): audio used as heard", method, error)
        return speech
    raise ValueError(f"unknown noise reduction {method!r}; expected one of {', '.join(METHODS)}")


def _webrtc(speech: bytes, room: bytes) -> bytes:
    from webrtc_noise_gain import AudioProcessor

    processor = AudioProcessor(0, SUPPRESSION_LEVEL)
    prime = room[-int(PRIME_S * RATE) * 2 :]
    prime = prime[len(prime) % _FRAME :]
    for offset in range(0, len(prime), _FRAME):
        processor.Process10ms(prime[offset : offset + _FRAME])
    whole = len(speech) // _FRAME * _FRAME
    out = [
        processor.Process10ms(speech[offset : offset + _FRAME]).audio
        for offset in range(0, whole, _FRAME)
    ]
    return b"".join(out) + speech[whole:]


def _spectral(speech: bytes, room: bytes) -> bytes:
    import numpy as np

    signal = np.frombuffer(speech[: len(speech) // 2 * 2], dtype="<i2").astype(np.float64)
    noise = np.frombuffer(room[: len(room) // 2 * 2], dtype="<i2").astype(np.float64)
    reduced = spectral_gate(signal, noise)
    return bytes(np.clip(np.round(reduced), -32768, 32767).astype("<i2").tobytes())


def spectral_gate(signal: NDArray[np.float64], noise: NDArray[np.float64]) -> NDArray[np.float64]:
    """Stationary spectral gating (the algorithm of ``noisereduce``'s stationary mode, which
    gives the same output for the same frames; its import alone took 80 MB): a bin of the
    signal's spectrum is kept where it is more than ``SPECTRAL_STD`` standard deviations above
    the room's mean level in that frequency band, else lowered by ``SPECTRAL_DECREASE``; the
    keep/lower mask is smoothed over ``SMOOTH_HZ`` and ``SMOOTH_MS``."""
    room_levels = _levels(_stft(noise, whole=False))
    threshold = room_levels.mean(axis=1) + SPECTRAL_STD * room_levels.std(axis=1)
    spectrum = _stft(signal)
    keep = _levels(spectrum) > threshold[:, None]
    mask = keep * SPECTRAL_DECREASE + (1.0 - SPECTRAL_DECREASE)
    freq_half = int(SMOOTH_HZ / (RATE / (_N_FFT / 2)))
    time_half = int(SMOOTH_MS / (_HOP / RATE * 1000))
    mask = _smooth(mask, freq_half, time_half)
    return _istft(spectrum * mask, len(signal))


@functools.cache
def _window() -> NDArray[np.float64]:
    import numpy as np

    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_N_FFT) / _N_FFT)  # periodic Hann
    window.flags.writeable = False  # one array for every request
    return window


def _triangle(half: int) -> NDArray[np.float64]:
    """A triangle ``2 * half + 1`` wide that sums to 1."""
    import numpy as np

    triangle = np.concatenate(
        [np.linspace(0, 1, half + 1, endpoint=False), np.linspace(1, 0, half + 2)]
    )[1:-1]
    return np.asarray(triangle / triangle.sum(), dtype=np.float64)


def _smooth(mask: NDArray[np.float64], freq_half: int, time_half: int) -> NDArray[np.float64]:
    """``mask`` convolved with a triangle across frequency times one across time, the same
    size as ``mask`` (zeros beyond its edges), by FFT."""
    import numpy as np

    kernel = np.outer(_triangle(freq_half), _triangle(time_half))
    shape = (mask.shape[0] + kernel.shape[0] - 1, mask.shape[1] + kernel.shape[1] - 1)
    full = np.fft.irfft2(np.fft.rfft2(mask, shape) * np.fft.rfft2(kernel, shape), shape)
    return np.asarray(
        full[freq_half : freq_half + mask.shape[0], time_half : time_half + mask.shape[1]],
        dtype=np.float64,
    )


def _stft(signal: NDArray[np.float64], whole: bool = True) -> NDArray[np.complex128]:
    """Frequency bins x frames; half a window of zeros before and after, and (``whole``) enough
    after that the last samples are in a whole frame."""
    import numpy as np

    padded = np.pad(signal, _N_FFT // 2)  # at least one window long
    if whole:
        padded = np.pad(padded, (0, (-(len(padded) - _N_FFT)) % _HOP))
    count = 1 + (len(padded) - _N_FFT) // _HOP
    frames = np.arange(_N_FFT)[None, :] + _HOP * np.arange(count)[:, None]
    return np.fft.rfft(padded[frames] * _window(), axis=1).T


def _istft(spectrum: NDArray[np.complex128], length: int) -> NDArray[np.float64]:
    import numpy as np

    window = _window()
    frames = np.fft.irfft(spectrum.T, n=_N_FFT, axis=1) * window
    total = _N_FFT + _HOP * (len(frames) - 1)
    out = np.zeros(total)
    weight = np.zeros(total)
    for index, frame in enumerate(frames):
        out[index * _HOP : index * _HOP + _N_FFT] += frame
        weight[index * _HOP : index * _HOP + _N_FFT] += window**2
    covered = weight > 1e-10
    out[covered] /= weight[covered]
    return out[_N_FFT // 2 : _N_FFT // 2 + length]


def _levels(spectrum: NDArray[np.complex128]) -> NDArray[np.float64]:
    """dB, each frequency bin floored ``_TOP_DB`` under its loudest frame."""
    import numpy as np

    level = 20 * np.log10(np.abs(spectrum) + np.finfo(np.float64).eps)
    return np.asarray(
        np.maximum(level, level.max(axis=-1, keepdims=True) - _TOP_DB), dtype=np.float64
    )
