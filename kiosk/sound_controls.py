"""Read aloud and the sound controls: read the page showing, say a message, stop, pause, repeat,
louder or quieter, faster or slower.

What is read and highlighted is :class:`kiosk.reading.PageReader`'s; the speech itself is
:class:`kiosk.play.read_aloud.ReadAloud`'s. Without speech (``speech`` None) every control does
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.core.session import Navigator
from kiosk.play.read_aloud import RATE_STEPS_WPM, VOLUME_STEPS_DB, ReadAloud
from kiosk.reading import PageReader
from kiosk.ui.screens import PagedScreen
from kiosk.ui.window import KioskWindow


class SoundControls:
    """Read aloud and the sound controls for ``window``'s screen at ``navigator``'s place;
    ``count`` counts Read aloud started and stopped early."""

    def __init__(
        self,
        speech: ReadAloud | None,
        window: KioskWindow,
        navigator: Navigator,
        count: Callable[[str], None],
    ) -> None:
        self.speech = speech
        self.window = window
        self.navigator = navigator
        self.reader = PageReader(speech, count) if speech is not None else None
        """What is read aloud and highlighted (None: the kiosk has no speech)."""
        if speech is not None and self.reader is not None:
            speech.sentence_started.connect(self.reader.sentence_started)
            speech.state_changed.connect(self.speech_state)
            speech.sound_available_changed.connect(window.show_sound_available)
            window.show_sound_available(speech.sound_available)

    def current_paged_screen(self) -> PagedScreen | None:
        """The screen showing, if it is one that can be read aloud (it has Read aloud and a
        reading document)."""
        widget = self.window.screens[self.navigator.current.screen]
        if (
            isinstance(widget, PagedScreen)
            and widget.speech is not None
            and widget.reading is not None
        ):
            return widget
        return None

    def read_page(self, start_sentence: int = 0) -> None:
        """Read the current screen aloud from the start."""
        screen = self.current_paged_screen()
        if self.reader is not None and screen is not None:
            self.reader.read(screen, start_sentence)

    def speak_text(self, text: str) -> None:
        """Say a message (audio guide, idle warning); it interrupts any reading."""
        if self.reader is not None:
            self.reader.say(text)

    def stop_speech(self) -> None:
        """Silence at once."""
        if self.reader is not None:
            self.reader.stop()

    def toggle_pause(self) -> None:
        """Pause, or carry on after a pause."""
        if self.speech is None:
            return
        if self.speech.state == "paused":
            self.speech.resume()
        elif self.speech.state == "speaking":
            self.speech.pause()

    def repeat_sentence(self) -> None:
        """Say the last sentence again."""
        if self.reader is None:
            return
        if not self.reader.sentences and self.current_paged_screen() is not None:
            self.read_page()
            return
        self.reader.speech.repeat_last()

    def change_volume(self, step: int) -> None:
        """Louder (+1) or quieter (-1)."""
        if self.speech is not None:
            self.speech.set_volume_step(self.speech.volume_step + step)
            self.show_sound_settings()

    def change_rate(self, step: int) -> None:
        """Faster (+1) or slower (-1)."""
        if self.speech is not None:
            self.speech.set_rate_step(self.speech.rate_step + step)
            self.show_sound_settings()

    def show_sound_settings(self) -> None:
        """The Display screen's volume and speed show the voice's."""
        if self.speech is not None:
            self.window.display.show_sound(
                self.speech.volume_step, len(VOLUME_STEPS_DB), self.speech.rate_wpm, RATE_STEPS_WPM
            )

    def speech_state(self, state: str) -> None:
        """Speech went idle, speaking or paused: the window shows it; no highlight once idle."""
        self.window.show_speech_state(state)
        if state == "idle" and self.reader is not None:
            self.reader.clear_highlight()
