"""The PocketSphinx recogniser (the wheel's en-US acoustic model; always available).

This is the only module that imports ``pocketsphinx`` (besides
:mod:`kiosk.listen.engines.arpa`), and only inside functions, so importing it never fails when the
package is missing: the engine is then reported as unavailable (``EngineUnavailable``, worded for
staff).

One decoder searches the kiosk's *request language* (:mod:`kiosk.listen.language`: the content's
phrases, names and keywords in carrier templates, its page text, the command phrasings and everyday
words) as a trigram language model built at ``set_phrases``
(:func:`kiosk.listen.engines.arpa.trigram_arpa`). The whole utterance is decoded once, after the end
of speech, so that the model's batch cepstral mean normalisation applies (feeding pieces switched it
to a live mean left over from earlier requests), with a little seeded dither (digital silence broke
the features), and with PocketSphinx's feature extraction started anew (its running noise
estimate made what was heard depend on earlier requests: :func:`start_afresh`). The result has
each word's posterior probability from the lattice and the distinct transcripts of the ``NBEST``
best paths, each with its share of their posterior (:func:`path_shares`), as alternatives; both
are the evidence the matcher weighs (:meth:`kiosk.listen.matching.RequestMatcher.
match_recognition`).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from kiosk.listen.engines.arpa import trigram_arpa
from kiosk.listen.pcm import Utterance, dithered, without_silence
from kiosk.listen.pronouncing import PronouncingDictionary
from kiosk.listen.recognition import (
    RATE,
    EngineUnavailable,
    Recognition,
    clamp01,
    recognise_in_pieces,
    words_of,
)

log = logging.getLogger(__name__)

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


NBEST: Final = 30
"""How many of PocketSphinx's best paths are weighed: their distinct transcripts come back as
alternatives, each with its share of the paths' posterior (:func:`path_shares`); how much of
it points to what the transcript asks for is part of the evidence (:mod:`kiosk.listen.matching`)."""
CHOICE_NBEST: Final = 10
"""Best paths of the answer choice decode (``Recognition.choice``) whose shares are kept."""
NBEST_TEMPERATURE: Final = 0.05
"""How sharply the paths' scores decide their shares: each path weighs its score (PocketSphinx's
``1.0001 ** score``, the acoustic part scaled down by its senone score shift) to the power
1 / ``NBEST_TEMPERATURE``.

Measured on the development half heard three times (2,250 requests, the evidence refitted, each
voice left out in turn), in-scope requests acted on rightly at 0.4 / 0.6 / 1.0 % false actions:
the ten distinct transcripts counted alike, as before: 0.235 / 0.246 / 0.319; the 30 paths
counted alike: 0.221 / 0.261 / 0.337; weighted, temperature 0.03 / 0.05 / 0.07: 0.246 / 0.270 /
0.341, 0.246 / 0.267 / 0.341, 0.244 / 0.265 / 0.340 (0.01: 0.231 / 0.268 / 0.321; 0.2: 0.222 /
0.261 / 0.337). Weighted but only over the paths up to the tenth distinct transcript: 0.231 /
0.256 / 0.322."""


def path_shares(paths: Sequence[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """The distinct non-empty transcripts of ``paths`` ((transcript, PocketSphinx path score as
    ``1.0001 ** score``), best first), each with its share of the paths' posterior (0..1; paths
    of the same transcript add up), best first."""
    logs = [math.log(score) / NBEST_TEMPERATURE if score > 0.0 else -math.inf for _, score in paths]
    top = max(logs, default=-math.inf)
    if top == -math.inf:
        return ()
    weights = [math.exp(value - top) for value in logs]
    total = sum(weights)
    shares: dict[str, float] = {}
    for (text, _), weight in zip(paths, weights, strict=True):
        shares[text] = shares.get(text, 0.0) + weight / total
    ranked = sorted((item for item in shares.items() if item[0]), key=lambda item: -item[1])
    return tuple(ranked)


LM_SEARCH: dict[str, Any] = {}
"""Search settings of the request decoder beyond PocketSphinx's defaults. Tried and not kept:
without the second, flat-lexicon pass (``fwdflat`` off) a request decodes in two thirds of the
CPU time (development half, every 2nd clip: p50 138 -> 92 ms, p95 403 -> 264 ms) with about the
same accuracy, but the kiosk's own voice saying "go home" is heard as "go show"; a language
weight of 8.5 brings "go home" back but acts wrongly more often (0.67 -> 1.07 % on the
development half). Narrower beams (``beam``/``pbeam`` 1e-40, ``wbeam`` 1e-24) lose requests
(acted right clean 0.41 -> 0.39, 10 dB 0.25 -> 0.18); ``maxhmmpf`` 3000 changed nothing.

