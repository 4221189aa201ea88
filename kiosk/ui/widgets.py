"""Building blocks: big word-wrapping buttons, the emergency panel, and a paged text view.

Widgets only render what they are given and emit intentions; they hold no kiosk logic.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QSizePolicy, QWidget

from kiosk.content.markdown import BulletList, Document, Heading, Inline, Paragraph, Span
from kiosk.content.reading import plain
from kiosk.ui.theme import FONT_FAMILY, STANDARD, Sizes, Theme, role_type

_WRAP = Qt.TextFlag.TextWordWrap
_WRAPPED: dict[tuple[str, int, str], tuple[int, int]] = {}
_KEPT: dict[str, str] = {}
"""One copy of each text and font key the measurement caches hold (:func:`kept`)."""
_BUTTON_WIDTHS: dict[tuple[Any, ...], tuple[int, int]] = {}
"""A big button's (least, one-line) widths by its shape (:meth:`BigButton.shape`)."""


def kept(text: str) -> str:
    """``text``, as the one copy the measurement caches keep of it. Qt hands out a new copy of
    a label's text or a font's key at every call, and the caches measure the same few hundred
    texts at many widths and sizes: without this each entry held its own copies, about a third
    of the caches' memory. (Not ``sys.intern``: CPython's table of interned strings grows in
    large steps, and one such step was +1.9 MB of the kiosk process.)"""
    if len(_KEPT) > 20_000:
        _KEPT.clear()
    return _KEPT.setdefault(text, text)


def wrapped_size(font: QFont, width: int, text: str) -> tuple[int, int]:
    """The (width, height) of ``text`` in ``font`` wrapped at ``width`` pixels, remembered: the
    layouts measure the same words at the same widths over and over (Home's grid every column
    count and summary length, the emergency panel every type size and share, at start-up and on
    every change of text size back to one seen before)."""
    key = (font.key(), width, text)
    size = _WRAPPED.get(key)
    if size is None:
        if len(_WRAPPED) > 20_000:
            _WRAPPED.clear()
        rect = QFontMetrics(font).boundingRect(QRect(0, 0, max(1, width), 1_000_000), _WRAP, text)
        key = (kept(key[0]), width, kept(text))
        size = _WRAPPED[key] = (rect.width(), rect.height())
    return size


def kiosk_font(px: int, bold: bool = False) -> QFont:
    """The kiosk's typeface at a pixel size."""
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(1, px))
    font.setBold(bold)
    return font


def type_font(px: int, bold: bool = False) -> QFont:
    """A label's own font, as a type sheet's ``font-size`` (and ``font-weight: bold``) gives
    it: the weight is left to the parent's unless bold."""
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(1, px))
    if bold:
        font.setBold(True)
    return font


def role_font(sizes: Sizes, role: object) -> QFont:
    """A label's font for its role at these sizes, as :func:`kiosk.ui.theme.type_sheet` gives
    it (for a screen that sets its labels' fonts instead of having the sheet)."""
    return type_font(*role_type(sizes, role))


