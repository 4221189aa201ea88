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
from kiosk.ui.theme import THEMES
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
    ) -> None:
        super().__init__(parent)
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
        idle.resumed.connect(w.hide_idle_warning)
        idle.expired.connect(self.reset_session)
        watcher.reloaded.connect(self.content_reloaded)

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
        self.navigator.go(place)
        self.render()

    def open_topic(self, topic_id: str) -> None:
        """Open a topic page (if it exists)."""
        if self.content.topic(topic_id) is None:
            log.warning("asked for unknown topic %r", topic_id)
            return
        self.go(Place(Screen.TOPIC, topic_id))

    def back(self) -> None:
        """Back to the previous place."""
        self.navigator.back()
        self.render()

    def home(self) -> None:
        """Back to Home, history cleared."""
        self.navigator.home()
        self.render()

    def _turn_page(self, step: int) -> None:
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
        elif place.screen is Screen.STAFF:
            w.staff.show_report(self.staff_report(), place.page)
        elif place.screen is Screen.PIN:
            pass
        w.show_screen(place.screen)
        self.rendered.emit(place)

    # -- display ------------------------------------------------------------------------------
    def set_text_scale(self, scale: int) -> None:
        """Change the text size."""
        self.prefs = self.prefs.with_scale(scale)
        self._restyle()

    def set_theme(self, theme: str) -> None:
        """Change the colours."""
        self.prefs = self.prefs.with_theme(theme)
        self._restyle()

    def _restyle(self) -> None:
        self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)
        self.render()

    # -- idle ---------------------------------------------------------------------------------
    def reset_session(self) -> None:
        """Idle time ran out: Home, history cleared, text size and theme back to default."""
        log.info("idle reset: starting afresh for the next person")
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
        lines.append(("meta", f"Checked {dt.datetime.now():%d %B %Y %H:%M}."))
        return lines

    def exit_kiosk(self) -> None:
        """Staff chose Exit."""
        log.info("kiosk closed by staff")
        self.window.allow_close()
        self.window.close()
        self._quit()
