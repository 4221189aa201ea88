"""The sound output process: ``python -m kiosk.play.process``.

Why a separate process: when the sound server dies, Qt Multimedia's PulseAudio service (Qt 6.11)
calls libpulse with a null context the next time a sink is created, and libpulse *aborts the
process*. Playing from a child process keeps that failure away from the kiosk: the kiosk notices
the child has gone, carries on silently, and starts a new child when the server is back.

The protocol (binary commands on stdin, one text line per event on stdout) is declared in
:mod:`kiosk.play.protocol`.
No audio is ever written to disk.
"""

from __future__ import annotations

import fcntl
import os
import stat
import sys
import threading
from collections import deque

from PySide6.QtCore import QIODevice, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices, QtAudio

from kiosk.audio_process import audio_application
from kiosk.play import protocol
from kiosk.services.memory import keep_allocator_steady, release_free_memory


class _Reader(QObject):
    """Reads commands on a thread and hands them to the Qt thread."""

    command = Signal(object)  # a protocol.Command
    closed = Signal()

    def run(self) -> None:
        stream = sys.stdin.buffer
        while True:
            try:
                command = protocol.read_command(stream)
            except protocol.ProtocolError as error:
                print(f"sound output: a command was ignored: {error}", file=sys.stderr)
                continue
            if command is None:
                break
            self.command.emit(command)
        self.closed.emit()


