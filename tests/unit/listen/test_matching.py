"""Request understanding on the real seed content: phrases, natural speech, commands, borderline
requests and out-of-scope speech.

Two sets of natural phrasings: the development set (``DEV_*``) was used while tuning the scoring;
the held-out set (``HELD_OUT_*``) was written before the matcher existed and was run once, after
tuning, to report how the scoring generalises. Do not tune the matcher to the held-out sentences:
add new sentences to the development set instead.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from kiosk.content import ContentSet, load_content
from kiosk.listen import matching
from kiosk.listen.commands import COMMAND_DESCRIPTIONS, COMMAND_PHRASES, COMMANDS
from kiosk.listen.matching import (
    EVIDENCE_FEATURES,
    NOT_RECOGNISED_MESSAGE,
    CommandMatch,
    Match,
    NotRecognised,
    RequestMatcher,
    TopicMatch,
    confirmation_prompt,
    grammar_words,
    normalise,
)
from kiosk.listen.recognition import Recognition

CONTENT_ROOT = Path(__file__).resolve().parents[3] / "content"

# --- development set: used while tuning -----------------------------------------------------------

DEV_TOPICS: list[tuple[str, set[str]]] = [
    ("tell me about secondary breast cancer", {"overview"}),
    ("has it spread to my bones", {"overview"}),
    ("is my cancer in the bone", {"overview"}),
    ("which bones are affected", {"overview"}),
    ("can secondary breast cancer be cured", {"overview"}),
    ("what happens to my bones", {"bone-changes"}),
    ("how does cancer change my bones", {"bone-changes", "overview"}),
    ("what are osteoblasts and osteoclasts", {"bone-changes"}),
    ("how do bones stay strong", {"bone-changes"}),
    ("what symptoms can i get", {"symptoms"}),
    ("what should i look out for", {"symptoms", "spinal-cord-compression"}),
    ("tell me about symptoms", {"symptoms"}),
    ("i have some new symptoms", {"symptoms"}),
    ("will i feel unwell", {"symptoms"}),
    ("my bones really ache", {"pain"}),
    ("i have bone pain", {"pain"}),
    ("how can i manage the pain", {"pain"}),
    ("the pain is bad at night", {"pain"}),
    ("tell me about bone pain", {"pain"}),
    ("i broke a bone", {"fracture"}),
    ("can my bones fracture", {"fracture"}),
    ("my bones feel weak", {"fracture"}),
    ("what is a fracture", {"fracture"}),
    ("will i need an operation", {"fracture"}),
    ("my legs have gone weak", {"spinal-cord-compression"}),
    ("my back hurts more and more", {"spinal-cord-compression"}),
    ("my back hurts a lot", {"spinal-cord-compression", "pain"}),
    ("i can't control my bladder anymore", {"spinal-cord-compression"}),
    ("my spine is tender", {"spinal-cord-compression"}),
    ("i've got tingling in my legs", {"spinal-cord-compression"}),
    ("what is cord compression", {"spinal-cord-compression"}),
    ("i keep being sick and i'm really thirsty", {"hypercalcaemia"}),
    ("what's hypercalcaemia", {"hypercalcaemia"}),
    ("hypercalcemia", {"hypercalcaemia"}),
    ("my calcium is too high", {"hypercalcaemia"}),
    ("i'm very thirsty all the time", {"hypercalcaemia"}),
    ("i feel sick and muddled", {"hypercalcaemia"}),
    ("tell me about anaemia", {"anaemia"}),
    ("what is anemia", {"anaemia"}),
    ("i get breathless", {"anaemia"}),
    ("my red blood cell count is low", {"anaemia"}),
    ("i'm out of breath", {"anaemia"}),
    ("i'm exhausted all the time", {"fatigue"}),
    ("why am i always so tired", {"fatigue"}),
    ("i've got no energy", {"fatigue"}),
    ("tell me about fatigue", {"fatigue"}),
    ("tiredness", {"fatigue"}),
    ("i want to speak to someone", {"support"}),
    ("what is the helpline number", {"support"}),
    ("i've got a question", {"support"}),
    ("who do i contact", {"support"}),
]
DEV_COMMANDS: list[tuple[str, str]] = [
    ("stop please", "stop"),
    ("could you go back", "back"),
    ("read it to me please", "read"),
    ("can you speak up", "louder"),
    ("turn it down please", "quieter"),
    ("slow down please", "slower"),
    ("please speed up", "faster"),
    ("yes please", "yes"),
    ("no thank you", "no"),
    ("go to the main menu", "home"),
    ("wait a second", "pause"),
    ("it's an emergency", "emergency"),
    ("how do i use it", "help"),
    ("say that again please", "repeat"),
]
DEV_OUT_OF_SCOPE: list[str] = [
    "where is the toilet",
    "what time is it",
    "can i get a coffee",
    "is the doctor running late",
    "hello",
    "purple elephant window",
    "",
    "   ",
    "[unk]",
    "[unk] [unk]",
    "where's the car park",
    "how do i get to the x ray department",
    "i need a wheelchair",
    "can i have a glass of water",
    "thank you very much",
    "what's your name",
    "i'm here for my appointment",
    "who won the football",
    "the bus is late",
    "my phone battery is dead",
    "where can i buy a newspaper",
    "can i borrow a pen",
    "is it going to rain",
    "where is ward seven",
    "my name is mary",
    "where do i get my blood test",
    "i have a headache",
    "my tooth hurts",
    "is the pharmacy open",
    "i need to see a nurse",
    "can i get a prescription",
    "how much does parking cost",
    "i've got a cough",
]

# --- held-out set: written before the matcher, never tuned on -------------------------------------

HELD_OUT_TOPICS: list[tuple[str, set[str]]] = [
    ("has the cancer gone into my bones", {"overview"}),
    ("what does secondary cancer in the bone mean", {"overview"}),
    ("is it bone cancer that i have", {"overview"}),
    ("can this be cured", {"overview"}),
    ("what is the cancer doing to my bones", {"bone-changes", "overview"}),
    ("how do healthy bones work", {"bone-changes"}),
    ("what do osteoclasts do", {"bone-changes"}),
    ("what symptoms should i expect", {"symptoms"}),
    ("what are the signs i should watch for", {"symptoms", "spinal-cord-compression"}),
    ("i've got a new symptom", {"symptoms"}),
    ("my bones ache all the time", {"pain"}),
    ("how can i ease the pain in my bones", {"pain"}),
    ("my bones are really painful", {"pain"}),
    ("what can help with bone pain", {"pain"}),
    ("could my bones break easily", {"fracture"}),
    ("i think my arm is broken", {"fracture"}),
    ("will i need surgery if a bone breaks", {"fracture"}),
    ("my legs have gone numb", {"spinal-cord-compression"}),
    ("i can't feel my legs properly", {"spinal-cord-compression"}),
    ("my back pain keeps getting worse", {"spinal-cord-compression"}),
    ("i've got pins and needles in my feet", {"spinal-cord-compression"}),
    ("what does hypercalcemia mean", {"hypercalcaemia"}),
    ("my calcium levels are too high", {"hypercalcaemia"}),
    ("i'm always thirsty and feel sick", {"hypercalcaemia"}),
    ("i feel confused and sleepy", {"hypercalcaemia"}),
    ("i'm anemic", {"anaemia"}),
    ("my blood count is low", {"anaemia"}),
    ("will i need a transfusion", {"anaemia"}),
    ("i'm always short of breath", {"anaemia"}),
    ("i have no energy at all", {"fatigue"}),
    ("why do i feel so exhausted", {"fatigue"}),
    ("i'm worn out all the time", {"fatigue"}),
    ("the tiredness won't go away", {"fatigue"}),
    ("who can i speak to", {"support"}),
    ("what number can i call for help", {"support"}),
    ("i'd like to ask a question", {"support"}),
    ("where is this information from", {"support"}),
]
HELD_OUT_COMMANDS: list[tuple[str, str]] = [
    ("please stop", "stop"),
    ("go back please", "back"),
    ("can you read it out", "read"),
    ("turn the volume up", "louder"),
    ("a bit slower please", "slower"),
    ("say it again", "repeat"),
    ("yes that's it", "yes"),
    ("no that's not it", "no"),
    ("back to the start", "home"),
    ("hold on a second", "pause"),
]
HELD_OUT_OUT_OF_SCOPE: list[str] = [
    "where are the toilets",
    "what time does the pharmacy close",
    "is there somewhere i can get a sandwich",
    "i'm waiting for my husband",
    "how long is the wait",
    "where do i park my car",
    "can you call a taxi",
    "my appointment is at ten o'clock",
    "what's the weather like",
    "where is reception",
    "good morning",
    "i've lost my glasses",
    "is the cafe open",
    "banana keyboard purple",
]

# Topic expected, command expected, or None for "must not be recognised".
Case = tuple[str, set[str] | str | None]


def _cases(
    topics: list[tuple[str, set[str]]], commands: list[tuple[str, str]], outside: list[str]
) -> list[Case]:
    return [
        *((text, ids) for text, ids in topics),
        *((text, command) for text, command in commands),
        *((text, None) for text in outside),
    ]


DEV_CASES = _cases(DEV_TOPICS, DEV_COMMANDS, DEV_OUT_OF_SCOPE)
HELD_OUT_CASES = _cases(HELD_OUT_TOPICS, HELD_OUT_COMMANDS, HELD_OUT_OUT_OF_SCOPE)


def _is_right(result: Match, expected: set[str] | str | None) -> bool:
    """Right target (confident or asked), or "not recognised" for out-of-scope speech."""
    if expected is None:
        return isinstance(result, NotRecognised)
    if isinstance(expected, str):
        return isinstance(result, CommandMatch) and result.command == expected
    return isinstance(result, TopicMatch) and result.topic_id in expected


def _is_false_action(result: Match, expected: set[str] | str | None) -> bool:
    """Acted on at once, but on the wrong thing (or on out-of-scope speech)."""
    if isinstance(result, NotRecognised) or not result.confident:
        return False
    return not _is_right(result, expected)


def _is_wrong(result: Match, expected: set[str] | str | None) -> bool:
    """Proposed a wrong target (acted or asked); "not recognised" is a miss, not wrong."""
    return not isinstance(result, NotRecognised) and not _is_right(result, expected)


def _report(label: str, matcher: RequestMatcher, cases: list[Case]) -> dict[str, float]:
    results = [(text, expected, matcher.match(text)) for text, expected in cases]
    right = sum(_is_right(r, e) for _, e, r in results)
    confident = sum(
        _is_right(r, e) and (isinstance(r, NotRecognised) or r.confident) for _, e, r in results
    )
    false_actions = [(t, r) for t, e, r in results if _is_false_action(r, e)]
    wrong = [(t, r) for t, e, r in results if _is_wrong(r, e)]
    misses = [(t, r) for t, e, r in results if not _is_right(r, e)]
    n = len(results)
    print(
        f"\n{label}: accuracy {right / n:.3f} ({right}/{n}); acted on at once when right "
        f"{confident / n:.3f}; wrong target proposed {len(wrong)}; false actions "
        f"{len(false_actions)}"
    )
    for text, result in misses:
        print(f"  miss: {text!r} -> {result}")
    return {
        "accuracy": right / n,
        "wrong": float(len(wrong)),
        "false_actions": float(len(false_actions)),
    }


@pytest.fixture(scope="module")
def content() -> ContentSet:
    load = load_content(CONTENT_ROOT)
    assert load.content is not None, [p.message for p in load.problems]
    return load.content


@pytest.fixture(scope="module")
def matcher(content: ContentSet) -> RequestMatcher:
    return RequestMatcher(content)


# --- the content's own phrases and titles ---------------------------------------------------------


def test_every_topic_phrase_matches_its_topic_confidently(
    content: ContentSet, matcher: RequestMatcher
) -> None:
    failures = []
    for topic in content.topics:
        for phrase in topic.phrases:
            result = matcher.match(phrase)
            if not (
                isinstance(result, TopicMatch) and result.topic_id == topic.id and result.confident
            ):
                failures.append((topic.id, phrase, result))
    assert not failures
    assert len(content.topics) == 10


def test_titles_and_topic_names_match_confidently(
    content: ContentSet, matcher: RequestMatcher
) -> None:
    for topic in content.topics:
        result = matcher.match(topic.title)
        assert isinstance(result, TopicMatch), (topic.title, result)
        assert (result.topic_id, result.confident) == (topic.id, True)
    for text, topic_id in [
        ("anaemia", "anaemia"),
        ("hypercalcaemia", "hypercalcaemia"),
        ("fatigue", "fatigue"),
        ("tiredness", "fatigue"),
        ("fractures", "fracture"),
        ("spinal cord compression", "spinal-cord-compression"),
        ("symptoms", "symptoms"),
    ]:
        result = matcher.match(text)
        assert isinstance(result, TopicMatch), (text, result)
        assert (result.topic_id, result.confident) == (topic_id, True), text


# --- natural speech -------------------------------------------------------------------------------


def test_development_phrasings(matcher: RequestMatcher) -> None:
    """Natural phrasings not in the content files: right topic (acted on or asked), never wrong."""
    report = _report("development set", matcher, DEV_CASES)
    assert report["wrong"] == 0
    assert report["false_actions"] == 0
    assert report["accuracy"] >= 0.95
    for topic_id in {i for _, ids in DEV_TOPICS for i in ids if len(ids) == 1}:
        own = [text for text, ids in DEV_TOPICS if ids == {topic_id}]
        right = [text for text in own if _is_right(matcher.match(text), {topic_id})]
        assert len(right) >= 3, (topic_id, own)


def test_held_out_phrasings(matcher: RequestMatcher) -> None:
    """Run once after tuning; the figures are reported, not tuned to. A held-out request must
    never be acted on wrongly (a wrong page, or an action on out-of-scope speech)."""
    report = _report("held-out set", matcher, HELD_OUT_CASES)
    assert report["false_actions"] == 0
    assert report["accuracy"] >= 0.75


@pytest.mark.parametrize(
    ("text", "topic_id"),
    [
        ("I feel tired all the time.", "fatigue"),
        ("My bones hurt!", "pain"),
        ("What's hypercalcaemia?", "hypercalcaemia"),
        ("whats hypercalcaemia", "hypercalcaemia"),
        ("What is hypercalcemia", "hypercalcaemia"),
        ("what is anemia", "anaemia"),
        ("Tell me about ANAEMIA", "anaemia"),
        ("what\u2019s the helpline number", "support"),
    ],
)
def test_spelling_case_and_contractions(matcher: RequestMatcher, text: str, topic_id: str) -> None:
    result = matcher.match(text)
    assert isinstance(result, TopicMatch)
    assert (result.topic_id, result.confident) == (topic_id, True)


def test_normalise() -> None:
    assert normalise("What's  hypercalcemia?!") == ["what", "is", "hypercalcaemia"]
    assert normalise("I can't hear you, please") == ["i", "can", "not", "hear", "you"]
    assert normalise("um [unk] anemic") == ["<unk>", "anaemic"]
    assert normalise("no thank you") == ["no"]
    assert grammar_words("Hypercalcaemia (too much calcium in the blood)") == [
        "hypercalcaemia",
        *("too", "much", "calcium", "in", "the", "blood"),
    ]


# --- commands -------------------------------------------------------------------------------------


def test_the_fourteen_commands() -> None:
    assert set(COMMANDS) == {
        *("home", "back", "read", "stop", "pause", "repeat", "emergency", "help"),
        *("louder", "quieter", "slower", "faster", "yes", "no"),
    }
    assert set(COMMAND_DESCRIPTIONS) == set(COMMANDS)
    seen: dict[str, str] = {}
    for command, phrasings in COMMAND_PHRASES.items():
        assert len(phrasings) >= 4, command
        for phrasing in phrasings:
            assert re.fullmatch(r"[a-z]+(?:'[a-z]+)?(?: [a-z]+(?:'[a-z]+)?)*", phrasing)
            assert seen.setdefault(phrasing, command) == command, phrasing


def test_every_command_phrasing_matches_confidently(matcher: RequestMatcher) -> None:
    failures = []
    for command, phrasings in COMMAND_PHRASES.items():
        for phrasing in phrasings:
            result = matcher.match(phrasing)
            if result != CommandMatch(command, 1.0, True):
                failures.append((phrasing, result))
    assert not failures


@pytest.mark.parametrize("command", COMMANDS)
def test_one_word_commands_are_never_topics(matcher: RequestMatcher, command: str) -> None:
    assert matcher.match(command) == CommandMatch(command, 1.0, True)
    assert matcher.match(command.upper() + "!") == CommandMatch(command, 1.0, True)


# --- borderline, out of scope, engine confidence --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("tired", {"fatigue", "anaemia"}),
        ("calcium", {"hypercalcaemia"}),
        ("bones", {"overview", "bone-changes", "pain", "fracture"}),
        ("sick", {"hypercalcaemia", "symptoms"}),
        ("blood", {"anaemia", "hypercalcaemia"}),
        ("weak", {"fracture", "spinal-cord-compression"}),
        ("my husband is tired", {"fatigue"}),
        ("my [unk] hurt", {"pain"}),
    ],
)
def test_borderline_requests_are_asked_not_acted_on(
    matcher: RequestMatcher, text: str, allowed: set[str]
) -> None:
    result = matcher.match(text)
    assert isinstance(result, NotRecognised) or not result.confident, result
    if isinstance(result, TopicMatch):
        assert result.topic_id in allowed
        assert 0.6 <= result.score < 0.8


def test_a_tired_patient_is_asked_about_fatigue(matcher: RequestMatcher) -> None:
    result = matcher.match("tired")
    assert isinstance(result, TopicMatch)
    assert (result.topic_id, result.confident) == ("fatigue", False)


@pytest.mark.parametrize("text", DEV_OUT_OF_SCOPE)
def test_out_of_scope_speech_is_not_recognised(matcher: RequestMatcher, text: str) -> None:
    result = matcher.match(text)
    assert isinstance(result, NotRecognised), result
    assert result.transcript == text
    assert result.reason


def test_there_are_enough_out_of_scope_examples() -> None:
    assert len(DEV_OUT_OF_SCOPE) >= 20


@pytest.mark.parametrize(
    ("text", "expected_reason"),
    [("", "nothing was heard"), ("[unk] [unk]", "only unknown words were heard")],
)
def test_not_recognised_says_why(matcher: RequestMatcher, text: str, expected_reason: str) -> None:
    assert matcher.match(text) == NotRecognised(text, expected_reason)


def test_low_engine_confidence_turns_a_match_into_a_question_or_nothing(
    matcher: RequestMatcher,
) -> None:
    sure = matcher.match("my bones hurt", engine_confidence=1.0)
    assert sure == TopicMatch("pain", 1.0, True)
    unsure = matcher.match("my bones hurt", engine_confidence=0.7)
    assert unsure == TopicMatch("pain", 0.7, False)
    for confidence in (0.3, 0.0, -1.0, float("nan")):
        result = matcher.match("my bones hurt", engine_confidence=confidence)
        assert isinstance(result, NotRecognised), (confidence, result)
        assert "recogniser confidence" in result.reason
    assert isinstance(matcher.match("stop", engine_confidence=0.3), NotRecognised)
    assert matcher.match("stop", engine_confidence=7.0) == CommandMatch("stop", 1.0, True)


def test_the_n_best_agreement_weighs_each_alternative_by_its_share(
    matcher: RequestMatcher,
) -> None:
    # The same words heard, the same request matched: only how the alternatives' shares point
    # decides the agreement feature, and with it the evidence.
    words = tuple((word, 0.9) for word in ["my", "bones", "hurt"])
    said = matcher.match("my bones hurt", 1.0)
    assert isinstance(said, TopicMatch)

    def heard(alternatives: tuple[tuple[str, float], ...]) -> Recognition:
        return Recognition("my bones hurt", 0.9, words, "pocketsphinx", alternatives)

    agreement = EVIDENCE_FEATURES.index("nbest_agreement")
    mostly = heard((("my bones hurt", 0.7), ("go home", 0.2), ("stop", 0.1)))
    barely = heard((("my bones hurt", 0.1), ("go home", 0.7), ("stop", 0.2)))
    assert matcher.evidence_features(mostly, said)[agreement] == pytest.approx(0.7)
    assert matcher.evidence_features(barely, said)[agreement] == pytest.approx(0.1)
    assert matcher.evidence(mostly, said) > matcher.evidence(barely, said)
    # Shares need not add up to 1 (empty transcripts are dropped): they are normalised.
    halved = heard((("my bones hurt", 0.35), ("go home", 0.1), ("stop", 0.05)))
    assert matcher.evidence_features(halved, said)[agreement] == pytest.approx(0.7)


def test_the_transcript_heard_without_noise_reduction_is_evidence(
    matcher: RequestMatcher,
) -> None:
    # The same request decoded again without its noise reduced: hearing the same target there
    # is evidence it was heard right; another target (or nothing) is evidence against.
    words = tuple((word, 0.8) for word in ["my", "bones", "hurt"])
    said = matcher.match("my bones hurt", 1.0)
    assert isinstance(said, TopicMatch)

    def heard(unreduced: str | None) -> Recognition:
        alternatives = (("my bones hurt", 0.6), ("go home", 0.4))
        return Recognition("my bones hurt", 0.8, words, "pocketsphinx", alternatives, (), unreduced)

    agrees = EVIDENCE_FEATURES.index("unreduced_agrees")
    same_target = heard("my bones are hurting")
    other = heard("go home")
    nothing = heard("")
    unknown = heard(None)  # not decoded again (no time): weighs neither way
    assert [matcher.evidence_features(h, said)[agrees] for h in (same_target, other, nothing)] == [
        1.0,
        0.0,
        0.0,
    ]
    calibration = matcher.calibration_for(unknown)
    assert matcher.evidence_features(unknown, said)[agrees] == calibration.mean[agrees]
    assert (
        matcher.evidence(same_target, said)
        > matcher.evidence(unknown, said)
        > matcher.evidence(other, said)
    )
    assert matcher.evidence(other, said) == matcher.evidence(nothing, said)


def test_thresholds_are_the_callers(content: ContentSet) -> None:
    strict = RequestMatcher(content, accept_score=0.95, confirm_score=0.9)
    assert strict.match("i keep being sick and i'm really thirsty") == NotRecognised(
        "i keep being sick and i'm really thirsty",
        "closest was topic hypercalcaemia at 0.85, below 0.90",
    )
    lenient = RequestMatcher(content, accept_score=0.7, confirm_score=0.5)
    result = lenient.match("tired")
    assert isinstance(result, TopicMatch)
    assert (result.topic_id, result.confident) == ("fatigue", True)
    with pytest.raises(ValueError, match="confirm_score < accept_score"):
        RequestMatcher(content, accept_score=0.6, confirm_score=0.8)


# --- the grammar ----------------------------------------------------------------------------------


def test_phrases_hold_every_topic_phrase_title_and_command(
    content: ContentSet, matcher: RequestMatcher
) -> None:
    phrases = matcher.phrases()
    assert len(phrases) == len(set(phrases))
    for phrase in phrases:
        assert re.fullmatch(r"[a-z0-9']+(?: [a-z0-9']+)*", phrase), phrase
    for topic in content.topics:
        for phrase in topic.phrases:
            assert " ".join(grammar_words(phrase)) in phrases
    assert "what's hypercalcaemia" in phrases
    assert "hypercalcaemia too much calcium in the blood" in phrases
    assert "hypercalcaemia" in phrases
    assert "tiredness fatigue" in phrases
    assert "tiredness" in phrases
    assert "about secondary breast cancer in the bone" in phrases
    for phrasings in COMMAND_PHRASES.values():
        for phrasing in phrasings:
            assert phrasing in phrases
    assert matcher.vocabulary() == {w for p in phrases for w in p.split()}
    assert {"hypercalcaemia", "anaemia", "louder", "that's", "i'm"} <= matcher.vocabulary()


def test_command_phrasings_never_collide_with_topic_phrases(
    content: ContentSet, matcher: RequestMatcher
) -> None:
    topic_phrases = {" ".join(normalise(p)) for t in content.topics for p in t.phrases}
    for phrasings in COMMAND_PHRASES.values():
        for phrasing in phrasings:
            assert " ".join(normalise(phrasing)) not in topic_phrases


def test_keywords_weigh_distinctive_words_more(matcher: RequestMatcher) -> None:
    keywords = matcher.keywords("hypercalcaemia")
    assert keywords["calcium"] == 1.0
    assert keywords["calcium"] > keywords["bone"]
    assert "the" not in keywords and "what" not in keywords
    assert matcher.keywords("no-such-topic") == {}
    assert matcher.names("fatigue") == {"tiredness", "fatigue"}
    assert matcher.names("pain") == frozenset()  # "pain" is also spinal cord compression's


# --- asking back ----------------------------------------------------------------------------------


def test_confirmation_prompts(content: ContentSet) -> None:
    assert (
        confirmation_prompt(TopicMatch("fatigue", 0.7, False), content)
        == "Did you mean Tiredness (fatigue)?"
    )
    assert confirmation_prompt(CommandMatch("back", 0.7, False), content) == (
        "Did you mean: go back?"
    )
    assert confirmation_prompt(NotRecognised("x", "y"), content) == NOT_RECOGNISED_MESSAGE
    assert NOT_RECOGNISED_MESSAGE == "Sorry, I didn't catch that. You can also touch a topic."


def test_results_are_frozen_values() -> None:
    result = TopicMatch("pain", 1.0, True)
    with pytest.raises(AttributeError):
        result.score = 0.5  # type: ignore[misc]
    assert NotRecognised("a", "b") == NotRecognised("a", "b")


def test_matching_never_takes_long(matcher: RequestMatcher) -> None:
    # A bound against runaway matching (a search that grows with the request's length), not a
    # speed goal: the speed is measured in `bench voice` (latency, end of speech → decision),
    # since a timed unit test fails on a busy machine (12.5 ms a request at load 9 failed the
    # 10 ms bound this test had).
    texts = [text for text, _ in DEV_CASES] * 3
    start = time.perf_counter()
    for text in texts:
        matcher.match(text)
    per_request_ms = (time.perf_counter() - start) * 1000 / len(texts)
    assert per_request_ms < 100


@pytest.mark.parametrize(
    ("request_text", "command"),
    [
        # Words from two phrasings of one command: "pause" and "wait a moment".
        ("can you pause for a moment", "pause"),
        # Everyday words for the command's own: talk is speak, slowly is slower.
        ("please talk more slowly", "slower"),
        ("go to the beginning", "home"),
        ("take me to the previous screen", "back"),
        # Words several commands share still make one with other words, or word for word.
        ("that's it", "yes"),
        ("not that", "no"),
        ("again", "repeat"),
        ("could you go back please", "back"),
        ("turn it up", "louder"),
    ],
)
def test_a_command_said_in_everyday_words_is_acted_on(
    matcher: RequestMatcher, request_text: str, command: str
) -> None:
    match = matcher.match(request_text)
    assert isinstance(match, CommandMatch), match
    assert (match.command, match.confident) == (command, True), match


@pytest.mark.parametrize(
    "request_text",
    [
        # "can" is in a Help phrasing ("what can i say"), but a function word does not make
        # the request that command.
        "who can help me",
        # A content word no command uses counts against every command.
        "when was this page last checked",
    ],
)
def test_a_request_about_something_else_is_not_acted_on_as_a_command(
    matcher: RequestMatcher, request_text: str
) -> None:
    match = matcher.match(request_text)
    assert not (isinstance(match, CommandMatch) and match.confident), match


@pytest.mark.parametrize("request_text", ["that", "that's", "that is", "one", "turn it", "speak"])
def test_a_word_several_commands_share_is_no_command_on_its_own(
    matcher: RequestMatcher, request_text: str
) -> None:
    # "that" is a word of "that's it" (yes) and "not that" (no); alone it says neither.
    assert not isinstance(matcher.match(request_text), CommandMatch)


@pytest.mark.parametrize(
    "request_text",
    [
        "could you repeatt it please",  # a misheard spelling of a command word
        "make it quieterr",
        "louderr please",
        "pleese go back",
        "what can i say",
        "i have pain in my bones please",
        "when was this page last checked",
        "yes that's the one",
        "turn the volume up",
        "<unk> stop <unk>",
        "emergancy",
    ],
)
def test_command_scores_compare_only_phrasings_sharing_a_word_with_the_same_result(
    matcher: RequestMatcher, request_text: str
) -> None:
    # The scores skip phrasings none of whose words the request has (allowing a misheard
    # spelling); they must equal comparing every phrasing word by word.
    words = [matching._command_form(w) for w in normalise(request_text)]
    every = {
        command: best
        for command, phrasings in matching._COMMAND_PHRASINGS.items()
        if (
            best := max(
                matching._words_f1(words, p, matching._COMMAND_VOCABULARY[command])
                for p in phrasings
            )
        )
        > 0.0
    }
    keys = {w for w in words if w in matching._COMMAND_KEYS}
    if len(keys) == 1 and next(iter(keys)) in matching._SHARED_COMMAND_KEYS:
        every = {c: s for c, s in every.items() if words in matching._COMMAND_PHRASINGS[c]}
    assert matcher.command_scores(normalise(request_text)) == every
    assert every  # each request shares a word with some command
