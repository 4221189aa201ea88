"""Recording what the rig's speaker plays, on a wall-clock timeline: :class:`SinkRecorder`.

It records a sink's monitor on a :class:`kiosk.devtools.rig.PulseRig` (by default the kiosk's
speaker, ``kiosk_out``) and finds sound and silence in it, with times in ``time.perf_counter``
values, so tests and benchmarks can tell when the kiosk started and stopped speaking.
"""

from __future__ import annotations

import math
import operator
import os
import subprocess
import sys
import tempfile
import threading
import time
import wave
from array import array
from pathlib import Path
from types import TracebackType

from kiosk.devtools.rig import RATE, SOUND_RMS, SPEAKER_SINK, PulseRig, log_tail, stop_process

#: Analysis window of the sound detectors (20 ms).
WINDOW = RATE // 50

#: The recorder's requested latency; it also becomes the speaker sink's configured latency.
RECORD_LATENCY_MSEC = 10
#: Monitor data reaches the recorder up to one sink latency *before* it is due (the null sink
#: renders ahead): measured without this correction, a paplay tone was "heard" 0-3 ms before the
#: paplay stream even existed (its sink-input appears 4-8 ms after the process starts).
_RENDER_AHEAD = RECORD_LATENCY_MSEC / 1000


def _rms(samples: array[int], start: int, stop: int) -> float:
    window = samples[start:stop]
    if not window:
        return 0.0
    return math.sqrt(sum(map(operator.mul, window, window)) / len(window))


