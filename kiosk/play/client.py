"""The kiosk's side of the sound output process (see ``kiosk.play.process`` for why it exists).

Stop, pause and volume are one small message down a pipe, so they act within milliseconds. If the
process dies (the sound server went away and took libpulse with it), the kiosk carries on silently
and starts a new one once a sound server answers again.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, Signal

from kiosk.core.lazy import lazy_module
from kiosk.services.child_process import SoundChild

if TYPE_CHECKING:
    from kiosk.play import protocol
else:  # its first use is the process's first message, after Home is painted
    protocol = lazy_module("kiosk.play.protocol")

log = logging.getLogger("kiosk.sound")


class SoundOutput(SoundChild):
    """Plays 16-bit PCM through the child process; reports availability and play position."""

    available_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, start: bool = True) -> None:
        super().__init__(
            ["-m", "kiosk.play.process"],
            "sound output",
            log,
            # Its error output goes to the kiosk's (the log and the journal); unread, a chatty
            # child could fill the pipe and stall.
            QProcess.ProcessChannelMode.ForwardedErrorChannel,
            parent,
        )
        # Optimistic until the process reports: no "sound unavailable" flash while it starts.
        self.available = True
        self.ready = False
        self.problem = "starting"
        self._position_us = 0
        self._position_at = 0.0
        self._playing = False
        self._volume = 1.0
        if start:
            self._try_start()

    # -- process ------------------------------------------------------------------------------
    def _no_server(self) -> None:
        self._set_available(False, "no sound server is running")

    def _stopped(self) -> None:
        self._playing = False
        self.ready = False
        log.warning("the sound output stopped; the kiosk carries on silently until sound returns")
        # Keep the reason an output reported before it was replaced (for the staff screen).
        self._set_available(
            False, self.problem if not self.available else "the sound output stopped"
        )

    def _line(self, raw: bytes) -> None:
        try:
            event = protocol.event_from_line(raw)
        except protocol.ProtocolError as error:
            log.warning("sound output sent a line the kiosk cannot read (ignored): %s", error)
            return
        if isinstance(event, protocol.Position):
            self._position_us = event.played_us
            self._position_at = time.perf_counter()
        elif isinstance(event, protocol.Ready | protocol.OutputsChanged):
            count = event.outputs
            self.ready = True
            self._set_available(count > 0, "" if count else "no sound output device")
            if isinstance(event, protocol.Ready):
                self._send(protocol.SetVolume(self._volume))
        elif isinstance(event, protocol.OutputFailed):
            value = event.message
            log.warning("sound output: %s", value)
            self._set_available(False, value)
            self.failed.emit(value)
            # Nothing else would ever make this output try again (it is marked unavailable, so
            # nothing is opened on it): a new one is started after RETRY_MS instead.
            if self._process is not None:
                self._process.kill()

    def _set_available(self, available: bool, problem: str) -> None:
        self.problem = problem
        if available != self.available:
            self.available = available
            self.available_changed.emit(available)

    def _send(self, message: protocol.Command) -> bool:
        if not self._write(message.to_bytes()):
            return False
        # QProcess only buffers a write; the pipe gets it when the event loop next runs, which
        # after a press is after the repaint it causes (20-40 ms): audio started, and Stop
        # silenced, that much late. Hand it to the pipe now (what does not fit follows later).
        process = self._process
        if process is not None:
            process.waitForBytesWritten(0)
        return True

    # -- playing ------------------------------------------------------------------------------
    def open(self, rate: int, channels: int) -> bool:
        """Start a new stream in this format; False when there is no sound to be had."""
        self._position_us = 0
        self._position_at = time.perf_counter()
        self._playing = (
            self.ready and self.available and self._send(protocol.OpenStream(rate, channels))
        )
        return self._playing

    def write(self, pcm: bytes) -> bool:
        """Queue audio on the open stream."""
        return self._playing and self._send(protocol.Audio(pcm))

    def stop(self) -> None:
        """Silence at once."""
        self._playing = False
        self._send(protocol.Stop())

    def pause(self) -> None:
        """Pause the stream."""
        self._send(protocol.Pause())

    def resume(self) -> None:
        """Resume the stream."""
        self._position_at = time.perf_counter()
        self._send(protocol.Resume())

    def set_volume(self, volume: float) -> None:
        """Linear volume 0..1."""
        self._volume = volume
        self._send(protocol.SetVolume(volume))

    def processed_us(self) -> int:
        """Microseconds of the stream played so far (as last reported by the output)."""
        return self._position_us
