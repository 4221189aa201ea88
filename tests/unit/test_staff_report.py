"""The staff screen's lines from the kiosk's parts, without a window (the real staff screen is
tested in tests/ui/test_health_staff.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from kiosk.content.problems import REVIEW_OVERDUE, Problem, Severity
from kiosk.core.health import HealthLine
from kiosk.staff_report import report_lines, voice_details

NOW = dt.datetime(2026, 12, 2, 9, 14)


def parts(**changes: Any) -> dict[str, Any]:
    """report_lines' arguments for a healthy kiosk with no speech or voice, and ``changes``."""
    load = SimpleNamespace(ok=True, errors=(), warnings=())
    content = SimpleNamespace(topics=(1, 2, 3), folder=Path("content/en"))
    args: dict[str, Any] = {
        "health_lines": [HealthLine(True, "Content", "3 topics, no errors.")],
        "store": SimpleNamespace(last_load=load, current=content),
        "selftest_running": False,
        "selftest_lines": [],
        "notice": "",
        "staff_pin": SimpleNamespace(problem=""),
        "usage": None,
        "speech": None,
        "voice": None,
        "unknown_words": [],
        "log_transcripts": False,
        "screen": [],
        "now": NOW,
    }
    return args | changes


def test_a_healthy_kiosk_shows_its_health_what_it_shows_and_when_it_was_checked() -> None:
    assert report_lines(**parts()) == [
        ("ok", "Content: 3 topics, no errors."),
        ("body", "Showing 3 topics from content/en."),
        ("meta", "Checked 02 December 2026 09:14."),
    ]


def test_overdue_reviews_are_told_apart_from_other_warnings_by_their_code() -> None:
    def warning(message: str, code: str = "") -> Problem:
        return Problem("content/en/pain.md", 3, "review", message, Severity.WARNING, code)

    overdue = warning("the review is 40 days overdue", REVIEW_OVERDUE)
    other = warning("review overdue is in this message, but it is not the kind")
    store = SimpleNamespace(
        last_load=SimpleNamespace(ok=True, errors=(), warnings=(overdue, other)), current=None
    )
    lines = report_lines(**parts(store=store))
    assert lines[1:5] == [
        ("heading", "Reviews overdue (1):"),
        ("meta", overdue.format()),
        ("heading", "Warnings (1):"),
        ("meta", other.format()),
    ]


def test_the_details_come_in_their_order() -> None:
    error = Problem("content/en/pain.md", 4, "urgency", 'urgency is "high"')
    store = SimpleNamespace(
        last_load=SimpleNamespace(ok=False, errors=(error,), warnings=()), current=None
    )
    lines = report_lines(
        **parts(
            store=store,
            selftest_running=True,
            selftest_lines=["Testing sound and voice"],
            notice="Content reloaded.",
            staff_pin=SimpleNamespace(problem="the PIN file cannot be read"),
            usage=SimpleNamespace(problem="the disk is full", notice="counts were dropped"),
            speech=SimpleNamespace(profile_problems=["voices/en.toml:3: rate is not a number"]),
            voice=object(),
            unknown_words=["metastasis"],
            screen=[("meta", "Screen: 1920 x 1080.")],
        )
    )
    assert [text for _, text in lines[1:]] == [
        "Sound and voice self-test:",
        "Testing sound and voice",
        "Content reloaded.",
        "Staff PIN: the PIN file cannot be read",
        "Usage counts: the disk is full (see Use).",
        "Usage counts: counts were dropped",
        "The last edit has 1 errors, so patients still see the last good content:",
        error.format(),
        "The voice profile has problems; the built-in voice settings are used:",
        "voices/en.toml:3: rate is not a number",
        "Words the recogniser cannot hear: metastasis.",
        "What patients say is not written to the log.",
        "Screen: 1920 x 1080.",
        "Checked 02 December 2026 09:14.",
    ]


def test_the_log_policy_is_said_either_way() -> None:
    assert voice_details([], True) == [
        ("meta", "What patients say is written to the log (log_transcripts = true).")
    ]
