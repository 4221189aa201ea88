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

**PocketSphinx** (the wheel's en-US model; always available). Two decoders: one searches the JSGF
grammar of the phrases (≈15 ms per utterance), the other the full language model with
``fwdflat`` and ``bestpath`` off (≈150-500 ms per 1-2 s utterance on the development machine; the
defaults took ≈220-610 ms and gave no better transcripts of espeak speech). The free transcript is
returned as the first alternative so the caller can see what was really said; a decoder
per search keeps each configuration and avoids switching searches. PocketSphinx holds the GIL
while decoding, so the two passes cannot overlap; ``free_text=False`` skips the second pass when
latency matters more than rejection.

PocketSphinx confidence: the grammar hypothesis' posterior (``hyp().prob``, 0..1) was measured and
is useless for rejection: 0.33 for correctly heard phrases and 1.0 for "where is the toilet
please" forced onto "what is". Instead ``confidence`` is the *phonetic agreement* between the
grammar result and the free transcript: ``difflib`` ratio of their stress-free ARPAbet phone
sequences (0..1), halved when the grammar only reached part of a phrase (PocketSphinx then returns
the best partial path, which is not one of the phrases). Phones rather than words because the free
pass often mishears single sounds ("stop breathing" for "stop reading": words 0.5, phones 0.84).
Measured on espeak-ng en-us+f2 speech (9 in-grammar phrases, 5 out-of-scope sentences): in-grammar
0.22-1.0 (median ≈0.6), out of scope an empty grammar result (2 of 5) or 0.09-0.34: the ranges
overlap, so the caller must combine this with its fuzzy match of both transcripts. Word
confidences are the share of each grammar word's phones matched in the free transcript. Without
the free pass the confidence is only 1.0 for a whole phrase and 0.5 for a partial path.

Both engines return an empty transcript for audio with no sample above ``SILENCE_PEAK`` (digital
silence; PocketSphinx otherwise "hears" words in it).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import math
import re
import sys
import threading
import time
from array import array
from collections.abc import Mapping, Sequence
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
        """Recognise one whole utterance of 16 kHz mono int16 PCM."""
        ...

    def known(self, word: str) -> bool:
        """Whether the engine can recognise ``word`` (compared in lower case)."""
        ...


# --- helpers -----------------------------------------------------------------------------------

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
        pcm = pcm16k[: len(pcm16k) // 2 * 2]
        if is_silent(pcm):
            return Recognition.nothing(self.name)
        recogniser = self._recogniser()
        if recogniser is None:
            return Recognition.nothing(self.name)
        try:
            for start in range(0, len(pcm), CHUNK_BYTES):
                recogniser.AcceptWaveform(pcm[start : start + CHUNK_BYTES])
            raw = recogniser.FinalResult()
        finally:
            recogniser.Reset()
        return parse_vosk_result(raw, self.name)


# --- PocketSphinx ------------------------------------------------------------------------------

_STRESS = re.compile(r"\d")


def _phones(pronunciation: str | None) -> list[str]:
    return _STRESS.sub("", pronunciation or "").split()


def _hypothesis(decoder: Any, pcm: bytes) -> str:
    """Decode one utterance; the hypothesis in lower case without fillers or variant marks."""
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    if hyp is None:
        return ""
    words = (re.sub(r"\(\d+\)$", "", word) for word in hyp.hypstr.lower().split())
    return " ".join(w for w in words if w and not w.startswith(("<", "[", "+")))


class PocketSphinxRecogniser:
    """PocketSphinx with the en-US model bundled in its wheel: a JSGF grammar of the phrases, plus
    (``free_text``) a full-language-model pass for rejecting out-of-scope speech.

    ``pronunciations`` (word -> ARPAbet, stress digits allowed) are added to the dictionary for
    words it lacks (British spellings such as "hypercalcaemia").
    """

    name = "pocketsphinx"

    def __init__(self, pronunciations: Mapping[str, str], *, free_text: bool = True) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise EngineUnavailable(
                "the pocketsphinx Python package is not installed (run make run or make test to "
                "install the kiosk's packages)"
            ) from None
        started = time.perf_counter()
        try:
            self._grammar_decoder: Any = Decoder(samprate=RATE, loglevel="FATAL")
            self._free_decoder: Any = (
                Decoder(samprate=RATE, loglevel="FATAL", fwdflat=False, bestpath=False)
                if free_text
                else None
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise EngineUnavailable(f"PocketSphinx cannot start ({error})") from None
        self.load_seconds = time.perf_counter() - started
        self._lock = threading.Lock()
        self._pronunciations = {
            word.lower(): " ".join(_phones(phones)) for word, phones in pronunciations.items()
        }
        self._phrases: frozenset[str] = frozenset()
        for word in self._pronunciations:
            self._ensure_word(word)

    @property
    def free_text(self) -> bool:
        return self._free_decoder is not None

    @property
    def phrases(self) -> frozenset[str]:
        """The phrases in the current grammar (lower case, normalised)."""
        return self._phrases

    def _decoders(self) -> list[Any]:
        return [d for d in (self._grammar_decoder, self._free_decoder) if d is not None]

    def _ensure_word(self, word: str) -> bool:
        """Whether ``word`` is in the dictionary, adding it from the pronunciations if needed."""
        if self._grammar_decoder.lookup_word(word) is not None:
            return True
        phones = self._pronunciations.get(word)
        if not phones:
            return False
        try:
            for decoder in self._decoders():
                decoder.add_word(word, phones, True)
        except (RuntimeError, ValueError) as error:
            log.warning(
                'PocketSphinx cannot use the pronunciation "%s" for "%s" (%s)', phones, word, error
            )
            return False
        return True

    def pronunciation(self, word: str) -> str | None:
        """The dictionary's phones for ``word`` (stress-free ARPAbet), or None."""
        with self._lock:
            phones: str | None = self._grammar_decoder.lookup_word(word.lower())
        return phones

    def known(self, word: str) -> bool:
        word = word.lower()
        return self._grammar_decoder.lookup_word(word) is not None or word in self._pronunciations

    def set_phrases(self, phrases: Sequence[str]) -> list[str]:
        unknown: dict[str, None] = {}
        usable: dict[str, None] = {}
        with self._lock:
            for phrase in phrases:
                words = words_of(phrase)
                missing = [word for word in words if not self._ensure_word(word)]
                unknown.update((word, None) for word in missing)
                if words and not missing:  # an unknown word would make the grammar fail
                    usable[" ".join(words)] = None
            if usable:
                grammar = (
                    "#JSGF V1.0;\ngrammar kiosk;\npublic <request> = (\n    "
                    + "\n  | ".join(usable)
                    + "\n) ;\n"
                )
                self._grammar_decoder.add_jsgf_string("kiosk", grammar)
                self._grammar_decoder.activate_search("kiosk")
            self._phrases = frozenset(usable)
        return list(unknown)

    def recognise(self, pcm16k: bytes) -> Recognition:
        pcm = pcm16k[: len(pcm16k) // 2 * 2]
        with self._lock:
            if not self._phrases or is_silent(pcm):
                return Recognition.nothing(self.name)
            transcript = _hypothesis(self._grammar_decoder, pcm)
            if not transcript:
                return Recognition.nothing(self.name)
            partial = transcript not in self._phrases
            words = transcript.split()
            if self._free_decoder is None:
                confidence = 0.5 if partial else 1.0
                return Recognition(
                    transcript, confidence, tuple((w, confidence) for w in words), self.name
                )
            free = _hypothesis(self._free_decoder, pcm)
            agreement, word_scores = self._agreement(words, free.split())
        confidence = agreement * (0.5 if partial else 1.0)
        alternatives = ((free, agreement),) if free else ()
        return Recognition(
            transcript,
            _clamp(confidence),
            tuple(zip(words, word_scores, strict=True)),
            self.name,
            alternatives,
        )

    def _agreement(self, words: list[str], free_words: list[str]) -> tuple[float, list[float]]:
        """How well the free transcript's phones match the grammar result's: the overall ratio
        and, for each grammar word, the share of its phones matched."""
        spans: list[tuple[int, int]] = []
        phones: list[str] = []
        for word in words:
            word_phones = _phones(self._grammar_decoder.lookup_word(word))
            spans.append((len(phones), len(phones) + len(word_phones)))
            phones += word_phones
        free_phones: list[str] = []
        for word in free_words:
            free_phones += _phones(self._grammar_decoder.lookup_word(word))
        if not phones or not free_phones:
            return 0.0, [0.0] * len(words)
        matcher = difflib.SequenceMatcher(None, phones, free_phones, autojunk=False)
        matched = [False] * len(phones)
        for block in matcher.get_matching_blocks():
            for index in range(block.a, block.a + block.size):
                matched[index] = True
        scores = [
            _clamp(sum(matched[start:end]) / (end - start)) if end > start else 0.0
            for start, end in spans
        ]
        return _clamp(matcher.ratio()), scores


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