class SinkRecorder:
    """Records what a sink plays (default: the kiosk's speaker) as 16 kHz mono int16, with times.

    ``parec`` reads ``kiosk_out.monitor`` with 10 ms latency; a thread reads its stdout and stamps
    every chunk with ``time.perf_counter()`` on arrival. Sample 0's time ``t0`` is the earliest
    ``arrival - samples_received_so_far / RATE`` over all chunks: the pipe can only delay a chunk,
    and the keepalive makes the stream continuous, so the least delayed chunk pins the timeline
    (clocks agree: the null sink and perf_counter both run on CLOCK_MONOTONIC); then one sink
    latency (10 ms) is added because the null sink hands monitor data out that much ahead of
    time. Measured on the development machine: a sound started with ``paplay`` is
    detected 7-13 ms after the paplay process was started (its stream exists after 4-8 ms); two
    playbacks 0.5 s apart are recorded 0.5 s apart to within ±10 ms (paplay start-up jitter).

    All times are ``time.perf_counter()`` values. The recorder keeps audio in memory only.
    """

    def __init__(self, rig: PulseRig, source: str = f"{SPEAKER_SINK}.monitor") -> None:
        self.rig = rig
        self.source = source
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._pcm = bytearray()
        self._t0 = math.inf
        self._last_arrival = math.nan
        self._max_lag = 0.0
        self._cond = threading.Condition()
        self._log_path: Path | None = None

    def __enter__(self) -> SinkRecorder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 5.0) -> SinkRecorder:
        """Start recording; returns once the first audio has arrived (so ``t0`` is known)."""
        if self._proc is not None:
            raise RuntimeError("SinkRecorder is already started")
        self._log_path = Path(
            tempfile.mkstemp(prefix="parec-", suffix=".log", dir=self.rig.folder)[1]
        )
        with self._log_path.open("wb") as err:
            self._proc = subprocess.Popen(
                [
                    "parec",
                    f"--device={self.source}",
                    "--raw",
                    "--format=s16le",
                    f"--rate={RATE}",
                    "--channels=1",
                    f"--latency-msec={RECORD_LATENCY_MSEC}",
                    "--stream-name=rig-recorder",
                    "--client-name=rig-recorder",
                ],
                env=self.rig.env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                bufsize=0,
            )
        self.rig.register_recorder(self)
        self._thread = threading.Thread(target=self._read, name="rig-recorder", daemon=True)
        self._thread.start()
        with self._cond:
            arrived = self._cond.wait_for(lambda: self._pcm or not self._reading, timeout)
        if not arrived or not self._pcm:
            self.stop()
            raise RuntimeError(f"parec delivered no audio from {self.source}:\n{self._errors()}")
        return self

    def stop(self) -> None:
        """Stop ``parec`` and the reader thread; the recording stays available."""
        stop_process(self._proc)
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._proc = None
        self.rig.unregister_recorder(self)

    @property
    def _reading(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        received = 0
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            now = time.perf_counter()
            with self._cond:
                if chunk:
                    self._pcm += chunk
                    received = len(self._pcm) // 2
                    estimate = now - received / RATE
                    self._t0 = min(self._t0, estimate)
                    self._max_lag = max(self._max_lag, estimate - self._t0)
                    self._last_arrival = now
                self._cond.notify_all()
            if not chunk:
                return

    def _errors(self) -> str:
        return log_tail(self._log_path) if self._log_path is not None else ""

    # -- the timeline ---------------------------------------------------------------------------

    @property
    def t0(self) -> float:
        """``perf_counter`` time of sample 0."""
        if math.isinf(self._t0):
            raise RuntimeError("no audio recorded yet")
        return self._t0 + _RENDER_AHEAD

    @property
    def max_lag(self) -> float:
        """Worst delivery delay seen (s) relative to the timeline; large values mean a stall."""
        return self._max_lag

    @property
    def sample_count(self) -> int:
        """Samples recorded so far."""
        return len(self._pcm) // 2

    @property
    def end_time(self) -> float:
        """``perf_counter`` time just after the last recorded sample."""
        return self.time_of(self.sample_count)

    def time_of(self, sample_index: int) -> float:
        """``perf_counter`` time at which sample ``sample_index`` was played."""
        return self.t0 + sample_index / RATE

    def index_of(self, t: float) -> int:
        """Index of the first sample at or after time ``t`` (may be negative or past the end)."""
        return math.ceil(round((t - self.t0) * RATE, 6))

    def samples(self) -> array[int]:
        """A copy of the recording so far as ``array('h')``."""
        with self._cond:
            data = bytes(self._pcm[: self.sample_count * 2])
        pcm = array("h", data)
        if sys.byteorder == "big":
            pcm.byteswap()
        return pcm

    def wait_until_recorded(self, t: float, timeout: float = 5.0) -> bool:
        """Block until the recording covers time ``t``; False on timeout or if recording ended."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self.end_time >= t or not self._reading, timeout
            ) and (self.end_time >= t)

    def wait_for_sound(
        self, after: float, timeout: float = 5.0, threshold_rms: float = SOUND_RMS
    ) -> float | None:
        """Block until sound appears after ``after``; returns its time, or None on timeout."""
        deadline = time.perf_counter() + timeout
        while True:
            found = self.first_sound_after(after, threshold_rms)
            if found is not None:
                return found
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not self._reading:
                return None
            with self._cond:
                self._cond.wait(min(remaining, 0.05))

    def wait_for_silence(
        self,
        after: float,
        quiet_for: float = 0.3,
        timeout: float = 10.0,
        threshold_rms: float = SOUND_RMS,
    ) -> float | None:
        """Block until nothing has sounded for ``quiet_for`` s (looking from ``after`` on).

        Returns when the silence began (the end of the last sound after ``after``, or ``after``),
        or None on timeout.
        """
        deadline = time.perf_counter() + timeout
        while True:
            if self.end_time >= after:
                last = self.last_sound_before(self.end_time, threshold_rms)
                quiet_since = after if last is None or last < after else last
                if self.end_time - quiet_since >= quiet_for:
                    return quiet_since
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not self._reading:
                return None
            with self._cond:
                self._cond.wait(min(remaining, 0.05))

    # -- analysis -------------------------------------------------------------------------------

    def first_sound_after(self, t: float, threshold_rms: float = SOUND_RMS) -> float | None:
        """Time of the first sound after ``t``, or None.

        Scans 20 ms windows from ``t``; in the first window whose RMS exceeds ``threshold_rms``
        the onset is its first sample with ``|x| > threshold_rms`` (so ±1 sample, not ±20 ms).
        """
        pcm = self.samples()
        start = max(0, self.index_of(t))
        for begin in range(start, len(pcm) - WINDOW + 1, WINDOW):
            if _rms(pcm, begin, begin + WINDOW) > threshold_rms:
                for i in range(begin, begin + WINDOW):
                    if abs(pcm[i]) > threshold_rms:
                        return self.time_of(i)
                return self.time_of(begin)  # pragma: no cover - RMS > thr implies a sample > thr
        return None

    def last_sound_before(self, t: float, threshold_rms: float = SOUND_RMS) -> float | None:
        """Time the last sound before ``t`` ended (just after its last loud sample), or None."""
        pcm = self.samples()
        stop = min(len(pcm), self.index_of(t))
        for end in range(stop, WINDOW - 1, -WINDOW):
            if _rms(pcm, end - WINDOW, end) > threshold_rms:
                for i in range(end - 1, end - WINDOW - 1, -1):
                    if abs(pcm[i]) > threshold_rms:
                        return self.time_of(i + 1)
                return self.time_of(end)  # pragma: no cover
        return None

    def last_sound(self, threshold_rms: float = SOUND_RMS) -> float | None:
        """Time the last sound in the whole recording ended, or None if all silent."""
        return self.last_sound_before(self.end_time, threshold_rms)

    def is_silent_between(self, t1: float, t2: float, threshold_rms: float = SOUND_RMS) -> bool:
        """True if no 20 ms window between ``t1`` and ``t2`` has RMS above ``threshold_rms``.

        Raises ValueError if the recording does not cover the whole interval (call
        :meth:`wait_until_recorded` first): unrecorded time is not silence.
        """
        pcm = self.samples()
        i1, i2 = self.index_of(t1), self.index_of(t2)
        if i1 < 0 or i2 > len(pcm) or i1 > i2:
            raise ValueError(
                f"interval {t1:.3f}-{t2:.3f} is not inside the recording "
                f"{self.t0:.3f}-{self.time_of(len(pcm)):.3f}"
            )
        return all(
            _rms(pcm, begin, min(begin + WINDOW, i2)) <= threshold_rms
            for begin in range(i1, i2, WINDOW)
        )

    def clip(self, t1: float | None = None, t2: float | None = None) -> bytes:
        """Raw 16 kHz mono s16le PCM between two times (clamped to the recording)."""
        n = self.sample_count
        i1 = 0 if t1 is None else min(max(0, self.index_of(t1)), n)
        i2 = n if t2 is None else min(max(i1, self.index_of(t2)), n)
        with self._cond:
            return bytes(self._pcm[i1 * 2 : i2 * 2])

    def save_wav(
        self, path: str | os.PathLike[str], t1: float | None = None, t2: float | None = None
    ) -> Path:
        """Write (part of) the recording as a WAV, for debugging. Tests: only under tmp_path."""
        out = Path(path)
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(self.clip(t1, t2))
        return out
