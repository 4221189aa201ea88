"""The sound output process's protocol: every command survives the trip through the pipe's bytes,
every event through its line, and malformed input is a ProtocolError, never a crash."""

from __future__ import annotations

import io

import pytest

from kiosk.play import protocol
from kiosk.play.protocol import (
    Audio,
    OpenStream,
    OutputFailed,
    OutputsChanged,
    Pause,
    Position,
    ProtocolError,
    Ready,
    Resume,
    SetVolume,
    Stop,
    event_from_line,
    read_command,
)

COMMANDS: list[protocol.Command] = [
    OpenStream(22050, 1),
    Audio(bytes(range(256)) * 3),
    Audio(b""),
    Stop(),
    Pause(),
    Resume(),
    SetVolume(0.25),
]
EVENTS: list[protocol.Event] = [
    Ready(2),
    OutputsChanged(0),
    Position(1_234_567),
    OutputFailed("could not open the sound output (OpenError)"),
]


def test_commands_survive_the_pipe_in_order() -> None:
    stream = io.BytesIO(b"".join(c.to_bytes() for c in COMMANDS))
    read = []
    while (command := read_command(stream)) is not None:
        read.append(command)
    assert read == COMMANDS


def test_the_wire_format_is_the_documented_one() -> None:
    assert OpenStream(16000, 2).to_bytes() == b"F\x80\x3e\x00\x00\x02"
    assert Audio(b"\x01\x02").to_bytes() == b"D\x02\x00\x00\x00\x01\x02"
    assert SetVolume(1.0).to_bytes()[:1] == b"V" and len(SetVolume(1.0).to_bytes()) == 9
    assert Position(40).to_line() == "POS 40"
    assert Ready(1).to_line() == "READY 1"


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_survives_its_line(event: protocol.Event) -> None:
    line = event.to_line()
    assert "\n" not in line
    assert event_from_line(line) == event
    assert event_from_line((line + "\n").encode()) == event


def test_a_command_cut_short_is_the_end_of_the_stream() -> None:
    whole = Audio(b"\x00" * 100).to_bytes()
    for cut in (1, 3, 50):
        assert read_command(io.BytesIO(whole[:cut])) is None
    assert read_command(io.BytesIO(b"")) is None


def test_an_unknown_command_byte_is_reported_and_the_stream_goes_on() -> None:
    stream = io.BytesIO(b"X" + Stop().to_bytes())
    with pytest.raises(ProtocolError, match="unknown command byte b'X'"):
        read_command(stream)
    assert read_command(stream) == Stop()


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("POS abc", "POS 'abc': expected a whole number"),
        ("READY -1", "expected a whole number"),
        ("HELLO there", "unknown event 'HELLO there'"),
        ("", "unknown event ''"),
        (b"\xff\xfe", "unknown event"),
    ],
)
def test_a_malformed_event_line_is_a_protocol_error(line: str | bytes, says: str) -> None:
    with pytest.raises(ProtocolError) as error:
        event_from_line(line)
    assert says in str(error.value)


def test_a_count_left_out_is_zero() -> None:
    """As the kiosk always read it."""
    assert event_from_line("OUTPUTS") == OutputsChanged(0)
