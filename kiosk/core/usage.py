"""Usage counts: how often each thing was used, per hour, in a local SQLite file.

Privacy first: a count is an event name from a closed list (:data:`EVENTS`) and a short detail
(a topic id, a text size or a voice outcome) that must look like an id (lower-case letters,
digits and dashes). Anything else is refused, so no transcript, audio, PIN digit or free text can
ever reach the file; the time is kept to the hour.

Counting never delays a tap and never stops the kiosk: :meth:`UsageCounter.count` only adds to a
dictionary in memory; a background thread writes the batch every ``flush_seconds``. A locked,
full or read-only file pauses counting (the counts wait in memory, up to a bound) and a damaged
file is moved aside and a fresh one started; either way :attr:`UsageCounter.problem` says so in
plain words for the staff screen, and the log says it once.

Pure: no Qt (the staff screen and ``run_kiosk.py stats`` read the file with :func:`read_usage`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("kiosk.usage")

FILE_NAME = "usage.sqlite3"
SCHEMA_VERSION = 1

#: How a topic was opened: the event name for each way.
TOPIC_OPENED = {
    "touch": "topic-touch",
    "voice": "topic-voice",
    "related": "topic-related",
    "emergency-panel": "topic-emergency-panel",
}
#: Voice request outcomes (the detail of the ``voice`` event), in the order staff read them.
VOICE_OUTCOMES = (
    "acted",
    "asked-confirmed",
    "asked-declined",
    "asked-unanswered",
    "not-recognised",
    "nothing-heard",
    "unavailable",
)
VOICE_OUTCOME_LABELS = {
    "acted": "Acted on",
    "asked-confirmed": "Asked, confirmed",
    "asked-declined": "Asked, declined",
    "asked-unanswered": "Asked, no answer",
    "not-recognised": "Not recognised",
    "nothing-heard": "Nothing heard",
    "unavailable": "Voice unavailable",
}

#: Every event that can be counted, and what it means (README lists the same).
EVENTS: dict[str, str] = {
    "topic-touch": "a topic opened from its button on Home (detail: the topic id)",
    "topic-voice": "a topic opened by a spoken request (detail: the topic id)",
    "topic-related": "a topic opened from a related-topic button (detail: the topic id)",
    "topic-emergency-panel": "a topic opened from the emergency page (detail: the topic id)",
    "emergency-page": "the emergency page opened (touching the emergency panel, or by voice)",
    "help-page": "the Help page opened",
    "page-turn": "a page turned (Next/Previous page or topics, or a key)",
    "read-started": "Read aloud started (the button, a key, by voice or the audio guide)",
    "read-stopped-early": "reading stopped before the end of the page",
    "audio-guide-on": "the audio guide turned on",
    "text-size": "a text size chosen (detail: the size in percent)",
    "high-contrast": "the high-contrast colours chosen",
    "idle-reset": "the kiosk went back to the start after nobody used it",
    "voice": "a spoken request (detail: its outcome, one of " + ", ".join(VOICE_OUTCOMES) + ")",
}

#: Short names of the events that are not topics or voice requests, for people.
OTHER_LABELS = {
    "emergency-page": "Emergency page opened",
    "help-page": "Help opened",
    "page-turn": "Pages turned",
    "read-started": "Read aloud started",
    "read-stopped-early": "Read aloud stopped early",
    "audio-guide-on": "Audio guide turned on",
    "text-size": "Text size changed",
    "high-contrast": "High contrast chosen",
    "idle-reset": "Back to the start when idle",
}

_DETAIL = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")
"""An id: what a topic id may be (content allows 200 characters), a size or an outcome."""
_HOUR_FORMAT = "%Y-%m-%dT%H"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    hour TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hour, event, detail)
) WITHOUT ROWID
"""

Key = tuple[str, str, str]  # hour, event, detail


class UsageRefused(ValueError):
    """An event or detail outside the closed vocabulary (a programming error, never data)."""


def check_event(event: str, detail: str = "") -> None:
    """Raise :class:`UsageRefused` unless ``event`` is known and ``detail`` looks like an id."""
    if event not in EVENTS:
        raise UsageRefused(f"unknown usage event {event!r}")
    if detail and not _DETAIL.fullmatch(detail):
        raise UsageRefused(f"usage detail {detail!r} is not an id")


def hour_of(moment: dt.datetime) -> str:
    """The hour a moment falls in, as stored (local time, ``2026-12-02T09``)."""
    return moment.strftime(_HOUR_FORMAT)


def _is_damaged(error: sqlite3.DatabaseError) -> bool:
    text = str(error).lower()
    return "not a database" in text or "malformed" in text or "disk image" in text


