"""A real audio test rig: a private PulseAudio server with a virtual speaker and microphone.

The kiosk's speaker is the null sink ``kiosk_out`` (the default sink); what it plays is recorded
from ``kiosk_out.monitor`` by :class:`SinkRecorder` on a wall-clock (``time.perf_counter``)
timeline. The kiosk's microphone is ``kiosk_mic`` (the default source), a virtual source on the
``mic_feed`` null sink's monitor (which hears a quiet room: zeros are played into it all the time), so :func:`play_into_mic` "speaks into the microphone".

Timeline: a null sink's monitor is not guaranteed to produce data while nothing plays into the
sink (seen with some clients; ``parec`` on PulseAudio 16.1 did get continuous data), so the rig
keeps a silent "keepalive" stream (zeros from ``/dev/zero`` through ``pacat``) playing into
``kiosk_out`` for its whole life. The recording is then continuous and silence is captured as
exact zeros, which is what makes "sound started at time t" measurable.

Used by the benchmarks (``python run_kiosk.py bench``) and the tests (``tests/audio`` and, through
the ``pulse_rig`` fixture, other test folders). Development helpers: :func:`render_espeak` (make WAVs), :func:`transcribe` (PocketSphinx, full language model)
and :func:`word_recall` (score a transcript).
"""

from __future__ import annotations

import logging
import math
import operator
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger("kiosk.devtools.rig")

SPEAKER_SINK = "kiosk_out"
MIC_FEED_SINK = "mic_feed"
MIC_SOURCE = "kiosk_mic"
SPEAKER_RECORDER_SOURCE = "kiosk_out_rec"

#: Sample rate of everything the rig records and transcribes (16 kHz mono int16).
RATE = 16000
#: Analysis window of the sound detectors (20 ms).
WINDOW = RATE // 50

#: Default "there is sound" threshold, in RMS of int16 samples over a 20 ms window (≈ -56 dBFS).
#: Silence on the rig is digital: exact zeros (RMS 0), and resampling zeros gives zeros. espeak-ng
#: speech windows measure ≈150-8000 (a 20 ms window that holds only the faded edge of a phoneme can
#: be lower, ≈15-70, and is simply counted as silence). 50 sits far above silence and below any
#: real speech onset, so detections are exact to about one window.
SOUND_RMS = 50.0

START_TIMEOUT = 10.0

#: The recorder's requested latency; it also becomes the speaker sink's configured latency.
RECORD_LATENCY_MSEC = 10
#: Monitor data reaches the recorder up to one sink latency *before* it is due (the null sink
#: renders ahead): measured without this correction, a paplay tone was "heard" 0-3 ms before the
#: paplay stream even existed (its sink-input appears 4-8 ms after the process starts).
_RENDER_AHEAD = RECORD_LATENCY_MSEC / 1000

#: An espeak-ng voice PocketSphinx's US model understands: measured word recall with the full
#: language model on four kiosk-like sentences: en-us+f2 ≈70 %, en-us+f5 ≈70 %, en-us ≈6 %,
#: en-gb (any variant) ≈10 %. Use it where a test must understand what was spoken.
TRANSCRIBABLE_VOICE = "en-us+f2"

_MISSING_TOOLS = (
    "{tool} is not installed: the real audio tests need a PulseAudio server; install the Debian "
    "packages pulseaudio and pulseaudio-utils (make test does this as root)"
)

# The microphone is a virtual source on the feed sink's monitor, loaded (by load_mic) only once
# the quiet "room" stream plays into the feed: made earlier, or as a remap source, it passed the
# monitor's audio on only in bursts while something non-silent played, so the "microphone" heard
# nothing of the quiet room before and after a request.
_MIC_MODULE = "module-virtual-source"
_MIC_MODULE_ARGS = (
    f"master={MIC_FEED_SINK}.monitor source_name={MIC_SOURCE} "
    "source_properties=device.description=KioskMicrophone"
)

_RECORDER_MODULE_ARGS = (
    f"master={SPEAKER_SINK}.monitor source_name={SPEAKER_RECORDER_SOURCE} "
    "source_properties=device.description=KioskSpeakerRecorder"
)

