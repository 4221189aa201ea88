"""Health at a glance: each line's states, from real files (content folders, crash logs, the
self-test result, folders on disk)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from kiosk.content.loader import load_content
from kiosk.core import health
from kiosk.selftest import SelfTest, load_result, save_result

NOW = dt.datetime(2026, 12, 2, 10, 30)


# -- content ---------------------------------------------------------------------------------------
def test_content_ok_names_the_nearest_review_date(seed_copy: Path) -> None:
    today = dt.date(2016, 6, 1)  # every seed topic is due for review by the end of 2017
    load = load_content(seed_copy, today=today)
    line = health.content_health(load, load.topics, today)
    assert line.ok and line.word == "OK"
    assert line.format().startswith("Content: 10 topics, no errors;")
    assert line.text.endswith("; next review due by 2017.")
    assert "overdue" not in line.text


def test_content_with_an_overdue_review_says_how_many_and_the_oldest_date(
    seed_copy: Path,
) -> None:
    today = dt.date(2018, 1, 1)
    pain = seed_copy / "en" / "pain.md"
    pain.write_text(
        pain.read_text(encoding="utf-8").replace("next_review: 2017", "next_review: 2016-03"),
        encoding="utf-8",
    )
    for other in (seed_copy / "en").glob("*.md"):  # the others are due in 2019: not overdue
        if other != pain:
            text = other.read_text(encoding="utf-8")
            other.write_text(text.replace("next_review: 2017", "next_review: 2019"), "utf-8")
    load = load_content(seed_copy, today=today)
    assert load.ok
    line = health.content_health(load, load.topics, today)
    assert not line.ok and line.word == "CHECK"
    assert "1 review overdue (the oldest was due by March 2016)" in line.text
    assert "next review due by 2019" in line.text
    assert "warning" not in line.text  # the overdue review is not also counted as a warning


def test_content_warnings_other_than_reviews_are_counted(seed_copy: Path) -> None:
    today = dt.date(2016, 6, 1)
    pain = seed_copy / "en" / "pain.md"
    text = pain.read_text(encoding="utf-8")
    pain.write_text(
        re.sub(r"phrases:\n(  - .*\n)+", "phrases:\n  - my bones hurt\n", text), encoding="utf-8"
    )
    load = load_content(seed_copy, today=today)
    assert load.ok and load.warnings
    line = health.content_health(load, load.topics, today)
    assert not line.ok
    assert "10 topics, no errors; 1 warning;" in line.text


def test_content_errors_say_patients_see_the_last_good_copy(seed_copy: Path) -> None:
    today = dt.date(2016, 6, 1)
    good = load_content(seed_copy, today=today)
    pain = seed_copy / "en" / "pain.md"
    pain.write_text(
        pain.read_text(encoding="utf-8").replace("urgency: normal", "urgency: high"), "utf-8"
    )
    load = load_content(seed_copy, today=today)
    assert not load.ok
    line = health.content_health(load, good.topics, today)
    assert not line.ok
    assert re.match(r"\d+ errors? in the last edit; patients see the last good copy;", line.text)
    assert health.content_health(None, (), today).word == "CHECK"


# -- sound, voice, cache -----------------------------------------------------------------------
def test_sound_and_voice_lines() -> None:
    assert health.sound_health(True).format() == "Sound: working."
    off = health.sound_health(False, "no sound output device")
    assert not off.ok and off.text == "not working: no sound output device."
    assert not health.sound_health(None).ok

    working = health.voice_health(
        True, True, "", "pocketsphinx", "using PocketSphinx (no Vosk model)", "KioskMicrophone"
    )
    assert working.ok
    assert working.format() == (
        "Asking by voice: working; speech recogniser: using PocketSphinx (no Vosk model); "
        "microphone: KioskMicrophone."
    )
    broken = health.voice_health(True, False, "no microphone is connected", None, "")
    assert not broken.ok and broken.text == "not working: no microphone is connected."
    turned_off = health.voice_health(False)
    assert turned_off.ok and "turned off in kiosk.toml" in turned_off.text


def test_speech_cache_line_counts_the_real_folder(tmp_path: Path) -> None:
    folder = tmp_path / "speech"
    assert health.cache_health(folder, None).ok  # not made yet: nothing cached
    folder.mkdir()
    for n in range(3):
        (folder / f"{n:064x}.wav").write_bytes(b"\0" * 1024 * 1024)
    (folder / "notes.txt").write_text("not audio", "utf-8")
    line = health.cache_health(folder, None, 200 * 1024 * 1024)
    assert line.ok
    assert line.text == f"working: 3 sentences, 3 MB of 200 MB in {folder}."
    broken = health.cache_health(folder, "[Errno 28] No space left on device")
    assert not broken.ok and "No space left on device" in broken.text
    assert not health.cache_health(None, None).ok


# -- self-test ---------------------------------------------------------------------------------
def test_selftest_line_from_the_saved_result(tmp_path: Path) -> None:
    assert not health.selftest_health(None).ok
    assert "not run yet" in health.selftest_health(None).text
    path = tmp_path / "selftest.json"
    save_result(
        SelfTest(verdict="Sound and voice are working", ok=True, at="2026-12-02T08:05:00"), path
    )
    saved = load_result(path)
    assert saved is not None
    line = health.selftest_health(saved.ok, saved.verdict, saved.at, NOW)
    assert line.ok
    assert line.format() == "Self-test: Sound and voice are working. Tested today 08:05."
    old = health.selftest_health(True, saved.verdict, "2026-11-20T08:05:00", NOW)
    assert old.ok and "Tested 20 November 2026 08:05. Run it again" in old.text
    failed = health.selftest_health(
        False, "The microphone hears nothing: is it plugged in and unmuted?", saved.at, NOW
    )
    assert not failed.ok
    assert failed.text.startswith("The microphone hears nothing: is it plugged in and unmuted?")


# -- crashes and restarts ----------------------------------------------------------------------
FAULT = """Fatal Python error: Segmentation fault

