"""What the kiosk is reading aloud and where it is highlighted: a page (its sentences and the
screen showing them) or a message (audio guide, voice dialogue, idle warning).

Holds the reading's state in one place (the sentences, the screen, whether "stopped early" was
counted); the speech itself is :class:`kiosk.play.read_aloud.ReadAloud`'s. Its caller
(:class:`kiosk.sound_controls.SoundControls`) decides what to read (the screen showing) and
when.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.speech.text import Sentence, sentences_of, split_sentences

if TYPE_CHECKING:
    from kiosk.play.read_aloud import ReadAloud
    from kiosk.ui.screens import PagedScreen
    from kiosk.ui.theme import Theme


class PageReader:
    """Reads a page or a message through ``speech``, highlights the sentence being read (in
    the colours of ``theme()``), and counts Read aloud started and stopped early (``count``)."""

    def __init__(
        self,
        speech: ReadAloud,
        theme: Callable[[], Theme],
        count: Callable[[str], None],
    ) -> None:
        self.speech = speech
        self.sentences: list[Sentence] = []
        """The page being read, sentence by sentence (empty while a message is said)."""
        self.screen: PagedScreen | None = None
        """The screen whose sentences are highlighted, while a page is read."""
        self._theme = theme
        self._count = count
        self._ended = False  # "stopped early" was counted for this reading

    def read(self, screen: PagedScreen, start_sentence: int = 0) -> None:
        """Read ``screen`` aloud from sentence ``start_sentence``."""
        self.interrupted()
        self._count("read-started")
        self._ended = False
        self.sentences = sentences_of(screen.reading_units())
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
        theme = self._theme()
        self.screen.highlight(
            sentence.block, sentence.start, sentence.end, theme.highlight_text, theme.highlight_bg
        )

    def clear_highlight(self) -> None:
        """No sentence highlighted."""
        if self.screen is not None:
            theme = self._theme()
            self.screen.highlight(None, 0, 0, theme.highlight_text, theme.highlight_bg)

    def interrupted(self) -> None:
        """Count Read aloud stopped before the end of the page (by Stop, or by going on)."""
        if self.speech.speaking and self.sentences and not self._ended:
            self._ended = True
            self._count("read-stopped-early")
