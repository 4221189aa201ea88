"""The voice input process's protocol: every message survives the trip through a JSON line, the
wire format is the one both sides read, and a malformed line is a ProtocolError, never a crash."""

from __future__ import annotations

import json

import pytest

from kiosk.listen import protocol
from kiosk.listen.protocol import (
    Cancel,
    Cancelled,
    Deciding,
    EngineChosen,
    Failed,
    Inputs,
    Level,
    Listen,
    Listening,
    ProtocolError,
    RequestTiming,
    Restarting,
    Result,
    SetPhrases,
    SpeechStarted,
    Vocabulary,
    command_from_json,
    event_from_json,
)
from kiosk.listen.recognition import Recognition

HEARD = Recognition(
    "tell me about bone pain",
    0.8,
    (("tell", 0.9), ("me", 0.9), ("about", 0.8), ("bone", 0.7), ("pain", 0.7)),
    "pocketsphinx",
    (("tell me about bone pain", 0.5), ("tell me about pain", 0.5)),
    (("topic:pain", 0.71), ("topic:fatigue", 0.2), ("command:stop", -0.05)),
    "tell me about the pain",
    (("yes please", 0.8), ("yes", 0.2)),
)
EVENTS: list[protocol.Event] = [
    EngineChosen("pocketsphinx", "Vosk model not installed; using PocketSphinx"),
    EngineChosen(None, "no speech recogniser can start"),
    Inputs(2, "Built-in microphone"),
    Inputs(0),
    Vocabulary(("hypercalcaemia", "zoledronic")),
    Listening(3, "Built-in microphone", 16000, 1),
    SpeechStarted(3),
    Level(3, 0.25),
    Deciding(3),
    Result(3, HEARD, RequestTiming("end of speech", 2310.0, (400.0, 1900.0), 87.5)),
    Result(4, Recognition.nothing("vosk"), RequestTiming("time limit", 8000.0, (None, None), 0.0)),
    Cancelled(5),
    Restarting("a fresh voice process after 200 grammar rebuilds"),
    Failed("no microphone", 6),
    Failed("voice input failed"),
]
COMMANDS: list[protocol.Command] = [
    SetPhrases(("bone pain", "tiredness"), ("tell me about bone pain",)),
    SetPhrases(
        ("bone pain",),
        (),
        (("topic:pain", ("bone pain", "Pain")), ("command:stop", ("stop", "be quiet"))),
    ),
    SetPhrases(),
    Listen(7, 8000),
    Listen(8, 5000, answer=True),
    Cancel(),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_json_line(event: protocol.Event) -> None:
    line = event.to_json()
    assert "\n" not in line
    assert event_from_json(line) == event
    assert event_from_json(line.encode()) == event  # as read from the process's stdout


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: type(c).__name__)
def test_every_command_survives_a_json_line(command: protocol.Command) -> None:
    line = command.to_json()
    assert "\n" not in line
    assert command_from_json(line) == command


def test_the_wire_format_is_one_flat_object_per_message() -> None:
    result = json.loads(EVENTS[9].to_json())
    assert COMMANDS[1].targets
    assert result["event"] == "result" and result["id"] == 3
    assert result["transcript"] == "tell me about bone pain"
    assert result["speech_ms"] == [400.0, 1900.0] and result["decode_ms"] == 87.5
    assert result["meaning"][0] == ["topic:pain", 0.71]
    phrases = json.loads(COMMANDS[1].to_json())
    assert phrases["targets"] == {
        "topic:pain": ["bone pain", "Pain"],
        "command:stop": ["stop", "be quiet"],
    }
    assert json.loads(Listen(7, 8000).to_json()) == {
        "cmd": "listen",
        "id": 7,
        "limit_ms": 8000,
        "answer": False,
    }
    assert command_from_json('{"cmd": "listen", "id": 7, "limit_ms": 8000}') == Listen(7, 8000)
    # What an older or hand-written sender gives: missing optional fields take their defaults.
    assert command_from_json('{"cmd": "phrases", "phrases": ["bone pain"]}') == SetPhrases(
        ("bone pain",)
    )
    assert event_from_json('{"event": "result", "id": 1}') == Result(
        1, Recognition("", 0.0, (), ""), RequestTiming()
    )


def test_timing_says_whether_anyone_spoke() -> None:
    assert RequestTiming(speech_ms=(120.0, None)).spoke
    assert not RequestTiming().spoke


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("", "not JSON"),
        ("Qt: warning on stdout", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"event": "applause"}', "unknown event 'applause'"),
        ('{"cmd": "listen"}', "unknown event None"),
        ('{"event": "level", "id": 1, "level": "loud"}', "\"level\" is 'loud'; expected a number"),
        ('{"event": "level", "level": 0.5}', '"id" is missing'),
        ('{"event": "speech", "id": true}', "expected a whole number"),
        ('{"event": "inputs", "count": 1.5}', "expected a whole number"),
        ('{"event": "vocabulary", "unknown": "calcium"}', "expected a list of texts"),
        ('{"event": "result", "id": 1, "words": [["pain"]]}', "[text, number] pairs"),
        ('{"event": "result", "id": 1, "speech_ms": [1]}', "[start, end]"),
        ('{"event": "result", "id": 1, "meaning": [["topic:pain", "high"]]}', "[text, number]"),
        ('{"event": "result", "id": 1, "confidence": 3}', "confidence 3.0 is not in 0..1"),
        ('{"event": "engine", "name": 5}', "expected text or null"),
    ],
)
def test_a_malformed_event_line_is_a_protocol_error_saying_what_is_wrong(
    line: str | bytes, says: str
) -> None:
    with pytest.raises(ProtocolError) as error:
        event_from_json(line)
    assert says in str(error.value)


@pytest.mark.parametrize(
    "line",
    [
        '{"cmd": "sing"}',
        '{"cmd": "listen", "id": 1}',
        '{"cmd": "phrases", "phrases": [1]}',
        '{"cmd": "phrases", "targets": {"topic:pain": "pain"}}',
        '{"cmd": "phrases", "targets": [["topic:pain", ["pain"]]]}',
        "{",
    ],
)
def test_a_malformed_command_line_is_a_protocol_error(line: str) -> None:
    with pytest.raises(ProtocolError):
        command_from_json(line)


def test_a_protocol_error_is_a_value_error() -> None:
    """Readers that caught ValueError for a bad line still catch it."""
    assert issubclass(ProtocolError, ValueError)
