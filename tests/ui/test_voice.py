"""Asking by voice, end to end on the real stack: a spoken request is played into the PulseAudio
virtual microphone, the kiosk's voice input process hears it with PocketSphinx, and the real
window acts on it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.core.session import Screen
from kiosk.devtools.rig import PulseRig, play_into_mic
from kiosk.devtools.speechcheck import TRANSCRIBABLE_VOICE, render_espeak
from kiosk.listen.commands import COMMAND_PHRASES
from kiosk.listen.dialogue import NOTHING_HEARD_MESSAGE, Step
from kiosk.listen.hearing import Decision
from kiosk.listen.matching import NOT_RECOGNISED_MESSAGE, RequestMatcher, TopicMatch
from kiosk.listen.protocol import RequestTiming, Vocabulary
from kiosk.listen.recognition import Recognition
from kiosk.play.read_aloud import VOLUME_STEPS_DB
from tests.ui.conftest import KioskUnderTest, build
from tests.ui.helpers import staff_text


@pytest.fixture
def voice_kiosk(qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path) -> KioskUnderTest:
    return build(qtbot, seed_copy, tmp_path, voice=True)


def say(rig: PulseRig, text: str, tmp_path: Path) -> None:
    """Speak ``text`` (espeak-ng) into the kiosk's microphone."""
    wav = render_espeak(text, tmp_path / "request.wav", TRANSCRIBABLE_VOICE)
    play_into_mic(rig, wav)


def ask(qtbot: QtBot, k: KioskUnderTest, rig: PulseRig, text: str, tmp_path: Path) -> None:
    """Press Ask by voice, wait until the microphone is open, say ``text``, wait for the answer."""
    c = k.controller
    assert c.voice is not None
    # What was heard shows in the captured log when a test fails.
    c.voice_requests.log_transcripts = True
    qtbot.mouseClick(k.window.voice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: c.voice_requests.dialogue.step is Step.LISTENING and c.voice.state == "listening",
        timeout=10_000,
    )
    assert k.window.voice_overlay.mode == "listening"
    say(rig, text, tmp_path)
    qtbot.waitUntil(
        lambda: c.voice_requests.dialogue.step is not Step.LISTENING and c.voice.state == "idle",
        timeout=10_000,
    )


def ask_and_confirm(
    qtbot: QtBot,
    k: KioskUnderTest,
    rig: PulseRig,
    text: str,
    tmp_path: Path,
    target: str | None = None,
) -> None:
    """``ask``; when the kiosk is not sure and asks "Did you mean ...?", answer "yes" aloud (a
    question instead of an action is the designed behaviour with a doubtful hearing).

    With ``target`` (a topic id or command name) answer as a patient would: "yes" only when the
    question names it, else "no"; a reply the kiosk did not understand is then left to the
    caller (the kiosk asks once more)."""
    ask(qtbot, k, rig, text, tmp_path)
    c = k.controller
    assert c.voice is not None
    if k.window.voice_overlay.mode == "question":
        pending = c.voice_requests.dialogue.pending
        named = getattr(pending, "topic_id", None) or getattr(pending, "command", None)
        qtbot.waitUntil(
            lambda: c.voice_requests.dialogue.step is Step.ANSWER and c.voice.state == "listening",
            timeout=15_000,
        )
        say(rig, "yes" if target is None or named == target else "no", tmp_path)
        if target is None:
            qtbot.waitUntil(
                lambda: c.voice_requests.dialogue.step is Step.IDLE and c.voice.state == "idle",
                timeout=10_000,
            )
        else:
            qtbot.waitUntil(lambda: c.voice.state == "idle", timeout=10_000)


