"""The kiosk's keys: one table from key to what it does. The window acts on it
(:meth:`kiosk.ui.window.KioskWindow.eventFilter`): it moves the focus itself and asks for the
rest as the touch controls do (:data:`KEY_REQUESTS`); the Help screen's "Using keys" list is the
table's help lines, so a key added or changed here is described there too.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from PySide6.QtCore import Qt

from kiosk.core.intents import Intent, Request


class KeyAction(enum.Enum):
    """What a key does."""

    NEXT_CONTROL = "next-control"
    PREVIOUS_CONTROL = "previous-control"
    PRESS = "press"
    """Qt's own: the focused button takes Enter (the window lets the key through)."""
    BACK = "back"
    HOME = "home"
    HELP = "help"
    NEXT_PAGE = "next-page"
    PREVIOUS_PAGE = "previous-page"
    VOICE = "voice"
    ANSWER_YES = "answer-yes"
    """Yes to "Did you mean ...?" (only while the question shows)."""
    ANSWER_NO = "answer-no"
    READ = "read"
    STOP = "stop"
    PAUSE = "pause"
    """Pause or carry on (Space only when no button has the focus: there it presses it)."""
    REPEAT = "repeat"
    AUDIO_GUIDE = "audio-guide"
    LOUDER = "louder"
    QUIETER = "quieter"
    FASTER = "faster"
    SLOWER = "slower"


@dataclass(frozen=True)
class KeyBinding:
    """The keys for one action, and the Help screen's line for them."""

    action: KeyAction
    keys: tuple[Qt.Key, ...]
    help: str = ""
    """The line in Help's "Using keys" ("": described on another binding's line, or not
    listed)."""


K = Qt.Key
KEY_TABLE: tuple[KeyBinding, ...] = (
    KeyBinding(
        KeyAction.NEXT_CONTROL,
        (K.Key_Down, K.Key_Right),
        "the arrow keys or Tab move between buttons; the chosen button turns yellow",
    ),
    KeyBinding(KeyAction.PREVIOUS_CONTROL, (K.Key_Up, K.Key_Left)),
    KeyBinding(KeyAction.PRESS, (K.Key_Return, K.Key_Enter), "Enter opens the chosen button"),
    KeyBinding(
        KeyAction.BACK, (K.Key_Escape, K.Key_Backspace, K.Key_Back), "Backspace or Escape goes back"
    ),
    KeyBinding(KeyAction.HOME, (K.Key_Home,), "Home goes to the Home screen"),
    KeyBinding(
        KeyAction.HELP,
        (K.Key_F1, K.Key_Question, K.Key_Help),
        "F1 or the question mark key opens this help",
    ),
    KeyBinding(KeyAction.NEXT_PAGE, (K.Key_PageDown,), "Page Down and Page Up turn the page"),
    KeyBinding(KeyAction.PREVIOUS_PAGE, (K.Key_PageUp,)),
    KeyBinding(
        KeyAction.VOICE,
        (K.Key_F3, K.Key_V),
        'V or F3 asks by voice; Y and N answer "Did you mean...?"',
    ),
    KeyBinding(KeyAction.ANSWER_YES, (K.Key_Y,)),
    KeyBinding(KeyAction.ANSWER_NO, (K.Key_N,)),
    KeyBinding(KeyAction.READ, (K.Key_F5, K.Key_R)),
    KeyBinding(KeyAction.STOP, (K.Key_F6, K.Key_S)),
    KeyBinding(KeyAction.PAUSE, (K.Key_F7, K.Key_P, K.Key_Space)),
    KeyBinding(KeyAction.REPEAT, (K.Key_E,)),
    KeyBinding(KeyAction.AUDIO_GUIDE, (K.Key_F2, K.Key_G)),
    KeyBinding(KeyAction.LOUDER, (K.Key_Plus, K.Key_Equal)),
    KeyBinding(KeyAction.QUIETER, (K.Key_Minus, K.Key_Underscore)),
    KeyBinding(KeyAction.FASTER, (K.Key_BracketRight,)),
    KeyBinding(KeyAction.SLOWER, (K.Key_BracketLeft,)),
)
"""In the order Help lists them."""

WINDOW_ACTIONS: Final = frozenset(
    {KeyAction.NEXT_CONTROL, KeyAction.PREVIOUS_CONTROL, KeyAction.PRESS}
)
"""The window's own (focus and Enter); every other action is a request."""

KEY_REQUESTS: Final[Mapping[KeyAction, Request]] = MappingProxyType(
    {
        KeyAction.BACK: Request(Intent.BACK),
        KeyAction.HOME: Request(Intent.HOME),
        KeyAction.HELP: Request(Intent.HELP),
        KeyAction.NEXT_PAGE: Request(Intent.PAGE, +1),
        KeyAction.PREVIOUS_PAGE: Request(Intent.PAGE, -1),
        KeyAction.VOICE: Request(Intent.VOICE),
        KeyAction.ANSWER_YES: Request(Intent.ANSWER, True),
        KeyAction.ANSWER_NO: Request(Intent.ANSWER, False),
        KeyAction.READ: Request(Intent.READ),
        KeyAction.STOP: Request(Intent.STOP),
        KeyAction.PAUSE: Request(Intent.PAUSE),
        KeyAction.REPEAT: Request(Intent.REPEAT),
        KeyAction.AUDIO_GUIDE: Request(Intent.AUDIO_GUIDE),
        KeyAction.LOUDER: Request(Intent.VOLUME, +1),
        KeyAction.QUIETER: Request(Intent.VOLUME, -1),
        KeyAction.FASTER: Request(Intent.RATE, +1),
        KeyAction.SLOWER: Request(Intent.RATE, -1),
    }
)
"""What each key action asks for: the same request as the touch control for it."""

_ACTIONS: dict[int, KeyAction] = {
    key.value: binding.action for binding in KEY_TABLE for key in binding.keys
}
if len(_ACTIONS) != sum(len(b.keys) for b in KEY_TABLE):
    raise ValueError("a key is bound twice in KEY_TABLE")


def action_for(key: int, text: str = "") -> KeyAction | None:
    """What the key (``QKeyEvent.key()``, with its ``text()``) does; None: nothing of the
    kiosk's ("?" typed on any layout opens Help)."""
    action = _ACTIONS.get(key)
    if text == "?" and action not in (KeyAction.BACK, KeyAction.HOME):
        return KeyAction.HELP
    return action


def help_lines() -> list[str]:
    """Help's "Using keys" list, one line per binding that has one."""
    return [binding.help for binding in KEY_TABLE if binding.help]
