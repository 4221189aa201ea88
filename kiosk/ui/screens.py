"""The kiosk's screens. Each renders what it is given and emits what the patient asked for."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.content.loader import KEY_LIST_MARK, with_key_list
from kiosk.content.markdown import Document, Span, parse_markdown
from kiosk.content.model import ContentSet, Topic, Urgency
from kiosk.content.reading import (
    EMERGENCY_BAND,
    EMERGENCY_INTRO,
    FIRST_BLOCK,
    HELP_TITLE,
    RELATED_HEADING,
    ReadingDocument,
    emergency_reading,
    emergency_topics,
    help_reading,
    phone_line,
    read_more,
    related_topics,
    review_line,
    source_line,
    topic_band,
    topic_reading,
)
from kiosk.ui.keys import help_lines
from kiosk.ui.status import STATUS_ROLES, status_html
from kiosk.ui.theme import STANDARD, Sizes, Theme
from kiosk.ui.widgets import (
    BigButton,
    FlowRow,
    HoldButton,
    PagedView,
    Paging,
    TextBlock,
    document_blocks,
    kiosk_font,
    role_font,
    spans_html_marked,
    wrapped_size,
)

KEYS_HELP = "\n".join(f"- {line}" for line in help_lines())
"""Help's "Using keys" list: the key table's help lines (kiosk.ui.keys)."""

BUILT_IN_HELP = f"""\
## Using the screen

Touch a topic on the **Home** screen to open it. Touch **Back** to go back, and **Home** to \
start again.

## Using keys

{KEY_LIST_MARK}
"""
"""Help's text while the content's help file is missing or unusable (``check`` says why)."""


def help_markdown(text: str | None) -> str:
    """The Help screen's Markdown: the help file's text (else the built-in one) with the key
    table's list where the file says (:func:`kiosk.content.loader.with_key_list`)."""
    return with_key_list(BUILT_IN_HELP if text is None else text, KEYS_HELP)


class Screen(QWidget):
    """Base for screens: a title and a way to apply the theme to child buttons."""

    own_type = False
    """True for a screen that gives its labels their type sizes as fonts itself; the window
    gives the others the type sheet (setting it makes Qt restyle every widget of the screen)."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Screen")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(title, self)
        self.title_text = title
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.layout_.addWidget(self.title)
        self._theme: Theme | None = None
        self._sizes: Sizes | None = None

    def set_title(self, text: str) -> None:
        """Change the title (shown as plain text)."""
        self.title_text = text
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setText(text)

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Pass the theme and sizes to every big button inside."""
        self._theme, self._sizes = theme, sizes
        for button in self.findChildren(BigButton):
            button.apply_style(theme, sizes)
        self.layout_.setSpacing(sizes.gap_px)

    def hold_layout(self) -> None:
        """The window is about to resize this screen, still at the old text size, and restyle
        it (a screen with a paged view lays it out then only)."""

    def styled(self, button: BigButton) -> BigButton:
        """A new button with the current style."""
        if self._theme is not None and self._sizes is not None:
            button.apply_style(self._theme, self._sizes)
        return button

    def spoken_text(self) -> str:
        """Everything the screen shows, in reading order (for speech and for tests)."""
        return self.title_text


class PageControls(QWidget):
    """Previous page / "Page 1 of 3" / Next page."""

    previous = Signal()
    next = Signal()

    def __init__(self, what: str = "page", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box = layout
        self.previous_button = BigButton(
            f"Previous {what}", description=f"Show the previous {what}."
        )
        self.next_button = BigButton(f"Next {what}", description=f"Show the next {what}.")
        self._what = what
        self.short_titles = False
        """True when the buttons say "Previous" and "Next" (where "Previous page" and "Next
        page" would take two lines each; their accessible names stay whole)."""
        self.label = QLabel(self)
        self.label.setProperty("role", "status")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Never wrapped mid-phrase ("Page 1 of / 14"): the whole phrase, or "1 / 14" where the
        # row has no room for it (the accessible name is always the whole phrase).
        self.label.setWordWrap(False)
        self._position = ("", "")
        self._widest = ("", "")
        # One row; where the three do not fit side by side, the buttons above "Page 1 of 3".
        self.row = FlowRow([self.previous_button, self.label, self.next_button], [[0, 2], [1]])
        layout.addWidget(self.row)
        self.previous_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)

    def show_position(self, page: int, count: int, what: str = "Page") -> None:
        """Say where we are. The controls stay in place even with one page (disabled), so they
        are always where the patient expects them and the page area never changes size."""
        whole = f"{what} {page + 1} of {count}"
        self._position = (whole, f"{page + 1} / {count}")
        # The widest either form gets on this page count (measured with the widest digit).
        self._widest = (f"{what} {count} of {count}", f"{count} / {count}")
        self.label.setAccessibleName(whole)
        self.fit_label()
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page + 1 < count)

    def _set_short_titles(self, short: bool) -> bool:
        """Say "Previous" and "Next", or the whole titles; True when that changed."""
        if short == self.short_titles:
            return False
        self.short_titles = short
        for button, word in ((self.previous_button, "Previous"), (self.next_button, "Next")):
            whole = f"{word} {self._what}"
            button.set_texts(
                word if short else whole, description=f"Show the {word.lower()} {self._what}."
            )
            button.setAccessibleName(whole)
        return True

    def fit_label(self) -> None:
        """The whole phrase when it fits on the buttons' row (or on a row of its own when the
        buttons need the whole row), else the short form. The buttons say "Previous" and
        "Next" where "Previous page" and "Next page" would not each fit on one line beside
        the short form, and those would."""
        whole, short = self._position
        widest_whole, widest_short = self._widest
        self.label.ensurePolished()
        width = self.width()
        metrics = self.label.fontMetrics()
        # Measured as the widest page number of this count, with the widest digit in every
        # place, so the form and the rows never change on a page turn (the page would shrink
        # and be paged again).
        digit = max("0123456789", key=metrics.horizontalAdvance)

        def wide(text: str) -> int:
            return metrics.horizontalAdvance(re.sub(r"[0-9]", digit, text)) + 2

        def one_row(previous: str, following: str) -> int:
            return (
                self.previous_button.one_line_width(previous)
                + self.next_button.one_line_width(following)
                + wide(widest_short)
                + 2 * self.row.gap
            )

        retitled = width > 0 and self._set_short_titles(
            one_row(f"Previous {self._what}", f"Next {self._what}") > width
            and one_row("Previous", "Next") <= width
        )

        # The whole phrase where the buttons keep one-line labels beside it; else the short
        # form where that keeps them; else as the buttons' least widths allow.
        one_line = self.previous_button.sizeHint().width() + self.next_button.sizeHint().width()
        roomy = width - one_line - 2 * self.row.gap
        buttons = self.previous_button.min_width() + self.next_button.min_width()
        beside = width - buttons - 2 * self.row.gap
        text, least = whole, wide(widest_whole)
        short_keeps_one_line = least > roomy and wide(widest_short) <= roomy
        short_fits_beside = least > beside and (wide(widest_short) <= beside or least > width)
        if short_keeps_one_line or short_fits_beside:
            text, least = short, wide(widest_short)
        least = min(least, max(0, width))
        if retitled or text != self.label.text() or least != self.label.minimumWidth():
            self.label.setMinimumWidth(least)
            self.label.setText(text)
            self.row.relayout()
            self.updateGeometry()  # the row's height may have changed: the screen lays out again

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_label()


