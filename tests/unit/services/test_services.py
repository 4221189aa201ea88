"""The Qt services on their own (no window): idle timing, the staff PIN gate, the content
watcher and the input filter. Real Qt objects, real files and a real event loop; only the
clock is a counter, so the tests never wait for minutes."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.content.store import ContentStore
from kiosk.core.pin import MAX_ATTEMPTS, StaffPin
from kiosk.core.session import IdlePhase, IdleTimer
from kiosk.services.content_watch import ContentWatcher
from kiosk.services.idle import IdleService
from kiosk.services.input_filter import InputFilter
from kiosk.services.pin_gate import PinGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key_press() -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)


def test_idle_service_warns_each_second_resumes_on_activity_and_resets_once() -> None:
    clock = Clock()
    service = IdleService(IdleTimer(60, 20, clock))
    warnings: list[int] = []
    resumed: list[bool] = []
    expired: list[bool] = []
    service.warning.connect(warnings.append)
    service.resumed.connect(lambda: resumed.append(True))
    service.expired.connect(lambda: expired.append(True))

    clock.now += 59
    assert service.check().phase is IdlePhase.ACTIVE and warnings == []
    clock.now += 1
    service.check()
    service.check()  # the same second again: said once
    clock.now += 1
    service.check()
    assert warnings == [20, 19]
    # A key press during the warning is activity: the warning ends.
    assert service.eventFilter(QObject(), key_press()) is False  # never takes the key
    assert resumed == [True]
    clock.now += 59
    assert service.check().phase is IdlePhase.ACTIVE
    # No one there: the warning runs out and the session resets, once.
    clock.now += 1 + 20
    assert service.check().phase is IdlePhase.ACTIVE and expired == [True]
    assert service.check().phase is IdlePhase.ACTIVE and expired == [True]
    # Counting starts again from the reset.
    clock.now += 59
    assert service.check().phase is IdlePhase.ACTIVE
    # Events that are not a person (a paint) are not activity.
    clock.now += 1
    service.check()
    service.eventFilter(QObject(), QEvent(QEvent.Type.Paint))
    assert resumed == [True]


def test_pin_gate_opens_without_a_pin_counts_wrong_tries_and_locks(
    qapp: QApplication, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    pin = StaffPin(tmp_path / "staff.json", clock=clock)
    gate = PinGate(pin)
    assert not gate.needed and gate.check("") is None  # no PIN set: staff mode opens
    pin.set_pin("2580")
    assert gate.needed and gate.prompt() == "Enter the staff PIN."
    said = [gate.check("1111") for _ in range(MAX_ATTEMPTS - 1)]
    assert said[0] == f"Wrong PIN. {MAX_ATTEMPTS - 1} tries left before the pad locks."
    assert said[-1] == "Wrong PIN. 1 tries left before the pad locks."
    locked = gate.check("1111")
    assert locked is not None and locked.startswith("Too many wrong tries")
    assert gate.check("2580") == locked, "the right PIN does not open a locked pad"
    assert gate.prompt() == locked
    # Logged once for staff (not once a try).
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == ["staff PIN pad locked for 60 s after wrong attempts"]
    caplog.clear()
    clock.now += 61
    assert gate.prompt() == "Enter the staff PIN." and gate.check("2580") is None


def test_pin_gate_with_a_damaged_pin_file_asks_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "staff.json").write_text("{not json", encoding="utf-8")
    gate = PinGate(StaffPin(tmp_path / "staff.json"))
    assert gate.needed, "a damaged PIN file never opens staff mode"
    said = gate.check("2580")
    assert said is not None and "not valid JSON" in said


def test_content_watcher_reloads_on_edits_and_keeps_the_last_good_content(
    qtbot: QtBot, seed_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ContentStore(seed_copy, "en")
    store.reload()
    watcher = ContentWatcher(store, debounce_ms=50)
    watcher.start()
    pain = seed_copy / "en" / "pain.md"
    text = pain.read_text(encoding="utf-8")

    with qtbot.waitSignal(watcher.reloaded, timeout=10_000) as signal:
        pain.write_text(text.replace("title: Bone pain", "title: Pain in the bones"), "utf-8")
    assert signal.args is not None and signal.args[0].ok
    assert store.current is not None and store.current.topic("pain").title == "Pain in the bones"

    # An editor's save: a new file renamed over the old (the watch must follow it).
    new = pain.with_name(".pain.md.new")
    with qtbot.waitSignal(watcher.reloaded, timeout=10_000) as signal:
        new.write_text(text.replace("urgency: normal", "urgency: high"), "utf-8")
        os.replace(new, pain)
    assert signal.args is not None and not signal.args[0].ok
    assert store.current.topic("pain").title == "Pain in the bones", "last good content kept"
    [logged] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "keeping the last good content" in logged and 'urgency is "high"' in logged
    caplog.clear()

    with qtbot.waitSignal(watcher.reloaded, timeout=10_000) as signal:
        pain.write_text(text, "utf-8")
    assert signal.args is not None and signal.args[0].ok
    assert store.current.topic("pain").title == "Bone pain"


def test_input_filter_passes_only_input_events_in_order_until_one_takes_it() -> None:
    seen: list[str] = []

    def first(_watched: QObject, event: QEvent) -> bool:
        seen.append("first")
        return event.type() is QEvent.Type.KeyPress

    def second(_watched: QObject, _event: QEvent) -> bool:
        seen.append("second")
        return False

    f = InputFilter([first, second])
    assert f.eventFilter(QObject(), QEvent(QEvent.Type.Paint)) is False and seen == []
    assert f.eventFilter(QObject(), key_press()) is True and seen == ["first"]
    release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    assert f.eventFilter(QObject(), release) is False and seen == ["first", "first", "second"]
