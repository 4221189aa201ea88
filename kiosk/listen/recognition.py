"""What a speech recogniser gives back, and the interface every engine keeps.

Both engines (:mod:`kiosk.listen.engines.vosk`, :mod:`kiosk.listen.engines.pocketsphinx`) take one
whole utterance of 16 kHz mono signed 16-bit PCM and listen only for the kiosk's language (built by
``set_phrases``). A language pushes *any* speech towards something in it, so each result carries
what the caller needs to reject out-of-scope speech: each word's confidence and other transcripts.
Both return an empty transcript for audio with no sample above ``SILENCE_PEAK`` (digital silence;
PocketSphinx otherwise "hears" words in it). :mod:`kiosk.listen.engines` picks the engine that
starts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

RATE: Final = 16000
"""Sample rate of the PCM every recogniser takes (mono, signed 16-bit, native byte order)."""
CHUNK_BYTES: Final = RATE * 2 // 5
"""0.2 s of PCM: the piece size fed to Vosk."""
SILENCE_PEAK: Final = 50
"""Audio whose loudest sample is at most this (≈ -56 dBFS) is treated as silence."""
ENGINE_NAMES: Final = {"vosk": "Vosk", "pocketsphinx": "PocketSphinx"}


@dataclass(frozen=True)
class Recognition:
    """What an engine heard in one utterance. An empty transcript means nothing was heard."""

    transcript: str
    confidence: float
    """0..1: how sure the engine is that the transcript is what was said (see the module doc)."""
    words: tuple[tuple[str, float], ...]
    """The transcript's words, each with a 0..1 confidence."""
    engine: str
    """"vosk" or "pocketsphinx"."""
    alternatives: tuple[tuple[str, float], ...] = ()
    """Other transcripts with 0..1 scores: Vosk's n-best (when configured); PocketSphinx's free
    (language model) transcript, scored by its agreement with ``transcript``."""
    meaning: tuple[tuple[str, float], ...] = ()
    """The transcript's closeness in meaning (cosine similarity) to each topic and command
    (``topic:<id>``, ``command:<name>``): :func:`kiosk.listen.meaning.with_meaning`. Empty
    without the sentence-meaning model."""
    unreduced: str | None = None
    """The transcript of the same request decoded as heard, without the room's noise reduced
    (:func:`kiosk.listen.hearing.recognise_parts`; the transcript itself when the reduction left
    the audio as it was); None when not known (not decoded again, or nothing was heard). Whether
    the two ask for the same thing is part of the evidence
    (:meth:`kiosk.listen.matching.RequestMatcher.evidence`)."""
    choice: tuple[tuple[str, float], ...] = ()
    """While a "Did you mean ...?" question is open (PocketSphinx): the same audio decoded again
    with a grammar of the yes and no phrasings alone, its best paths' distinct transcripts with
    their shares of the posterior, its own transcript first (``()``: not decoded, or nothing
    found). Which answer the audio sounds most like; whether it is an answer at all the answer
    language says (:func:`kiosk.listen.dialogue.heard_answer`)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is not in 0..1")

    @classmethod
    def nothing(cls, engine: str) -> Recognition:
        """Nothing was heard."""
        return cls("", 0.0, (), engine)


class EngineUnavailable(RuntimeError):
    """A recogniser cannot be used; the message says why in plain words, for staff."""


class Recogniser(Protocol):
    """A speech recogniser listening for the kiosk's phrases."""

    name: str
    answering: bool
    """The utterances decoded now answer a "Did you mean ...?" question: an engine that can
    listens for the answer language (:func:`kiosk.listen.language.answer_language_lines`)
    instead of the request language. Set between utterances."""

    def set_phrases(self, phrases: Sequence[str]) -> list[str]:
        """Build (or replace) the grammar from ``phrases``; return the words the engine does not
        know, in first-seen order (they are left out, and must be reported to staff)."""
        ...

    def recognise(self, pcm16k: bytes) -> Recognition:
        """Recognise one whole utterance of 16 kHz mono int16 PCM (``start``, ``feed`` in
        pieces, ``finish``)."""
        ...

    def start(self) -> None:
        """Begin an utterance (an unfinished one is dropped)."""
        ...

    def feed(self, pcm16k: bytes) -> None:
        """Decode this piece of the current utterance now (16 kHz mono int16 PCM, any length;
        an odd trailing byte is kept for the next piece)."""
        ...

    def finish(self) -> Recognition:
        """End the utterance and return what was heard (silence: ``Recognition.nothing``)."""
        ...

    def cancel(self) -> None:
        """Drop the current utterance, if any."""
        ...

    def known(self, word: str) -> bool:
        """Whether the engine can recognise ``word`` (compared in lower case)."""
        ...


def recognise_in_pieces(recogniser: Recogniser, pcm16k: bytes) -> Recognition:
    """One whole utterance through the streaming API, in ``CHUNK_BYTES`` pieces (what both
    engines' ``recognise`` do)."""
    recogniser.start()
    try:
        for offset in range(0, len(pcm16k), CHUNK_BYTES):
            recogniser.feed(pcm16k[offset : offset + CHUNK_BYTES])
    except BaseException:
        recogniser.cancel()
        raise
    return recogniser.finish()


_NOT_WORD = re.compile(r"[^\w']+")


def words_of(phrase: str) -> list[str]:
    """The lower-case words of a phrase as the engines see them: punctuation and hyphens split
    words; apostrophes inside words stay ("what's")."""
    text = phrase.lower().replace("\u2019", "'").replace("_", " ")
    words = (word.strip("'") for word in _NOT_WORD.split(text))
    return [word for word in words if word]


def clamp01(value: float) -> float:
    """``value`` within 0..1 (NaN: 0)."""
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))
