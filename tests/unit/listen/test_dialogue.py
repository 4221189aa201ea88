"""The voice dialogue without a display: its steps, the question, yes or no (the kiosk's wiring
of it is tested on the real window in tests/ui/test_voice.py)."""

from __future__ import annotations

import pytest

from kiosk.listen.commands import COMMAND_PHRASES
from kiosk.listen.dialogue import (
    ANSWER_LISTEN_MS,
    QUIET_BEFORE_LISTENING_S,
    REQUEST_LISTEN_MS,
    Outcome,
    Step,
    Turn,
    VoiceDialogue,
    answer_in,
    heard_answer,
)
from kiosk.listen.hearing import Decision
from kiosk.listen.matching import CommandMatch, Match, NotRecognised, TopicMatch
from kiosk.listen.recognition import Recognition

DOUBTFUL_TOPIC = TopicMatch("fatigue", 0.7, confident=False)
SURE_TOPIC = TopicMatch("pain", 0.95, confident=True)


def decision(match: Match) -> Decision:
    """What ``hearing.decide`` makes of ``match``: act on a confident one, else "none"."""
    heard = Recognition("words", 1.0, (), "pocketsphinx")
    if isinstance(match, TopicMatch) and match.confident:
        return Decision(heard, match, "topic", match.topic_id, match.score)
    if isinstance(match, CommandMatch) and match.confident:
        return Decision(heard, match, "command", match.command, match.score)
    return Decision(heard, match, "none", None, getattr(match, "score", 0.0))


def listening(dialogue: VoiceDialogue, step: Step = Step.LISTENING) -> VoiceDialogue:
    """The cue said, the kiosk quiet, the microphone open for ``step``."""
    dialogue.listen_after(step, cue_spoken=True)
    assert dialogue.cue_said()
    dialogue.microphone_opened()
    assert dialogue.step is step and dialogue.listening
    return dialogue


def asked(dialogue: VoiceDialogue) -> VoiceDialogue:
    """A doubtful request heard: the question is open and the microphone open for the answer."""
    assert listening(dialogue).heard(decision(DOUBTFUL_TOPIC), True) == Turn(
        Outcome.ASK, DOUBTFUL_TOPIC
    )
    return listening(dialogue, Step.ANSWER)


def test_the_microphone_opens_only_after_the_cue_and_is_closed_by_the_kiosk_speaking() -> None:
    d = VoiceDialogue()
    assert d.step is Step.IDLE and not d.busy and not d.open
    d.begin()
    d.listen_after(Step.LISTENING, cue_spoken=True)
    assert d.step is Step.CUE and d.busy and not d.listening
    assert not d.microphone_due, "the cue itself is the kiosk speaking"
    d.kiosk_quiet(5.0)  # paused: quiet, but the cue is not over
    assert d.step is Step.CUE
    assert d.cue_said()
    assert d.step is Step.WAIT and d.microphone_due and not d.listening
    assert d.listen_ms == REQUEST_LISTEN_MS
    d.microphone_opened()
    assert d.step is Step.LISTENING and d.listening and d.microphone_due
    d.stop_listening()
    assert d.step is Step.IDLE and not d.cue_said()


def test_without_sound_the_microphone_waits_for_the_quiet_after_the_last_speech() -> None:
    d = VoiceDialogue()
    d.kiosk_quiet(10.0)
    d.listen_after(Step.LISTENING, cue_spoken=False)
    assert d.step is Step.WAIT
    assert d.wait_s(10.1) == pytest.approx(QUIET_BEFORE_LISTENING_S - 0.1)
    assert d.wait_s(11.0) == 0.0


def test_what_was_heard_is_acted_on_asked_about_or_refused() -> None:
    d = VoiceDialogue()
    assert listening(d).heard(None, False) == Turn(Outcome.NOTHING_HEARD)
    assert d.step is Step.IDLE and not d.listening
    assert listening(d).heard(None, True) == Turn(Outcome.NOT_RECOGNISED)
    assert listening(d).heard(decision(SURE_TOPIC), True) == Turn(Outcome.ACT, SURE_TOPIC)
    home = CommandMatch("home", 0.9, confident=True)
    assert listening(d).heard(decision(home), True) == Turn(Outcome.ACT, home)
    nothing = NotRecognised("where is the toilet", "no match")
    assert listening(d).heard(decision(nothing), True) == Turn(Outcome.NOT_RECOGNISED, nothing)
    doubtful_yes = CommandMatch("yes", 0.6, confident=False)
    assert listening(d).heard(decision(doubtful_yes), True) == Turn(
        Outcome.NO_QUESTION, doubtful_yes
    )
    assert d.pending is None and not d.open
    assert listening(d).heard(decision(DOUBTFUL_TOPIC), True) == Turn(Outcome.ASK, DOUBTFUL_TOPIC)
    assert d.pending == DOUBTFUL_TOPIC and d.open and not d.asked_again