_SCRIPT = f"""\
load-module module-native-protocol-unix auth-anonymous=1 socket={{socket}}
load-module module-null-sink sink_name={SPEAKER_SINK} sink_properties=device.description=KioskSpeaker
load-module module-null-sink sink_name={MIC_FEED_SINK} sink_properties=device.description=MicFeed
load-module module-remap-source {_RECORDER_MODULE_ARGS}
set-default-sink {SPEAKER_SINK}
"""

_KEEPALIVE_STREAM = "rig-keepalive"
_ROOM_STREAM = "rig-room"


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(_MISSING_TOOLS.format(tool=tool))
    return path


def _stop_process(proc: subprocess.Popen[Any] | None, timeout: float = 3.0) -> None:
    """Terminate ``proc`` (then kill it if it lingers) and reap it; closes its pipes."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class PulseRig:
    """A private PulseAudio server for tests, with the kiosk's virtual speaker and microphone.

    ``with PulseRig() as rig:`` (or ``start()``/``stop()``) runs ``pulseaudio`` in a private
    temporary folder, sets ``os.environ["PULSE_SERVER"]`` so every client started afterwards
    (pactl, paplay, Qt Multimedia in this process) uses it, and keeps a silent stream playing into
    the speaker sink so its monitor has a continuous timeline. ``stop()`` ends every process the
    rig (and its recorders) started, restores ``PULSE_SERVER`` and removes the folder.

    Fault injection: :meth:`unload_source` / :meth:`load_mic` unplug and re-plug the microphone;
    :meth:`kill` makes the sound server die (SIGKILL) and :meth:`restart` brings it back on the
    same socket.
    """

    def __init__(self, start_timeout: float = START_TIMEOUT) -> None:
        self.start_timeout = start_timeout
        self._dir: Path | None = None
        self._server_proc: subprocess.Popen[bytes] | None = None
        self._keepalive: subprocess.Popen[bytes] | None = None
        self._room: subprocess.Popen[bytes] | None = None
        self._server_log: Any = None
        self._saved_pulse_server: str | None = None
        self._env_set = False
        self._recorders: list[SinkRecorder] = []
        self._starts = 0

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> PulseRig:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> PulseRig:
        """Start the server, wait until it answers, set ``PULSE_SERVER``, start the keepalive."""
        if self._dir is not None:
            raise RuntimeError("PulseRig is already started")
        for tool in ("pulseaudio", "pactl", "pacat", "parec", "paplay"):
            _require(tool)
        # A unix socket path must stay under ~108 bytes: keep the folder short.
        base = tempfile.gettempdir()
        if len(base) > 60:
            base = "/tmp"
        self._dir = Path(tempfile.mkdtemp(prefix="kiosk-pulse-", dir=base))
        (self._dir / "home").mkdir()
        (self._dir / "script.pa").write_text(_SCRIPT.format(socket=self.socket_path))
        try:
            self._start_server()
            self._saved_pulse_server = os.environ.get("PULSE_SERVER")
            os.environ["PULSE_SERVER"] = self.server
            self._env_set = True
            self._start_keepalive()
            self.load_mic()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop recorders, keepalive and server; restore ``PULSE_SERVER``; remove the folder."""
        for recorder in list(self._recorders):
            recorder.stop()
        self._recorders.clear()
        _stop_process(self._keepalive)
        _stop_process(self._room)
        self._keepalive = self._room = None
        self._stop_server()
        if self._env_set:
            if self._saved_pulse_server is None:
                os.environ.pop("PULSE_SERVER", None)
            else:
                os.environ["PULSE_SERVER"] = self._saved_pulse_server
            self._env_set = False
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def kill(self) -> None:
        """Make the sound server die: SIGKILL, no clean-up. Clients see the connection drop."""
        proc = self._server_proc
        if proc is None or proc.poll() is not None:
            raise RuntimeError("the PulseAudio server is not running")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        self._server_proc = None
        self._close_server_log()
        # The keepalive loses its connection and exits by itself; reap it (or end it).
        _stop_process(self._keepalive)
        _stop_process(self._room)
        self._keepalive = self._room = None

    def restart(self) -> None:
        """Start the server again on the same socket path (after :meth:`kill`, or stop it first)."""
        if self._dir is None:
            raise RuntimeError("PulseRig is not started")
        _stop_process(self._keepalive)
        _stop_process(self._room)
        self._keepalive = self._room = None
        self._stop_server()
        self._start_server()
        self._start_keepalive()
        self.load_mic()

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._server_proc is not None and self._server_proc.poll() is None

    # -- addresses ------------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """The rig's private temporary folder (server runtime dir, socket, logs)."""
        if self._dir is None:
            raise RuntimeError("PulseRig is not started")
        return self._dir

    @property
    def socket_path(self) -> Path:
        """The server's native-protocol unix socket."""
        return self.folder / "native"

    @property
    def server(self) -> str:
        """The ``PULSE_SERVER`` string clients use, ``unix:/…/native``."""
        return f"unix:{self.socket_path}"

    def env(self) -> dict[str, str]:
        """A copy of ``os.environ`` with ``PULSE_SERVER`` pointing at this rig."""
        env = dict(os.environ)
        env["PULSE_SERVER"] = self.server
        return env

    # -- queries and fault injection ------------------------------------------------------------

    def pactl(self, *args: str, timeout: float = 5.0) -> str:
        """Run ``pactl ARGS`` against this server; returns stdout, raises on failure."""
        result = subprocess.run(
            ["pactl", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def _short_names(self, kind: str) -> list[str]:
        return [
            line.split("\t")[1]
            for line in self.pactl("list", "short", kind).splitlines()
            if line.count("\t") >= 1
        ]

    def sinks(self) -> list[str]:
        """Sink names (``pactl list short sinks``)."""
        return self._short_names("sinks")

    def sources(self) -> list[str]:
        """Source names, monitors included (``pactl list short sources``)."""
        return self._short_names("sources")

    def unload_source(self, name: str = MIC_SOURCE) -> None:
        """Remove the source ``name`` (unload its module): "the microphone was unplugged"."""
        for line in self.pactl("list", "short", "modules").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and f"source_name={name}" in fields[2].split():
                self.pactl("unload-module", fields[0])
                return
        raise LookupError(f"no module provides the source {name!r}")

    def load_mic(self) -> None:
        """Add the ``kiosk_mic`` source (again), make it the default source, and wait until it
        hears the quiet room continuously (for its first seconds a new source delivers audio
        only in bursts, so a request played at once could go unheard)."""
        self.pactl("load-module", _MIC_MODULE, *_MIC_MODULE_ARGS.split())
        self.pactl("set-default-source", MIC_SOURCE)
        deadline = time.monotonic() + self.start_timeout
        while self._mic_seconds_in(0.5) < 0.4:
            if time.monotonic() > deadline:
                raise RuntimeError("the virtual microphone does not deliver audio continuously")

    def unplug_microphones(self) -> None:
        """Remove every capture source (the microphone and the speaker recorder, which is not a
        monitor either): the kiosk then has no microphone at all."""
        self.unload_source(MIC_SOURCE)
        self.unload_source(SPEAKER_RECORDER_SOURCE)

    def plug_microphones(self) -> None:
        """Undo :meth:`unplug_microphones` (the microphone is the default source again)."""
        if SPEAKER_RECORDER_SOURCE not in self.sources():
            self.pactl("load-module", "module-remap-source", *_RECORDER_MODULE_ARGS.split())
        if MIC_SOURCE not in self.sources():
            self.load_mic()
        self.pactl("set-default-source", MIC_SOURCE)

    def _mic_seconds_in(self, seconds: float) -> float:
        """Seconds of audio ``kiosk_mic`` delivers to a recorder in ``seconds`` of time."""
        recorder = subprocess.Popen(
            [
                "parec",
                f"--device={MIC_SOURCE}",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=20",
            ],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(seconds)
        recorder.terminate()
        data, _ = recorder.communicate(timeout=5)
        return len(data) / (2 * RATE)

    # -- internals ------------------------------------------------------------------------------

    def _start_server(self) -> None:
        folder = self.folder
        env = dict(os.environ)
        env.pop("PULSE_SERVER", None)
        # Everything the daemon writes (runtime dir, cookie, config) stays in the private folder.
        env.update(
            XDG_RUNTIME_DIR=str(folder),
            HOME=str(folder / "home"),
            XDG_CONFIG_HOME=str(folder / "home" / ".config"),
        )
        self._starts += 1
        log_path = folder / f"pulseaudio-{self._starts}.log"
        self._server_log = log_path.open("wb")
        self._server_proc = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "-F",
                str(folder / "script.pa"),
                "--exit-idle-time=-1",
                "--daemonize=no",
                "--use-pid-file=no",
                "--disable-shm=yes",
                "--log-target=stderr",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._server_log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._server_proc.poll() is not None:
                code = self._server_proc.returncode
                self._server_proc = None
                self._close_server_log()
                raise RuntimeError(
                    f"pulseaudio exited with code {code} while starting:\n{_tail(log_path)}"
                )
            if self.socket_path.exists() and self._answers():
                log.debug("PulseAudio rig answers at %s", self.server)
                return
            if time.monotonic() > deadline:
                self._stop_server()
                raise RuntimeError(
                    f"pulseaudio did not answer `pactl info` within {self.start_timeout:.0f} s:\n"
                    f"{_tail(log_path)}"
                )
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            self.pactl("info", timeout=2.0)
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
        return True

    def _stop_server(self) -> None:
        _stop_process(self._server_proc, timeout=5.0)
        self._server_proc = None
        self._close_server_log()

    def _close_server_log(self) -> None:
        if self._server_log is not None:
            self._server_log.close()
            self._server_log = None

    def _start_keepalive(self) -> None:
        """Silent streams into the speaker (a continuous recording timeline) and into the
        microphone feed: a real microphone hears the quiet room all the time, while a null sink's
        monitor gives nothing until something plays into it."""
        self._keepalive = self._play_zeros(SPEAKER_SINK, _KEEPALIVE_STREAM)
        self._room = self._play_zeros(MIC_FEED_SINK, _ROOM_STREAM)
        for stream, proc in ((_KEEPALIVE_STREAM, self._keepalive), (_ROOM_STREAM, self._room)):
            self._wait(
                lambda stream=stream: stream in self.pactl("list", "sink-inputs"),  # type: ignore[misc]
                what=f"the {stream} stream to play",
                check=lambda proc=proc: proc.poll() is None,  # type: ignore[misc]
            )

    def _play_zeros(self, sink: str, stream: str) -> subprocess.Popen[bytes]:
        with open(os.devnull, "wb") as devnull, open("/dev/zero", "rb") as zeros:
            return subprocess.Popen(
                [
                    "pacat",
                    "--playback",
                    "--raw",
                    "--format=s16le",
                    f"--rate={RATE}",
                    "--channels=1",
                    f"--device={sink}",
                    "--latency-msec=50",
                    f"--stream-name={stream}",
                    f"--client-name={stream}",
                ],
                env=self.env(),
                stdin=zeros,
                stdout=devnull,
                stderr=devnull,
            )

    def _wait(
        self,
        condition: Callable[[], bool],
        what: str,
        timeout: float = 5.0,
        check: Callable[[], bool] | None = None,
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if check is not None and not check():
                raise RuntimeError(f"gave up waiting for {what}: its process ended")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.02)

    def _register(self, recorder: SinkRecorder) -> None:
        self._recorders.append(recorder)

    def _unregister(self, recorder: SinkRecorder) -> None:
        if recorder in self._recorders:
            self._recorders.remove(recorder)


# -- a shared, reference-counted rig for pytest fixtures ----------------------------------------

_shared_rig: PulseRig | None = None
_shared_users = 0
_shared_lock = threading.Lock()


@contextmanager
def shared_rig() -> Iterator[PulseRig]:
    """One rig per process however many fixtures ask for it; stopped when the last one is done.

    (A session fixture imported into two conftest files becomes two fixture definitions; this keeps
    them on one server and one ``PULSE_SERVER``.)
    """
    global _shared_rig, _shared_users
    with _shared_lock:
        if _shared_rig is None:
            _shared_rig = PulseRig().start()
        _shared_users += 1
        rig = _shared_rig
    try:
        yield rig
    finally:
        with _shared_lock:
            _shared_users -= 1
            if _shared_users == 0 and _shared_rig is not None:
                _shared_rig.stop()
                _shared_rig = None


# -- recording what the speaker plays -----------------------------------------------------------


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
    and the keepalive makes the stream continuous, so the least delayed chunk pins the timeline (clocks agree: the null sink and perf_counter both run on CLOCK_MONOTONIC); then
    one sink latency (10 ms) is added because the null sink hands monitor data out that much
    ahead of time. Measured on the development machine: a sound started with ``paplay`` is
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
        self.rig._register(self)
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
        _stop_process(self._proc)
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._proc = None
        self.rig._unregister(self)

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
        return _tail(self._log_path) if self._log_path is not None else ""

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


# -- feeding the microphone, making and understanding speech ------------------------------------


def play_into_mic(rig: PulseRig, wav_path: str | os.PathLike[str], timeout: float = 30.0) -> None:
    """Play a WAV into the kiosk's microphone (``paplay -d mic_feed``); returns when played."""
    result = subprocess.run(
        ["paplay", f"--device={MIC_FEED_SINK}", str(wav_path)],
        env=rig.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"paplay into the microphone failed: {result.stderr.strip()}")


def render_espeak(
    text: str,
    path: str | os.PathLike[str],
    voice: str = "en-gb",
    rate: int = 175,
    pitch: int | None = None,
    timeout: float = 30,
) -> Path:
    """Speak ``text`` into a WAV with the espeak-ng command line (22050 Hz mono); test use only.
    ``pitch`` 0-99 (None: the voice's own)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed: install the Debian package espeak-ng")
    out = Path(path)
    pitched = [] if pitch is None else ["-p", str(pitch)]
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), *pitched, "-w", str(out), text],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"espeak-ng failed for {voice}: {result.stderr.strip()}")
    return out


_decoder: Any = None
_decoder_lock = threading.Lock()


def _get_decoder() -> Any:
    global _decoder
    with _decoder_lock:
        if _decoder is None:
            from pocketsphinx import Decoder

            # Defaults: the bundled en-us acoustic model, dictionary and full language model.
            _decoder = Decoder(samprate=RATE, loglevel="ERROR")
        return _decoder


def transcribe(pcm16k: bytes) -> str:
    """Offline speech to text (PocketSphinx en-us, full language model); lower-case words.

    ``pcm16k`` is 16 kHz mono s16le. The decoder is created once (≈0.4 s) and reused. Audio with
    nothing above :data:`SOUND_RMS` gives "" (PocketSphinx "hears" words such as "in" in digital
    silence). Accuracy depends on the voice: see :data:`TRANSCRIBABLE_VOICE`.
    """
    pcm = array("h", pcm16k[: len(pcm16k) // 2 * 2])
    if sys.byteorder == "big":
        pcm.byteswap()
    if not pcm or max(map(abs, pcm)) <= SOUND_RMS:
        return ""
    from kiosk.voice.pcm import dithered, without_silence

    # As the kiosk's own recogniser does: the rig's silence is exact zeros, whose log energy
    # throws off PocketSphinx's batch normalisation (a spoken hint "Bone pain. ... Double-tap
    # to open." between stretches of zeros was transcribed with none of its words, now and then,
    # on a busy machine where the clip held more silence).
    audio = dithered(without_silence(pcm16k))
    decoder = _get_decoder()
    with _decoder_lock:
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
    return "" if hyp is None else " ".join(hyp.hypstr.lower().split())


_among: dict[tuple[str, ...], Any] = {}


def transcribe_among(pcm16k: bytes, sentences: tuple[str, ...]) -> str:
    """What PocketSphinx hears in ``pcm16k`` listening for ``sentences`` (a trigram language of
    them, with everyday words as the alternative, as the kiosk listens for requests); lower-case
    words. For checking which of several things the kiosk said: with the full English model
    the kiosk's voice is transcribed too loosely to tell ("bone pain ... double-tap to open"
    came back as "okay with you and think ... little doubtful the"), now and then."""
    from kiosk.voice.sphinx_engine import PocketSphinxRecogniser

    recogniser = _among.get(sentences)
    if recogniser is None:
        recogniser = PocketSphinxRecogniser({}, nbest=0)
        recogniser.set_phrases(sentences)
        _among[sentences] = recogniser
    heard: str = recogniser.recognise(pcm16k[: len(pcm16k) // 2 * 2]).transcript
    return heard


STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "to",
        "and",
        "or",
        "is",
        "it",
        "can",
        "be",
        "for",
        "with",
        "at",
        "by",
        "as",
    ]
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def word_recall(expected: str, heard: str) -> float:
    """Share (0-1) of ``expected``'s distinct content words that appear in ``heard``.

    Lower-case, punctuation stripped, :data:`STOP_WORDS` ignored.
    """
    wanted = {w for w in _words(expected) if w not in STOP_WORDS}
    if not wanted:
        raise ValueError(f"no content words in {expected!r}")
    got = set(_words(heard))
    return len(wanted & got) / len(wanted)
