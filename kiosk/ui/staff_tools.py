"""Staff tools: the "Use" page (usage counts as bar charts drawn with QPainter) and the status
words of "health at a glance". The widgets render what they are given and emit intentions."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.ui.screens import PagedScreen
from kiosk.ui.status import status_html
from kiosk.ui.theme import Sizes, Theme
from kiosk.ui.widgets import BigButton, TextBlock

#: Fill patterns of the voice outcomes: told apart by pattern and legend words, not by colour.
_PATTERNS = (
    Qt.BrushStyle.SolidPattern,
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.Dense5Pattern,
    Qt.BrushStyle.HorPattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.DiagCrossPattern,
)


class _Chart(QWidget):
    """A chart drawn in the theme's text colours at the page's text size."""

    def __init__(self, theme: Theme, font_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        font = QFont(self.font())
        font.setPixelSize(max(8, font_px))
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.line_px()

    def sizeHint(self):  # type: ignore[no-untyped-def]
        size = super().sizeHint()
        size.setHeight(self.heightForWidth(max(1, self.width())))
        return size

    def bar_colour(self) -> QColor:
        """Bars in the buttons' colour, or their text's where buttons are the page's colour
        (the high-contrast theme)."""
        theme = self.theme
        same = QColor(theme.button_bg) == QColor(theme.window_bg)
        return QColor(theme.button_text if same else theme.button_bg)

    def line_px(self) -> int:
        """Height of one line of chart text, with some air."""
        return round(QFontMetrics(self.font()).height() * 1.35)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and a note written after the value."""

    label: str
    value: int
    note: str = ""