def test_a_spoken_topic_request_opens_that_topic_and_reads_it(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, tmp_path: Path
) -> None:
    k = voice_kiosk
    assert k.window.voice_button.title == "Ask by voice"
    assert k.controller.voice is not None
    heard: list[Recognition] = []
    k.controller.voice.heard.connect(lambda recognition, _timing: heard.append(recognition))
    ask_and_confirm(qtbot, k, pulse_rig, "I feel tired all the time", tmp_path)
    place = k.controller.navigator.current
    assert (place.screen, place.topic_id) == (Screen.TOPIC, "fatigue")
    assert not k.window.voice_overlay.isVisible()
    # The voice process gave what it heard its meaning (the sentence-meaning model), nearest
    # the topic asked for.
    meaning = dict(heard[0].meaning)
    assert len(meaning) == len(k.controller.content.topics) + len(COMMAND_PHRASES)
    assert max(meaning, key=meaning.__getitem__) == "topic:fatigue", heard[0]
    assert k.controller.speech is not None
    qtbot.waitUntil(lambda: k.controller.speech.state == "speaking", timeout=5000)


def test_a_spoken_command_does_what_its_control_does(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, tmp_path: Path
) -> None:
    k = voice_kiosk
    c = k.controller
    assert c.speech is not None
    c.nav.open_topic("pain")
    before = c.speech.volume_step
    assert before < c.speech.default_volume_step + 1 < len(VOLUME_STEPS_DB)
    ask_and_confirm(qtbot, k, pulse_rig, "louder please", tmp_path)
    assert c.speech.volume_step == before + 1, "the same as pressing Louder"
    assert c.navigator.current.topic_id == "pain"
    # "go to the start" (a phrasing of Home): this voice's "go home" is heard right but with a
    # posterior of 0.38 for "home" (it sounds like "bone"), and on a busy machine it was
    # sometimes not even asked about (README, voice figures).
    ask_and_confirm(qtbot, k, pulse_rig, "go to the start", tmp_path)
    assert c.navigator.current.screen is Screen.HOME


def test_out_of_scope_speech_opens_nothing_and_says_so(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, tmp_path: Path
) -> None:
    k = voice_kiosk
    ask(qtbot, k, pulse_rig, "where is the toilet", tmp_path)
    assert k.controller.navigator.current.screen is Screen.HOME
    overlay = k.window.voice_overlay
    assert overlay.isVisible() and overlay.mode == "message"
    # "didn't catch that" (heard, not understood); the endpointer has also, rarely, missed the
    # speech in the rig ("didn't hear anything"): either way nothing opens.
    assert overlay.title.text() in (NOT_RECOGNISED_MESSAGE, NOTHING_HEARD_MESSAGE)
    qtbot.mouseClick(overlay.ok_button, Qt.MouseButton.LeftButton)
    assert not overlay.isVisible()


def borderline(k: KioskUnderTest) -> tuple[Recognition, str]:
    """A recognition the matcher puts in its "ask first" band (checked, so the tests below cannot
    pass on an accepted match), and the topic it would ask about."""
    matcher = k.controller.voice_requests.matcher
    assert matcher is not None
    for text, confidence in (("tired", 1.0), ("calcium", 1.0), ("my bones hurt", 0.6)):
        heard = Recognition(
            text, confidence, tuple((w, confidence) for w in text.split()), "pocketsphinx"
        )
        match = matcher.match_recognition(heard)
        if isinstance(match, TopicMatch) and not match.confident:
            return heard, match.topic_id
    raise AssertionError("no borderline example: the matcher's bands changed")


def test_a_borderline_request_asks_and_a_spoken_yes_opens_it(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig, tmp_path: Path
) -> None:
    k = voice_kiosk
    c = k.controller
    assert c.voice is not None and c.voice_requests.matcher is not None
    c.voice_requests.log_transcripts = True  # what was heard shows in the log of a failure
    heard, topic_id = borderline(k)
    # Handed over as if the microphone had heard it.
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(heard)
    overlay = k.window.voice_overlay
    assert overlay.mode == "question" and overlay.title.text().startswith("Did you mean")
    assert c.navigator.current.screen is Screen.HOME, "nothing opens before the answer"
    qtbot.waitUntil(
        lambda: c.voice_requests.dialogue.step is Step.ANSWER and c.voice.state == "listening",
        timeout=15_000,
    )
    say(pulse_rig, "yes please", tmp_path)
    qtbot.waitUntil(lambda: c.navigator.current.screen is Screen.TOPIC, timeout=10_000)
    assert c.navigator.current.topic_id == topic_id


