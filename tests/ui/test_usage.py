"""Usage counts from the real kiosk: a scripted session by touch lands in the real SQLite file,
hour by hour, with nothing but event names and ids in it."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.core.intents import Intent, Request
from kiosk.core.settings import KioskSettings
from kiosk.core.usage import hour_of
from kiosk.devtools.rig import PulseRig
from kiosk.ui.widgets import BigButton
from tests.ui.conftest import KioskUnderTest, build


def tap(qtbot: QtBot, widget: BigButton) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def tap_named(qtbot: QtBot, k: KioskUnderTest, name: str) -> int:
    """Tap the visible button called ``name``, turning the page until it shows; returns how
    many pages were turned."""
    for turns in range(30):
        found = [
            b for b in k.window.findChildren(BigButton, name) if b.isVisible() and b.isEnabled()
        ]
        if found:
            tap(qtbot, found[0])
            return turns
        pages = k.window.findChildren(BigButton, "")
        next_buttons = [
            b
            for b in pages
            if b.accessibleName().startswith(("Next page", "Next topics"))
            and b.isVisible()
            and b.isEnabled()
        ]
        assert next_buttons, f"no button {name!r} on any page"
        tap(qtbot, next_buttons[0])
    raise AssertionError(f"no button {name!r}")


def counts(path: Path) -> dict[tuple[str, str], int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT hour, event, detail, n FROM counts").fetchall()
    hours = {hour for hour, *_ in rows}
    assert hours == {hour_of(dt.datetime.now())}, hours  # nothing finer than the hour
    return {(event, detail): n for _, event, detail, n in rows}


def test_a_touch_session_is_counted_in_the_usage_file(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    usage_file = tmp_path / "state" / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, usage_file=usage_file)
    c, w = k.controller, k.window
    assert c.usage is not None
    turns = tap_named(qtbot, k, "topic-fatigue")
    turns += tap_named(qtbot, k, "related-anaemia")  # turns pages to find it
    assert turns >= 1
    tap(qtbot, w.topic.speech.read_button)
    speech = c.speech
    assert speech is not None
    qtbot.waitUntil(lambda: speech.state == "speaking", timeout=10_000)
    tap(qtbot, w.topic.speech.stop_button)
    tap(qtbot, w.topic.speech.read_button)
    qtbot.waitUntil(lambda: speech.state == "speaking", timeout=10_000)
    qtbot.mouseClick(w.panel, Qt.MouseButton.LeftButton)  # going on stops the reading too
    turns += tap_named(qtbot, k, "emergency-topic-spinal-cord-compression")
    c.nav.set_text_scale(150)
    c.nav.set_theme("high-contrast")
    c.do(Request(Intent.AUDIO_GUIDE))
    c.sound.stop_speech()
    k.clock.advance(c.idle.timer.idle_seconds + 1)
    c.idle.check()
    k.clock.advance(c.idle.timer.warning_seconds + 1)
    c.idle.check()
    qtbot.waitUntil(lambda: speech.state == "idle", timeout=5000)
    # Spoken requests whose voice input is off are counted as "voice unavailable".
    c.voice_requests.ask_by_voice()
    c.voice_requests.close_voice()
    c.usage.close()
    assert counts(usage_file) == {
        ("topic-touch", "fatigue"): 1,
        ("topic-related", "anaemia"): 1,
        ("page-turn", ""): turns,
        ("read-started", ""): 2,
        ("read-stopped-early", ""): 2,
        ("emergency-page", ""): 1,
        ("topic-emergency-panel", "spinal-cord-compression"): 1,
        ("text-size", "150"): 1,
        ("high-contrast", ""): 1,
        ("audio-guide-on", ""): 1,
        ("idle-reset", ""): 1,
        ("voice", "unavailable"): 1,
    }


def test_counting_turned_off_writes_no_file(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    usage_file = tmp_path / "usage.sqlite3"
    k = build(
        qtbot,
        seed_copy,
        tmp_path,
        settings=KioskSettings(usage_counts=False),
        usage_file=usage_file,
    )
    assert k.controller.usage is None
    tap_named(qtbot, k, "topic-pain")
    k.window.allow_close()
    k.window.close()  # the kiosk closes (a counter would write what waits now)
    assert not usage_file.exists() and not list(tmp_path.glob("usage*"))


def test_the_use_page_charts_the_counts_and_clear_needs_the_pin(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    from kiosk.core.session import Screen
    from kiosk.ui.staff_tools import BarChart, DailyChart

    usage_file = tmp_path / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, usage_file=usage_file)
    c, w = k.controller, k.window
    k.staff_pin.set_pin("2468")
    tap_named(qtbot, k, "topic-pain")
    c.nav.home()
    tap_named(qtbot, k, "topic-pain")
    c.voice_requests.ask_by_voice()  # no voice input: "voice unavailable"
    c.voice_requests.close_voice()
    c.staff.open_staff()
    c.staff.check_pin("2468")
    tap(qtbot, w.staff.use_button)
    assert w.current_screen() is Screen.USE
    charts: list[str] = []
    for _ in range(w.use.view.page_count):
        QApplication.processEvents()
        charts += [
            x.accessibleName()
            for x in w.use.view.visible_widgets()
            if isinstance(x, BarChart | DailyChart)
        ]
        w.use.view.set_page(w.use.view.page + 1)
    # The counts not yet written are shown too (the file is written every 15 s).
    assert "Bone pain: 2 (touch 2)" in charts
    assert any(name.startswith("Spoken requests by day: 1 in all") for name in charts), charts
    # Clear counts asks for the PIN; a wrong PIN clears nothing.
    assert w.use.clear_button is not None
    tap(qtbot, w.use.clear_button)
    assert w.current_screen() is Screen.PIN
    c.usage.flush()
    c.staff.check_pin("1111")
    assert w.current_screen() is Screen.PIN and sqlite3.connect(usage_file).execute(
        "SELECT count(*) FROM counts"
    ).fetchone() == (2,)
    c.staff.check_pin("2468")
    assert w.current_screen() is Screen.USE
    assert sqlite3.connect(usage_file).execute("SELECT count(*) FROM counts").fetchone() == (0,)
    assert c.usage.pending() == {}


def test_staff_page_turns_are_not_counted(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    usage_file = tmp_path / "state" / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, size=(1366, 768), usage_file=usage_file)
    c, w = k.controller, k.window
    assert c.usage is not None
    c.nav.set_text_scale(200)  # the staff report and the Use page take several pages
    c.staff.open_staff()  # no PIN set: straight in
    for screen in (w.staff, w.use):
        if screen is w.use:
            tap(qtbot, w.staff.use_button)
        nexts = [
            b
            for b in screen.findChildren(BigButton)
            if b.accessibleName().startswith("Next page") and b.isVisible() and b.isEnabled()
        ]
        assert nexts, "the staff page has only one page at this size"
        tap(qtbot, nexts[0])  # by touch
        c.nav.turn_page(-1)  # by key
    c.nav.set_text_scale(100)
    c.nav.home()
    turns = tap_named(qtbot, k, "topic-fatigue")
    c.nav.turn_page(1)
    c.usage.close()
    found = counts(usage_file)
    assert found.get(("page-turn", ""), 0) == turns + 1, found


def test_staff_display_choices_are_not_counted_but_patients_are(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    """Staff who open Text size from their own screens to check how the kiosk looks are not
    patients using it; the same choices from a patient's screen are counted."""
    usage_file = tmp_path / "state" / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, usage_file=usage_file)
    c, w = k.controller, k.window
    assert c.usage is not None
    c.staff.open_staff()  # no PIN set: straight in
    w.intended.emit(Request(Intent.DISPLAY))  # the top bar's Text size, from the staff screen
    assert c.navigator.current.screen.name == "DISPLAY"
    c.nav.set_text_scale(150)
    c.nav.set_theme("high-contrast")
    c.nav.set_theme("standard")
    c.nav.home()
    w.intended.emit(Request(Intent.DISPLAY))  # from Home: a patient
    c.nav.set_text_scale(200)
    c.nav.set_theme("high-contrast")
    c.usage.close()
    found = counts(usage_file)
    assert found.get(("text-size", "150"), 0) == 0, found
    assert found.get(("text-size", "200"), 0) == 1, found
    assert found.get(("high-contrast", ""), 0) == 1, found