class SpeechControls(QWidget):
    """Read aloud, Pause/Continue, Stop, Repeat (a long press repeats the whole page)."""

    read = Signal()
    pause = Signal()
    stop = Signal()
    repeat = Signal()
    repeat_all = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.read_button = BigButton(
            "Read aloud", description="Read this page aloud.", object_name="speech-read"
        )
        self.pause_button = BigButton(
            "Pause", description="Pause or continue reading.", object_name="speech-pause"
        )
        self.stop_button = BigButton("Stop", description="Stop reading.", object_name="speech-stop")
        self.repeat_button = HoldButton(
            "Repeat",
            description="Say the last sentence again. Hold to read the whole page again.",
            object_name="speech-repeat",
        )
        # One row, or two of two where four do not fit side by side.
        self.row = FlowRow(
            [self.read_button, self.pause_button, self.stop_button, self.repeat_button],
            [[0, 1], [2, 3]],
        )
        layout.addWidget(self.row)
        self.read_button.clicked.connect(self.read)
        self.pause_button.clicked.connect(self.pause)
        self.stop_button.clicked.connect(self.stop)
        self.repeat_button.clicked.connect(self.repeat)
        self.repeat_button.long_pressed.connect(self.repeat_all)
        self.show_state("idle")

    def show_state(self, state: str) -> None:
        """Show what the buttons do now, in words."""
        self.pause_button.set_texts(
            "Continue" if state == "paused" else "Pause",
            description="Continue reading." if state == "paused" else "Pause reading.",
        )
        self.pause_button.setEnabled(state != "idle")
        self.stop_button.setEnabled(state != "idle")


