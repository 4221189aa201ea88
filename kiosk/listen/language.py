"""The language patients use to ask the kiosk for something, built from the content.

A recogniser that listens only for the content's ``phrases`` lists forces every request onto one
of them, and a request in other words ("my bones hurt", "anaemia please") is lost. Following Home
Assistant's speech-to-phrase, the kiosk's request language is a small domain language expanded
from sentence templates and the content itself, and what the recogniser hears is matched back to
a topic or command afterwards (:mod:`kiosk.listen.matching`):

- each topic's ``phrases`` (counted ``PHRASE_COUNT`` times: staff wrote them as requests);
- each topic's names (its title, the title before a bracket, the bracketed part) and keywords
  (content words of its title and summary that no other topic's title or summary uses), alone
  and in carrier templates ("tell me about …", "what is …", "I have …", "… please");
- the summaries, headings and page text, sentence by sentence (the words the pages use);
- the everyday words for a symptom the content names (the voice profile's concepts: "exhausted"
  where a page says "tired"), in ``SYMPTOM_CARRIERS`` ("I feel …", "I'm …"; ten carriers
  lost more clean requests than they won: 0.33 -> 0.30 acted right on the development half);
- every command phrasing (:mod:`kiosk.listen.commands`), alone (counted ``PHRASE_COUNT`` times)
  and in command carriers ("… please", "can you …");
- everyday words (``GENERAL_WORDS``), each on its own: what people say around and instead of a
  request, so speech the kiosk cannot help with is heard as other words rather than forced onto
  the kiosk's vocabulary (the garbage competitor of the search).

Tried and not kept (development half, clean, PocketSphinx, the transcript's own match right):
the 1,000 most frequent words of the wheel's general English language model added to the
everyday words (a fifth of the bench's requests hold a word the language lacks, "mean", "gone",
"always"): 0.695 -> 0.648, as the added words take the place of the kiosk's own; the language as
a grammar instead of a trigram model (its 2,746 sentences and the everyday words as a minimal
word graph, 1,268 states): requests in words other than its sentences were heard as nothing or
as the nearest sentence's start (0.43 of 21 requests, every 10th clip; the trigram model hears
0.695 of all of them); the request language interpolated with the wheel's general English model
(its unigrams and bigrams, 2 million, kept to the request language's words and mixed with the
request language's trigrams, back-off weights renormalised): transcripts exactly right on clean
development requests 0.419 -> 0.367 (mixed half and half) and 0.395 (a fifth general), the
transcript's own match right 0.681 -> 0.662 and 0.652; with the general model's 3,000 most frequent
words added to the vocabulary as well, 0.400 and 0.605. The content's own sentences predict
patients' requests better than general English does. The symptom carriers kept to the concepts
that name how a patient feels (tired, pain, sick, thirsty, confused, sleepy, weak, breath, tingle,
ill, worse), so that "i feel leaflet" and "i'm helpline" leave the language (2026-12-07, every
2nd clip, the transcript's own match right at clean / 10 dB / 5 dB, then out-of-scope requests
matched to something of 20): development 0.629 / 0.571 / 0.352, 3 / 3 / 3 -> 0.629 / 0.571 /
0.381, 3 / 3 / 3 with the other concepts' words said alone, 0.629 / 0.581 / 0.390, 3 / 3 / 3
with them left out; held out 0.495 / 0.495 / 0.276, 3 / 5 / 7 -> 0.505 / 0.486 / 0.276, 3 / 5 /
8 and 0.505 / 0.486 / 0.257, 2 / 5 / 8: one or two requests in 105 either way, no gain.
The everyday words made weaker against the kiosk's own sentences (2026-12-07: every sentence
counted 2, 4 or 8 times, the everyday words still once; short requests such as "quieter please"
were heard exactly but with "what are please" taking most of the best paths' posterior). Every
2nd development clip, heard right and acted right (evidence as fitted) clean / 10 dB / 5 dB,
then out-of-scope requests matched to something of 20: as now 0.629 / 0.552 / 0.371, 0.448 /
0.257 / 0.200, 3 / 3 / 4; x2 0.638 / 0.552 / 0.390, 0.448 / 0.248 / 0.210, 4 / 4 / 4; x4 0.648 /
0.543 / 0.390, 0.429 / 0.257 / 0.200, 5 / 3 / 6; x8 0.638 / 0.543 / 0.410, 0.410 / 0.238 / 0.200,
5 / 2 / 7. A request or two more heard right, none more acted on, more out-of-scope speech
matched: not kept.

Pure module: standard library and the matcher's word splitting only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from kiosk.listen.commands import COMMAND_PHRASES
from kiosk.listen.matching import grammar_words
from kiosk.listen.settings import DEFAULT_CONCEPTS

if TYPE_CHECKING:
    from kiosk.content.model import ContentSet, Topic

TOPIC_CARRIERS: Final = (
    "{}",
    "{} please",
    "tell me about {}",
    "tell me more about {}",
    "can you tell me about {}",
    "i want to know about {}",
    "i'd like to know about {}",
    "information about {}",
    "information on {}",
    "more about {}",
    "about {}",
    "what is {}",
    "what's {}",
    "what are {}",
    "what about {}",
    "explain {}",
    "show me {}",
    "i have {}",
    "i've got {}",
    "do i have {}",
    "i'm worried about {}",
    "help with {}",
    "what causes {}",
)
"""How patients wrap the name of what they want."""

SYMPTOM_CARRIERS: Final = (
    "i feel {}",
    "i'm {}",
)
"""How patients name a symptom or a word for it."""

COMMAND_CARRIERS: Final = (
    "{}",
    "{} please",
    "please {}",
    "can you {}",
    "can you {} please",
    "could you {}",
    "could you {} please",
    "just {}",
)
"""How patients wrap a command."""

PHRASE_COUNT: Final = 3
"""How many times each of a topic's listed phrases counts (the others count once)."""

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
radio news football game play children child baby school dog cat garden holiday weekend
saturday sunday monday friday night clock hospital pharmacy prescription medicine tablets cafe
canteen ward clinic queue wifi password charge charger seat busy quiet noise parking machine
ticket cash change bank post office station street road town city
"""
"""Everyday English heard in a waiting room (the garbage competitor of the request language)."""

_SENTENCE_END: Final = re.compile(r"[.!?;:]+")
_KEYWORD_STOP_TEXT: Final = """
    about above after again against also always another because been before being below between
    both cancer could does doing during each either every from have having here into itself just
    like more most much must other over same should some such than that their them then there
    these they this those through under until very what when where which while will with within
    would your yours what's cause causes related happens happen mean means part kind some thing
    things body people person treatment treatments help helps your also