def test_while_a_question_is_open_only_yes_or_no_answers_it() -> None:
    d = asked(VoiceDialogue())
    assert d.listen_ms == ANSWER_LISTEN_MS
    # A clear request instead of an answer opens nothing: ask once more how to answer...
    assert d.heard(decision(SURE_TOPIC), True) == Turn(Outcome.ASK_AGAIN, DOUBTFUL_TOPIC)
    assert d.asked_again and d.pending == DOUBTFUL_TOPIC
    # ... and the second time stop listening; the question stays for a touch.
    assert listening(d, Step.ANSWER).heard(None, True) == Turn(Outcome.TOUCH_YES_NO, DOUBTFUL_TOPIC)
    assert d.step is Step.IDLE and d.pending == DOUBTFUL_TOPIC and d.open
    assert d.take_answer() == DOUBTFUL_TOPIC
    assert d.pending is None and d.take_answer() is None


def test_yes_or_no_said_answers_the_question_even_when_doubtful() -> None:
    for word, outcome in (("yes", Outcome.CONFIRMED), ("no", Outcome.DECLINED)):
        for confident in (True, False):
            d = asked(VoiceDialogue())
            said = CommandMatch(word, 0.6, confident)
            assert d.heard(decision(said), True) == Turn(outcome, DOUBTFUL_TOPIC)
            assert d.pending == DOUBTFUL_TOPIC, "until the kiosk takes the answer"
    # A new question starts with its own "ask once more".
    d = asked(VoiceDialogue())
    d.heard(None, True)
    d.cancel()
    assert not asked(d).asked_again


def test_a_yes_with_too_little_evidence_for_a_request_still_answers_the_question() -> None:
    """The words matched yes (``said``) but the evidence made the match "not recognised": as an
    answer to "Did you mean ...?" the words count; as a request nothing happens."""
    heard = Recognition("yes please", 1.0, (("yes", 1.0), ("please", 1.0)), "pocketsphinx")
    too_little = NotRecognised("yes please", "too little evidence")
    said = CommandMatch("yes", 1.0, confident=True)
    weak = Decision(heard, too_little, "none", None, 0.0, said=said)
    assert asked(VoiceDialogue()).heard(weak, True) == Turn(Outcome.CONFIRMED, DOUBTFUL_TOPIC)
    assert listening(VoiceDialogue()).heard(weak, True) == Turn(Outcome.NOT_RECOGNISED, too_little)


def test_an_answer_word_heard_among_others_answers_the_question() -> None:
    """The kiosk's own "yes please" was once heard as "yes breathe" (no command as a whole):
    while a question is open the answer word counts; words of both sides answer nothing."""
    for transcript, outcome in (
        ("yes breathe", Outcome.CONFIRMED),
        ("yeah i think so", Outcome.CONFIRMED),
        ("oh no bone", Outcome.DECLINED),
    ):
        heard = Recognition(transcript, 0.5, (), "pocketsphinx")
        unclear = NotRecognised(transcript, "too little evidence")
        d = asked(VoiceDialogue())
        assert d.heard(Decision(heard, unclear, "none", None, 0.0), True) == Turn(
            outcome, DOUBTFUL_TOPIC
        )
        # As a request (no question open) the same words do nothing.
        plain = listening(VoiceDialogue())
        assert plain.heard(Decision(heard, unclear, "none", None, 0.0), True).outcome is (
            Outcome.NOT_RECOGNISED
        )
    for transcript in ("not right", "bone pain", ""):
        heard = Recognition(transcript, 0.5, (), "pocketsphinx")
        d = asked(VoiceDialogue())
        got = d.heard(Decision(heard, NotRecognised(transcript, "x"), "none", None, 0.0), True)
        assert got == Turn(Outcome.ASK_AGAIN, DOUBTFUL_TOPIC), transcript


