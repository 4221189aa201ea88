"""Health at a glance: one line per part of the kiosk for the top of the staff screen.

Each line is OK or CHECK (drawn as a green or amber badge with the word, so colour is never the
only cue), a short name and one sentence. The functions take plain data (the content checker's
load, the services' states, files in the state and cache folders) and return a
:class:`HealthLine`; the staff desk gathers them. Pure: no Qt.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.content.loader import ContentLoad
from kiosk.content.model import Topic
from kiosk.content.problems import REVIEW_OVERDUE

#: A crash or caught error this recent makes the crash line CHECK.
RECENT_CRASH = dt.timedelta(days=7)
#: Less free disk than this in the state or cache folder makes the disk line CHECK.
MIN_FREE_BYTES = 500 * 1024 * 1024
#: A self-test older than this is still shown, with a reminder.
SELFTEST_STALE = dt.timedelta(days=1)
#: Only the end of a long crash log is read.
CRASH_LOG_TAIL_BYTES = 256 * 1024

VOICE = "Asking by voice"

_MARKER = re.compile(r"# kiosk (started|stopped|error) (\S+) pid (\d+)(?: (\S+))?")


@dataclass(frozen=True)
class HealthLine:
    """One line: ``ok`` (OK) or not (CHECK), a name ("Content") and what was found."""

    ok: bool
    name: str
    text: str

    @property
    def word(self) -> str:
        """The status word shown with the colour."""
        return "OK" if self.ok else "CHECK"

    def format(self) -> str:
        """``Content: 12 topics, no errors.`` (the word is drawn separately)."""
        return f"{self.name}: {self.text}"


def when(moment: dt.datetime | dt.date, now: dt.datetime | None = None) -> str:
    """A time as staff read it: "today 09:14", "yesterday 17:02", "2 December 2026 09:14"."""
    if not isinstance(moment, dt.datetime):
        return f"{moment.day} {moment:%B %Y}"
    today = (now or dt.datetime.now()).date()
    if moment.date() == today:
        return f"today {moment:%H:%M}"
    if moment.date() == today - dt.timedelta(days=1):
        return f"yesterday {moment:%H:%M}"
    return f"{moment.day} {moment:%B %Y %H:%M}"


def duration(span: dt.timedelta) -> str:
    """``3 days 4 h``, ``2 h 5 min``, ``7 min``."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _size(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.0f} MB"


# -- content -------------------------------------------------------------------------------------
def content_health(
    load: ContentLoad | None,
    topics: Sequence[Topic],
    today: dt.date,
    from_snapshot: bool = False,
) -> HealthLine:
    """Errors, warnings and reviews: overdue ones (with the oldest due date) come from the
    topics' review dates, the warnings from the checker's problem codes."""
    if load is None:
        return HealthLine(False, "Content", "not loaded yet.")
    shown = load.topics if load.ok else tuple(topics)
    overdue = sorted(
        (t for t in shown if t.review_overdue(today)), key=lambda t: t.next_review.last_day()
    )
    upcoming = sorted(
        (t for t in shown if not t.review_overdue(today)), key=lambda t: t.next_review.last_day()
    )
    other_warnings = [p for p in load.warnings if p.code != REVIEW_OVERDUE]
    parts: list[str] = []
    if not load.ok:
        where = "the last good copy" + (" (from the snapshot)" if from_snapshot else "")
        parts.append(
            f"{len(load.errors)} error{'s' if len(load.errors) != 1 else ''} in the last edit; "
            f"patients see {where}"
        )
    else:
        parts.append(f"{len(shown)} topics, no errors")
    if other_warnings:
        n = len(other_warnings)
        parts.append(f"{n} warning{'s' if n != 1 else ''}")
    if overdue:
        oldest = overdue[0]
        parts.append(
            f"{len(overdue)} review{'s' if len(overdue) != 1 else ''} overdue "
            f"(the oldest was due by {oldest.next_review.words()})"
        )
    if upcoming:
        nearest = upcoming[0]
        parts.append(f"next review due by {nearest.next_review.words()}")
    ok = load.ok and not other_warnings and not overdue
    return HealthLine(ok, "Content", "; ".join(parts) + ".")


