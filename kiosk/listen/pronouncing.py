"""PocketSphinx's pronunciation dictionary, looked up in its file instead of in a decoder.

The recogniser looks up each word of the request language (and of each content reload) to write
the small dictionary its decoder is given. It used to ask a second PocketSphinx decoder that held
the whole dictionary (134,000 entries) and an acoustic model: 28 MB of the voice process for
look-ups. This keeps the dictionary file's text (3 MB) and where each line starts, and finds a
word by binary search: the file is sorted by word (byte order), each word's variants ("read(2)")
following it.

It answers as the decoder did (``lookup_word``): the phones exactly as written, for the exact
(case-sensitive) word, variants by their own name; the fillers of the noise dictionary too. Added
words (:meth:`add`) are checked against the acoustic model's phones as PocketSphinx checks them.

Pure module: standard library only.
"""

from __future__ import annotations

import bisect
import re
from array import array
from pathlib import Path
from typing import Final

_PHONE_NAMES: Final = (
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW "
    "V W Y Z ZH SIL +NSN+ +SPN+"
)
PHONES: Final = frozenset(_PHONE_NAMES.split())
"""The phones of PocketSphinx's en-US acoustic model (the CI phones of its ``mdef``): a
pronunciation with any other is refused, as the decoder refuses it."""

_VARIANT = re.compile(rb"\(\d+\)$")


class BadPronunciation(ValueError):
    """A pronunciation uses a phone the acoustic model does not have, or none at all."""


def _base(word: bytes) -> bytes:
    """A dictionary word without its variant mark ("read(2)" -> "read")."""
    return _VARIANT.sub(b"", word) if word.endswith(b")") else word


class PronouncingDictionary:
    """Look-ups in a PocketSphinx dictionary file (``word PHONE PHONE ...`` lines, sorted by
    word), plus the filler words of its noise dictionary and the words added here."""

    def __init__(self, dictionary: Path, noise: Path | None = None) -> None:
        self._text = dictionary.read_bytes()
        if not self._text.endswith(b"\n"):
            self._text += b"\n"
        starts = array("I", [0])
        starts.extend(m.end() for m in re.finditer(rb"\n(?=.)", self._text))
        self._starts = starts
        self._added: dict[str, str] = {}
        if noise is not None:
            for line in noise.read_text(encoding="utf-8").splitlines():
                word, *phones = line.split()
                if phones:
                    self._added[word] = " ".join(phones)

    def __len__(self) -> int:
        return len(self._starts) + len(self._added)

    def _line(self, index: int) -> tuple[bytes, bytes]:
        """The word and the phones of line ``index``."""
        start = self._starts[index]
        end = self._text.index(b"\n", start)
        word, _, phones = self._text[start:end].partition(b" ")
        return word, phones

    def _base_at(self, index: int) -> bytes:
        return _base(self._line(index)[0])

    def lookup(self, word: str) -> str | None:
        """The phones of ``word`` (space-separated, as written), or None when it is not here."""
        added = self._added.get(word)
        if added is not None:
            return added
        try:
            key = word.encode("ascii")
        except UnicodeEncodeError:
            return None  # the dictionary's words are ASCII
        base = _base(key)
        index = bisect.bisect_left(range(len(self._starts)), base, key=self._base_at)
        while index < len(self._starts):
            found, phones = self._line(index)
            if _base(found) != base:
                break
            if found == key:
                return " ".join(phones.decode("ascii").split())
            index += 1
        return None

    def add(self, word: str, phones: str) -> None:
        """Add ``word`` (not yet here) pronounced ``phones``. Raises ``BadPronunciation`` when
        a phone is not one of the acoustic model's, ``ValueError`` when the word is here."""
        units = phones.split()
        if not units or not PHONES.issuperset(units):
            raise BadPronunciation(f"not phones of the acoustic model: {phones!r}")
        if self.lookup(word) is not None:
            raise ValueError(f"{word!r} is in the dictionary already")
        self._added[word] = " ".join(units)