def paint_warning_icon(painter: QPainter, rect: QRectF, fill: str, mark: str) -> None:
    """A warning triangle with an exclamation mark (drawn, so no font needs the glyph)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    triangle = QPolygonF(
        [
            QPointF(rect.center().x(), rect.top()),
            QPointF(rect.right(), rect.bottom()),
            QPointF(rect.left(), rect.bottom()),
        ]
    )
    path = QPainterPath()
    path.addPolygon(triangle)
    path.closeSubpath()
    painter.fillPath(path, QColor(fill))
    pen = QPen(QColor(mark), max(2.0, rect.width() / 9))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    x = rect.center().x()
    painter.drawLine(
        QPointF(x, rect.top() + rect.height() * 0.35), QPointF(x, rect.top() + rect.height() * 0.68)
    )
    painter.drawPoint(QPointF(x, rect.top() + rect.height() * 0.83))
    painter.restore()


class BigButton(QAbstractButton):
    """A large touch button: a title, an optional second line, an optional warning icon.

    It paints itself from the theme so focus, pressed and emergency states are exact, wraps its
    words to any width, and is never smaller than the 15 mm touch target.
    """

    def __init__(
        self,
        title: str,
        subtitle: str = "",
        *,
        description: str = "",
        emergency: bool = False,
        opens: bool = False,
        object_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._title = title
        self._opens = opens
        self._subtitle = subtitle
        self._shown_subtitle = subtitle
        self._emergency = emergency
        self._theme: Theme = STANDARD
        self._sizes: Sizes | None = None
        self._metrics_cache: tuple[QFont, QFont, int, int] | None = None
        self._rects_cache: dict[tuple[int, str, str], tuple[int, int]] = {}
        self._widths_cache: tuple[int, int] | None = None
        """(least width, one-line width), kept until the words or the text size change (the
        arrangement and the rows of controls ask for them hundreds of times per layout)."""
        self._shape_cache: tuple[Any, ...] | None = None
        self.setText(title)
        if object_name:
            self.setObjectName(object_name)
        # Keys move focus; a tap does not leave a focus highlight behind on a touch screen.
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAccessibleName(title)
        self.setAccessibleDescription(description or subtitle or title)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # -- content ------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        """The main text."""
        return self._title

    @property
    def subtitle(self) -> str:
        """The second line (a topic's summary)."""
        return self._subtitle

    @property
    def emergency(self) -> bool:
        """True for emergency topics: shown with a word and an icon, not only a colour."""
        return self._emergency

    @property
    def opens(self) -> bool:
        """True for a button that opens something (a topic, a related topic, an emergency
        topic, the top bar's buttons, the Text size screen's Help and Ask by voice): the audio
        guide says "Double-tap to open" for it, "Double-tap to use" for the rest. Set where the
        button is made."""
        return self._opens

    def set_texts(self, title: str, subtitle: str = "", description: str = "") -> None:
        """Change what the button says."""
        description = description or subtitle or title
        if (self._title, self._subtitle, self._shown_subtitle) == (title, subtitle, subtitle) and (
            self.accessibleDescription() == description
        ):
            return  # the same words: nothing to measure or lay out again
        self._title, self._subtitle = title, subtitle
        self._shown_subtitle = subtitle
        self._widths_cache = self._shape_cache = None
        self.setText(title)
        self.setAccessibleName(title)
        self.setAccessibleDescription(description)
        self.updateGeometry()
        self.update()

    def apply_style(self, theme: Theme, sizes: Sizes) -> None:
        """Use a theme and text size."""
        self._theme, self._sizes = theme, sizes
        self._metrics_cache = None
        self._widths_cache = self._shape_cache = None
        self._rects_cache.clear()
        self.updateGeometry()
        self.update()

    def shape(self) -> tuple[Any, ...]:
        """What this button's size depends on: its type (as set by :meth:`apply_style`) and
        the words it shows."""
        if self._shape_cache is None:
            title_font, sub_font, pad, minimum = self._metrics()
            self._shape_cache = (
                title_font.key(),
                sub_font.key(),
                pad,
                minimum,
                self._emergency,
                self._label(),
                self._shown_subtitle,
            )
        return self._shape_cache

    @property
    def shown_subtitle(self) -> str:
        """The second line as drawn: the subtitle, or its first whole words when shortened."""
        return self._shown_subtitle

    def shorten_subtitle(self, width: int, lines: int | None) -> None:
        """Draw at most ``lines`` lines of the subtitle at ``width`` (whole words and "…");
        None shows all of it. The accessible description keeps the whole subtitle."""
        shown = self._subtitle
        if lines is not None and self._subtitle:
            _, sub_font, pad, _ = self._metrics()
            metrics = QFontMetrics(sub_font)
            inner = max(1, width - 2 * pad - (self._icon_px() + pad if self._emergency else 0))
            limit = metrics.lineSpacing() * lines + metrics.height() - metrics.lineSpacing()

            def fits(text: str) -> bool:
                text_width, height = wrapped_size(sub_font, inner, text)
                return height <= limit and text_width <= inner

            if limit <= 0:  # no room for a line (no summary): no words fit, none measured
                shown = ""
            elif not fits(shown):
                words = self._subtitle.split()
                shown = ""
                for count in range(len(words) - 1, 0, -1):
                    candidate = " ".join(words[:count]).rstrip(",;:.") + "…"
                    if fits(candidate):
                        shown = candidate
                        break
        if shown != self._shown_subtitle:
            self._shown_subtitle = shown
            self._widths_cache = self._shape_cache = None
            self.updateGeometry()
            self.update()

    # -- geometry -----------------------------------------------------------------------------
    def _metrics(self) -> tuple[QFont, QFont, int, int]:
        # Kept until the text size changes (it is asked for on every paint and measure).
        if self._metrics_cache is None:
            sizes = self._sizes
            px = sizes.control_px if sizes else 38
            title_font = kiosk_font(px, bold=True)
            sub_font = kiosk_font(round(px * 0.85))
            pad = sizes.gap_px if sizes else 12
            minimum = sizes.min_target_px if sizes else 61
            self._metrics_cache = (title_font, sub_font, pad, minimum)
        return self._metrics_cache

    def _icon_px(self) -> int:
        title_font, *_ = self._metrics()
        return round(QFontMetrics(title_font).height() * 1.1) if self._emergency else 0

    def _label(self) -> str:
        return f"EMERGENCY: {self._title}" if self._emergency else self._title

    def _text_rects(self, width: int) -> tuple[int, int]:
        key = (width, self._label(), self._shown_subtitle)
        cached = self._rects_cache.get(key)
        if cached is None:
            if len(self._rects_cache) > 64:
                self._rects_cache.clear()
            cached = self._rects_cache[key] = self._measure_text(width)
        return cached

    def _measure_text(self, width: int) -> tuple[int, int]:
        title_font, sub_font, pad, _ = self._metrics()
        inner = max(1, width - 2 * pad - (self._icon_px() + pad if self._emergency else 0))
        title_h = wrapped_size(title_font, inner, self._label())[1]
        sub_h = 0
        if self._shown_subtitle:
            sub_h = wrapped_size(sub_font, inner, self._shown_subtitle)[1]
        return title_h, sub_h

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        _, _, pad, minimum = self._metrics()
        title_h, sub_h = self._text_rects(width)
        return max(minimum, title_h + sub_h + 2 * pad + (pad // 2 if sub_h else 0))

    def min_width(self) -> int:
        """The narrowest width at which no single word is cut."""
        return self._widths()[0]

    def _widths(self) -> tuple[int, int]:
        if self._widths_cache is None:
            # The same type and words, the same widths: a change of text size back to one seen
            # before (or another button alike) measures nothing.
            self._widths_cache = _BUTTON_WIDTHS.get(self.shape())
        if self._widths_cache is None:
            title_font, sub_font, pad, minimum = self._metrics()
            title_metrics = QFontMetrics(title_font)
            widest = max(
                [title_metrics.horizontalAdvance(w) for w in self._label().split()]
                + [
                    QFontMetrics(sub_font).horizontalAdvance(w)
                    for w in self._shown_subtitle.split()
                ]
                + [0]
            )
            icon = self._icon_px() + pad if self._emergency else 0
            least = max(minimum, widest + 2 * pad + icon + 2)
            one_line = title_metrics.horizontalAdvance(self._label()) + 2 * pad + 2
            self._widths_cache = (least, one_line)
            if len(_BUTTON_WIDTHS) > 4096:
                _BUTTON_WIDTHS.clear()
            _BUTTON_WIDTHS[self.shape()] = self._widths_cache
        return self._widths_cache

    def one_line_width(self, title: str) -> int:
        """The width at which ``title`` (instead of this button's) would be on one line."""
        title_font, _, pad, minimum = self._metrics()
        return max(minimum, QFontMetrics(title_font).horizontalAdvance(title) + 2 * pad + 2)

    def sizeHint(self) -> QSize:
        _, _, pad, minimum = self._metrics()
        least, one_line = self._widths()
        width = max(least, min(one_line, 12 * minimum))
        if self._emergency:
            width += self._icon_px() + pad
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = self.min_width()
        return QSize(width, self.heightForWidth(width))

    # -- painting -----------------------------------------------------------------------------
    def colours(self) -> tuple[str, str]:
        """(text, background) for the current state."""
        t = self._theme
        if not self.isEnabled():
            return t.disabled_text, t.disabled_bg
        if self.isDown():
            return t.pressed_text, t.pressed_bg
        if self.hasFocus():
            return t.focus_text, t.focus_bg
        if self._emergency:
            return t.emergency_button_text, t.emergency_button_bg
        return t.button_text, t.button_bg

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        t = self._theme
        title_font, sub_font, pad, _ = self._metrics()
        fg, bg = self.colours()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        radius = pad * 0.8
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(rect, radius, radius)
        ring = self._sizes.focus_px if self._sizes else 6
        if self.hasFocus():
            painter.setPen(QPen(QColor(t.focus_ring), ring))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            half = ring / 2
            painter.drawRoundedRect(rect.adjusted(half, half, -half, -half), radius, radius)
        elif t.button_border != bg:
            painter.setPen(QPen(QColor(t.button_border), max(2, ring // 3)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), radius, radius)
        left = pad
        if self._emergency:
            icon = self._icon_px()
            paint_warning_icon(painter, QRectF(pad, pad, icon, icon), fg, bg)
            left += icon + pad
        title_h, sub_h = self._text_rects(self.width())
        inner = self.width() - left - pad
        total = title_h + sub_h + (pad // 2 if sub_h else 0)
        top = max(pad, (self.height() - total) // 2)
        painter.setPen(QColor(fg))
        painter.setFont(title_font)
        painter.drawText(QRect(left, top, inner, title_h), _WRAP, self._label())
        if sub_h:
            painter.setFont(sub_font)
            painter.drawText(
                QRect(left, top + title_h + pad // 2, inner, sub_h), _WRAP, self._shown_subtitle
            )
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter activates the focused control (keypads have Enter, not Space).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.animateClick()
            return
        super().keyPressEvent(event)


def _least_width(widget: QWidget) -> int:
    """The narrowest a control can be without cutting a word."""
    if isinstance(widget, BigButton):
        return widget.min_width()
    if isinstance(widget, QLabel):
        widget.ensurePolished()
        metrics = widget.fontMetrics()
        if not widget.wordWrap():
            return max(metrics.horizontalAdvance(widget.text()) + 2, widget.minimumWidth())
        words = widget.text().split() or [""]
        return max(metrics.horizontalAdvance(word) for word in words) + 2
    return widget.minimumSizeHint().width()


def _preferred_width(widget: QWidget) -> int:
    """The width at which a control's label is on one line."""
    if isinstance(widget, BigButton):
        return widget.sizeHint().width()
    return _least_width(widget)


class FlowRow(QWidget):
    """Controls in one row when they fit side by side without cutting a word; otherwise in the
    rows given (``fallback``: lists of indexes), each control as wide as its row allows."""

    def __init__(
        self,
        items: Sequence[QWidget],
        fallback: Sequence[Sequence[int]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.items = list(items)
        self.fallback = [list(row) for row in fallback]
        self.gap = 12
        self._placed: dict[tuple[Any, ...], list[tuple[int, QRect]]] = {}
        for item in self.items:
            item.setParent(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _rows(self, width: int) -> list[list[int]]:
        """One row when the controls fit side by side without cutting a word and it is no
        taller than the fallback rows (labels wrapped to two lines in one row can be as tall
        as two rows of one-line labels)."""
        least = [_least_width(item) for item in self.items]
        one = [list(range(len(self.items)))]
        if sum(least) + self.gap * (len(least) - 1) > width:
            return self.fallback
        if len(self.fallback) > 1 and self._height(self.fallback, width) < self._height(one, width):
            return self.fallback
        return one

    def _widths(self, row: Sequence[int], width: int) -> list[int]:
        """Each control its one-line width where they all fit (else its least width), and an
        equal share of what is left."""
        room = width - self.gap * (len(row) - 1)
        least = [_least_width(self.items[i]) for i in row]
        preferred = [
            max(w, _preferred_width(self.items[i])) for w, i in zip(least, row, strict=True)
        ]
        base = preferred if sum(preferred) <= room else least
        if sum(base) > room:
            return [room // len(row)] * len(row)
        extra = (room - sum(base)) // max(1, len(row))
        return [w + extra for w in base]

    def _height(self, rows: Sequence[Sequence[int]], width: int) -> int:
        heights = [
            max(
                _item_height(self.items[i], w)
                for i, w in zip(row, self._widths(row, width), strict=True)
            )
            for row in rows
        ]
        return sum(heights) + self.gap * (len(rows) - 1)

    def _shape(self) -> tuple[Any, ...] | None:
        """What the controls' sizes depend on (type, words, margins), or None when a control is
        of a kind whose size is not known from these."""
        shape: list[Any] = [self.gap]
        for item in self.items:
            if isinstance(item, BigButton):
                shape.append(item.shape())
            elif isinstance(item, QLabel):
                item.ensurePolished()
                margins = item.contentsMargins()
                shape.append(
                    (
                        item.text(),
                        item.font().key(),
                        item.wordWrap(),
                        item.minimumWidth(),
                        item.margin(),
                        item.indent(),
                        margins.left(),
                        margins.top(),
                        margins.right(),
                        margins.bottom(),
                    )
                )
            else:
                return None
        return tuple(shape)

    def _geometry(self, width: int) -> list[tuple[int, QRect]]:
        # The same controls at the same type, words and width are placed the same: a text-size
        # tap asked for the same row's geometry about four times (Qt's layout asks for the
        # height at a width, then the row is placed at it), each measuring every control.
        shape = self._shape()
        if shape is None:
            return self._place_at(width)
        key = (width, shape)
        placed = self._placed.get(key)
        if placed is None:
            if len(self._placed) >= 16:
                self._placed.clear()
            placed = self._placed[key] = self._place_at(width)
        return [(index, QRect(rect)) for index, rect in placed]

    def _place_at(self, width: int) -> list[tuple[int, QRect]]:
        placed: list[tuple[int, QRect]] = []
        y = 0
        for row in self._rows(width):
            widths = self._widths(row, width)
            height = max(_item_height(self.items[i], w) for i, w in zip(row, widths, strict=True))
            x = 0
            for index, w in zip(row, widths, strict=True):
                placed.append((index, QRect(x, y, w, height)))
                x += w + self.gap
            y += height + self.gap
        return placed

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        placed = self._geometry(width)
        return max((rect.bottom() + 1 for _, rect in placed), default=0)

    def sizeHint(self) -> QSize:
        width = sum(item.sizeHint().width() for item in self.items)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = max((_least_width(item) for item in self.items), default=0)
        return QSize(width, self.heightForWidth(width))

    def relayout(self) -> None:
        """Place the controls for the current width (after a change of style or words)."""
        self.updateGeometry()
        for index, rect in self._geometry(self.width()):
            self.items[index].setGeometry(rect)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.relayout()


def _item_height(widget: QWidget, width: int) -> int:
    widget.ensurePolished()
    if widget.hasHeightForWidth():
        return widget.heightForWidth(width)
    return widget.sizeHint().height()


class HoldButton(BigButton):
    """A big button with a second action on a long press (Repeat: sentence, or whole page)."""

    long_pressed = Signal()

    def __init__(self, *args: object, hold_seconds: float = 0.8, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(round(hold_seconds * 1000))
        self._timer.timeout.connect(self._held)
        self._fired = False

    def _held(self) -> None:
        self._fired = True
        self.setDown(False)
        self.long_pressed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._fired = False
        self._timer.start()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._timer.stop()
        if self._fired:  # the long press already acted; this release is not a click
            self._fired = False
            event.accept()
            return
        super().mouseReleaseEvent(event)


class HoldLabel(QLabel):
    """A label that emits ``held`` after being pressed for ``seconds`` (the staff gesture)."""

    held = Signal()

    def __init__(self, text: str, seconds: float, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.held)
        self.set_seconds(seconds)

    def set_seconds(self, seconds: float) -> None:
        """How long the press must last."""
        self._timer.setInterval(round(seconds * 1000))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._timer.start()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._timer.stop()
        super().mouseReleaseEvent(event)


def spans_html(spans: Inline) -> str:
    """Rich text for spans; every piece of text is escaped, so content can never inject markup."""
    parts = []
    for span in spans:
        text = html.escape(span.text)
        if span.bold:
            text = f"<b>{text}</b>"
        if span.emphasis:
            text = f"<i>{text}</i>"
        parts.append(text)
    return "".join(parts)


@dataclass(frozen=True)
class TextBlock:
    """One thing to show in a paged view: rich text with a role, or a widget factory."""

    role: str  # "heading" | "body" | "bullet" | "meta" | "band" | "widget"
    html: str = ""
    plain: str = ""
    widget: Callable[[], QWidget] | None = None
    keep_with_next: bool = False
    spans: Inline = ()
    px: int = 0
    """This block's type size in pixels (0: its role's)."""
    continues: str = ""
    """The heading of the part this block belongs to (a chart's bars, a list's lines): where the
    block begins a page, the heading is shown again above it with "(continued)"."""

    @staticmethod
    def text(role: str, plain: str, bold: bool = False, keep_with_next: bool = False) -> TextBlock:
        """A block of plain text (escaped for display)."""
        spans = (Span(plain, bold=bold),)
        return TextBlock(role, spans_html(spans), plain, keep_with_next=keep_with_next, spans=spans)


def spans_html_marked(spans: Inline, start: int, end: int, fg: str, bg: str) -> str:
    """Rich text for spans with characters ``start:end`` marked in the highlight colours."""
    parts: list[Span] = []
    position = 0
    for span in spans:
        text = span.text
        cuts = sorted(
            {0, len(text), *(c - position for c in (start, end) if 0 < c - position < len(text))}
        )
        for a, b in itertools.pairwise(cuts):
            parts.append(Span(text[a:b], span.bold, span.emphasis))
        position += len(text)
    out, position = [], 0
    for part in parts:
        piece = spans_html((part,))
        inside = start <= position and position + len(part.text) <= end and start < end
        if inside:
            piece = f'<span style="color:{fg}; background-color:{bg};">{piece}</span>'
        out.append(piece)
        position += len(part.text)
    return "".join(out)


def document_blocks(document: Document) -> list[TextBlock]:
    """Blocks for a topic body."""
    blocks: list[TextBlock] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            blocks.append(
                TextBlock(
                    "heading",
                    spans_html(block.spans),
                    plain(block.spans),
                    keep_with_next=True,
                    spans=block.spans,
                )
            )
        elif isinstance(block, Paragraph):
            blocks.append(
                TextBlock("body", spans_html(block.spans), plain(block.spans), spans=block.spans)
            )
        elif isinstance(block, BulletList):
            for item in block.items:
                blocks.append(TextBlock("bullet", spans_html(item), plain(item), spans=item))
    return blocks


def _bullet_html(inner: str, mark: str = "•") -> str:
    # An empty mark keeps the indent (the rest of a bullet split across pages).
    cell = mark or '<span style="color:transparent">•</span>'
    return (
        '<table cellspacing="0" cellpadding="0"><tr>'
        f'<td style="padding-right:0.4em">{cell}</td>'
        f"<td>{inner}</td></tr></table>"
    )


def _slice_spans(spans: Inline, start: int, end: int) -> Inline:
    """The characters ``start:end`` of spans, keeping each piece's bold and emphasis."""
    out: list[Span] = []
    position = 0
    for span in spans:
        a, b = max(start, position), min(end, position + len(span.text))
        if a < b:
            out.append(Span(span.text[a - position : b - position], span.bold, span.emphasis))
        position += len(span.text)
    return tuple(out)


class Paging:
    """Page bookkeeping shared by the paged text view and the topic grid: ``_pages`` holds what
    is on each page, ``_place()`` shows the current one."""

    _pages: list[Any]
    _page: int

    def _place(self) -> None:
        raise NotImplementedError

    @property
    def page(self) -> int:
        """The current page (0-based)."""
        return self._page

    @property
    def page_count(self) -> int:
        """How many pages the content needs at the current size."""
        return len(self._pages)

    def set_page(self, page: int) -> None:
        """Show a page (clamped to the pages there are)."""
        self._page = max(0, min(page, len(self._pages) - 1))
        self._place()

    def next_page(self) -> None:
        """Show the next page, if any."""
        self.set_page(self._page + 1)

    def previous_page(self) -> None:
        """Show the previous page, if any."""
        self.set_page(self._page - 1)


SPARE_LABELS = 24
"""Text labels a paged view keeps per role to use again (more than a page of text holds)."""

KNOWN_TEXT_HEIGHTS = 4096
"""Measured text heights a paged view keeps (a few hundred bytes each; begun again when full)."""


class PagedView(Paging, QWidget):
    """Shows blocks a page at a time: Previous/Next page buttons instead of scroll bars.

    Pages are recomputed from real label heights whenever the width, height or text size
    changes; a paragraph taller than a page is shown as its sentences (only at that size).

    Opening a page is on the path of a tap, so its text labels are not made anew each time: the
    labels of the page before are kept (hidden) and given the new text, and a text's height at a
    width and type size is measured once (making, style-polishing and measuring a rich-text label
    were most of a tap's time).
    """

    page_changed = Signal(int, int)  # page index, page count

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self._blocks: list[TextBlock] = []
        self._lead: list[TextBlock] = []
        """Blocks shown before the content (a screen's title and band where they go with the
        text, see :meth:`set_lead`); ``_blocks`` holds them first."""
        self._originals: list[QWidget] = []
        self._splits: dict[int, list[QWidget]] = {}
        self._split_for: dict[int, tuple[int, int, int]] = {}
        self._widgets: list[QWidget] = []
        self._pages: list[list[int]] = [[]]
        self._page = 0
        self._laid_out_for = QSize()
        self._heights: list[int] = []
        self._gaps: list[int] = []
        """The space above each widget on its page (0 for a page's first)."""
        self._line_heights: dict[tuple[str, int, str], tuple[int, int]] = {}
        self._measured: dict[tuple[int, int], int] = {}
        self._marked: tuple[QLabel, str] | None = None
        self._spare: dict[str, list[QLabel]] = {}  # text labels to use again, by role
        self._texts: set[QLabel] = set()  # the labels this view made for text
        self._text_heights: dict[tuple[str, str, int, str], int] = {}
        self._continued: list[QWidget] = []
        """The "(continued)" headings of the pages laid out (see :attr:`TextBlock.continues`)."""
        self.spacing_px = 16
        """Space between blocks; the screen sets it from the text size."""
        self._held = False
        self.type_sizes: Sizes | None = None
        """Where set, the text labels' fonts are their roles' at these sizes (:func:`role_font`:
        the screen has no type sheet; the screen sets it and the labels it has)."""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- content ------------------------------------------------------------------------------
    def set_blocks(self, blocks: Sequence[TextBlock], page: int = 0) -> None:
        """Replace the content and show ``page`` (clamped)."""
        self._marked = None
        for widget in self._originals + [w for ws in self._splits.values() for w in ws]:
            self._release(widget)
        self._release_continued()
        self._blocks = self._lead + list(blocks)
        self._originals = [self._make(block) for block in self._blocks]
        self._splits = {}
        self._page = page
        self._laid_out_for = QSize()
        self.relayout()

    def set_lead(self, lead: Sequence[TextBlock]) -> None:
        """Blocks to show before the content, paged with it (a screen's title and band where
        the page is too low to keep them above it); the content's widgets stay, and the page
        shown."""
        lead = list(lead)
        if lead == self._lead:
            return
        if self._marked is not None:
            label, original = self._marked
            label.setText(original)
            self._marked = None
        count = len(self._lead)
        # Split parts are kept by block index, which the new lead shifts: made again.
        for widget in self._originals[:count] + [w for ws in self._splits.values() for w in ws]:
            self._release(widget)
        self._splits = {}
        self._split_for = {}
        self._blocks = lead + self._blocks[count:]
        self._originals = [self._make(block) for block in lead] + self._originals[count:]
        self._lead = lead
        self._laid_out_for = QSize()
        self.relayout()

    def _make(self, block: TextBlock) -> QWidget:
        if block.widget is not None:
            widget = block.widget()
            widget.setParent(self)
        else:
            role = "body" if block.role == "bullet" else block.role
            spare = self._spare.get(role)
            if spare:
                label = spare.pop()
            else:
                label = QLabel(self)
                label.setTextFormat(Qt.TextFormat.RichText)
                label.setWordWrap(True)
                label.setProperty("role", role)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
                self._texts.add(label)
            if self.type_sizes is not None:
                label.setFont(role_font(self.type_sizes, role))
            # A block of its own size has its own sheet (Qt prefers the nearer sheet).
            sheet = f"QLabel {{ font-size: {block.px}px; }}" if block.px else ""
            if label.styleSheet() != sheet:
                label.setStyleSheet(sheet)
            label.setText(_bullet_html(block.html) if block.role == "bullet" else block.html)
            label.setAccessibleName(block.plain)
            widget = label
        widget.hide()
        return widget

    def _release(self, widget: QWidget) -> None:
        """A block's widget is no longer shown: a text label is kept to be used again (up to
        a page's worth or so of each role), anything else deleted."""
        widget.hide()
        if isinstance(widget, QLabel) and widget in self._texts:
            spare = self._spare.setdefault(str(widget.property("role")), [])
            if len(spare) < SPARE_LABELS:
                spare.append(widget)
                return
            self._texts.discard(widget)
        widget.deleteLater()

    def blocks(self) -> list[TextBlock]:
        """The blocks as given, in reading order (without the lead)."""
        return self._blocks[len(self._lead) :]

    def highlight(self, block: int | None, start: int, end: int, fg: str, bg: str) -> None:
        """Mark characters ``start:end`` of a block (the sentence being read) and show its page.

        ``block`` None clears the mark. A paragraph shown as separate sentences marks the part
        that holds ``start``.
        """
        self._highlight(None if block is None else block + len(self._lead), start, end, fg, bg)

    def highlight_lead(self, block: int, fg: str, bg: str) -> None:
        """Mark a lead block whole (a title being read) and show its page."""
        self._highlight(None, 0, 0, fg, bg)
        if not 0 <= block < len(self._lead):
            return
        target = self._splits.get(block, [self._originals[block]])[0]
        if isinstance(target, QLabel):
            self._marked = (target, target.text())
            target.setText(
                f'<span style="color:{fg}; background-color:{bg};">{target.text()}</span>'
            )
        if target in self._widgets:
            page = self.page_of_widget(target)
            if page != self._page:
                self.set_page(page)

    def _highlight(self, block: int | None, start: int, end: int, fg: str, bg: str) -> None:
        if self._marked is not None:
            label, original = self._marked
            label.setText(original)
            self._marked = None
        if block is None or not 0 <= block < len(self._blocks):
            return
        info = self._blocks[block]
        target: QWidget = self._originals[block]
        if block in self._splits:
            offset = 0
            for part in self._splits[block]:
                length = len(part.accessibleName()) + 1
                if start < offset + length:
                    target = part
                    break
                offset += length
            if isinstance(target, QLabel):
                self._marked = (target, target.text())
                target.setText(
                    f'<span style="color:{fg}; background-color:{bg};">{target.text()}</span>'
                )
        elif isinstance(target, QLabel) and info.spans:
            self._marked = (target, target.text())
            marked = spans_html_marked(info.spans, start, end, fg, bg)
            target.setText(_bullet_html(marked) if info.role == "bullet" else marked)
        if target in self._widgets:
            page = self.page_of_widget(target)
            if page != self._page:
                self.set_page(page)

    def block_widgets(self) -> list[QWidget]:
        """Every block's widget as currently shown (split paragraphs as their parts)."""
        return list(self._widgets or self._originals)

    def visible_widgets(self) -> list[QWidget]:
        """The widgets on the current page."""
        return [self._widgets[i] for i in self._pages[self._page]] if self._widgets else []

    # -- paging -------------------------------------------------------------------------------
    def page_of_widget(self, widget: QWidget) -> int:
        """The page a block widget is on."""
        index = self._widgets.index(widget)
        return next((n for n, page in enumerate(self._pages) if index in page), 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._held:
            self.relayout()

    def hold(self) -> None:
        """Lay out no more on a resize until the next forced :meth:`relayout` (the window is
        about to resize a screen whose text size is still the old one: that layout would be
        done again at once)."""
        self._held = True

    def _known_height(self, widget: QWidget, width: int) -> int:
        """A block widget's height, measured once per layout (its text does not change)."""
        key = (id(widget), width)
        height = self._measured.get(key)
        if height is None:
            height = self._measured[key] = self._height(widget, width)
        return height

    def _height(self, widget: QWidget, width: int) -> int:
        widget.ensurePolished()
        key: tuple[str, str, int, str] | None = None
        if isinstance(widget, QLabel) and widget in self._texts:
            # The same text in the same role and type at the same width: the same height.
            key = (str(widget.property("role")), widget.text(), width, widget.font().key())
            known = self._text_heights.get(key)
            if known is not None:
                return known
        height = widget.heightForWidth(width) if widget.hasHeightForWidth() else -1
        height = height if height >= 0 else widget.sizeHint().height()
        if key is not None:
            if len(self._text_heights) >= KNOWN_TEXT_HEIGHTS:
                self._text_heights.clear()
            role, text, _, font_key = key
            self._text_heights[(kept(role), kept(text), width, kept(font_key))] = height
        return height

    def restyled(self) -> None:
        """The style changed: the next :meth:`relayout` (or resize) recomputes the pages even at
        the size they were laid out for; it ends a :meth:`hold`."""
        self._laid_out_for = QSize()
        self._held = False

    def relayout(self, force: bool = False) -> None:
        """Recompute pages for the current size and style (``force``: even at the size they
        were laid out for, as after a change of style)."""
        if force:
            self.restyled()
        if self.width() <= 0 or self.height() <= 0:
            return
        if not self.testAttribute(Qt.WidgetAttribute.WA_Resized):
            # Never given a size (a screen made at start-up, before the window has placed it):
            # pages at Qt's default size would be thrown away, and they cost most of making the
            # Text size screen (its rows split into pieces at that size: 18 of the window's 44
            # ms). Laid out when its screen is first placed (a resize) or styled.
            return
        if self._laid_out_for == self.size():
            self._place()
            return
        self._laid_out_for = self.size()
        self._measured = {}
        self._release_continued()
        width, page_height = self.width(), self.height()
        spacing = self._spacing()
        widgets: list[QWidget] = []
        heights: list[int] = []
        gaps: list[int] = []
        pages: list[list[int]] = [[]]
        used = 0
        last_part = ""
        # Blocks of one part (a chart's bars) are a third of the spacing apart.
        close = spacing // 3

        def room(gap: int = spacing) -> int:
            # The height left on the current page for the next widget.
            return page_height - (used + gap if pages[-1] else 0)

        def how_many(top: int, part: Sequence[int]) -> int:
            # How many blocks of a part fit on a page from ``top`` (under its heading, or 0).
            count, bottom = 0, top
            for height in part:
                bottom += height + (close if count or top else 0)
                if bottom > page_height:
                    break
                count += 1
            return count

        def put(
            widget: QWidget,
            height: int,
            continues: str = "",
            ahead: Callable[[], list[int]] = list,
        ) -> None:
            nonlocal used, last_part
            gap = close if continues and continues == last_part else spacing
            if pages[-1] and height > room(gap):
                pages.append([])
                used = 0
                if continues:
                    # The part's heading again, "(continued)", in bold at the lines' size (at
                    # a heading's size it took two lines of a small page at 150 %), unless it
                    # would leave fewer of the part's blocks on the page (``ahead``: the
                    # heights of the blocks after this one).
                    heading = self._make(
                        TextBlock.text("status", f"{continues} (continued)", bold=True)
                    )
                    # (Measured by its text: a label released here is used again.)
                    heading_h = self._height(heading, width)
                    part = [height, *ahead()]
                    if how_many(heading_h, part) >= max(1, how_many(0, part)):
                        self._continued.append(heading)
                        put(heading, heading_h)
                        gap = close
                    else:
                        self._release(heading)
            gap = gap if pages[-1] else 0
            used += height + gap
            last_part = continues
            gaps.append(gap)
            pages[-1].append(len(widgets))
            widgets.append(widget)
            heights.append(height)

        def part_ahead(index: int, rest: Sequence[QWidget]) -> list[int]:
            # The heights of what follows a block's part ``rest`` in its part of the page.
            heights = [self._known_height(widget, width) for widget in rest]
            continues = self._blocks[index].continues
            for after in range(index + 1, len(self._blocks)):
                if self._blocks[after].continues != continues:
                    break
                heights.append(self._known_height(self._originals[after], width))
            return heights

        lead_room: int | None = None
        lead_widgets = 0  # how many of ``widgets`` are the screen's title and band

        def under_lead_only() -> bool:
            # The current page holds nothing but the title and band (when paged with the text).
            return bool(pages[-1]) and pages[-1][-1] < lead_widgets

        for index, (block, widget) in enumerate(zip(self._blocks, self._originals, strict=True)):
            parts = self._split(index, block, widget, width, page_height, lead_room)
            lead_room = None
            if index == len(self._lead):
                lead_widgets = len(widgets)
            if block.keep_with_next and index + 1 < len(self._blocks) and len(parts) == 1:
                # A heading stays with at least two lines of the block after it (the block is
                # split by lines when it does not fit whole); when not even two lines fit
                # under it here, it starts the next page.
                height = self._known_height(widget, width)
                following, following_widget = self._blocks[index + 1], self._originals[index + 1]
                one_line, lead = self._lead_height(following, following_widget, width)
                # The lead, a screen's title and band, keeps its place, and under the lead
                # alone one line is enough: the page after would be no roomier, and a first
                # page holding only the title shows nothing.
                content = index >= len(self._lead)
                first_under_lead = content and under_lead_only()
                least_here = min(lead, one_line) if first_under_lead else lead
                if pages[-1] and room() - height - spacing < least_here and content:
                    pages.append([])
                    used = 0
                put(widget, height)
                after = room()
                # On a page too low for two lines under the heading, one line (and under a
                # screen's title and band, which were there first).
                alone = len(pages[-1]) == 1 or not content or first_under_lead
                least = min(lead, one_line) if alone else lead
                if following.role in ("body", "bullet") and following.widget is None:
                    lead_room = after if after >= least else None
                continue

            for number, part in enumerate(parts):
                ahead = partial(part_ahead, index, parts[number + 1 :])
                put(part, self._known_height(part, width), block.continues, ahead)
        self._measured = {}
        self._widgets, self._heights, self._gaps = widgets, heights, gaps
        self._pages = pages
        self._page = max(0, min(self._page, len(pages) - 1))
        self._place()

    def _lead_height(self, block: TextBlock, widget: QWidget, width: int) -> tuple[int, int]:
        """The least of a block that may follow a heading on its page: (one line, two lines) of
        text (the whole block when shorter), or the whole of anything else (twice)."""
        whole = self._known_height(widget, width)
        if block.widget is not None or block.role not in ("body", "bullet"):
            return whole, whole
        # One line's height depends on the role's type and the width only (kept per layout).
        key = (block.role, width, widget.font().key())
        lines = self._line_heights.get(key)
        if lines is None:
            probe = self._make(TextBlock(block.role, "Line", "Line"))
            one_line = self._height(probe, width)
            lines = (one_line, one_line + probe.fontMetrics().lineSpacing())
            self._release(probe)
            self._line_heights[key] = lines
        return min(whole, lines[0]), min(whole, lines[1])

    def _split(
        self,
        index: int,
        block: TextBlock,
        widget: QWidget,
        width: int,
        page_height: int,
        first_room: int | None = None,
    ) -> list[QWidget]:
        """A text block taller than the page, or taller than ``first_room`` (the room left under
        a heading), as parts that each fit (the first in ``first_room``, the rest a page each),
        cut between words (so between lines: every part is whole lines); other blocks as they
        are."""
        whole = self._known_height(widget, width) if block.widget is None else 0
        first = page_height if first_room is None else min(first_room, page_height)
        too_tall = block.widget is None and (whole > page_height or whole > first)
        key = (width, page_height, first)
        cached = self._splits.get(index)
        if cached is not None and too_tall and self._split_for.get(index) == key:
            return cached
        for old in self._splits.pop(index, []):
            self._release(old)
        if not too_tall:
            return [widget]
        widget.hide()
        spans = block.spans or (Span(block.plain),)
        text = plain(spans)
        words = [m.span() for m in re.finditer(r"\S+", text)]
        probe = self._make(block)

        def html_of(start: int, end: int, first: bool) -> str:
            inner = spans_html(_slice_spans(spans, start, end))
            if block.role == "bullet":
                return _bullet_html(inner, "•" if first else "")
            return inner

        def fits(first_word: int, last_word: int, limit: int) -> bool:
            assert isinstance(probe, QLabel)
            start, end = words[first_word][0], words[last_word][1]
            probe.setText(html_of(start, end, first_word == 0))
            return self._height(probe, width) <= limit

        parts: list[QWidget] = []
        word = 0
        while word < len(words):
            limit = first if not parts else page_height
            # The most words from ``word`` that fit (at least one): all the rest when they fit
            # (the usual case after the part under a heading), else by bisection.
            low, high = word, len(words) - 1
            if parts and fits(word, high, limit):
                low = high
            while low < high:
                middle = (low + high + 1) // 2
                if fits(word, middle, limit):
                    low = middle
                else:
                    high = middle - 1
            start, end = words[word][0], words[low][1]
            part = self._make(TextBlock(block.role, "", text[start:end], px=block.px))
            assert isinstance(part, QLabel)
            part.setText(html_of(start, end, word == 0))
            parts.append(part)
            word = low + 1
        self._release(probe)
        self._splits[index] = parts
        self._split_for[index] = key
        return parts

    def _release_continued(self) -> None:
        for widget in self._continued:
            self._release(widget)
        self._continued = []

    def _spacing(self) -> int:
        return self.spacing_px

    def _place(self) -> None:
        visible = set(self._pages[self._page]) if self._widgets else set()
        y = 0
        for index, widget in enumerate(self._widgets):
            if index in visible:
                y += self._gaps[index]
                height = self._heights[index]
                widget.setGeometry(QRect(QPoint(0, y), QSize(self.width(), height)))
                widget.show()
                y += height
            else:
                widget.hide()
        self.page_changed.emit(self._page, len(self._pages))


class EmergencyPanel(QFrame):
    """The emergency panel on every screen: heading, symptoms and what to do. Tap to open it.

    It lays out its own text and chooses its own type size (:meth:`fit`): the window asks how
    tall it is at a width, a type size and a number of symptom columns, and gives it the room it
    needs; its text is never clipped or elided.
    """

    activated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EmergencyPanel")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._band = self._label("band")
        self._action = self._label("action")
        self._numbers = self._label("numbers")
        self._more = self._label("more")
        self._symptoms: list[QLabel] = []
        self._bullets: list[QLabel] = []
        self.heading = ""
        self.symptoms: tuple[str, ...] = ()
        self.action = ""
        self.numbers = ""
        self.px = 38
        self.columns = 1
        self._margin = 12
        self._border = 6

    def _label(self, role: str) -> QLabel:
        label = QLabel(self)
        label.setProperty("role", "band" if role == "band" else "panel")
        label.setObjectName(f"panel-{role}")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        return label

    def set_panel(self, heading: str, symptoms: Sequence[str], action: str, numbers: str) -> None:
        """Show the site file's emergency panel."""
        self.heading, self.symptoms, self.action = heading, tuple(symptoms), action
        self.numbers = numbers
        self._band.setText(heading)
        for label in self._symptoms + self._bullets:
            label.hide()
            label.deleteLater()
        self._symptoms = [self._label("symptom") for _ in symptoms]
        self._bullets = [self._label("bullet") for _ in symptoms]
        for label, bullet, text in zip(self._symptoms, self._bullets, symptoms, strict=True):
            label.setText(text)
            bullet.setText("•")
            bullet.setWordWrap(False)
            label.show()
            bullet.show()
        self._action.setText(action)
        self._numbers.setText(numbers)
        self._numbers.setVisible(bool(numbers))
        self._more.setText("Touch here for more.")
        self.setAccessibleName(heading)
        self.setAccessibleDescription(
            "Symptoms: "
            + "; ".join(symptoms)
            + ". "
            + action
            + " Touch to open the emergency page."
        )
        self._apply_font()
        self._place()

    def labels(self) -> list[QLabel]:
        """The panel's text labels in reading order (for tests and for speech)."""
        extra = [self._numbers] if self.numbers else []
        return [self._band, *self._symptoms, self._action, *extra, self._more]

    def set_margins(self, px: int, border: int = 6) -> None:
        """Inner margins and the frame's border (the focus ring's width)."""
        if (px, border) != (self._margin, self._border):
            # Every other change (type size, columns, size, words) places the labels itself.
            self._margin, self._border = px, border
            self._place()

    # -- layout -------------------------------------------------------------------------------
    def _texts(self) -> list[tuple[str, bool]]:
        return [(self.action, True)] + ([(self.numbers, False)] if self.numbers else [])

    def _bullet_width(self, px: int) -> int:
        metrics = QFontMetrics(kiosk_font(px))
        return metrics.horizontalAdvance("•") + metrics.horizontalAdvance("  ")

    def height_for(self, width: int, px: int, columns: int) -> int:
        """The panel's height at ``width`` with type of ``px`` pixels and symptoms in
        ``columns`` columns (everything shown in full)."""
        return self._layout(width, px, columns, None)

    def _layout(self, width: int, px: int, columns: int, place: dict[QLabel, QRect] | None) -> int:
        regular_font, bold = kiosk_font(px), kiosk_font(px, bold=True)
        regular = QFontMetrics(regular_font)
        m, gap = self._margin + self._border, self._margin
        inner = max(1, width - 2 * m)

        def tall(font: QFont, text: str, w: int) -> int:
            return wrapped_size(font, w, text)[1]

        y = m
        h = tall(bold, self.heading, inner)
        if place is not None:
            place[self._band] = QRect(m, y, inner, h)
        y += h + gap
        columns = max(1, min(columns, len(self.symptoms) or 1))
        column_w = (inner - (columns - 1) * gap) // columns
        bullet = self._bullet_width(px)
        row_gap = max(2, gap // 3)
        for start in range(0, len(self.symptoms), columns):
            row = range(start, min(start + columns, len(self.symptoms)))
            heights = [tall(regular_font, self.symptoms[i], column_w - bullet) for i in row]
            if place is not None:
                for column, (i, hh) in enumerate(zip(row, heights, strict=True)):
                    x = m + column * (column_w + gap)
                    place[self._bullets[i]] = QRect(x, y, bullet, regular.height())
                    place[self._symptoms[i]] = QRect(x + bullet, y, column_w - bullet, hh)
            y += max(heights) + row_gap
        y += gap - row_gap if self.symptoms else 0
        for label, (text, strong) in zip(
            (self._action, self._numbers), self._texts(), strict=False
        ):
            h = tall(bold if strong else regular_font, text, inner)
            if place is not None:
                place[label] = QRect(m, y, inner, h)
            y += h + row_gap
        y += gap - row_gap
        h = tall(regular_font, self._more.text() or "Touch here for more.", inner)
        if place is not None:
            place[self._more] = QRect(m, y, inner, h)
        return y + h + m

    def fit(self, px: int, columns: int) -> None:
        """Use this type size and number of symptom columns."""
        if (px, columns) != (self.px, self.columns):
            self.px, self.columns = px, columns
            self._apply_font()
        self._place()

    def _apply_font(self) -> None:
        # Each label's own type size (the window's sheet gives the typeface), so the window's
        # text size never changes the panel's type. (A sheet on the panel, as before, made Qt
        # restyle the panel and every label in it on each change of type size.)
        regular, bold = type_font(self.px), type_font(self.px, bold=True)
        strong = (self._band, self._action)
        for label in (self._band, self._action, self._numbers, self._more, *self._symptoms):
            label.setFont(bold if label in strong else regular)
        for label in self._bullets:
            label.setFont(regular)

    def _place(self) -> None:
        place: dict[QLabel, QRect] = {}
        self._layout(self.width(), self.px, self.columns, place)
        for label, rect in place.items():
            label.setGeometry(rect)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.activated.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
            return
        super().keyPressEvent(event)