Measured again with the calibrated evidence rule (every clip of both halves, one condition at a
time; "heard right": the transcript's own match was what was asked):

- ``fwdflat`` off: CPU per request 157 -> 105 ms clean, 307 -> 192 ms at 10 dB; heard right
  clean 0.602 -> 0.600, 10 dB 0.386 -> 0.402, 5 dB 0.255 -> 0.226. The evidence refitted on its
  features (``kiosk.devtools.calibrate``) keeps to 0.40 % false actions on the development half
  only at 0.95, where it acts right on 0.233 of in-scope requests (0.263 now): faster, but it
  understands less.
- ``fwdflatsfwin`` 8 and ``fwdflatefwid`` 2: acted right clean 0.412 (the same), 10 dB 0.186 ->
  0.195, 5 dB 0.107 -> 0.102, 11 % less CPU at 10 dB: within the set's noise.
- ``fwdflatbeam`` 1e-40 and ``fwdflatwbeam`` 1e-20: acted right at 10 dB 0.186 -> 0.212, but 12
  false actions on the 10 dB clips instead of 2.
- Vocal tract length normalisation (``warp_params`` 0.92 / 1.08, ``inverse_linear``) on clean
  clips (every 3rd): heard right 0.643 / 0.621 against 0.621 unwarped, acted right 0.407 / 0.429
  against 0.407: no gain worth a decode per warp to choose one.

Measured again once ``hear`` went on hearing the room after a recording (development half,
every 2nd clip, 375; heard right / acted right, clean / 10 dB / 5 dB; main: 0.686 / 0.552 /
0.314 and 0.457 / 0.286 / 0.152, latency p95 132 ms):

- Wider beams (``beam``/``pbeam`` 1e-60, ``wbeam`` 1e-40, ``fwdflatbeam`` 1e-70,
  ``fwdflatwbeam`` 1e-40): 0.676 / 0.533 / 0.286 and 0.429 / 0.238 / 0.133, p95 552 ms.
- Language weight ``lw`` 8.5: 0.676 / 0.533 / 0.314 and 0.438 / 0.257 / 0.143, false actions
  0.27 -> 0.80 %; ``lw`` 5.0: 0.686 / 0.552 / 0.324 and 0.448 / 0.267 / 0.152, p95 220 ms.
- Word insertion penalty ``wip`` 0.2: 0.676 / 0.543 / 0.314 and 0.467 / 0.267 / 0.152; ``wip``
  2.0: 0.686 / 0.543 / 0.305 and 0.457 / 0.267 / 0.162. Within the subset's noise: not kept.
- The warp chosen per request: the same audio decoded at ``warp_params`` 0.88, 0.94, 1.0, 1.06
  and 1.12 (one decoder, ``reinit_feat`` with the warp set, 0.08 ms), keeping the result whose
  match has the most evidence. Every clip: heard right rose (held out, clean / 10 dB / 5 dB:
  0.505 / 0.371 / 0.214 -> 0.600 / 0.448 / 0.276), and so did false actions (held out 6 -> 13
  of 750). At equal false-action rates the share acted on right was no better (held out at
  0.4 / 1.0 %: 0.189 / 0.210 with one warp, 0.178 / 0.244 with five; development 0.283 / 0.352
  against 0.210 / 0.302), refitted evidence or not, for five decodes' CPU: not kept.

A phone-loop garbage competitor inside the one search (the issue's "phone loop entered at a
penalty"): the 39 phones of the model as one-phone filler words (``[GAA]`` ... ``[GZH]``, added to
the model's ``noisedict`` given as ``fdict``), which the search may use anywhere at the filler
penalty ``fillprob`` and which the transcript drops like the other fillers; the share of speech
frames they took was offered to the evidence as a further feature. Development half (750 clips),
evidence refitted on it; acted right of in-scope requests at 0.4 / 0.6 / 0.8 / 1.0 % false
actions, against 0.303 / 0.327 / 0.344 / 0.344 now:

- ``fillprob`` 1e-9: 0.254 / 0.276 / 0.298 / 0.302 (with the share; 0.229-0.268 without). Speech
  became garbage: heard right clean / 10 dB / 5 dB 0.690 / 0.443 / 0.300 -> 0.624 / 0.348 /
  0.248.
- 1e-14: 0.310 / 0.329 / 0.332 / 0.338 (heard right 0.700 / 0.419 / 0.281).
- 1e-20: 0.310 / 0.313 / 0.333 / 0.335 (heard right 0.705 / 0.433 / 0.300).
- 1e-30 (the garbage almost never taken; the noise fillers' penalty is the same setting):
  0.214 / 0.275 / 0.289 / 0.319.

Out-of-scope requests whose transcript matched some topic or command rose from 0.208 to
0.225-0.375 of them: the garbage took the place of the everyday words that keep such speech away
from the kiosk's own. Not kept. Nor a
lattice acoustic scale (``ascale``) of 6 or 60 for the word posteriors instead of 20 (the same
transcripts; refitted as above, 0.273-0.313 and 0.294-0.349), nor word posteriors summed over every
lattice link with the same word across a moment (a confusion network): PocketSphinx's node
posteriors already are that (the same values on the requests checked).

More frames a second (``frate`` 115 or 130 instead of 100: fast synthetic speech given more
frames per phone, as if slower): heard right on the development half, espeak-ng clean / 10 dB /
5 dB 0.686 / 0.476 / 0.314 -> 0.638 / 0.448 / 0.305 and 0.629 / 0.486 / 0.343, flite 0.695 /
0.410 / 0.286 -> 0.686 / 0.410 / 0.286 and 0.667 / 0.381 / 0.305; acted right (refitted, as
above) 0.230-0.332 and 0.246-0.317. Not kept.

Measured again with spectral gating (development half, every 2nd clip, 375; heard right / acted
right, clean / 10 dB / 5 dB; these settings: 0.657 / 0.571 / 0.381 and 0.438 / 0.295 / 0.219, no
false action, 76 s of CPU):

- More Gaussians scored per frame (``topn`` 8 / 16 instead of 4; the model is phonetically tied):
  0.657 / 0.581 / 0.390 and 0.467 / 0.286 / 0.229 with 3 false actions, 93 s; 0.686 / 0.543 /
  0.362 and 0.457 / 0.286 / 0.200 with 2, 116 s. Not kept.
- No phone lookahead (``pl_window`` 0): 0.667 / 0.571 / 0.390 and 0.448 / 0.295 / 0.219, 78 s:
  within the subset's noise. Not kept.
- The warp chosen per request by the decoder's own path score (``hyp().score``, acoustic and
  language together: the usual maximum-likelihood choice, blind to the matcher) rather than by
  the evidence: of 0.88, 0.94, 1.0, 1.06, 1.12, acted right over all three conditions 0.317 ->
  0.352 (development) and 0.257 -> 0.270 (held out), false actions 0 -> 1 and 5 -> 3 of 375,
  heard right 0.537 -> 0.537 and 0.444 -> 0.419; 0.88 was chosen most often (a third of the
  requests: the score favours a squeezed spectrum whatever was said). With three warps (0.94, 1.0,
  1.06): 0.340 and 0.260. Five (or three) decodes a request for 1 to 3 more requests in 100
  acted on right, within the subset's noise on the held-out half: not kept.
- PocketSphinx's own noise removal off behind the spectral gate (``remove_noise``, every clip,
  750 a half): development heard right 0.681 / 0.467 / 0.357 against 0.681 / 0.481 / 0.362 with
  it, held out 0.557 / 0.386 / 0.248 against 0.538 / 0.433 / 0.271; out-of-scope requests matched
  to something 32 of 120 against 29 of 120 (development). Not kept.

British pronunciations beside the dictionary's American ones (2026-12-06), by rule for every
word of the language: no R after a vowel unless a vowel follows ("doctor" D AO K T AH, "here"
HH IH AH), unstressed ER as AH, the rounded vowel of "stop" and "what", the long "a" of a list of
words ("can't", "after"). Whole bench, evidence as fitted for the dictionary alone: heard right
clean 0.590 -> 0.605 (espeak-ng's mostly British voices 0.495 -> 0.529, held out 0.371 ->
0.419), 10 dB 0.460 -> 0.460, 5 dB 0.307 -> 0.307 (Festival's American voices at 5 dB 0.390 ->
0.343); acted right 0.410 / 0.224 / 0.157 -> 0.407 / 0.214 / 0.155, false actions 0.60 -> 0.47 %,
latency p95 200 -> 227 ms. Refitted (``kiosk.devtools.calibrate``, development half, left-out
voices) it acted rightly on 0.272 of requests at 0.4 % false actions against 0.262 without
(same day), 0.309 / 0.325 / 0.347 against 0.311 / 0.336 / 0.351 at 0.6 / 0.8 / 1.0 %: words
heard better by British voices, no more requests acted on rightly. Not kept.

Fewer Gaussians scored per frame (``topn`` 3 instead of 4; 2026-12-06, on a machine whose
``host.loop_ms`` was 57, where this code's latency p95 was 301 ms): each decode 16-17 % quicker
(``topn`` 2: 28 %), latency p50 / p95 44.6 / 301.0 -> 17.3 / 233.5 ms. But, evidence as fitted
for 4, acted right 0.436 / 0.238 / 0.169 -> 0.429 / 0.233 / 0.162 (held out 0.386 / 0.243 /
0.119 -> 0.376 / 0.229 / 0.114), and the Festival voices' false actions 4 -> 7 of 375 (1.1 ->
1.9 %: "is there a shop here" heard as "is are softer" and acted on as Quieter). Not kept.
(``maxhmmpf`` 1500 changed neither the time nor the words on every second development clip:
the search is not that wide. At 5 dB the time is the first pass, about 55 % (p50 111 ms), and
the flat second pass with the best path, 45 %.)

The acoustic model adapted to the voices it is asked to hear (2026-12-07; sphinxtrain's ``bw``,
``mllr_solve`` and ``map_adapt``; the model's ``sendump`` unpacked into mixture weights, which
decode the same transcripts as the ``sendump``). Adaptation data: 375 requests made of the
content's body sentences (not its phrases, not the bench's phrasings), said by the development
half's espeak-ng and flite voices in the three conditions, through the kiosk's request audio and
noise reduction. Heard right (one decode of each request), held-out half clean / 10 dB / 5 dB and
in brackets its espeak-ng and flite voices clean; then Festival (unseen):

