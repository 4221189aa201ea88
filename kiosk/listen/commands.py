"""The spoken commands: each does what its touch control does.

Declared once here: the command names (used by the kiosk to act), the phrasings a patient may say
(which also go into the recogniser grammar) and the short description used when the kiosk asks
"Did you mean: go back?", and the request each makes (the same as its touch control's or key's,
``kiosk.core.intents``). Phrasings are lower case, words only (apostrophes inside words allowed,
as the recognisers' dictionaries spell them: "that's", "can't").

Pure module: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from kiosk.core.intents import Intent, Request

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
            "back to the start",
            "go back to the start",
            "the beginning",
            "go to the beginning",
            "main screen",
            "home screen",
            "the first page",
        ),
        "back": (
            "back",
            "go back",
            "take me back",
            "the last page",
            "go back a page",
            "back to where i was",
            "the previous page",
            "go back one page",
            "back one page",
        ),
        "read": (
            "read",
            "read it",
            "read this page",
            "read it to me",
            "read aloud",
            "can you read this",
            "read it out loud",
            "read this out",
            "read the page",
            "read this to me",
            "read that to me",
            "read this page to me",
            "read it out for me",
        ),
        "stop": (
            "stop",
            "stop reading",
            "be quiet",
            "that's enough",
            "shut up",
            "stop talking",
            "quiet",
            "stop now",
            "okay stop",
        ),
        "pause": (
            "pause",
            "wait",
            "hold on",
            "wait a moment",
            "hang on",
            "just a minute",
            "wait a minute",
            "hold on a second",
            "one moment",
            "just a second",
            "pause for a moment",
            "hang on a minute",
        ),
        "repeat": (
            "repeat",
            "say that again",
            "again please",
            "what did you say",
            "pardon",
            "repeat that",
            "once more",
            "one more time",
            "repeat it",
            "what was that",
            "come again",
            "i didn't catch that",
        ),
        "emergency": (
            "emergency",
            "help me it's an emergency",
            "i need urgent help",
            "this is an emergency",
            "call an ambulance",
            "urgent help",
            "emergency help",
            "get help now",
            "i need a doctor now",
        ),
        "help": (
            "help",
            "how does this work",
            "how do i use this",
            "instructions",
            "what can i say",
            "what can i do here",
            "what do i do",
            "show me how to use this",
        ),
        "louder": (
            "louder",
            "turn it up",
            "speak up",
            "i can't hear you",
            "volume up",
            "turn up the volume",
            "i can't hear it",
            "speak louder",
            "it's too quiet",
            "a bit louder",
            "turn the sound up",
        ),
        "quieter": (
            "quieter",
            "turn it down",
            "too loud",
            "volume down",
            "turn down the volume",
            "not so loud",
            "softer",
            "turn the volume down",
            "a bit quieter",
            "it's too loud",
            "lower the volume",
        ),
        "slower": (
            "slower",
            "slow down",
            "too fast",
            "speak more slowly",
            "not so fast",
            "talk more slowly",
            "slow down a bit",
            "a bit slower",
            "more slowly",
        ),
        "faster": (
            "faster",
            "speed up",
            "too slow",
            "talk faster",
            "go faster",
            "quicker",
            "speak faster",
            "a bit faster",
            "go quicker",
            "hurry up",
        ),
        "yes": (
            "yes",
            "yeah",
            "yes please",
            "that's right",
            "correct",
            "yep",
            "yes that's it",
            "that's the one",
            "that's it",
            "exactly",
        ),
        "no": (
            "no",
            "nope",
            "no thanks",
            "that's wrong",
            "not that",
            "wrong",
            "not that one",
            "wrong one",
            "no that's wrong",
            "that's not it",
            "no it isn't",
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

COMMAND_REQUESTS: Final[Mapping[str, Request]] = MappingProxyType(
    {
        "home": Request(Intent.HOME),
        "back": Request(Intent.BACK),
        "read": Request(Intent.READ),
        "stop": Request(Intent.STOP),
        "pause": Request(Intent.PAUSE),
        "repeat": Request(Intent.REPEAT),
        "emergency": Request(Intent.EMERGENCY),
        "help": Request(Intent.HELP),
        "louder": Request(Intent.VOLUME, +1),
        "quieter": Request(Intent.VOLUME, -1),
        "slower": Request(Intent.RATE, -1),
        "faster": Request(Intent.RATE, +1),
        "yes": Request(Intent.ANSWER, True),
        "no": Request(Intent.ANSWER, False),
    }
)
"""Command name -> the request it makes, the same as its touch control's."""

COMMAND_REPLIES: Final[Mapping[str, str]] = MappingProxyType(
    {"louder": "Louder.", "quieter": "Quieter.", "slower": "Slower.", "faster": "Faster."}
)
"""What the kiosk says once it has done a spoken command whose effect the screen does not show."""

READ_AFTER: Final = frozenset({"emergency", "help"})
"""Commands whose page is then read aloud (whoever asks by voice may not read the screen)."""

NOTHING_TO_READ_MESSAGE: Final = "There is nothing to read on this screen. Say the name of a topic."
"""Said for "read" where the screen has no page to read."""
