"""``python run_kiosk.py stats``: the usage counts of a real file, as text, CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from kiosk.core.usage import UsageCounter
from tests.conftest import run_cli


def fill(path: Path) -> None:
    now = dt.datetime.now()
    counter = UsageCounter(path, flush_seconds=0, clock=lambda: now)
    for _ in range(5):
        counter.count("topic-touch", "pain")
    counter.count("topic-voice", "pain")
    counter.count("topic-related", "anaemia")
    counter.count("voice", "acted")
    counter.count("voice", "nothing-heard")
    counter.count("text-size", "150")
    counter.close()
    old = UsageCounter(path, flush_seconds=0, clock=lambda: now - dt.timedelta(days=10))
    old.count("topic-touch", "fatigue")
    old.close()


def test_no_data_yet_is_said_plainly(tmp_path: Path) -> None:
    result = run_cli("stats", "--file", str(tmp_path / "usage.sqlite3"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No usage counted in the last 30 days")
    assert "there is no usage file yet" in result.stdout


def test_text_summary_of_the_last_days(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    fill(path)
    result = run_cli("stats", "--file", str(path), "--days", "7")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["pain", "6"] for line in lines), result.stdout
    assert not any("fatigue" in line for line in lines)  # 10 days ago: outside 7 days
    assert any(line.split() == ["Nothing", "heard", "1"] for line in lines)
    assert any("Text size changed" in line and "150%: 1" in line for line in lines)


def test_csv_and_json_hold_the_same_rows(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    fill(path)
    out = tmp_path / "out" / "usage.csv"
    result = run_cli("stats", "--file", str(path), "--csv", str(out), "--json")
    assert result.returncode == 0, result.stderr
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    record = json.loads(result.stdout)
    assert rows == [{k: str(v) for k, v in r.items()} for r in record["rows"]]
    today = dt.date.today().isoformat()
    assert {"date": today, "event": "topic-touch", "detail": "pain", "count": "5"} in rows
    assert any(r["detail"] == "fatigue" for r in rows)  # 10 days ago: inside 30 days
    assert record["topics"]["pain"] == {"touch": 5, "voice": 1}
    assert record["voice"]["acted"] == 1 and record["voice"]["asked-declined"] == 0
    assert record["from"] <= today == record["to"]


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    result = run_cli("stats", "--file", str(path))
    assert result.returncode == 1
    assert "cannot be read" in result.stderr


def test_days_limits_the_csv_and_json_too(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    fill(path)
    out = tmp_path / "week.csv"
    result = run_cli("stats", "--file", str(path), "--days", "7", "--csv", str(out), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["days"] == 7
    assert dt.date.fromisoformat(record["to"]) - dt.date.fromisoformat(record["from"]) == (
        dt.timedelta(days=6)
    )
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and not any(r["detail"] == "fatigue" for r in rows)  # 10 days ago
    assert not any(r["detail"] == "fatigue" for r in record["rows"])
    assert "fatigue" not in record["topics"]


def test_kiosk_toml_turns_counting_off_and_stats_says_so(tmp_path: Path) -> None:
    import os

    from kiosk.core.settings import load_settings

    config = tmp_path / "config" / "clinic-kiosk" / "kiosk.toml"
    config.parent.mkdir(parents=True)
    config.write_text("usage_counts = false\n")
    settings, problems = load_settings(config)
    assert problems == [] and settings.usage_counts is False
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = run_cli("stats", "--file", str(tmp_path / "usage.sqlite3"), env=env)
    assert result.returncode == 0, result.stderr
    assert "counting is turned off in kiosk.toml" in result.stdout, result.stdout
    # The default is on; a value that is not true or false is reported and leaves it on.
    config.write_text('usage_counts = "no"\n')
    settings, problems = load_settings(config)
    assert settings.usage_counts is True
    assert any("usage_counts" in p for p in problems), problems
    config.write_text("")
    assert load_settings(config)[0].usage_counts is True
    result = run_cli("stats", "--file", str(tmp_path / "usage.sqlite3"), env=env)
    assert "turned off" not in result.stdout, result.stdout
