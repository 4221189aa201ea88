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

**PocketSphinx** (the wheel's en-US acoustic model; always available). Two decoders, both fed while
the patient speaks (streaming, ``full_utt=False``): one searches a grammar of the phrases (a prefix
tree, :func:`phrase_tree`), the other (``free_text``) a small *request language model* built at
``set_phrases``: a bigram model (:func:`bigram_arpa`) of the kiosk's phrases (counted
``PHRASE_WEIGHT`` times), any ``set_corpus`` sentences and everyday English words
(``GENERAL_WORDS``, so speech the kiosk cannot help with is heard as other words). The
language-model transcript is the result's ``transcript`` (what was said); the grammar's (forced
onto the nearest phrase, or a partial path) is the first alternative, and the matcher uses it only
to corroborate (``RequestMatcher.match_recognition``). ``confidence`` is the phonetic agreement of
the two (``difflib`` ratio of their stress-free ARPAbet phone sequences, 0..1); word confidences
are the share of each word's phones matched. History: the full en-US language model as the free
pass took 160-430 ms after the audio and heard short phrases badly ("go home" as "oh how green");
grammar results alone are forced onto a phrase, so natural phrasings became other phrases. Without
the free pass the confidence is 1.0 for a whole phrase and 0.5 for a partial path.

Both engines return an empty transcript for audio with no sample above ``SILENCE_PEAK`` (digital
silence; PocketSphinx otherwise "hears" words in it).
"""

from __future__ import annotations

import contextlib
import difflib
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

# Everyday English for the request language model: what people say around and instead of a
# request (the most common English words, and general waiting-room speech), so speech the kiosk
# cannot help with is heard as other words rather than forced onto the kiosk's vocabulary.
GENERAL_WORDS: Final = """
the be to of and a in that have i it for not on with he as you do at this but his by from they
we say her she or an will my one all would there their what so up out if about who get which go
me when make can like time no just him know take people into year your good some could them see
other than then now look only come its over think also back after use two how our work first
well way even new want because any these give day most us is are was were been has had did does
where here why yes yeah okay oh please thank thanks sorry excuse hello hi morning afternoon
today tomorrow yesterday minute hour week wait waiting late early soon long left right down
near next door room floor stairs lift car park bus train taxi ticket money pay card phone call
number name address home house family husband wife son daughter mother father friend nurse
doctor appointment reception desk toilet water coffee tea drink eat food lunch shop open close
closed where's what's it's i'm don't can't that's there's lost find found keep put sit stand
walk bring leave told tell said ask help weather cold warm hot rain outside inside window chair
bag coat glasses key keys watch read write paper letter form sign pen book magazine television
"""


def _arpa_log(p: float) -> str:
    return f"{math.log10(p):.4f}" if p > 0 else "-99"


def bigram_arpa(
    sentences: Sequence[Sequence[str]],
    extra_words: Iterable[str] = (),
    *,
    discount: float = 0.5,
    extra_count: float = 0.3,
) -> str:
    """An ARPA bigram language model of ``sentences`` (lists of words), with absolute
    discounting and back-off to unigrams; ``extra_words`` join the vocabulary with a small count
    each (``extra_count``), so they can be heard but are less likely than the sentences' words."""
    unigrams: dict[str, float] = {}
    bigrams: dict[str, dict[str, float]] = {}
    for sentence in sentences:
        tokens = ["<s>", *sentence, "</s>"]
        for word in tokens[1:]:
            unigrams[word] = unigrams.get(word, 0.0) + 1.0
        for left, right in itertools.pairwise(tokens):
            following = bigrams.setdefault(left, {})
            following[right] = following.get(right, 0.0) + 1.0
    for word in extra_words:
        unigrams[word] = unigrams.get(word, 0.0) + extra_count
    unigrams.setdefault("</s>", 1.0)
    total = sum(unigrams.values())
    p_uni = {word: count / total for word, count in unigrams.items()}
    lines_uni: list[str] = []
    lines_bi: list[str] = []
    backoff: dict[str, float] = {}
    for left, following in bigrams.items():
        count = sum(following.values())
        seen_mass = 0.0
        seen_uni = 0.0
        for right, c in following.items():
            p = max(c - discount, 0.0) / count
            seen_mass += p
            seen_uni += p_uni.get(right, 0.0)
            lines_bi.append(f"{_arpa_log(p)} {left} {right}")
        left_over = 1.0 - seen_mass
        backoff[left] = left_over / max(1e-9, 1.0 - seen_uni)
    lines_uni.append(f"-99 <s> {math.log10(backoff.get('<s>', 1.0)):.4f}")
    for word, p in p_uni.items():
        if word in backoff:
            lines_uni.append(f"{_arpa_log(p)} {word} {math.log10(backoff[word]):.4f}")
        else:
            lines_uni.append(f"{_arpa_log(p)} {word}")
    return (
        "\\data\\\n"
        f"ngram 1={len(lines_uni)}\nngram 2={len(lines_bi)}\n\n"
        "\\1-grams:\n" + "\n".join(lines_uni) + "\n\n"
        "\\2-grams:\n" + "\n".join(lines_bi) + "\n\n\\end\\\n"
    )