class PagedScreen(Screen):
    """A title, a paged text view and page controls (topic, help, emergency, staff screens)."""

    page_shown = Signal(int)
    paged_by_user = Signal()  # the patient pressed Previous/Next page (speech stops)

    def __init__(self, title: str = "", parent: QWidget | None = None, speech: bool = True) -> None:
        super().__init__(title, parent)
        self.band = QLabel(self)
        self.band.setProperty("role", "band")
        self.band.setWordWrap(True)
        self.band.hide()
        self.layout_.addWidget(self.band)
        self.band_text = ""
        """The band's words ("" when there is no band)."""
        self.title_in_page = False
        """True when the title and band are the page's first blocks, paged with its text (where
        the screen is too low to keep them above the page: the window decides)."""
        self.speech = SpeechControls(self) if speech else None
        self.reading: ReadingDocument | None = None
        """What Read aloud reads here, from the content shown (None: nothing to read)."""
        if self.speech is not None:
            self.layout_.addWidget(self.speech)
        self.view = PagedView(self)
        self.layout_.addWidget(self.view, 1)
        self.pages = PageControls("page", self)
        self.layout_.addWidget(self.pages)
        self.pages.previous.connect(self.paged_by_user)
        self.pages.next.connect(self.paged_by_user)
        self.pages.previous.connect(self.view.previous_page)
        self.pages.next.connect(self.view.next_page)
        self.view.page_changed.connect(self._on_page)

    def _on_page(self, page: int, count: int) -> None:
        self.pages.show_position(page, count)
        self.page_shown.emit(page)

    def set_title(self, text: str) -> None:
        """Change the title (shown as plain text)."""
        super().set_title(text)
        self._place_title()

    def show_band(self, text: str) -> None:
        """Show the band (an urgency in words) under the title; "" hides it."""
        self.band_text = text
        self.band.setText(text)
        self._place_title()

    def _place_title(self) -> None:
        """The title and band above the page, or as the page's first blocks."""
        in_page = self.title_in_page
        self.title.setVisible(not in_page)
        self.band.setVisible(bool(self.band_text) and not in_page)
        lead: list[TextBlock] = []
        if in_page:
            lead.append(
                TextBlock(
                    "title",
                    html.escape(self.title_text),
                    self.title_text,
                    keep_with_next=True,
                    px=self._title_px(),
                )
            )
            if self.band_text:
                lead.append(TextBlock.text("band", self.band_text, keep_with_next=True))
        self.view.set_lead(lead)

    def _title_px(self) -> int:
        """The title's type size as the page's first block: 0 (the headings' size), or smaller
        (never below the page text's 100 % size) where a word of it is wider than the page."""
        sizes, width = self._sizes, self.width()
        words = self.title_text.split()
        if sizes is None or width <= 0 or not words:
            return 0
        px = sizes.heading_px
        while px > sizes.base_body_px and (
            max(QFontMetrics(kiosk_font(px, bold=True)).horizontalAdvance(w) for w in words)
            > width - 2
        ):
            px -= 1
        return 0 if px == sizes.heading_px else px

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.title_in_page:
            self._place_title()  # the title's size may depend on the width

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Theme, then recompute pages for the new text size."""
        self._sizes = sizes
        if sizes.title_in_page != self.title_in_page or sizes.title_in_page:
            self.title_in_page = sizes.title_in_page
            self._place_title()
        super().apply_style(theme, sizes)
        for row in self.findChildren(FlowRow):
            row.gap = sizes.gap_px
            row.relayout()
        self.pages.fit_label()
        self.view.spacing_px = round(sizes.body_px * 0.45)
        # The page is laid out once: the screen's layout is brought up to date first (a title
        # grown with the text size makes the page lower now, where on the next turn of the
        # event loop the page was laid out again), which lays the page out if its size changed.
        self.view.restyled()
        self.layout_.activate()
        self.view.relayout()

    def hold_layout(self) -> None:
        """The window is about to resize this screen, still at the old text size, and restyle
        it: the page is laid out then, not at the resize too."""
        self.view.hold()

    def spoken_text(self) -> str:
        """Title, band and every block in reading order."""
        units = [self.title_text, self.band_text]
        units += [block.plain for block in self.view.blocks()]
        return "\n".join(units)

    def highlight(self, unit: int | None, start: int = 0, end: int = 0) -> None:
        """Mark characters ``start:end`` of the sentence being read, in this screen's highlight
        colours (``unit`` indexes ``reading.units``; None clears the mark)."""
        theme = self._theme or STANDARD
        fg, bg = theme.highlight_text, theme.highlight_bg
        if unit == 0 and self.title_in_page:
            self.view.highlight_lead(0, fg, bg)
            return
        if unit == 0:
            self.title.setTextFormat(Qt.TextFormat.RichText)
            self.title.setText(spans_html_marked((Span(self.title_text),), start, end, fg, bg))
        else:
            Screen.set_title(self, self.title_text)
        block = None if unit is None or unit < FIRST_BLOCK else unit - FIRST_BLOCK
        self.view.highlight(block, start, end, fg, bg)


class TopicScreen(PagedScreen):
    """One topic: its body in pages, related topics as buttons, review dates and the source."""

    related_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.topic: Topic | None = None

    def show_topic(self, topic: Topic, content: ContentSet, page: int = 0) -> None:
        """Render a topic and go to ``page``."""
        self.topic = topic
        self.reading = topic_reading(topic, content)
        self.set_title(topic.title)
        self.show_band(topic_band(topic))
        blocks = document_blocks(topic.body)
        related = related_topics(topic, content)
        if related:
            blocks.append(
                TextBlock("heading", RELATED_HEADING, RELATED_HEADING, keep_with_next=True)
            )
            for other in related:
                blocks.append(
                    TextBlock("widget", plain=other.title, widget=self._related_factory(other))
                )
        blocks.append(TextBlock("meta", html.escape(review_line(topic)), review_line(topic)))
        blocks.append(TextBlock("meta", html.escape(source_line(topic)), source_line(topic)))
        self.view.set_blocks(blocks, page)

    def _related_factory(self, other: Topic) -> Callable[[], QWidget]:
        def make() -> QWidget:
            button = self.styled(
                BigButton(
                    other.title,
                    description=f"Open the related topic: {other.title}. {other.summary}",
                    emergency=other.urgency is Urgency.EMERGENCY,
                    opens=True,
                    object_name=f"related-{other.id}",
                )
            )
            button.clicked.connect(lambda: self.related_chosen.emit(other.id))
            return button

        return make


class HelpScreen(PagedScreen):
    """How to use the kiosk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(HELP_TITLE, parent)
        self._shown: tuple[str, Document] | None = None  # the Markdown shown, parsed

    def show_help(self, text: str | None, page: int = 0) -> None:
        """Render the help text: the content's help file (None: the built-in text)."""
        markdown = help_markdown(text)
        if self._shown is None or self._shown[0] != markdown:
            # Parsed when first shown and after an edit; its problems were reported to staff
            # when the content was loaded (``check``).
            self._shown = (markdown, parse_markdown(markdown)[0])
        self.reading = help_reading(self._shown[1])
        self.view.set_blocks(document_blocks(self._shown[1]), page)


class EmergencyScreen(PagedScreen):
    """The full emergency page: the panel's text, phone numbers and the emergency topics."""

    topic_chosen = Signal(str)

    def show_emergency(self, content: ContentSet, page: int = 0) -> None:
        """Render the emergency page from the site file."""
        panel = content.site.emergency
        self.reading = emergency_reading(content)
        self.set_title(panel.heading)
        self.show_band(EMERGENCY_BAND)
        blocks = [TextBlock("body", EMERGENCY_INTRO, EMERGENCY_INTRO)]
        blocks += [TextBlock("bullet", html.escape(s), s) for s in panel.symptoms]
        blocks.append(TextBlock("body", f"<b>{html.escape(panel.action)}</b>", panel.action))
        for number in panel.phone_numbers:
            text = phone_line(number)
            blocks.append(TextBlock("body", html.escape(text), text))
        for topic in emergency_topics(content):
            blocks.append(TextBlock("widget", plain=read_more(topic), widget=self._factory(topic)))
        self.view.set_blocks(blocks, page)

    def _factory(self, topic: Topic) -> Callable[[], QWidget]:
        def make() -> QWidget:
            button = self.styled(
                BigButton(
                    read_more(topic),
                    description=f"Open the page about {topic.title}.",
                    emergency=True,
                    opens=True,
                    object_name=f"emergency-topic-{topic.id}",
                )
            )
            button.clicked.connect(lambda: self.topic_chosen.emit(topic.id))
            return button

        return make


class StaffScreen(PagedScreen):
    """For clinic staff: the checker's report, Reload content and Exit."""

    reload_requested = Signal()
    exit_requested = Signal()
    use_requested = Signal()
    selftest_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Staff", parent, speech=False)
        self.reload_button = BigButton(
            "Reload content", description="Load the content files again and check them."
        )
        self.exit_button = BigButton("Exit kiosk", description="Close the kiosk program.")
        self.use_button = BigButton(
            "Use",
            description="How the kiosk was used in the last 30 days.",
            object_name="staff-use",
        )
        self.selftest_button = BigButton(
            "Test sound and voice",
            description="The speaker says a sentence while the microphone listens.",
            object_name="staff-selftest",
        )
        # One row, or two of two where four do not fit side by side without cutting a word.
        self.buttons_row = FlowRow(
            [self.reload_button, self.use_button, self.selftest_button, self.exit_button],
            [[0, 1], [2, 3]],
            self,
        )
        self.layout_.insertWidget(1, self.buttons_row)
        self.reload_button.clicked.connect(self.reload_requested)
        self.exit_button.clicked.connect(self.exit_requested)
        self.use_button.clicked.connect(self.use_requested)
        self.selftest_button.clicked.connect(self.selftest_requested)

    def show_report(self, lines: Sequence[tuple[str, str]], page: int = 0) -> None:
        """Render (role, text) lines of the staff report ("ok" and "check": a status line)."""
        self.view.set_blocks(
            [
                TextBlock("body", status_html(role == "ok", text), f"{role.upper()}: {text}")
                if role in STATUS_ROLES
                else TextBlock(role, html.escape(text), text)
                for role, text in lines
            ],
            page,
        )


