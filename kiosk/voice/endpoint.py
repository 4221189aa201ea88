"""Finding the spoken request in push-to-talk audio: where it starts, where it ends.

After "Ask by voice" the microphone hears the room first, then the person, then the room again.
:class:`Endpointer` takes that audio as it arrives (16 kHz mono int16, any piece size) and says
what to hand to the recogniser now and when the request is over:

- Energy per 20 ms frame in dBFS. The room's level (``floor``) starts as the level of the first
  100 ms (people take longer than that to start talking after pressing), drops at once to any
  quieter 100 ms stretch and, until speech starts, rises slowly (``FLOOR_RISE_DB_PER_S``), so a
  steady noise (a fan, people talking nearby) stays the floor.
- A frame is voiced when it is ``START_MARGIN_DB`` above the floor (``KEEP_MARGIN_DB`` once
  speech has started: quiet word endings count) and above ``MIN_SPEECH_DB``. Speech starts at
  ``START_VOICED`` voiced frames out of the last ``START_WINDOW``; the recogniser then gets
  ``PRE_ROLL_MS`` of audio from before that moment (the soft start of the first word) and
  everything after; when speech starts within ``EARLY_MS`` of the press, it gets everything from
  the press (the first 100 ms may have been speech already). If the floor then drops a lot within
  that second, the first 100 ms were speech: everything since the press is looked at again
  against the real floor, so a short request said at once is not missed.
- The request is over after ``HANGOVER_MS`` without a voiced frame, or at the time limit
  (8 s from the start of listening). A time limit with no speech at all means nothing was said.

Pure module (standard library only); the audio lives in memory only.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import deque
from typing import Final

RATE: Final = 16000
FRAME_MS: Final = 20
FRAME_BYTES: Final = RATE * 2 * FRAME_MS // 1000
START_MARGIN_DB: Final = 6.0
KEEP_MARGIN_DB: Final = 3.0
MIN_SPEECH_DB: Final = -55.0
EARLY_MS: Final = 1000
FLOOR_RISE_DB_PER_S: Final = 3.0
SMOOTH_FRAMES: Final = 5
START_WINDOW: Final = 8
START_VOICED: Final = 5
PRE_ROLL_MS: Final = 300
HANGOVER_MS: Final = 700
LIMIT_MS: Final = 8000
METER_FLOOR_DB: Final = -60.0


def frame_db(frame: bytes) -> float:
    """RMS level of int16 PCM in dBFS (-100 for digital silence)."""
    samples = array("h", frame[: len(frame) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    if not samples:
        return -100.0
    power = sum(s * s for s in samples) / len(samples)
    if power <= 0:
        return -100.0
    return max(-100.0, 10 * math.log10(power / (32768.0 * 32768.0)))


class Endpointer:
    """One request's worth of push-to-talk audio in, recogniser audio and "done" out."""

    def __init__(
        self,
        *,
        limit_ms: int = LIMIT_MS,
        hangover_ms: int = HANGOVER_MS,
        pre_roll_ms: int = PRE_ROLL_MS,
    ) -> None:
        self.limit_frames = limit_ms // FRAME_MS
        self.hangover_frames = hangover_ms // FRAME_MS
        self.pre_roll_frames = pre_roll_ms // FRAME_MS
        self.floor_db = 0.0
        self.level = 0.0
        """Loudness of the latest frame, 0..1 (for a level meter)."""
        self.started = False
        """Speech has been heard."""
        self.done = False
        self.reason = ""
        """Why it is done: "end of speech", "time limit" or "nothing heard"."""
        self.frames = 0
        self.speech_start_frame: int | None = None
        self.speech_end_frame: int | None = None
        self._partial = b""
        self._recent: deque[float] = deque(maxlen=SMOOTH_FRAMES)
        self._voiced: deque[bool] = deque(maxlen=START_WINDOW)
        self._early_frames = EARLY_MS // FRAME_MS
        self._early_db: list[float] = []
        self._pre_roll: deque[bytes] = deque(
            maxlen=max(self.pre_roll_frames + START_WINDOW, self._early_frames)
        )
        self._silent_run = 0
        self._rise_per_frame = FLOOR_RISE_DB_PER_S * FRAME_MS / 1000

    @property
    def elapsed_ms(self) -> int:
        """Audio taken so far, in milliseconds."""
        return self.frames * FRAME_MS

    def push(self, pcm: bytes) -> bytes:
        """Take the next piece of audio; return what the recogniser should get now (often
        nothing before speech starts). Audio after the end is ignored."""
        if self.done:
            return b""
        data = self._partial + pcm
        whole = len(data) // FRAME_BYTES * FRAME_BYTES
        self._partial = data[whole:]
        out: list[bytes] = []
        for offset in range(0, whole, FRAME_BYTES):
            out.append(self._frame(data[offset : offset + FRAME_BYTES]))
            if self.done:
                break
        return b"".join(out)

    def finish(self) -> None:
        """Listening was ended from outside (the time limit by the clock, or the device)."""
        if not self.done:
            self._end("time limit" if self.started else "nothing heard")

    def _early_speech(self) -> bytes:
        """The room's level was first measured while the person was already speaking: look
        again at everything since the press against the real floor. A short request said at
        once ("go home") may already be over; it is still found."""
        threshold = max(self.floor_db + START_MARGIN_DB, MIN_SPEECH_DB)
        voiced = [index for index, db in enumerate(self._early_db) if db > threshold]
        if len(voiced) < START_VOICED:
            return b""
        self.started = True
        self.speech_start_frame = voiced[0]
        self._silent_run = self.frames - (voiced[-1] + 1)
        out = b"".join(self._pre_roll)
        self._pre_roll.clear()
        if self._silent_run >= self.hangover_frames:
            self.speech_end_frame = voiced[-1] + 1
            self._end("end of speech")
        return out

    def _end(self, reason: str) -> None:
        self.done = True
        self.reason = reason
        if self.started and self.speech_end_frame is None:
            self.speech_end_frame = self.frames

    def _frame(self, frame: bytes) -> bytes:
        self.frames += 1
        db = frame_db(frame)
        self.level = min(1.0, max(0.0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB))
        self._recent.append(db)
        if self.frames <= self._early_frames:
            self._early_db.append(db)
        if len(self._recent) < SMOOTH_FRAMES:
            self._pre_roll.append(frame)  # still measuring the room
            return b""
        smooth = 10 * math.log10(sum(10 ** (d / 10) for d in self._recent) / SMOOTH_FRAMES)
        if self.frames == SMOOTH_FRAMES or smooth < self.floor_db:
            dropped = self.frames > SMOOTH_FRAMES and smooth < self.floor_db - START_MARGIN_DB
            self.floor_db = smooth
            if dropped and not self.started and self.frames <= self._early_frames:
                self._pre_roll.append(frame)
                return self._early_speech()
        elif not self.started:  # during speech the floor may only fall
            self.floor_db = min(smooth, self.floor_db + self._rise_per_frame)
        margin = KEEP_MARGIN_DB if self.started else START_MARGIN_DB
        voiced = db > max(self.floor_db + margin, MIN_SPEECH_DB)
        out = b""
        if not self.started:
            self._pre_roll.append(frame)
            self._voiced.append(voiced)
            if sum(self._voiced) >= START_VOICED:
                self.started = True
                first_voiced = len(self._voiced) - list(self._voiced).index(True)
                self.speech_start_frame = self.frames - first_voiced
                keep = first_voiced + self.pre_roll_frames
                if self.speech_start_frame < self._early_frames:
                    keep = self.frames
                keep = min(len(self._pre_roll), keep)
                out = b"".join(list(self._pre_roll)[-keep:])
                self._pre_roll.clear()
        else:
            out = frame
            if voiced:
                self._silent_run = 0
            else:
                self._silent_run += 1
                if self._silent_run >= self.hangover_frames:
                    self.speech_end_frame = self.frames - self._silent_run
                    self._end("end of speech")
        if not self.done and self.frames >= self.limit_frames:
            self._end("time limit" if self.started else "nothing heard")
        return out