def test_no_touched_no_opens_nothing(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, tmp_path: Path
) -> None:
    k = voice_kiosk
    c = k.controller
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(borderline(k)[0])
    assert k.window.voice_overlay.mode == "question"
    qtbot.mouseClick(k.window.voice_overlay.no_button, Qt.MouseButton.LeftButton)
    assert c.navigator.current.screen is Screen.HOME
    assert k.window.voice_overlay.mode == "message"
    assert c.voice_requests.dialogue.pending is None


def test_listening_stops_speech_and_opens_the_microphone_only_after_quiet(
    qtbot: QtBot, voice_kiosk: KioskUnderTest
) -> None:
    k = voice_kiosk
    c = k.controller
    assert c.speech is not None and c.voice is not None
    c.nav.open_topic("pain")
    c.sound.read_page()
    qtbot.waitUntil(lambda: c.speech.state == "speaking", timeout=5000)
    quiet: list[float] = []
    opened: list[float] = []
    c.speech.state_changed.connect(
        lambda s: quiet.append(time.monotonic()) if s == "idle" else None
    )
    c.voice.state_changed.connect(
        lambda s: opened.append(time.monotonic()) if s == "listening" else None
    )
    qtbot.mouseClick(k.window.voice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.voice.state == "listening", timeout=10_000)
    # The reading stopped, the cue "Listening." was said, and the microphone opened >= 300 ms
    # after the kiosk went quiet.
    assert quiet and opened
    assert opened[-1] - quiet[-1] >= 0.3
    assert k.window.voice_button.title == "Stop listening"
    # The kiosk speaking while listening (here: the audio guide) closes the microphone.
    c.sound.speak_text("Something else.")
    qtbot.waitUntil(lambda: c.voice.state == "idle", timeout=3000)
    assert c.voice_requests.dialogue.step is Step.IDLE


def test_no_microphone_says_voice_unavailable_and_plugging_one_in_recovers(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, pulse_rig: PulseRig
) -> None:
    k = voice_kiosk
    c = k.controller
    try:
        pulse_rig.unplug_microphones()
        qtbot.waitUntil(lambda: k.window.voice_button.title == "Voice unavailable", timeout=10_000)
        qtbot.mouseClick(k.window.voice_button, Qt.MouseButton.LeftButton)
        assert k.window.voice_overlay.mode == "message"
        assert "not working" in k.window.voice_overlay.title.text()
        assert any("no microphone" in text for _, text in c.staff.staff_report())
        # Touch keeps working.
        qtbot.mouseClick(k.window.voice_overlay.ok_button, Qt.MouseButton.LeftButton)
        c.nav.open_topic("pain")
        assert c.navigator.current.screen is Screen.TOPIC
    finally:
        pulse_rig.plug_microphones()
    qtbot.waitUntil(lambda: k.window.voice_button.title == "Ask by voice", timeout=10_000)


def test_the_staff_screen_names_the_engine_and_why(voice_kiosk: KioskUnderTest) -> None:
    report = staff_text(voice_kiosk)
    assert "speech recogniser: using PocketSphinx (embedded model), as chosen" in report
    assert "What patients say is not written to the log." in report


