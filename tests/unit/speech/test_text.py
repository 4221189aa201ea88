"""Sentences and spoken forms: what the kiosk reads aloud, sentence by sentence."""

from __future__ import annotations

import pytest

from kiosk.speech.text import MAX_WORDS, Sentence, sentences_of, split_sentences, spoken_form


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # abbreviations do not end a sentence
        (
            "Eat well, e.g. fruit and vegetables. Drink water.",
            ["Eat well, e.g. fruit and vegetables.", "Drink water."],
        ),
        (
            "Some drugs, i.e. Zoledronic acid, help. Ask us.",
            ["Some drugs, i.e. Zoledronic acid, help.", "Ask us."],
        ),
        ("Bring tea, milk etc. And bring a coat.", ["Bring tea, milk etc. And bring a coat."]),
        ("See Dr. Smith today. Then rest.", ["See Dr. Smith today.", "Then rest."]),
        (
            "Mr. Jones, Mrs. Brown and Ms. Green came.",
            ["Mr. Jones, Mrs. Brown and Ms. Green came."],
        ),
        ("Go to St. Mary's Hospital. It is open.", ["Go to St. Mary's Hospital.", "It is open."]),
        ("Take the No. 5 bus. It stops here.", ["Take the No. 5 bus.", "It stops here."]),
        ("It takes approx. 20 minutes. Wait here.", ["It takes approx. 20 minutes.", "Wait here."]),
        ("Rest vs. Exercise is a choice. Ask.", ["Rest vs. Exercise is a choice.", "Ask."]),
        (
            "Can I drive? No. Ask your doctor first.",
            ["Can I drive?", "No.", "Ask your doctor first."],
        ),
        # numbers
        ("Take 2.5 mg twice a day. Stop if sick.", ["Take 2.5 mg twice a day.", "Stop if sick."]),
        ("The dose is 2.5. Then 5 mg.", ["The dose is 2.5.", "Then 5 mg."]),
        (
            "Call 0808 800 6000 today. Lines are open.",
            ["Call 0808 800 6000 today.", "Lines are open."],
        ),
        ("Call 0808 800 6000. 24 hours a day.", ["Call 0808 800 6000.", "24 hours a day."]),
        ("Call 0808.800.6000 now.", ["Call 0808.800.6000 now."]),
        (
            "It was reviewed in 2015. Next review 2017.",
            ["It was reviewed in 2015.", "Next review 2017."],
        ),
        # initials
        (
            "Written by J. Smith and A.B. Jones. Thanks.",
            ["Written by J. Smith and A.B. Jones.", "Thanks."],
        ),
        # ellipsis
        ("The pain comes... and goes. Rest helps.", ["The pain comes... and goes.", "Rest helps."]),
        ("Wait... Then breathe.", ["Wait...", "Then breathe."]),
        ("Wait… Then breathe.", ["Wait…", "Then breathe."]),
        # ! and ?
        ("Is it pain? Tell us! We can help.", ["Is it pain?", "Tell us!", "We can help."]),
        ("Is it pain? or an ache?", ["Is it pain? or an ache?"]),
        # quotes and brackets stay with their sentence
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("Rest (like this.) Then stand.", ["Rest (like this.)", "Then stand."]),
        ('Rest. "Always," she said.', ["Rest.", '"Always," she said.']),
        ("Rest. (Ask a nurse.) Then go.", ["Rest.", "(Ask a nurse.)", "Then go."]),
        ("It’s fine.’ Then go.", ["It’s fine.’", "Then go."]),
        # lower case after a full stop: not a new sentence
        ("Use 5 ml. twice a day.", ["Use 5 ml. twice a day."]),
        # headings, bullet items, lines
        ("Signs to look for", ["Signs to look for"]),
        ("feeling sick or being sick", ["feeling sick or being sick"]),
        ("  Bone pain  ", ["Bone pain"]),
        ("Bone pain\nPain is common.", ["Bone pain", "Pain is common."]),
        ("Pain can be\nmild or strong.", ["Pain can be\nmild or strong."]),
        ("Pain.\n\nnew paragraph", ["Pain.", "new paragraph"]),
        ("1. Take the tablets.", ["1. Take the tablets."]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


SAMPLES = [
    'Eat well, e.g. fruit. See Dr. Smith! Is it 2.5 mg? (Yes.) "Quoted." Call 0808 800 6000.',
    "  leading space. Trailing space.   ",
    "Heading\nLine two.\n\n  - not a bullet marker?  And more...  and more. End",
    "One, " * 50 + "two; " * 30 + "three.",
    "J. R. R. Tolkien wrote books. So did C.S. Lewis... and others. Right?!",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_spans_cover_every_visible_character_exactly_once(text: str) -> None:
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        for index in range(start, end):
            covered[index] = True
        previous_end = end
    for index, char in enumerate(text):
        assert covered[index] or char.isspace(), f"{char!r} at {index} is not in any sentence"


def words(count: int, word: str = "word") -> str:
    return " ".join([word] * count)


def test_a_long_sentence_is_split_at_the_comma_nearest_its_middle() -> None:
    # 3 + 27 + 30 words; commas after word 3 and after word 30 (the middle is 30).
    text = f"{words(3)}, {words(27)}, {words(29)} end."
    parts = sentences(text)
    assert parts == [f"{words(3)}, {words(27)},", f"{words(29)} end."]
    assert all(len(p.split()) <= MAX_WORDS for p in parts)


def test_a_semicolon_wins_a_tie_with_a_comma() -> None:
    text = f"{words(25)}; {words(25)}, {words(25)}."
    parts = sentences(text)
    assert parts[0] == f"{words(25)};"


def test_a_very_long_sentence_is_split_until_every_piece_is_short() -> None:
    text = ", ".join(words(10) for _ in range(13)) + "."  # 130 words
    parts = sentences(text)
    assert len(parts) >= 4
    assert all(len(p.split()) <= MAX_WORDS for p in parts)
    assert " ".join(parts) == text


def test_a_long_sentence_without_commas_stays_whole() -> None:
    text = words(60) + "."
    assert sentences(text) == [text]


def test_exactly_max_words_is_not_split() -> None:
    text = f"{words(20)}, {words(20)}."
    assert sentences(text) == [text]


def test_sentences_of_units_in_reading_order() -> None:
    units = [
        "Bone pain",
        "Pain is common. Dr. Smith can help.",
        "",
        "feeling sick",
        "Call 0808 800 6000. Lines are open.",
    ]
    result = sentences_of(units)
    assert result == [
        Sentence(0, 0, 9, "Bone pain"),
        Sentence(1, 0, 15, "Pain is common."),
        Sentence(1, 16, 35, "Dr. Smith can help."),
        Sentence(3, 0, 12, "feeling sick"),
        Sentence(4, 0, 19, "Call 0808 800 6000."),
        Sentence(4, 20, 35, "Lines are open."),
    ]
    for sentence in result:
        assert units[sentence.block][sentence.start : sentence.end] == sentence.text


LEXICON = {"GP": "G P", "bone": "BONE", "bone pain": "BONE-PAIN", "0808 800 6000": "helpline"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See your GP.", "See your G P."),
        ("See your gp or Gp.", "See your G P or G P."),
        ("Use GPS to find us.", "Use GPS to find us."),
        ("GPs and the GP's desk", "GPs and the G P's desk"),
        ("bone pain in a bone", "BONE-PAIN in a BONE"),
        ("Bone  Pain", "BONE-PAIN"),
        ("bones and trombone", "bones and trombone"),
        ("Call 0808 800 6000.", "Call helpline."),
        ("Call 0808-800-6000.", "Call 0 8 0 8, 8 0 0, 6 0 0 0."),
    ],
)
def test_lexicon_whole_words_any_case_longest_first(text: str, expected: str) -> None:
    assert spoken_form(text, LEXICON) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call 0808 800 6000.", "Call 0 8 0 8, 8 0 0, 6 0 0 0."),
        ("Call 0808-800-6000 now", "Call 0 8 0 8, 8 0 0, 6 0 0 0 now"),
        ("Call +44 20 7946 0000", "Call plus 4 4, 2 0, 7 9 4 6, 0 0 0 0"),
        ("Call 0123 456 7890, 7 days a week", "Call 0 1 2 3, 4 5 6, 7 8 9 0, 7 days a week"),
        ("Call 0808 800 6000 7 days a week", "Call 0 8 0 8, 8 0 0, 6 0 0 0 7 days a week"),
        ("Call 08088006000", "Call 0 8 0 8 8 0 0 6 0 0 0"),
        ("(0808 800 6000)", "(0 8 0 8, 8 0 0, 6 0 0 0)"),
        # ordinary numbers, decimals and dates are left to the engine
        ("Reviewed in 2017, next 2019.", "Reviewed in 2017, next 2019."),
        ("Take 5 mg or 2.5 mg, 1,000,000 times.", "Take 5 mg or 2.5 mg, 1,000,000 times."),
        ("Reviewed 2015-04-30 and 2015-04.", "Reviewed 2015-04-30 and 2015-04."),
        ("Room 12 34", "Room 12 34"),
        ("Open 9 to 5", "Open 9 to 5"),
        ("3.14159265 is pi", "3.14159265 is pi"),
    ],
)
def test_phone_numbers_are_read_digit_by_digit(text: str, expected: str) -> None:
    assert spoken_form(text, {}) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**Call** now", "Call now"),
        ("*Do not* drive", "Do not drive"),
        ("__Very__ important, _really_.", "Very important, really."),
        ("a snake_case name", "a snake_case name"),
        ("* a stray star", "a stray star"),
        ("  lots   of\n space ", "lots of space"),
        ("**0808 800 6000**", "0 8 0 8, 8 0 0, 6 0 0 0"),
    ],
)
def test_markdown_leftovers_are_removed(text: str, expected: str) -> None:
    assert spoken_form(text, {}) == expected


