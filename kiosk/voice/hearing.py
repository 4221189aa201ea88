"""One spoken request, start to decision: the code path shared by ``hear`` and ``bench voice``.

Audio files are read much faster than real time, so the latency a patient would feel is
simulated exactly: the utterance is streamed in pieces of ``PIECE_SECONDS``; piece k "arrives" at
t_k, the audio time of its end, and the recogniser works through the pieces as a queue:
``done_k = max(done_{k-1}, t_k) + cost_k`` (cost_k: the measured time ``feed`` took). The latency
is ``done_last + cost(finish + match) - t_end``: end of audio to decision, as on a live
microphone where the recogniser decodes while the patient speaks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kiosk.voice.endpoint import LIMIT_MS, Endpointer
from kiosk.voice.matching import CommandMatch, Match, RequestMatcher, TopicMatch
from kiosk.voice.recognisers import RATE, Recogniser, Recognition, create_recogniser

if TYPE_CHECKING:
    from kiosk.content.model import ContentSet

PIECE_SECONDS: Final = 0.1
"""How much audio each streamed piece holds (a microphone delivers about this much at once)."""


@dataclass(frozen=True)
class Decision:
    """What the kiosk does with one utterance."""

    heard: Recognition
    match: Match
    action: str
    """"topic", "command" or "none" (nothing, or only good enough to ask "Did you mean ...?")."""
    target: str | None
    """The topic id or command name acted on; None when ``action`` is "none"."""
    score: float
    """0..1: the match score (0 when nothing matched)."""
    latency_ms: float
    """End of audio to decision, streaming in real time (see the module doc)."""

    @property
    def asks(self) -> str | None:
        """The topic id or command the kiosk would ask about ("Did you mean ...?"), else None."""
        if isinstance(self.match, TopicMatch) and not self.match.confident:
            return self.match.topic_id
        if isinstance(self.match, CommandMatch) and not self.match.confident:
            return self.match.command
        return None


def kiosk_listener(
    content: ContentSet,
    engine: str | None = None,
    *,
    profile_file: Path | None = None,
    models_dir: Path | None = None,
) -> tuple[Recogniser, RequestMatcher, str, list[str]]:
    """The kiosk's recogniser and matcher for ``content``, as the kiosk builds them: the voice
    profile's recogniser settings and cut-offs, the grammar from the matcher's phrases.
    Returns (recogniser, matcher, the engine choice in plain words, words the engine does not
    know). ``engine``: "vosk", "pocketsphinx", or "auto"/None for the profile's order. Raises
    EngineUnavailable or ValueError like :func:`create_recogniser`."""
    from kiosk.paths import MODELS_DIR, VOICES_DIR
    from kiosk.speech.profile import load_profile

    profile, _ = load_profile(profile_file or VOICES_DIR / "en.toml")
    settings = profile.recogniser
    matcher = RequestMatcher(content, settings.accept_score, settings.confirm_score)
    recogniser, reason = create_recogniser(settings, models_dir or MODELS_DIR, engine)
    unknown = recogniser.set_phrases(matcher.phrases())
    return recogniser, matcher, reason, unknown


def decide(match: Match) -> tuple[str, str | None, float]:
    """(action, target, score) for a match: only confident matches are acted on."""
    if isinstance(match, TopicMatch) and match.confident:
        return "topic", match.topic_id, match.score
    if isinstance(match, CommandMatch) and match.confident:
        return "command", match.command, match.score
    return "none", None, float(getattr(match, "score", 0.0))


def hear_utterance(
    recogniser: Recogniser,
    matcher: RequestMatcher,
    pcm16k: bytes,
    piece_seconds: float = PIECE_SECONDS,
) -> Decision:
    """Stream ``pcm16k`` (16 kHz mono int16) through the kiosk's endpointer and recogniser in
    real-time order, match the result, and time end of audio to decision as a live microphone
    would see it.

    As in the kiosk, the endpointer decides what the recogniser gets (the request, not the room
    before it) and where listening ends; a file that ends first ends listening there. "End of
    audio" is where listening ended, so latency is the decoding and matching left after it."""
    pcm = pcm16k[: len(pcm16k) // 2 * 2]
    piece = max(2, int(RATE * piece_seconds) * 2)
    done = 0.0
    end = len(pcm) / (2 * RATE)
    endpointer = Endpointer(limit_ms=max(LIMIT_MS, int(end * 1000) + 1000))
    recogniser.start()
    try:
        for offset in range(0, len(pcm), piece):
            chunk = pcm[offset : offset + piece]
            arrives = (offset + len(chunk)) / (2 * RATE)
            started = time.perf_counter()
            feed = endpointer.push(chunk)
            if feed:
                recogniser.feed(feed)
            done = max(done, arrives) + time.perf_counter() - started
            if endpointer.done:
                end = endpointer.elapsed_ms / 1000
                break
    except BaseException:
        recogniser.cancel()
        raise
    endpointer.finish()
    started = time.perf_counter()
    if endpointer.started:
        heard = recogniser.finish()
    else:  # nothing was said (as in the kiosk's voice input process)
        recogniser.cancel()
        heard = Recognition.nothing(recogniser.name)
    match = matcher.match_recognition(heard)
    done = max(done, end) + time.perf_counter() - started
    action, target, score = decide(match)
    return Decision(heard, match, action, target, score, (done - end) * 1000)
