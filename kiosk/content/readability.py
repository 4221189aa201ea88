"""Reading age of patient text.

Formula: reading age = Flesch–Kincaid grade + 5, where
grade = 0.39 × (words ÷ sentences) + 11.8 × (syllables ÷ words) − 15.59.
(A US school grade plus five gives the reader's age in years; the NHS aims for 9–11.)
Headings and bullet items count as sentences: they are read as separate units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")
# Starts only at the first mark of a run: retrying inside "....x" is quadratic on long text.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]+(?=\s|$)")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def count_syllables(word: str) -> int:
    """Estimate syllables with the usual vowel-group rule (good enough for a readability score)."""
    w = word.lower().strip("'’-")
    if not w:
        return 0
    if w.isdigit():
        return max(1, len(w))  # numbers are read digit by digit or as short words
    groups = len(_VOWEL_GROUP.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1  # silent final e: "cure", "bone"
    if (
        w.endswith(("es", "ed"))
        and not w.endswith(("ted", "ded", "ses", "zes", "ces"))
        and groups > 1
    ):
        groups -= 1  # "bones", "caused"
    if w.endswith("ia"):
        groups += 1  # "-mia" is two syllables: anaemia, hypercalcaemia
    return max(1, groups)


def reading_age(units: Iterable[str]) -> float | None:
    """Reading age in years of some text units (paragraphs, headings, items); None when empty."""
    sentences = words = syllables = 0
    for unit in units:
        unit_words = _WORD.findall(unit)
        if not unit_words:
            continue
        words += len(unit_words)
        syllables += sum(count_syllables(w) for w in unit_words)
        sentences += max(1, len(_SENTENCE_END.findall(unit)))
    if not words:
        return None
    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
    return round(grade + 5, 1)