def test_emphasis_does_not_hide_a_lexicon_phrase() -> None:
    assert spoken_form("**bone** pain", LEXICON) == "BONE-PAIN"


def test_lexicon_values_are_used_exactly_as_written() -> None:
    lexicon = {"help": "1 2 3 4 5 6 7", "GP": "G P"}
    assert spoken_form("help", lexicon) == "1 2 3 4 5 6 7"


def test_an_exact_case_entry_wins_over_a_case_variant() -> None:
    lexicon = {"us": "you and me", "US": "United States"}
    assert spoken_form("the US and us", lexicon) == "the United States and you and me"


def test_keys_with_punctuation_match_as_whole_phrases() -> None:
    lexicon = {"e.g.": "for example", "+44": "plus four four"}
    assert spoken_form("fruit, e.g. apples", lexicon) == "fruit, for example apples"


def test_spoken_form_is_deterministic_whatever_the_lexicon_order() -> None:
    forward = {"bone": "B", "bone pain": "BP", "pain": "P"}
    backward = dict(reversed(list(forward.items())))
    text = "bone pain, pain, bone"
    assert spoken_form(text, forward) == spoken_form(text, backward) == "BP, P, B"


def test_empty_lexicon_keys_are_ignored() -> None:
    assert spoken_form("hello", {"": "x", "  ": "y"}) == "hello"
