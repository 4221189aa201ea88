"""Turning displayed text into spoken sentences.

The kiosk reads a page sentence by sentence: each sentence is rendered and played on its own, the
sentence being read is highlighted on screen, and "repeat" goes back one sentence. So the sentence
spans here must map back exactly onto the displayed text (``text[start:end] == sentence.text``), and
what the engine is given (``spoken_form``) may differ from what is shown only in how it sounds.

Pure functions, standard library only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_WORDS = 40
"""Sentences longer than this are cut at a comma or semicolon (see ``_split_long``)."""

# Words that end in a full stop without ending the sentence, whatever their case.
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "approx", "vs", "cf", "incl", "tel"})
# Titles: only in their written case, so "the DR" or "a st." are left alone.
_TITLES = frozenset({"Dr", "Mr", "Mrs", "Ms", "St", "Prof", "Mx"})
_OPENERS = "\"'“‘([{«"
_CLOSERS = "\"'”’)]}»"

_TERMINATOR = re.compile(r"(?P<stop>[.!?…]+)[" + re.escape(_CLOSERS) + r"]*(?=\s)")
_INITIALS = re.compile(r"[A-Z](?:\.[A-Z])*")
_SOFT_BREAK = re.compile(r"[,;]\s")


@dataclass(frozen=True)
class Sentence:
    """One sentence of one displayed block: ``units[block][start:end] == text``."""

    block: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the sentences in ``text``, in order.

    Spans are trimmed of white space and together cover every non-space character. A sentence
    ends at ``.``, ``!``, ``?`` or ``…`` (with any closing quotes or brackets) when the next word
    starts with a capital letter, a digit, a quote or a bracket, and the full stop does not belong
    to an abbreviation ("e.g.", "Dr.", "No. 5") or an initial ("J. Smith"). A line break ends a
    sentence unless the next line starts in lower case (a wrapped line). Text without final
    punctuation (a heading, a bullet item) is one sentence.
    """
    cuts = {len(text)}
    for match in _TERMINATOR.finditer(text):
        after = _next_visible(text, match.end())
        if after == len(text):
            continue
        following = text[after]
        if not (following.isupper() or following.isdigit() or following in _OPENERS):
            continue
        if match.group("stop") == "." and _is_abbreviation(text, match.start(), following):
            continue
        cuts.add(match.end())
    for match in re.finditer(r"\n", text):
        after = _next_visible(text, match.start())
        blank_line = "\n" in text[match.end() : after]
        if blank_line or after == len(text) or not text[after].islower():
            cuts.add(match.start())
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(cuts):
        span = _trim(text, start, cut)
        if span is not None:
            spans.extend(_split_long(text, *span))
        start = cut
    return spans


def sentences_of(units: Sequence[str]) -> list[Sentence]:
    """The sentences of the displayed blocks (headings, paragraphs, bullet items) in reading
    order; ``block`` is the index of the unit the sentence came from."""
    return [
        Sentence(block, start, end, unit[start:end])
        for block, unit in enumerate(units)
        for start, end in split_sentences(unit)
    ]