def test_transcripts_are_not_logged_unless_staff_turn_that_on(
    qtbot: QtBot, voice_kiosk: KioskUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    c = voice_kiosk.controller
    heard = Recognition("where is the toilet", 0.9, (), "pocketsphinx")
    with caplog.at_level(logging.INFO, logger="kiosk.voice"):
        c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
        c.voice_requests.heard(heard, RequestTiming(reason="end of speech", decode_ms=12))
        c.voice_requests.close_voice()
        assert "toilet" not in caplog.text
        assert "voice request: not recognised" in caplog.text
        c.voice_requests.log_transcripts = True
        c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
        c.voice_requests.heard(heard, RequestTiming(reason="end of speech", decode_ms=12))
        assert "where is the toilet" in caplog.text


def test_content_reload_rebuilds_the_grammar(qtbot: QtBot, voice_kiosk: KioskUnderTest) -> None:
    k = voice_kiosk
    c = k.controller
    assert c.voice is not None
    topic = k.content / "en" / "fatigue.md"
    topic.write_text(
        topic.read_text().replace("  - i'm exhausted\n", "  - i'm exhausted\n  - i am worn out\n")
    )
    c.staff.reload_content()
    qtbot.waitUntil(lambda: "i am worn out" in c.voice._phrases, timeout=5000)
    assert (
        c.voice_requests.matcher is not None
        and "i am worn out" in c.voice_requests.matcher.phrases()
    )
    # The voice process gets the new content's texts for its meaning index too.
    assert "i am worn out" in c.voice._targets["topic:fatigue"]


def test_while_a_question_is_open_only_yes_or_no_acts(
    qtbot: QtBot, voice_kiosk: KioskUnderTest
) -> None:
    k = voice_kiosk
    c = k.controller
    assert c.voice is not None and c.voice_requests.matcher is not None
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(borderline(k)[0])
    assert k.window.voice_overlay.mode == "question"
    other = Recognition("i feel tired all the time", 1.0, (), "pocketsphinx")
    assert getattr(c.voice_requests.matcher.match_recognition(other), "confident", False), (
        "a clear request"
    )
    # A clear request instead of an answer opens nothing; the kiosk asks once more how to answer.
    qtbot.waitUntil(
        lambda: c.voice_requests.dialogue.step is Step.ANSWER and c.voice.state == "listening",
        timeout=15_000,
    )
    c.voice_requests.heard(other, RequestTiming(speech_ms=(100, 900)))
    assert c.navigator.current.screen is Screen.HOME
    assert (
        k.window.voice_overlay.mode == "question" and c.voice_requests.dialogue.pending is not None
    )
    qtbot.waitUntil(
        lambda: c.voice_requests.dialogue.step is Step.ANSWER and c.voice.state == "listening",
        timeout=15_000,
    )
    # The second time it stops listening; the question stays for a touch.
    c.voice_requests.heard(other, RequestTiming(speech_ms=(100, 900)))
    assert c.navigator.current.screen is Screen.HOME
    assert k.window.voice_overlay.mode == "question" and c.voice_requests.dialogue.step is Step.IDLE
    qtbot.mouseClick(k.window.voice_overlay.yes_button, Qt.MouseButton.LeftButton)
    assert c.navigator.current.screen is Screen.TOPIC


def test_the_kiosk_acts_asks_or_refuses_as_hearing_decide_says(
    monkeypatch: pytest.MonkeyPatch, voice_kiosk: KioskUnderTest
) -> None:
    """One decision path: the kiosk does what ``kiosk.listen.hearing.decide`` (the function
    ``hear`` and ``bench voice`` use) decides, and nothing of its own."""
    from kiosk.listen import hearing

    k = voice_kiosk
    c = k.controller
    assert c.voice is not None and c.voice_requests.matcher is not None
    decisions: list[hearing.Decision] = []
    real = hearing.decide  # the controller imports it from kiosk.listen.hearing when it decides

    def spy(matcher: RequestMatcher, heard: Recognition, latency_ms: float = 0.0) -> Decision:
        decisions.append(real(matcher, heard, latency_ms))
        return decisions[-1]

    monkeypatch.setattr(hearing, "decide", spy)
    heard, topic_id = borderline(k)
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(heard)
    assert decisions[-1].asks == topic_id
    assert k.window.voice_overlay.mode == "question"
    assert getattr(c.voice_requests.dialogue.pending, "topic_id", None) == topic_id
    c.voice_requests.answer(False)

    clear = Recognition("i feel tired all the time", 1.0, (), "pocketsphinx")
    assert real(c.voice_requests.matcher, clear).action == "topic", "a clear request"

    # A verdict of "none" with nothing to ask is not acted on, however good the match.
    def refuse(matcher: RequestMatcher, heard: Recognition, latency_ms: float = 0.0) -> Decision:
        decision = real(matcher, heard, latency_ms)
        return Decision(heard, decision.match, "none", None, decision.score)

    monkeypatch.setattr(hearing, "decide", refuse)
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(clear, RequestTiming(speech_ms=(100, 900)))
    assert c.navigator.current.screen is Screen.HOME and c.voice_requests.dialogue.pending is None
    assert k.window.voice_overlay.title.text() == NOT_RECOGNISED_MESSAGE

    monkeypatch.setattr(hearing, "decide", spy)
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(clear, RequestTiming(speech_ms=(100, 900)))
    assert decisions[-1].action == "topic"
    assert c.navigator.current.screen is Screen.TOPIC
    assert c.navigator.current.topic_id == decisions[-1].target


def test_a_line_from_the_voice_process_the_kiosk_cannot_read_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture, voice_kiosk: KioskUnderTest
) -> None:
    voice = voice_kiosk.controller.voice
    assert voice is not None
    unknown: list[list[str]] = []
    voice.vocabulary.connect(unknown.append)
    for line in (b"\xff not json", b'{"event": "result", "id": 1, "confidence": 7}'):
        voice._line(line)  # as read from the process's stdout
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 2 and all("cannot read" in p for p in problems), problems
    caplog.clear()
    voice._line(Vocabulary(()).to_json().encode())
    assert unknown == [[]], "the next good line is read as before"


