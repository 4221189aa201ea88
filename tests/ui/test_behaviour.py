"""The kiosk's behaviour on the real window: keys, idle reset, lockdown, staff mode, reload."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.core.intents import Intent, Request, TopicChoice
from kiosk.core.session import Place, Screen
from kiosk.core.settings import KioskSettings
from kiosk.ui.keys import KEY_REQUESTS, KEY_TABLE, WINDOW_ACTIONS, KeyAction, help_lines
from kiosk.ui.screens import help_markdown
from kiosk.ui.widgets import BigButton
from tests.ui.conftest import KioskUnderTest, build


def press(qtbot: QtBot, k: KioskUnderTest, key: Qt.Key, text: str = "") -> None:
    target = QApplication.focusWidget() or k.window
    qtbot.keyClick(target, key) if not text else qtbot.keyClicks(target, text)


def focus_name(k: KioskUnderTest) -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


def test_keyboard_only_open_pain_page_to_end_go_back_open_emergency(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    k = kiosk
    k.window.activateWindow()
    # Arrow down until the Pain button has focus; it shows the focus colours (thick ring).
    for _ in range(30):
        press(qtbot, k, Qt.Key.Key_Down)
        if focus_name(k) == "topic-pain":
            break
    assert focus_name(k) == "topic-pain"
    pain = k.window.findChild(BigButton, "topic-pain")
    assert pain is not None and pain.colours() == (
        k.window.theme.focus_text,
        k.window.theme.focus_bg,
    )
    press(qtbot, k, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: k.window.current_screen() is Screen.TOPIC)
    assert k.controller.navigator.current.topic_id == "pain"
    view = k.window.topic.view
    assert view.page_count >= 2
    # Page to the end with keys: focus the Next page button and press Enter until disabled.
    for _ in range(20):
        if view.page == view.page_count - 1:
            break
        press(qtbot, k, Qt.Key.Key_PageDown)
    assert view.page == view.page_count - 1
    assert "Source:" in " ".join(w.accessibleName() for w in view.visible_widgets())
    press(qtbot, k, Qt.Key.Key_Escape)
    assert k.window.current_screen() is Screen.HOME
    assert k.window.isVisible()
    for _ in range(40):
        press(qtbot, k, Qt.Key.Key_Tab)
        if focus_name(k) == "EmergencyPanel":
            break
    assert focus_name(k) == "EmergencyPanel"
    press(qtbot, k, Qt.Key.Key_Return)
    assert k.window.current_screen() is Screen.EMERGENCY


def test_arrow_keys_enter_and_the_named_keys(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    k = kiosk
    press(qtbot, k, Qt.Key.Key_F1)
    assert k.window.current_screen() is Screen.HELP
    press(qtbot, k, Qt.Key.Key_Home)
    assert k.window.current_screen() is Screen.HOME
    press(qtbot, k, Qt.Key.Key_Question, "?")
    assert k.window.current_screen() is Screen.HELP
    press(qtbot, k, Qt.Key.Key_Backspace)
    assert k.window.current_screen() is Screen.HOME
    press(qtbot, k, Qt.Key.Key_Tab)
    first = focus_name(k)
    press(qtbot, k, Qt.Key.Key_Down)
    press(qtbot, k, Qt.Key.Key_Up)
    assert focus_name(k) == first


def test_every_key_of_the_key_table_asks_for_its_action_and_help_lists_the_table(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    """One key table (kiosk.ui.keys): the window does what it says for each key, and the Help
    screen's "Using keys" list is its help lines."""
    w = kiosk.window
    for binding in KEY_TABLE:
        if binding.action in (*WINDOW_ACTIONS, KeyAction.ANSWER_YES, KeyAction.ANSWER_NO):
            continue  # focus, Enter and Yes/No: test_arrow_keys_... and tests/ui/test_voice.py
        for key in binding.keys:
            w.setFocus()  # Space presses a focused button instead
            with qtbot.waitSignal(w.intended, timeout=1000) as signal:
                qtbot.keyClick(w, key)
            assert signal.args == [KEY_REQUESTS[binding.action]], key
            kiosk.controller.voice_requests.close_voice()
            kiosk.controller.sound.stop_speech()
    assert len({k for b in KEY_TABLE for k in b.keys}) == sum(len(b.keys) for b in KEY_TABLE)
    lines = help_lines()
    shown = help_markdown(kiosk.controller.content.help_markdown)
    assert lines and all(f"- {line}" in shown for line in lines)
    assert shown.count("\n- ") == len(lines), "Help lists exactly the table's lines"


