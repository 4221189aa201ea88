"""Where the patient is and how it looks: going to a place, Back, Home, turning pages, rendering
the current place, and the text size and colours.

The place and its history are :class:`kiosk.core.session.Navigator`'s; the display preferences
are :class:`kiosk.core.session.DisplayPrefs`. This class moves them and tells the window what to
show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.content.model import ContentSet
from kiosk.content.store import ContentStore
from kiosk.core.intents import TopicChoice
from kiosk.core.patient_use import PatientUse
from kiosk.core.session import DisplayPrefs, Navigator, Place, Screen
from kiosk.core.usage import TOPIC_OPENED
from kiosk.sound_controls import SoundControls
from kiosk.ui.staff_tools import UsageView
from kiosk.ui.theme import THEMES
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.staff_report import Line

log = logging.getLogger("kiosk.session")


class Navigation(QObject):
    """Moves ``navigator`` and renders its place on ``window`` with the content of ``store``.

    Leaving a place stops ``sound`` and calls ``close_voice`` (nothing of a voice request stays);
    arriving by Go or Back calls ``arrived`` (the audio guide reads the page). ``staff_lines``
    and ``usage_view`` are what the staff screen and the Use page show; ``use`` counts."""

    rendered = Signal(object)  # Place, after the window shows it

    def __init__(
        self,
        window: KioskWindow,
        store: ContentStore,
        navigator: Navigator,
        sound: SoundControls,
        use: PatientUse,
        close_voice: Callable[[], None],
        arrived: Callable[[], None],
        staff_lines: Callable[[], list[Line]],
        usage_view: Callable[[], UsageView],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.store = store
        self.navigator = navigator
        self.prefs = DisplayPrefs()
        self.sound = sound
        self.use = use
        self._close_voice = close_voice
        self._arrived = arrived
        self._staff_lines = staff_lines
        self._usage_view = usage_view

    @property
    def content(self) -> ContentSet:
        """The content being shown (the app never starts without some)."""
        assert self.store.current is not None
        return self.store.current

    def go(self, place: Place) -> None:
        """Go somewhere and render it."""
        self.sound.stop_speech()
        self._close_voice()
        self.navigator.go(place)
        self.render()
        self._arrived()

    def open_topic(self, topic_id: str) -> None:
        """Open a topic page (if it exists)."""
        if self.content.topic(topic_id) is None:
            log.warning("asked for unknown topic %r", topic_id)
            return
        self.go(Place(Screen.TOPIC, topic_id))

    def choose_topic(self, choice: TopicChoice) -> None:
        """A topic was chosen: counted by how, then opened."""
        self.use.count(TOPIC_OPENED[choice.via], choice.topic_id)
        self.open_topic(choice.topic_id)

    def open_counted(self, screen: Screen, event: str) -> None:
        """Count ``event``, then go to ``screen`` (Help, Emergency)."""
        self.use.count(event)
        self.go(Place(screen))

    def back(self) -> None:
        """Back to the previous place."""
        self.sound.stop_speech()
        self._close_voice()
        self.navigator.back()
        self.render()
        self._arrived()

    def home(self) -> None:
        """Back to Home, history cleared."""
        self.sound.stop_speech()
        self._close_voice()
        self.navigator.home()
        self.render()

    def turn_page(self, step: int) -> None:
        """Next (+1) or previous (-1) page of the screen showing (a key or a spoken command)."""
        self.sound.stop_speech()
        self.use.page_turned()
        widget = self.window.screens[self.navigator.current.screen]
        view = getattr(widget, "view", None) or getattr(widget, "grid", None)
        if view is not None:
            view.set_page(view.page + step)

    def render(self) -> None:
        """Make the window show the navigator's current place."""
        place = self.navigator.current
        content = self.content
        w = self.window
        w.style_screen(place.screen)
        if place.screen is Screen.TOPIC and place.topic_id is not None:
            topic = content.topic(place.topic_id)
            if topic is None:
                place = self.navigator.home()
            else:
                w.topic.show_topic(topic, content, place.page)
        if place.screen is Screen.HOME:
            w.home.grid.set_page(place.page)
        elif place.screen is Screen.HELP:
            w.help.show_help(content.help_markdown, place.page)
        elif place.screen is Screen.EMERGENCY:
            w.emergency.show_emergency(content, place.page)
        elif place.screen is Screen.DISPLAY:
            w.display.show_choices(self.prefs.text_scale, self.prefs.theme)
            self.sound.show_sound_settings()
        elif place.screen is Screen.STAFF:
            w.staff.show_report(self._staff_lines(), place.page)
        elif place.screen is Screen.USE:
            w.use.show_usage(self._usage_view(), place.page)
        w.show_screen(place.screen)
        self.rendered.emit(place)

    def set_text_scale(self, scale: int) -> None:
        """Change the text size."""
        self.sound.stop_speech()
        if self.use.by_patient():
            self.use.count("text-size", str(scale))
        self.prefs = self.prefs.with_scale(scale)
        self.restyle()

    def set_theme(self, theme: str) -> None:
        """Change the colours."""
        self.sound.stop_speech()
        if theme == "high-contrast" and self.use.by_patient():
            self.use.count("high-contrast")
        self.prefs = self.prefs.with_theme(theme)
        self.restyle()

    def apply_style(self) -> None:
        """Style the window in the preferred colours and text size."""
        self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)

    def restyle(self) -> None:
        """Style the window again and show the current place in the new style."""
        self.apply_style()
        self.render()

    def start_afresh(self) -> None:
        """Idle reset: Home, history cleared, text size and colours back to default."""
        self.navigator.home()
        if self.prefs != DisplayPrefs():
            self.prefs = DisplayPrefs()
            self.apply_style()
        self.window.home.grid.set_page(0)
        self.render()

    def recover(self) -> None:
        """After an unexpected error: back to a clean Home."""
        self.window.hide_idle_warning()
        self.navigator.home()
        QTimer.singleShot(0, self.render)
