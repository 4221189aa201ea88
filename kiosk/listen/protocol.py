"""What the kiosk and its voice input process (``kiosk.listen.process``) say to each other.

One JSON object per line: the kiosk sends commands (``{"cmd": ...}``) on the process's stdin,
the process answers with events (``{"event": ...}``) on its stdout. Each message is declared once
here, as a frozen dataclass with ``to_json``; :func:`command_from_json` and
:func:`event_from_json` read a line back. Both sides use this module (it imports no Qt).

A line that is not a valid message raises :class:`ProtocolError` (a ValueError) saying what is
wrong; the reader reports it and goes on with the next line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from kiosk.listen.recognition import Recognition


class ProtocolError(ValueError):
    """A line that is not a valid message of the voice input protocol."""


T = TypeVar("T")
_REQUIRED: Any = object()


def _field(
    data: Mapping[str, Any], key: str, check: Callable[[Any], bool], what: str, default: Any
) -> Any:
    value = data.get(key, default)
    if value is _REQUIRED:
        raise ProtocolError(f'"{key}" is missing')
    if value is not default and not check(value):
        raise ProtocolError(f'"{key}" is {value!r}; expected {what}')
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str(data: Mapping[str, Any], key: str, default: Any = _REQUIRED) -> str:
    return str(_field(data, key, lambda v: isinstance(v, str), "text", default))


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = _field(data, key, lambda v: v is None or isinstance(v, str), "text or null", None)
    return None if value is None else str(value)


def _int(data: Mapping[str, Any], key: str, default: Any = _REQUIRED) -> int:
    return int(_field(data, key, _is_int, "a whole number", default))


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = _field(data, key, lambda v: v is None or _is_int(v), "a whole number or null", None)
    return None if value is None else int(value)


def _number(data: Mapping[str, Any], key: str, default: Any = _REQUIRED) -> float:
    return float(_field(data, key, _is_number, "a number", default))


def _optional_number(data: Mapping[str, Any], key: str) -> float | None:
    value = _field(data, key, lambda v: v is None or _is_number(v), "a number or null", None)
    return None if value is None else float(value)


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = _field(
        data,
        key,
        lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
        "a list of texts",
        [],
    )
    return tuple(value)


def _scored(data: Mapping[str, Any], key: str) -> tuple[tuple[str, float], ...]:
    def valid(value: Any) -> bool:
        return isinstance(value, list) and all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and _is_number(p[1])
            for p in value
        )

    value = _field(data, key, valid, "a list of [text, number] pairs", [])
    return tuple((str(text), float(score)) for text, score in value)


# --- commands: the kiosk to the process ---------------------------------------------------------


@dataclass(frozen=True)
class SetPhrases:
    """Build the recogniser's language from ``language`` (or ``phrases`` when empty), and say
    which words of ``phrases`` the engine cannot hear (a :class:`Vocabulary` event)."""

    KIND: ClassVar[str] = "phrases"
    phrases: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    targets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Each topic's and command's own texts (``topic:<id>`` or ``command:<name>``, then the
    texts), for the sentence-meaning index (:func:`kiosk.listen.meaning.target_texts`)."""

    def to_json(self) -> str:
        return _line(
            "cmd",
            self.KIND,
            phrases=list(self.phrases),
            language=list(self.language),
            targets={target: list(texts) for target, texts in self.targets},
        )

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> SetPhrases:
        def valid(value: Any) -> bool:
            return isinstance(value, dict) and all(
                isinstance(texts, list) and all(isinstance(t, str) for t in texts)
                for texts in value.values()
            )

        targets = _field(data, "targets", valid, "an object of lists of texts", {})
        return cls(
            _texts(data, "phrases"),
            _texts(data, "language"),
            tuple((str(target), tuple(texts)) for target, texts in targets.items()),
        )


@dataclass(frozen=True)
class Listen:
    """Listen for one request (number ``id``) for at most ``limit_ms``; ``answer``: for a yes or
    no to a "Did you mean ...?" question (heard with the answer language)."""

    KIND: ClassVar[str] = "listen"
    id: int
    limit_ms: int
    answer: bool = False

    def to_json(self) -> str:
        return _line("cmd", self.KIND, id=self.id, limit_ms=self.limit_ms, answer=self.answer)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Listen:
        answer = _field(data, "answer", lambda v: isinstance(v, bool), "true or false", False)
        return cls(_int(data, "id", 0), _int(data, "limit_ms"), bool(answer))