_STRESS = re.compile(r"\d")


def _phones(pronunciation: str | None) -> list[str]:
    return _STRESS.sub("", pronunciation or "").split()


def _hypothesis(decoder: Any) -> str:
    """The decoder's hypothesis (after ``end_utt``) in lower case without fillers or variant
    marks."""
    hyp = decoder.hyp()
    if hyp is None:
        return ""
    words = (re.sub(r"\(\d+\)$", "", word) for word in hyp.hypstr.lower().split())
    return " ".join(w for w in words if w and not w.startswith(("<", "[", "+")))


LM_SEARCH: Final[dict[str, Any]] = {}
"""Search settings of the language-model pass beyond PocketSphinx's defaults (a lower word
insertion penalty and a higher silence probability, ``{"wip": 0.05, "silprob": 0.1}``, were
tried against noise before and after the request: no better on the dev half)."""
PHRASE_WEIGHT: Final = 3
"""How many times the kiosk's phrases count in the request language model."""


def _lm_decoder(arpa: str, dictionary: str | None = None) -> Any:
    """A PocketSphinx decoder searching the ARPA language model ``arpa``, with the pronunciation
    dictionary ``dictionary`` (text in the dictionary format; None: the model's whole
    dictionary)."""
    from pocketsphinx import Decoder

    with contextlib.ExitStack() as files:
        extra: dict[str, str] = {}
        if dictionary is not None:
            extra["dict"] = files.enter_context(_memory_file("start.dict", dictionary))
        path = files.enter_context(_memory_file("start.lm", arpa))
        return Decoder(samprate=RATE, loglevel="FATAL", lm=path, **extra, **LM_SEARCH)