LONG_TITLES = {
    "hypercalcaemia": "Hypercalcaemia (too much calcium in the blood) and what you can do about it",
    "anaemia": "Anaemia (too few red blood cells, feeling tired and breathless a lot)",
}


@pytest.mark.parametrize(
    ("size", "scale", "theme"),
    [
        ((1920, 1080), 100, "standard"),
        ((1920, 1080), 200, "high-contrast"),
        ((1366, 768), 100, "high-contrast"),
        ((1366, 768), 100, "standard"),
    ],
)
def test_long_topic_titles_are_shown_whole_on_the_use_page(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    size: tuple[int, int],
    scale: int,
    theme: str,
) -> None:
    """Every topic bar's title is drawn in full, on as many lines as it needs, inside its block
    and its page: each line's band holds ink in the text's colour, and no line is cut."""
    from PySide6.QtGui import QColor, QFontMetrics

    from kiosk.core.session import Screen
    from kiosk.ui.staff_tools import BarChart

    for topic_id, title in LONG_TITLES.items():
        page = seed_copy / "en" / f"{topic_id}.md"
        text = page.read_text()
        old = next(line for line in text.splitlines() if line.startswith("title: "))
        page.write_text(text.replace(old, f"title: {title}", 1))
    usage_file = tmp_path / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, size=size, usage_file=usage_file)
    c, w = k.controller, k.window
    assert c.usage is not None
    for topic_id in (*LONG_TITLES, "pain", "fatigue"):
        c.usage.count("topic-touch", topic_id)
    c.nav.set_text_scale(scale)
    c.nav.set_theme(theme)
    c.staff.open_staff()  # no PIN set
    tap(qtbot, w.staff.use_button)
    assert w.current_screen() is Screen.USE
    view = w.use.view
    seen: dict[str, list[str]] = {}
    for number in range(view.page_count):
        view.set_page(number)
        QApplication.processEvents()
        for chart in (x for x in view.visible_widgets() if isinstance(x, BarChart)):
            label = chart.bar.label
            at = chart.layout_for(chart.width())
            metrics = QFontMetrics(chart.font())
            # Nothing left out, no line wider than its room, the block tall enough for it all
            # and inside the page.
            assert " ".join(at.label_lines).split() == label.split(), (label, at.label_lines)
            assert all(
                metrics.horizontalAdvance(line) <= at.label_rect.width() for line in at.label_lines
            ), (label, at.label_lines, at.label_rect)
            assert chart.rect().contains(at.label_rect), (label, at.label_rect, chart.rect())
            assert chart.height() >= at.height
            top = chart.mapTo(view, chart.rect().topLeft()).y()
            assert top >= 0 and top + chart.height() <= view.height(), label
            # Each line of the title is really drawn: text-coloured ink in its band.
            image = chart.grab().toImage()
            ink = QColor(chart.theme.text).rgb()
            band = metrics.height()
            for index, line in enumerate(at.label_lines):
                y0 = at.label_rect.top() + index * band
                inked = any(
                    image.pixel(x, y) == ink
                    for y in range(y0, min(y0 + band, image.height()))
                    for x in range(at.label_rect.left(), at.label_rect.right() + 1, 2)
                )
                assert inked, f"line {index + 1} of {label!r} ({line!r}) is not drawn"
            seen[label] = at.label_lines
    for title in LONG_TITLES.values():
        assert title in seen, f"no bar for {title!r}"
    # The wrapping is exercised: at these sizes at least one title needs more than one line
    # (which fit on one depends on the chart's width, which the window's layout chooses).
    assert any(len(seen[title]) >= 2 for title in LONG_TITLES.values()), seen