class _Feed(QIODevice):
    """The audio the sink pulls from: the queued PCM, read in order.

    Why the sink pulls rather than being written to: a sink started with ``start()`` (Qt 6.11's
    PulseAudio backend, push mode) sent the server ~30 ms of silence before the first audio
    written to it, however soon that was written; started on a device that already holds audio,
    its stream's first buffer is that audio. Measured on the rig's null sink: first sound 36 ms
    after the sink was started in push mode, 5 ms in pull mode; Stop silent in 3 ms either way.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.queue: deque[bytes] = deque()
        self.queued = 0
        self.open(QIODevice.OpenModeFlag.ReadOnly)

    def isSequential(self) -> bool:
        return True

    def bytesAvailable(self) -> int:
        return self.queued + super().bytesAvailable()

    def add(self, pcm: bytes) -> None:
        """Queue audio; the sink reads it as its buffer has room."""
        self.queue.append(pcm)
        self.queued += len(pcm)
        self.readyRead.emit()

    def clear(self) -> None:
        """Drop everything queued."""
        self.queue.clear()
        self.queued = 0

    def readData(self, maxlen: int) -> bytes:
        out = bytearray()
        while self.queue and len(out) < maxlen:
            chunk = self.queue.popleft()
            taken = chunk[: maxlen - len(out)]
            out += taken
            if len(taken) < len(chunk):
                self.queue.appendleft(chunk[len(taken) :])
        self.queued -= len(out)
        return bytes(out)

    def writeData(self, data: bytes | bytearray | memoryview, length: int, /) -> int:
        return -1  # read only


class _Player(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(
            lambda: self.say(protocol.OutputsChanged(len(QMediaDevices.audioOutputs())))
        )
        self.sink: QAudioSink | None = None
        self.feed: _Feed | None = None  # the open stream's audio; None when none is open
        self.volume = 1.0
        self.timer = QTimer(self)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.pump)
        self.ticks = 0

    def say(self, event: protocol.Event) -> None:
        sys.stdout.write(event.to_line() + "\n")
        sys.stdout.flush()

    def handle(self, command: protocol.Command) -> None:
        if isinstance(command, protocol.OpenStream):
            self.open(command.rate, command.channels)
        elif isinstance(command, protocol.Audio):
            self.play(command.pcm)
        elif isinstance(command, protocol.Stop):
            self.close()
            release_free_memory()  # the stopped sentence's audio, freed
        elif isinstance(command, protocol.Pause) and self.sink is not None:
            self.sink.suspend()
        elif isinstance(command, protocol.Resume) and self.sink is not None:
            self.sink.resume()
        elif isinstance(command, protocol.SetVolume):
            self.volume = command.volume
            if self.sink is not None:
                self.sink.setVolume(self.volume)

    def open(self, rate: int, channels: int) -> None:
        """Make a sink for a new stream; it starts with the stream's first audio (see _Feed)."""
        self.close()
        if self.sink is not None:
            self.sink.deleteLater()
            self.sink = None
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self.say(protocol.OutputFailed("no sound output device"))
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(rate)
        fmt.setChannelCount(channels)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self.sink = QAudioSink(device, fmt, self)
        # ~100 ms of buffer: rides out a busy moment; nothing stale plays after Stop or Pause.
        self.sink.setBufferSize(rate * channels * 2 // 10)
        self.sink.setVolume(self.volume)
        self.feed = _Feed(self)

    def play(self, pcm: bytes) -> None:
        """Queue audio on the open stream, starting the sink with its first audio."""
        sink, feed = self.sink, self.feed
        if sink is None or feed is None:
            return
        feed.add(pcm)
        if sink.state() != QtAudio.State.StoppedState:
            return
        sink.start(feed)
        if sink.error() != QtAudio.Error.NoError:
            problem = f"could not open the sound output ({sink.error().name})"
            self.say(protocol.OutputFailed(problem))
            self.close()
            return
        self.timer.start()

    def close(self) -> None:
        """Silence the stream at once and forget what it had queued."""
        self.timer.stop()
        if self.sink is not None:
            self.sink.reset()  # drops what its buffer holds, unplayed
        if self.feed is not None:
            self.feed.clear()
            self.feed.deleteLater()
            self.feed = None

    def pump(self) -> None:
        """Every tick: notice a failed output and report the play position."""
        sink = self.sink
        if sink is None or self.feed is None:
            return
        if sink.error() not in (QtAudio.Error.NoError, QtAudio.Error.UnderrunError):
            self.say(protocol.OutputFailed(f"sound output failed ({sink.error().name})"))
            self.close()
            return
        self.ticks += 1
        if self.ticks % 2 == 0:
            self.say(protocol.Position(sink.processedUSecs()))


#: How much the pipe the commands arrive on holds. A sentence's audio is one message and the
#: process can start it only once it has read all of it; at the default pipe size (64 KB) a long
#: first sentence (the topic titles are 40-121 KB at the default speed, more when slower) does
#: not fit, and the rest waits in the kiosk until its event loop runs again, after the repaint
#: the press causes. Traced on the rig: first audio read 6-13 ms after it was sent on the 7 pages
#: whose title is over 64 KB, under 1 ms on the others. 1 MB is Linux's default limit for an
#: unprivileged process (``/proc/sys/fs/pipe-max-size``); the kernel gives pages as they fill.
PIPE_BYTES = 1 << 20


def widen_pipe(fd: int, wanted: int = PIPE_BYTES) -> int:
    """Make the pipe on ``fd`` hold ``wanted`` bytes (or the most the system allows); returns the
    size it holds now, or 0 when ``fd`` is not a pipe or the size cannot be changed."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only; it returns the size set
    try:
        if setter is None or not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return 0
        try:
            return int(fcntl.fcntl(fd, setter, wanted))
        except PermissionError:  # over this system's limit: take what it allows
            with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as limit:
                allowed = min(wanted, int(limit.read()))
            return int(fcntl.fcntl(fd, setter, allowed))
    except (OSError, ValueError):
        return 0


def main() -> int:
    """Run until stdin closes."""
    if not widen_pipe(sys.stdin.fileno()):
        print(
            "sound output: the command pipe could not be widened; long first sentences may "
            "start a few milliseconds late",
            file=sys.stderr,
        )
    keep_allocator_steady()  # audio arrives in blocks of hundreds of KB (see the function)
    app = audio_application(sys.argv[:1])
    player = _Player()
    reader = _Reader()
    reader.command.connect(player.handle)
    reader.closed.connect(app.quit)
    threading.Thread(target=reader.run, name="commands", daemon=True).start()
    player.say(protocol.Ready(len(QMediaDevices.audioOutputs())))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