@dataclass(frozen=True)
class Cancel:
    """Stop listening and forget what was heard of the current request."""

    KIND: ClassVar[str] = "cancel"

    def to_json(self) -> str:
        return _line("cmd", self.KIND)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Cancel:
        return cls()


Command = SetPhrases | Listen | Cancel


# --- events: the process to the kiosk -----------------------------------------------------------


@dataclass(frozen=True)
class EngineChosen:
    """The recogniser the process uses (``name`` None: none starts), and why, for staff."""

    KIND: ClassVar[str] = "engine"
    name: str | None
    reason: str

    def to_json(self) -> str:
        return _line("event", self.KIND, name=self.name, reason=self.reason)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> EngineChosen:
        return cls(_optional_str(data, "name"), _str(data, "reason", ""))


@dataclass(frozen=True)
class Inputs:
    """How many microphones there are, and the default one's name ("" with none)."""

    KIND: ClassVar[str] = "inputs"
    count: int
    name: str = ""

    def to_json(self) -> str:
        return _line("event", self.KIND, count=self.count, name=self.name)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Inputs:
        return cls(_int(data, "count", 0), _str(data, "name", ""))


@dataclass(frozen=True)
class Vocabulary:
    """The words of the phrases the engine cannot hear (the answer to :class:`SetPhrases`)."""

    KIND: ClassVar[str] = "vocabulary"
    unknown: tuple[str, ...] = ()

    def to_json(self) -> str:
        return _line("event", self.KIND, unknown=list(self.unknown))

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Vocabulary:
        return cls(_texts(data, "unknown"))


@dataclass(frozen=True)
class Listening:
    """The microphone delivers audio for request ``id``: the patient may speak now."""

    KIND: ClassVar[str] = "listening"
    id: int
    device: str = ""
    rate: int = 0
    channels: int = 0

    def to_json(self) -> str:
        return _line(
            "event",
            self.KIND,
            id=self.id,
            device=self.device,
            rate=self.rate,
            channels=self.channels,
        )

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Listening:
        return cls(
            _int(data, "id"),
            _str(data, "device", ""),
            _int(data, "rate", 0),
            _int(data, "channels", 0),
        )


@dataclass(frozen=True)
class SpeechStarted:
    """Speech was found in request ``id``."""

    KIND: ClassVar[str] = "speech"
    id: int

    def to_json(self) -> str:
        return _line("event", self.KIND, id=self.id)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> SpeechStarted:
        return cls(_int(data, "id"))


@dataclass(frozen=True)
class Level:
    """The microphone's level now (0..1, for the level bar)."""

    KIND: ClassVar[str] = "level"
    id: int
    level: float

    def to_json(self) -> str:
        return _line("event", self.KIND, id=self.id, level=self.level)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Level:
        return cls(_int(data, "id"), _number(data, "level", 0.0))


@dataclass(frozen=True)
class Deciding:
    """Listening to request ``id`` ended; the recogniser is decoding it."""

    KIND: ClassVar[str] = "deciding"
    id: int

    def to_json(self) -> str:
        return _line("event", self.KIND, id=self.id)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Deciding:
        return cls(_int(data, "id"))


@dataclass(frozen=True)
class RequestTiming:
    """How listening to one request went (for the log, and to tell "nothing heard" from "not
    understood")."""

    reason: str = ""
    """Why listening ended, e.g. "end of speech" or "time limit"."""
    audio_ms: float | None = None
    """How much audio was heard, from the press."""
    speech_ms: tuple[float | None, float | None] = (None, None)
    """Where speech started and ended in it (None: not found)."""
    decode_ms: float | None = None
    """How long the recogniser took."""

    @property
    def spoke(self) -> bool:
        """Whether speech was found at all."""
        return self.speech_ms[0] is not None