@pytest.mark.parametrize("font_px", [20, 31, 45, 62])
@pytest.mark.parametrize("width", [420, 620, 900, 1267])
def test_the_dates_under_the_daily_chart_never_touch(
    qtbot: QtBot, fonts: bool, width: int, font_px: int
) -> None:
    """The dates under the spoken-requests chart: the last day always, each inside the chart
    and whole, none touching another (the last one is moved left to stay inside)."""
    from PySide6.QtGui import QFontMetrics

    from kiosk.ui.staff_tools import DailyChart
    from kiosk.ui.theme import HIGH_CONTRAST

    last = dt.date(2026, 12, 2)
    days = [last - dt.timedelta(days=n) for n in range(29, -1, -1)]
    per_day = {day: {"acted": 1 + day.day % 3} for day in days}
    chart = DailyChart(days, per_day, ["acted"], HIGH_CONTRAST, font_px)
    qtbot.addWidget(chart)
    chart.resize(width, chart.heightForWidth(width))
    labels = chart.date_labels()
    assert labels[-1][1] == "2 Dec"
    assert len(labels) >= (3 if width >= 900 else 1), labels
    metrics = QFontMetrics(chart.font())
    for rect, text in labels:
        assert chart.rect().contains(rect), (text, rect, chart.rect())
        assert metrics.horizontalAdvance(text) <= rect.width()
    for (left, a), (right, b) in itertools.pairwise(labels):
        assert left.right() < right.left(), f"{a!r} touches {b!r}"


