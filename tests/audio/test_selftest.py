"""``python run_kiosk.py selftest`` on the real rig: the speaker's monitor is routed into the
microphone, so the test hears what it plays; then the faults it must name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devtools.rig import MIC_FEED_SINK, SPEAKER_SINK, PulseRig
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def routed(pulse_rig: PulseRig) -> Iterator[PulseRig]:
    """The speaker heard by the microphone (as in a room), for the length of a test."""
    module = pulse_rig.pactl(
        "load-module",
        "module-loopback",
        f"source={SPEAKER_SINK}.monitor",
        f"sink={MIC_FEED_SINK}",
        "latency_msec=20",
    ).strip()
    yield pulse_rig
    if pulse_rig.running:
        pulse_rig.pactl("unload-module", module)


def selftest(rig: PulseRig, tmp_path: Path) -> tuple[int, dict]:
    env = {**rig.env(), "XDG_STATE_HOME": str(tmp_path / "state")}
    result = run_cli("selftest", "--json", env=env)
    record = json.loads(result.stdout)
    saved = json.loads((tmp_path / "state" / "clinic-kiosk" / "selftest.json").read_text())
    assert saved == record  # kept for the staff screen: words and levels, no audio
    return result.returncode, record


def test_selftest_passes_when_the_microphone_hears_the_speaker(
    routed: PulseRig, tmp_path: Path
) -> None:
    status, record = selftest(routed, tmp_path)
    assert record["verdict"] == "Sound and voice are working", record
    assert status == 0 and record["ok"]
    assert record["output_device"] == "KioskSpeaker"
    assert record["input_device"] == "KioskMicrophone"
    assert record["speech_db"] > record["silence_db"] + 10
    assert record["understood"] and "pain" in record["heard"]
    # Nothing of the microphone is kept on disk.
    assert [p.name for p in (tmp_path / "state" / "clinic-kiosk").iterdir()] == ["selftest.json"]


def test_a_muted_speaker_is_named(routed: PulseRig, tmp_path: Path) -> None:
    routed.pactl("set-sink-mute", SPEAKER_SINK, "1")
    try:
        status, record = selftest(routed, tmp_path)
    finally:
        routed.pactl("set-sink-mute", SPEAKER_SINK, "0")
    assert status == 1
    assert record["verdict"] == "The speaker is silent or too quiet for the microphone to hear"
    assert "The speaker is muted (or its volume is 0) in the sound settings." in record["notes"]


def test_a_speaker_not_routed_to_the_microphone_is_too_quiet(
    pulse_rig: PulseRig, tmp_path: Path
) -> None:
    # Nothing carries the speaker's sound to the microphone: it hears the quiet room only.
    status, record = selftest(pulse_rig, tmp_path)
    assert status == 1
    assert record["verdict"] in (
        "The speaker is silent or too quiet for the microphone to hear",
        "The microphone hears nothing: is it plugged in and unmuted?",
    )


def test_a_muted_microphone_hears_nothing(routed: PulseRig, tmp_path: Path) -> None:
    routed.pactl("set-source-mute", "kiosk_mic", "1")
    try:
        status, record = selftest(routed, tmp_path)
    finally:
        routed.pactl("set-source-mute", "kiosk_mic", "0")
    assert status == 1
    assert record["verdict"] == "The microphone hears nothing: is it plugged in and unmuted?"


def test_an_unplugged_microphone_is_named(routed: PulseRig, tmp_path: Path) -> None:
    routed.unplug_microphones()
    try:
        status, record = selftest(routed, tmp_path)
    finally:
        routed.plug_microphones()
    assert status == 1
    assert record["verdict"] == "No microphone is connected"
    assert record["input_device"] is None and record["output_device"] == "KioskSpeaker"


def test_a_stopped_sound_server_is_named(pulse_rig: PulseRig, tmp_path: Path) -> None:
    pulse_rig.kill()
    try:
        status, record = selftest(pulse_rig, tmp_path)
    finally:
        pulse_rig.restart()
    assert status == 1
    assert record["verdict"] == "No sound server is running"
    assert "sound server" in record["advice"]
