"""Usage counts on a real SQLite file: hourly counts, a closed vocabulary, and the file's faults
(locked, damaged, read-only, full) never stop counting for good."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.usage import EVENTS, UsageCounter, UsageRefused, read_usage


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 40, 12)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def rows(path: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(path) as connection:
        return sorted(connection.execute("SELECT hour, event, detail, n FROM counts"))


def test_counts_are_kept_per_hour_in_a_wal_file(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0, clock=clock)
    counter.count("topic-touch", "pain")
    counter.count("topic-touch", "pain")
    counter.count("voice", "nothing-heard")
    assert not path.exists(), "counting wrote at once (it must wait for a flush)"
    assert counter.flush()
    clock.now += dt.timedelta(minutes=25)  # 10:05: the next hour
    counter.count("topic-touch", "pain")
    counter.close()
    assert rows(path) == [
        ("2026-12-01T09", "topic-touch", "pain", 2),
        ("2026-12-01T09", "voice", "nothing-heard", 1),
        ("2026-12-01T10", "topic-touch", "pain", 1),
    ]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # A second counter on the same file adds to it.
    again = UsageCounter(path, flush_seconds=0, clock=clock)
    again.count("topic-touch", "pain")
    again.close()
    assert ("2026-12-01T10", "topic-touch", "pain", 2) in rows(path)


def test_the_background_thread_writes_without_being_asked(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0.05, clock=clock)
    counter.count("idle-reset")
    deadline = dt.datetime.now() + dt.timedelta(seconds=20)
    while counter.writes == 0 and dt.datetime.now() < deadline:
        counter._stop.wait(0.05)
    counter.close()
    assert rows(path) == [("2026-12-01T09", "idle-reset", "", 1)]


@pytest.mark.parametrize(
    ("event", "detail"),
    [
        ("heard", "i feel tired all the time"),  # not an event
        ("voice", "i feel tired"),  # spaces: free text
        ("topic-touch", "Pain"),  # not an id
        ("text-size", "1234" + "5" * 200),  # too long
        ("voice", "my pin is 1234\n"),
    ],
)
def test_anything_but_an_event_and_an_id_is_refused(
    tmp_path: Path, event: str, detail: str
) -> None:
    counter = UsageCounter(tmp_path / "usage.sqlite3", flush_seconds=0)
    with pytest.raises(UsageRefused):
        counter.count(event, detail)
    assert counter.pending() == {}


def test_read_usage_sums_days_and_merges_pending(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "usage.sqlite3"
    assert read_usage(path, 30, clock.now.date()).empty  # no file yet: nothing, no error
    counter = UsageCounter(path, flush_seconds=0, clock=clock)
    for how, n in (("topic-touch", 3), ("topic-voice", 2), ("topic-related", 1)):
        for _ in range(n):
            counter.count(how, "fatigue")
    counter.count("topic-emergency-panel", "spinal-cord-compression")
    counter.count("voice", "acted")
    counter.flush()
    clock.now -= dt.timedelta(days=40)  # too old for a 30-day summary
    counter.count("voice", "acted")
    counter.flush()
    clock.now += dt.timedelta(days=40)
    counter.count("voice", "asked-declined")  # not written yet
    summary = read_usage(path, 30, clock.now.date(), counter.pending())
    assert summary.topic_opens() == {
        "fatigue": {"touch": 3, "voice": 2, "related": 1},
        "spinal-cord-compression": {"emergency-panel": 1},
    }
    day = clock.now.date()
    assert summary.voice_by_day()[day] == {"acted": 1, "asked-declined": 1}
    assert len(summary.days) == 30 and summary.days[-1] == day
    assert summary.total("voice") == 2


def test_clear_deletes_every_count(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0, clock=clock)
    counter.count("page-turn")
    counter.flush()
    counter.count("page-turn")
    assert counter.clear()
    counter.close()
    assert rows(path) == []


def test_a_damaged_file_is_set_aside_and_counting_starts_afresh(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "usage.sqlite3"
    path.write_bytes(b"this is not a database\n" * 400)
    counter = UsageCounter(path, flush_seconds=0, clock=clock)
    counter.count("help-page")
    assert counter.flush()
    assert rows(path) == [("2026-12-01T09", "help-page", "", 1)]
    kept = list(tmp_path.glob("usage.damaged-*.sqlite3"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    assert counter.problem is None
    assert counter.notice is not None and kept[0].name in counter.notice
    assert any("was damaged" in r.getMessage() for r in caplog.records)
    caplog.clear()


def test_a_file_damaged_while_counting_is_set_aside_too(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0, clock=clock)
    counter.count("page-turn")
    counter.flush()
    # Overwrite the header and the first pages, as a bad disk or a stray copy would.
    with open(path, "r+b") as stream:
        stream.write(os.urandom(8192))
    (tmp_path / "usage.sqlite3-wal").unlink(missing_ok=True)
    counter.count("page-turn")
    assert counter.flush()
    assert rows(path) == [("2026-12-01T09", "page-turn", "", 1)]
    assert counter.notice is not None
    caplog.clear()


def test_a_locked_file_pauses_counting_and_nothing_is_lost(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0, clock=clock, busy_timeout=0.05)
    counter.count("page-turn")
    counter.flush()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        counter.count("page-turn")
        counter.count("audio-guide-on")
        assert not counter.flush()
        assert counter.problem is not None and "locked" in counter.problem
        assert sum(counter.pending().values()) == 2
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert counter.flush()
    assert counter.problem is None
    assert rows(path) == [
        ("2026-12-01T09", "audio-guide-on", "", 1),
        ("2026-12-01T09", "page-turn", "", 2),
    ]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"usage counting is paused: {path} cannot be written, the file is locked by another "
        "program (database is locked); 2 counts wait in memory"
    ]
    caplog.clear()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("this test mounts a small tmpfs to fill a disk for real: run it as root")
    folder = tmp_path / "disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_pauses_counting_until_there_is_room(
    small_disk: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path = small_disk / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0, clock=clock, max_pending=100_000)
    counter.count("page-turn")
    assert counter.flush()
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as stream, pytest.raises(OSError):
        while True:
            stream.write(bytes(4096))
    # Many new keys: more than fits in the pages left.
    for hour in range(2000):
        clock.now += dt.timedelta(hours=1)
        counter.count("topic-touch", f"topic-{hour}")
    assert not counter.flush()
    assert counter.problem is not None and "full" in counter.problem, counter.problem
    assert sum(counter.pending().values()) == 2000
    filler.unlink()
    assert counter.flush(), counter.problem
    assert counter.problem is None
    assert len(rows(path)) == 2001
    caplog.clear()


def test_a_read_only_folder_pauses_counting(
    small_disk: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    path = small_disk / "usage.sqlite3"
    counter = UsageCounter(path, flush_seconds=0, clock=clock)
    counter.count("page-turn")
    assert counter.flush()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        counter.count("page-turn")
        assert not counter.flush()
        assert counter.problem is not None and "cannot be written" in counter.problem
        assert "read-only" in counter.problem, counter.problem
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert counter.flush()
    assert rows(path) == [("2026-12-01T09", "page-turn", "", 2)]
    caplog.clear()


def test_memory_is_bounded_while_the_file_cannot_be_written(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "file-not-folder"
    path.write_text("x")
    counter = UsageCounter(path / "usage.sqlite3", flush_seconds=0, clock=clock, max_pending=10)
    for n in range(25):
        counter.count("topic-touch", f"t{n}")
    assert len(counter.pending()) == 10 and counter.dropped == 15


def test_every_event_is_described() -> None:
    assert all(description for description in EVENTS.values())


#: How the README's "What is counted" names each event (a new event needs its words there).
README_WORDS = {
    "topic-touch": "touch on Home",
    "topic-voice": "voice",
    "topic-related": "a related-topic button",
    "topic-emergency-panel": "the emergency page)",
    "emergency-page": "the emergency page and Help opened",
    "help-page": "Help opened",
    "page-turn": "page turns",
    "read-started": "Read aloud started",
    "read-stopped-early": "stopped before the end",
    "audio-guide-on": "the audio guide turned on",
    "text-size": "a text size chosen (the size)",
    "high-contrast": "high contrast chosen",
    "idle-reset": "idle resets",
    "voice": "spoken requests by outcome",
}
README_OUTCOMES = {
    "acted": "acted on",
    "asked-confirmed": "confirmed",
    "asked-declined": "declined",
    "asked-unanswered": "not answered",
    "not-recognised": "not recognised",
    "nothing-heard": "nothing heard",
    "unavailable": "voice unavailable",
}


def test_the_readme_says_what_is_counted_and_what_is_not() -> None:
    from kiosk.core.usage import VOICE_OUTCOMES
    from tests.conftest import REPO

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    start = readme.index("**What is counted**")
    counted = readme[start : readme.index("**What is not counted**", start)]
    assert set(README_WORDS) == set(EVENTS), "an event is missing from README_WORDS"
    assert set(README_OUTCOMES) == set(VOICE_OUTCOMES)
    for event, words in {**README_WORDS, **README_OUTCOMES}.items():
        assert words in counted, f"the README does not name {event!r} ({words!r})"
    not_counted = readme[readme.index("**What is not counted**") :][:600]
    for words in ("no transcript, no audio", "PIN digits", "finer than the hour", "staff screens"):
        assert words in not_counted, words