@dataclass(frozen=True)
class Result:
    """What was heard in request ``id``, and how listening went."""

    KIND: ClassVar[str] = "result"
    id: int
    heard: Recognition
    timing: RequestTiming

    def to_json(self) -> str:
        heard, timing = self.heard, self.timing
        return _line(
            "event",
            self.KIND,
            id=self.id,
            reason=timing.reason,
            decode_ms=timing.decode_ms,
            audio_ms=timing.audio_ms,
            speech_ms=list(timing.speech_ms),
            transcript=heard.transcript,
            confidence=heard.confidence,
            words=[list(w) for w in heard.words],
            engine=heard.engine,
            alternatives=[list(a) for a in heard.alternatives],
            meaning=[list(m) for m in heard.meaning],
            unreduced=heard.unreduced,
            choice=[list(c) for c in heard.choice],
        )

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Result:
        speech = _field(
            data,
            "speech_ms",
            lambda v: (
                isinstance(v, list) and len(v) == 2 and all(x is None or _is_number(x) for x in v)
            ),
            "[start, end] in ms (each a number or null)",
            [None, None],
        )
        timing = RequestTiming(
            reason=_str(data, "reason", ""),
            audio_ms=_optional_number(data, "audio_ms"),
            speech_ms=(
                None if speech[0] is None else float(speech[0]),
                None if speech[1] is None else float(speech[1]),
            ),
            decode_ms=_optional_number(data, "decode_ms"),
        )
        heard = Recognition(
            transcript=_str(data, "transcript", ""),
            confidence=_number(data, "confidence", 0.0),
            words=_scored(data, "words"),
            engine=_str(data, "engine", ""),
            alternatives=_scored(data, "alternatives"),
            meaning=_scored(data, "meaning"),
            unreduced=_optional_str(data, "unreduced"),
            choice=_scored(data, "choice"),
        )
        return cls(_int(data, "id"), heard, timing)


@dataclass(frozen=True)
class Cancelled:
    """Request ``id`` was dropped, as asked."""

    KIND: ClassVar[str] = "cancelled"
    id: int

    def to_json(self) -> str:
        return _line("event", self.KIND, id=self.id)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Cancelled:
        return cls(_int(data, "id"))


@dataclass(frozen=True)
class Restarting:
    """The process is about to end on purpose (between requests); the kiosk starts a new one."""

    KIND: ClassVar[str] = "restart"
    reason: str

    def to_json(self) -> str:
        return _line("event", self.KIND, reason=self.reason)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Restarting:
        return cls(_str(data, "reason", ""))


@dataclass(frozen=True)
class Failed:
    """Request ``id`` (None: no request) cannot be heard; ``message`` says why, for the log."""

    KIND: ClassVar[str] = "error"
    message: str
    id: int | None = None

    def to_json(self) -> str:
        return _line("event", self.KIND, message=self.message, id=self.id)

    @classmethod
    def from_fields(cls, data: Mapping[str, Any]) -> Failed:
        return cls(_str(data, "message", "voice input failed"), _optional_int(data, "id"))


Event = (
    EngineChosen
    | Inputs
    | Vocabulary
    | Listening
    | SpeechStarted
    | Level
    | Deciding
    | Result
    | Cancelled
    | Restarting
    | Failed
)

_COMMANDS: dict[str, Callable[[Mapping[str, Any]], Command]] = {
    c.KIND: c.from_fields for c in (SetPhrases, Listen, Cancel)
}
_EVENTS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    e.KIND: e.from_fields
    for e in (
        EngineChosen,
        Inputs,
        Vocabulary,
        Listening,
        SpeechStarted,
        Level,
        Deciding,
        Result,
        Cancelled,
        Restarting,
        Failed,
    )
}


def _line(tag: str, kind: str, **fields: Any) -> str:
    return json.dumps({tag: kind, **fields}, ensure_ascii=False)


def _read(line: str | bytes, tag: str, kinds: Mapping[str, Callable[[Mapping[str, Any]], T]]) -> T:
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"not a JSON object: {str(line)[:80]!r}")
    kind = data.get(tag)
    read = kinds.get(kind) if isinstance(kind, str) else None
    if read is None:
        raise ProtocolError(f"unknown {tag} {kind!r}; expected one of: {', '.join(kinds)}")
    try:
        return read(data)
    except ProtocolError as error:
        raise ProtocolError(f"{tag} {kind}: {error}") from None
    except (TypeError, ValueError) as error:  # e.g. a confidence outside 0..1
        raise ProtocolError(f"{tag} {kind}: {error}") from None


def command_from_json(line: str | bytes) -> Command:
    """The command on ``line``; ProtocolError when it is not one."""
    return _read(line, "cmd", _COMMANDS)


def event_from_json(line: str | bytes) -> Event:
    """The event on ``line``; ProtocolError when it is not one."""
    return _read(line, "event", _EVENTS)