def test_a_request_asked_while_the_voice_process_hands_over_is_heard(
    qtbot: QtBot,
    voice_kiosk: KioskUnderTest,
    pulse_rig: PulseRig,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After so many content reloads the voice process hands over to a fresh one (its memory
    stays bounded; ``REBUILDS_PER_PROCESS``). A patient who asks by voice just then is heard by
    the fresh process: voice never shows as unavailable, and no request is refused. (Before, the
    kiosk said "voice is not working" for the few seconds of the hand-over: the soak's rare
    "microphone never opened".)"""
    k = voice_kiosk
    c = k.controller
    voice = c.voice
    assert voice is not None
    qtbot.waitUntil(lambda: voice.available, timeout=20_000)
    # The next process hands over at its second language rebuild (its first is at its start).
    voice.arguments += ["--rebuilds", "2"]
    restarts = voice.restarts
    assert voice._process is not None
    voice._process.kill()
    qtbot.waitUntil(lambda: voice.restarts > restarts and voice.available, timeout=20_000)
    assert "voice input stopped" in caplog.text  # (killed: not a planned restart)
    caplog.clear()
    went: list[bool] = []
    voice.availability_changed.connect(went.append)
    failures: list[str] = []
    voice.failed.connect(failures.append)

    # Staff reload the content; the process rebuilds its language and hands over. At once, a
    # patient asks by voice: the microphone opens once the fresh process is ready.
    c.staff.reload_content()
    ask_and_confirm(qtbot, k, pulse_rig, "I feel tired all the time", tmp_path)
    place = c.navigator.current
    assert (place.screen, place.topic_id) == (Screen.TOPIC, "fatigue")
    assert voice.planned_restarts == 1
    assert went == [] and failures == []

    # Asked the moment the process has said it will end (the request reaches it too late),
    # the request goes to the fresh one.
    c.nav.home()
    restarts = voice.restarts
    c.staff.reload_content()
    qtbot.waitUntil(lambda: bool(voice._restarting) or voice.restarts > restarts, timeout=10_000)
    assert voice.listen(4000)
    qtbot.waitUntil(lambda: voice.state == "listening", timeout=15_000)
    voice.cancel()
    assert voice.planned_restarts == 2
    assert went == [] and failures == []
