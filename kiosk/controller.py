"""The kiosk's wiring: what each request does, and which part does it.

The controller builds the parts and connects them to the window and the services: navigation
and display (``navigation.py``), read aloud and the sound controls (``sound_controls.py``),
asking by voice (``voice_requests.py``), the staff screens (``staff_desk.py``), the audio guide
(``audio_guide.py``) and the usage counts (``core/patient_use.py``). Its one table,
:attr:`KioskController.handlers`, says what each :class:`~kiosk.core.intents.Intent` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from kiosk.audio_guide import AudioGuide
from kiosk.content.loader import ContentLoad
from kiosk.content.model import ContentSet
from kiosk.content.store import ContentStore
from kiosk.core.intents import Intent, Request
from kiosk.core.patient_use import PatientUse
from kiosk.core.pin import StaffPin
from kiosk.core.session import Navigator, Place, Screen
from kiosk.core.usage import UsageCounter
from kiosk.listen.client import VoiceInput
from kiosk.navigation import Navigation
from kiosk.play.read_aloud import ReadAloud
from kiosk.services.content_watch import ContentWatcher
from kiosk.services.idle import IdleService
from kiosk.services.memory import release_free_memory
from kiosk.sound_controls import SoundControls
from kiosk.staff_desk import StaffDesk
from kiosk.ui.window import KioskWindow
from kiosk.voice_requests import VoiceRequests

log = logging.getLogger("kiosk.session")

VOICE_PREPARED_AFTER_MS = 300
"""After Home is first painted, the voice request matcher is built and the voice input given
the content's phrases (or at once, if a spoken request comes first)."""