Current thread 0x00007f0a (most recent call first):
  File "/opt/kiosk/kiosk/listen/process.py", line 98 in close
"""


def _log(path: Path, *parts: str) -> Path:
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_no_crash_log_and_a_quiet_log(tmp_path: Path) -> None:
    missing = health.crash_health(tmp_path / "crash.log", NOW)
    assert missing.ok and "none recorded" in missing.text
    quiet = _log(
        tmp_path / "crash.log",
        "# kiosk started 2026-11-30T08:00:00 pid 10\n",
        "# kiosk stopped 2026-11-30T18:00:00 pid 10\n",
        "# kiosk started 2026-12-01T08:00:00 pid 11\n",
    )
    line = health.crash_health(quiet, NOW)
    assert line.ok
    assert line.text == (
        "none recorded since 30 November 2026 08:00. "
        "Last restart: yesterday 08:00, after Exit kiosk."
    )


def test_a_recent_hard_crash_is_check_with_the_restart_time(tmp_path: Path) -> None:
    path = _log(
        tmp_path / "crash.log",
        "# kiosk started 2026-12-01T08:00:00 pid 10\n",
        FAULT,
        "# kiosk started 2026-12-02T09:14:00 pid 11\n",
    )
    line = health.crash_health(path, NOW)
    assert not line.ok and line.word == "CHECK"
    assert line.text == (
        "last crash today 09:14: the kiosk crashed (Fatal Python error: Segmentation fault). "
        "Details in crash.log. Last restart: today 09:14, after the crash."
    )
    # A week later the same crash is history: OK, and still named.
    later = health.crash_health(path, NOW + dt.timedelta(days=8))
    assert later.ok and "last crash 2 December 2026 09:14" in later.text


def test_a_caught_error_and_an_unexpected_stop(tmp_path: Path) -> None:
    path = _log(
        tmp_path / "crash.log",
        "# kiosk started 2026-12-01T08:00:00 pid 10\n",
        # no "stopped": the machine lost power, or the system stopped the kiosk
        "# kiosk started 2026-12-02T07:59:00 pid 11\n",
        "# kiosk error 2026-12-02T10:02:00 pid 11 KeyError\n",
    )
    line = health.crash_health(path, NOW)
    assert not line.ok
    assert line.text.startswith(
        "last crash today 10:02: an error (KeyError) sent the kiosk back to Home. Details in"
    )
    assert "Last restart: today 07:59, it had been stopped without Exit" in line.text


def test_a_crash_report_before_any_marker(tmp_path: Path) -> None:
    path = _log(tmp_path / "crash.log", FAULT)  # a crash log from before the markers
    stamp = NOW.timestamp() - 3600
    os.utime(path, (stamp, stamp))
    line = health.crash_health(path, NOW)
    assert not line.ok and "Segmentation fault" in line.text and "today 09:30" in line.text


def test_the_kiosk_writes_the_markers(tmp_path: Path) -> None:
    from kiosk import logsetup

    logsetup.setup_logging(tmp_path / "log")
    try:
        logsetup.mark_crash_log("error", "ValueError")
        logsetup.mark_crash_log("stopped")
    finally:
        logsetup.stop_logging()  # the crash log and the log handlers must not outlive the test
    runs = health.read_crash_log(tmp_path / "log" / "crash.log")
    assert len(runs) == 1
    assert runs[0].started is not None and runs[0].stopped is not None
    assert [kind for _, kind in runs[0].errors] == ["ValueError"]
    assert not runs[0].fault


# -- uptime and disk ---------------------------------------------------------------------------
def test_uptime_line() -> None:
    line = health.uptime_health(NOW - dt.timedelta(days=2, hours=3, minutes=5), NOW)
    assert line.ok
    assert line.format() == "Uptime: running for 2 days 3 h (since 30 November 2026 07:25)."
    short = health.uptime_health(NOW - dt.timedelta(minutes=7), NOW)
    assert short.text == "running for 7 min (since today 10:23)."


def test_disk_line_for_the_state_and_cache_folders(tmp_path: Path) -> None:
    state, cache = tmp_path / "state", tmp_path / "cache" / "speech"
    state.mkdir()  # the cache folder is not made yet: its disk is still checked
    line = health.disk_health({"state": state, "cache": cache})
    assert line.ok, line.text
    assert re.fullmatch(r"[\d.]+ (GB|MB) free for the state and cache folders\.", line.text), (
        line.text
    )
    low = health.disk_health({"state": state, "cache": cache}, min_free=2**62)
    assert not low.ok and "less than" in low.text
