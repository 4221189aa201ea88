"""A real audio test rig: a private PulseAudio server with a virtual speaker and microphone.

The kiosk's speaker is the null sink ``kiosk_out`` (the default sink); what it plays is recorded
from ``kiosk_out.monitor`` by :class:`kiosk.devtools.recorder.SinkRecorder`. The kiosk's
microphone is ``kiosk_mic`` (the default source), a virtual source on the ``mic_feed`` null sink's
monitor (which hears a quiet room: zeros are played into it all the time), so
:func:`play_into_mic` "speaks into the microphone".

Timeline: a null sink's monitor is not guaranteed to produce data while nothing plays into the
sink (seen with some clients; ``parec`` on PulseAudio 16.1 did get continuous data), so the rig
keeps a silent "keepalive" stream (zeros from ``/dev/zero`` through ``pacat``) playing into
``kiosk_out`` for its whole life. The recording is then continuous and silence is captured as
exact zeros, which is what makes "sound started at time t" measurable.

Used by the benchmarks (``python run_kiosk.py bench``) and the tests (``tests/audio`` and, through
the ``pulse_rig`` fixture, other test folders). Making test speech and understanding what was
spoken is :mod:`kiosk.devtools.speechcheck`.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

log = logging.getLogger("kiosk.devtools.rig")

SPEAKER_SINK = "kiosk_out"
MIC_FEED_SINK = "mic_feed"
MIC_SOURCE = "kiosk_mic"
SPEAKER_RECORDER_SOURCE = "kiosk_out_rec"

#: Sample rate of everything the rig records and transcribes (16 kHz mono int16).
RATE = 16000

#: Default "there is sound" threshold, in RMS of int16 samples over a 20 ms window (≈ -56 dBFS).
#: Silence on the rig is digital: exact zeros (RMS 0), and resampling zeros gives zeros. espeak-ng
#: speech windows measure ≈150-8000 (a 20 ms window that holds only the faded edge of a phoneme can
#: be lower, ≈15-70, and is simply counted as silence). 50 sits far above silence and below any
#: real speech onset, so detections are exact to about one window.
SOUND_RMS = 50.0

START_TIMEOUT = 10.0

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


class Recorder(Protocol):
    """What the rig ends when it stops: a recorder started on it (see
    :class:`kiosk.devtools.recorder.SinkRecorder`)."""

    def stop(self) -> None: ...


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(_MISSING_TOOLS.format(tool=tool))
    return path


def stop_process(proc: subprocess.Popen[Any] | None, timeout: float = 3.0) -> None:
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


def log_tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a log file, for an error message."""
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
        self._recorders: list[Recorder] = []
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
        stop_process(self._keepalive)
        stop_process(self._room)
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
        stop_process(self._keepalive)
        stop_process(self._room)
        self._keepalive = self._room = None

    def restart(self) -> None:
        """Start the server again on the same socket path (after :meth:`kill`, or stop it first)."""
        if self._dir is None:
            raise RuntimeError("PulseRig is not started")
        stop_process(self._keepalive)
        stop_process(self._room)
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
                    f"pulseaudio exited with code {code} while starting:\n{log_tail(log_path)}"
                )
            if self.socket_path.exists() and self._answers():
                log.debug("PulseAudio rig answers at %s", self.server)
                return
            if time.monotonic() > deadline:
                self._stop_server()
                raise RuntimeError(
                    f"pulseaudio did not answer `pactl info` within {self.start_timeout:.0f} s:\n"
                    f"{log_tail(log_path)}"
                )
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            self.pactl("info", timeout=2.0)
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
        return True

    def _stop_server(self) -> None:
        stop_process(self._server_proc, timeout=5.0)
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

    def register_recorder(self, recorder: Recorder) -> None:
        """Have :meth:`stop` stop ``recorder`` (a recorder calls this when it starts)."""
        self._recorders.append(recorder)

    def unregister_recorder(self, recorder: Recorder) -> None:
        """Undo :meth:`register_recorder` (a recorder calls this when it stops)."""
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


# -- feeding the microphone ---------------------------------------------------------------------


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
