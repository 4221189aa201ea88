"""A row of controls places them as if measured afresh, though it keeps what it measured."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel

from kiosk.core.settings import KioskSettings
from kiosk.ui.theme import STANDARD, Sizes
from kiosk.ui.widgets import BigButton, FlowRow


def _fresh(row: FlowRow, width: int) -> list[tuple[int, tuple[int, int, int, int]]]:
    """The row's geometry measured now, without what it kept."""
    return [(i, r.getRect()) for i, r in row._place_at(width)]


def _kept(row: FlowRow, width: int) -> list[tuple[int, tuple[int, int, int, int]]]:
    return [(i, r.getRect()) for i, r in row._geometry(width)]


def test_a_row_is_placed_anew_when_its_words_type_or_gap_change(fonts: bool) -> None:
    del fonts
    screen = KioskSettings().screen
    buttons = [BigButton("100%"), BigButton("150%"), BigButton("200%")]
    label = QLabel("Volume 3 of 6")
    label.setWordWrap(True)
    row = FlowRow([buttons[0], label, *buttons[1:]], [[0, 1], [2, 3]])
    for button in buttons:
        button.apply_style(STANDARD, Sizes(screen, 100))
    widths = (300, 700, 1400)

    def same() -> None:
        for width in widths:
            assert _kept(row, width) == _fresh(row, width), width

    same()
    first = _kept(row, 700)
    buttons[1].set_texts("150% (now), a much longer label for the button")
    same()
    assert _kept(row, 700) != first
    label.setText("Speed 175 words a minute, and some more words to wrap")
    same()
    label.setFont(QFont(label.font().family(), 40))
    same()
    for button in buttons:
        button.apply_style(STANDARD, Sizes(screen, 200))
    same()
    row.gap = 40
    same()
    row.deleteLater()
