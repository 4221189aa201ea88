"""Noise reduction for one spoken request, using the room heard before it.

A push-to-talk kiosk always hears the room before the patient speaks: the audio between the
press and the start of speech is a profile of the noise (other people talking, a fan, a
television). Two reducers take it:

- ``webrtc`` (default): WebRTC's noise suppressor (``webrtc-noise-gain``, the one Home
  Assistant's voice pipeline uses). It adapts to the noise as it goes, so it first hears the
  room (``PRIME_S`` of it), then the request; gain control stays off (the recogniser normalises
  levels itself).
- ``spectral``: stationary spectral gating with the room as the noise clip (``noisereduce``).

Measured on the development half of the voice bench (PocketSphinx, same decision rule), see the
README's voice figures. Reduction is skipped when the room is quieter than ``ROOM_FLOOR_DB``
(nothing to take away; a digitally silent lead-in made spectral gating damage clean speech) or
when less than ``MIN_ROOM_S`` of it was heard.

Audio stays in memory; nothing is written anywhere.
"""

from __future__ import annotations

import logging
from typing import Final

from kiosk.listen.endpoint import frame_db

log = logging.getLogger(__name__)

RATE: Final = 16000
METHODS: Final = ("webrtc", "spectral", "off")
PRIME_S: Final = 1.0
"""At most this much of the room is played to the WebRTC suppressor before the request."""
MIN_ROOM_S: Final = 0.2
ROOM_FLOOR_DB: Final = -70.0
SUPPRESSION_LEVEL: Final = 2
"""WebRTC noise suppression level (0-4); 2 measured best with 4 over-suppressing speech."""
SPECTRAL_DECREASE: Final = 0.9
_FRAME: Final = 320  # 10 ms of 16 kHz int16 mono, what the WebRTC processor takes


def reduce_noise(speech: bytes, room: bytes, method: str = "webrtc") -> bytes:
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
    import noisereduce
    import numpy as np

    signal = np.frombuffer(speech[: len(speech) // 2 * 2], dtype="<i2").astype(np.float32)
    noise = np.frombuffer(room[: len(room) // 2 * 2], dtype="<i2").astype(np.float32)
    reduced = noisereduce.reduce_noise(
        y=signal,
        sr=RATE,
        y_noise=noise,
        stationary=True,
        prop_decrease=SPECTRAL_DECREASE,
        n_jobs=1,
    )
    return bytes(np.clip(reduced, -32768, 32767).astype("<i2").tobytes())
