"""What the staff screens say. The staff screen: health at a glance (one OK/CHECK line per part
of the kiosk), then the details: notices, the self-test, content errors, overdue reviews and
warnings, the voice profile, words the recogniser cannot hear, the log policy, the screen. The
Use page: the usage counts' figures.

The functions read the kiosk's parts (content store, speech, voice input, usage counter) and
return what to show; the staff desk (``kiosk/staff_desk.py``) calls them when a staff screen is
rendered.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.content.model import Topic
from kiosk.content.problems import REVIEW_OVERDUE, Problem
from kiosk.core import health
from kiosk.core.usage import (
    OTHER_LABELS,
    VOICE_OUTCOME_LABELS,
    UsageSummary,
    read_usage,
)
from kiosk.ui.staff_tools import Bar, UsageView

if TYPE_CHECKING:
    from kiosk.content.store import ContentStore
    from kiosk.core.pin import StaffPin
    from kiosk.core.usage import UsageCounter
    from kiosk.listen.client import VoiceInput
    from kiosk.play.read_aloud import ReadAloud

Line = tuple[str, str]
"""(style, text): style "ok" or "check" (a health line), "heading", "body" or "meta"."""


def health_lines(
    store: ContentStore,
    speech: ReadAloud | None,
    voice: VoiceInput | None,
    *,
    state_folder: Path | None,
    started: dt.datetime,
    selftest_result: object,
    now: dt.datetime,
) -> list[health.HealthLine]:
    """Health at a glance: one OK/CHECK line per part of the kiosk (top of the staff screen).
    ``selftest_result``: this run's last SelfTest, if any (else the one saved in
    ``state_folder``)."""
    content = store.current
    lines = [
        health.content_health(
            store.last_load,
            content.topics if content is not None else (),
            now.date(),
            store.from_snapshot,
        )
    ]
    if speech is None:
        lines.append(health.sound_health(None))
    else:
        lines.append(health.sound_health(speech.sound_available, speech.sound_problem))
    if voice is None:
        lines.append(health.voice_health(False))
    else:
        lines.append(
            health.voice_health(
                True,
                voice.available,
                voice.problem,
                voice.engine,
                voice.engine_reason,
                voice.microphone,
            )
        )
    cache = speech.cache if speech is not None else None
    lines.append(
        health.cache_health(
            cache.folder if cache is not None else None,
            speech.cache_problem if speech is not None else None,
            cache.max_bytes if cache is not None else 0,
        )
    )
    lines.append(_selftest_health(selftest_result, state_folder, now))
    if state_folder is not None:
        lines.append(health.crash_health(state_folder / "log" / "crash.log", now))
    lines.append(health.uptime_health(started, now))
    folders = {"state": state_folder} if state_folder is not None else {}
    if cache is not None:
        folders["cache"] = cache.folder
    if folders:
        lines.append(health.disk_health(folders))
    return lines


def _selftest_health(
    result: object, state_folder: Path | None, now: dt.datetime
) -> health.HealthLine:
    from kiosk.selftest import RESULT_FILE, SelfTest, load_result

    if result is None and state_folder is not None:
        result = load_result(state_folder / RESULT_FILE)
    if not isinstance(result, SelfTest):
        return health.selftest_health(None)
    return health.selftest_health(result.ok, result.verdict, result.at, now)


def report_lines(
    health_lines: Sequence[health.HealthLine],
    store: ContentStore,
    *,
    selftest_running: bool,
    selftest_lines: Sequence[str],
    notice: str,
    staff_pin: StaffPin,
    usage: UsageCounter | None,
    speech: ReadAloud | None,
    voice: VoiceInput | None,
    unknown_words: Sequence[str],
    log_transcripts: bool,
    screen: Sequence[Line],
    now: dt.datetime,
) -> list[Line]:
    """The staff screen's lines: ``health_lines``, then the details: the self-test (running or
    its ``selftest_lines``), the staff ``notice``, PIN and usage problems, content errors,
    overdue reviews and warnings, voice profile problems, the voice details, the ``screen``'s
    own report, and when it was checked."""
    lines: list[Line] = [("ok" if line.ok else "check", line.format()) for line in health_lines]
    if selftest_running or selftest_lines:
        lines.append(("heading", "Sound and voice self-test:"))
        lines += [("meta", text) for text in selftest_lines]
    if notice:
        lines.append(("body", notice))
    if staff_pin.problem:
        lines.append(("body", f"Staff PIN: {staff_pin.problem}"))
    if usage is not None and usage.problem:
        lines.append(("body", f"Usage counts: {usage.problem} (see Use)."))
    if usage is not None and usage.notice:
        lines.append(("body", f"Usage counts: {usage.notice}"))
    load = store.last_load
    content = store.current
    if content is not None:
        lines.append(("body", f"Showing {len(content.topics)} topics from {content.folder}."))
    if load is not None:
        if not load.ok:
            lines.append(
                (
                    "heading",
                    f"The last edit has {len(load.errors)} errors, so patients still see the "
                    "last good content:",
                )
            )
            lines += [("meta", p.format()) for p in load.errors]
        overdue = [p for p in load.warnings if p.code == REVIEW_OVERDUE]
        other: list[Problem] = [p for p in load.warnings if p.code != REVIEW_OVERDUE]
        if overdue:
            lines.append(("heading", f"Reviews overdue ({len(overdue)}):"))
            lines += [("meta", p.format()) for p in overdue]
        if other:
            lines.append(("heading", f"Warnings ({len(other)}):"))
            lines += [("meta", p.format()) for p in other]
    if speech is not None and speech.profile_problems:
        lines.append(
            ("heading", "The voice profile has problems; the built-in voice settings are used:")
        )
        lines += [("meta", text) for text in speech.profile_problems]
    if voice is not None:
        lines += voice_details(unknown_words, log_transcripts)
    lines += screen
    lines.append(("meta", f"Checked {now:%d %B %Y %H:%M}."))
    return lines


def voice_details(unknown_words: Sequence[str], log_transcripts: bool) -> list[Line]:
    """Details under the health lines: words the recogniser cannot hear, the log policy."""
    lines: list[Line] = []
    if unknown_words:
        words = ", ".join(unknown_words)
        lines.append(("meta", f"Words the recogniser cannot hear: {words}."))
    lines.append(
        (
            "meta",
            "What patients say is written to the log (log_transcripts = true)."
            if log_transcripts
            else "What patients say is not written to the log.",
        )
    )
    return lines


USE_HOW_SHORT = {
    "touch": "touch",
    "voice": "voice",
    "related": "related topic",
    "emergency-panel": "emergency page",
}
"""How a topic was opened, as the Use page's bars say it."""