@dataclass(frozen=True)
class TopicEntry:
    """What a Home button shows."""

    id: str
    title: str
    summary: str
    emergency: bool
    pinned: bool = False
    """Kept on the first page of Home whatever the order (the emergency and support topics)."""


ONE_PAGE_MAX_TOPICS = 24
"""Home tries to show every topic on one page up to this many (a longer list is paged)."""
MAX_COLUMNS = 4


class ButtonGrid(Paging, QWidget):
    """Topic buttons in a grid, a page of rows at a time (no scroll bars)."""

    page_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: list[BigButton] = []
        self._pages: list[list[list[int]]] = [[]]
        self._page = 0
        self._columns = 1
        self.gap = 12
        self.min_target = 61
        self.pinned: list[bool] = []
        """Per button: kept on the first page whatever the order (emergency and support)."""
        self.spare_height: Callable[[], int] = lambda: 0
        """Height the grid gains when everything fits on one page (the page controls it then
        does not need)."""

    def set_buttons(
        self, buttons: list[BigButton], page: int = 0, pinned: Sequence[bool] = ()
    ) -> None:
        """Replace the buttons; ``pinned`` ones always start on the first page."""
        for button in self.buttons:
            button.deleteLater()
        self.buttons = buttons
        self.pinned = list(pinned) or [False] * len(buttons)
        for button in buttons:
            button.setParent(self)
            button.hide()
        self._pages = [[]]
        self._page = page
        self.relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._lay_out()

    def relayout(self) -> None:
        """Recompute columns, rows and pages for the current size: every topic on one page when
        they fit (fewest columns first; summaries shortened to whole words if need be), else
        pages of rows with the pinned topics (emergency, support) on the first page. Not while
        a resize event is to come (the grid was resized while hidden: at start-up, before the
        window is shown): it is laid out then, at its new size."""
        if not self.testAttribute(Qt.WidgetAttribute.WA_PendingResizeEvent):
            self._lay_out()

    def _lay_out(self) -> None:
        if not self.buttons or self.width() <= 0:
            self._pages = [[]]
            self._place()
            return
        if not self._one_page():
            self._paged()
        self._page = max(0, min(self._page, len(self._pages) - 1))
        self._place()

    def _rows_height(self, rows: Sequence[Sequence[int]], width: int) -> int:
        heights = [max(self.buttons[i].heightForWidth(width) for i in row) for row in rows]
        return sum(heights) + self.gap * (len(rows) - 1)

    def _fitting_layouts(self) -> Iterator[tuple[int, int | None, int, int]]:
        """(rank, summary lines, columns, column width) for each summary length, longest first
        (rank 0), and column count at which every button fits its column, targets no smaller
        than the minimum; each button's summary is shortened to that layout when it is given."""
        smallest = min(b.min_width() for b in self.buttons)
        for rank, lines in enumerate((None, 2, 1, 0)):
            for columns in range(1, MAX_COLUMNS + 1):
                width = (self.width() - self.gap * (columns - 1)) // columns
                if width < max(smallest, self.min_target):
                    break
                for button in self.buttons:
                    button.shorten_subtitle(width, lines)
                if any(b.min_width() > width for b in self.buttons):
                    continue
                yield rank, lines, columns, width

    def _one_page(self) -> bool:
        count = len(self.buttons)
        if count > ONE_PAGE_MAX_TOPICS:
            return False
        room = self.height() + self.spare_height()
        for _, _, columns, width in self._fitting_layouts():
            rows = [
                list(range(start, min(start + columns, count)))
                for start in range(0, count, columns)
            ]
            if self._rows_height(rows, width) <= room:
                self._columns = columns
                self._pages = [rows]
                return True
        for button in self.buttons:
            button.shorten_subtitle(0, None)
        return False

    def _paged(self) -> None:
        """Pages of rows, the pinned topics on the first page: the columns and summary length
        that need the fewest pages (then the longest summaries, then the fewest columns)."""
        best: tuple[tuple[int, int, int], int | None, list[list[list[int]]]] | None = None
        for rank, lines, columns, width in self._fitting_layouts():
            # A button taller than the grid would be cut off.
            if max(b.heightForWidth(width) for b in self.buttons) > self.height():
                continue
            pages = self._pinned_first(columns, width)
            key = (len(pages), rank, columns)
            if best is None or key < best[0]:
                best = (key, lines, pages)
        if best is None:  # nothing fits whole: one column, titles only
            lines, columns = 0, 1
            width = self.width()
            for button in self.buttons:
                button.shorten_subtitle(width, lines)
            best = ((0, 0, 1), lines, self._pinned_first(columns, width))
        (_, _, columns), lines, pages = best
        self._columns = columns
        width = (self.width() - self.gap * (columns - 1)) // columns
        for button in self.buttons:
            button.shorten_subtitle(width, lines)
        self._pages = pages

    def _pinned_first(self, columns: int, width: int) -> list[list[list[int]]]:
        """Pages in order, with the pinned topics brought onto the first page (in place of
        its last ones) when they would fall later."""
        order = list(range(len(self.buttons)))
        pages = self._paginate(order, columns, width)
        first = {i for row in pages[0] for i in row}
        if not any(self.pinned[i] and i not in first for i in order):
            return pages

        def fits(items: list[int]) -> bool:
            return len(self._paginate(sorted(items), columns, width)) == 1

        head: list[int] = []
        for i in (i for i in order if self.pinned[i]):
            if fits([*head, i]):
                head.append(i)
        for i in (i for i in order if not self.pinned[i]):
            if not fits([*head, i]):
                break
            head.append(i)
        rest = [i for i in order if i not in head]
        return self._paginate(sorted(head), columns, width)[:1] + (
            self._paginate(rest, columns, width) if rest else []
        )

    def _paginate(self, order: list[int], columns: int, width: int) -> list[list[list[int]]]:
        rows = [order[start : start + columns] for start in range(0, len(order), columns)]
        pages: list[list[list[int]]] = [[]]
        used = 0
        for row in rows:
            height = max(self.buttons[i].heightForWidth(width) for i in row)
            needed = height + (self.gap if pages[-1] else 0)
            if pages[-1] and used + needed > self.height():
                pages.append([])
                used, needed = 0, height
            pages[-1].append(row)
            used += needed
        return pages

    def _place(self) -> None:
        visible: set[int] = set()
        if self.buttons and self._pages[self._page]:
            columns = self._columns
            width = (self.width() - self.gap * (columns - 1)) // columns
            y = 0
            for row in self._pages[self._page]:
                height = max(self.buttons[i].heightForWidth(width) for i in row)
                for column, index in enumerate(row):
                    x = column * (width + self.gap)
                    self.buttons[index].setGeometry(QRect(QPoint(x, y), QSize(width, height)))
                    visible.add(index)
                y += height + self.gap
        for index, button in enumerate(self.buttons):
            button.setVisible(index in visible)
        self.page_changed.emit(self._page, len(self._pages))


