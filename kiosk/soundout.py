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

WARM_RATE = 22050
"""espeak-ng's rate: the format of nearly every stream."""


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


class _Feed(QIODevice):
    """The audio queued for the sink, which the sink pulls (Qt's pull mode).

    Pull mode, because in Qt 6.11 a pushed write reaches PulseAudio about 30 ms later than a
    pulled one (measured on the null-sink rig: first sound 36 ms after the write, 8-9 ms when
    pulled). The sink may read from another thread, hence the lock."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._chunks: deque[bytes] = deque()
        self._size = 0

    def add(self, pcm: bytes) -> None:
        with self._lock:
            self._chunks.append(pcm)
            self._size += len(pcm)
        self.readyRead.emit()

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._size = 0

    def isSequential(self) -> bool:
        return True

    def bytesAvailable(self) -> int:
        return self._size + super().bytesAvailable()

    def readData(self, maxlen: int) -> bytes:
        maxlen -= maxlen % 2  # whole 16-bit samples
        parts = []
        with self._lock:
            while self._chunks and maxlen > 0:
                chunk = self._chunks.popleft()
                if len(chunk) > maxlen:
                    self._chunks.appendleft(chunk[maxlen:])
                    chunk = chunk[:maxlen]
                parts.append(chunk)
                maxlen -= len(chunk)
                self._size -= len(chunk)
        return b"".join(parts)

    def writeData(self, data: bytes | bytearray | memoryview, length: int, /) -> int:
        return -1


class _Player(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.devices = QMediaDevices(self)
        self.devices.audioOutputsChanged.connect(
            lambda: self.say(f"OUTPUTS {len(QMediaDevices.audioOutputs())}")
        )
        self.sink: QAudioSink | None = None
        self.feed = _Feed(self)
        self.feed.open(QIODevice.OpenModeFlag.ReadOnly)
        self.playing = False
        self.opened_by_kiosk = False
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
            self.opened_by_kiosk = True
            self.open(rate, channels)
        elif kind == b"D":
            if self.playing:
                self.feed.add(payload)
        elif kind == b"S":
            self.feed.clear()
            self.playing = False
            if self.sink is not None:
                self.sink.stop()
        elif kind == b"P" and self.sink is not None:
            self.sink.suspend()
        elif kind == b"R" and self.sink is not None:
            self.sink.resume()
        elif kind == b"V":
            self.volume = struct.unpack("<d", payload)[0]
            if self.sink is not None:
                self.sink.setVolume(self.volume)

    def warm(self) -> None:
        """Open and close a stream in the kiosk's speech format once, before any is needed: the
        first stream a process opens reaches the sound ~30 ms later than the next ones."""
        if QMediaDevices.defaultAudioOutput().isNull():
            return
        self.open(WARM_RATE, 1)
        if self.playing:
            self.feed.add(bytes(WARM_RATE // 10))  # 50 ms of digital silence
            QTimer.singleShot(150, self, self._end_warm)

    def _end_warm(self) -> None:
        if self.playing and self.feed.bytesAvailable() == 0 and not self.opened_by_kiosk:
            self.handle(b"S", b"")

    def open(self, rate: int, channels: int) -> None:
        self.feed.clear()
        self.playing = False
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
        self.sink.start(self.feed)
        if self.sink.error() != QtAudio.Error.NoError:
            self.say(f"ERR could not open the sound output ({self.sink.error().name})")
            return
        self.playing = True
        self.timer.start()

    def pump(self) -> None:
        """Report errors and the play position (the sink pulls the audio itself)."""
        sink = self.sink
        if sink is None or not self.playing:
            return
        if sink.error() not in (QtAudio.Error.NoError, QtAudio.Error.UnderrunError):
            self.say(f"ERR sound output failed ({sink.error().name})")
            self.playing = False
            return
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
    player.warm()
    player.say(f"READY {len(QMediaDevices.audioOutputs())}")
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
