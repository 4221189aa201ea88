"""The kiosk's side of the sound output process (see ``kiosk.soundout`` for why it exists).

Stop, pause and volume are one small message down a pipe, so they act within milliseconds. If the
process dies (the sound server went away and took libpulse with it), the kiosk carries on silently
and starts a new one once a sound server answers again.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

log = logging.getLogger("kiosk.sound")

RETRY_MS = 2000
HEALTH_MS = 1000


def sound_server_socket() -> Path | None:
    """The local PulseAudio (or PipeWire-pulse) socket the output would use, if there is one."""
    server = os.environ.get("PULSE_SERVER", "")
    for part in server.split():
        if part.startswith("unix:"):
            return Path(part[5:])
        if part.startswith("/"):
            return Path(part)
    if server:
        return None  # a remote server: not something a kiosk uses; do not probe the network
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    for candidate in (Path(runtime) / "pulse" / "native", Path("/var/run/pulse/native")):
        if candidate.exists():
            return candidate
    return None


def sound_server_answers() -> bool:
    """True when a local sound server accepts a connection on its Unix socket (no network)."""
    path = sound_server_socket()
    if path is None:
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(0.2)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


class SoundOutput(QObject):
    """Plays 16-bit PCM through the child process; reports availability and play position."""

    available_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Optimistic until the process reports: no "sound unavailable" flash while it starts.
        self.available = True
        self.ready = False
        self.problem = "starting"
        self._process: QProcess | None = None
        self._buffer = b""
        self._position_us = 0
        self._position_at = 0.0
        self._playing = False
        self._volume = 1.0
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._try_start)
        # Qt does not notice a sound server that goes away (its sink just stays "active"), so
        # the socket is checked once a second; a child that lost its server is replaced.
        self._health = QTimer(self)
        self._health.setInterval(HEALTH_MS)
        self._health.timeout.connect(self._check_health)
        self._try_start()

    # -- process ------------------------------------------------------------------------------
    def _try_start(self) -> None:
        if self._process is not None:
            return
        if not sound_server_answers():
            self._set_available(False, "no sound server is running")
            self._retry.start()
            return
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "kiosk.soundout"])
        process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(lambda *_: self._finished())
        self._process = process
        process.start()
        self._retry.stop()
        self._health.start()

    def _check_health(self) -> None:
        if self._process is not None and not sound_server_answers():
            log.warning("the sound server stopped answering; replacing the sound output")
            self._process.kill()

    def _finished(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        process.deleteLater()
        self._playing = False
        self.ready = False
        log.warning("the sound output stopped; the kiosk carries on silently until sound returns")
        self._set_available(False, "the sound output stopped")
        self._retry.start()

    def _read(self) -> None:
        process = self._process
        if process is None:
            return
        self._buffer += bytes(process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            kind, _, value = line.partition(" ")
            if kind == "POS":
                self._position_us = int(value)
                self._position_at = time.perf_counter()
            elif kind in ("READY", "OUTPUTS"):
                count = int(value or 0)
                self.ready = True
                self._set_available(count > 0, "" if count else "no sound output device")
                if kind == "READY":
                    self._send(b"V" + struct.pack("<d", self._volume))
            elif kind == "ERR":
                log.warning("sound output: %s", value)
                self._set_available(False, value)
                self.failed.emit(value)

    def _set_available(self, available: bool, problem: str) -> None:
        self.problem = problem
        if available != self.available:
            self.available = available
            self.available_changed.emit(available)

    def _send(self, message: bytes) -> bool:
        process = self._process
        if process is None or process.state() != QProcess.ProcessState.Running:
            return False
        return process.write(message) == len(message)

    # -- playing ------------------------------------------------------------------------------
    def open(self, rate: int, channels: int) -> bool:
        """Start a new stream in this format; False when there is no sound to be had."""
        self._position_us = 0
        self._position_at = time.perf_counter()
        self._playing = (
            self.ready and self.available and self._send(b"F" + struct.pack("<IB", rate, channels))
        )
        return self._playing

    def write(self, pcm: bytes) -> bool:
        """Queue audio on the open stream."""
        return self._playing and self._send(b"D" + struct.pack("<I", len(pcm)) + pcm)

    def stop(self) -> None:
        """Silence at once."""
        self._playing = False
        self._send(b"S")

    def pause(self) -> None:
        """Pause the stream."""
        self._send(b"P")

    def resume(self) -> None:
        """Resume the stream."""
        self._position_at = time.perf_counter()
        self._send(b"R")

    def set_volume(self, volume: float) -> None:
        """Linear volume 0..1."""
        self._volume = volume
        self._send(b"V" + struct.pack("<d", volume))

    def processed_us(self) -> int:
        """Microseconds of the stream played so far (as last reported by the output)."""
        return self._position_us

    def shutdown(self) -> None:
        """End the output process."""
        self._retry.stop()
        self._health.stop()
        process = self._process
        self._process = None
        if process is not None:
            process.closeWriteChannel()
            if not process.waitForFinished(1000):
                process.kill()
                process.waitForFinished(1000)
