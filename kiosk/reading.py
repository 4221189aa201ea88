"""What the kiosk is reading aloud and where it is highlighted: a page (its sentences and the
screen showing them) or a message (audio guide, voice dialogue, idle warning).

Holds the reading's state in one place (the sentences, the screen, whether "stopped early" was
counted); the speech itself is :class:`kiosk.play.read_aloud.ReadAloud`'s. Its caller
(:class:`kiosk.sound_controls.SoundControls`) decides what to read (the screen showing) and
when. A page's words come from its reading document (:mod:`kiosk.content.reading`, built from
the content the screen shows), not from the screen's widgets; the screen marks the sentence
being read in its own highlight colours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.speech.text import Sentence, sentences_of, split_sentences

if TYPE_CHECKING:
    from kiosk.play.read_aloud import ReadAloud
    from kiosk.ui.screens import PagedScreen


class PageReader:
    """Reads a page or a message through ``speech``, highlights the sentence being read on the
    page, and counts Read aloud started and stopped early (``count``)."""

    def __init__(self, speech: ReadAloud, count: Callable[[str], None]) -> None:
        self.speech = speech
        self.sentences: list[Sentence] = []
        """The page being read, sentence by sentence (empty while a message is said)."""
        self.screen: PagedScreen | None = None
        """The screen whose sentences are highlighted, while a page is read."""
        self._count = count
        self._ended = False  # "stopped early" was counted for this reading

    def read(self, screen: PagedScreen, start_sentence: int = 0) -> None:
        """Read ``screen``'s reading document aloud from sentence ``start_sentence`` (nothing
        when it has none)."""
        if screen.reading is None:
            return
        self.interrupted()
        self._count("read-started")
        self._ended = False
        self.sentences = sentences_of(screen.reading.units)
        self.screen = screen
        self.speech.speak([s.text for s in self.sentences], start_sentence)

    def say(self, text: str) -> None:
        """Say a message; it interrupts any reading."""
        self.interrupted()
        self.clear_highlight()
        self.sentences = []
        self.screen = None
        self.speech.speak([text[a:b] for a, b in split_sentences(text)])

    def stop(self) -> None:
        """Silence at once."""
        self.interrupted()
        if self.speech.speaking:
            self.speech.stop()
        self.clear_highlight()

    def sentence_started(self, index: int) -> None:
        """Speech began sentence ``index``: highlight it on the page."""
        if self.screen is None or not 0 <= index < len(self.sentences):
            return
        sentence = self.sentences[index]
        self.screen.highlight(sentence.block, sentence.start, sentence.end)

    def clear_highlight(self) -> None:
        """No sentence highlighted."""
        if self.screen is not None:
            self.screen.highlight(None)

    def interrupted(self) -> None:
        """Count Read aloud stopped before the end of the page (by Stop, or by going on)."""
        if self.speech.speaking and self.sentences and not self._ended:
            self._ended = True
            self._count("read-stopped-early")
