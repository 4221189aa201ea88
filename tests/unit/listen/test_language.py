"""The request language built from the content (pure: no recogniser)."""

from __future__ import annotations

import re

from kiosk.content.loader import load_content
from kiosk.content.model import ContentSet
from kiosk.listen.commands import COMMAND_PHRASES
from kiosk.listen.language import (
    ANSWER_CARRIERS,
    GENERAL_WORDS,
    PHRASE_COUNT,
    answer_choice_grammar,
    answer_language_lines,
    build_language,
    topic_keywords,
    topic_names,
)
from kiosk.listen.matching import grammar_words
from kiosk.paths import CONTENT_DIR


def seed() -> ContentSet:
    content = load_content(CONTENT_DIR).content
    assert content is not None
    return content


def test_names_and_keywords_come_from_titles_and_summaries() -> None:
    content = seed()
    fatigue = content.topic("fatigue")
    assert fatigue is not None
    assert topic_names(fatigue) == ["tiredness fatigue", "tiredness", "fatigue"]
    keywords = topic_keywords(content)
    assert "hypercalcaemia" in keywords["hypercalcaemia"]
    # A word two topics' titles or summaries share names neither.
    every = [w for words in keywords.values() for w in words]
    assert len(every) == len(set(every))
    assert all("cancer" not in words for words in keywords.values())


def test_the_language_holds_templates_content_and_commands() -> None:
    content = seed()
    language = build_language(content)
    lines = language.lines()
    # Listed phrases count more; names and keywords go into carrier templates.
    assert lines.count("i feel tired all the time") == PHRASE_COUNT
    for sentence in ("tell me about fatigue", "what is hypercalcaemia", "anaemia please"):
        assert sentence in lines, sentence
    # Sentences of the pages, and every command phrasing with and without carriers.
    assert any("osteoclasts" in line for line in lines)
    for phrasings in COMMAND_PHRASES.values():
        for phrasing in phrasings:
            assert " ".join(grammar_words(phrasing)) in lines
            assert " ".join(grammar_words(f"{phrasing} please")) in lines
    # Everyday words compete as themselves (the garbage of the search).
    assert "toilet" in language.general and "toilet" in GENERAL_WORDS.split()
    assert "toilet" in language.vocabulary


def test_words_the_recogniser_cannot_hear_leave_out_their_sentences() -> None:
    content = seed()
    language = build_language(content, known=lambda word: word != "fatigue")
    assert not any("fatigue" in sentence for sentence in language.sentences)
    assert "i feel tired all the time" in language.lines()


def test_everyday_words_for_a_symptom_the_content_names_are_in_the_language() -> None:
    language = build_language(seed())
    lines = set(language.lines())
    # The fatigue topic says "tiredness" and "tired"; patients also say "exhausted".
    assert {"i feel exhausted", "i'm exhausted"} <= lines
    assert "i feel breathless" in lines
    # Hypercalcaemia's page says "thirsty": "parched" is heard too.
    assert "i feel parched" in lines


def test_the_answer_language_holds_every_yes_and_no_and_the_everyday_words_only() -> None:
    """While a question is open the recogniser listens for yes and no, with the everyday words
    as their competitor, and not for the topics (a topic's words heard then are no answer)."""
    lines = answer_language_lines()
    for command in ("yes", "no"):
        for phrasing in COMMAND_PHRASES[command]:
            words = " ".join(grammar_words(phrasing))
            assert words in lines and f"{words} please" in lines
    answer_words = {w for c in ("yes", "no") for p in COMMAND_PHRASES[c] for w in grammar_words(p)}
    everyday = set(GENERAL_WORDS.split())
    heard = {w for line in lines for w in line.split()}
    assert heard <= answer_words | everyday
    assert "anaemia" not in heard and "pain" not in heard


def test_the_answer_choice_grammar_holds_the_answers_in_their_carriers_and_nothing_else() -> None:
    """The grammar an answer is decoded with besides the answer language: every yes and no
    phrasing, optionally with the carriers' words before or after it."""
    grammar = answer_choice_grammar()
    assert grammar.startswith("#JSGF V1.0;") and grammar.count("public <") == 1
    body = grammar.split("=", 1)[1]
    for command in ("yes", "no"):
        for phrasing in COMMAND_PHRASES[command]:
            assert f" {' '.join(grammar_words(phrasing))} " in body.replace("|", " | ")
    for carrier in ANSWER_CARRIERS:
        for part in carrier.split("{}"):
            if part.strip():
                assert " ".join(grammar_words(part)) in body
    answer_words = {w for c in ("yes", "no") for p in COMMAND_PHRASES[c] for w in grammar_words(p)}
    carrier_words = {w for c in ANSWER_CARRIERS for w in grammar_words(c.replace("{}", " "))}
    words = set(re.findall(r"[a-z']+", body))
    assert words == answer_words | carrier_words
