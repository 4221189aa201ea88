"""What the kiosk and its sound output process (``kiosk.play.process``) say to each other.

Commands go down the process's stdin as binary (one command byte, then its payload; audio is
large and stop must arrive within milliseconds); events come back on its stdout as one text line
each. Each message is declared once here, with its encoding (``to_bytes`` / ``to_line``) and
decoding (:func:`read_command`, :func:`event_from_line`); both sides use this module (it imports
no Qt).

==========  =========================  ==============================================
command     bytes                      meaning
==========  =========================  ==============================================
OpenStream  ``F`` rate:u32 channels:u8  open the output in this format (stops playing)
Audio       ``D`` length:u32 bytes      queue PCM (16-bit little-endian)
Stop        ``S``                       stop at once, dropping queued audio
Pause       ``P``                       pause
Resume      ``R``                       resume
SetVolume   ``V`` volume:f64            linear volume 0..1
==========  =========================  ==============================================

Events: ``READY <outputs>`` (started), ``OUTPUTS <n>`` (devices changed), ``POS <microseconds
played>`` (every 20 ms while playing), ``ERR <text>``. A line or command that is not valid raises
:class:`ProtocolError` (a ValueError) saying what is wrong; the reader reports it and goes on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO, ClassVar


class ProtocolError(ValueError):
    """Bytes or a line that are not a valid message of the sound output protocol."""


# --- commands: the kiosk to the process ---------------------------------------------------------

_FORMAT = struct.Struct("<IB")
_LENGTH = struct.Struct("<I")
_VOLUME = struct.Struct("<d")


@dataclass(frozen=True)
class OpenStream:
    """Open the output for 16-bit PCM at ``rate`` Hz with ``channels`` (stops anything playing)."""

    CODE: ClassVar[bytes] = b"F"
    rate: int
    channels: int

    def to_bytes(self) -> bytes:
        return self.CODE + _FORMAT.pack(self.rate, self.channels)


@dataclass(frozen=True)
class Audio:
    """Queue ``pcm`` (16-bit little-endian) on the open stream."""

    CODE: ClassVar[bytes] = b"D"
    pcm: bytes

    def to_bytes(self) -> bytes:
        return self.CODE + _LENGTH.pack(len(self.pcm)) + self.pcm


@dataclass(frozen=True)
class Stop:
    """Silence at once, dropping queued audio."""

    CODE: ClassVar[bytes] = b"S"

    def to_bytes(self) -> bytes:
        return self.CODE


@dataclass(frozen=True)
class Pause:
    """Pause the stream."""

    CODE: ClassVar[bytes] = b"P"

    def to_bytes(self) -> bytes:
        return self.CODE


@dataclass(frozen=True)
class Resume:
    """Resume the stream."""

    CODE: ClassVar[bytes] = b"R"

    def to_bytes(self) -> bytes:
        return self.CODE


@dataclass(frozen=True)
class SetVolume:
    """Linear volume 0..1."""

    CODE: ClassVar[bytes] = b"V"
    volume: float

    def to_bytes(self) -> bytes:
        return self.CODE + _VOLUME.pack(self.volume)


Command = OpenStream | Audio | Stop | Pause | Resume | SetVolume


class _EndOfStream(Exception):
    pass


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) < size:
        raise _EndOfStream
    return data


def read_command(stream: BinaryIO) -> Command | None:
    """The next command on ``stream``; None at its end (a command cut short counts as the end).
    ProtocolError for a command byte that is not one (the stream goes on after it)."""
    try:
        code = _read_exactly(stream, 1)
        if code == OpenStream.CODE:
            rate, channels = _FORMAT.unpack(_read_exactly(stream, _FORMAT.size))
            return OpenStream(rate, channels)
        if code == Audio.CODE:
            (length,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
            return Audio(_read_exactly(stream, length))
        if code == SetVolume.CODE:
            (volume,) = _VOLUME.unpack(_read_exactly(stream, _VOLUME.size))
            return SetVolume(volume)
        simple = {c.CODE: c for c in (Stop, Pause, Resume)}.get(code)
        if simple is None:
            raise ProtocolError(f"unknown command byte {code!r}; expected one of F D S P R V")
        return simple()
    except _EndOfStream:
        return None


# --- events: the process to the kiosk -----------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The process has started; ``outputs`` sound output devices are there."""

    WORD: ClassVar[str] = "READY"
    outputs: int

    def to_line(self) -> str:
        return f"{self.WORD} {self.outputs}"


@dataclass(frozen=True)
class OutputsChanged:
    """The sound output devices changed; ``outputs`` are there now."""

    WORD: ClassVar[str] = "OUTPUTS"
    outputs: int

    def to_line(self) -> str:
        return f"{self.WORD} {self.outputs}"


@dataclass(frozen=True)
class Position:
    """Microseconds of the stream played so far."""

    WORD: ClassVar[str] = "POS"
    played_us: int

    def to_line(self) -> str:
        return f"{self.WORD} {self.played_us}"


@dataclass(frozen=True)
class OutputFailed:
    """The output cannot play; ``message`` says why, for staff and the log."""

    WORD: ClassVar[str] = "ERR"
    message: str

    def to_line(self) -> str:
        return f"{self.WORD} {' '.join(self.message.split())}"


Event = Ready | OutputsChanged | Position | OutputFailed


def _count(word: str, value: str) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise ProtocolError(f"{word} {value!r}: expected a whole number")
    return int(value)


def event_from_line(raw: bytes | str) -> Event:
    """The event on one line of the process's output; ProtocolError when it is not one."""
    line = (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).strip()
    word, _, value = line.partition(" ")
    if word == Ready.WORD:
        return Ready(_count(word, value))
    if word == OutputsChanged.WORD:
        return OutputsChanged(_count(word, value))
    if word == Position.WORD:
        return Position(_count(word, value))
    if word == OutputFailed.WORD:
        return OutputFailed(value)
    raise ProtocolError(f"unknown event {line[:80]!r}; expected READY, OUTPUTS, POS or ERR")
