"""The Vosk recogniser: a runtime grammar on a small "lookahead" model.

This is the only module that imports ``vosk``, and only inside the class, so importing it never
fails when the package is missing: the engine is then reported as unavailable
(``EngineUnavailable``, worded for staff).

Configuration: ``SetWords(True)`` and no alternatives (the default ``max_alternatives=0``). Vosk
then returns each word with ``conf``, its posterior from the lattice (minimum Bayes risk
decoding), already 0..1. ``confidence`` is the mean word posterior where ``[unk]`` words count as
0, so speech that is partly outside the grammar scores low; ``[unk]`` words are dropped from the
transcript (only ``[unk]``: empty transcript). Measured with the Korean model: in-grammar speech
1.0 per word, English speech forced onto Korean words 0.41-0.49. With ``max_alternatives > 0``
Vosk returns n-best ``alternatives`` whose ``confidence`` is an unnormalised log score with no
word posteriors; they are turned into 0..1 by a softmax over the n-best list, which flattens
badly (0.51 for the same in-grammar speech), hence the default. Both result shapes are parsed
(:func:`parse_vosk_result`).

Vosk threading (shared/VOICE.md): one shared ``Model``; one ``KaldiRecognizer`` per thread and per
grammar, created lazily in the thread that uses it and reused with ``Reset()``; ``set_phrases``
only swaps the grammar text, the recogniser is rebuilt before the next utterance (``SetGrammar``
is never called). A grammar is never empty (Vosk 0.3.45 segfaults on ``[]``): with no usable
phrase nothing is decoded. ``[unk]`` is added only when the model has it (the Korean test model
does not; Vosk would log a warning and drop it).

Kaldi may abort the process that loads a damaged model (the damage tried so far, truncated
``am/final.mdl`` or ``graph/HCLr.fst`` and files of garbage, gave clean errors; Vosk does abort or
segfault on other misuse), so a model is first loaded in a child process
(:func:`kiosk.listen.models.load_problem`, ≈3 s for the Korean test model) unless the stamp written
by ``voices install`` (or by a previous successful check) says it loaded before, unchanged.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from kiosk.listen import models
from kiosk.listen.pcm import Utterance
from kiosk.listen.recognition import (
    RATE,
    EngineUnavailable,
    Recognition,
    clamp01,
    recognise_in_pieces,
    words_of,
)
from kiosk.paths import REPO_ROOT

UNK: Final = "[unk]"
INSTALL_HINT: Final = "install it with: python run_kiosk.py voices install"
REINSTALL_HINT: Final = "reinstall it with: python run_kiosk.py voices install"


def shown_path(path: Path) -> str:
    """``path`` as staff see it: relative to the repository when inside it."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


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
    tokens = [(word, clamp01(conf)) for word, conf in tokens if word]
    kept = tuple((word, conf) for word, conf in tokens if word != UNK)
    if not kept:
        return Recognition.nothing(engine)
    confidence = clamp01(sum(conf for _, conf in kept) / len(tokens))
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
        ranked.append((" ".join(kept), clamp01(weight / total * share)))
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
    answering = False
    """Not used: Vosk hears answers with the request grammar (no English model could be measured
    here to build an answer grammar on)."""

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
        self._local.utterance = Utterance()
        self._local.decoding = self._recogniser()

    def feed(self, pcm16k: bytes) -> None:
        utterance: Utterance | None = getattr(self._local, "utterance", None)
        if utterance is None:
            raise RuntimeError("feed() without start()")
        data = utterance.take(pcm16k)
        recogniser = self._local.decoding
        if data and recogniser is not None:
            recogniser.AcceptWaveform(data)

    def finish(self) -> Recognition:
        utterance: Utterance | None = getattr(self._local, "utterance", None)
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
