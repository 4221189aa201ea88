"""The spoken commands: each does what its touch control does.

Declared once here: the command names (used by the kiosk to act), the phrasings a patient may say
(which also go into the recogniser grammar) and the short description used when the kiosk asks
"Did you mean: go back?". Phrasings are lower case, words only (apostrophes inside words allowed,
as the recognisers' dictionaries spell them: "that's", "can't").

Pure module: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

COMMAND_PHRASES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "home": (
            "home",
            "go home",
            "start again",
            "main menu",
            "go to the start",
            "home page",
            "the start page",
        ),
        "back": (
            "back",
            "go back",
            "take me back",
            "the last page",
            "go back a page",
            "back to where i was",
        ),
        "read": (
            "read",
            "read it",
            "read this page",
            "read it to me",
            "read aloud",
            "can you read this",
            "read it out loud",
        ),
        "stop": (
            "stop",
            "stop reading",
            "be quiet",
            "that's enough",
            "shut up",
            "stop talking",
            "quiet",
        ),
        "pause": (
            "pause",
            "wait",
            "hold on",
            "wait a moment",
            "hang on",
            "just a minute",
        ),
        "repeat": (
            "repeat",
            "say that again",
            "again please",
            "what did you say",
            "pardon",
            "repeat that",
            "once more",
        ),
        "emergency": (
            "emergency",
            "help me it's an emergency",
            "i need urgent help",
            "this is an emergency",
            "call an ambulance",
            "urgent help",
        ),
        "help": (
            "help",
            "how does this work",
            "how do i use this",
            "instructions",
            "what can i say",
            "what can i do here",
        ),
        "louder": (
            "louder",
            "turn it up",
            "speak up",
            "i can't hear you",
            "volume up",
            "turn up the volume",
            "i can't hear it",
        ),
        "quieter": (
            "quieter",
            "turn it down",
            "too loud",
            "volume down",
            "turn down the volume",
            "not so loud",
            "softer",
        ),
        "slower": (
            "slower",
            "slow down",
            "too fast",
            "speak more slowly",
            "not so fast",
        ),
        "faster": (
            "faster",
            "speed up",
            "too slow",
            "talk faster",
            "go faster",
            "quicker",
        ),
        "yes": (
            "yes",
            "yeah",
            "yes please",
            "that's right",
            "correct",
            "yep",
        ),
        "no": (
            "no",
            "nope",
            "no thanks",
            "that's wrong",
            "not that",
            "wrong",
        ),
    }
)
"""Command name -> the phrasings that ask for it, most typical first."""

COMMAND_DESCRIPTIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "home": "go to the start",
        "back": "go back",
        "read": "read this page aloud",
        "stop": "stop reading",
        "pause": "pause reading",
        "repeat": "say that again",
        "emergency": "show the emergency help",
        "help": "how to use the kiosk",
        "louder": "speak louder",
        "quieter": "speak more quietly",
        "slower": "speak more slowly",
        "faster": "speak faster",
        "yes": "yes",
        "no": "no",
    }
)
"""Command name -> what it does, short enough for "Did you mean: go back?"."""

COMMANDS: Final[tuple[str, ...]] = tuple(COMMAND_PHRASES)
"""The command names, in declaration order."""