def usage_view(
    usage: UsageCounter | None, topics: Sequence[Topic], notice: str = "", days: int = 30
) -> UsageView:
    """The Use page's figures: the last ``days`` days, counts not yet written included;
    ``notice`` (such as "Usage counts cleared.") first among the notes."""
    notes: list[tuple[bool, str]] = []
    working = ""
    if notice:
        notes.append((True, notice))
    summary = UsageSummary(dt.date.today() - dt.timedelta(days=days - 1), dt.date.today())
    if usage is not None:
        try:
            summary = read_usage(usage.path, days, pending=usage.pending())
        except (sqlite3.Error, OSError) as error:
            notes.append((False, f"The usage counts cannot be read: {error}."))
        if usage.problem:
            notes.append((False, f"Usage counting: {usage.problem}."))
        if usage.notice:
            notes.append((False, usage.notice))
        if not usage.problem:
            working = f"Counting: working (saved in {usage.path})."
    titles = {t.id: t.title for t in topics}
    bars = [
        Bar(
            titles.get(topic_id, topic_id),
            sum(hows.values()),
            "(" + ", ".join(f"{USE_HOW_SHORT.get(h, h)} {n}" for h, n in hows.items() if n) + ")",
        )
        for topic_id, hows in summary.topic_opens().items()
    ]
    return UsageView(
        first=summary.first,
        last=summary.last,
        topics=bars,
        days=summary.days,
        voice_by_day=summary.voice_by_day(),
        voice_series=VOICE_OUTCOME_LABELS,
        other=[(label, summary.total(event)) for event, label in OTHER_LABELS.items()],
        notes=notes,
        counting=usage is not None,
        working=working,
    )