def test_every_spoken_request_outcome_is_counted(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, pulse_rig: PulseRig
) -> None:
    """Each outcome of a spoken request, through the kiosk's one decision path with its voice
    input process running on the rig, lands in the real file under its own name: acted on;
    asked "Did you mean ...?" and confirmed, declined or left unanswered; not recognised; nothing
    heard; voice unavailable (the microphone unplugged). Help opened is counted too."""
    from kiosk.core.session import Screen
    from kiosk.listen.dialogue import Step
    from kiosk.listen.matching import TopicMatch
    from kiosk.listen.recognition import Recognition
    from tests.ui.test_voice import borderline

    usage_file = tmp_path / "state" / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, voice=True, usage_file=usage_file)
    c, w = k.controller, k.window
    assert c.usage is not None and c.voice_requests.matcher is not None and c.voice is not None
    qtbot.waitUntil(lambda: c.voice.available, timeout=15_000)
    overlay = w.voice_overlay

    def hand_over(heard: Recognition) -> None:
        """As if the microphone had heard it (the voice process answers with this)."""
        c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
        c.voice_requests.heard(heard)

    def words(text: str) -> Recognition:
        return Recognition(text, 1.0, tuple((x, 1.0) for x in text.split()), "pocketsphinx")

    sure = words("i feel tired all the time")
    match = c.voice_requests.matcher.match_recognition(sure)
    assert isinstance(match, TopicMatch) and match.confident, match
    hand_over(sure)
    assert (c.navigator.current.screen, c.navigator.current.topic_id) == (
        Screen.TOPIC,
        match.topic_id,
    )
    c.nav.home()
    heard, asked_about = borderline(k)
    for answer in ("yes", "no", "none"):
        hand_over(heard)
        assert overlay.mode == "question", answer
        if answer == "none":
            tap(qtbot, w.home_button)  # the patient goes on without answering
        else:
            tap(qtbot, overlay.yes_button if answer == "yes" else overlay.no_button)
        c.voice_requests.close_voice()
        c.nav.home()
    hand_over(words("where is the toilet"))
    assert overlay.mode == "message"
    c.voice_requests.close_voice()
    hand_over(Recognition("", 0.0, (), "pocketsphinx"))
    assert overlay.mode == "message"
    c.voice_requests.close_voice()
    c.sound.stop_speech()
    try:
        pulse_rig.unplug_microphones()
        qtbot.waitUntil(lambda: w.voice_button.title == "Voice unavailable", timeout=10_000)
        tap(qtbot, w.voice_button)
        c.voice_requests.close_voice()
    finally:
        pulse_rig.plug_microphones()
    tap(qtbot, w.help_button)
    c.usage.close()
    found = counts(usage_file)
    voice = {detail: n for (event, detail), n in found.items() if event == "voice"}
    assert voice == {
        "acted": 1,
        "asked-confirmed": 1,
        "asked-declined": 1,
        "asked-unanswered": 1,
        "not-recognised": 1,
        "nothing-heard": 1,
        "unavailable": 1,
    }, found
    # The topics opened by voice: the one acted on and the one confirmed (only those).
    opened = {detail: n for (event, detail), n in found.items() if event == "topic-voice"}
    expected = {match.topic_id: 1}
    expected[asked_about] = expected.get(asked_about, 0) + 1
    assert opened == expected, found
    assert found[("help-page", "")] == 1