class HomeScreen(Screen):
    """Large topic buttons in order, with paging when they do not all fit."""

    topic_chosen = Signal(str)
    page_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Choose a topic", parent)
        self.grid = ButtonGrid(self)
        self.layout_.addWidget(self.grid, 1)
        self.pages = PageControls("topics", self)
        self.layout_.addWidget(self.pages)
        self.pages.previous.connect(self.grid.previous_page)
        self.pages.next.connect(self.grid.next_page)
        self.grid.page_changed.connect(self._on_page)
        self.grid.spare_height = self._controls_height

    def _controls_height(self) -> int:
        """The page controls' height and the gap above them, while they are shown."""
        if self.pages.isHidden():
            return 0
        height = max(self.pages.height(), self.pages.heightForWidth(self.grid.width()))
        return height + self.layout_.spacing()

    def _on_page(self, page: int, count: int) -> None:
        self.pages.show_position(page, count, "Topics page")
        # With one page there is nothing to turn: the controls go and the grid has their room
        # (the grid is laid out again at its new height).
        self.pages.setHidden(count <= 1)
        self.page_shown.emit(page)

    def set_topics(self, entries: Sequence[TopicEntry], page: int = 0) -> None:
        """Show the topics (already in order)."""
        buttons = []
        for entry in entries:
            description = f"Emergency topic. {entry.summary}" if entry.emergency else entry.summary
            button = self.styled(
                BigButton(
                    entry.title,
                    entry.summary,
                    description=description,
                    emergency=entry.emergency,
                    opens=True,
                    object_name=f"topic-{entry.id}",
                )
            )
            button.clicked.connect(
                lambda _=False, topic_id=entry.id: self.topic_chosen.emit(topic_id)
            )
            buttons.append(button)
        # The (first) emergency topic and the (first) support topic stay on the first page.
        pinned = [False] * len(entries)
        for field in ("emergency", "pinned"):
            index = next((i for i, e in enumerate(entries) if getattr(e, field)), None)
            if index is not None:
                pinned[index] = True
        self.grid.set_buttons(buttons, page, pinned)

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Theme, gaps and a fresh layout."""
        super().apply_style(theme, sizes)
        self.pages.row.gap = sizes.gap_px
        self.pages.row.relayout()
        self.pages.fit_label()
        self.grid.gap = sizes.gap_px
        self.grid.min_target = sizes.min_target_px
        self.grid.relayout()

    def spoken_text(self) -> str:
        """Title and the visible topics."""
        parts = [self.title_text]
        parts += [f"{b.title}. {b.subtitle}" for b in self.grid.buttons if b.isVisible()]
        return "\n".join(parts)


def _button_row(buttons: Sequence[QWidget], columns: int) -> QWidget:
    """A block of buttons in a grid (used as one block of a paged view)."""
    row = QWidget()
    grid = QGridLayout(row)
    grid.setContentsMargins(0, 0, 0, 0)
    for index, button in enumerate(buttons):
        grid.addWidget(button, index // columns, index % columns)
    return row


class DisplayScreen(PagedScreen):
    """Text size, colours, and the reading voice's volume and speed (paged like any page, so
    nothing is cut off at 200% text)."""

    own_type = True
    text_scale_chosen = Signal(int)
    theme_chosen = Signal(str)
    volume_step = Signal(int)  # -1 quieter, +1 louder
    rate_step = Signal(int)  # -1 slower, +1 faster

    def __init__(
        self, scales: Sequence[int], themes: Sequence[Theme], parent: QWidget | None = None
    ) -> None:
        super().__init__("Text, colours and sound", parent, speech=False)
        self.scale_buttons: dict[int, BigButton] = {}
        for scale in scales:
            button = BigButton(
                f"{scale}%",
                description=f"Make the text {scale} percent.",
                object_name=f"scale-{scale}",
            )
            button.clicked.connect(lambda _=False, s=scale: self.text_scale_chosen.emit(s))
            self.scale_buttons[scale] = button
        self.theme_buttons: dict[str, BigButton] = {}
        for theme in themes:
            button = BigButton(
                theme.label,
                description=f"Use {theme.label.lower()} colours.",
                object_name=f"theme-{theme.name}",
            )
            button.clicked.connect(lambda _=False, n=theme.name: self.theme_chosen.emit(n))
            self.theme_buttons[theme.name] = button
        # The top bar's Help, Audio guide and Ask by voice, also here: on narrow screens the top
        # bar has Back, Home and More (this screen) only. Help and Ask by voice open a screen;
        # Audio guide turns the guide on and opens nothing.
        self.help_button = BigButton(
            "Help", description="How to use this kiosk.", opens=True, object_name="more-help"
        )
        self.guide_button = BigButton(
            "Audio guide",
            description="Turn on the audio guide: touch a button once to hear it, twice to use it.",
            object_name="more-guide",
        )
        self.voice_button = BigButton(
            "Ask by voice",
            description="Say what you want to know about, for example tiredness or pain.",
            opens=True,
            object_name="more-voice",
        )
        self.quieter = BigButton(
            "Quieter", description="Make the voice quieter.", object_name="volume-down"
        )
        self.louder = BigButton(
            "Louder", description="Make the voice louder.", object_name="volume-up"
        )
        self.slower = BigButton(
            "Slower", description="Make the voice slower.", object_name="rate-down"
        )
        self.faster = BigButton(
            "Faster", description="Make the voice faster.", object_name="rate-up"
        )
        self.volume_text = QLabel()
        self.rate_text = QLabel()
        for label in (self.volume_text, self.rate_text):
            label.setProperty("role", "status")
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.quieter.clicked.connect(lambda: self.volume_step.emit(-1))
        self.louder.clicked.connect(lambda: self.volume_step.emit(+1))
        self.slower.clicked.connect(lambda: self.rate_step.emit(-1))
        self.faster.clicked.connect(lambda: self.rate_step.emit(+1))
        rows = {
            "more": _button_row([self.help_button, self.guide_button, self.voice_button], 3),
            "sizes": _button_row(list(self.scale_buttons.values()), 3),
            "themes": _button_row(list(self.theme_buttons.values()), 2),
            "volume": _button_row([self.quieter, self.volume_text, self.louder], 3),
            "speed": _button_row([self.slower, self.rate_text, self.faster], 3),
        }
        self.view.set_blocks(
            [
                TextBlock("widget", plain="Help and voice", widget=lambda: rows["more"]),
                TextBlock.text("heading", "Text size", keep_with_next=True),
                TextBlock("widget", plain="Text size choices", widget=lambda: rows["sizes"]),
                TextBlock.text("heading", "Colours", keep_with_next=True),
                TextBlock("widget", plain="Colour choices", widget=lambda: rows["themes"]),
                TextBlock.text("heading", "Reading voice", keep_with_next=True),
                TextBlock("widget", plain="Volume", widget=lambda: rows["volume"]),
                TextBlock("widget", plain="Speed", widget=lambda: rows["speed"]),
            ]
        )

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """The labels' fonts for the new text size (this screen, in view at a text-size tap,
        has no type sheet: setting one made Qt restyle its thirty-odd widgets on the tap),
        then the layout."""
        self.view.type_sizes = sizes
        for label in self.findChildren(QLabel):
            label.setFont(role_font(sizes, label.property("role")))
        super().apply_style(theme, sizes)

    def show_choices(self, scale: int, theme: str) -> None:
        """Mark the current choices in words (not only colour)."""
        for value, button in self.scale_buttons.items():
            button.set_texts(
                f"{value}%" + (" (now)" if value == scale else ""),
                description=f"Make the text {value} percent.",
            )
        for name, button in self.theme_buttons.items():
            label = button.title.removesuffix(" (now)")
            button.set_texts(
                label + (" (now)" if name == theme else ""),
                description=f"Use {label.lower()} colours.",
            )

    def show_sound(
        self, volume: int, volume_steps: int, rate_wpm: int, rates: Sequence[int]
    ) -> None:
        """Say the voice's volume step and speed in words."""
        self.volume_text.setText(f"Volume {volume + 1} of {volume_steps}")
        self.rate_text.setText(f"Speed {rate_wpm} words a minute")
        self.quieter.setEnabled(volume > 0)
        self.louder.setEnabled(volume + 1 < volume_steps)
        self.slower.setEnabled(rate_wpm > rates[0])
        self.faster.setEnabled(rate_wpm < rates[-1])

    def spoken_text(self) -> str:
        """The screen's choices."""
        return (
            f"{self.title_text}. Text size, colours, {self.volume_text.text()}, "
            f"{self.rate_text.text()}."
        )