- not adapted: 0.519 / 0.433 / 0.257 (0.37, 0.67); Festival 0.781 / 0.638 / 0.390.
- MLLR (one transform of every mean), all conditions: 0.533 / 0.419 / 0.262 (0.41, 0.66). The
  whole bench, evidence as fitted: acted right 0.436 / 0.238 / 0.169 -> 0.438 / 0.224 / 0.150.
- MLLR from the clean requests only: 0.548 / 0.424 / 0.233 (0.44, 0.66), out-of-scope speech
  matched to something 32 -> 39 of 120; Festival 0.800 / 0.581 / 0.333. From the noisy only:
  0.538 / 0.424 / 0.267.
- MAP (every Gaussian moved), all: 0.605 / 0.429 / 0.276 (0.63, 0.58): espeak-ng's voices heard
  far better, flite's worse (10 dB 0.44 -> 0.34), Festival 0.705 / 0.438 / 0.362.
- MAP from the flite requests only (voices slt and kal16): the held-out flite voices (rms, awb)
  0.58 / 0.31 / 0.12 against 0.67 / 0.44 / 0.21; Festival 0.771 / 0.495 / 0.333.

Adapted to the development voices, the model hears them (and espeak-ng's other voices) better
and every other voice worse: it learns the synthesisers, and patients are not synthesisers. Not
kept."""


def _lm_decoder(arpa: str, dictionary: str) -> Any:
    """A PocketSphinx decoder searching the ARPA language model ``arpa``, with the pronunciation
    dictionary text ``dictionary``."""
    from pocketsphinx import Decoder

    with _memory_file("start.dict", dictionary) as dict_path, _memory_file("start.lm", arpa) as lm:
        return Decoder(samprate=RATE, loglevel="FATAL", lm=lm, dict=dict_path, **LM_SEARCH)


def _decode_whole(decoder: Any, search: str, pcm: bytes) -> Any:
    """Decode ``pcm`` as one whole utterance with ``search``: its hypothesis (None: nothing)."""
    if decoder.current_search() != search:
        decoder.activate_search(search)
    start_afresh(decoder)
    try:
        decoder.process_raw(pcm, full_utt=True)
    finally:
        decoder.end_utt()
    return decoder.hyp()


def _best_paths(decoder: Any, count: int) -> list[tuple[str, float]]:
    """The last decode's ``count`` best paths: (transcript, score as ``1.0001 ** score``)."""
    return [
        (_clean(entry.hypstr), float(entry.score))
        for entry in itertools.islice(decoder.nbest(), count)
        if entry is not None
    ]


def start_afresh(decoder: Any) -> None:
    """Begin an utterance on ``decoder`` as on a new decoder, so that what it hears does not
    depend on the utterances before it.

    The bundled model's ``feat.params`` turns on PocketSphinx's noise removal, whose running
    estimate of the noise carried over from one utterance to the next: the same request audio
    decoded three times in a row gave "the skull", "will", "will". Starting the feature
    extraction anew (``reinit_feat``, well under a millisecond) gives the same words every time.
    Turning the noise removal off also did (``remove_noise`` in the decoder's configuration;
    given to ``Decoder`` it is overridden by ``feat.params``), but the kiosk's own voice saying
    "go home" was then heard as "go show". Measured on every 2nd clip of each half (375 each),
    evidence refitted on the development half, acting at 0.95: carried over, acted right 0.219
    development / 0.162 held out, false actions 0 / 0.27 %; anew, 0.213 / 0.159, 0.27 % / 0.27 %;
    noise removal off, 0.263 / 0.200, 0.27 % / 1.07 %."""
    decoder.reinit_feat()
    decoder.start_utt()


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
    language (:mod:`kiosk.listen.language`) as a trigram language model.

    The whole utterance is decoded at once after the end of speech (``feed`` only keeps the
    audio): the model's ``feat.params`` asks for batch cepstral mean normalisation, which
    PocketSphinx applies only to audio given in one ``process_raw(..., full_utt=True)``; pieces
    switch it to live normalisation with a mean left over from earlier requests. A 3 s request
    decodes in well under real time.

    The result carries each word's posterior probability (from the lattice) and the distinct
    transcripts of the ``NBEST`` best paths with their shares of the paths' posterior as
    alternatives; ``confidence`` is the mean word posterior.

    ``pronunciations`` (word -> ARPAbet, stress digits allowed) are added to the dictionary for
    words it lacks (British spellings such as "hypercalcaemia").
    """

    name = "pocketsphinx"
    answering = False
    """While true, utterances are decoded with the answer language's model (see the Recogniser
    protocol)."""

    def __init__(self, pronunciations: Mapping[str, str], *, nbest: int = NBEST) -> None:
        try:
            import numpy  # noqa: F401  (for ``dithered``: loaded now, not at the first request)
            from pocketsphinx import Config
        except ImportError:
            raise EngineUnavailable(
                "the pocketsphinx or numpy Python package is not installed (run make run or make "
                "test to install the kiosk's packages)"
            ) from None
        started = time.perf_counter()
        try:
            # The whole dictionary (134,000 words) for look-ups and added words, read from its
            # file (a decoder holding it, as before, took 28 MB of the voice process); the
            # language's decoder gets only its own words.
            config = Config(lm=None)
            model = Path(config["hmm"])
            if not (model / "mdef").is_file():
                raise OSError(f"no acoustic model in {model}")
            noise = model / "noisedict"
            self._words = PronouncingDictionary(
                Path(config["dict"]), noise if noise.is_file() else None
            )
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
        self._answer_search = ""
        self._choice_search = ""
        self._generation = 0
        self._phrases: frozenset[str] = frozenset()
        self._utterance: Utterance | None = None
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
            self._words.add(word, phones)
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
        """The dictionary's phones for ``word``, remembered (every content reload looks up each
        word of the request language again)."""
        if word not in self._phones:
            self._phones[word] = self._words.lookup(word)
        return self._phones[word]

    def set_phrases(self, phrases: Sequence[str]) -> list[str]:
        """Build the language model from ``phrases`` (sentences of the request language; a
        repeated sentence counts more) and the everyday words."""
        from kiosk.listen.language import GENERAL_WORDS, answer_language_lines

        unknown: dict[str, None] = {}
        with self._lock:
            # The language cannot change inside an utterance: an unfinished one is dropped (its
            # finish() hears nothing).
            running = self._utterance is not None
            self._end_utterance()
            if running:
                self._utterance = Utterance()
                self._dropped = True
            sentences: list[list[str]] = []
            for phrase in phrases:
                words = words_of(phrase)
                missing = [word for word in words if not self._ensure_word(word)]
                unknown.update((word, None) for word in missing)
                if words and not missing:  # a sentence with an unknown word is left out
                    sentences.append(words)
            general = [w for w in dict.fromkeys(GENERAL_WORDS.split()) if self._ensure_word(w)]
            answers = [
                words
                for line in answer_language_lines()
                if (words := words_of(line)) and all(self._ensure_word(w) for w in words)
            ]
            self._phrases = frozenset(" ".join(s) for s in sentences)
            if sentences:
                self._set_language(sentences, general, answers)
            else:
                self._search = self._answer_search = self._choice_search = ""
        return list(unknown)

    def _set_language(
        self, sentences: list[list[str]], general: list[str], answers: list[list[str]]
    ) -> None:
        """Load the language models of ``sentences`` and of ``answers`` (each with ``general``;
        the lock is held)."""
        text = trigram_arpa(sentences, general)
        words = [*(w for s in sentences for w in s), *(w for s in answers for w in s), *general]
        dictionary = self._dictionary(words)
        old = (self._search, self._answer_search, self._choice_search)
        self._generation += 1
        name = f"requests{self._generation}"
        if self._decoder is None:
            self._decoder = _lm_decoder(text, dictionary)
            self._search = self._decoder.current_search()
        else:
            decoder = self._decoder
            with _memory_file("requests.dict", dictionary) as path:
                decoder.load_dict(path, None, None)
            with _memory_file("requests.lm", text) as path:
                decoder.add_lm_file(name, path)
            decoder.activate_search(name)
            self._search = name
        self._answer_search = self._choice_search = ""
        if answers:
            from kiosk.listen.language import answer_choice_grammar

            answer_name = f"answers{self._generation}"
            with _memory_file("answers.lm", trigram_arpa(answers, general)) as path:
                self._decoder.add_lm_file(answer_name, path)
            self._answer_search = answer_name
            choice_name = f"choice{self._generation}"
            self._decoder.add_jsgf_string(choice_name, answer_choice_grammar())
            self._choice_search = choice_name
        for search in old:
            if search and search not in (self._search, self._answer_search, self._choice_search):
                # Each model holds several MB: without this, every content reload grew the
                # process.
                with contextlib.suppress(RuntimeError, KeyError):
                    self._decoder.remove_search(search)

    def recognise(self, pcm16k: bytes) -> Recognition:
        return recognise_in_pieces(self, pcm16k)

    def start(self) -> None:
        with self._lock:
            self._end_utterance()
            self._utterance = Utterance()
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
            pcm = dithered(without_silence(audio))
            search = self._answer_search if self.answering and self._answer_search else self._search
            hypothesis = _decode_whole(decoder, search, pcm)
            if hypothesis is None:
                return Recognition.nothing(self.name)
            words = tuple(
                (word, clamp01(float(segment.prob)))
                for segment in decoder.seg()
                if (word := _word(segment.word))
            )
            paths = _best_paths(decoder, self.nbest)
            transcript = " ".join(word for word, _ in words)
            choice: tuple[tuple[str, float], ...] = ()
            if transcript and search == self._answer_search and self._choice_search:
                choice = self._choose_answer(decoder, pcm)
        if not transcript:
            return Recognition.nothing(self.name)
        confidence = clamp01(sum(p for _, p in words) / len(words))
        return Recognition(
            transcript, confidence, words, self.name, path_shares(paths), choice=choice
        )

    def _choose_answer(self, decoder: Any, pcm: bytes) -> tuple[tuple[str, float], ...]:
        """The answer ``pcm`` sounds most like: decoded with the answer choice grammar
        (:func:`kiosk.listen.language.answer_choice_grammar`), its transcript first, then its
        other best paths' transcripts, each with its share (the lock is held)."""
        hypothesis = _decode_whole(decoder, self._choice_search, pcm)
        best = "" if hypothesis is None else _clean(hypothesis.hypstr)
        if not best:
            return ()
        shares = dict(path_shares(_best_paths(decoder, CHOICE_NBEST)))
        return ((best, shares.pop(best, 0.0)), *shares.items())

    def cancel(self) -> None:
        with self._lock:
            self._end_utterance()

    def _end_utterance(self) -> None:
        """Forget the current utterance's audio (the lock is held)."""
        self._utterance = None
        self._audio = []