def test_a_locked_or_damaged_usage_file_is_reported_to_staff_and_patients_notice_nothing(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real kiosk on a real file: another program locks it, then it is overwritten with
    junk. The staff screen, the Use page and the log say so; counting goes on in memory, then
    in a fresh file (the damaged one kept aside); touch keeps working throughout."""
    from kiosk.core.session import Screen
    from tests.ui.helpers import staff_text

    usage_file = tmp_path / "state" / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, usage_file=usage_file)
    c, w = k.controller, k.window
    usage = c.usage
    assert usage is not None
    usage.busy_timeout = 0.05
    tap_named(qtbot, k, "topic-pain")
    assert usage.flush()
    other = sqlite3.connect(usage_file, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        c.nav.home()
        tap_named(qtbot, k, "topic-fatigue")
        assert w.current_screen() is Screen.TOPIC  # the patient notices nothing
        assert not usage.flush()
        c.staff.open_staff()
        report = staff_text(k)
        assert "Usage counts: counting is paused" in report and "locked" in report, report
        tap(qtbot, w.staff.use_button)
        shown = "\n".join(b.plain for b in w.use.view.blocks())
        assert "Usage counting: counting is paused" in shown and "locked" in shown, shown
        # The counts waiting in memory are on the Use page all the same.
        assert "Tiredness (fatigue): 1" in shown, shown
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert any("locked" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert usage.flush()
    c.staff.open_staff()
    assert "Usage counts:" not in staff_text(k)
    # Damaged: junk over the whole file while the kiosk runs.
    c.nav.home()
    size = usage_file.stat().st_size
    usage_file.write_bytes(b"not a database, a stray copy over it " * (size // 30 + 1))
    (tmp_path / "state" / "usage.sqlite3-wal").unlink(missing_ok=True)
    tap_named(qtbot, k, "topic-anaemia")
    assert usage.flush()
    kept = list((tmp_path / "state").glob("usage.damaged-*.sqlite3"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"not a database")
    c.staff.open_staff()
    report = staff_text(k)
    assert f"it was kept as {kept[0].name}" in report, report
    tap(qtbot, w.staff.use_button)
    shown = "\n".join(b.plain for b in w.use.view.blocks())
    assert kept[0].name in shown and "Anaemia (too few red blood cells): 1" in shown, shown
    assert any("was damaged" in r.getMessage() for r in caplog.records)
    caplog.clear()


def test_a_screenshot_of_the_use_page_shows_the_file_and_not_its_own_settings(
    fonts: bool, tmp_path: Path
) -> None:
    """``screenshot --screen use --usage FILE --text-size 150 --theme high-contrast``: the
    picture's own text size and colours are not counted into what it shows."""
    from kiosk.core.usage import UsageCounter
    from kiosk.screenshot import take_screenshot
    from kiosk.ui.window import KioskWindow
    from tests.conftest import SEED

    usage_file = tmp_path / "usage.sqlite3"
    counter = UsageCounter(usage_file, flush_seconds=0)
    for _ in range(3):
        counter.count("text-size", "200")
    counter.count("high-contrast")
    counter.count("topic-touch", "pain")
    counter.close()
    shown: list[str] = []

    def read(window: KioskWindow) -> None:
        shown.extend(block.plain for block in window.use.view.blocks())

    out = take_screenshot(
        SEED,
        tmp_path / "use.png",
        screen="use",
        text_size=150,
        theme="high-contrast",
        usage=usage_file,
        inspect=read,
    )
    assert out.stat().st_size > 0
    assert "Bone pain: 1" in shown, shown
    assert "Text size changed: 3" in shown and "High contrast chosen: 1" in shown, shown


def test_a_topic_with_a_long_id_opens_and_is_counted(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    """Content may give a topic any id of lower-case letters, digits and dashes up to 200
    characters: opening it by touch works, and its opens are counted under that id."""
    long_id = "what-to-do-about-bone-pain-at-night-" + "-".join(["and-at-home"] * 12)
    assert 100 < len(long_id) <= 200
    text = (seed_copy / "en" / "pain.md").read_text()
    text = text.replace("id: pain\n", f"id: {long_id}\n", 1)
    text = text.replace("title: Bone pain\n", "title: Bone pain at night\n", 1)
    text = text.replace("order: 4\n", "order: 5\n", 1)
    (seed_copy / "en" / f"{long_id}.md").write_text(text)
    usage_file = tmp_path / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, usage_file=usage_file)
    assert any(t.id == long_id for t in k.controller.content.topics)
    tap_named(qtbot, k, f"topic-{long_id}")
    assert k.controller.navigator.current.topic_id == long_id
    assert k.controller.usage is not None
    k.controller.usage.close()
    assert counts(usage_file) == {("topic-touch", long_id): 1}


def test_a_refused_count_is_logged_and_never_stops_the_kiosk(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    usage_file = tmp_path / "usage.sqlite3"
    k = build(qtbot, seed_copy, tmp_path, usage_file=usage_file)
    c = k.controller
    assert c.usage is not None
    c.use.count("topic-touch", "I feel tired all the time")  # free text: refused, not raised
    c.use.count("heard", "pain")  # not an event
    assert c.usage.pending() == {}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and all("usage count left out" in w for w in warnings), warnings
    caplog.clear()
    tap_named(qtbot, k, "topic-pain")  # the kiosk goes on, and counts
    assert c.usage.pending() and c.navigator.current.topic_id == "pain"


@pytest.mark.parametrize("width", [300, 674, 1267])
def test_a_legend_line_wraps_rather_than_being_cut(qtbot: QtBot, fonts: bool, width: int) -> None:
    from PySide6.QtGui import QFontMetrics

    from kiosk.ui.staff_tools import LegendItem
    from kiosk.ui.theme import STANDARD

    text = "Asked, no answer: 12345"
    item = LegendItem(3, text, STANDARD, 62)
    qtbot.addWidget(item)
    item.resize(width, item.heightForWidth(width))
    lines = item.lines(width)
    metrics = QFontMetrics(item.font())
    room = width - round(item.line_px() * 1.8)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing left out
    assert all(metrics.horizontalAdvance(line) <= room for line in lines), lines
    assert item.heightForWidth(width) >= len(lines) * metrics.height()
    assert (len(lines) > 1) == (metrics.horizontalAdvance(text) > room)


@pytest.mark.parametrize(
    ("inches", "size", "scale", "most_pages"),
    [
        (15.6, (1366, 768), 150, 14),  # 21 pages before
        (10.1, (1280, 800), 150, 14),  # 20 before
        (15.6, (1366, 768), 200, 14),  # 18 before
    ],
    ids=["1366x768-150", "1280x800-10in-150", "1366x768-200"],
)
def test_a_month_of_counts_takes_few_pages_on_a_small_screen_and_nothing_is_clipped(
    qtbot: QtBot,
    fonts: bool,
    seed_copy: Path,
    tmp_path: Path,
    inches: float,
    size: tuple[int, int],
    scale: int,
    most_pages: int,
) -> None:
    """Every topic opened every way, every spoken outcome and every other count: the period,
    the heading and the first bar share the first page (or the second), the bars of the topic chart share
    pages (a page that begins inside a chart says so where that costs no bar), and no text
    of the page or of a chart is clipped or cut."""
    from PySide6.QtGui import QFontMetrics

    from kiosk.core.display import PhysicalScreen
    from kiosk.core.session import Screen
    from kiosk.core.usage import OTHER_LABELS, TOPIC_OPENED, VOICE_OUTCOMES
    from kiosk.ui.staff_tools import BarChart, DailyChart, LegendRow
    from tests.ui.test_screen_matrix import check_window, settings_for

    screen = PhysicalScreen(inches, *size)
    k = build(qtbot, seed_copy, tmp_path, size, settings_for(screen), usage_file=tmp_path / "u")
    c, w = k.controller, k.window
    assert c.usage is not None
    topics = sorted(p.stem for p in (seed_copy / "en").glob("*.md"))
    for number, topic_id in enumerate(topics):
        for how, event in enumerate(TOPIC_OPENED.values()):
            for _ in range(100 + 7 * number + 13 * how):
                c.usage.count(event, topic_id)
    for number, outcome in enumerate(VOICE_OUTCOMES):
        for _ in range(80 + number):
            c.usage.count("voice", outcome)
    for event in OTHER_LABELS:
        for _ in range(90):
            c.usage.count(event, "150" if event == "text-size" else "")
    c.nav.set_text_scale(scale)
    c.staff.open_staff()  # no PIN set
    tap(qtbot, w.staff.use_button)
    assert w.current_screen() is Screen.USE
    view = w.use.view
    assert 1 < view.page_count <= most_pages, view.page_count
    bars_per_page: list[int] = []
    problems: list[str] = []
    for number in range(view.page_count):
        view.set_page(number)
        QApplication.processEvents()
        shown = view.visible_widgets()
        if number == 0:
            assert len(shown) >= 2, shown  # not one block a page
        problems += check_window(k, f"page {number + 1}", screen)
        bars_per_page.append(sum(isinstance(x, BarChart) for x in shown))
        for chart in shown:
            assert chart.y() >= 0 and chart.geometry().bottom() < view.height(), chart
            assert chart.height() >= chart.heightForWidth(chart.width())
            if isinstance(chart, BarChart):
                at = chart.layout_for(chart.width())
                metrics = QFontMetrics(chart.font())
                for rect, lines in (
                    (at.label_rect, at.label_lines),
                    (at.value_rect, at.value_lines),
                    (at.note_rect, at.note_lines),
                ):
                    assert chart.rect().contains(rect) or not lines, (chart.bar, rect)
                    assert rect.height() >= len(lines) * metrics.height()
                    assert all(metrics.horizontalAdvance(t) <= rect.width() for t in lines)
                shown_text = " ".join(at.label_lines + at.value_lines + at.note_lines)
                assert shown_text.split()[0] == chart.bar.label.split()[0]
                for figure in re.findall(r"\d+", f"{chart.bar.value} {chart.bar.note}"):
                    assert figure in shown_text.split() or f"{figure}," in shown_text, figure
            if isinstance(chart, LegendRow):
                assert all(chart.rect().contains(item.geometry()) for item in chart.items)
            if isinstance(chart, DailyChart):
                assert chart.height() <= view.height()
    assert not problems, "\n".join(problems[:30])
    # The first bar on the first page (on the second where the title is paged with the page,
    # on the tablet), and the topics' bars share pages: not one bar a page.
    assert bars_per_page[0] or bars_per_page[1], bars_per_page
    assert max(bars_per_page) >= 2, bars_per_page