class BarChart(_Chart):
    """One horizontal bar: label, bar, value (and note) in words. The topic chart is a column of
    these, one block each, so it pages like text at any size; ``chart`` (every bar of the chart)
    keeps the bars of one chart to one scale and alignment: the same room for the labels, for
    the bars (the widest value text is kept free) and the same value per pixel.

    No text is cut: a label wraps onto more lines in its column (between words, inside a word
    only when the word alone is wider than the column); where the chart's longest label would
    need more than :data:`LABEL_LINES_BESIDE` lines there, every label of the chart goes above
    its bar, across the whole width. The value text wraps the same way."""

    LABEL_LINES_BESIDE = 3

    def __init__(
        self,
        bar: Bar,
        chart: Sequence[Bar],
        theme: Theme,
        font_px: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(theme, font_px, parent)
        self.bar = bar
        self.top = max([1, *(b.value for b in chart)])
        self.labels = [b.label for b in chart] or [bar.label]
        bars = list(chart) or [bar]
        self.value_texts = [_value_text(b) for b in bars]
        self.values = [b.value for b in bars]
        self._layouts: dict[int, _BarLayout] = {}
        self.setAccessibleName(f"{bar.label}: {bar.value}{' ' + bar.note if bar.note else ''}")

    def layout_for(self, width: int) -> _BarLayout:
        """Where the label, bar and value go at ``width`` (the same for every bar of a chart,
        but the lines and height of this bar's own texts)."""
        found = self._layouts.get(width)
        if found is None:
            found = self._layouts[width] = self._lay_out(max(1, width))
        return found

    def _lay_out(self, width: int) -> _BarLayout:
        font, line = self.font(), self.line_px()
        metrics = QFontMetrics(font)
        gap = 16
        label_w = min(
            max((metrics.horizontalAdvance(t) for t in self.labels), default=0) + gap,
            int(width * 0.4),
        )
        longest = max((len(wrap_text(t, font, label_w - gap)) for t in self.labels), default=1)
        above = longest > self.LABEL_LINES_BESIDE
        bar_left = 0 if above else label_w
        # Room kept after the longest bar: for the widest value and note on one line (up to
        # half the bars' room), else for the widest value alone, the note going under the bar
        # across the bars' room (one line there, where beside the bar it took three).
        widest = max(metrics.horizontalAdvance(t) for t in self.value_texts)
        value_w = widest + gap
        inline = value_w <= (width - bar_left) // 2
        if not inline:
            widest = max(metrics.horizontalAdvance(str(b)) for b in self.values)
            value_w = min(widest + gap, int((width - bar_left) * 0.7))
        if above:
            label_lines = wrap_text(self.bar.label, font, width)
            label_rect = QRect(0, 0, width, len(label_lines) * metrics.height())
            bar_left, bar_top = 0, label_rect.height()
        else:
            label_lines = wrap_text(self.bar.label, font, label_w - gap)
            label_rect = QRect(0, 0, label_w - gap, len(label_lines) * metrics.height())
            bar_left, bar_top = label_w, 0
        bar_room = max(10, width - bar_left - value_w)
        length = round(bar_room * self.bar.value / self.top)
        value_left = bar_left + length + 8
        room = max(1, width - value_left)
        if inline or not self.bar.note:
            value_lines, note_lines = _value_lines(self.bar, font, room), []
        else:
            value_lines = wrap_text(str(self.bar.value), font, room)
            # (Without its brackets there: it is a line of its own.)
            note = self.bar.note.removeprefix("(").removesuffix(")")
            note_lines = wrap_text(note, font, max(1, width - bar_left))
            line = metrics.height()  # the note under it is the bar's air
        value_h = len(value_lines) * metrics.height()
        note_h = len(note_lines) * metrics.height()
        row_h = max(line, value_h + line - metrics.height())
        content_h = row_h + note_h
        if not above:
            content_h = max(content_h, label_rect.height() + line - metrics.height())
            label_rect.moveTop((content_h - label_rect.height()) // 2)
        top = bar_top + (content_h - row_h - note_h) // 2
        return _BarLayout(
            above=above,
            label_lines=label_lines,
            label_rect=label_rect,
            bar_rect=QRectF(bar_left, top + (row_h - line * 0.7) / 2, length, line * 0.7),
            value_lines=value_lines,
            value_rect=QRect(value_left, top + (row_h - value_h) // 2, room, value_h),
            height=bar_top + content_h,
            note_lines=note_lines,
            note_rect=QRect(bar_left, top + row_h, max(1, width - bar_left), note_h),
        )

    def heightForWidth(self, width: int) -> int:
        return self.layout_for(width).height

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        at = self.layout_for(self.width())
        painter.setPen(QColor(self.theme.text))
        side = Qt.AlignmentFlag.AlignLeft if at.above else Qt.AlignmentFlag.AlignRight
        draw_lines(painter, at.label_rect, at.label_lines, side)
        if at.bar_rect.width() > 0:
            painter.fillRect(at.bar_rect, self.bar_colour())
        draw_lines(painter, at.value_rect, at.value_lines, Qt.AlignmentFlag.AlignLeft)
        draw_lines(painter, at.note_rect, at.note_lines, Qt.AlignmentFlag.AlignLeft)
        painter.end()


@dataclass(frozen=True)
class _BarLayout:
    """A :class:`BarChart`'s geometry at one width."""

    above: bool
    """The label is above the bar (else beside it, in the chart's label column)."""
    label_lines: list[str]
    label_rect: QRect
    bar_rect: QRectF
    value_lines: list[str]
    value_rect: QRect
    height: int
    note_lines: list[str]
    """The note under the bar, across the bars' room (none where it goes beside the value)."""
    note_rect: QRect


def wrap_text(text: str, font: QFont, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` in ``font``: broken between words, and inside
    a word only where the word alone is wider. Nothing is left out (the lines joined are the
    text, less the spaces at the breaks)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    lines: list[str] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(1, width))
        lines.append(text[line.textStart() : line.textStart() + line.textLength()].strip())
    layout.endLayout()
    return lines or [""]


def draw_lines(
    painter: QPainter, rect: QRect, lines: Sequence[str], side: Qt.AlignmentFlag
) -> None:
    """Draw ``lines`` one under another from the top of ``rect``, each aligned to ``side``."""
    height = painter.fontMetrics().height()
    for index, text in enumerate(lines):
        painter.drawText(
            QRect(rect.left(), rect.top() + index * height, rect.width(), height),
            side | Qt.AlignmentFlag.AlignVCenter,
            text,
        )


def _value_text(bar: Bar) -> str:
    return f"{bar.value}{'  ' + bar.note if bar.note else ''}"


def _value_lines(bar: Bar, font: QFont, width: int) -> list[str]:
    """The value and its note on one line, else the value on its own and the note wrapped
    under it."""
    lines = wrap_text(_value_text(bar), font, width)
    if len(lines) == 1 or not bar.note:
        return lines
    return [str(bar.value), *wrap_text(bar.note, font, width)]


class DailyChart(_Chart):
    """Stacked columns per day (voice outcomes, told apart by fill pattern), with dates under
    them; the legend is a column of :class:`LegendItem` blocks."""

    def __init__(
        self,
        days: Sequence[dt.date],
        per_day: Mapping[dt.date, Mapping[str, int]],
        series: Sequence[str],
        theme: Theme,
        font_px: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(theme, font_px, parent)
        self.days = list(days)
        self.per_day = per_day
        self.series = list(series)
        busiest = max(self.days, key=lambda d: sum(per_day.get(d, {}).values()), default=None)
        total = sum(sum(per_day.get(d, {}).values()) for d in self.days)
        self.setAccessibleName(
            f"Spoken requests by day: {total} in all"
            + (f", most on {busiest.day} {busiest:%B}" if busiest is not None and total else "")
        )

    def _plot_px(self) -> int:
        # Bars need no text size: keep the plot short enough to fit a page under its heading
        # at 150 and 200 % text (on a 1366x768 screen four lines' height left the heading
        # alone on the page before).
        return max(120, min(self.line_px() * 3, 260))

    def heightForWidth(self, width: int) -> int:
        return self._plot_px() + self.line_px() + 8

    def _top(self) -> int:
        return max((sum(self.per_day.get(d, {}).values()) for d in self.days), default=0) or 1

    def _axis_px(self) -> int:
        return QFontMetrics(self.font()).horizontalAdvance(str(self._top())) + 12

    def _plot_rect(self) -> QRect:
        axis_w = self._axis_px()
        return QRect(axis_w, 4, self.width() - axis_w - 4, self._plot_px())

    def date_labels(self) -> list[tuple[QRect, str]]:
        """The dates under the axis and where they go: each under its column (kept inside the
        chart), the last day always, then every ``step``-th day back from it whose label does
        not touch the one after it."""
        metrics = QFontMetrics(self.font())
        plot = self._plot_rect()
        labels = [f"{day.day} {day:%b}" for day in self.days]
        label_w = max((metrics.horizontalAdvance(t) for t in labels), default=0) + 16
        slot = plot.width() / max(1, len(self.days))
        step = max(1, -(-label_w // max(1, int(slot))))
        placed: list[tuple[QRect, str]] = []
        for index in range(len(self.days) - 1, -1, -step):
            centre = plot.left() + index * slot + slot / 2
            left = max(0, min(round(centre - label_w / 2), self.width() - label_w))
            if placed and left + label_w > placed[-1][0].left():
                continue  # the last label was moved left to stay inside: this one would touch
            placed.append((QRect(left, plot.bottom() + 4, label_w, self.line_px()), labels[index]))
        return placed[::-1]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        line = self.line_px()
        text = QColor(self.theme.text)
        top = self._top()
        axis_w = self._axis_px()
        plot = self._plot_rect()
        painter.setPen(QPen(text, 2))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        for value, text_top, side in (
            (top, plot.top() - 4, Qt.AlignmentFlag.AlignTop),
            (0, plot.bottom() - line, Qt.AlignmentFlag.AlignBottom),
        ):
            painter.drawText(
                QRect(0, text_top, axis_w - 6, line),
                Qt.AlignmentFlag.AlignRight | side,
                str(value),
            )
        slot = plot.width() / max(1, len(self.days))
        for index, day in enumerate(self.days):
            x = plot.left() + index * slot + slot * 0.15
            y = float(plot.bottom())
            for key_index, key in enumerate(self.series):
                n = self.per_day.get(day, {}).get(key, 0)
                if not n:
                    continue
                height = plot.height() * n / top
                rect = QRectF(x, y - height, slot * 0.7, height)
                _swatch(painter, rect, self.theme, self.bar_colour(), key_index)
                y -= height
        painter.setPen(text)
        for place, label in self.date_labels():
            painter.drawText(
                place, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label
            )
        painter.end()


def _swatch(painter: QPainter, rect: QRectF, theme: Theme, colour: QColor, index: int) -> None:
    painter.fillRect(rect, QColor(theme.window_bg))
    painter.fillRect(rect, QBrush(colour, _PATTERNS[index % len(_PATTERNS)]))
    painter.setPen(QPen(colour, 2))
    painter.drawRect(rect)


class LegendItem(_Chart):
    """A swatch with a series' fill pattern, then its name and total in words."""

    def __init__(
        self, index: int, text: str, theme: Theme, font_px: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(theme, font_px, parent)
        self.index, self.text = index, text
        self.setAccessibleName(text)

    def lines(self, width: int) -> list[str]:
        """The text's lines beside the swatch at ``width`` (it wraps rather than being cut)."""
        return wrap_text(self.text, self.font(), width - round(self.line_px() * 1.8))

    def heightForWidth(self, width: int) -> int:
        height = QFontMetrics(self.font()).height()
        return max(self.line_px(), len(self.lines(width)) * height + self.line_px() - height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        line = self.line_px()
        rect = QRectF(2, line * 0.15, line * 1.4, line * 0.7)
        _swatch(painter, rect, self.theme, self.bar_colour(), self.index)
        painter.setPen(QColor(self.theme.text))
        height = painter.fontMetrics().height()
        left = round(line * 1.8)
        lines = self.lines(self.width())
        draw_lines(
            painter,
            QRect(left, (line - height) // 2, self.width() - left, len(lines) * height),
            lines,
            Qt.AlignmentFlag.AlignLeft,
        )
        painter.end()


class LegendRow(QWidget):
    """A few :class:`LegendItem` side by side in equal columns where each one's text fits on
    one line there, else one under another (a block of the page: it is never taller than a few
    lines, so the legend pages between rows)."""

    def __init__(
        self,
        items: Sequence[tuple[int, str]],
        theme: Theme,
        font_px: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.items = [LegendItem(index, text, theme, font_px, self) for index, text in items]
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("; ".join(item.text for item in self.items))

    def side_by_side(self, width: int) -> bool:
        """True when every item keeps one line in its column at ``width``."""
        column = self._column(width)
        return all(len(item.lines(column)) == 1 for item in self.items)

    def _column(self, width: int) -> int:
        gap = 16
        count = max(1, len(self.items))
        return max(1, (width - gap * (count - 1)) // count)

    def _geometry(self, width: int) -> list[QRect]:
        if self.side_by_side(width):
            column = self._column(width)
            height = max(item.heightForWidth(column) for item in self.items)
            return [QRect(n * (column + 16), 0, column, height) for n in range(len(self.items))]
        rects, top = [], 0
        for item in self.items:
            height = item.heightForWidth(width)
            rects.append(QRect(0, top, width, height))
            top += height
        return rects

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max((r.bottom() + 1 for r in self._geometry(max(1, width))), default=0)

    def sizeHint(self):  # type: ignore[no-untyped-def]
        size = super().sizeHint()
        size.setHeight(self.heightForWidth(max(1, self.width())))
        return size

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for item, rect in zip(self.items, self._geometry(max(1, self.width())), strict=True):
            item.setGeometry(rect)


@dataclass(frozen=True)
class UsageView:
    """What the Use page shows (prepared by kiosk.staff_report.usage_view from the counts)."""

    first: dt.date
    last: dt.date
    topics: Sequence[Bar]
    days: Sequence[dt.date]
    voice_by_day: Mapping[dt.date, Mapping[str, int]]
    voice_series: Mapping[str, str]
    other: Sequence[tuple[str, int]]
    notes: Sequence[tuple[bool, str]] = ()
    counting: bool = True
    working: str = ""
    """"Counting: working (saved in FILE)." where it is (shown at the end: at the top it took the
    room of the first bar on a small screen); problems are among the notes, at the top."""


class UsageScreen(PagedScreen):
    """Staff: the last 30 days of use as bar charts, and Clear counts (behind the PIN)."""

    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Use", parent, speech=False)
        self.clear_button: BigButton | None = None

    def _clear_button(self) -> QWidget:
        # At the end of the page (not a fixed row): the charts keep the room at 200% text.
        button = self.styled(
            BigButton(
                "Clear counts",
                description="Delete every usage count (asks for the staff PIN).",
                object_name="usage-clear",
            )
        )
        button.clicked.connect(self.clear_requested)
        self.clear_button = button
        return button

    def show_usage(self, view: UsageView, page: int = 0) -> None:
        """Render the figures (the theme and sizes must be applied first)."""
        theme, sizes = self._theme, self._sizes
        assert theme is not None and sizes is not None
        # The period, the notes and the figures are in the charts' type (the controls' size):
        # at the page text's size each took a page of its own on a 1366x768 screen at 150 %.
        blocks: list[TextBlock] = [
            _line(
                f"Last 30 days: {view.first.day} {view.first:%b} to "
                f"{view.last.day} {view.last:%b %Y}"
            )
        ]
        blocks += [TextBlock("status", status_html(ok, text), text) for ok, text in view.notes]
        if not view.counting:
            blocks.append(_line("Counting is turned off (usage_counts = false in kiosk.toml)."))
        topics = "Topics opened"
        blocks.append(_heading(topics, sizes))
        if view.topics:
            blocks += [_bar_block(bar, view.topics, theme, sizes, topics) for bar in view.topics]
        else:
            blocks.append(_line("No topic has been opened in this period."))
        spoken = "Spoken requests by day"
        blocks.append(_heading(spoken, sizes))
        if any(sum(v.values()) for v in view.voice_by_day.values()):
            days, per_day, series = view.days, view.voice_by_day, list(view.voice_series)

            def daily() -> QWidget:
                return DailyChart(days, per_day, series, theme, sizes.control_px)

            blocks.append(TextBlock("widget", plain=spoken, widget=daily))
            legend = [
                (index, f"{label}: {sum(per_day.get(day, {}).get(key, 0) for day in days)}")
                for index, (key, label) in enumerate(view.voice_series.items())
            ]
            for first in range(0, len(legend), 2):
                blocks.append(_legend_block(legend[first : first + 2], theme, sizes, spoken))
        else:
            blocks.append(_line("Nobody has asked by voice in this period."))
        other = "Other use"
        blocks.append(_heading(other, sizes))
        blocks += [_line(f"{label}: {n}", other) for label, n in view.other]
        if view.working:
            blocks.append(TextBlock("status", status_html(True, view.working), view.working))
        blocks.append(TextBlock("widget", plain="Clear counts", widget=self._clear_button))
        self.view.set_blocks(blocks, page)


def _heading(text: str, sizes: Sizes) -> TextBlock:
    """A chart's heading, a fifth larger than the charts' type (at the page headings' size
    "Spoken requests by day" took two lines of a 10-inch tablet at 150 % and no longer fitted
    on a page with its chart)."""
    px = round(sizes.control_px * 1.2)
    return TextBlock("heading", html.escape(text), text, keep_with_next=True, px=px)


def _line(text: str, continues: str = "") -> TextBlock:
    """A line of the page in the charts' type (the controls' size, in the text's colour)."""
    return TextBlock("status", html.escape(text), text, continues=continues)


def _bar_block(
    bar: Bar, chart: Sequence[Bar], theme: Theme, sizes: Sizes, heading: str
) -> TextBlock:
    def make() -> QWidget:
        return BarChart(bar, chart, theme, sizes.control_px)

    return TextBlock("widget", plain=f"{bar.label}: {bar.value}", widget=make, continues=heading)


def _legend_block(
    items: Sequence[tuple[int, str]], theme: Theme, sizes: Sizes, heading: str
) -> TextBlock:
    def make() -> QWidget:
        return LegendRow(items, theme, sizes.control_px)

    return TextBlock(
        "widget", plain="; ".join(text for _, text in items), widget=make, continues=heading
    )