PIN_PADS: dict[int, list[str]] = {
    3: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "OK"],
    4: ["1", "2", "3", "Clear", "4", "5", "6", "0", "7", "8", "9", "OK"],
    6: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "Clear", "OK"],
}
"""The PIN pad's keys in reading order for 3, 4 and 6 columns."""


def _widget_height(widget: QWidget, width: int) -> int:
    widget.ensurePolished()
    if widget.hasHeightForWidth():
        return widget.heightForWidth(width)
    return widget.sizeHint().height()


class PinScreen(Screen):
    """A PIN pad for staff."""

    pin_entered = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Staff PIN", parent)
        self.entry = ""
        self.display = QLabel(self)
        self.display.setProperty("role", "heading")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel("Enter the staff PIN.", self)
        self.message.setWordWrap(True)
        # A control's text, growing as the controls do (the pad needs the room at 200 %).
        self.message.setProperty("role", "status")
        # The message and the entered digits share a row: at 200 % text the pad needs the room.
        line = QHBoxLayout()
        line.addWidget(self.message, 2)
        line.addWidget(self.display, 1)
        self.layout_.addLayout(line)
        self.line = line
        grid = QGridLayout()
        self.grid = grid
        self.keys: dict[str, BigButton] = {}
        for key in PIN_PADS[3]:
            description = {"Clear": "Clear the PIN.", "OK": "Check the PIN."}.get(
                key, f"Digit {key}."
            )
            button = BigButton(key, description=description, object_name=f"pin-{key.lower()}")
            button.clicked.connect(lambda _=False, k=key: self.press(k))
            self.keys[key] = button
        self.columns = 0
        self._place_keys(3)
        self.layout_.addLayout(grid)
        self.cancel = BigButton(
            "Cancel", description="Leave the staff PIN pad.", object_name="pin-cancel"
        )
        self.cancel.clicked.connect(self.cancelled)
        self.layout_.addWidget(self.cancel)
        self.layout_.addStretch(1)
        self.cancel_beside = False
        """True when Cancel is on the message's row (where the pad is too low for it below)."""
        self._refresh()

    def _place_keys(self, columns: int) -> None:
        """The keys in ``columns`` columns (3: a phone's pad; 4 or 6 where the screen is too low
        for four rows of 15 mm keys)."""
        if columns == self.columns:
            return
        self.columns = columns
        for index, key in enumerate(PIN_PADS[columns]):
            self.grid.removeWidget(self.keys[key])
            self.grid.addWidget(self.keys[key], index // columns, index % columns)

    def _set_cancel_beside(self, beside: bool) -> None:
        """Cancel below the keys, or on the message's row after the entered digits."""
        if beside == self.cancel_beside:
            return
        self.cancel_beside = beside
        if beside:
            self.layout_.removeWidget(self.cancel)
            self.line.addWidget(self.cancel)
        else:
            self.line.removeWidget(self.cancel)
            self.layout_.insertWidget(self.layout_.indexOf(self.line) + 2, self.cancel)

    def _room_for_keys(self, beside: bool) -> int:
        """The height left for the keys with Cancel below them or beside the message."""
        spacing = self.layout_.spacing()
        width = self.width()
        title = _widget_height(self.title, width)
        if not beside:
            line = max(
                _widget_height(self.message, width * 2 // 3),
                _widget_height(self.display, width // 3),
            )
            below = _widget_height(self.cancel, width) + spacing
            return self.height() - title - line - below - 2 * spacing
        cancel = max(self.cancel.min_width(), self.cancel.sizeHint().width())
        rest = width - cancel - 2 * spacing
        line = max(
            _widget_height(self.message, rest * 2 // 3),
            _widget_height(self.display, rest // 3),
            _widget_height(self.cancel, cancel),
        )
        return self.height() - title - line - 2 * spacing

    def _fit_keys(self) -> None:
        """The fewest columns whose rows of keys fit whole (each key at least 15 mm); where
        no arrangement fits with Cancel below the keys, Cancel goes on the message's row."""
        if self._sizes is None or self.width() <= 0:
            return
        spacing = self.layout_.spacing()
        self.grid.setSpacing(spacing)
        columns, fits = self._keys_for(self._room_for_keys(False))
        beside = False
        if not fits:
            beside_columns, beside_fits = self._keys_for(self._room_for_keys(True))
            if beside_fits:
                columns, beside = beside_columns, True
        self._set_cancel_beside(beside)
        self._place_keys(columns)

    def _keys_for(self, room: int) -> tuple[int, bool]:
        """The columns for keys in ``room`` pixels of height, and whether their rows fit."""
        assert self._sizes is not None
        sizes = self._sizes
        spacing = self.layout_.spacing()
        width = self.width()
        # Of the arrangements whose keys are wide enough, the fewest columns that fit the
        # height, else the one with the fewest rows.
        chosen = min(PIN_PADS)
        for columns in sorted(PIN_PADS):
            order = PIN_PADS[columns]
            rows = len(order) // columns
            least = [
                max(sizes.min_target_px, *(self.keys[k].min_width() for k in order[c::columns]))
                for c in range(columns)
            ]
            spare = width - (columns - 1) * spacing - sum(least)
            if spare < 0:
                break
            chosen = columns
            key_height = max(
                self.keys[key].heightForWidth(least[i % columns] + spare // columns)
                for i, key in enumerate(order)
            )
            if rows * key_height + (rows - 1) * spacing <= room:
                return chosen, True
        return chosen, False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_keys()

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Theme, then the keys' arrangement for the new text size."""
        super().apply_style(theme, sizes)
        self._fit_keys()

    def press(self, key: str) -> None:
        """A key of the pad (or the keyboard)."""
        if key == "Clear":
            self.entry = ""
        elif key == "OK":
            entry, self.entry = self.entry, ""
            self._refresh()
            self.pin_entered.emit(entry)
            return
        elif key == "Back":
            self.entry = self.entry[:-1]
        elif key.isdigit() and len(self.entry) < 12:
            self.entry += key
        self._refresh()

    def reset(self, message: str = "Enter the staff PIN.") -> None:
        """Clear the entry and show a message."""
        self.entry = ""
        self.message.setText(message)
        self._refresh()

    def _refresh(self) -> None:
        self.display.setText("● " * len(self.entry) if self.entry else "PIN")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit():
            self.press(text)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.press("OK")
        else:
            super().keyPressEvent(event)


def fit_overlay_text(
    overlay: QWidget, box: QVBoxLayout, labels: Sequence[QLabel], sizes: Sizes | None
) -> None:
    """The overlay's text at the patient's size where it fits over the page, else smaller,
    never below the legibility minimum (its own sheet wins over the window's): the rest of
    the box (buttons, meter, spacing, margins) keeps its size. A hidden overlay is fitted when
    it is shown (a change of text size restyled both overlays, hidden, on every tap)."""
    if sizes is None or overlay.width() <= 0 or not overlay.isVisible():
        return
    margins = box.contentsMargins()
    width = max(1, overlay.width() - margins.left() - margins.right())
    shown = [label for label in labels if not label.isHidden() and label.text()]
    fixed, count = 0, len(shown)
    for index in range(box.count()):
        item = box.itemAt(index)
        if item is None:
            continue
        widget, row = item.widget(), item.layout()
        if widget is not None and widget not in labels and not widget.isHidden():
            fixed += max(_widget_height(widget, width), widget.minimumHeight())
            count += 1
        elif row is not None:
            buttons: list[BigButton] = []
            for i in range(row.count()):
                cell = row.itemAt(i)
                button = cell.widget() if cell is not None else None
                if isinstance(button, BigButton) and not button.isHidden():
                    buttons.append(button)
            if buttons:
                each = (width - row.spacing() * (len(buttons) - 1)) // len(buttons)
                fixed += max(b.heightForWidth(each) for b in buttons) + 2
                count += 1
    room = overlay.height() - margins.top() - margins.bottom() - fixed
    room -= box.spacing() * max(0, count - 1)
    px = sizes.body_px
    while px > sizes.base_body_px:
        heading = round(px * sizes.heading_ratio)
        needed = 0
        for label in shown:
            title = label.property("role") == "title"
            font = kiosk_font(heading if title else px, bold=title)
            needed += wrapped_size(font, width, label.text())[1]
            needed += 2
        if needed <= room:
            break
        px -= 1
    while True:
        heading = round(px * sizes.heading_ratio)
        sheet = (
            f"QLabel {{ font-size: {px}px; }} "
            f'QLabel[role="title"] {{ font-size: {heading}px; font-weight: bold; }}'
        )
        if overlay.styleSheet() != sheet:
            overlay.setStyleSheet(sheet)
        # The labels' own measure decides (it can differ from the estimate by a few pixels).
        for label in shown:
            label.ensurePolished()  # a label never shown takes the sheet only when polished
        needed = sum(label.heightForWidth(width) for label in shown)
        if needed <= room or px <= sizes.base_body_px:
            return
        px -= 1


class IdleOverlay(QWidget):
    """ "Are you still there?" over the content area (never over the emergency panel)."""

    continue_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(self)
        self.question = QLabel("Are you still there?", self)
        self.question.setProperty("role", "title")
        self.question.setWordWrap(True)
        self.instruction = QLabel("Touch the screen to continue.", self)
        self.instruction.setWordWrap(True)
        self.countdown = QLabel(self)
        self.countdown.setWordWrap(True)
        self.button = BigButton(
            "Continue", description="Keep using the kiosk.", object_name="idle-continue"
        )
        self.button.clicked.connect(self.continue_requested)
        layout.addStretch(1)
        for widget in (self.question, self.instruction, self.countdown, self.button):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.box = layout
        self._sizes: Sizes | None = None
        self.hide()

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Use a theme and text size."""
        self._sizes = sizes
        self.button.apply_style(theme, sizes)
        self.box.setSpacing(sizes.gap_px)
        self._fit()

    def _fit(self) -> None:
        fit_overlay_text(
            self, self.box, [self.question, self.instruction, self.countdown], self._sizes
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def show_countdown(self, seconds: int) -> None:
        """Update the visible countdown."""
        unit = "second" if seconds == 1 else "seconds"
        self.countdown.setText(f"Starting again for the next person in {seconds} {unit}.")
        self._fit()

    def spoken_text(self) -> str:
        """What the warning says."""
        return f"{self.question.text()} {self.instruction.text()} {self.countdown.text()}"


class LevelMeter(QWidget):
    """How loud the microphone hears the room: a bar, so people see they are being heard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LevelMeter")
        self.setAccessibleName("Microphone level")
        self.level = 0.0
        self._colours = ("#0b0c0c", "#f0f4f5")
        self.setMinimumHeight(24)

    def set_level(self, level: float) -> None:
        """0..1."""
        self.level = min(1.0, max(0.0, level))
        self.update()

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Colours from the overlay's (text on background: the same contrast as its words)."""
        self._colours = (theme.overlay_text, theme.overlay_bg)
        self.setFixedHeight(max(24, sizes.control_px))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        fg, bg = (QColor(c) for c in self._colours)
        painter = QPainter(self)
        border = max(2, self.height() // 8)
        painter.fillRect(self.rect(), fg)
        inner = self.rect().adjusted(border, border, -border, -border)
        painter.fillRect(inner, bg)
        filled = QRect(inner)
        filled.setWidth(round(inner.width() * self.level))
        painter.fillRect(filled, fg)
        painter.end()


class VoiceOverlay(QWidget):
    """Ask by voice, over the content area (never over the emergency panel): "Listening…" with a
    level meter, "Did you mean …?" with Yes and No, or a message with OK."""

    stop_requested = Signal()
    answered = Signal(bool)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VoiceOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.mode = "hidden"
        self._sizes: Sizes | None = None
        layout = QVBoxLayout(self)
        self.box = layout
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setProperty("role", "title")
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.meter = LevelMeter(self)
        self.stop_button = BigButton(
            "Stop listening", description="Stop listening.", object_name="voice-stop"
        )
        self.yes_button = BigButton("Yes", description="Yes, open it.", object_name="voice-yes")
        self.no_button = BigButton("No", description="No, do not open it.", object_name="voice-no")
        self.ok_button = BigButton("OK", description="Close this message.", object_name="voice-ok")
        self.stop_button.clicked.connect(self.stop_requested)
        self.yes_button.clicked.connect(lambda: self.answered.emit(True))
        self.no_button.clicked.connect(lambda: self.answered.emit(False))
        self.ok_button.clicked.connect(self.dismissed)
        self.buttons = [self.stop_button, self.yes_button, self.no_button, self.ok_button]
        row = QHBoxLayout()
        for button in self.buttons:
            row.addWidget(button)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addWidget(self.meter)
        layout.addLayout(row)
        layout.addStretch(1)
        self.hide()

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Use a theme and text size."""
        self._sizes = sizes
        for button in self.buttons:
            button.apply_style(theme, sizes)
        self.meter.apply_style(theme, sizes)
        self.box.setSpacing(sizes.gap_px)
        self._fit()

    def _fit(self) -> None:
        fit_overlay_text(self, self.box, [self.title, self.detail], self._sizes)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def _show(self, mode: str, title: str, detail: str, buttons: Sequence[BigButton]) -> None:
        self.mode = mode
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.meter.setVisible(mode == "listening")
        self.meter.set_level(0.0)
        for button in self.buttons:
            button.setVisible(button in buttons)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self._fit()
        self.show()
        self.raise_()

    def show_waiting(self) -> None:
        """Between the press and the microphone opening (the kiosk says "Listening" first)."""
        self._show("waiting", "Get ready to speak…", "", [self.stop_button])

    def show_listening(self) -> None:
        """The microphone is open."""
        self._show(
            "listening",
            "Listening… Say what you would like to know about.",
            'For example: "tiredness", "pain", or "go back".',
            [self.stop_button],
        )

    def show_deciding(self) -> None:
        """Speech ended; the kiosk is working out what was said."""
        self._show("deciding", "Thinking…", "", [self.stop_button])

    def show_question(self, question: str) -> None:
        """A borderline match: ask before acting."""
        self._show(
            "question",
            question,
            "Touch Yes or No, or say yes or no.",
            [
                self.yes_button,
                self.no_button,
            ],
        )

    def show_message(self, message: str) -> None:
        """Something to tell the patient (not understood, voice unavailable)."""
        self._show("message", message, "", [self.ok_button])

    def show_level(self, level: float) -> None:
        """Update the level meter."""
        self.meter.set_level(level)

    def close_overlay(self) -> None:
        """Hide it."""
        self.mode = "hidden"
        self.hide()

    def spoken_text(self) -> str:
        """What the overlay says, as the audio guide reads it."""
        return " ".join(t for t in (self.title.text(), self.detail.text()) if t)