"""
_KEYWORD_STOP: Final = frozenset(_KEYWORD_STOP_TEXT.split())
_MIN_KEYWORD: Final = 4


@dataclass(frozen=True)
class RequestLanguage:
    """The sentences (lists of words, repeated by weight) and everyday words of the request
    language, and which request each template sentence stands for."""

    sentences: tuple[tuple[str, ...], ...]
    """Every sentence, as many times as it counts."""
    general: tuple[str, ...]
    """Everyday words, each a sentence of its own with a small count."""

    @property
    def vocabulary(self) -> set[str]:
        """Every word of the language."""
        return {word for sentence in self.sentences for word in sentence} | set(self.general)

    def lines(self) -> list[str]:
        """The sentences as lines of text, for engines that take a list of phrases."""
        return [" ".join(sentence) for sentence in self.sentences]


def topic_names(topic: Topic) -> list[str]:
    """A topic's names: its title, the title before a bracket, each bracketed part."""
    names: dict[str, None] = {}
    title = topic.title
    for text in (title, title.split("(", 1)[0], *re.findall(r"\(([^)]*)\)", title)):
        words = grammar_words(text)
        if words:
            names[" ".join(words)] = None
    return list(names)


def topic_keywords(content: ContentSet) -> dict[str, list[str]]:
    """Each topic's keywords: content words of its title and summary that no other topic's title
    or summary uses (``hypercalcaemia``, ``calcium``, ``tiredness``)."""
    seen: dict[str, set[str]] = {}
    per_topic: dict[str, list[str]] = {}
    for topic in content.topics:
        words = [
            w
            for w in grammar_words(f"{topic.title} {topic.summary}")
            if len(w) >= _MIN_KEYWORD and w not in _KEYWORD_STOP and not w.isdigit()
        ]
        per_topic[topic.id] = list(dict.fromkeys(words))
        for word in per_topic[topic.id]:
            seen.setdefault(word, set()).add(topic.id)
    return {
        topic_id: [w for w in words if seen[w] == {topic_id}]
        for topic_id, words in per_topic.items()
    }


def content_sentences(topic: Topic) -> list[list[str]]:
    """The topic's summary and page text, sentence by sentence (headings included)."""
    sentences: list[list[str]] = []
    for text in (topic.summary, *topic.body.texts()):
        for part in _SENTENCE_END.split(text):
            words = grammar_words(part)
            if words:
                sentences.append(words)
    return sentences


