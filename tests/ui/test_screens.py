"""Every screen of the real window: the emergency panel, sizes, fonts, contrast, names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QFontMetricsF
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from kiosk.core.display import MIN_CAP_HEIGHT_MM, MIN_TARGET_MM
from kiosk.core.session import TEXT_SCALES, Place, Screen
from kiosk.core.settings import KioskSettings
from kiosk.ui.keys import help_lines
from kiosk.ui.theme import (
    FONT_FAMILY,
    THEMES,
    Sizes,
    colour_sheet,
    contrast_ratio,
    stylesheet,
    type_sheet,
)
from kiosk.ui.widgets import BigButton, role_font
from tests.ui.conftest import LANDSCAPE, PORTRAIT, KioskUnderTest, build
from tests.ui.helpers import in_window, visible_buttons, visible_labels, visit_all

SYMPTOM_WORDS = ["pain around your spine", "tenderness", "pins and needles", "weakness", "bladder"]


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_emergency_panel_is_visible_with_its_text_on_every_screen_and_dialog(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    k = build(qtbot, seed_copy, tmp_path, size)
    window, panel = k.window, k.window.panel
    walked = []
    for name in visit_all(k):
        walked.append(name)
        assert panel.isVisible(), name
        rect = in_window(panel)
        assert window.rect().contains(rect), f"{name}: panel {rect} is outside the window"
        assert rect.width() >= 300 and rect.height() >= 300, name
        overlay = window.overlay
        if overlay.isVisible():
            assert not in_window(overlay).intersects(rect), f"{name}: the overlay covers the panel"
        text = " ".join(label.text() for label in panel.labels())
        assert "Emergency: spinal cord compression" in text, name
        for words in SYMPTOM_WORDS:
            assert words in text, f"{name}: panel lacks {words!r}"
        assert "specialist team or GP without delay" in text, name
        # Nothing else is drawn over the panel: no other visible widget intersects it.
        for button in visible_buttons(window):
            if not panel.isAncestorOf(button):
                assert not in_window(button).intersects(rect), f"{name}: {button.title} over panel"
    assert {"home", "help", "emergency", "display", "staff", "pin pad", "idle warning"} <= set(
        walked
    )
    assert sum(n.startswith("topic ") for n in walked) >= 10


def test_tapping_the_panel_opens_the_emergency_page(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(kiosk.window.panel, Qt.MouseButton.LeftButton)
    assert kiosk.window.current_screen().value == "emergency"
    text = kiosk.window.emergency.spoken_text()
    assert "without delay" in text and "Read more: Spinal cord compression" in text


def test_read_aloud_reads_from_the_content_the_words_each_page_shows(
    kiosk: KioskUnderTest,
) -> None:
    """Each page's reading document is built from the content model, not from the widgets; it
    holds the page's words in the order shown (title, band, then each block), so the sentence
    being read is marked where it is shown."""
    k = kiosk
    w, nav = k.window, k.controller.nav
    pages = [(w.topic, lambda t=t: nav.open_topic(t.id)) for t in k.controller.content.topics]
    pages += [(w.help, lambda: nav.go(Place(Screen.HELP)))]
    pages += [(w.emergency, lambda: nav.go(Place(Screen.EMERGENCY)))]
    for screen, show in pages:
        show()
        reading = screen.reading
        assert reading is not None
        shown = (screen.title_text, screen.band_text, *(b.plain for b in screen.view.blocks()))
        assert reading.units == shown, screen.title_text
        assert k.controller.sound.current_paged_screen() is screen
    for screen in (w.staff, w.display):
        assert screen.reading is None, "not read aloud"
    # The screen marks a sentence in its own highlight colours: those of the theme in use.
    for theme_name in ("high-contrast", "standard"):
        nav.set_theme(theme_name)
        nav.open_topic("pain")
        colour = w.theme.highlight_bg
        labels = [label for label in w.topic.view.findChildren(QLabel) if label.isVisible()]
        w.topic.highlight(2, 0, 4)
        assert any(colour in label.text() for label in labels), theme_name
        w.topic.highlight(None)
        assert not any(colour in label.text() for label in labels), theme_name


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
@pytest.mark.parametrize("scale", [100, 150, 200])
def test_touch_targets_are_at_least_15_mm_and_no_text_is_clipped_or_overlapping(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, size: tuple[int, int], scale: int
) -> None:
    k = build(qtbot, seed_copy, tmp_path, size)
    k.controller.nav.set_text_scale(scale)
    mm = KioskSettings().screen.mm_per_px
    window = k.window
    for name in visit_all(k):
        assert (window.width(), window.height()) == size, f"{name}: the window had to grow"
        buttons = visible_buttons(window)
        assert buttons, name
        for button in buttons:
            where = f"{name} at {scale}%: {button.title!r} {button.width()}x{button.height()}"
            assert button.width() * mm >= MIN_TARGET_MM, where
            assert button.height() * mm >= MIN_TARGET_MM, where
            assert button.heightForWidth(button.width()) <= button.height(), f"clipped: {where}"
            assert button.min_width() <= button.width(), f"a word is cut: {where}"
            assert window.rect().contains(in_window(button)), f"off screen: {where}"
        labels = visible_labels(window)
        for label in labels:
            where = f"{name} at {scale}%: label {label.text()[:40]!r}"
            if label.wordWrap():
                assert label.heightForWidth(label.width()) <= label.height() + 1, (
                    f"clipped: {where}"
                )
            else:
                assert label.sizeHint().width() <= label.width() + 1, f"clipped: {where}"
            assert window.rect().contains(in_window(label)), f"off screen: {where}"
        things = [(b.title, in_window(b)) for b in buttons] + [
            (lb.text()[:30], in_window(lb)) for lb in labels if not _inside_button_or_panel(lb)
        ]
        for i, (a_name, a) in enumerate(things):
            for b_name, b in things[i + 1 :]:
                assert not a.intersects(b), f"{name} at {scale}%: {a_name!r} overlaps {b_name!r}"


def _inside_button_or_panel(label: QLabel) -> bool:
    parent = label.parentWidget()
    while parent is not None:
        if isinstance(parent, BigButton) or parent.objectName() in ("EmergencyPanel", "Overlay"):
            return True
        parent = parent.parentWidget()
    return False


def test_body_text_cap_height_is_at_least_6_1_mm(kiosk: KioskUnderTest) -> None:
    kiosk.controller.nav.open_topic("pain")
    QApplication.processEvents()
    mm = KioskSettings().screen.mm_per_px
    body = [lb for lb in visible_labels(kiosk.window) if lb.property("role") == "body"]
    assert body
    for label in body:
        cap = QFontMetricsF(label.font()).capHeight() * mm
        assert cap >= MIN_CAP_HEIGHT_MM, f"{label.text()[:30]!r}: cap height {cap:.2f} mm"


def test_every_text_uses_atkinson_hyperlegible(kiosk: KioskUnderTest) -> None:
    for name in visit_all(kiosk):
        for label in visible_labels(kiosk.window):
            info = QFontInfo(label.font())
            assert info.family() == FONT_FAMILY, (
                f"{name}: {label.text()[:30]!r} uses {info.family()}"
            )
        for button in visible_buttons(kiosk.window):
            title_font = button._metrics()[0]
            assert QFontInfo(title_font).family() == FONT_FAMILY, name


def test_every_control_has_an_accessible_name_and_description(kiosk: KioskUnderTest) -> None:
    for name in visit_all(kiosk):
        for button in visible_buttons(kiosk.window):
            assert button.accessibleName().strip(), f"{name}: {button.title}"
            assert button.accessibleDescription().strip(), f"{name}: {button.title}"
        panel = kiosk.window.panel
        assert panel.accessibleName() and "Symptoms:" in panel.accessibleDescription()


HEX = re.compile(r"#[0-9a-fA-F]{6}")


@pytest.mark.parametrize("theme_name", list(THEMES))
def test_every_colour_pair_in_the_real_stylesheet_has_contrast_of_at_least_7(
    theme_name: str,
) -> None:
    theme = THEMES[theme_name]
    sheet = stylesheet(theme, Sizes(KioskSettings().screen, 100))
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", sheet)
    checked = 0
    for selector, body in rules:
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        background = re.search(r"background-color:\s*(#[0-9a-fA-F]{6})", body)
        if colour:
            # Without a background of its own the text is on the window's (labels do not fill
            # it again): only where the window's background is what is behind them.
            assert background or not any(
                part in selector for part in ("EmergencyPanel", "Overlay", "band")
            ), f"{selector.strip()}: sets a text colour without its background"
            under = background.group(1) if background else theme.window_bg
            ratio = contrast_ratio(colour.group(1), under)
            assert ratio >= 7, f"{theme_name} {selector.strip()}: {ratio:.2f}:1"
            checked += 1
    assert checked >= 10
    for name, (fg, bg) in theme.text_pairs().items():
        ratio = contrast_ratio(fg, bg)
        assert ratio >= 7, f"{theme_name} {name}: {fg} on {bg} is {ratio:.2f}:1"
    # Every colour in the stylesheet comes from the theme (nothing unchecked slips in).
    theme_colours = {
        v.lower() for v in vars(theme).values() if isinstance(v, str) and v.startswith("#")
    }
    assert {c.lower() for c in HEX.findall(sheet)} <= theme_colours


def test_contrast_formula_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme_name", list(THEMES))
def test_the_window_really_uses_the_theme(kiosk: KioskUnderTest, theme_name: str) -> None:
    kiosk.controller.nav.set_theme(theme_name)
    theme = THEMES[theme_name]
    # The colours are the window's sheet; the type sizes each screen's (and the top bar's).
    assert kiosk.window.styleSheet() == colour_sheet(theme, kiosk.window.sizes)
    assert kiosk.window.home.styleSheet() == type_sheet(kiosk.window.sizes)
    image = kiosk.window.grab().toImage()
    panel = in_window(kiosk.window.panel)
    colour = image.pixelColor(panel.right() - 5, panel.bottom() - 5).name()
    assert colour == theme.emergency_bg


def test_a_text_size_tap_styles_the_screen_in_view_and_the_others_when_shown(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    window = kiosk.window
    kiosk.controller.nav.go(Place(Screen.DISPLAY))
    title_px = window.display.title.fontInfo().pixelSize()
    kiosk.controller.nav.set_text_scale(200)
    sheet = type_sheet(window.sizes)
    # The Text size screen sets its labels' fonts itself (no sheet: Qt would restyle all of it).
    assert window.display.own_type and window.display.styleSheet() == ""
    assert window.display.title.fontInfo().pixelSize() > title_px
    assert window.display.title.fontInfo().pixelSize() == window.sizes.heading_px
    assert window.display.volume_text.fontInfo().pixelSize() == window.sizes.control_px
    kiosk.controller.nav.home()  # before the hidden screens' turn: Home is styled as it is shown
    assert window.home.styleSheet() == sheet
    assert window.home.title.fontInfo().pixelSize() == window.sizes.heading_px
    qtbot.waitUntil(
        lambda: all(
            w.styleSheet() == sheet for w in window.screens.values() if w is not window.display
        )
    )


@pytest.mark.parametrize("role", [None, "body", "title", "heading", "meta", "status", "band"])
def test_a_labels_font_by_role_is_the_type_sheets(kiosk: KioskUnderTest, role: str | None) -> None:
    # The Text size screen sets its labels' fonts (role_font) where the others have the sheet.
    window = kiosk.window
    kiosk.controller.nav.set_text_scale(150)
    sheeted, fonted = QLabel("Hg", window.home), QLabel("Hg", window.display)
    for label in (sheeted, fonted):
        label.setProperty("role", role)
    fonted.setFont(role_font(window.sizes, role))
    for label in (sheeted, fonted):
        label.ensurePolished()
    assert fonted.font() == sheeted.font()
    assert QFontInfo(fonted.font()).pixelSize() == QFontInfo(sheeted.font()).pixelSize()


def test_text_size_steps_and_emergency_topics_marked_in_words(kiosk: KioskUnderTest) -> None:
    assert len(TEXT_SCALES) >= 3 and TEXT_SCALES[0] == 100 and TEXT_SCALES[-1] == 200
    buttons = {b.objectName(): b for b in kiosk.window.home.grid.buttons}
    emergency = buttons["topic-spinal-cord-compression"]
    assert emergency.emergency and emergency._label().startswith("EMERGENCY")
    assert "Emergency topic" in emergency.accessibleDescription()
    assert not buttons["topic-pain"].emergency


def test_the_help_screen_shows_the_staff_edited_help_file_and_survives_its_loss(
    kiosk: KioskUnderTest,
) -> None:
    # The Help text is content (content/en/help.md): a staff edit shows after a reload, with the
    # key table's list where the file says; without the file the kiosk shows a short built-in
    # text with the key list, and keeps working.
    c, w = kiosk.controller, kiosk.window
    help_file = kiosk.content / "en" / "help.md"

    def shown() -> list[str]:
        blocks = w.help.view.blocks()
        return [b.plain for b in blocks]

    c.nav.go(Place(Screen.HELP))
    assert "Asking by voice" in shown()
    text = help_file.read_text(encoding="utf-8")
    help_file.write_text(
        text.replace("## Privacy", "## Our opening hours\n\nAsk at reception.\n\n## Privacy"),
        encoding="utf-8",
    )
    c.staff.reload_content()
    QApplication.processEvents()
    assert "Our opening hours" in shown() and "Ask at reception." in shown()
    keys = [plain for plain in shown() if plain in help_lines()]
    assert keys == help_lines(), "the key list is on the Help screen"
    help_file.unlink()
    c.staff.reload_content()
    QApplication.processEvents()
    assert "Our opening hours" not in shown() and "Asking by voice" not in shown()
    assert "Using keys" in shown() and [p for p in shown() if p in help_lines()] == keys
    load = c.store.last_load
    assert load is not None and any(p.file.endswith("help.md") for p in load.warnings)
    c.nav.go(Place(Screen.HOME))
    assert w.current_screen() is Screen.HOME


@pytest.mark.parametrize("theme_name", ["high-contrast", "standard"])
def test_what_reaches_the_screen_has_the_themes_background_behind_text_and_between_parts(
    kiosk: KioskUnderTest, qtbot: QtBot, theme_name: str
) -> None:
    # The window fills its own background once per repaint and the labels on it fill none
    # (each repaint filled it two to four times): what the screen shows must not change. Read
    # from what the platform was given to show (not a fresh render), after a live theme change
    # and a page turn.
    window, nav = kiosk.window, kiosk.controller.nav
    other = next(name for name in THEMES if name != theme_name)
    nav.set_theme(other)
    nav.open_topic("overview")
    qtbot.wait(50)
    nav.set_theme(theme_name)
    theme = THEMES[theme_name]
    assert window.topic.pages.next_button.isEnabled()
    qtbot.mouseClick(window.topic.pages.next_button, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    screen = window.screen()
    shot = screen.grabWindow(window.winId()).toImage()
    assert shot.size() == window.size()

    def colour(x: int, y: int) -> str:
        return str(shot.pixelColor(x, y).name())

    title = in_window(window.topic.title)
    content = in_window(window.content_area)
    # Behind a label (its top-left corner, above the first letter), and between the parts.
    assert colour(title.left() + 1, title.top() + 1) == theme.window_bg
    assert colour(content.left() + 1, content.top() + 1) == theme.window_bg
    assert colour(1, 1) == theme.window_bg
    # Behind every label of the new page (above its first letter).
    labels = [in_window(label) for label in visible_labels(window.topic.view)]
    assert len(labels) >= 2
    for rect in labels:
        assert colour(rect.left() + 1, rect.top() + 1) == theme.window_bg, rect