# -- sound, voice, speech cache ------------------------------------------------------------------
def sound_health(available: bool | None, problem: str = "") -> HealthLine:
    """The speaker: ``available`` None when read aloud is off (no sound is made at all)."""
    if available is None:
        return HealthLine(False, "Sound", "read aloud is off in this kiosk.")
    if available:
        return HealthLine(True, "Sound", "working.")
    return HealthLine(False, "Sound", f"not working: {problem or 'no sound output'}.")


def voice_health(
    enabled: bool,
    available: bool = False,
    problem: str = "",
    engine: str | None = None,
    reason: str = "",
    microphone: str = "",
) -> HealthLine:
    """Asking by voice: the recogniser in use and why, or why there is none."""
    if not enabled:
        return HealthLine(True, VOICE, "turned off in kiosk.toml (voice = false).")
    name = {"vosk": "Vosk", "pocketsphinx": "PocketSphinx"}.get(engine or "", engine or "")
    recogniser = f"; speech recogniser: {reason or name}" if reason or name else ""
    if available:
        mic = f"; microphone: {microphone}" if microphone else ""
        return HealthLine(True, VOICE, f"working{recogniser}{mic}.")
    return HealthLine(False, VOICE, f"not working: {problem or 'not started'}{recogniser}.")


def cache_health(folder: Path | None, problem: str | None, max_bytes: int = 0) -> HealthLine:
    """The speech cache: its problem, or how full it is."""
    if folder is None:
        return HealthLine(False, "Speech cache", "none (read aloud is off).")
    if problem:
        return HealthLine(
            False,
            "Speech cache",
            f"not working, so every sentence is made again: {problem}.",
        )
    count = used = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".wav") and entry.is_file(follow_symlinks=False):
                    count += 1
                    used += entry.stat(follow_symlinks=False).st_size
    except FileNotFoundError:
        pass
    except OSError as error:
        return HealthLine(False, "Speech cache", f"cannot be read: {error}.")
    limit = f" of {_size(max_bytes)}" if max_bytes else ""
    return HealthLine(
        True, "Speech cache", f"working: {count} sentences, {_size(used)}{limit} in {folder}."
    )


# -- self-test -----------------------------------------------------------------------------------
def selftest_health(
    ok: bool | None, verdict: str = "", at: str = "", now: dt.datetime | None = None
) -> HealthLine:
    """The last sound and voice self-test (``ok`` None: never run on this machine)."""
    if ok is None:
        return HealthLine(
            False, "Self-test", "not run yet: press Test sound and voice (about 5 seconds)."
        )
    now = now or dt.datetime.now()
    text = verdict if verdict.endswith((".", "?", "!")) else verdict + "."
    stale = False
    try:
        moment = dt.datetime.fromisoformat(at)
        text += f" Tested {when(moment, now)}."
        stale = now - moment > SELFTEST_STALE
    except ValueError:
        pass
    if ok and stale:
        text += " Run it again to check this morning."
    return HealthLine(ok, "Self-test", text)


# -- crashes and restarts ------------------------------------------------------------------------
@dataclass
class Run:
    """One run of the kiosk as the crash log tells it."""

    started: dt.datetime | None = None
    stopped: dt.datetime | None = None
    fault: str = ""
    """The first line of a hard crash's report (``Fatal Python error: Segmentation fault``)."""
    errors: list[tuple[dt.datetime, str]] = field(default_factory=list)
    """Errors caught by the kiosk (time, exception type): it went back to Home."""


def read_crash_log(path: Path) -> list[Run]:
    """The runs in ``path`` (its last :data:`CRASH_LOG_TAIL_BYTES`), oldest first."""
    try:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - CRASH_LOG_TAIL_BYTES))
            text = stream.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    runs: list[Run] = []
    current: Run | None = None
    for line in text.splitlines():
        marker = _MARKER.fullmatch(line.strip())
        if marker is None:
            if line.strip() and not line.startswith("#"):
                if current is None:
                    current = Run()
                    runs.append(current)
                if not current.fault:
                    current.fault = line.strip()[:200]
            continue
        kind, stamp, _, detail = marker.groups()
        try:
            moment = dt.datetime.fromisoformat(stamp)
        except ValueError:
            continue
        if kind == "started":
            current = Run(started=moment)
            runs.append(current)
        elif current is None:
            current = Run()
            runs.append(current)
        if kind == "stopped":
            current.stopped = moment
        elif kind == "error":
            current.errors.append((moment, detail or "an error"))
    return runs