class KioskController(QObject):
    """Connects the window's intentions to session state, content and services."""

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
        voice: VoiceInput | None = None,
        matcher_scores: tuple[float, float] = (0.80, 0.60),
        concepts: Mapping[str, Sequence[str]] | None = None,
        log_transcripts: bool = False,
        usage: UsageCounter | None = None,
        state_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.store = store
        self.idle = idle
        self.speech = speech
        self.voice = voice
        self.navigator = Navigator()
        """Where the patient is, and the history Back walks (shared by the parts)."""
        self.use = PatientUse(usage, self.navigator)
        """Counts patients' use (not staff's)."""
        self.sound = SoundControls(speech, window, self.navigator, self.use.count)
        """Read aloud, and the sound controls."""
        self.guide = AudioGuide(self.sound.speak_text, lambda: self.content.site.emergency, self)
        self.voice_requests = VoiceRequests(
            window,
            voice,
            speech,
            self.sound,
            self.do,
            self.use.count,
            lambda: self.content,
            matcher_scores,
            concepts,
            log_transcripts,
            parent=self,
        )
        """Asking by voice: listening, the "Did you mean ...?" question, acting on the answer."""
        self.nav = Navigation(
            window,
            store,
            self.navigator,
            self.sound,
            self.use,
            self.voice_requests.close_voice,
            self._read_if_guided,
            staff_lines=lambda: self.staff.staff_report(),
            usage_view=lambda: self.staff.usage_view(),
            parent=self,
        )
        """Going places, rendering them, and the text size and colours."""
        self.staff = StaffDesk(
            window,
            self.nav,
            watcher,
            staff_pin,
            self.use,
            self.sound,
            voice,
            lambda: self.voice_requests.unknown_words,
            log_transcripts,
            quit_app or (lambda: QApplication.quit()),
            state_folder,
            parent=self,
        )
        """The staff screens: PIN, reload, usage counts, self-test, Exit."""
        nav, sound, voice_requests, staff = self.nav, self.sound, self.voice_requests, self.staff
        self.handlers: dict[Intent, Callable[..., object]] = {
            Intent.BACK: nav.back,
            Intent.HOME: nav.home,
            Intent.HELP: lambda: nav.open_counted(Screen.HELP, "help-page"),
            Intent.DISPLAY: lambda: nav.go(Place(Screen.DISPLAY)),
            Intent.EMERGENCY: lambda: nav.open_counted(Screen.EMERGENCY, "emergency-page"),
            Intent.TOPIC: nav.choose_topic,
            Intent.PAGE: nav.turn_page,
            Intent.TEXT_SCALE: nav.set_text_scale,
            Intent.THEME: nav.set_theme,
            Intent.READ: sound.read_page,
            Intent.PAUSE: sound.toggle_pause,
            Intent.STOP: sound.stop_speech,
            Intent.REPEAT: sound.repeat_sentence,
            Intent.VOLUME: sound.change_volume,
            Intent.RATE: sound.change_rate,
            Intent.AUDIO_GUIDE: lambda: self.set_audio_guide(not self.guide.enabled),
            Intent.VOICE: voice_requests.ask_by_voice,
            Intent.STOP_LISTENING: voice_requests.cancel_voice,
            Intent.ANSWER: voice_requests.answer,
            Intent.DISMISS: voice_requests.close_voice,
            Intent.CONTINUE: idle.activity,
            Intent.STAFF: staff.open_staff,
            Intent.PIN: staff.check_pin,
            Intent.RELOAD: staff.reload_content,
            Intent.EXIT: staff.exit_kiosk,
            Intent.USAGE: lambda: nav.go(Place(Screen.USE)),
            Intent.CLEAR_COUNTS: staff.ask_clear_counts,
            Intent.SELFTEST: staff.run_selftest,
        }
        """What each intent does, asked for by a tap, a key or a spoken command alike."""
        w = window
        w.intended.connect(self.do)
        w.page_shown.connect(self.navigator.remember_page)
        w.paged_by_user.connect(sound.stop_speech)
        w.paged_by_user.connect(self.use.page_turned)
        idle.warning.connect(w.show_idle_warning)
        idle.warning.connect(lambda _: self.guide.idle_warning(w.overlay.spoken_text()))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self.guide.focus_changed)
        idle.resumed.connect(w.hide_idle_warning)
        idle.resumed.connect(self.guide.idle_warning_over)
        idle.expired.connect(self.reset_session)
        watcher.reloaded.connect(self.content_reloaded)
        w.closing.connect(self.shutdown)

    def do(self, request: Request) -> None:
        """Do what a tap, a key or a spoken command asked for."""
        handler = self.handlers[request.intent]
        if request.arg is None:
            handler()
        else:
            handler(request.arg)

    @property
    def content(self) -> ContentSet:
        """The content being shown (the app never starts without some)."""
        return self.nav.content

    def start(self) -> None:
        """Show Home with the current content (what only a spoken request needs is prepared
        once Home is painted: :data:`VOICE_PREPARED_AFTER_MS`)."""
        self.window.first_painted.connect(
            lambda: QTimer.singleShot(VOICE_PREPARED_AFTER_MS, self.voice_requests.prepare)
        )
        # Styled before the topics are set: Home's grid is then laid out once, not twice.
        self.nav.apply_style()
        self.window.set_content(self.content)
        self.nav.render()

    def content_reloaded(self, load: ContentLoad) -> None:
        """A reload finished: show valid content, keeping the screen if its topic still exists."""
        if load.ok:
            self.voice_requests.build_matcher()
            self.window.set_content(self.content)
            self.navigator.forget_topics(lambda topic_id: self.content.topic(topic_id) is not None)
            self.nav.render()
        elif self.window.current_screen() is Screen.STAFF:
            self.nav.render()

    def reset_session(self) -> None:
        """Idle time ran out: Home, history cleared, text size and theme back to default."""
        log.info("idle reset: starting afresh for the next person")
        self.use.count("idle-reset")
        self.sound.stop_speech()
        self.voice_requests.close_voice()
        if self.speech is not None:
            self.speech.reset_settings()
        self.set_audio_guide(False, announce=False)
        self.guide.idle_warning_over()
        self.window.hide_idle_warning()
        self.staff.reset()
        self.nav.start_afresh()
        self.session_reset.emit()
        # After Home is painted (nobody is using the kiosk now): freed memory back to the system.
        QTimer.singleShot(0, release_free_memory)

    def set_audio_guide(self, on: bool, announce: bool = True) -> None:
        """Turn the audio guide on or off."""
        if on and not self.guide.enabled:
            self.use.count("audio-guide-on")
        self.guide.enabled = on
        self.window.show_audio_guide(on)
        if announce:
            self.guide.announce(on_home=self.navigator.current.screen is Screen.HOME)

    def _read_if_guided(self) -> None:
        if self.guide.enabled and self.sound.current_paged_screen() is not None:
            self.sound.read_page()

    @property
    def usage(self) -> UsageCounter | None:
        """The usage counts (None: the kiosk counts nothing)."""
        return self.use.usage

    def shutdown(self) -> None:
        """The window is closing for good: stop speech and its worker thread, and voice input."""
        if self.speech is not None:
            self.speech.shutdown()
        if self.voice is not None:
            self.voice.shutdown()
        if self.usage is not None:
            self.usage.close()
