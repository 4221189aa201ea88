"""Health at a glance on the real staff screen: the lines come first, each with its word, from a
real state folder (crash log, last self-test) and the real content folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.core.health import when
from kiosk.core.session import Screen
from kiosk.core.settings import KioskSettings
from kiosk.selftest import RESULT_FILE, SelfTest, save_result
from tests.ui.conftest import build
from tests.ui.helpers import shown

NAMES = (
    "Content",
    "Sound",
    "Asking by voice",
    "Speech cache",
    "Self-test",
    "Crashes",
    "Uptime",
    "Disk",
)


def _health(report: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Name -> (word, text) of the report's status lines."""
    lines = {}
    for role, text in report:
        if role in ("ok", "check"):
            name, _, rest = text.partition(": ")
            lines[name] = ("OK" if role == "ok" else "CHECK", rest)
    return lines


def test_a_fresh_kiosk_shows_every_health_line_first(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    k = build(qtbot, seed_copy, tmp_path)
    report = k.controller.staff.staff_report()
    assert [text.partition(": ")[0] for _, text in report[: len(NAMES)]] == list(NAMES)
    lines = _health(report)
    # The seed's reviews were due by 2017: the content line says so, from the topics' dates.
    assert lines["Content"][0] == "CHECK"
    assert "10 reviews overdue (the oldest was due by 2017)." in lines["Content"][1]
    assert lines["Sound"] == ("OK", "working.")
    assert lines["Asking by voice"][0] == "OK"  # the test kiosk starts no voice process
    assert lines["Self-test"][0] == "CHECK" and "not run yet" in lines["Self-test"][1]
    assert lines["Crashes"][0] == "OK" and "none recorded" in lines["Crashes"][1]
    assert lines["Uptime"][0] == "OK" and lines["Uptime"][1].startswith("running for 0 min")
    assert lines["Disk"][0] == "OK" and "free for the" in lines["Disk"][1]
    assert lines["Speech cache"][0] == "OK"
    assert str(tmp_path / "speech-cache") in lines["Speech cache"][1]


def test_crash_log_and_selftest_from_the_state_folder_and_the_words_on_screen(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    (state / "log").mkdir(parents=True)
    now = dt.datetime.now()
    before = (now - dt.timedelta(hours=3)).isoformat(timespec="seconds")
    restart = (now - dt.timedelta(minutes=2)).isoformat(timespec="seconds")
    (state / "log" / "crash.log").write_text(
        f"# kiosk started {before} pid 10\n"
        "Fatal Python error: Segmentation fault\n\n"
        'Current thread 0x00007f0a (most recent call first):\n  File "x.py", line 1 in f\n'
        f"# kiosk started {restart} pid 11\n",
        encoding="utf-8",
    )
    save_result(
        SelfTest(
            verdict="The microphone hears nothing: is it plugged in and unmuted?",
            ok=False,
            at=(now - dt.timedelta(minutes=30)).isoformat(timespec="seconds"),
        ),
        state / RESULT_FILE,
    )
    k = build(qtbot, seed_copy, tmp_path, state_folder=state)
    lines = _health(k.controller.staff.staff_report())
    assert lines["Crashes"][0] == "CHECK"
    assert "the kiosk crashed (Fatal Python error: Segmentation fault)" in lines["Crashes"][1]
    assert "after the crash" in lines["Crashes"][1]
    assert lines["Self-test"] == (
        "CHECK",
        "The microphone hears nothing: is it plugged in and unmuted? Tested "
        f"{when(now.replace(microsecond=0) - dt.timedelta(minutes=30))}.",
    )
    # On the screen each line carries its word, as text (not colour alone), in reading order;
    # at 200 % text in the high-contrast theme too.
    k.controller.staff.open_staff()
    k.controller.nav.set_text_scale(200)
    k.controller.nav.set_theme("high-contrast")
    assert k.window.current_screen() is Screen.STAFF
    spoken = k.window.staff.spoken_text()
    assert "CHECK: Content: 10 topics, no errors; 10 reviews overdue" in spoken
    assert "CHECK: Crashes: last crash " in spoken
    labels = [
        label.text()
        for label in k.window.staff.findChildren(QLabel)
        if shown(label) and "CHECK" in label.text()
    ]
    assert labels, "no CHECK word shown on the first staff page"


def test_voice_turned_off_is_ok_with_the_reason(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    k = build(qtbot, seed_copy, tmp_path, settings=KioskSettings(voice=False))
    lines = _health(k.controller.staff.staff_report())
    assert lines["Asking by voice"] == ("OK", "turned off in kiosk.toml (voice = false).")


@pytest.mark.parametrize(("scale", "theme"), [(100, "standard"), (200, "high-contrast")])
def test_health_lines_are_green_or_amber_with_their_word(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, scale: int, theme: str
) -> None:
    """Each health line on the screen: an OK badge drawn in green or a CHECK badge in amber,
    the word readable on it (7:1 at least), in both themes and at 200 % text."""
    from PySide6.QtGui import QColor

    from kiosk.ui.status import CHECK_BADGE, OK_BADGE
    from kiosk.ui.theme import contrast_ratio

    for fg, bg in (OK_BADGE, CHECK_BADGE):
        assert contrast_ratio(fg, bg) >= 7, (fg, bg)
    k = build(qtbot, seed_copy, tmp_path)
    k.controller.nav.set_text_scale(scale)
    k.controller.nav.set_theme(theme)
    k.controller.staff.open_staff()
    staff = k.window.staff

    def health_labels() -> list[QLabel]:
        return [
            label
            for label in staff.findChildren(QLabel)
            if shown(label) and any(f"{word}&nbsp;" in label.text() for word in ("OK", "CHECK"))
        ]

    labels = health_labels()
    assert labels, "no health line on the first staff page"
    # At 200 % the health lines run over more than one page: look at each.
    for _ in range(8):
        if not staff.pages.next_button.isEnabled():
            break
        qtbot.mouseClick(staff.pages.next_button, Qt.MouseButton.LeftButton)
        labels += [label for label in health_labels() if label not in labels]
    seen = set()
    for label in labels:
        word = "CHECK" if "&nbsp;CHECK&nbsp;" in label.text() else "OK"
        colour = QColor(CHECK_BADGE[1] if word == "CHECK" else OK_BADGE[1]).rgb()
        other = QColor(OK_BADGE[1] if word == "CHECK" else CHECK_BADGE[1]).rgb()
        image = label.grab().toImage()
        pixels = [
            image.pixel(x, y)
            for y in range(0, image.height(), 2)
            for x in range(0, min(image.width(), 400), 2)
        ]
        assert pixels.count(colour) > 50, f"{word} line without its colour: {label.text()}"
        assert other not in pixels, label.text()
        seen.add(word)
    assert seen == {"OK", "CHECK"}  # the seed's overdue reviews: at least one CHECK
