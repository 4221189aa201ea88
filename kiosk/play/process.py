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


class _Player(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(
            lambda: self.say(protocol.OutputsChanged(len(QMediaDevices.audioOutputs())))
        )
        self.sink: QAudioSink | None = None
        self.stream: QIODevice | None = None
        self.queue: deque[bytes] = deque()
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
            self.queue.append(command.pcm)
            # Written now, not at the next tick: the first sound of a reading came 57 ms after
            # the kiosk handed it over, 38 ms when written at once (measured on the test rig).
            self.write()
        elif isinstance(command, protocol.Stop):
            self.queue.clear()
            if self.sink is not None:
                self.sink.stop()
            self.stream = None
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
        self.queue.clear()
        if self.sink is not None:
            self.sink.stop()
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
        self.stream = self.sink.start()
        if self.stream is None or self.sink.error() != QtAudio.Error.NoError:
            self.say(
                protocol.OutputFailed(f"could not open the sound output ({self.sink.error().name})")
            )
            self.stream = None
        self.timer.start()

    def pump(self) -> None:
        """Every tick: top up the sink's buffer and report the position."""
        if not self.write():
            return
        self.ticks += 1
        if self.ticks % 2 == 0:
            self.say(protocol.Position(self.sink.processedUSecs() if self.sink else 0))

    def write(self) -> bool:
        """Hand queued audio to the sink as far as its buffer has room; False when there is no
        open stream (or it just failed)."""
        sink, stream = self.sink, self.stream
        if sink is None or stream is None:
            return False
        if sink.error() not in (QtAudio.Error.NoError, QtAudio.Error.UnderrunError):
            self.say(protocol.OutputFailed(f"sound output failed ({sink.error().name})"))
            self.stream = None
            return False
        free = sink.bytesFree()
        while free > 0 and self.queue:
            chunk = self.queue.popleft()
            written = stream.write(chunk[:free])
            if written < len(chunk):
                self.queue.appendleft(chunk[max(0, written) :])
                break
            free -= written
        return True


def main() -> int:
    """Run until stdin closes."""
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
