"""A helper process that needs the sound server (the kiosk's sound output and voice input).

Both run Qt Multimedia in a child process because Qt's PulseAudio service aborts the process
that uses it when the sound server dies. This class is the kiosk's side of such a process: it
starts it only while a sound server answers, checks the server once a second (Qt does not notice
one that goes away) and kills a child that lost it, starts a new one every ``RETRY_MS`` after
the child ends, and hands each line the child prints to :meth:`_line`.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer

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


class SoundChild(QObject):
    """The kiosk's side of a ``python -m ARGUMENTS...`` child that uses the sound server.

    Subclasses say what happens on each event: :meth:`_no_server`, :meth:`_started`,
    :meth:`_stopped` and :meth:`_line`. They call :meth:`_try_start` at the end of their own
    ``__init__`` (once their state exists), unless made with ``start=False``: then the child
    starts at :meth:`start`.
    """

    def __init__(
        self,
        arguments: list[str],
        name: str,
        log: logging.Logger,
        channels: QProcess.ProcessChannelMode,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.arguments = arguments
        self._name = name
        self._log = log
        self._channels = channels
        self._process: QProcess | None = None
        self._buffer = b""
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._try_start)
        self._health = QTimer(self)
        self._health.setInterval(HEALTH_MS)
        self._health.timeout.connect(self._check_health)

    # -- for subclasses -----------------------------------------------------------------------
    def _no_server(self) -> None:
        """No sound server answers, so no child was started (another try follows)."""

    def _started(self) -> None:
        """A new child was started (it can be written to at once)."""

    def _stopped(self) -> None:
        """The child ended (a new one is tried after ``RETRY_MS``, unless this started one
        with :meth:`_try_start`)."""

    def _line(self, line: bytes) -> None:
        """One line the child printed, without its newline."""

    # -- the process --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the child (for one made with ``start=False``); nothing if it is running."""
        self._try_start()

    @property
    def started(self) -> bool:
        """True while a child process is running or starting."""
        return self._process is not None

    def _try_start(self) -> None:
        if self._process is not None:
            return
        if not sound_server_answers():
            self._no_server()
            self._retry.start()
            return
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(self.arguments)
        process.setProcessChannelMode(self._channels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(lambda *_: self._finished())
        self._process = process
        self._buffer = b""
        process.start()
        self._retry.stop()
        self._health.start()
        self._started()

    def _check_health(self) -> None:
        if self._process is not None and not sound_server_answers():
            self._log.warning("the sound server stopped answering; replacing the %s", self._name)
            self._process.kill()

    def _finished(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        if process.state() != QProcess.ProcessState.NotRunning:
            # An error (a write to a child whose sound server died) can come while the child
            # is still exiting: end it before its QProcess goes ("Destroyed while process is
            # still running", seen on a busy machine).
            process.kill()
            process.waitForFinished(1000)
        process.deleteLater()
        self._stopped()
        if self._process is None:  # (a subclass may have started the next one at once)
            self._retry.start()

    def _read(self) -> None:
        process = self._process
        if process is None:
            return
        self._buffer += bytes(process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._line(line)

    def _write(self, data: bytes) -> bool:
        """Send ``data`` to the child's stdin; False when no child is running."""
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return False
        return process.write(data) == len(data)

    def shutdown(self, wait_ms: int = 1000) -> None:
        """End the child (it stops when its stdin closes; killed if it does not)."""
        self._retry.stop()
        self._health.stop()
        process = self._process
        self._process = None
        if process is not None:
            process.closeWriteChannel()
            if not process.waitForFinished(wait_ms):
                process.kill()
                process.waitForFinished(1000)