def _cause(error: BaseException, path: Path | None = None) -> str:
    """Why ``path`` could not be written, in plain words (SQLite often says only "unable to
    open database file": then the file and its folder are looked at)."""
    text = str(error) or type(error).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return f"the file is locked by another program ({text})"
    if "full" in lowered or "no space" in lowered:
        return f"the disk is full ({text})"
    if "readonly" in lowered or "read-only" in lowered or _read_only(path):
        return f"the file or its folder is read-only ({text})"
    return text


def _read_only(path: Path | None) -> bool:
    """True when ``path`` (or, where it does not exist yet, its folder) cannot be written: a
    read-only disk or missing write permission."""
    if path is None:
        return False
    with contextlib.suppress(OSError):
        if path.exists() and not os.access(path, os.W_OK):
            return True
        folder = path.parent
        if folder.is_dir() and not os.access(folder, os.W_OK):
            return True
    return False


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(_SCHEMA)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        connection.close()
        raise
    return connection


class UsageCounter:
    """Hourly counters kept in memory and written to ``path`` in batches (see module doc).

    ``flush_seconds`` 0 starts no thread (tests and tools call :meth:`flush` themselves).
    """

    def __init__(
        self,
        path: Path,
        *,
        flush_seconds: float = 15.0,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        max_pending: int = 20_000,
        busy_timeout: float = 0.5,
    ) -> None:
        self.path = path
        self.clock = clock
        self.max_pending = max_pending
        self.busy_timeout = busy_timeout
        self.problem: str | None = None
        """Why counting is paused now (plain words), or None."""
        self.notice: str | None = None
        """Something staff should know that is over (a damaged file was set aside)."""
        self.dropped = 0
        """Counts lost because too many waited in memory while the file could not be written."""
        self.writes = 0
        self._pending: dict[Key, int] = {}
        self._lock = threading.Lock()  # guards _pending (taken for microseconds)
        self._db_lock = threading.Lock()  # one writer at a time (flush thread, clear)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if flush_seconds > 0:
            self._thread = threading.Thread(
                target=self._run, args=(flush_seconds,), name="usage-counts", daemon=True
            )
            self._thread.start()

    # -- counting (any thread; never blocks on the file) ---------------------------------------
    def count(self, event: str, detail: str = "") -> None:
        """Add one to ``event`` (with ``detail``) for the current hour."""
        check_event(event, detail)
        key = (hour_of(self.clock()), event, detail)
        with self._lock:
            if key in self._pending or len(self._pending) < self.max_pending:
                self._pending[key] = self._pending.get(key, 0) + 1
            else:
                self.dropped += 1

    def discard_pending(self) -> None:
        """Forget the counts not written yet (a screenshot's own text size and colours are not
        patients' use)."""
        with self._lock:
            self._pending = {}

    def pending(self) -> dict[Key, int]:
        """A copy of the counts not written yet."""
        with self._lock:
            return dict(self._pending)

    # -- writing (the flush thread) ------------------------------------------------------------
    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.flush()

    def flush(self) -> bool:
        """Write the waiting counts; True when the file holds everything counted so far."""
        with self._db_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch and self.problem is None:
                return True
            try:
                self._write(batch)
            except sqlite3.DatabaseError as error:
                if _is_damaged(error):
                    try:
                        self._set_aside(error)
                        self._write(batch)
                    except (sqlite3.Error, OSError) as again:
                        self._keep(batch)
                        self._paused(again)
                        return False
                    self._resumed()
                    return True
                self._keep(batch)
                self._paused(error)
                return False
            except OSError as error:
                self._keep(batch)
                self._paused(error)
                return False
            self._resumed()
            return True

    def _write(self, batch: Mapping[Key, int]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(self.path, self.busy_timeout)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "INSERT INTO counts (hour, event, detail, n) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (hour, event, detail) DO UPDATE SET n = n + excluded.n",
                [(*key, n) for key, n in batch.items()],
            )
            connection.execute("COMMIT")
            self.writes += 1
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def _keep(self, batch: Mapping[Key, int]) -> None:
        """Put an unwritten batch back (it is tried again at the next flush)."""
        with self._lock:
            for key, n in batch.items():
                if key in self._pending or len(self._pending) < self.max_pending:
                    self._pending[key] = self._pending.get(key, 0) + n
                else:
                    self.dropped += n

    def _set_aside(self, error: sqlite3.DatabaseError) -> None:
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.stem}.damaged-{stamp}{self.path.suffix}")
        self.path.rename(kept)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.rename(kept.with_name(kept.name + suffix))
        self.notice = (
            f"The usage counts file was damaged ({error}); it was kept as {kept.name} and "
            "counting started again in a new file."
        )
        log.warning("usage counts: %s was damaged (%s); kept as %s", self.path, error, kept)

    def _paused(self, error: BaseException) -> None:
        waiting = sum(self.pending().values())
        problem = (
            f"counting is paused: {self.path} cannot be written, {_cause(error, self.path)}; "
            f"{waiting} counts wait in memory"
        )
        if self.problem is None:
            log.warning("usage %s", problem)
        self.problem = problem

    def _resumed(self) -> None:
        if self.problem is not None:
            log.info("usage counts: writing to %s again", self.path)
        self.problem = None

    # -- staff -----------------------------------------------------------------------------------
    def clear(self) -> bool:
        """Delete every count (file and memory); False when the file could not be changed."""
        with self._db_lock:
            with self._lock:
                self._pending = {}
            self.dropped = 0
            try:
                connection = _connect(self.path, self.busy_timeout)
                try:
                    connection.execute("DELETE FROM counts")
                finally:
                    connection.close()
            except (sqlite3.Error, OSError) as error:
                self._paused(error)
                return False
        log.info("usage counts cleared by staff")
        return True

    def close(self) -> None:
        """Stop the thread and write what is waiting (the kiosk is closing)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.flush()


# -- reading ----------------------------------------------------------------------------------
@dataclass
class UsageSummary:
    """Counts per day over a period (``first`` to ``last``, local dates)."""

    first: dt.date
    last: dt.date
    daily: dict[tuple[dt.date, str, str], int] = field(default_factory=dict)

    @property
    def days(self) -> list[dt.date]:
        """Every date of the period, oldest first."""
        count = (self.last - self.first).days + 1
        return [self.first + dt.timedelta(days=i) for i in range(count)]

    @property
    def empty(self) -> bool:
        """True when nothing was counted in the period."""
        return not any(self.daily.values())

    def total(self, event: str, detail: str | None = None) -> int:
        """All counts of ``event`` (with ``detail`` if given) in the period."""
        return sum(n for (_, e, d), n in self.daily.items() if e == event and detail in (None, d))

    def topic_opens(self) -> dict[str, dict[str, int]]:
        """Topic id -> {how: opens}, every way of opening (most opened first)."""
        hows = {event: how for how, event in TOPIC_OPENED.items()}
        opens: dict[str, dict[str, int]] = {}
        for (_, event, detail), n in self.daily.items():
            if event in hows:
                per = opens.setdefault(detail, {})
                per[hows[event]] = per.get(hows[event], 0) + n
        return dict(sorted(opens.items(), key=lambda item: (-sum(item[1].values()), item[0])))

    def voice_by_day(self) -> dict[dt.date, dict[str, int]]:
        """Date -> {outcome: requests}, every date of the period."""
        result: dict[dt.date, dict[str, int]] = {day: {} for day in self.days}
        for (day, event, detail), n in self.daily.items():
            if event == "voice" and day in result:
                result[day][detail] = result[day].get(detail, 0) + n
        return result

    def rows(self) -> list[tuple[str, str, str, int]]:
        """(date, event, detail, count) rows, by date then event (for CSV and JSON)."""
        return [
            (day.isoformat(), event, detail, n)
            for (day, event, detail), n in sorted(self.daily.items())
            if n
        ]


def _add_rows(summary: UsageSummary, rows: Iterable[tuple[str, str, str, int]]) -> None:
    for hour, event, detail, n in rows:
        try:
            day = dt.datetime.strptime(hour, _HOUR_FORMAT).date()
        except ValueError:
            continue
        if summary.first <= day <= summary.last:
            key = (day, event, detail)
            summary.daily[key] = summary.daily.get(key, 0) + int(n)


def read_usage(
    path: Path,
    days: int = 30,
    today: dt.date | None = None,
    pending: Mapping[Key, int] | None = None,
) -> UsageSummary:
    """The counts of the last ``days`` days (today included) from ``path``, plus ``pending``
    counts not written yet. A missing file gives an empty summary; a file that cannot be read
    raises ``sqlite3.Error`` or ``OSError``."""
    last = today or dt.date.today()
    first = last - dt.timedelta(days=max(1, days) - 1)
    summary = UsageSummary(first, last)
    if path.exists():
        uri = f"{path.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=0.5)
        try:
            rows = connection.execute(
                "SELECT hour, event, detail, n FROM counts WHERE hour >= ?",
                (first.strftime("%Y-%m-%dT00"),),
            ).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" not in str(error):
                raise
            rows = []
        finally:
            connection.close()
        _add_rows(summary, rows)
    if pending:
        _add_rows(summary, [(*key, n) for key, n in pending.items()])
    return summary
