"""What happens when the patient asks for something: navigation, display, idle reset, staff mode.

The controller owns session state (pure core objects) and tells the window what to render.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from kiosk import staff_report as report
from kiosk.audio_guide import AudioGuide
from kiosk.content.loader import ContentLoad
from kiosk.content.model import ContentSet
from kiosk.content.store import ContentStore
from kiosk.core import health
from kiosk.core.intents import Intent, Request, TopicChoice
from kiosk.core.pin import StaffPin
from kiosk.core.session import (
    DisplayPrefs,
    Navigator,
    Place,
    Screen,
)
from kiosk.core.usage import TOPIC_OPENED, UsageCounter, UsageRefused
from kiosk.reading import PageReader
from kiosk.services.content_watch import ContentWatcher
from kiosk.services.idle import IdleService
from kiosk.services.memory import release_free_memory
from kiosk.services.pin_gate import CLEAR_COUNTS_PROMPT, Guarded, PinGate
from kiosk.services.selftest_runner import SelfTestRunner
from kiosk.services.speech import RATE_STEPS_WPM, VOLUME_STEPS_DB, ReadAloud
from kiosk.services.voice_input import VoiceInput
from kiosk.ui.screens import PagedScreen
from kiosk.ui.staff_tools import UsageView
from kiosk.ui.theme import THEMES
from kiosk.ui.window import KioskWindow
from kiosk.voice.commands import (
    COMMAND_REPLIES,
    COMMAND_REQUESTS,
    NOTHING_TO_READ_MESSAGE,
    READ_AFTER,
)
from kiosk.voice.dialogue import (
    ANSWER_PROMPT,
    ASK_AGAIN_MESSAGE,
    DECLINED_MESSAGE,
    LISTENING_CUE,
    NO_QUESTION_MESSAGE,
    NOTHING_HEARD_MESSAGE,
    QUIET_BEFORE_LISTENING_S,
    TOUCH_YES_NO_MESSAGE,
    VOICE_UNAVAILABLE_MESSAGE,
    Outcome,
    Step,
    VoiceDialogue,
    log_request,
)
from kiosk.voice.language import build_language
from kiosk.voice.matching import (
    NOT_RECOGNISED_MESSAGE,
    CommandMatch,
    Match,
    RequestMatcher,
    TopicMatch,
    confirmation_prompt,
)
from kiosk.voice.protocol import RequestTiming

STAFF_SCREENS = (Screen.STAFF, Screen.USE, Screen.PIN)
"""Screens only staff see: nothing done there is counted as patients' use."""


if TYPE_CHECKING:
    from kiosk.voice.recognition import Recognition