def phrase_tree(
    phrases: Iterable[str],
) -> tuple[int, list[tuple[int, int, float, str] | tuple[int, int, float]]]:
    """The phrases as a finite-state grammar that shares their beginnings (a prefix tree):
    (final state, transitions ``(from, to, probability, word)``, or ``(from, to, probability)``
    into the final state where a phrase ends). State 0 is the start. Each phrase has the same
    probability, 1 / the number of phrases, as in a plain list of alternatives.

    Why a tree: a list of alternatives gives every phrase its own copy of its first words
    ("tell me about ..."), and the decoder works on every copy at once; with 1,000 topics
    (2,500 phrases) that decoded slower than real time."""
    children: list[dict[str, int]] = [{}]
    through = [0]  # phrases through each state
    ending = [0]  # phrases ending at each state
    for phrase in dict.fromkeys(phrases):
        state = 0
        through[0] += 1
        for word in phrase.split():
            following = children[state].get(word)
            if following is None:
                following = children[state][word] = len(children)
                children.append({})
                through.append(0)
                ending.append(0)
            state = following
            through[state] += 1
        ending[state] += 1
    final = len(children)
    transitions: list[tuple[int, int, float, str] | tuple[int, int, float]] = []
    for state, branches in enumerate(children):
        for word, target in branches.items():
            transitions.append((state, target, through[target] / through[state], word))
        if ending[state]:
            transitions.append((state, final, ending[state] / through[state]))
    return final, transitions


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
    """PocketSphinx with the en-US model bundled in its wheel: a grammar of the phrases, plus
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
            general = self._general_words(self._grammar_decoder)
            self._free_decoder: Any = (
                _lm_decoder(bigram_arpa([], general), self._dictionary(general))
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
        self._utterance: _Utterance | None = None
        self._corpus: list[list[str]] = []
        self._generation = 0
        self._decoding = False  # the decoders are inside an utterance
        for word in self._pronunciations:
            self._ensure_word(word)

    @property
    def free_text(self) -> bool:
        return self._free_decoder is not None

    def _dictionary(self, words: Iterable[str]) -> str:
        """Pronunciation dictionary text for ``words`` (each with all its pronunciations), from
        the grammar decoder's dictionary: the language-model pass gets only the words its model
        has, because PocketSphinx works through its whole dictionary (134,000 words) whenever a
        model is loaded (≈1 s each time)."""
        lookup = self._grammar_decoder.lookup_word
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

    def _general_words(self, decoder: Any | None) -> list[str]:
        words = [w for w in GENERAL_WORDS.split()]
        if decoder is None:
            return words
        return [w for w in words if decoder.lookup_word(w) is not None]

    def set_corpus(self, sentences: Sequence[str]) -> None:
        """More sentences for the request language model (the content's text): applied at the
        next ``set_phrases``."""
        self._corpus = [words_of(sentence) for sentence in sentences]

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
            # Only the grammar decoder's dictionary: the language-model pass gets its words
            # from there at each set_phrases. No search update: set_phrases builds the grammar
            # after adding the words.
            self._grammar_decoder.add_word(word, phones, False)
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
            # The grammar cannot change inside an utterance: an unfinished one is dropped (its
            # finish() hears nothing).
            if self._decoding:
                self._end_utterance()
                self._utterance = _Utterance()
            for phrase in phrases:
                words = words_of(phrase)
                missing = [word for word in words if not self._ensure_word(word)]
                unknown.update((word, None) for word in missing)
                if words and not missing:  # an unknown word would make the grammar fail
                    usable[" ".join(words)] = None
            if usable:
                final, transitions = phrase_tree(usable)
                grammar = self._grammar_decoder.create_fsg("kiosk", 0, final, transitions)
                self._grammar_decoder.add_fsg("kiosk", grammar)
                self._grammar_decoder.activate_search("kiosk")
            self._phrases = frozenset(usable)
            if self._free_decoder is not None:
                self._set_language(list(usable))
        return list(unknown)

    def _set_language(self, phrases: list[str]) -> None:
        """The free pass's language model: the phrases (weighted up), the corpus and everyday
        words (the lock is held)."""
        decoder = self._free_decoder
        lookup = self._grammar_decoder.lookup_word
        sentences = [p.split() for p in phrases] * PHRASE_WEIGHT
        for sentence in self._corpus:
            if all(lookup(w) is not None for w in sentence):
                sentences.append(sentence)
        general = self._general_words(self._grammar_decoder)
        text = bigram_arpa(sentences, general)
        words = [w for sentence in sentences for w in sentence]
        with _memory_file("requests.dict", self._dictionary([*words, *general])) as path:
            decoder.load_dict(path, None, None)
        old = f"domain{self._generation}" if self._generation else None
        self._generation += 1
        name = f"domain{self._generation}"
        with _memory_file("requests.lm", text) as path:
            decoder.add_lm_file(name, path)
        decoder.activate_search(name)
        if old is not None:
            # Each model holds ~16 MB: without this, every content reload grew the process.
            decoder.remove_search(old)

    def recognise(self, pcm16k: bytes) -> Recognition:
        return recognise_in_pieces(self, pcm16k)

    # Streaming: both decoders decode each piece as it comes (``full_utt=False``), so at the end
    # of speech only the last piece and the search's end remain to be done.

    def start(self) -> None:
        with self._lock:
            self._end_utterance()
            if not self._phrases:
                self._utterance = _Utterance()
                return
            for decoder in self._decoders():
                decoder.start_utt()
            self._utterance = _Utterance()
            self._decoding = True

    def feed(self, pcm16k: bytes) -> None:
        with self._lock:
            utterance = self._utterance
            if utterance is None:
                raise RuntimeError("feed() without start()")
            data = utterance.take(pcm16k)
            if data and self._decoding:
                for decoder in self._decoders():
                    decoder.process_raw(data, full_utt=False)

    def finish(self) -> Recognition:
        with self._lock:
            utterance, decoding = self._utterance, self._decoding
            if utterance is None:
                raise RuntimeError("finish() without start()")
            self._end_utterance()
            if not decoding or utterance.silent:
                return Recognition.nothing(self.name)
            grammar = _hypothesis(self._grammar_decoder)
            if self._free_decoder is None:
                if not grammar:
                    return Recognition.nothing(self.name)
                confidence = 1.0 if grammar in self._phrases else 0.5
                words = tuple((w, confidence) for w in grammar.split())
                return Recognition(grammar, confidence, words, self.name)
            free = _hypothesis(self._free_decoder)
            if not free and not grammar:
                return Recognition.nothing(self.name)
            transcript = free or grammar
            agreement, word_scores = self._agreement(transcript.split(), grammar.split())
        alternatives = ((grammar, agreement),)
        return Recognition(
            transcript,
            _clamp(agreement),
            tuple(zip(transcript.split(), word_scores, strict=True)),
            self.name,
            alternatives,
        )

    def cancel(self) -> None:
        with self._lock:
            self._end_utterance()

    def _end_utterance(self) -> None:
        """End the decoders' utterance, if one is running (the lock is held)."""
        if self._decoding:
            for decoder in self._decoders():
                decoder.end_utt()
        self._decoding = False
        self._utterance = None

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
