"""Finding the spoken request in push-to-talk audio: where it starts, where it ends.

After "Ask by voice" the microphone hears the room first, then the person, then the room again.
:class:`Endpointer` takes that audio as it arrives (16 kHz mono int16, any piece size) and says
what to hand to the recogniser now and when the request is over:

- Energy per 20 ms frame in dBFS (of audio without what lies below the speech band: the kiosk
  high-passes what it gives the endpointer, :class:`kiosk.listen.pcm.HighPass`). The room's
  level (``floor``) starts as the level of the first 100 ms (people take longer than that to
  start talking after pressing), drops at once to any
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
- The request is over when the last ``HANGOVER_MS`` hold at most ``END_VOICED_MAX`` frames of
  the person still speaking, or at the time limit (8 s from the start of listening). A time
  limit with no speech at all means nothing was said. Still speaking means voiced and, on the
  100 ms level, above the room's louder moments before the request (``ROOM_QUANTILE`` of its
  levels, plus ``ROOM_MARGIN_DB``) but never asking for more than ``SPEECH_HEADROOM_DB`` under
  the request's own loudest moment. In a quiet room this is the floor rule; with other people
  talking, or fan or traffic noise, the room never stays under "floor + 3 dB" for 700 ms, and
  without this every request in noise ran on to the 8 s limit (voice bench, every babble, pink
  and brown clip at 10 and 5 dB); a few frames of someone else's loud syllable do not keep the
  request open. The end of speech is judged again when listening ends (the floor may have been
  measured on a request said at once, and fallen since).
- People already talking when listening opens can start a "request" before the room has been
  measured. If its loudest moment is not ``OVER_ROOM_DB`` over the room heard after it, it was
  a false start: listening goes on, that audio counts as the room, and only speech over the
  room's louder moments starts the request.

Pure module (standard library only); the audio lives in memory only.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import deque
from collections.abc import Iterable
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
END_VOICED_MAX: Final = 3
ROOM_QUANTILE: Final = 0.9
ROOM_MARGIN_DB: Final = 2.0
MIN_ROOM_FRAMES: Final = 12
"""The room's louder moments are known from this many smoothed levels before speech (the last
``START_WINDOW`` not counted): about 0.4 s of room from the press. At 25 (0.66 s), a request
said 0.4-0.6 s after the press in loud babble was never over (the room's loud syllables kept it
open: 16 of 167 of the voice bench's 5 dB requests, every third clip of both halves, ran to the
time limit with the room going on after them); at 12 they were 2, and the development half's
requests were understood as before (every other clip, all three conditions)."""
SPEECH_HEADROOM_DB: Final = 6.0
END_DROP_DB: Final = 12.0
OVER_ROOM_DB: Final = 10.0
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


def _mean_db(levels: Iterable[float]) -> float:
    """The level of frames of these levels (dBFS) together: their mean power, in dB."""
    powers = [10 ** (level / 10) for level in levels]
    return 10 * math.log10(sum(powers) / len(powers))


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
        self._room_db: list[float] = []  # the room's smoothed levels before speech
        self._room_high = -100.0
        self._peak_db = -100.0
        self._end_window: deque[bool] = deque(maxlen=self.hangover_frames)
        self._last_voiced = 0
        self._since_start: list[float] = []  # smoothed levels since speech started
        self._rearmed = False
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
        self._peak_db = max(
            _mean_db(self._early_db[index : index + SMOOTH_FRAMES])
            for index in range(max(1, len(self._early_db) - SMOOTH_FRAMES + 1))
        )
        self._last_voiced = voiced[-1] + 1
        self._silent_run = self.frames - (voiced[-1] + 1)
        out = b"".join(self._pre_roll)
        self._pre_roll.clear()
        if self._silent_run >= self.hangover_frames:
            self.speech_end_frame = voiced[-1] + 1
            self._end("end of speech")
        return out

    def _speaking_threshold(self) -> float:
        """The 100 ms level over which the person is still speaking (see the module doc)."""
        return max(
            self.floor_db + KEEP_MARGIN_DB,
            MIN_SPEECH_DB,
            min(
                max(self._room_high + ROOM_MARGIN_DB, self._peak_db - END_DROP_DB),
                self._peak_db - SPEECH_HEADROOM_DB,
            ),
        )

    def _speech_end(self) -> int:
        """The frame after the last one still speaking, judged again now. A request said at
        once had its floor measured on itself, so its quieter last word was not "voiced" then;
        the floor has since fallen to the room's ("go home": the end fell after "go")."""
        threshold = self._speaking_threshold()
        first = self.frames - len(self._since_start) + 1  # the frame of _since_start[0]
        last = max(
            (first + index for index, level in enumerate(self._since_start) if level > threshold),
            default=self._last_voiced,
        )
        # A 100 ms level stays up for the frames after the sound that it still averages over.
        return max(last - (SMOOTH_FRAMES - 1), self._last_voiced)

    def tentative_end(self) -> int | None:
        """Where speech ends if the person has stopped: the frame :meth:`_speech_end` would
        give if the request ended now (None before speech starts and once done). While the
        hangover is waited out, the request up to here can already be decoded."""
        if not self.started or self.done or not self._since_start:
            return None
        return self._speech_end()

    def _false_start(self) -> bool:
        """Whether what started the request was the room, not a person asking: its loudest
        moment not ``OVER_ROOM_DB`` over the room heard since (its median level). With other
        people talking when listening opens, the room itself can start a request before
        anything is known about it; ending that "request" would cut off the person's real one.
        Only a request that started before the room was known (``MIN_ROOM_FRAMES``) can be a
        false start; after one, speech must also be over the room's louder moments to start."""
        if self._room_high > -100.0:
            return False  # the room was known: only speech louder than it started this
        after = sorted(self._since_start[-self.hangover_frames :])
        return self._peak_db < after[len(after) // 2] + OVER_ROOM_DB

    def _rearm(self) -> None:
        """Back to waiting for speech; what was heard so far counts as the room."""
        self.started = False
        self._rearmed = True
        self.speech_start_frame = None
        self._room_db.extend(self._since_start)
        self._since_start = []
        self._voiced.clear()
        self._end_window.clear()
        self._peak_db = -100.0

    def _room_level(self) -> float:
        """The room's louder moments before speech (``ROOM_QUANTILE`` of its smoothed
        levels), or -100 when too little room was heard to tell."""
        levels = sorted(self._room_db[: max(0, len(self._room_db) - START_WINDOW)])
        if len(levels) < MIN_ROOM_FRAMES:
            return -100.0
        return levels[min(len(levels) - 1, int(ROOM_QUANTILE * len(levels)))]

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
        smooth = _mean_db(self._recent)
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
            # After a false start (the room itself started a request: other people talking),
            # speech must also be over the room's louder moments.
            if self._rearmed:
                voiced = voiced and smooth > self._room_level() + ROOM_MARGIN_DB
            self._room_db.append(smooth)
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
                self._room_high = self._room_level()
                self._peak_db = smooth
                self._last_voiced = self.frames
        else:
            out = frame
            self._since_start.append(smooth)
            self._peak_db = max(self._peak_db, smooth)
            # Still speaking: loud enough over the floor and, in a noisy room, over the room's
            # louder moments (other people talking), unless that would be above the request.
            speaking = voiced and smooth > self._speaking_threshold()
            self._end_window.append(speaking)
            if speaking:
                self._last_voiced = self.frames
            if (
                len(self._end_window) == self.hangover_frames
                and sum(self._end_window) <= END_VOICED_MAX
            ):
                if self._false_start():
                    self._rearm()
                else:
                    self.speech_end_frame = self._speech_end()
                    self._end("end of speech")
        if not self.done and self.frames >= self.limit_frames:
            self._end("time limit" if self.started else "nothing heard")
        return out
