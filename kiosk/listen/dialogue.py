"""The voice dialogue: one spoken request and, when the kiosk is not sure what was meant, its
"Did you mean ...?" question and the yes or no to it.

Pure (no Qt, no recogniser, no clock of its own): ``kiosk/voice_requests.py`` tells the dialogue
what happened (the cue was said, the kiosk went quiet, the microphone opened, words came back)
and does what the dialogue's answer says (speak, show, count, act). All of the dialogue's state
is here: :attr:`VoiceDialogue.step`, what the microphone opens for, the open question
(:attr:`VoiceDialogue.pending`) and whether "Please say yes or no" was said for it. What the
overlay shows is the window's business. :func:`log_request` writes each request's log line.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from kiosk.listen.matching import CommandMatch, Match, TopicMatch
from kiosk.listen.recognition import words_of

if TYPE_CHECKING:
    # Only the types: kiosk.listen.hearing brings the recognisers, which the kiosk's own process
    # imports once Home is painted (``kiosk.voice_requests`` imports ``decide`` when it decides).
    from kiosk.listen.hearing import Decision
    from kiosk.listen.protocol import RequestTiming
    from kiosk.listen.recognition import Recognition

log = logging.getLogger("kiosk.voice")

QUIET_BEFORE_LISTENING_S: Final = 0.3
"""The microphone is ignored while the kiosk speaks and for this long after."""
REQUEST_LISTEN_MS: Final = 8000
"""The longest the microphone listens for a request."""
ANSWER_LISTEN_MS: Final = 5000
"""The longest the microphone listens for a yes or no."""

LISTENING_CUE: Final = "Listening."
NOTHING_HEARD_MESSAGE: Final = "Sorry, I didn't hear anything. You can also touch a topic."
VOICE_UNAVAILABLE_MESSAGE: Final = (
    "Sorry, asking by voice is not working at the moment. Please touch a topic."
)
NO_QUESTION_MESSAGE: Final = "There is no question to answer. You can say the name of a topic."
ANSWER_PROMPT: Final = "Please say yes or no."
"""Said after the question ("Did you mean Tiredness? Please say yes or no.")."""
ASK_AGAIN_MESSAGE: Final = "Please say yes or no, or touch Yes or No."
TOUCH_YES_NO_MESSAGE: Final = "Touch Yes or No."
DECLINED_MESSAGE: Final = "All right. Please ask again, or touch a topic."

YES_WORDS: Final = frozenset({"yes", "yeah", "yep", "correct", "exactly", "right"})
"""Words that, heard in an answer to "Did you mean ...?", say yes (from the yes command's
phrasings in :mod:`kiosk.listen.commands`)."""
NO_WORDS: Final = frozenset({"no", "nope", "wrong", "not"})
"""Words that, heard in an answer, say no (from the no command's phrasings). Not "isn't": the
one phrasing with it ("no it isn't") has "no" too, and in babble or a garbled yes the answer
language hears a stray "isn't" ("yes correct" at 10 dB as "isn't rain"). Measured on the voice
bench's answers heard three times (the bench's 312 clips and two more renditions of each;
``hear_answers``'s path, decided by :func:`heard_answer`), development half: yeses and noes heard
right 226 of 360 with or without it; yeses taken for a no 18 -> 15 of 180, other speech taken
for a no 26 -> 24 of 108. The held-out half, only reported: right 235 -> 236, 21 -> 20 and
17 -> 14. Without "not" as well, yeses taken for a no fell to 7 of 180 (development) but right
answers to 196 of 360: "not that" and "not that one" are a patient's no, not kept."""


def answer_in(transcript: str) -> bool | None:
    """Yes (True) or no (False) when the words of ``transcript`` hold answer words of one side
    only; None when they hold none or both ("not right").

    While a question is open only yes or no can answer it, so the answer word counts wherever
    it is heard: the kiosk's own voice saying "yes please" through the test room was once heard
    as "yes breathe", which matches no command as a whole."""
    words = set(words_of(transcript))
    yes, no = bool(words & YES_WORDS), bool(words & NO_WORDS)
    return yes if yes != no else None


ANSWER_AGREEMENT: Final = 0.3
"""The share of the recogniser's best paths' posterior (its alternatives) that must give the
same answer for it to count. Chosen on the development half of the voice bench's answers
(:func:`kiosk.devtools.voiceset.answer_clips`, heard with the answer language), in two
renderings (the bench's, and one at other rates, pitches and noise): at 0.3 none of the noes
and other speech was taken for a yes, where without the rule 4 and 3 of 96 were; right answers
(clean / 10 dB / 5 dB, of 40 yeses and noes each) 31 / 29 / 19 and 32 / 28 / 21, against 32 / 29 /
21 and 33 / 30 / 24 without it; at 0.5, 28 / 25 / 16 and 31 / 27 / 21."""


CHOICE_AGREEMENT: Final = 0.2
"""The share of the answer language's best paths' posterior that must give the answer the choice
decode heard (:attr:`kiosk.listen.recognition.Recognition.choice`) for that answer to count
where the answer language's own transcript gives none or the other."""
CHOICE_SHARE: Final = 0.7
"""The share of the choice decode's own best paths that must give that answer too."""


def heard_answer(decision: Decision) -> bool | None:
    """Yes (True), no (False) or neither (None): what was heard while a "Did you mean ...?"
    question was open (``hearing.decide``'s decision on it). The kiosk, ``hear --answer`` and
    ``bench voice`` all take the answer from here.

    Only yes or no can answer the question: the words' own match counts even where the evidence
    was too low to act on it as a request ("yes please" in the kiosk's own voice is heard
    exactly, with the evidence of a two-word request), and otherwise an answer word anywhere in
    the words (:func:`answer_in`). When the recogniser gave its best paths (PocketSphinx), at
    least ``ANSWER_AGREEMENT`` of their posterior must give that answer too: heard in babble,
    the answer language turns noise into a stray "right" or "that one" more often than the
    request language did.

    PocketSphinx also decodes an answer with a grammar of the answers alone (``choice``): the
    answer it hears is taken where the answer language heard none, or the other one, when at
    least ``CHOICE_AGREEMENT`` of the answer language's best paths and ``CHOICE_SHARE`` of its
    own give it too; where the two disagree and it falls short, neither counts. Chosen on the
    voice bench's development answers heard three times (its 312 clips and two more renditions
    of each; 180 yeses, 180 noes and 108 other phrases a half), from the two decodes of each
    answer, as the most right answers with no no or other speech taken for a yes (0.1 and 0.5:
    4 of 288 taken for a yes). Heard again through the kiosk's path (2026-12-08), right answers
    (clean / 10 dB / 5 dB, of 120 each) went from 96 / 73 / 57 to 101 / 78 / 61, yeses taken for
    a no from 15 to 20 of 180 and other speech taken for an answer (nearly all for a no) from 24
    to 29 of 108, with none taken for a yes. The held-out half, only reported: 102 / 71 / 63 ->
    105 / 75 / 68, yeses taken for a no 20 -> 14, noes and other speech taken for a yes 4 -> 4 of
    288, other speech taken for an answer 18 -> 21. Forced to one of the answers, the choice
    decode alone heard the held-out yeses and noes rightly 115 / 85 / 88 times of 120 but took 31
    of 288 noes and other phrases for a yes. The choice decode takes 26 / 72 ms (p50 / p95)."""
    told = _told_answer(decision)
    heard = decision.heard
    if not heard.choice:
        return told
    chosen = answer_in(heard.choice[0][0])
    if told is not None and (chosen is None or chosen == told):
        return told
    if chosen is None:
        return None
    if (
        _answer_shares(heard.alternatives)[chosen] < CHOICE_AGREEMENT
        or _answer_shares(heard.choice)[chosen] < CHOICE_SHARE
    ):
        return None
    return chosen


def _told_answer(decision: Decision) -> bool | None:
    """The answer in the answer language's words and best paths (see :func:`heard_answer`)."""
    answer: bool | None = None
    for found in (decision.match, decision.said):
        if isinstance(found, CommandMatch) and found.command in ("yes", "no"):
            answer = found.command == "yes"
            break
    heard = decision.heard
    if answer is None:
        answer = answer_in(heard.transcript)
    if answer is None or not heard.alternatives:
        return answer
    shares = _answer_shares(heard.alternatives)
    if shares[answer] < ANSWER_AGREEMENT or shares[answer] < shares[not answer]:
        return None
    return answer


def _answer_shares(paths: tuple[tuple[str, float], ...]) -> dict[bool, float]:
    """How much of ``paths``' shares gives yes (True) and no (False)."""
    shares = {True: 0.0, False: 0.0}
    for text, share in paths:
        said = answer_in(text) if text else None
        if said is not None:
            shares[said] += share
    return shares


class Step(enum.Enum):
    """Where the dialogue is."""

    IDLE = "idle"
    """Not listening (a message or a question may still be on screen)."""
    CUE = "cue"
    """Saying the cue or the question; the microphone opens once the kiosk is quiet after it."""
    WAIT = "wait"
    """Quiet before the microphone opens (the kiosk's own voice must not be heard)."""
    LISTENING = "listening"
    """The microphone is open for a request."""
    ANSWER = "answer"
    """The microphone is open for a yes or no to the open question."""


class Outcome(enum.Enum):
    """What the kiosk does with what the microphone heard."""

    ACT = "act"
    """A match good enough to act on: do it."""
    ASK = "ask"
    """Ask "Did you mean ...?" about the match (now :attr:`VoiceDialogue.pending`)."""
    NOTHING_HEARD = "nothing-heard"
    """No speech: say ``NOTHING_HEARD_MESSAGE``."""
    NOT_RECOGNISED = "not-recognised"
    """Speech, but nothing to act on or ask about: say ``NOT_RECOGNISED_MESSAGE``."""
    NO_QUESTION = "no-question"
    """A doubtful "yes" or "no" with no question open: say ``NO_QUESTION_MESSAGE``."""
    CONFIRMED = "confirmed"
    """"Yes" to the open question."""
    DECLINED = "declined"
    """"No" to the open question."""
    ASK_AGAIN = "ask-again"
    """Anything but yes or no to the open question, the first time: ``ASK_AGAIN_MESSAGE``, and
    listen for the answer again (a misheard "yes" must not open some other page)."""
    TOUCH_YES_NO = "touch-yes-no"
    """... and the second time: ``TOUCH_YES_NO_MESSAGE``; listening stops, the question stays
    on screen for a touch."""


@dataclass(frozen=True)
class Turn:
    """The dialogue's answer to what was heard."""

    outcome: Outcome
    match: Match | None = None
    """The match acted on (``ACT``) or asked about (``ASK`` and the answers to a question)."""


class VoiceDialogue:
    """One request by voice at a time: listening, the question, yes or no."""

    def __init__(self) -> None:
        self.step = Step.IDLE
        self.listening_for = Step.LISTENING
        """What the microphone opens for next: a request (LISTENING) or an answer (ANSWER)."""
        self.pending: TopicMatch | CommandMatch | None = None
        """The match the open question ("Did you mean ...?") is about, if a question is open."""
        self.asked_again = False
        """"Please say yes or no" was said for the open question."""
        self.quiet_since = 0.0
        """When the kiosk last stopped speaking (the caller's monotonic clock)."""

    # -- what the kiosk asks -----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A request is under way: the cue is being said, or the microphone is due or open."""
        return self.step is not Step.IDLE

    @property
    def listening(self) -> bool:
        """The microphone is open (for a request or an answer)."""
        return self.step in (Step.LISTENING, Step.ANSWER)

    @property
    def microphone_due(self) -> bool:
        """The microphone is open or about to open: the kiosk speaking must close it
        (half-duplex: it never hears the kiosk's own voice)."""
        return self.step in (Step.WAIT, Step.LISTENING, Step.ANSWER)

    @property
    def open(self) -> bool:
        """Something of a request is left: listening, or a question open."""
        return self.busy or self.pending is not None

    @property
    def listen_ms(self) -> int:
        """How long the microphone listens when it opens now."""
        return ANSWER_LISTEN_MS if self.listening_for is Step.ANSWER else REQUEST_LISTEN_MS

    def wait_s(self, now: float) -> float:
        """How long to wait at ``now`` before the microphone may open (quiet long enough)."""
        return max(0.0, QUIET_BEFORE_LISTENING_S - (now - self.quiet_since))

    # -- what happened -----------------------------------------------------------------------
    def begin(self) -> None:
        """Ask by voice: a new request (a question still on screen is dropped)."""
        self.pending = None

    def listen_after(self, step: Step, cue_spoken: bool) -> None:
        """The microphone is to open for ``step`` (LISTENING or ANSWER): once the cue being
        said is over (``cue_spoken``), else once the kiosk has been quiet long enough."""
        self.listening_for = step
        self.step = Step.CUE if cue_spoken else Step.WAIT

    def kiosk_quiet(self, now: float) -> None:
        """The kiosk is not speaking (stopped or paused) at ``now``."""
        self.quiet_since = now

    def cue_said(self) -> bool:
        """The kiosk's speech ended. True when that was the cue: wait
        ``QUIET_BEFORE_LISTENING_S``, then open the microphone."""
        if self.step is Step.CUE:
            self.step = Step.WAIT
            return True
        return False

    def microphone_opened(self, step: Step | None = None) -> None:
        """The microphone opened, listening for ``step`` (default: what it was opened for)."""
        self.step = step if step is not None else self.listening_for

    def stop_listening(self) -> None:
        """The microphone closed (or never opened) without an answer."""
        self.step = Step.IDLE

    def cancel(self) -> bool:
        """Nothing of the request stays. True when a question was left unanswered."""
        self.step = Step.IDLE
        unanswered = self.pending is not None
        self.pending = None
        return unanswered

    def take_answer(self) -> TopicMatch | CommandMatch | None:
        """Yes or no was given (touched or said): the match the question was about, which is
        no longer pending; None when no question was open."""
        match, self.pending = self.pending, None
        return match

    def heard(self, decision: Decision | None, spoke: bool) -> Turn:
        """The microphone's answer while listening: ``decision`` is ``hearing.decide``'s on the
        words heard (None when no words came back); ``spoke``: speech was heard at all."""
        step, self.step = self.step, Step.IDLE
        if step is Step.ANSWER and self.pending is not None:
            answer = heard_answer(decision) if decision is not None else None
            if answer is not None:
                return Turn(Outcome.CONFIRMED if answer else Outcome.DECLINED, self.pending)
            if not self.asked_again:
                self.asked_again = True
                return Turn(Outcome.ASK_AGAIN, self.pending)
            return Turn(Outcome.TOUCH_YES_NO, self.pending)
        if decision is None:
            return Turn(Outcome.NOT_RECOGNISED if spoke else Outcome.NOTHING_HEARD)
        if decision.action != "none":
            return Turn(Outcome.ACT, decision.match)
        if decision.asks is None:
            return Turn(Outcome.NOT_RECOGNISED, decision.match)
        asked = decision.match
        assert isinstance(asked, TopicMatch | CommandMatch)
        if isinstance(asked, CommandMatch) and asked.command in ("yes", "no"):
            return Turn(Outcome.NO_QUESTION, asked)
        self.pending = asked
        self.asked_again = False
        return Turn(Outcome.ASK, asked)


def log_request(
    heard: Recognition, match: Match | None, timing: RequestTiming, transcripts: bool
) -> None:
    """Log one request: what kind of match, the engine and the timing; what was said only
    with ``transcripts`` (staff's log_transcripts setting)."""
    if match is None:
        outcome = "nothing recognised"
    elif isinstance(match, TopicMatch):
        outcome = f"topic ({'accepted' if match.confident else 'asked to confirm'})"
    elif isinstance(match, CommandMatch):
        outcome = f"command ({'accepted' if match.confident else 'asked to confirm'})"
    else:
        outcome = "not recognised"
    log.info(
        "voice request: %s; engine %s, ended by %s after %s ms (speech at %s ms), decoding "
        "took %s ms",
        outcome,
        heard.engine,
        timing.reason or "?",
        "?" if timing.audio_ms is None else timing.audio_ms,
        list(timing.speech_ms),
        "?" if timing.decode_ms is None else timing.decode_ms,
    )
    if transcripts:
        target = getattr(match, "topic_id", None) or getattr(match, "command", None)
        log.info("heard %r (confidence %.2f) -> %s", heard.transcript, heard.confidence, target)
