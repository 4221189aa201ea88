"""What a patient or staff member can ask the kiosk for: one vocabulary for taps, keys and
spoken commands.

The window reports each tap or key as a :class:`Request`; the voice input's commands map to the
same requests (``kiosk.listen.commands``), the keys too (``kiosk.ui.keys``); the controller has
one table from :class:`Intent` to what it does.

Pure module: standard library only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from kiosk.core.usage import TOPIC_OPENED


class Intent(enum.Enum):
    """One thing that can be asked for (its argument, where it has one, in :data:`ARGUMENTS`)."""

    BACK = "back"
    HOME = "home"
    HELP = "help"
    DISPLAY = "display"
    """Text size, colours, and the voice's volume and speed."""
    EMERGENCY = "emergency"
    TOPIC = "topic"
    PAGE = "page"
    """Turn the page: +1 next, -1 previous."""
    TEXT_SCALE = "text-scale"
    THEME = "theme"
    READ = "read"
    """Read the page aloud from the start."""
    PAUSE = "pause"
    """Pause reading, or carry on after a pause."""
    STOP = "stop"
    REPEAT = "repeat"
    """Say the last sentence again."""
    VOLUME = "volume"
    """+1 louder, -1 quieter."""
    RATE = "rate"
    """+1 faster, -1 slower."""
    AUDIO_GUIDE = "audio-guide"
    """Turn the audio guide on or off."""
    VOICE = "voice"
    """Ask by voice (again while listening: stop listening)."""
    STOP_LISTENING = "stop-listening"
    ANSWER = "answer"
    """Yes (True) or No (False) to "Did you mean ...?"."""
    DISMISS = "dismiss"
    """OK to a voice message."""
    CONTINUE = "continue"
    """"I'm still here" to the idle warning."""
    STAFF = "staff"
    """The hidden gesture: the staff PIN pad (or the staff screen when no PIN is set)."""
    PIN = "pin"
    RELOAD = "reload"
    EXIT = "exit"
    USAGE = "usage"
    """Staff: the Use page (usage counts)."""
    CLEAR_COUNTS = "clear-counts"
    SELFTEST = "selftest"


@dataclass(frozen=True)
class TopicChoice:
    """A topic to open, and how it was chosen (the usage counts tell the ways apart)."""

    topic_id: str
    via: str
    """A key of :data:`kiosk.core.usage.TOPIC_OPENED`: "touch", "voice", "related" or
    "emergency-panel"."""

    def __post_init__(self) -> None:
        if self.via not in TOPIC_OPENED:
            raise ValueError(f"a topic is not chosen by {self.via!r}")


Argument = str | int | bool | TopicChoice | None

ARGUMENTS: Final[Mapping[Intent, type]] = MappingProxyType(
    {
        Intent.TOPIC: TopicChoice,
        Intent.PAGE: int,
        Intent.TEXT_SCALE: int,
        Intent.THEME: str,
        Intent.VOLUME: int,
        Intent.RATE: int,
        Intent.ANSWER: bool,
        Intent.PIN: str,
    }
)
"""The intents that take an argument, and its type; the others take none."""


@dataclass(frozen=True)
class Request:
    """An intent, with its argument where it has one."""

    intent: Intent
    arg: Argument = None

    def __post_init__(self) -> None:
        wanted = ARGUMENTS.get(self.intent, type(None))
        if not isinstance(self.arg, wanted):
            raise TypeError(f"{self.intent.name} takes {wanted.__name__}, not {self.arg!r}")

    def __repr__(self) -> str:
        # A PIN's digits are never written anywhere (not even in a traceback's repr).
        shown = "..." if self.intent is Intent.PIN else repr(self.arg)
        return f"Request({self.intent.name}, {shown})"
