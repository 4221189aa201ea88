"""Speech recognisers: Vosk and PocketSphinx behind one small interface.

These adapters are the only modules that import ``vosk`` or ``pocketsphinx``, and they do it inside
the classes, so importing this module never fails when a package is missing: the engine is then
reported as unavailable (``EngineUnavailable``, worded for staff) and the next one is tried
(:func:`create_recogniser`).

Both engines take one whole utterance of 16 kHz mono signed 16-bit PCM and listen only for the
kiosk's phrases (a grammar built by ``set_phrases``). A grammar pushes *any* speech towards some
phrase, so each result carries what the caller needs to reject out-of-scope speech:

**Vosk** (runtime grammar on a small "lookahead" model). Configuration: ``SetWords(True)`` and no
alternatives (the default ``max_alternatives=0``). Vosk then returns each word with ``conf``, its
posterior from the lattice (minimum Bayes risk decoding), already 0..1. ``confidence`` is the mean
word posterior where ``[unk]`` words count as 0, so speech that is partly outside the grammar
scores low; ``[unk]`` words are dropped from the transcript (only ``[unk]``: empty transcript).
Measured with the Korean model: in-grammar speech 1.0 per word, English speech forced onto Korean
words 0.41-0.49. With ``max_alternatives > 0`` Vosk returns n-best ``alternatives`` whose
``confidence`` is an unnormalised log score with no word posteriors; they are turned into 0..1 by
a softmax over the n-best list, which flattens badly (0.51 for the same in-grammar speech), hence
the default. Both result shapes are parsed (:func:`parse_vosk_result`).

Vosk threading (shared/VOICE.md): one shared ``Model``; one ``KaldiRecognizer`` per thread and per
grammar, created lazily in the thread that uses it and reused with ``Reset()``; ``set_phrases``
only swaps the grammar text, the recogniser is rebuilt before the next utterance (``SetGrammar``
is never called). A grammar is never empty (Vosk 0.3.45 segfaults on ``[]``): with no usable
phrase nothing is decoded. ``[unk]`` is added only when the model has it (the Korean test model
does not; Vosk would log a warning and drop it).

Kaldi may abort the process that loads a damaged model (the damage tried so far, truncated
``am/final.mdl`` or ``graph/HCLr.fst`` and files of garbage, gave clean errors; Vosk does abort or
segfault on other misuse), so a model is first loaded in a child process
(:func:`kiosk.voice.models.load_problem`, ≈3 s for the Korean test model) unless the stamp written
by ``voices install`` (or by a previous successful check) says it loaded before, unchanged.

**PocketSphinx** (the wheel's en-US acoustic model; always available). One decoder searches the
kiosk's *request language* (:mod:`kiosk.voice.language`: the content's phrases, names and
keywords in carrier templates, its page text, the command phrasings and everyday words) as a
trigram language model built at ``set_phrases`` (:func:`trigram_arpa`). The whole utterance is
decoded once, after the end of speech, so that the model's batch cepstral mean normalisation
applies (feeding pieces switched it to a live mean left over from earlier requests), with a
little seeded dither (digital silence broke the features). The result has each word's
posterior probability from the lattice and the ``NBEST`` best transcripts as alternatives;
both are the evidence the matcher weighs (:meth:`kiosk.voice.matching.RequestMatcher.
match_recognition`). History: a grammar of the phrases (forced onto the nearest phrase) plus a
free bigram pass that had to agree with it acted on 5 % of clean requests in the voice bench;
an exact-sentence grammar of templates (no free words) forced natural phrasings onto wrong
sentences (28 % false actions on the development half); a garbage loop of everyday words inside
that grammar decoded slower than real time.

Both engines return an empty transcript for audio with no sample above ``SILENCE_PEAK`` (digital
silence; PocketSphinx otherwise "hears" words in it).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import math
import os
import re
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from kiosk.paths import REPO_ROOT
from kiosk.voice import models

if TYPE_CHECKING:
    from kiosk.speech.profile import RecogniserSettings

log = logging.getLogger(__name__)

RATE: Final = 16000
"""Sample rate of the PCM every recogniser takes (mono, signed 16-bit, native byte order)."""
CHUNK_BYTES: Final = RATE * 2 // 5
"""0.2 s of PCM: the piece size fed to Vosk."""
SILENCE_PEAK: Final = 50
"""Audio whose loudest sample is at most this (≈ -56 dBFS) is treated as silence."""
UNK: Final = "[unk]"
ENGINE_NAMES: Final = {"vosk": "Vosk", "pocketsphinx": "PocketSphinx"}
INSTALL_HINT: Final = "install it with: python run_kiosk.py voices install"
REINSTALL_HINT: Final = "reinstall it with: python run_kiosk.py voices install"


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


# --- helpers -----------------------------------------------------------------------------------


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


def is_silent(pcm16k: bytes) -> bool:
    """Whether no sample of ``pcm16k`` is louder than ``SILENCE_PEAK``."""
    samples = array("h", pcm16k[: len(pcm16k) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return not samples or max(max(samples), -min(samples)) <= SILENCE_PEAK


def peak_of(pcm16k: bytes) -> int:
    """The loudest sample's magnitude in ``pcm16k`` (whole samples only)."""
    samples = array("h", pcm16k[: len(pcm16k) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return max(max(samples), -min(samples)) if samples else 0


class _Utterance:
    """Bookkeeping of one streamed utterance: the loudest sample so far and an odd byte left over
    from the previous piece (pieces from a microphone need not end on a sample)."""

    __slots__ = ("carry", "peak", "seconds")

    def __init__(self) -> None:
        self.peak = 0
        self.carry = b""
        self.seconds = 0.0

    def take(self, pcm16k: bytes) -> bytes:
        """The whole samples of ``carry + pcm16k``; the odd byte is kept for the next piece."""
        data = self.carry + pcm16k
        cut = len(data) // 2 * 2
        self.carry = data[cut:]
        data = data[:cut]
        if data:
            self.peak = max(self.peak, peak_of(data))
            self.seconds += len(data) / (2 * RATE)
        return data

    @property
    def silent(self) -> bool:
        return self.peak <= SILENCE_PEAK


def shown_path(path: Path) -> str:
    """``path`` as staff see it: relative to the repository when inside it."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _clamp(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


# --- Vosk --------------------------------------------------------------------------------------


def parse_vosk_result(raw: str, engine: str = "vosk") -> Recognition:
    """A Recognition from Vosk's ``FinalResult()`` JSON, in either shape.

    Without alternatives: ``{"result": [{"word", "conf", ...}], "text"}`` (``result`` only with
    ``SetWords(True)``; without it each word counts as certain). With ``SetMaxAlternatives(n)``:
    ``{"alternatives": [{"text", "confidence", ...}]}``, scores made 0..1 by a softmax over the
    list. ``[unk]`` words are dropped from transcripts and count as 0 in the confidence.
    """
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        return Recognition.nothing(engine)
    if "alternatives" in data:
        return _parse_alternatives(data.get("alternatives") or [], engine)
    entries = data.get("result") or []
    if entries:
        tokens = [(str(e.get("word", "")), float(e.get("conf", 1.0))) for e in entries]
    else:
        tokens = [(word, 1.0) for word in str(data.get("text", "")).split()]
    tokens = [(word, _clamp(conf)) for word, conf in tokens if word]
    kept = tuple((word, conf) for word, conf in tokens if word != UNK)
    if not kept:
        return Recognition.nothing(engine)
    confidence = _clamp(sum(conf for _, conf in kept) / len(tokens))
    return Recognition(" ".join(word for word, _ in kept), confidence, kept, engine)


def _parse_alternatives(alternatives: list[dict[str, Any]], engine: str) -> Recognition:
    if not alternatives:
        return Recognition.nothing(engine)
    scores = [float(a.get("confidence", 0.0)) for a in alternatives]
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    total = sum(weights)
    ranked: list[tuple[str, float]] = []
    for alternative, weight in zip(alternatives, weights, strict=True):
        tokens = str(alternative.get("text", "")).split()
        kept = [word for word in tokens if word != UNK]
        share = len(kept) / len(tokens) if tokens else 0.0
        ranked.append((" ".join(kept), _clamp(weight / total * share)))
    transcript, confidence = ranked[0]
    if not transcript:
        return Recognition.nothing(engine)
    others: dict[str, float] = {}
    for text, score in ranked[1:]:
        if text and text != transcript and text not in others:
            others[text] = score
    words = tuple((word, confidence) for word in transcript.split())
    return Recognition(transcript, confidence, words, engine, tuple(others.items()))


class VoskRecogniser:
    """Vosk with a runtime grammar, on a small lookahead model in ``model_dir``.

    ``verify``: None (default) loads the model in a child process first unless it carries a valid
    stamp, and stamps it after a successful check; True always checks and never stamps (for a
    model in a read-only place); False never checks (only for a model known to be sound).
    ``max_alternatives`` (attribute too) applies to recognisers built after the next
    ``set_phrases``.
    """

    name = "vosk"

    def __init__(
        self,
        model_dir: Path,
        *,
        verify: bool | None = None,
        max_alternatives: int = 0,
        load_timeout: float = models.LOAD_TIMEOUT,
    ) -> None:
        shown = shown_path(model_dir)
        if not model_dir.is_dir():
            raise EngineUnavailable(
                f"Vosk model not installed ({shown} is missing); {INSTALL_HINT}"
            )
        problems = models.structure_problems(model_dir)
        if problems == [models.GRAMMARS_IGNORED]:
            raise EngineUnavailable(
                f"the Vosk model in {shown} cannot be used: this model ignores grammars; use a "
                f"small lookahead model such as {models.DEFAULT_MODEL} ({INSTALL_HINT})"
            )
        if problems:
            raise EngineUnavailable(
                f"the Vosk model in {shown} is incomplete ({'; '.join(problems)}); {REINSTALL_HINT}"
            )
        try:
            import vosk
        except ImportError:
            raise EngineUnavailable(
                "the vosk Python package is not installed (run make run or make test to install "
                "the kiosk's packages)"
            ) from None
        started = time.perf_counter()
        check = not models.stamp_is_valid(model_dir) if verify is None else verify
        if check:
            problem = models.load_problem(model_dir, load_timeout)
            if problem is not None:
                raise EngineUnavailable(
                    f"the Vosk model in {shown} cannot be loaded ({problem}); {REINSTALL_HINT}"
                )
            if verify is None:
                with contextlib.suppress(OSError):
                    models.write_stamp(model_dir)
        self.check_seconds = time.perf_counter() - started
        vosk.SetLogLevel(-1)
        started = time.perf_counter()
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as error:  # vosk raises a bare Exception
            raise EngineUnavailable(
                f"the Vosk model in {shown} cannot be loaded ({error}); {REINSTALL_HINT}"
            ) from None
        self.load_seconds = time.perf_counter() - started
        self._vosk = vosk
        self.model_dir = model_dir
        self.max_alternatives = max_alternatives
        self.has_unk = self._model.vosk_model_find_word(UNK) > 0
        self._known: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._grammar: str | None = None
        self._generation = 0
        self._local = threading.local()

    @property
    def grammar(self) -> list[str]:
        """The grammar Vosk gets (the known phrases, then ``[unk]`` when the model has it)."""
        with self._lock:
            return [] if self._grammar is None else list(json.loads(self._grammar))

    def known(self, word: str) -> bool:
        word = word.lower()
        found = self._known.get(word)
        if found is None:
            # 0 is <eps>; -1 is unknown.
            found = self._model.vosk_model_find_word(word) > 0
            self._known[word] = found
        return found

    def set_phrases(self, phrases: Sequence[str]) -> list[str]:
        unknown: dict[str, None] = {}
        grammar: dict[str, None] = {}
        for phrase in phrases:
            words = words_of(phrase)
            known = [word for word in words if self.known(word)]
            unknown.update((word, None) for word in words if word not in known)
            if known:  # a phrase goes only when none of its words is known
                grammar[" ".join(known)] = None
        items = list(grammar) + ([UNK] if self.has_unk and grammar else [])
        with self._lock:
            self._grammar = json.dumps(items, ensure_ascii=False) if items else None
            self._generation += 1
        return list(unknown)

    def _recogniser(self) -> Any | None:
        """This thread's recogniser for the current grammar (made here, on first use)."""
        with self._lock:
            grammar, generation = self._grammar, self._generation
        if grammar is None:
            return None
        if getattr(self._local, "generation", None) != generation:
            self._local.recogniser = None  # free the old one before building the next
            recogniser = self._vosk.KaldiRecognizer(self._model, RATE, grammar)
            recogniser.SetWords(True)
            if self.max_alternatives > 0:
                recogniser.SetMaxAlternatives(self.max_alternatives)
            self._local.recogniser = recogniser
            self._local.generation = generation
        return self._local.recogniser

    def recognise(self, pcm16k: bytes) -> Recognition:
        return recognise_in_pieces(self, pcm16k)

    # Streaming: the utterance lives in the calling thread (its recogniser is this thread's).

    def start(self) -> None:
        self.cancel()
        self._local.utterance = _Utterance()
        self._local.decoding = self._recogniser()

    def feed(self, pcm16k: bytes) -> None:
        utterance: _Utterance | None = getattr(self._local, "utterance", None)
        if utterance is None:
            raise RuntimeError("feed() without start()")
        data = utterance.take(pcm16k)
        recogniser = self._local.decoding
        if data and recogniser is not None:
            recogniser.AcceptWaveform(data)

    def finish(self) -> Recognition:
        utterance: _Utterance | None = getattr(self._local, "utterance", None)
        recogniser = getattr(self._local, "decoding", None)
        self._local.utterance = self._local.decoding = None
        if utterance is None:
            raise RuntimeError("finish() without start()")
        if recogniser is None:
            return Recognition.nothing(self.name)
        try:
            raw = recogniser.FinalResult()
        finally:
            recogniser.Reset()
        if utterance.silent:
            return Recognition.nothing(self.name)
        return parse_vosk_result(raw, self.name)

    def cancel(self) -> None:
        recogniser = getattr(self._local, "decoding", None)
        self._local.utterance = self._local.decoding = None
        if recogniser is not None:
            recogniser.Reset()


# --- PocketSphinx ------------------------------------------------------------------------------


def trigram_arpa(sentences: Sequence[Sequence[str]], extra_words: Iterable[str] = ()) -> str:
    """An ARPA trigram language model of ``sentences`` (lists of words; a repeated sentence
    counts again) built with ``pocketsphinx.lm.ArpaBoLM`` (Good-Turing-free absolute discounting,
    back-off); ``extra_words`` join it as one-word sentences (a small count each), so they can be
    heard but are less likely than the sentences' words."""
    from pocketsphinx.lm import ArpaBoLM

    lines = [" ".join(s) for s in sentences if s]
    lines += [w for w in extra_words if w]
    if not lines:
        raise ValueError("a language model needs at least one word")
    model = ArpaBoLM(text="\n".join(lines), add_start=True)
    model.compute()
    out = io.StringIO()
    model.write(out)
    return out.getvalue()


_STRESS = re.compile(r"\d")


def _phones(pronunciation: str | None) -> list[str]:
    return _STRESS.sub("", pronunciation or "").split()


def _word(token: str) -> str:
    """A decoder token as a plain word: lower case, no variant mark ("read(2)" -> "read");
    fillers and sentence marks ("<s>", "<sil>", "[noise]", "+breath+") become ""."""
    token = re.sub(r"\(\d+\)$", "", token.lower())
    return "" if not token or token.startswith(("<", "[", "+")) else token


def _clean(hypothesis: str) -> str:
    return " ".join(w for w in (_word(t) for t in hypothesis.split()) if w)


DITHER: Final = 16
"""Dither amplitude (about -66 dBFS): with +-1 or +-4, short requests padded with digital silence
were still misheard now and then; +-16 heard 12 of 12 padded test requests."""
DITHER_SEED: Final = 20141
"""Seed of the dither (the same audio always gives the same result)."""


def dithered(pcm16k: bytes) -> bytes:
    """``pcm16k`` with up to +-``DITHER`` of seeded noise on every sample (about -66 dBFS).

    Recordings (and text-to-speech) hold stretches of digital silence, whose log energy is minus
    infinity: PocketSphinx's features and its batch normalisation go wrong on them ("Spinal cord
    compression." from the kiosk's own voice was heard as "told"; with dither, right). A
    microphone never gives exact zeros, and the dither is far below any room's noise, so live
    audio is not changed in any way that matters.
    """
    import numpy as np

    samples = np.frombuffer(pcm16k[: len(pcm16k) // 2 * 2], dtype=np.int16).astype(np.int32)
    noise = np.random.default_rng(DITHER_SEED).integers(-DITHER, DITHER + 1, size=samples.size)
    return bytes(np.clip(samples + noise, -32768, 32767).astype(np.int16).tobytes())


SILENCE_MARGIN_S: Final = 0.15


def without_silence(pcm16k: bytes) -> bytes:
    """``pcm16k`` without leading and trailing digital near-silence (no sample above
    ``SILENCE_PEAK``), keeping ``SILENCE_MARGIN_S`` of it. Batch normalisation takes its mean
    over the whole utterance, and a second of zeros either side of "go home" (a test rig's
    quiet microphone, a padded recording) made it "oh". A real room is never this quiet."""
    import numpy as np

    samples = np.frombuffer(pcm16k[: len(pcm16k) // 2 * 2], dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_PEAK)
    if loud.size == 0:
        return pcm16k
    margin = int(SILENCE_MARGIN_S * RATE)
    start = max(0, int(loud[0]) - margin)
    stop = min(samples.size, int(loud[-1]) + 1 + margin)
    return bytes(samples[start:stop].tobytes())


NBEST: Final = 10
"""How many of PocketSphinx's best transcripts come back as alternatives (their agreement on
what was asked is part of the evidence, :mod:`kiosk.voice.matching`)."""


LM_SEARCH: dict[str, Any] = {}
"""Search settings of the request decoder beyond PocketSphinx's defaults. Tried and not kept:
without the second, flat-lexicon pass (``fwdflat`` off) a request decodes in two thirds of the
CPU time (development half, every 2nd clip: p50 138 -> 92 ms, p95 403 -> 264 ms) with about the
same accuracy, but the kiosk's own voice saying "go home" is heard as "go show"; a language
weight of 8.5 brings "go home" back but acts wrongly more often (0.67 -> 1.07 % on the
development half). Narrower beams (``beam``/``pbeam`` 1e-40, ``wbeam`` 1e-24) lose requests
(acted right clean 0.41 -> 0.39, 10 dB 0.25 -> 0.18); ``maxhmmpf`` 3000 changed nothing."""


def _lm_decoder(arpa: str, dictionary: str) -> Any:
    """A PocketSphinx decoder searching the ARPA language model ``arpa``, with the pronunciation
    dictionary text ``dictionary``."""
    from pocketsphinx import Decoder

    with _memory_file("start.dict", dictionary) as dict_path, _memory_file("start.lm", arpa) as lm:
        return Decoder(samprate=RATE, loglevel="FATAL", lm=lm, dict=dict_path, **LM_SEARCH)


@contextlib.contextmanager
def _memory_file(name: str, text: str) -> Iterator[str]:
    """A path that reads as ``text``, for PocketSphinx (which loads language models only from
    files): an in-memory file (``memfd``), so that the voice process writes nothing to disk."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create(f"kiosk-{name}")
        try:
            os.write(fd, text.encode("utf-8"))
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="kiosk-lm-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        yield str(path)


class PocketSphinxRecogniser:
    """PocketSphinx with the en-US model bundled in its wheel, searching the kiosk's request
    language (:mod:`kiosk.voice.language`) as a trigram language model.

    The whole utterance is decoded at once after the end of speech (``feed`` only keeps the
    audio): the model's ``feat.params`` asks for batch cepstral mean normalisation, which
    PocketSphinx applies only to audio given in one ``process_raw(..., full_utt=True)``; pieces
    switch it to live normalisation with a mean left over from earlier requests. A 3 s request
    decodes in well under real time.

    The result carries each word's posterior probability (from the lattice) and the ``NBEST``
    best transcripts as alternatives; ``confidence`` is the mean word posterior.

    ``pronunciations`` (word -> ARPAbet, stress digits allowed) are added to the dictionary for
    words it lacks (British spellings such as "hypercalcaemia").
    """

    name = "pocketsphinx"

    def __init__(self, pronunciations: Mapping[str, str], *, nbest: int = NBEST) -> None:
        try:
            import numpy  # noqa: F401  (for ``dithered``: loaded now, not at the first request)
            from pocketsphinx import Decoder
        except ImportError:
            raise EngineUnavailable(
                "the pocketsphinx or numpy Python package is not installed (run make run or make "
                "test to install the kiosk's packages)"
            ) from None
        started = time.perf_counter()
        try:
            # The whole dictionary (134,000 words) for look-ups and added words; the language's
            # decoder gets only its own words (loading a model walks the whole dictionary).
            # Without the generic language model (lm=None): the dictionary is all it is for,
            # and the model took 78 MB of the voice process.
            self._words: Any = Decoder(samprate=RATE, loglevel="FATAL", lm=None)
        except (RuntimeError, ValueError, OSError) as error:
            raise EngineUnavailable(f"PocketSphinx cannot start ({error})") from None
        self.load_seconds = time.perf_counter() - started
        self._phones: dict[str, str | None] = {}
        self.nbest = nbest
        self._lock = threading.Lock()
        self._pronunciations = {
            word.lower(): " ".join(_phones(phones)) for word, phones in pronunciations.items()
        }
        self._decoder: Any | None = None
        self._search = ""
        self._generation = 0
        self._phrases: frozenset[str] = frozenset()
        self._utterance: _Utterance | None = None
        self._audio: list[bytes] = []
        self._dropped = False  # the language changed during the current utterance
        for word in self._pronunciations:
            self._ensure_word(word)

    def _dictionary(self, words: Iterable[str]) -> str:
        """Pronunciation dictionary text for ``words`` (each with all its pronunciations)."""
        lookup = self._lookup
        lines: list[str] = []
        for word in dict.fromkeys(words):
            phones = lookup(word)
            if phones is None:
                continue
            lines.append(f"{word} {phones}")
            variant = 2
            while (phones := lookup(f"{word}({variant})")) is not None:
                lines.append(f"{word}({variant}) {phones}")
                variant += 1
        return "\n".join(lines) + "\n"

    @property
    def phrases(self) -> frozenset[str]:
        """The sentences of the current language (lower case, normalised)."""
        return self._phrases

    def _ensure_word(self, word: str) -> bool:
        """Whether ``word`` is in the dictionary, adding it from the pronunciations if needed."""
        if self._lookup(word) is not None:
            return True
        phones = self._pronunciations.get(word)
        if not phones:
            return False
        try:
            self._words.add_word(word, phones, False)
            self._phones.pop(word, None)
        except (RuntimeError, ValueError) as error:
            log.warning(
                'PocketSphinx cannot use the pronunciation "%s" for "%s" (%s)', phones, word, error
            )
            return False
        return True

    def pronunciation(self, word: str) -> str | None:
        """The dictionary's phones for ``word`` (stress-free ARPAbet), or None."""
        with self._lock:
            phones = self._lookup(word.lower())
        return phones

    def known(self, word: str) -> bool:
        word = word.lower()
        return self._lookup(word) is not None or word in self._pronunciations

    def _lookup(self, word: str) -> str | None:
        """The dictionary's phones for ``word``, remembered: PocketSphinx's ``lookup_word``
        leaks the string it returns (about 30 bytes a call), and every content reload looks up
        each word of the request language again (the voice process grew 0.4 MB a reload)."""
        if word not in self._phones:
            self._phones[word] = self._words.lookup_word(word)
        return self._phones[word]

    def set_phrases(self, phrases: Sequence[str]) -> list[str]:
        """Build the language model from ``phrases`` (sentences of the request language; a
        repeated sentence counts more) and the everyday words."""
        from kiosk.voice.language import GENERAL_WORDS

        unknown: dict[str, None] = {}
        with self._lock:
            # The language cannot change inside an utterance: an unfinished one is dropped (its
            # finish() hears nothing).
            running = self._utterance is not None
            self._end_utterance()
            if running:
                self._utterance = _Utterance()
                self._dropped = True
            sentences: list[list[str]] = []
            for phrase in phrases:
                words = words_of(phrase)
                missing = [word for word in words if not self._ensure_word(word)]
                unknown.update((word, None) for word in missing)
                if words and not missing:  # a sentence with an unknown word is left out
                    sentences.append(words)
            general = [w for w in dict.fromkeys(GENERAL_WORDS.split()) if self._ensure_word(w)]
            self._phrases = frozenset(" ".join(s) for s in sentences)
            if sentences:
                self._set_language(sentences, general)
            else:
                self._search = ""
        return list(unknown)

    def _set_language(self, sentences: list[list[str]], general: list[str]) -> None:
        """Load the language model of ``sentences`` and ``general`` (the lock is held)."""
        text = trigram_arpa(sentences, general)
        dictionary = self._dictionary([*(w for s in sentences for w in s), *general])
        old = self._search
        self._generation += 1
        name = f"requests{self._generation}"
        if self._decoder is None:
            self._decoder = _lm_decoder(text, dictionary)
            self._search = self._decoder.current_search()
            return
        decoder = self._decoder
        with _memory_file("requests.dict", dictionary) as path:
            decoder.load_dict(path, None, None)
        with _memory_file("requests.lm", text) as path:
            decoder.add_lm_file(name, path)
        decoder.activate_search(name)
        self._search = name
        if old and old != name:
            # Each model holds several MB: without this, every content reload grew the process.
            with contextlib.suppress(RuntimeError, KeyError):
                decoder.remove_search(old)

    def recognise(self, pcm16k: bytes) -> Recognition:
        return recognise_in_pieces(self, pcm16k)

    def start(self) -> None:
        with self._lock:
            self._end_utterance()
            self._utterance = _Utterance()
            self._dropped = False

    def feed(self, pcm16k: bytes) -> None:
        with self._lock:
            utterance = self._utterance
            if utterance is None:
                raise RuntimeError("feed() without start()")
            data = utterance.take(pcm16k)
            if data:
                self._audio.append(data)

    def finish(self) -> Recognition:
        with self._lock:
            utterance, audio = self._utterance, b"".join(self._audio)
            if utterance is None:
                raise RuntimeError("finish() without start()")
            self._end_utterance()
            decoder = self._decoder
            dropped, self._dropped = self._dropped, False
            if decoder is None or not self._search or dropped or utterance.silent or not audio:
                return Recognition.nothing(self.name)
            decoder.start_utt()
            try:
                decoder.process_raw(dithered(without_silence(audio)), full_utt=True)
            finally:
                decoder.end_utt()
            hypothesis = decoder.hyp()
            if hypothesis is None:
                return Recognition.nothing(self.name)
            words = tuple(
                (word, _clamp(float(segment.prob)))
                for segment in decoder.seg()
                if (word := _word(segment.word))
            )
            alternatives: dict[str, None] = {}
            if self.nbest > 0:
                for entry in itertools.islice(decoder.nbest(), self.nbest * 3):
                    if entry is not None:
                        alternatives.setdefault(_clean(entry.hypstr), None)
                    if len(alternatives) >= self.nbest:
                        break
        transcript = " ".join(word for word, _ in words)
        if not transcript:
            return Recognition.nothing(self.name)
        confidence = _clamp(sum(p for _, p in words) / len(words))
        ranked = [text for text in alternatives if text]
        share = 1.0 / len(ranked) if ranked else 0.0
        return Recognition(
            transcript,
            confidence,
            words,
            self.name,
            tuple((text, share) for text in ranked),
        )

    def cancel(self) -> None:
        with self._lock:
            self._end_utterance()

    def _end_utterance(self) -> None:
        """Forget the current utterance's audio (the lock is held)."""
        self._utterance = None
        self._audio = []


# --- choosing an engine ------------------------------------------------------------------------


def create_recogniser(
    settings: RecogniserSettings, models_dir: Path, forced: str | None = None
) -> tuple[Recogniser, str]:
    """The first engine of ``settings.engine_order`` that starts (only ``forced`` when given:
    "vosk" or "pocketsphinx"; "auto" or None follows the order), and a plain-words reason for
    the staff screen and the log, e.g. "Vosk model not installed (...); using PocketSphinx
    (embedded model)".

    Raises EngineUnavailable (every engine's reason) when none starts, ValueError for an unknown
    engine name.
    """
    order = settings.engine_order if forced in (None, "auto") else (str(forced),)
    for engine in order:
        if engine not in ENGINE_NAMES:
            raise ValueError(f'unknown speech engine "{engine}"; expected vosk or pocketsphinx')
    failures: list[str] = []
    for engine in order:
        recogniser: Recogniser
        try:
            if engine == "vosk":
                recogniser = VoskRecogniser(models_dir / settings.vosk_model)
                using = f"using Vosk (model {settings.vosk_model})"
            else:
                recogniser = PocketSphinxRecogniser(settings.pronunciations)
                using = "using PocketSphinx (embedded model)"
        except EngineUnavailable as error:
            failures.append(str(error))
            continue
        if forced not in (None, "auto"):
            using += ", as chosen"
        reason = "; ".join([*failures, using])
        log.info("speech recogniser: %s", reason)
        return recogniser, reason
    raise EngineUnavailable("no speech recogniser can start: " + "; ".join(failures))