def test_every_intent_is_handled_by_the_controller(kiosk: KioskUnderTest) -> None:
    """One table from intent to what it does, for taps, keys and spoken commands alike."""
    assert set(kiosk.controller.handlers) == set(Intent)


def test_the_controls_ask_through_the_window_for_what_they_do(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    """Wherever a control is, it asks through the window's one signal, ``intended``."""
    w = kiosk.window
    assert w.topic.speech is not None
    cases = [
        (w.home_button.click, (), Request(Intent.HOME)),
        (w.display_button.click, (), Request(Intent.DISPLAY)),
        (w.more_button.click, (), Request(Intent.DISPLAY)),
        (w.display.text_scale_chosen.emit, (150,), Request(Intent.TEXT_SCALE, 150)),
        (w.display.theme_chosen.emit, ("high-contrast",), Request(Intent.THEME, "high-contrast")),
        (w.display.quieter.click, (), Request(Intent.VOLUME, -1)),
        (w.display.faster.click, (), Request(Intent.RATE, +1)),
        (w.home.topic_chosen.emit, ("pain",), Request(Intent.TOPIC, TopicChoice("pain", "touch"))),
        (
            w.topic.related_chosen.emit,
            ("fracture",),
            Request(Intent.TOPIC, TopicChoice("fracture", "related")),
        ),
        (
            w.emergency.topic_chosen.emit,
            ("pain",),
            Request(Intent.TOPIC, TopicChoice("pain", "emergency-panel")),
        ),
        (w.topic.speech.repeat_all.emit, (), Request(Intent.READ)),
        (w.panel.activated.emit, (), Request(Intent.EMERGENCY)),
        (w.pin.cancelled.emit, (), Request(Intent.BACK)),
        (w.voice_overlay.answered.emit, (False,), Request(Intent.ANSWER, False)),
    ]
    for ask, args, request in cases:
        with qtbot.waitSignal(w.intended, timeout=1000) as asked:
            ask(*args)
        assert asked.args == [request]
    assert kiosk.controller.nav.prefs.text_scale == 150, "and the controller did it"


def test_the_audio_guide_says_open_for_buttons_that_open_something_and_use_for_the_rest(
    kiosk: KioskUnderTest,
) -> None:
    """The verb comes from each button's ``opens``, set where it is made: topics, related
    topics, the emergency page's topics, the top bar's buttons and the Text size screen's Help
    and Ask by voice open; the page's own controls and Audio guide (on the top bar and on the
    Text size screen: it turns the guide on or off) are used."""
    k = kiosk
    c, w = k.controller, k.window
    assert c.speech is not None
    c.do(Request(Intent.EMERGENCY))
    emergency_topics: list[BigButton] = []
    for page in range(w.emergency.view.page_count):  # each page makes its own buttons
        w.emergency.view.set_page(page)
        emergency_topics += [
            b for b in w.findChildren(BigButton) if b.objectName().startswith("emergency-topic-")
        ]
    assert emergency_topics, "the emergency page has topic buttons"
    c.nav.open_topic("pain")
    w.topic.view.set_page(w.topic.view.page_count - 1)  # where the related topics are
    related = [b for b in w.findChildren(BigButton) if b.objectName().startswith("related-")]
    assert related, "the last page of Pain has related topics"
    opening = [
        *(b for b in w.nav_buttons if b is not w.guide_button),
        w.more_button,
        *w.home.grid.buttons,
        *related,
        *emergency_topics,
        w.display.help_button,
        w.display.voice_button,
    ]
    assert w.topic.speech is not None
    using = [
        w.topic.speech.read_button,
        w.topic.speech.stop_button,
        w.guide_button,
        w.display.guide_button,
        *w.display.scale_buttons.values(),
    ]
    for button, verb in [*((b, "open") for b in opening), *((b, "use") for b in using)]:
        c.guide.explain(button)
        assert c.speech.texts[-1].endswith(f"Double-tap to {verb}."), button.objectName()
    c.sound.stop_speech()


def test_back_walks_history_and_home_clears_it(kiosk: KioskUnderTest) -> None:
    c, w = kiosk.controller, kiosk.window
    c.nav.open_topic("pain")
    w.topic.related_chosen.emit("fracture")
    assert c.navigator.current.topic_id == "fracture"
    c.nav.back()
    assert c.navigator.current.topic_id == "pain"
    c.nav.home()
    assert c.navigator.history == []
    assert not w.back_button.isEnabled()


def test_idle_warning_counts_down_from_at_least_20_s_and_any_touch_continues(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    k = kiosk
    k.controller.nav.open_topic("pain")
    k.clock.advance(89)
    k.controller.idle.check()
    assert not k.window.overlay.isVisible()
    k.clock.advance(1.5)
    k.controller.idle.check()
    assert k.window.overlay.isVisible()
    assert k.window.overlay.question.text() == "Are you still there?"
    assert k.window.overlay.instruction.text() == "Touch the screen to continue."
    seconds = int("".join(ch for ch in k.window.overlay.countdown.text() if ch.isdigit()))
    assert seconds >= 20
    k.clock.advance(5)
    k.controller.idle.check()
    assert str(seconds - 5) in k.window.overlay.countdown.text()
    qtbot.mouseClick(k.window.overlay, Qt.MouseButton.LeftButton)
    assert not k.window.overlay.isVisible()
    assert k.controller.navigator.current.topic_id == "pain"


def test_idle_reset_goes_home_and_restores_defaults(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    k = kiosk
    k.controller.nav.set_text_scale(200)
    k.controller.nav.set_theme("high-contrast")
    k.controller.nav.open_topic("pain")
    k.controller.nav.open_topic("fracture")
    k.clock.advance(90 + 1)
    k.controller.idle.check()
    qtbot.keyClick(k.window, Qt.Key.Key_Shift)  # a key continues too
    assert not k.window.overlay.isVisible()
    k.clock.advance(90 + 1)
    k.controller.idle.check()
    assert k.window.overlay.isVisible()
    with qtbot.waitSignal(k.controller.session_reset, timeout=1000):
        k.clock.advance(31)
        k.controller.idle.check()
    assert k.window.current_screen() is Screen.HOME
    assert k.controller.navigator.history == []
    assert k.controller.nav.prefs.text_scale == 100 and k.controller.nav.prefs.theme == "standard"
    assert k.window.sizes.scale == 100 and k.window.theme.name == "standard"
    assert not k.window.overlay.isVisible()


def test_close_alt_f4_ctrl_q_ctrl_w_and_escape_never_exit(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    w = kiosk.window
    assert w.close() is False
    assert w.isVisible()
    for key, mod in [
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    ]:
        qtbot.keyClick(w, key, mod)
        assert w.isVisible()
    assert kiosk.quits == []


def test_staff_gesture_without_a_pin_opens_staff_screen_and_exit_needs_no_pin(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    w = kiosk.window
    qtbot.mousePress(w.clinic, Qt.MouseButton.LeftButton)
    qtbot.wait(500)
    qtbot.mouseRelease(w.clinic, Qt.MouseButton.LeftButton)  # a short press does nothing
    assert w.current_screen() is Screen.HOME
    with qtbot.waitSignal(w.clinic.held, timeout=4000):
        qtbot.mousePress(w.clinic, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(w.clinic, Qt.MouseButton.LeftButton)
    assert w.current_screen() is Screen.STAFF
    text = w.staff.spoken_text()
    assert "No staff PIN is set" in text
    assert "Reviews overdue (10)" in text
    qtbot.mouseClick(w.staff.exit_button, Qt.MouseButton.LeftButton)
    assert kiosk.quits == [1]


def test_pin_pad_locks_after_five_wrong_attempts_for_60_s(
    kiosk: KioskUnderTest, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    k = kiosk
    k.staff_pin.set_pin("583920")
    k.controller.staff.open_staff()
    assert k.window.current_screen() is Screen.PIN
    for attempt in range(4):
        qtbot.keyClicks(k.window.pin, "111111")
        qtbot.keyClick(k.window.pin, Qt.Key.Key_Return)
        assert f"{4 - attempt} tries left" in k.window.pin.message.text()
    qtbot.keyClicks(k.window.pin, "111111")
    qtbot.keyClick(k.window.pin, Qt.Key.Key_Return)
    assert "locked for 60 seconds" in k.window.pin.message.text()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "staff PIN pad locked for 60 s after wrong attempts"
    ]
    caplog.clear()
    for key in "583920":
        qtbot.mouseClick(k.window.pin.keys[key], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(k.window.pin.keys["OK"], Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.PIN  # still locked
    k.clock.advance(61)
    for key in "583920":
        qtbot.mouseClick(k.window.pin.keys[key], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(k.window.pin.keys["OK"], Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.STAFF
    assert "No staff PIN is set" not in k.window.staff.spoken_text()
    k.controller.nav.back()
    assert k.window.current_screen() is Screen.HOME  # the PIN pad is not in the history


def test_valid_edit_shows_within_2_s_keeping_the_screen(
    kiosk: KioskUnderTest, qtbot: QtBot
) -> None:
    k = kiosk
    k.controller.nav.open_topic("pain")
    pain = k.content / "en" / "pain.md"
    # Save the way many editors do: write a new file, then rename it over the old one.
    new = pain.with_name(".pain.md.tmp")
    new.write_text(
        pain.read_text(encoding="utf-8").replace("title: Bone pain", "title: Pain in the bones")
    )
    os.replace(new, pain)
    qtbot.waitUntil(lambda: k.window.topic.title.text() == "Pain in the bones", timeout=2000)
    assert k.window.current_screen() is Screen.TOPIC
    # The watch was re-armed on the replaced file: a second edit shows too.
    pain.write_text(
        pain.read_text(encoding="utf-8").replace("Pain in the bones", "Bone pain again")
    )
    qtbot.waitUntil(lambda: k.window.topic.title.text() == "Bone pain again", timeout=2000)


def test_invalid_edit_keeps_the_last_good_content_and_tells_staff(
    kiosk: KioskUnderTest, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    k = kiosk
    k.controller.nav.open_topic("pain")
    before = k.window.topic.spoken_text()
    pain = k.content / "en" / "pain.md"
    pain.write_text(pain.read_text(encoding="utf-8").replace("urgency: normal", "urgency: high"))
    qtbot.waitUntil(
        lambda: k.controller.store.last_load is not None and not k.controller.store.last_load.ok,
        timeout=2000,
    )
    assert k.window.topic.spoken_text() == before
    assert k.window.current_screen() is Screen.TOPIC
    assert any(
        'urgency is "high"' in r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
    )
    caplog.clear()
    k.controller.staff.open_staff()
    report = k.window.staff.spoken_text()
    assert 'pain.md:6: urgency is "high"; expected one of: normal, urgent, emergency' in report
    assert "patients still see the last good content" in report


def test_removed_topic_returns_to_home(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    k = kiosk
    k.controller.nav.open_topic("support")
    for path in (k.content / "en").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        if "  - support\n" in text:
            path.write_text(text.replace("  - support\n", ""))
    (k.content / "en" / "support.md").unlink()
    qtbot.waitUntil(lambda: k.window.current_screen() is Screen.HOME, timeout=2000)
    assert k.controller.content.topic("support") is None


def test_staff_reload_button_reloads(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    k = kiosk
    k.controller.staff.open_staff()
    qtbot.mouseClick(k.window.staff.reload_button, Qt.MouseButton.LeftButton)
    assert "Content reloaded." in k.window.staff.spoken_text()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_the_kiosk_returns_home(
    kiosk: KioskUnderTest, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    from kiosk.logsetup import install_excepthook

    old_hook = sys.excepthook
    install_excepthook(kiosk.controller.nav.recover)
    try:
        kiosk.controller.nav.open_topic("pain")

        class Boom(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                return False

        def explode() -> None:
            raise RuntimeError("test: a bug in a slot")

        QTimer.singleShot(0, explode)
        qtbot.waitUntil(lambda: kiosk.window.current_screen() is Screen.HOME, timeout=2000)
        assert kiosk.window.isVisible()
        assert any(
            "test: a bug in a slot" in (r.exc_text or str(r.exc_info)) for r in caplog.records
        )
        caplog.clear()
    finally:
        sys.excepthook = old_hook


def test_display_screen_changes_text_size_and_theme(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    k = kiosk
    qtbot.mouseClick(k.window.display_button, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.DISPLAY
    qtbot.mouseClick(k.window.display.scale_buttons[150], Qt.MouseButton.LeftButton)
    assert k.window.sizes.scale == 150
    assert k.window.display.scale_buttons[150].title == "150% (now)"
    qtbot.mouseClick(k.window.display.theme_buttons["high-contrast"], Qt.MouseButton.LeftButton)
    assert k.window.theme.name == "high-contrast"


def test_portrait_puts_the_panel_below_and_landscape_beside(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    k = build(qtbot, seed_copy, tmp_path, (1080, 1920))
    QApplication.processEvents()
    panel, content = k.window.panel.geometry(), k.window.content_area.geometry()
    assert panel.top() > content.bottom()
    k.window.resize(1920, 1080)
    QApplication.processEvents()
    panel, content = k.window.panel.geometry(), k.window.content_area.geometry()
    assert panel.left() > content.right()
    forced = build(
        qtbot, seed_copy, tmp_path / "p", (1920, 1080), KioskSettings(orientation="portrait")
    )
    QApplication.processEvents()
    assert forced.window.panel.geometry().top() > forced.window.content_area.geometry().bottom()


def test_unknown_topic_request_is_ignored_with_a_log_line(
    kiosk: KioskUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk.controller.nav.open_topic("nope")
    assert kiosk.window.current_screen() is Screen.HOME
    assert "unknown topic" in caplog.text
    caplog.clear()


def test_start_with_broken_content_uses_the_last_good_snapshot(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = build(qtbot, seed_copy, tmp_path)
    assert first.controller.store.reload().ok  # saves the snapshot
    (seed_copy / "en" / "site.yaml").write_text("emergency: [", encoding="utf-8")
    second = build(qtbot, seed_copy, tmp_path)
    assert second.controller.store.from_snapshot
    assert second.window.panel.isVisible() and second.window.panel.symptoms
    caplog.clear()
    shutil.rmtree(tmp_path / "snapshot")
    with pytest.raises(RuntimeError, match="no valid content"):
        build(qtbot, seed_copy, tmp_path / "other")
    caplog.clear()


def test_a_widget_left_over_never_breaks_focus(kiosk: KioskUnderTest, qtbot: QtBot) -> None:
    # Focus never stays on a control of the screen that was left (hidden now: keys and the
    # audio guide would act on something the patient cannot see). A new screen starts with no
    # control chosen: the window itself has the focus, and the next key chooses a control that
    # is on show.
    window = kiosk.window
    kiosk.controller.nav.open_topic("pain")
    left_over = window.topic.pages.next_button
    left_over.setFocus(Qt.FocusReason.OtherFocusReason)
    assert window.focusWidget() is left_over  # a control of the topic screen has the focus
    kiosk.controller.nav.go(Place(Screen.HELP))
    assert not left_over.isVisible()
    focus = window.focusWidget()
    assert focus is window, f"the focus is on {focus.objectName() or focus}, not the window"
    qtbot.keyClick(window, Qt.Key.Key_Tab)
    chosen = window.focusWidget()
    assert chosen is not window and chosen is not left_over
    assert chosen.isVisible(), f"Tab chose a hidden {chosen.objectName() or chosen}"
    assert window.isAncestorOf(chosen)
    assert chosen.focusPolicy() & Qt.FocusPolicy.TabFocus
