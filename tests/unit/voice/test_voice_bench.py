"""``bench voice`` in quick mode: a small generated set through the kiosk's recogniser and
matcher, with every figure reported per engine and per half."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk.devtools.voiceset import CONDITIONS, HALVES, PHRASINGS, clips
from kiosk.voice.commands import COMMAND_PHRASES
from tests.conftest import run_cli

FIGURES = (
    "accuracy_clean",
    "accuracy_snr10",
    "accuracy_snr5",
    "confirm_rate",
    "false_action_rate",
    "reject_rate",
    "latency_ms_p50",
    "latency_ms_p95",
)


def test_the_set_covers_every_topic_and_command_in_both_halves() -> None:
    from kiosk.content.loader import load_content
    from kiosk.paths import CONTENT_DIR

    content = load_content(CONTENT_DIR).content
    assert content is not None
    wanted = {f"topic:{t.id}" for t in content.topics} | {f"command:{c}" for c in COMMAND_PHRASES}
    for half in HALVES:
        labels = {expected for expected, _ in PHRASINGS[half]}
        assert wanted | {"none"} == labels, half
    dev = {text for _, text in PHRASINGS["dev"]}
    heldout = {text for _, text in PHRASINGS["heldout"]}
    assert not dev & heldout
    # Not the content's own phrases nor the command phrasings.
    listed = {p for t in content.topics for p in t.phrases} | {
        p for phrasings in COMMAND_PHRASES.values() for p in phrasings
    }
    assert not (dev | heldout) & listed
    everything = clips()
    assert len(everything) >= 300
    assert {c.condition for c in everything} == set(CONDITIONS)
    assert not {c.voice for c in everything if c.half == "dev"} & {
        c.voice for c in everything if c.half == "heldout"
    }


@pytest.mark.slow
def test_bench_voice_quick_reports_every_figure(tmp_path: Path) -> None:
    env = dict(os.environ, KIOSK_BENCH_QUICK="1")
    result = run_cli("bench", "voice", "--json", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["voice.engine"] == "pocketsphinx"
    assert figures["voice.pocketsphinx.available"] == 1
    assert figures["voice.vosk.available"] == 0
    assert "Vosk model not installed" in figures["voice.vosk.unavailable_reason"]
    for name in FIGURES:
        for key in (f"voice.{name}", f"voice.pocketsphinx.{name}"):
            assert figures[key] >= 0, key
        for half in HALVES:
            assert f"voice.pocketsphinx.{half}.{name}" in figures
    for name in FIGURES[:6]:
        assert figures[f"voice.{name}"] <= 1
    assert figures["voice.clips"] >= 20