def test_an_answer_counts_only_where_the_recognisers_best_paths_agree_with_it() -> None:
    """Heard in babble, the answer language turns noise into a stray "right" or "that one":
    with the recogniser's best paths (PocketSphinx), their posterior must give the answer at
    least ANSWER_AGREEMENT of the time, and more than the other answer."""

    def heard(transcript: str, paths: tuple[tuple[str, float], ...]) -> Decision:
        recognition = Recognition(transcript, 0.5, (), "pocketsphinx", paths)
        return Decision(recognition, NotRecognised(transcript, "x"), "none", None, 0.0)

    assert heard_answer(heard("yes please", (("yes please", 0.6), ("yes", 0.2)))) is True
    assert heard_answer(heard("no it isn't", (("no it isn't", 0.35), ("the key", 0.65)))) is False
    # A stray "isn't" is no answer: "yes correct" in babble was heard as "isn't rain".
    assert heard_answer(heard("isn't rain", (("isn't rain", 0.5), ("it isn't rain", 0.3)))) is None
    # Most of the paths heard no answer, or the other one.
    assert heard_answer(heard("where exactly late", (("where exactly late", 0.2),))) is None
    assert heard_answer(heard("that's right", (("that's right", 0.35), ("not it", 0.45)))) is None
    # A recogniser without best paths (Vosk): the words alone.
    assert heard_answer(heard("yes please", ())) is True
    # The kiosk itself: the doubtful "yes" is not taken as an answer.
    d = asked(VoiceDialogue())
    got = d.heard(heard("when exactly late", (("when exactly late", 0.1), ("when the", 0.9))), True)
    assert got == Turn(Outcome.ASK_AGAIN, DOUBTFUL_TOPIC)


def test_the_choice_decode_says_which_answer_where_the_answer_language_says_it_was_one() -> None:
    """PocketSphinx also decodes an answer with a grammar of the answers alone (``choice``): its
    answer counts where the answer language's transcript gives none or the other, when enough
    of the answer language's paths (CHOICE_AGREEMENT) and of its own (CHOICE_SHARE) give it."""
    from kiosk.listen.dialogue import CHOICE_AGREEMENT, CHOICE_SHARE

    def heard(
        transcript: str, paths: tuple[tuple[str, float], ...], choice: tuple[tuple[str, float], ...]
    ) -> Decision:
        recognition = Recognition(transcript, 0.5, (), "pocketsphinx", paths, choice=choice)
        return Decision(recognition, NotRecognised(transcript, "x"), "none", None, 0.0)

    sure_yes = (("yes thank you", 0.8), ("yes", 0.2))
    # "yes thank you" heard by the answer language as "no stand two", a stray "yes" among its paths.
    garbled = (("no stand two", 0.5), ("yes stand two", CHOICE_AGREEMENT), ("stand two", 0.3))
    assert heard_answer(heard("no stand two", garbled, ())) is False  # the language alone
    assert heard_answer(heard("no stand two", garbled, sure_yes)) is True
    # Too few of the answer language's paths give it: other speech forced onto an answer.
    stray = (("by don't know", 0.9), ("yes don't know", CHOICE_AGREEMENT - 0.01))
    assert heard_answer(heard("by don't know", stray, sure_yes)) is None
    # The choice decode unsure of its own answer.
    unsure = (("yes", CHOICE_SHARE - 0.01), ("no", 1.0 - CHOICE_SHARE + 0.01))
    assert heard_answer(heard("no stand two", garbled, unsure)) is None
    # Where both say the same, or the choice gives none, the answer language's answer stands;
    # where they disagree and the choice falls short, neither counts.
    told_no = (("no thanks", 0.9), ("yes thanks", 0.1))
    assert heard_answer(heard("no thanks", told_no, (("no thanks", 0.9),))) is False
    assert heard_answer(heard("no thanks", told_no, ())) is False
    assert heard_answer(heard("no thanks", told_no, sure_yes)) is None


def test_the_answer_words_agree_with_the_yes_and_no_commands() -> None:
    """Every yes phrasing with an answer word is yes, every no phrasing no; none is the other."""
    for command, expected in (("yes", True), ("no", False)):
        found = [answer_in(phrasing) for phrasing in COMMAND_PHRASES[command]]
        assert not [a for a in found if a is not None and a is not expected], command
        assert sum(a is expected for a in found) >= len(found) - 2, (command, found)


def test_cancel_says_whether_a_question_was_left_unanswered() -> None:
    d = VoiceDialogue()
    assert not d.cancel()
    d = asked(VoiceDialogue())
    assert d.cancel()
    assert d.step is Step.IDLE and d.pending is None and not d.open
    d = asked(VoiceDialogue())
    d.stop_listening()
    d.begin()  # Ask by voice again: the question on screen is dropped
    assert d.pending is None and not d.cancel()