log = logging.getLogger("kiosk.session")
voice_log = logging.getLogger("kiosk.voice")


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
        voice: VoiceInput | None = None,
        matcher_scores: tuple[float, float] = (0.80, 0.60),
        concepts: Mapping[str, Sequence[str]] | None = None,
        log_transcripts: bool = False,
        usage: UsageCounter | None = None,
        state_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.usage = usage
        self.state_folder = state_folder
        """The machine's state folder (crash log, last self-test, usage counts), or None."""
        self.started = dt.datetime.now()
        self.usage_notice = ""
        self.speech = speech
        self.voice = voice
        self.matcher_scores = matcher_scores
        self.concepts = concepts
        """The voice profile's everyday words per concept (None: the built-in ones)."""
        self.log_transcripts = log_transcripts
        self.matcher: RequestMatcher | None = None
        self.dialogue = VoiceDialogue()
        """The voice dialogue's state: listening, the open question, yes or no."""
        self.voice_unknown_words: list[str] = []
        self._listen_timer = QTimer(self)
        self._listen_timer.setSingleShot(True)
        self._listen_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._listen_timer.timeout.connect(self._open_microphone)
        self.guide = AudioGuide(self.speak_text, lambda: self.content.site.emergency, parent=self)
        self.reader = (
            PageReader(speech, lambda: self.window.theme, self._count)
            if speech is not None
            else None
        )
        """What is read aloud and highlighted (None: the kiosk has no speech)."""
        self.window = window
        self.store = store
        self.watcher = watcher
        self.idle = idle
        self.staff_pin = staff_pin
        self.navigator = Navigator()
        self.prefs = DisplayPrefs()
        self.staff_notice = ""
        self.pin_gate = PinGate(staff_pin, parent=self)
        """The staff PIN pad: what it guards and what it says."""
        self.pin_gate.unlocked.connect(self._pin_unlocked)
        self._quit = quit_app or (lambda: QApplication.quit())

        self.selftest = SelfTestRunner(state_folder, parent=self)
        """The staff screen's sound and voice self-test."""
        self.selftest.finished.connect(self._selftest_finished)
        self.handlers: dict[Intent, Callable[..., object]] = {
            Intent.BACK: self.back,
            Intent.HOME: self.home,
            Intent.HELP: lambda: self._open_counted(Screen.HELP, "help-page"),
            Intent.DISPLAY: lambda: self.go(Place(Screen.DISPLAY)),
            Intent.EMERGENCY: lambda: self._open_counted(Screen.EMERGENCY, "emergency-page"),
            Intent.TOPIC: self.choose_topic,
            Intent.PAGE: self._turn_page,
            Intent.TEXT_SCALE: self.set_text_scale,
            Intent.THEME: self.set_theme,
            Intent.READ: self.read_page,
            Intent.PAUSE: self.toggle_pause,
            Intent.STOP: self.stop_speech,
            Intent.REPEAT: self.repeat_sentence,
            Intent.VOLUME: self.change_volume,
            Intent.RATE: self.change_rate,
            Intent.AUDIO_GUIDE: lambda: self.set_audio_guide(not self.guide.enabled),
            Intent.VOICE: self.ask_by_voice,
            Intent.STOP_LISTENING: self.cancel_voice,
            Intent.ANSWER: self.answer,
            Intent.DISMISS: self.close_voice,
            Intent.CONTINUE: idle.activity,
            Intent.STAFF: self.open_staff,
            Intent.PIN: self.check_pin,
            Intent.RELOAD: self.reload_content,
            Intent.EXIT: self.exit_kiosk,
            Intent.USAGE: lambda: self.go(Place(Screen.USE)),
            Intent.CLEAR_COUNTS: self.ask_clear_counts,
            Intent.SELFTEST: self.run_selftest,
        }
        """What each intent does, asked for by a tap, a key or a spoken command alike."""
        w = window
        w.intended.connect(self.do)
        w.page_shown.connect(self.navigator.remember_page)
        w.paged_by_user.connect(self.stop_speech)
        w.paged_by_user.connect(self._count_page_turn)
        idle.warning.connect(w.show_idle_warning)
        idle.warning.connect(lambda _: self.guide.idle_warning(w.overlay.spoken_text()))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self.guide.focus_changed)
        if speech is not None and self.reader is not None:
            speech.sentence_started.connect(self.reader.sentence_started)
            speech.state_changed.connect(self._speech_state)
            speech.sound_available_changed.connect(w.show_sound_available)
            w.show_sound_available(speech.sound_available)
        idle.resumed.connect(w.hide_idle_warning)
        idle.resumed.connect(self.guide.idle_warning_over)
        idle.expired.connect(self.reset_session)
        watcher.reloaded.connect(self.content_reloaded)
        w.closing.connect(self.shutdown)
        if voice is not None:
            voice.availability_changed.connect(self._voice_available)
            voice.state_changed.connect(self._voice_state)
            voice.level.connect(w.voice_overlay.show_level)
            voice.heard.connect(self.heard)
            voice.failed.connect(self._voice_failed)
            voice.vocabulary.connect(self._vocabulary)
        self._voice_available(voice is not None and voice.available)

    # -- requests -----------------------------------------------------------------------------
    def do(self, request: Request) -> None:
        """Do what a tap, a key or a spoken command asked for."""
        handler = self.handlers[request.intent]
        if request.arg is None:
            handler()
        else:
            handler(request.arg)

    # -- content ------------------------------------------------------------------------------
    @property
    def content(self) -> ContentSet:
        """The content being shown (the app never starts without some)."""
        assert self.store.current is not None
        return self.store.current

    def start(self) -> None:
        """Show Home with the current content."""
        self._build_matcher()
        # Styled before the topics are set: Home's grid is then laid out once, not twice.
        self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)
        self.window.set_content(self.content)
        self.render()

    def content_reloaded(self, load: ContentLoad) -> None:
        """A reload finished: show valid content, keeping the screen if its topic still exists."""
        if load.ok:
            self._build_matcher()
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
        self.close_voice()
        self.navigator.go(place)
        self.render()
        self._read_if_guided()

    def open_topic(self, topic_id: str) -> None:
        """Open a topic page (if it exists)."""
        if self.content.topic(topic_id) is None:
            log.warning("asked for unknown topic %r", topic_id)
            return
        self.go(Place(Screen.TOPIC, topic_id))

    def choose_topic(self, choice: TopicChoice) -> None:
        """A topic was chosen: counted by how, then opened."""
        self._count(TOPIC_OPENED[choice.via], choice.topic_id)
        self.open_topic(choice.topic_id)

    def _open_counted(self, screen: Screen, event: str) -> None:
        self._count(event)
        self.go(Place(screen))

    def back(self) -> None:
        """Back to the previous place."""
        self.stop_speech()
        self.close_voice()
        self.navigator.back()
        self.render()
        self._read_if_guided()

    def home(self) -> None:
        """Back to Home, history cleared."""
        self.stop_speech()
        self.close_voice()
        self.navigator.home()
        self.render()

    def _turn_page(self, step: int) -> None:
        self.stop_speech()
        self._count_page_turn()
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
            self._show_sound_settings()
        elif place.screen is Screen.STAFF:
            w.staff.show_report(self.staff_report(), place.page)
        elif place.screen is Screen.USE:
            w.use.show_usage(self.usage_view(), place.page)
        elif place.screen is Screen.PIN:
            pass
        w.show_screen(place.screen)
        self.rendered.emit(place)

    # -- display ------------------------------------------------------------------------------
    def set_text_scale(self, scale: int) -> None:
        """Change the text size."""
        self.stop_speech()
        if self._by_patient():
            self._count("text-size", str(scale))
        self.prefs = self.prefs.with_scale(scale)
        self._restyle()

    def set_theme(self, theme: str) -> None:
        """Change the colours."""
        self.stop_speech()
        if theme == "high-contrast" and self._by_patient():
            self._count("high-contrast")
        self.prefs = self.prefs.with_theme(theme)
        self._restyle()

    def _restyle(self) -> None:
        self.window.apply_style(THEMES[self.prefs.theme], self.prefs.text_scale)
        self.render()

    # -- idle ---------------------------------------------------------------------------------
    def reset_session(self) -> None:
        """Idle time ran out: Home, history cleared, text size and theme back to default."""
        log.info("idle reset: starting afresh for the next person")
        self._count("idle-reset")
        self.stop_speech()
        self.close_voice()
        if self.speech is not None:
            self.speech.reset_settings()
        self.set_audio_guide(False, announce=False)
        self.guide.idle_warning_over()
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
        # After Home is painted (nobody is using the kiosk now): freed memory back to the system.
        QTimer.singleShot(0, release_free_memory)

    def recover(self) -> None:
        """After an unexpected error: back to a clean Home."""
        self.window.hide_idle_warning()
        self.navigator.home()
        QTimer.singleShot(0, self.render)

    # -- staff --------------------------------------------------------------------------------
    def open_staff(self) -> None:
        """The hidden gesture: PIN pad, or straight in when no PIN is set (first set-up)."""
        self.pin_gate.guards = Guarded.STAFF
        if self.pin_gate.needed:
            self.window.pin.reset(self.pin_gate.prompt())
            self.go(Place(Screen.PIN))
        else:
            self.staff_notice = (
                "No staff PIN is set, so Exit needs no PIN. Set one on this machine with: "
                "python run_kiosk.py set-pin"
            )
            self.go(Place(Screen.STAFF))

    def check_pin(self, pin: str) -> None:
        """Check an entered PIN."""
        refused = self.pin_gate.check(pin)
        if refused is not None:
            self.window.pin.reset(refused)
        elif self.pin_gate.guards is Guarded.CLEAR_COUNTS:
            self.pin_gate.guards = Guarded.STAFF
            self.navigator.current = Place(Screen.USE)
            self.clear_counts()
        else:
            log.info("staff mode opened")
            self.staff_notice = ""
            self.navigator.current = Place(Screen.STAFF)  # the PIN pad is not a place to go back to
            self.render()

    def _pin_unlocked(self) -> None:
        if self.window.current_screen() is Screen.PIN:
            self.window.pin.reset(self.pin_gate.prompt())

    # -- staff: usage counts ------------------------------------------------------------------
    def ask_clear_counts(self) -> None:
        """Clear counts was pressed: the PIN first (when one is set), then clear."""
        if self.pin_gate.needed:
            self.pin_gate.guards = Guarded.CLEAR_COUNTS
            self.window.pin.reset(CLEAR_COUNTS_PROMPT)
            self.go(Place(Screen.PIN))
        else:
            self.clear_counts()

    def clear_counts(self) -> None:
        """Delete every usage count and show the Use page again."""
        if self.usage is not None:
            self.usage_notice = (
                "Usage counts cleared."
                if self.usage.clear()
                else f"The usage counts could not be cleared: {self.usage.problem}."
            )
        self.render()

    def usage_view(self, days: int = 30) -> UsageView:
        """The Use page's figures: the last ``days`` days, counts not yet written included (a
        notice, such as "Usage counts cleared.", is shown once)."""
        notice, self.usage_notice = self.usage_notice, ""
        return report.usage_view(self.usage, self.content.topics, notice, days)

    def run_selftest(self) -> None:
        """Test sound and voice (in a thread: it takes about 5 s); the staff screen shows it."""
        if self.selftest.running:
            return
        self.stop_speech()
        self.selftest.start(self.content.folder.parent)
        self.render()

    def _selftest_finished(self) -> None:
        if self.window.current_screen() is Screen.STAFF:
            self.render()

    def health_lines(self) -> list[health.HealthLine]:
        """Health at a glance: one OK/CHECK line per part of the kiosk (top of the staff screen)."""
        return report.health_lines(
            self.store,
            self.speech,
            self.voice,
            state_folder=self.state_folder,
            started=self.started,
            selftest_result=self.selftest.result,
            now=dt.datetime.now(),
        )

    def staff_report(self) -> list[report.Line]:
        """The staff screen's lines: health at a glance (OK/CHECK lines), then the details."""
        return report.report_lines(
            self.health_lines(),
            self.store,
            selftest_running=self.selftest.running,
            selftest_lines=self.selftest.lines,
            notice=self.staff_notice,
            staff_pin=self.staff_pin,
            usage=self.usage,
            speech=self.speech,
            voice=self.voice,
            unknown_words=self.voice_unknown_words,
            log_transcripts=self.log_transcripts,
            screen=self.window.screen_report(),
            now=dt.datetime.now(),
        )

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

    def _speech_state(self, state: str) -> None:
        self.window.show_speech_state(state)
        if state == "idle" and self.reader is not None:
            self.reader.clear_highlight()
        if state == "speaking":
            if self.dialogue.microphone_due:
                # Half-duplex: the microphone never hears the kiosk's own voice.
                self._stop_listening()
        else:
            self.dialogue.kiosk_quiet(time.monotonic())
            if state == "idle" and self.dialogue.cue_said():
                self._listen_timer.start(round(QUIET_BEFORE_LISTENING_S * 1000) + 10)

    # -- asking by voice ----------------------------------------------------------------------
    def _build_matcher(self) -> None:
        accept, confirm = self.matcher_scores
        self.matcher = RequestMatcher(self.content, accept, confirm, self.concepts)
        if self.voice is not None:
            language = build_language(self.content, concepts=self.concepts).lines()
            self.voice.set_phrases(self.matcher.phrases(), language)

    def _vocabulary(self, unknown: list[str]) -> None:
        self.voice_unknown_words = unknown
        if unknown:
            voice_log.warning(
                "the speech recogniser cannot hear these words of the content: %s",
                ", ".join(unknown),
            )

    def _voice_available(self, available: bool) -> None:
        self.window.show_voice_state(
            "listening" if self.dialogue.listening else ("ready" if available else "unavailable")
        )

    def _voice_state(self, state: str) -> None:
        overlay = self.window.voice_overlay
        if state == "listening" and overlay.mode == "waiting":
            overlay.show_listening()  # the microphone is open now: "Listening… Say …"
        elif state == "deciding" and overlay.mode == "listening":
            overlay.show_deciding()
        self._voice_available(self.voice is not None and self.voice.available)

    def ask_by_voice(self) -> None:
        """The Ask by voice control or key: listen for one request (again: stop listening)."""
        if self.dialogue.busy:
            self.cancel_voice()
            return
        self.stop_speech()
        self.dialogue.begin()
        if self.voice is None or not self.voice.available:
            self._count("voice", "unavailable")
            self._tell(VOICE_UNAVAILABLE_MESSAGE)
            return
        self.window.voice_overlay.show_waiting()
        self._listen_after_speaking(LISTENING_CUE, Step.LISTENING)

    def _listen_after_speaking(self, words: str, step: Step) -> None:
        """Say ``words``, then open the microphone once the kiosk has been quiet long enough."""
        if self.speech is not None and self.speech.sound_available:
            self.speak_text(words)
            self.dialogue.listen_after(step, cue_spoken=True)
        else:
            self.dialogue.listen_after(step, cue_spoken=False)
            wait = self.dialogue.wait_s(time.monotonic())
            self._listen_timer.start(round(wait * 1000) + 10)

    def _open_microphone(self) -> None:
        if self.dialogue.step is not Step.WAIT:
            return
        if self.voice is None or not self.voice.listen(self.dialogue.listen_ms):
            self.dialogue.stop_listening()
            self._count("voice", "unavailable")
            self._tell(VOICE_UNAVAILABLE_MESSAGE)
            return
        self.dialogue.microphone_opened()
        self._voice_available(True)

    def _stop_listening(self) -> None:
        self._listen_timer.stop()
        if self.voice is not None:
            self.voice.cancel()
        self.dialogue.stop_listening()
        self._voice_available(self.voice is not None and self.voice.available)

    def cancel_voice(self) -> None:
        """Stop listening (the Stop listening control, or Ask by voice again)."""
        if self.dialogue.step is Step.CUE:
            self.stop_speech()
        self._stop_listening()
        if self.dialogue.cancel():
            self._count("voice", "asked-unanswered")
        self.window.voice_overlay.close_overlay()

    def close_voice(self) -> None:
        """Navigation, idle reset or OK: nothing of the voice request stays."""
        if self.dialogue.open or self.window.voice_overlay.mode != "hidden":
            self.cancel_voice()

    def _voice_failed(self, message: str) -> None:
        if self.dialogue.listening:
            self.dialogue.stop_listening()
            self._count("voice", "unavailable")
            self._voice_available(self.voice is not None and self.voice.available)
            self._tell(VOICE_UNAVAILABLE_MESSAGE)

    def _tell(self, message: str) -> None:
        """Show and say a message about a voice request."""
        self.window.voice_overlay.show_message(message)
        self.speak_text(message)

    def heard(self, heard: Recognition, timing: RequestTiming | None = None) -> None:
        """The voice input's answer to a request: act, ask, or say it was not understood."""
        if not self.dialogue.listening or self.matcher is None:
            return
        timing = timing or RequestTiming()
        spoke = bool(heard.transcript) or timing.spoke
        # The one decision path, shared with ``hear`` and ``bench voice``: act on what it acts
        # on, ask about what it asks about. (Imported here: it brings the recognisers and their
        # model downloader, which the kiosk's own process needs for nothing else; app.py imports
        # it once Home is painted.)
        from kiosk.voice.hearing import decide

        decision = decide(self.matcher, heard) if heard.transcript else None
        match = decision.match if decision is not None else None
        log_request(heard, match, timing, self.log_transcripts)
        turn = self.dialogue.heard(decision, spoke)
        self._voice_available(self.voice is not None and self.voice.available)
        outcome = turn.outcome
        if outcome in (Outcome.CONFIRMED, Outcome.DECLINED):
            self.answer(outcome is Outcome.CONFIRMED)
        elif outcome is Outcome.ASK_AGAIN:
            self._listen_after_speaking(ASK_AGAIN_MESSAGE, Step.ANSWER)
        elif outcome is Outcome.TOUCH_YES_NO:
            self.speak_text(TOUCH_YES_NO_MESSAGE)
        elif outcome is Outcome.NOTHING_HEARD:
            self._count("voice", "nothing-heard")
            self._tell(NOTHING_HEARD_MESSAGE)
        elif outcome is Outcome.ACT:
            assert turn.match is not None
            self._count("voice", "acted")
            self._act(turn.match)
        elif outcome in (Outcome.NOT_RECOGNISED, Outcome.NO_QUESTION):
            self._count("voice", "not-recognised")
            self._tell(
                NOT_RECOGNISED_MESSAGE if outcome is Outcome.NOT_RECOGNISED else NO_QUESTION_MESSAGE
            )
        elif outcome is Outcome.ASK:
            assert turn.match is not None
            question = confirmation_prompt(turn.match, self.content)
            self.window.voice_overlay.show_question(question)
            self._listen_after_speaking(f"{question} {ANSWER_PROMPT}", Step.ANSWER)

    def answer(self, yes: bool) -> None:
        """Yes or No to "Did you mean …?" (touched or said)."""
        match = self.dialogue.take_answer()
        if match is None:
            return
        self._count("voice", "asked-confirmed" if yes else "asked-declined")
        self.cancel_voice()
        if yes:
            self._act(match)
        else:
            self._tell(DECLINED_MESSAGE)

    def _act(self, match: Match) -> None:
        self.close_voice()
        if isinstance(match, TopicMatch):
            self.do(Request(Intent.TOPIC, TopicChoice(match.topic_id, "voice")))
            self.read_page()
        elif isinstance(match, CommandMatch):
            self.run_command(match.command)

    def run_command(self, command: str) -> None:
        """A spoken command makes its touch control's request; by voice, the kiosk also says
        what changed, reads the page it opened, or says why it did nothing."""
        request = COMMAND_REQUESTS[command]
        if request.intent is Intent.ANSWER:
            self._tell(NO_QUESTION_MESSAGE)  # (an open question's answer never comes here)
        elif request.intent is Intent.READ and self.current_paged_screen() is None:
            self._tell(NOTHING_TO_READ_MESSAGE)
        else:
            self.do(request)
            if command in READ_AFTER:
                self.read_page()
            if command in COMMAND_REPLIES:
                self.speak_text(COMMAND_REPLIES[command])

    # -- audio guide --------------------------------------------------------------------------
    @property
    def audio_guide(self) -> bool:
        """True while taps explain and double taps activate."""
        return self.guide.enabled

    def set_audio_guide(self, on: bool, announce: bool = True) -> None:
        """Turn the audio guide on or off."""
        if on and not self.guide.enabled:
            self._count("audio-guide-on")
        self.guide.enabled = on
        self.window.show_audio_guide(on)
        if announce:
            self.guide.announce(on_home=self.navigator.current.screen is Screen.HOME)

    def _read_if_guided(self) -> None:
        if self.guide.enabled and self.current_paged_screen() is not None:
            self.read_page()

    def shutdown(self) -> None:
        """The window is closing for good: stop speech and its worker thread, and voice input."""
        if self.speech is not None:
            self.speech.shutdown()
        if self.voice is not None:
            self.voice.shutdown()
        if self.usage is not None:
            self.usage.close()

    def exit_kiosk(self) -> None:
        """Staff chose Exit."""
        log.info("kiosk closed by staff")
        self.window.allow_close()
        self.window.close()
        self._quit()

    # -- usage counts ---------------------------------------------------------------------------
    def _count(self, event: str, detail: str = "") -> None:
        """Count one use (in memory: the file is written by the counter's own thread). A count
        the counter refuses is left out and logged: counting never stops what the patient did."""
        if self.usage is not None:
            try:
                self.usage.count(event, detail)
            except UsageRefused as error:
                log.warning("usage count left out: %s", error)

    def _by_patient(self) -> bool:
        """Whether a display choice is a patient's: not made by staff who opened Text size from
        their own screens (checking how the kiosk looks is not patients' use)."""
        nav = self.navigator
        on_display = nav.current.screen is Screen.DISPLAY
        came_from = nav.history[-1] if on_display and nav.history else None
        return nav.current.screen not in STAFF_SCREENS and (
            came_from is None or came_from.screen not in STAFF_SCREENS
        )

    def _count_page_turn(self) -> None:
        """A page turned: counted for patients' screens only (staff reading their screens are
        not patients' use)."""
        if self.navigator.current.screen not in STAFF_SCREENS:
            self._count("page-turn")
