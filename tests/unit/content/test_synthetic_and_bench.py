"""Generated content loads, and the bench command reports the content figure."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.content import load_content
from kiosk.content.synthetic import generate_topics
from tests.conftest import SEED, run_cli


def test_generated_topics_load_without_errors(tmp_path: Path) -> None:
    generate_topics(SEED, tmp_path, 60)
    load = load_content(tmp_path)
    assert load.errors == ()
    assert len(load.topics) == 60


def test_bench_content_reports_load_1000_ms() -> None:
    result = run_cli("bench", "content", "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["content.load_1000_ms"] > 0
    assert figures["content.runs"] >= 5
    # The host's speed at the start and the end of the run, to compare runs by.
    for label in ("start", "end"):
        assert figures[f"host.loop_ms_{label}"] > 0
        assert figures[f"host.load_1m_{label}"] >= 0


def test_bench_rejects_an_unknown_suite() -> None:
    result = run_cli("bench", "nope", timeout=60)
    assert result.returncode == 2
    assert "unknown benchmark suite" in result.stderr