def crash_health(path: Path, now: dt.datetime | None = None) -> HealthLine:
    """The last crash, caught error or restart, from the crash log at ``path``."""
    now = now or dt.datetime.now()
    runs = read_crash_log(path)
    events: list[tuple[dt.datetime | None, bool, str]] = []  # (when, crash?, what)
    last_restart: tuple[dt.datetime, str] | None = None
    for index, run in enumerate(runs):
        after = runs[index + 1].started if index + 1 < len(runs) else None
        if run.fault:
            moment = after
            if moment is None:
                try:
                    moment = dt.datetime.fromtimestamp(path.stat().st_mtime)
                except OSError:
                    moment = None
            events.append((moment, True, f"the kiosk crashed ({run.fault})"))
        for moment, kind in run.errors:
            events.append((moment, True, f"an error ({kind}) sent the kiosk back to Home"))
        if after is not None:
            if run.fault:
                why = "after the crash"
            elif run.stopped is not None:
                why = "after Exit kiosk"
            else:
                why = "it had been stopped without Exit (by the system, or a power cut)"
            last_restart = (after, why)
    dated = [e for e in events if e[0] is not None]
    crashes = sorted(dated, key=lambda e: e[0] or now)
    undated = [e for e in events if e[0] is None]
    restart = (
        f" Last restart: {when(last_restart[0], now)}, {last_restart[1]}." if last_restart else ""
    )
    if crashes:
        moment, _, what = crashes[-1]
        assert moment is not None
        recent = now - moment <= RECENT_CRASH
        text = f"last crash {when(moment, now)}: {what}."
        if recent:
            text += f" Details in {path.name}."
        return HealthLine(not recent, "Crashes", text + restart)
    if undated:
        return HealthLine(False, "Crashes", f"{undated[-1][2]} (time unknown).{restart}")
    if not runs:
        return HealthLine(True, "Crashes", f"none recorded ({path} is empty or missing).")
    first = next((r.started for r in runs if r.started is not None), None)
    since = f" since {when(first, now)}" if first else ""
    return HealthLine(True, "Crashes", f"none recorded{since}.{restart}")


def uptime_health(started: dt.datetime, now: dt.datetime | None = None) -> HealthLine:
    """How long the kiosk has been running."""
    now = now or dt.datetime.now()
    return HealthLine(
        True, "Uptime", f"running for {duration(now - started)} (since {when(started, now)})."
    )


# -- disk ----------------------------------------------------------------------------------------
def _existing(path: Path) -> Path:
    """``path`` or its nearest folder that exists (a folder not made yet is on that disk)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def disk_health(folders: Mapping[str, Path], min_free: int = MIN_FREE_BYTES) -> HealthLine:
    """Free disk where each named folder ("state", "cache") lives; folders on one disk share a
    figure."""
    by_device: dict[int, tuple[list[str], int]] = {}
    problems: list[str] = []
    for name, folder in folders.items():
        where = _existing(folder)
        try:
            device = where.stat().st_dev
            free = shutil.disk_usage(where).free
        except OSError as error:
            problems.append(f"the {name} folder cannot be checked ({error})")
            continue
        names, _ = by_device.setdefault(device, ([], free))
        names.append(name)
    parts: list[str] = []
    low = False
    for names, free in by_device.values():
        label = " and ".join(names) + (" folders" if len(names) > 1 else " folder")
        parts.append(f"{_size(free)} free for the {label}")
        low = low or free < min_free
    text = "; ".join(parts + problems)
    if low:
        text += f" (less than {_size(min_free)}: counts and speech stop being saved when full)"
    return HealthLine(not low and not problems, "Disk", text + ".")
