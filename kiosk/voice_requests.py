"""Asking by voice: the kiosk side of one spoken request, from the Ask by voice control to acting
on what was heard.

Says the cue, opens the microphone once the kiosk is quiet (it never hears its own voice), takes
what the voice input heard, decides (``listen/hearing.py``), asks "Did you mean ...?" when not
sure, and acts through the same requests a tap makes. The dialogue's state is
:class:`kiosk.listen.dialogue.VoiceDialogue`'s; this class does what it says (speak, show, count,
act).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer

from kiosk.content.model import ContentSet
from kiosk.core.intents import Intent, Request, TopicChoice
from kiosk.core.lazy import lazy_module
from kiosk.listen.client import VoiceInput
from kiosk.listen.commands import (
    COMMAND_REPLIES,
    COMMAND_REQUESTS,
    NOTHING_TO_READ_MESSAGE,
    READ_AFTER,
)
from kiosk.play.read_aloud import ReadAloud
from kiosk.sound_controls import SoundControls
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.listen import dialogue as voice_dialogue
    from kiosk.listen import language, matching, meaning
    from kiosk.listen.protocol import RequestTiming
    from kiosk.listen.recognition import Recognition
else:
    # The request matcher (with rapidfuzz) and the dialogue over it are first used once Home is
    # painted (the matcher is built then, :meth:`VoiceRequests.prepare`): not imported before.
    voice_dialogue = lazy_module("kiosk.listen.dialogue")
    language = lazy_module("kiosk.listen.language")
    matching = lazy_module("kiosk.listen.matching")
    meaning = lazy_module("kiosk.listen.meaning")

voice_log = logging.getLogger("kiosk.voice")


class VoiceRequests(QObject):
    """Spoken requests through ``voice`` (None: the kiosk cannot listen), shown on ``window``'s
    voice overlay and said through ``sound``. ``do`` makes a request as a tap would; ``count``
    counts uses; ``content`` is the content showing."""

    def __init__(
        self,
        window: KioskWindow,
        voice: VoiceInput | None,
        speech: ReadAloud | None,
        sound: SoundControls,
        do: Callable[[Request], None],
        count: Callable[[str, str], None],
        content: Callable[[], ContentSet],
        matcher_scores: tuple[float, float] = (0.80, 0.60),
        concepts: Mapping[str, Sequence[str]] | None = None,
        log_transcripts: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.voice = voice
        self.speech = speech
        self.sound = sound
        self._do = do
        self._count = count
        self._content = content
        self.matcher_scores = matcher_scores
        self.concepts = concepts
        """The voice profile's everyday words per concept (None: the built-in ones)."""
        self.log_transcripts = log_transcripts
        self._matcher: matching.RequestMatcher | None = None
        self._dialogue: voice_dialogue.VoiceDialogue | None = None
        self.unknown_words: list[str] = []
        """The content's words the recogniser cannot hear (the staff screen lists them)."""
        self._listen_timer = QTimer(self)
        self._listen_timer.setSingleShot(True)
        self._listen_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._listen_timer.timeout.connect(self._open_microphone)
        if speech is not None:
            speech.state_changed.connect(self.speech_state)
        if voice is not None:
            voice.availability_changed.connect(self._show_available)
            voice.state_changed.connect(self._voice_state)
            voice.level.connect(window.voice_overlay.show_level)
            voice.heard.connect(self.heard)
            voice.failed.connect(self._voice_failed)
            voice.vocabulary.connect(self._vocabulary)
        self._show_available(voice is not None and voice.available)

    @property
    def dialogue(self) -> voice_dialogue.VoiceDialogue:
        """The voice dialogue's state: listening, the open question, yes or no (made when
        first needed)."""
        if self._dialogue is None:
            self._dialogue = voice_dialogue.VoiceDialogue()
        return self._dialogue

    @property
    def matcher(self) -> matching.RequestMatcher:
        """What spoken requests are matched against: the content showing (built when first
        needed, if :meth:`prepare` has not built it yet)."""
        if self._matcher is None:
            self.build_matcher()
        assert self._matcher is not None
        return self._matcher

    def build_matcher(self) -> None:
        """Match requests against the content showing (after each reload; at start, by
        :meth:`prepare`), and give the voice input its phrases."""
        accept, confirm = self.matcher_scores
        content = self._content()
        self._matcher = matching.RequestMatcher(content, accept, confirm, self.concepts)
        if self.voice is not None:
            sentences = language.build_language(content, concepts=self.concepts).lines()
            # The voice process gives what it hears its meaning against these texts.
            targets = meaning.target_texts(content)
            self.voice.set_phrases(self._matcher.phrases(), sentences, targets)

    def prepare(self) -> None:
        """Build the matcher if nothing has yet (the kiosk calls this once Home is on screen:
        built before, it held up the first paint by 25-50 ms)."""
        if self._matcher is None:
            self.build_matcher()

    def _vocabulary(self, unknown: list[str]) -> None:
        self.unknown_words = unknown
        if unknown:
            voice_log.warning(
                "the speech recogniser cannot hear these words of the content: %s",
                ", ".join(unknown),
            )

    def _show_available(self, available: bool) -> None:
        self.window.show_voice_state(
            "listening"
            if self._dialogue is not None and self._dialogue.listening
            else ("ready" if available else "unavailable")
        )

    def _show_state(self) -> None:
        self._show_available(self.voice is not None and self.voice.available)

    def _voice_state(self, state: str) -> None:
        overlay = self.window.voice_overlay
        if state == "listening" and overlay.mode == "waiting":
            overlay.show_listening()  # the microphone is open now: "Listening… Say …"
        elif state == "deciding" and overlay.mode == "listening":
            overlay.show_deciding()
        self._show_state()

    def speech_state(self, state: str) -> None:
        """Speech started or stopped: the microphone waits until the kiosk is quiet."""
        if state == "speaking":
            if self.dialogue.microphone_due:
                # Half-duplex: the microphone never hears the kiosk's own voice.
                self._stop_listening()
        else:
            self.dialogue.kiosk_quiet(time.monotonic())
            if state == "idle" and self.dialogue.cue_said():
                self._listen_timer.start(round(voice_dialogue.QUIET_BEFORE_LISTENING_S * 1000) + 10)

    def ask_by_voice(self) -> None:
        """The Ask by voice control or key: listen for one request (again: stop listening)."""
        if self.dialogue.busy:
            self.cancel_voice()
            return
        self.sound.stop_speech()
        self.dialogue.begin()
        self.prepare()  # the recogniser has the content's phrases before it listens
        if self.voice is None or not self.voice.available:
            self._count("voice", "unavailable")
            self._tell(voice_dialogue.VOICE_UNAVAILABLE_MESSAGE)
            return
        self.window.voice_overlay.show_waiting()
        self._listen_after_speaking(voice_dialogue.LISTENING_CUE, voice_dialogue.Step.LISTENING)

    def _listen_after_speaking(self, words: str, step: voice_dialogue.Step) -> None:
        """Say ``words``, then open the microphone once the kiosk has been quiet long enough."""
        if self.speech is not None and self.speech.sound_available:
            self.sound.speak_text(words)
            self.dialogue.listen_after(step, cue_spoken=True)
        else:
            self.dialogue.listen_after(step, cue_spoken=False)
            wait = self.dialogue.wait_s(time.monotonic())
            self._listen_timer.start(round(wait * 1000) + 10)

    def _open_microphone(self) -> None:
        if self.dialogue.step is not voice_dialogue.Step.WAIT:
            return
        answer = self.dialogue.listening_for is voice_dialogue.Step.ANSWER
        if self.voice is None or not self.voice.listen(self.dialogue.listen_ms, answer):
            self.dialogue.stop_listening()
            self._count("voice", "unavailable")
            self._tell(voice_dialogue.VOICE_UNAVAILABLE_MESSAGE)
            return
        self.dialogue.microphone_opened()
        self._show_available(True)

    def _stop_listening(self) -> None:
        self._listen_timer.stop()
        if self.voice is not None:
            self.voice.cancel()
        self.dialogue.stop_listening()
        self._show_state()

    def cancel_voice(self) -> None:
        """Stop listening (the Stop listening control, or Ask by voice again)."""
        if self.dialogue.step is voice_dialogue.Step.CUE:
            self.sound.stop_speech()
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
            self._show_state()
            self._tell(voice_dialogue.VOICE_UNAVAILABLE_MESSAGE)

    def _tell(self, message: str) -> None:
        """Show and say a message about a voice request."""
        self.window.voice_overlay.show_message(message)
        self.sound.speak_text(message)

    def heard(self, heard: Recognition, timing: RequestTiming | None = None) -> None:
        """The voice input's answer to a request: act, ask, or say it was not understood."""
        if not self.dialogue.listening:
            return
        from kiosk.listen.protocol import RequestTiming

        timing = timing or RequestTiming()
        spoke = bool(heard.transcript) or timing.spoke
        # The one decision path, shared with ``hear`` and ``bench voice``: act on what it acts
        # on, ask about what it asks about. (Imported here: it brings the recognisers and their
        # model downloader, which the kiosk's own process needs for nothing else; app.py imports
        # it once Home is painted.)
        from kiosk.listen.hearing import decide

        decision = decide(self.matcher, heard) if heard.transcript else None
        match = decision.match if decision is not None else None
        voice_dialogue.log_request(heard, match, timing, self.log_transcripts)
        turn = self.dialogue.heard(decision, spoke)
        self._show_state()
        outcome = turn.outcome
        if outcome in (voice_dialogue.Outcome.CONFIRMED, voice_dialogue.Outcome.DECLINED):
            self.answer(outcome is voice_dialogue.Outcome.CONFIRMED)
        elif outcome is voice_dialogue.Outcome.ASK_AGAIN:
            self._listen_after_speaking(
                voice_dialogue.ASK_AGAIN_MESSAGE, voice_dialogue.Step.ANSWER
            )
        elif outcome is voice_dialogue.Outcome.TOUCH_YES_NO:
            self.sound.speak_text(voice_dialogue.TOUCH_YES_NO_MESSAGE)
        elif outcome is voice_dialogue.Outcome.NOTHING_HEARD:
            self._count("voice", "nothing-heard")
            self._tell(voice_dialogue.NOTHING_HEARD_MESSAGE)
        elif outcome is voice_dialogue.Outcome.ACT:
            assert turn.match is not None
            self._count("voice", "acted")
            self._act(turn.match)
        elif outcome in (voice_dialogue.Outcome.NOT_RECOGNISED, voice_dialogue.Outcome.NO_QUESTION):
            self._count("voice", "not-recognised")
            self._tell(
                matching.NOT_RECOGNISED_MESSAGE
                if outcome is voice_dialogue.Outcome.NOT_RECOGNISED
                else voice_dialogue.NO_QUESTION_MESSAGE
            )
        elif outcome is voice_dialogue.Outcome.ASK:
            assert turn.match is not None
            question = matching.confirmation_prompt(turn.match, self._content())
            self.window.voice_overlay.show_question(question)
            self._listen_after_speaking(
                f"{question} {voice_dialogue.ANSWER_PROMPT}", voice_dialogue.Step.ANSWER
            )

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
            self._tell(voice_dialogue.DECLINED_MESSAGE)

    def _act(self, match: matching.Match) -> None:
        self.close_voice()
        if isinstance(match, matching.TopicMatch):
            self._do(Request(Intent.TOPIC, TopicChoice(match.topic_id, "voice")))
            self.sound.read_page()
        elif isinstance(match, matching.CommandMatch):
            self.run_command(match.command)

    def run_command(self, command: str) -> None:
        """A spoken command makes its touch control's request; by voice, the kiosk also says
        what changed, reads the page it opened, or says why it did nothing."""
        request = COMMAND_REQUESTS[command]
        if request.intent is Intent.ANSWER:
            # (an open question's answer never comes here)
            self._tell(voice_dialogue.NO_QUESTION_MESSAGE)
        elif request.intent is Intent.READ and self.sound.current_paged_screen() is None:
            self._tell(NOTHING_TO_READ_MESSAGE)
        else:
            self._do(request)
            if command in READ_AFTER:
                self.sound.read_page()
            if command in COMMAND_REPLIES:
                self.sound.speak_text(COMMAND_REPLIES[command])