def _next_visible(text: str, index: int) -> int:
    """The index of the first non-space character at or after ``index`` (or ``len(text)``)."""
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _is_abbreviation(text: str, stop: int, following: str) -> bool:
    """Whether the full stop at ``stop`` ends an abbreviation or initial rather than a sentence."""
    begin = stop
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    word = text[begin:stop].lstrip(_OPENERS)
    if word.lower() in _ABBREVIATIONS or word in _TITLES:
        return True
    if word == "No" and following.isdigit():  # "No. 5 bus" but "Can I drive? No. Wait..."
        return True
    if _INITIALS.fullmatch(word):  # "J. Smith", "J.R. Smith"
        return True
    # "1. Take the tablets" at the start of a line is a list number, not a sentence.
    return word.isdigit() and (begin == 0 or text[begin - 1] == "\n")


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a sentence of more than ``MAX_WORDS`` words at the "; " or ", " nearest its middle,
    again and again until every piece is short enough or has no such place left.

    Why: the kiosk renders and plays one sentence at a time, and nothing is heard until the first
    one is rendered and written to a file. A 60-word sentence is about 20 seconds of audio and
    keeps the patient waiting in silence; its halves start sooner, the highlight on screen moves
    in smaller steps, and "repeat" goes back a shorter way. Cutting at a comma or semicolon puts
    the pause where a human reader would pause anyway.
    """
    piece = text[start:end]
    words = len(piece.split())
    if words <= MAX_WORDS:
        return [(start, end)]
    best: tuple[float, int, int] | None = None  # (distance from middle, semicolon last, cut)
    for match in _SOFT_BREAK.finditer(piece):
        cut = match.start() + 1
        before = len(piece[:cut].split())
        if 0 < before < words:
            rank = (abs(before - words / 2), 0 if match.group()[0] == ";" else 1, cut)
            best = rank if best is None or rank < best else best
    if best is None:
        return [(start, end)]
    cut = start + best[2]
    head = _trim(text, start, cut)
    tail = _trim(text, cut, end)
    assert head is not None and tail is not None
    return _split_long(text, *head) + _split_long(text, *tail)


# --- what the engine says -----------------------------------------------------------------------

# Emphasis markers left over from Markdown: "**bold**", "*em*", "__bold__", "_em_" (but not the
# underscore inside snake_case).
_EMPHASIS = re.compile(r"(?<![\w*_])[*_]{1,3}(?=[^\s*_])|(?<=[^\s*_])[*_]{1,3}(?![\w*_])")
# A phone number: digit groups joined by one kind of separator (space or hyphen), later groups
# at least two digits long so "0808 800 6000 7 days a week" keeps its "7". Not part of a decimal
# or a thousands number ("2.5", "1,000,000").
_PHONE = re.compile(
    r"(?<![\w.,+])"
    r"(?>(?P<plus>\+?)(?P<digits>\d+(?:(?P<sep>[ \u00a0-])\d{2,}(?:(?P=sep)\d{2,})*)?))"
    r"(?![\w]|[.,]\d)"
)
_DATE = re.compile(r"\d{4}-\d{1,2}(?:-\d{1,2})?|\d{1,2}-\d{1,2}-\d{4}")
PHONE_MIN_DIGITS = 7


def spoken_form(text: str, lexicon: Mapping[str, str]) -> str:
    """What the speech engine should be given for displayed ``text``.

    1. Markdown emphasis markers (``*``, ``_``) are removed and white space is collapsed.
    2. Lexicon entries replace their written forms: keys match whole words or phrases, in any
       case, longest key first; the value (the spoken form) is used exactly as written.
    3. Phone numbers outside lexicon entries (7 or more digits in groups, such as "0808 800 6000",
       "0808-800-6000" or "+44 20 7946 0000") are read digit by digit, group by group:
       "0 8 0 8, 8 0 0, 6 0 0 0". Ordinary numbers ("2017", "5 mg", "2.5") and dates
       ("2015-04-30") are left for the engine.

    The same input always gives the same output.
    """
    text = " ".join(_EMPHASIS.sub("", text).replace("*", " ").split())
    pattern, exact, folded = _compiled_lexicon(tuple(sorted(lexicon.items())))
    if pattern is None:
        return _read_phone_numbers(text)
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(_read_phone_numbers(text[position : match.start()]))
        written = " ".join(match.group().split())
        parts.append(exact.get(written) or folded[written.casefold()])
        position = match.end()
    parts.append(_read_phone_numbers(text[position:]))
    return "".join(parts)


@functools.lru_cache(maxsize=16)
def _compiled_lexicon(
    items: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str] | None, dict[str, str], dict[str, str]]:
    """The lexicon as one pattern (longest key first) plus its look-up tables."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for key, value in items:
        written = " ".join(key.split())
        if written:
            exact.setdefault(written, value)
            folded.setdefault(written.casefold(), value)
    if not exact:
        return None, exact, folded
    # Python tries alternatives in order, so the longest key wins where several match.
    keys = sorted(exact, key=lambda k: (-len(k), k))
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in k.split()) for k in keys)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), exact, folded


def _read_phone_numbers(text: str) -> str:
    return _PHONE.sub(_phone_digits, text)


def _phone_digits(match: re.Match[str]) -> str:
    digits = match.group("digits")
    separator = match.group("sep")
    groups = digits.split(separator) if separator else [digits]
    if sum(len(g) for g in groups) < PHONE_MIN_DIGITS or _DATE.fullmatch(digits):
        return match.group()
    spoken = ", ".join(" ".join(group) for group in groups)
    return f"plus {spoken}" if match.group("plus") else spoken
