"""What happens when the patient asks for something: navigation, display, idle reset, staff mode.

The controller owns session state (pure core objects) and tells the window what to render.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from kiosk.content.loader import ContentLoad
from kiosk.content.model import ContentSet
from kiosk.content.problems import Problem
from kiosk.content.store import ContentStore
from kiosk.core.pin import StaffPin, VerifyResult
from kiosk.core.session import (
    DisplayPrefs,
    Navigator,
    Place,
    Screen,
)
from kiosk.services.content_watch import ContentWatcher
from kiosk.services.idle import IdleService
from kiosk.services.speech import RATE_STEPS_WPM, VOLUME_STEPS_DB, ReadAloud
from kiosk.speech.text import Sentence, sentences_of, split_sentences
from kiosk.ui.guide import AudioGuideFilter
from kiosk.ui.screens import PagedScreen
from kiosk.ui.theme import THEMES
from kiosk.ui.widgets import BigButton, EmergencyPanel
from kiosk.ui.window import KioskWindow

log = logging.getLogger("kiosk.session")


class KioskController(QObject):
    """Connects the window's intentions to session state, content and services."""

    rendered = Signal(object)  # Place, after the window shows it
    session_reset = Signal()

    def __init__(
        self,
        window: KioskWindow,
        store: ContentStore,
        watcher: ContentWatcher,
        idle: IdleService,
        staff_pin: StaffPin,
        quit_app: Callable[[], None] | None = None,
        parent: QObject | None = None,
        speech: ReadAloud | None = None,
    ) -> None:
        super().__init__(parent)
        self.speech = speech
        self.guide = AudioGuideFilter(self)
        self.reading: list[Sentence] = []
        self.reading_screen: PagedScreen | None = None
        self._warned_aloud = False
        self.window = window
        self.store = store
        self.watcher = watcher
        self.idle = idle
        self.staff_pin = staff_pin
        self.navigator = Navigator()
        self.prefs = DisplayPrefs()
        self.staff_notice = ""
        self._quit = quit_app or (lambda: QApplication.quit())
        self._pin_unlock_timer = QTimer(self)
        self._pin_unlock_timer.setSingleShot(True)
        self._pin_unlock_timer.timeout.connect(self._pin_unlocked)

        w = window
        w.back_requested.connect(self.back)
        w.home_requested.connect(self.home)
        w.help_requested.connect(lambda: self.go(Place(Screen.HELP)))
        w.display_requested.connect(lambda: self.go(Place(Screen.DISPLAY)))
        w.emergency_requested.connect(lambda: self.go(Place(Screen.EMERGENCY)))
        w.topic_chosen.connect(self.open_topic)
        w.page_shown.connect(self.navigator.remember_page)
        w.next_page_requested.connect(lambda: self._turn_page(+1))
        w.previous_page_requested.connect(lambda: self._turn_page(-1))
        w.text_scale_chosen.connect(self.set_text_scale)
        w.theme_chosen.connect(self.set_theme)
        w.staff_requested.connect(self.open_staff)
        w.pin_entered.connect(self.check_pin)
        w.pin_cancelled.connect(self.back)
        w.reload_requested.connect(self.reload_content)
        w.exit_requested.connect(self.exit_kiosk)
        w.continue_requested.connect(idle.activity)
        idle.warning.connect(w.show_idle_warning)
        idle.warning.connect(self._idle_warning_aloud)
        w.read_requested.connect(self.read_page)
        w.pause_requested.connect(self.toggle_pause)
        w.stop_requested.connect(self.stop_speech)
        w.repeat_requested.connect(self.repeat_sentence)
        w.repeat_all_requested.connect(self.read_page)
        w.volume_step.connect(self.change_volume)
        w.rate_step.connect(self.change_rate)
        w.audio_guide_requested.connect(self.toggle_audio_guide)
        w.paged_by_user.connect(self.stop_speech)
        self.guide.explain.connect(self.explain_control)
        self.guide.activate.connect(self.activate_control)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        if speech is not None:
            speech.sentence_started.connect(self._sentence_started)
            speech.state_changed.connect(self._speech_state)
            speech.sound_available_changed.connect(w.show_sound_available)
            w.show_sound_available(speech.sound_available)
        idle.resumed.connect(w.hide_idle_warning)
        idle.resumed.connect(self._idle_resumed)
        idle.expired.connect(self.reset_session)
        watcher.reloaded.connect(self.content_reloaded)
        w.closing.connect(self.shutdown)

    # -- content ------------------------------------------------------------------------------
    @property
    def content(self) -> ContentSet:
        """The content being shown (the app never starts without some)."""
        assert self.store.current is not None
        return self.store.current

    def start(self) -> None:
        """Show Home with the current content."""
        self.window.set_content(self.content)
        self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)
        self.render()

    def content_reloaded(self, load: ContentLoad) -> None:
        """A reload finished: show valid content, keeping the screen if its topic still exists."""
        if load.ok:
            self.window.set_content(self.content)
            self.navigator.forget_topics(lambda topic_id: self.content.topic(topic_id) is not None)
            self.render()
        elif self.window.current_screen() is Screen.STAFF:
            self.render()

    def reload_content(self) -> None:
        """Staff pressed Reload content."""
        self.watcher.reload()
        self.staff_notice = "Content reloaded."
        self.render()

    # -- navigation ---------------------------------------------------------------------------
    def go(self, place: Place) -> None:
        """Go somewhere and render it."""
        self.stop_speech()
        self.navigator.go(place)
        self.render()
        self._read_if_guided()

    def open_topic(self, topic_id: str) -> None:
        """Open a topic page (if it exists)."""
        if self.content.topic(topic_id) is None:
            log.warning("asked for unknown topic %r", topic_id)
            return
        self.go(Place(Screen.TOPIC, topic_id))

    def back(self) -> None:
        """Back to the previous place."""
        self.stop_speech()
        self.navigator.back()
        self.render()
        self._read_if_guided()

    def home(self) -> None:
        """Back to Home, history cleared."""
        self.stop_speech()
        self.navigator.home()
        self.render()

    def _turn_page(self, step: int) -> None:
        self.stop_speech()
        widget = self.window.screens[self.navigator.current.screen]
        view = getattr(widget, "view", None) or getattr(widget, "grid", None)
        if view is not None:
            view.set_page(view.page + step)

    def render(self) -> None:
        """Make the window show the navigator's current place."""
        place = self.navigator.current
        content = self.content
        w = self.window
        if place.screen is Screen.TOPIC and place.topic_id is not None:
            topic = content.topic(place.topic_id)
            if topic is None:
                place = self.navigator.home()
            else:
                w.topic.show_topic(topic, content, place.page)
        if place.screen is Screen.HOME:
            w.home.grid.set_page(place.page)
        elif place.screen is Screen.HELP:
            w.help.show_help(place.page)
        elif place.screen is Screen.EMERGENCY:
            w.emergency.show_emergency(content, place.page)
        elif place.screen is Screen.DISPLAY:
            w.display.show_choices(self.prefs.text_scale, self.prefs.theme)
            self._show_sound_settings()
        elif place.screen is Screen.STAFF:
            w.staff.show_report(self.staff_report(), place.page)
        elif place.screen is Screen.PIN:
            pass
        w.show_screen(place.screen)
        self.rendered.emit(place)

    # -- display ------------------------------------------------------------------------------
    def set_text_scale(self, scale: int) -> None:
        """Change the text size."""
        self.stop_speech()
        self.prefs = self.prefs.with_scale(scale)
        self._restyle()

    def set_theme(self, theme: str) -> None:
        """Change the colours."""
        self.stop_speech()
        self.prefs = self.prefs.with_theme(theme)
        self._restyle()

    def _restyle(self) -> None:
        self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)
        self.render()

    # -- idle ---------------------------------------------------------------------------------
    def reset_session(self) -> None:
        """Idle time ran out: Home, history cleared, text size and theme back to default."""
        log.info("idle reset: starting afresh for the next person")
        self.stop_speech()
        if self.speech is not None:
            self.speech.reset_settings()
        self.set_audio_guide(False, announce=False)
        self._warned_aloud = False
        self.window.hide_idle_warning()
        self.navigator.home()
        self.staff_notice = ""
        self.window.pin.reset()
        if self.prefs != DisplayPrefs():
            self.prefs = DisplayPrefs()
            self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)
        self.window.home.grid.set_page(0)
        self.render()
        self.session_reset.emit()

    def recover(self) -> None:
        """After an unexpected error: back to a clean Home."""
        self.window.hide_idle_warning()
        self.navigator.home()
        QTimer.singleShot(0, self.render)

    # -- staff --------------------------------------------------------------------------------
    def open_staff(self) -> None:
        """The hidden gesture: PIN pad, or straight in when no PIN is set (first set-up)."""
        if self.staff_pin.is_set() or self.staff_pin.problem:
            self.window.pin.reset(self._pin_prompt())
            self.go(Place(Screen.PIN))
        else:
            self.staff_notice = (
                "No staff PIN is set, so Exit needs no PIN. Set one on this machine with: "
                "python run_kiosk.py set-pin"
            )
            self.go(Place(Screen.STAFF))

    def _pin_prompt(self) -> str:
        locked = self.staff_pin.locked_for()
        if locked > 0:
            return f"Too many wrong tries. The pad is locked for {int(locked + 0.999)} seconds."
        return "Enter the staff PIN."

    def check_pin(self, pin: str) -> None:
        """Check an entered PIN."""
        attempt = self.staff_pin.try_pin(pin)
        if attempt.result is VerifyResult.ACCEPTED or attempt.result is VerifyResult.NO_PIN_SET:
            log.info("staff mode opened")
            self.staff_notice = ""
            self.navigator.current = Place(Screen.STAFF)  # the PIN pad is not a place to go back to
            self.render()
        elif attempt.result is VerifyResult.LOCKED:
            if not self._pin_unlock_timer.isActive():
                log.warning(
                    "staff PIN pad locked for %.0f s after wrong attempts", attempt.locked_for
                )
            seconds = int(attempt.locked_for + 0.999)
            self.window.pin.reset(f"Too many wrong tries. The pad is locked for {seconds} seconds.")
            self._pin_unlock_timer.start(int(attempt.locked_for * 1000) + 100)
        else:
            problem = f" ({self.staff_pin.problem})" if self.staff_pin.problem else ""
            self.window.pin.reset(
                f"Wrong PIN{problem}. {attempt.attempts_left} tries left before the pad locks."
            )

    def _pin_unlocked(self) -> None:
        if self.window.current_screen() is Screen.PIN:
            self.window.pin.reset(self._pin_prompt())

    def staff_report(self) -> list[tuple[str, str]]:
        """The staff screen's lines: notices, content status, errors, warnings, overdue reviews."""
        lines: list[tuple[str, str]] = []
        if self.staff_notice:
            lines.append(("body", self.staff_notice))
        if self.staff_pin.problem:
            lines.append(("body", f"Staff PIN: {self.staff_pin.problem}"))
        load = self.store.last_load
        content = self.store.current
        if content is not None:
            lines.append(("body", f"Showing {len(content.topics)} topics from {content.folder}."))
        if load is not None:
            if load.ok:
                lines.append(("body", "The content files have no errors."))
            else:
                lines.append(
                    (
                        "heading",
                        f"The last edit has {len(load.errors)} errors, so patients still see the "
                        "last good content:",
                    )
                )
                lines += [("meta", p.format()) for p in load.errors]
            overdue = [p for p in load.warnings if "review overdue" in p.message]
            other: list[Problem] = [p for p in load.warnings if p not in overdue]
            if overdue:
                lines.append(("heading", f"Reviews overdue ({len(overdue)}):"))
                lines += [("meta", p.format()) for p in overdue]
            if other:
                lines.append(("heading", f"Warnings ({len(other)}):"))
                lines += [("meta", p.format()) for p in other]
        if self.speech is not None:
            output = self.speech.output
            if self.speech.sound_available:
                lines.append(("body", "Sound: working."))
            else:
                lines.append(("body", f"Sound unavailable: {output.problem}."))
            cache_problem = self.speech.worker.renderer.cache_problem
            if cache_problem:
                lines.append(("body", f"Speech cache unavailable: {cache_problem}."))
            if self.speech.profile_problems:
                lines.append(
                    (
                        "heading",
                        "The voice profile has problems; the built-in voice settings are used:",
                    )
                )
                lines += [("meta", text) for text in self.speech.profile_problems]
        lines.append(("meta", f"Checked {dt.datetime.now():%d %B %Y %H:%M}."))
        return lines

    # -- speech -------------------------------------------------------------------------------
    def current_paged_screen(self) -> PagedScreen | None:
        """The screen showing, if it is one that can be read aloud."""
        widget = self.window.screens[self.navigator.current.screen]
        if isinstance(widget, PagedScreen) and widget.speech is not None:
            return widget
        return None

    def read_page(self, start_sentence: int = 0) -> None:
        """Read the current screen aloud from the start."""
        screen = self.current_paged_screen()
        if self.speech is None or screen is None:
            return
        self.reading = sentences_of(screen.reading_units())
        self.reading_screen = screen
        self.speech.speak([s.text for s in self.reading], start_sentence)

    def speak_text(self, text: str) -> None:
        """Say a message (audio guide, idle warning); it interrupts any reading."""
        if self.speech is None:
            return
        self._clear_highlight()
        self.reading = []
        self.reading_screen = None
        pieces = [text[a:b] for a, b in split_sentences(text)]
        self.speech.speak(pieces)

    def stop_speech(self) -> None:
        """Silence at once."""
        if self.speech is not None and self.speech.speaking:
            self.speech.stop()
        self._clear_highlight()

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
        if self.speech is None:
            return
        if not self.reading and self.current_paged_screen() is not None:
            self.read_page()
            return
        self.speech.repeat_last()

    def change_volume(self, step: int) -> None:
        """Louder (+1) or quieter (-1)."""
        if self.speech is not None:
            self.speech.set_volume_step(self.speech.volume_step + step)
            self._show_sound_settings()

    def change_rate(self, step: int) -> None:
        """Faster (+1) or slower (-1)."""
        if self.speech is not None:
            self.speech.set_rate_step(self.speech.rate_step + step)
            self._show_sound_settings()

    def _show_sound_settings(self) -> None:
        if self.speech is not None:
            self.window.display.show_sound(
                self.speech.volume_step, len(VOLUME_STEPS_DB), self.speech.rate_wpm, RATE_STEPS_WPM
            )

    def _sentence_started(self, index: int) -> None:
        if self.reading_screen is None or not 0 <= index < len(self.reading):
            return
        sentence = self.reading[index]
        theme = self.window.theme
        self.reading_screen.highlight(
            sentence.block, sentence.start, sentence.end, theme.highlight_text, theme.highlight_bg
        )

    def _clear_highlight(self) -> None:
        if self.reading_screen is not None:
            theme = self.window.theme
            self.reading_screen.highlight(None, 0, 0, theme.highlight_text, theme.highlight_bg)

    def _speech_state(self, state: str) -> None:
        self.window.show_speech_state(state)
        if state == "idle":
            self._clear_highlight()

    # -- audio guide --------------------------------------------------------------------------
    @property
    def audio_guide(self) -> bool:
        """True while taps explain and double taps activate."""
        return self.guide.enabled

    def toggle_audio_guide(self) -> None:
        """The Audio guide control or key."""
        self.set_audio_guide(not self.guide.enabled)

    def set_audio_guide(self, on: bool, announce: bool = True) -> None:
        """Turn the audio guide on or off."""
        self.guide.enabled = on
        self.window.show_audio_guide(on)
        if not announce:
            return
        if on:
            intro = (
                "Audio guide on. Touch a button once to hear what it is. Touch it twice "
                "quickly to use it."
            )
            if self.navigator.current.screen is Screen.HOME:
                self.speak_text(f"{self.panel_words()} {intro}")
            else:
                self.speak_text(intro)
        else:
            self.speak_text("Audio guide off.")

    def panel_words(self) -> str:
        """The emergency panel, as it is spoken."""
        panel = self.content.site.emergency
        symptoms = ". ".join(s[:1].upper() + s[1:] for s in panel.symptoms)
        return f"{panel.heading}. {symptoms}. {panel.action}"

    def explain_control(self, control: object) -> None:
        """Audio guide tap: say what the control is, without using it."""
        if isinstance(control, EmergencyPanel):
            self.speak_text(f"{self.panel_words()} Double-tap to open the emergency page.")
        elif isinstance(control, BigButton):
            verb = (
                "open" if control.objectName().startswith(("topic-", "related-", "nav-")) else "use"
            )
            state = "" if control.isEnabled() else " Not available now."
            description = control.accessibleDescription()
            hint = f" {description}" if description and description != control.title else ""
            self.speak_text(f"{control.title}.{hint}{state} Double-tap to {verb}.")

    def activate_control(self, control: object) -> None:
        """Audio guide double tap: use the control."""
        if isinstance(control, EmergencyPanel):
            control.activated.emit()
        elif isinstance(control, BigButton) and control.isEnabled():
            control.click()

    def _idle_resumed(self) -> None:
        self._warned_aloud = False

    def _read_if_guided(self) -> None:
        if self.guide.enabled and self.current_paged_screen() is not None:
            self.read_page()

    def _focus_changed(self, old: object, new: object) -> None:
        if not self.guide.enabled or new is None:
            return
        if isinstance(new, BigButton | EmergencyPanel):
            name = new.accessibleName()
            description = new.accessibleDescription()
            self.speak_text(f"{name}. {description}" if description != name else name)

    def _idle_warning_aloud(self, seconds_left: int) -> None:
        if self.guide.enabled and not self._warned_aloud:
            self._warned_aloud = True
            self.speak_text(self.window.overlay.spoken_text())

    def shutdown(self) -> None:
        """The window is closing for good: stop speech and its worker thread."""
        if self.speech is not None:
            self.speech.shutdown()

    def exit_kiosk(self) -> None:
        """Staff chose Exit."""
        log.info("kiosk closed by staff")
        self.window.allow_close()
        self.window.close()
        self._quit()
