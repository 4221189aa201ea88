"""Session state a patient leaves behind: where they are, where Back goes, idle time, display.

Pure logic (no Qt): the Qt layer feeds it events and a clock, and renders what it says.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

TEXT_SCALES: tuple[int, ...] = (100, 125, 150, 175, 200)
"""Text size steps in percent (WCAG 1.4.4: up to 200% without loss of content)."""

THEMES: tuple[str, ...] = ("standard", "high-contrast")
DEFAULT_THEME = "standard"


class Screen(enum.Enum):
    """The kiosk's screens."""

    HOME = "home"
    TOPIC = "topic"
    HELP = "help"
    EMERGENCY = "emergency"
    DISPLAY = "display"
    STAFF = "staff"
    PIN = "pin"
    USE = "use"  # staff: the usage counts


@dataclass(frozen=True)
class Place:
    """Where the patient is: a screen, its topic, and the page within it."""

    screen: Screen
    topic_id: str | None = None
    page: int = 0


HOME = Place(Screen.HOME)


@dataclass
class Navigator:
    """Current place plus the history that Back walks."""

    current: Place = HOME
    history: list[Place] = field(default_factory=list)
    limit: int = 50

    def go(self, place: Place) -> Place:
        """Move to ``place``; the old place goes on the history unless it is the same screen."""
        if place == self.current:
            return place
        if place.screen is Screen.HOME:
            return self.home()
        self.history.append(self.current)
        del self.history[: -self.limit]
        self.current = place
        return place

    def back(self) -> Place:
        """Return to the previous place (Home when there is none)."""
        self.current = self.history.pop() if self.history else HOME
        return self.current

    def home(self) -> Place:
        """Home starts afresh: Back from Home goes nowhere."""
        self.history.clear()
        self.current = HOME
        return HOME

    def remember_page(self, page: int) -> None:
        """Record the page shown, so Back returns to it."""
        self.current = Place(self.current.screen, self.current.topic_id, page)

    def forget_topics(self, exists: Callable[[str], bool]) -> Place:
        """After a content reload: drop places whose topic is gone; leave a gone topic for Home."""
        self.history = [p for p in self.history if p.topic_id is None or exists(p.topic_id)]
        if self.current.topic_id is not None and not exists(self.current.topic_id):
            self.current = HOME
            self.history.clear()
        return self.current


@dataclass(frozen=True)
class DisplayPrefs:
    """What a patient may change about the display; back to default at every idle reset."""

    text_scale: int = 100
    theme: str = DEFAULT_THEME

    def with_scale(self, scale: int) -> DisplayPrefs:
        """These preferences with another text size step (must be one of TEXT_SCALES)."""
        if scale not in TEXT_SCALES:
            raise ValueError(f"text size {scale}% is not one of {TEXT_SCALES}")
        return DisplayPrefs(scale, self.theme)

    def with_theme(self, theme: str) -> DisplayPrefs:
        """These preferences with another theme (must be one of THEMES)."""
        if theme not in THEMES:
            raise ValueError(f"theme {theme!r} is not one of {THEMES}")
        return DisplayPrefs(self.text_scale, theme)


class IdlePhase(enum.Enum):
    """Where the idle timer is."""

    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdleState:
    """The phase and, during the warning, the whole seconds left to continue."""

    phase: IdlePhase
    seconds_left: int = 0


MIN_WARNING_SECONDS = 20  # WCAG 2.2.1: at least 20 s to continue with one simple action


class IdleTimer:
    """After ``idle_seconds`` without interaction, a warning of ``warning_seconds``, then reset.

    ``idle_seconds`` counts from the last interaction to the start of the warning.
    """

    def __init__(
        self, idle_seconds: float, warning_seconds: float, clock: Callable[[], float]
    ) -> None:
        if warning_seconds < MIN_WARNING_SECONDS:
            raise ValueError(
                f"the idle warning must last at least {MIN_WARNING_SECONDS} s, "
                f"not {warning_seconds:g} s"
            )
        if idle_seconds <= 0:
            raise ValueError("the idle time must be more than 0 seconds")
        self.idle_seconds = idle_seconds
        self.warning_seconds = warning_seconds
        self._clock = clock
        self._last = clock()

    def activity(self) -> None:
        """A touch, key or voice request: start counting again."""
        self._last = self._clock()

    def state(self) -> IdleState:
        """Where the timer is now."""
        quiet = self._clock() - self._last
        if quiet < self.idle_seconds:
            return IdleState(IdlePhase.ACTIVE)
        left = self.idle_seconds + self.warning_seconds - quiet
        if left > 0:
            return IdleState(IdlePhase.WARNING, int(left + 0.999))
        return IdleState(IdlePhase.EXPIRED)
