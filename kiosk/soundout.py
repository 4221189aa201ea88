"""The sound output process: ``python -m kiosk.soundout``.

Why a separate process: when the sound server dies, Qt Multimedia's PulseAudio service (Qt 6.11)
calls libpulse with a null context the next time a sink is created, and libpulse *aborts the
process*. Playing from a child process keeps that failure away from the kiosk: the kiosk notices
the child has gone, carries on silently, and starts a new child when the server is back.

Protocol (binary, on stdin): one command byte, then its payload.
  ``F`` rate:u32 channels:u8  — open the output with this format (stops anything playing)
  ``D`` length:u32 bytes       — queue PCM (16-bit little-endian)
  ``S``                        — stop at once, dropping queued audio
  ``P`` / ``R``                — pause / resume
  ``V`` volume:f64             — linear volume 0..1
On stdout, one line each: ``READY <n outputs>``, ``OUTPUTS <n>`` when devices change,
``POS <processed microseconds>`` every 20 ms while playing, ``ERR <text>``.
No audio is ever written to disk.
"""

from __future__ import annotations

import struct
import sys
import threading
from collections import deque

from PySide6.QtCore import QCoreApplication, QIODevice, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices, QtAudio


class _Reader(QObject):
    """Reads commands on a thread and hands them to the Qt thread."""

    command = Signal(bytes, bytes)
    closed = Signal()

    def run(self) -> None:
        stream = sys.stdin.buffer
        sizes = {b"F": 5, b"S": 0, b"P": 0, b"R": 0, b"V": 8}
        while True:
            kind = stream.read(1)
            if not kind:
                break
            if kind == b"D":
                header = stream.read(4)
                if len(header) < 4:
                    break
                payload = stream.read(struct.unpack("<I", header)[0])
            else:
                payload = stream.read(sizes.get(kind, 0))
            self.command.emit(kind, payload)
        self.closed.emit()


class _Player(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(
            lambda: self.say(f"OUTPUTS {len(QMediaDevices.audioOutputs())}")
        )
        self.sink: QAudioSink | None = None
        self.stream: QIODevice | None = None
        self.queue: deque[bytes] = deque()
        self.volume = 1.0
        self.timer = QTimer(self)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.pump)
        self.ticks = 0

    def say(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def handle(self, kind: bytes, payload: bytes) -> None:
        if kind == b"F":
            rate, channels = struct.unpack("<IB", payload)
            self.open(rate, channels)
        elif kind == b"D":
            self.queue.append(payload)
        elif kind == b"S":
            self.queue.clear()
            if self.sink is not None:
                self.sink.stop()
            self.stream = None
        elif kind == b"P" and self.sink is not None:
            self.sink.suspend()
        elif kind == b"R" and self.sink is not None:
            self.sink.resume()
        elif kind == b"V":
            self.volume = struct.unpack("<d", payload)[0]
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
            self.say("ERR no sound output device")
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
            self.say(f"ERR could not open the sound output ({self.sink.error().name})")
            self.stream = None
        self.timer.start()

    def pump(self) -> None:
        sink, stream = self.sink, self.stream
        if sink is None or stream is None:
            return
        if sink.error() not in (QtAudio.Error.NoError, QtAudio.Error.UnderrunError):
            self.say(f"ERR sound output failed ({sink.error().name})")
            self.stream = None
            return
        free = sink.bytesFree()
        while free > 0 and self.queue:
            chunk = self.queue.popleft()
            written = stream.write(chunk[:free])
            if written < len(chunk):
                self.queue.appendleft(chunk[max(0, written) :])
                break
            free -= written
        self.ticks += 1
        if self.ticks % 2 == 0:
            self.say(f"POS {sink.processedUSecs()}")


def main() -> int:
    """Run until stdin closes."""
    app = QCoreApplication(sys.argv[:1])
    player = _Player()
    reader = _Reader()
    reader.command.connect(player.handle)
    reader.closed.connect(app.quit)
    threading.Thread(target=reader.run, name="commands", daemon=True).start()
    player.say(f"READY {len(QMediaDevices.audioOutputs())}")
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
