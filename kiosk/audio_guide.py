"""The audio guide ("talk-through"): while it is on, a tap says what a control is without using
it, a double tap uses it, the control that takes keyboard focus is said, and the idle warning is
said once.

The filter (:class:`kiosk.ui.guide.AudioGuideFilter`) decides which gesture happened; this
class says the words for it. The controller turns the guide on and off (and counts that) and,
while it is on, reads a page aloud on arrival.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject

from kiosk.content.model import EmergencyPanel as PanelContent
from kiosk.ui.guide import AudioGuideFilter
from kiosk.ui.widgets import BigButton, EmergencyPanel

INTRO: Final = (
    "Audio guide on. Touch a button once to hear what it is. Touch it twice quickly to use it."
)
OFF: Final = "Audio guide off."


def panel_words(panel: PanelContent) -> str:
    """The emergency panel, as it is spoken."""
    symptoms = ". ".join(s[:1].upper() + s[1:] for s in panel.symptoms)
    return f"{panel.heading}. {symptoms}. {panel.action}"


class AudioGuide(QObject):
    """The audio guide's mode and words. ``speak`` says a message (it interrupts any reading);
    ``panel`` is the emergency panel's content now."""

    def __init__(
        self,
        speak: Callable[[str], None],
        panel: Callable[[], PanelContent],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.filter = AudioGuideFilter(self)
        """Turns taps into explain and double taps into activate while the guide is on (the
        application's input filter calls it)."""
        self._speak = speak
        self._panel = panel
        self._warned_aloud = False  # the idle warning showing now was said
        self.filter.explain.connect(self.explain)
        self.filter.activate.connect(self.activate)

    @property
    def enabled(self) -> bool:
        """True while taps explain and double taps activate."""
        return self.filter.enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self.filter.enabled = on

    def announce(self, on_home: bool) -> None:
        """Say that the guide is on (with the emergency panel first on Home) or off."""
        if not self.enabled:
            self._speak(OFF)
        elif on_home:
            self._speak(f"{panel_words(self._panel())} {INTRO}")
        else:
            self._speak(INTRO)

    def explain(self, control: object) -> None:
        """A tap: say what the control is, without using it."""
        if isinstance(control, EmergencyPanel):
            self._speak(f"{panel_words(self._panel())} Double-tap to open the emergency page.")
        elif isinstance(control, BigButton):
            verb = "open" if control.opens else "use"
            state = "" if control.isEnabled() else " Not available now."
            description = control.accessibleDescription()
            hint = f" {description}" if description and description != control.title else ""
            self._speak(f"{control.title}.{hint}{state} Double-tap to {verb}.")

    def activate(self, control: object) -> None:
        """A double tap: use the control."""
        if isinstance(control, EmergencyPanel):
            control.activated.emit()
        elif isinstance(control, BigButton) and control.isEnabled():
            control.click()

    def focus_changed(self, old: object, new: object) -> None:
        """Keyboard focus moved (the application's focusChanged): say the control it is on."""
        if not self.enabled or new is None:
            return
        if isinstance(new, BigButton | EmergencyPanel):
            name = new.accessibleName()
            description = new.accessibleDescription()
            self._speak(f"{name}. {description}" if description != name else name)

    def idle_warning(self, words: str) -> None:
        """The idle warning is showing: say ``words`` (its text), once per warning."""
        if self.enabled and not self._warned_aloud:
            self._warned_aloud = True
            self._speak(words)

    def idle_warning_over(self) -> None:
        """The person came back, or the session was reset: a next warning is said again."""
        self._warned_aloud = False