def build_language(
    content: ContentSet,
    known: Callable[[str], bool] | None = None,
    concepts: Mapping[str, Sequence[str]] | None = None,
) -> RequestLanguage:
    """The request language for ``content``. ``known`` (a word -> whether the recogniser can
    hear it): sentences with a word it cannot hear are left out, so that one unknown word does
    not lose the rest (the checker reports such words to staff). ``concepts``: the voice
    profile's everyday words per concept (None: the built-in ones)."""
    sentences: list[tuple[str, ...]] = []

    def add(words: Iterable[str], count: int = 1) -> None:
        sentence = tuple(words)
        if sentence and (known is None or all(known(w) for w in sentence)):
            sentences.extend([sentence] * count)

    keywords = topic_keywords(content)
    for topic in content.topics:
        for phrase in topic.phrases:
            add(grammar_words(phrase), PHRASE_COUNT)
        for term in [*topic_names(topic), *keywords.get(topic.id, [])]:
            for carrier in TOPIC_CARRIERS:
                add(grammar_words(carrier.format(term)))
        for sentence in content_sentences(topic):
            add(sentence)
    vocabulary = {w for sentence in sentences for w in sentence}
    for members in (DEFAULT_CONCEPTS if concepts is None else concepts).values():
        # A patient says the word they know for a symptom ("exhausted", "breathless"), not
        # always the page's word: every word of a concept the content uses is heard.
        if not vocabulary.intersection(members):
            continue
        for member in members:
            for carrier in SYMPTOM_CARRIERS:
                add(grammar_words(carrier.format(member)))
    for phrasings in COMMAND_PHRASES.values():
        for phrasing in phrasings:
            # Said on their own, commands count as much as the topics' listed phrases: short
            # ones ("go home") were otherwise heard as the start of a topic sentence.
            add(grammar_words(phrasing), PHRASE_COUNT - 1)
            for carrier in COMMAND_CARRIERS:
                add(grammar_words(carrier.format(phrasing)))
    general = tuple(w for w in dict.fromkeys(GENERAL_WORDS.split()) if known is None or known(w))
    return RequestLanguage(tuple(sentences), general)


ANSWER_CARRIERS: Final = ("{}", "{} please", "oh {}", "{} thank you", "{} thanks")
"""How patients wrap a yes or a no."""


def answer_language_lines() -> list[str]:
    """The answer language: what the recogniser listens for while a "Did you mean ...?" question
    is open (:attr:`kiosk.listen.recognition.Recogniser.answering`). The yes and no commands'
    phrasings, alone (``PHRASE_COUNT`` times) and in ``ANSWER_CARRIERS``, and the everyday
    words (``GENERAL_WORDS``) each on its own: the garbage competitor, counted here as well as by
    the engine, so that other speech is heard as other words and not forced onto a yes or a no.

    Measured on natural answers said by the voice bench's voices
    (:func:`kiosk.devtools.voiceset.answer_clips`: 26 phrasings a half, yeses, noes and other
    speech, clean / 10 dB / 5 dB babble, in two renderings; PocketSphinx), each decided by
    :func:`kiosk.listen.dialogue.heard_answer`. Held out, of 40 yeses and noes in each condition,
    the right answer was heard for 33 / 23 / 23 and 31 / 27 / 19, against 29 / 17 / 16 and 25 / 19 /
    14 with the request language and no agreement rule (as the kiosk heard answers before); noes and
    other speech taken for a yes: 1 and 2 of 96, against none ("where is the toilet" heard as "when
    exactly late"). Development: 31 / 29 / 19 and 32 / 28 / 21 against 28 / 23 / 15 and 30 / 25 /
    17, no false yes either way. With the everyday words counted once (by the engine only; first
    rendering, no agreement rule): about as many right (development 34 / 28 / 26 against 33 / 30 /
    24), more other speech taken for an answer (12 of 36 against 8)."""
    lines: list[str] = []
    for command in ("yes", "no"):
        for phrasing in COMMAND_PHRASES[command]:
            for carrier in ANSWER_CARRIERS:
                words = grammar_words(carrier.format(phrasing))
                if words:
                    lines += [" ".join(words)] * (PHRASE_COUNT if carrier == "{}" else 1)
    return lines + GENERAL_WORDS.split()


def answer_choice_grammar() -> str:
    """The answer choice (JSGF): any one of the yes and no commands' phrasings, with the
    words ``ANSWER_CARRIERS`` put before or after it, and nothing else. While a "Did you mean
    ...?" question is open, PocketSphinx decodes each utterance with it as well as with the
    answer language (:attr:`kiosk.listen.recognition.Recognition.choice`): forced to say one of
    the answers, it hears which one more often than the answer language does (where everyday
    words compete and turn a "yes" into "your so") but turns other speech into an answer too,
    so the answer language still says whether an answer was said at all
    (:func:`kiosk.listen.dialogue.heard_answer`). Every phrasing with every carrier, one
    alternative each, decoded the same answers as well but took 103 / 498 ms (p50 / p95) a
    decode; this one 26 / 72 ms."""
    before: dict[str, None] = {}
    after: dict[str, None] = {}
    for carrier in ANSWER_CARRIERS:
        head, _, tail = carrier.partition("{}")
        if words := grammar_words(head):
            before[" ".join(words)] = None
        if words := grammar_words(tail):
            after[" ".join(words)] = None
    answers = {
        " ".join(words): None
        for command in ("yes", "no")
        for phrasing in COMMAND_PHRASES[command]
        if (words := grammar_words(phrasing))
    }
    body = "( " + " | ".join(answers) + " )"
    if before:
        body = "[ " + " | ".join(before) + " ] " + body
    if after:
        body += " [ " + " | ".join(after) + " ]"
    return f"#JSGF V1.0;\ngrammar answers;\npublic <answer> = {body};\n"
