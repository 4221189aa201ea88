"""The audio test rig itself, on a real (null) PulseAudio server: devices, the recorder's
timeline, transcription, and the fault injections (server killed, microphone unplugged)."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
import wave
from array import array
from pathlib import Path

import pytest

from kiosk.devtools.recorder import SinkRecorder
from kiosk.devtools.rig import RATE, SOUND_RMS, PulseRig, play_into_mic
from kiosk.devtools.speechcheck import TRANSCRIBABLE_VOICE, render_espeak, transcribe, word_recall

SENTENCE = "secondary breast cancer in the bone can cause pain"


def write_tone_wav(path: Path, pattern: list[tuple[float, bool]], rate: int = 22050) -> Path:
    """A WAV of 440 Hz tone (True) and digital silence (False) segments, in seconds."""
    pcm = array("h")
    for seconds, loud in pattern:
        n = round(seconds * rate)
        if loud:
            pcm.extend(int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(n))
        else:
            pcm.extend([0] * n)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return path


def wav_sound_span(path: Path) -> tuple[float, float]:
    """Seconds from the file's start to its first and just after its last non-zero sample."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        pcm = array("h", wav.readframes(wav.getnframes()))
    loud = [i for i, x in enumerate(pcm) if abs(x) > SOUND_RMS]
    return loud[0] / rate, (loud[-1] + 1) / rate


def play_on_speaker(rig: PulseRig, wav: Path) -> tuple[float, float]:
    """``paplay -d kiosk_out``; returns the perf_counter times it was started and ended."""
    started = time.perf_counter()
    subprocess.run(
        ["paplay", "--device=kiosk_out", str(wav)], env=rig.env(), check=True, timeout=30
    )
    return started, time.perf_counter()


def test_server_has_the_kiosk_devices(pulse_rig: PulseRig) -> None:
    assert os.environ["PULSE_SERVER"] == pulse_rig.server
    assert {"kiosk_out", "mic_feed"} <= set(pulse_rig.sinks())
    assert {"kiosk_mic", "kiosk_out_rec", "kiosk_out.monitor"} <= set(pulse_rig.sources())
    info = pulse_rig.pactl("info")
    assert "Default Sink: kiosk_out" in info
    assert "Default Source: kiosk_mic" in info


def test_recorder_timeline(
    pulse_rig: PulseRig, speaker_recorder: SinkRecorder, tmp_path: Path
) -> None:
    """An espeak WAV played with paplay: sound is detected shortly after paplay started, the time
    before it is recorded as exact zeros, and the sound lasts as long as in the file."""
    wav = render_espeak("Welcome to the clinic.", tmp_path / "welcome.wav")
    first_in_file, last_in_file = wav_sound_span(wav)
    rec = speaker_recorder
    assert rec.wait_until_recorded(time.perf_counter() + 0.3)

    started, ended = play_on_speaker(pulse_rig, wav)
    onset = rec.wait_for_sound(started - 0.25)
    assert onset is not None
    assert rec.wait_for_silence(onset, quiet_for=0.2) is not None
    end = rec.last_sound()
    assert end is not None

    offset = onset - started
    print(
        f"\nrecorder: sound detected {offset * 1000:.0f} ms after paplay started "
        f"({(onset - started - first_in_file) * 1000:.0f} ms after the file's first sound was due); "
        f"max delivery lag {rec.max_lag * 1000:.0f} ms"
    )
    assert 0 <= offset < 0.3
    # The quarter second before paplay started was recorded, as exact zeros (digital silence).
    before = rec.samples()[rec.index_of(started - 0.25) : rec.index_of(started)]
    assert len(before) == 0.25 * RATE
    assert not any(before)
    assert rec.is_silent_between(started - 0.25, onset)
    # The timeline keeps real time: the recorded sound lasts as long as the file's.
    assert abs((end - onset) - (last_in_file - first_in_file)) < 0.03
    assert end <= ended + 0.1
    # save_wav is for debugging; check it writes a readable file.
    saved = rec.save_wav(tmp_path / "heard.wav", onset - 0.1, end + 0.1)
    with wave.open(str(saved), "rb") as check:
        assert check.getframerate() == RATE
        assert abs(check.getnframes() / RATE - (end - onset + 0.2)) < 0.01


def test_recorder_timeline_keeps_gaps_between_streams(
    pulse_rig: PulseRig, speaker_recorder: SinkRecorder, tmp_path: Path
) -> None:
    """Silence between two separate playbacks is recorded with its real duration, and a gap
    inside one file is reproduced to the sample window."""
    wav = write_tone_wav(tmp_path / "beeps.wav", [(0.1, True), (0.25, False), (0.1, True)])
    rec = speaker_recorder
    first_start, first_end = play_on_speaker(pulse_rig, wav)
    assert rec.wait_until_recorded(first_end + 0.4)
    second_start, _ = play_on_speaker(pulse_rig, wav)

    onset1 = rec.first_sound_after(first_start - 0.1)
    assert onset1 is not None
    gap_start = rec.last_sound_before(onset1 + 0.2)
    assert gap_start is not None
    inner_gap = rec.first_sound_after(gap_start)
    assert inner_gap is not None
    assert abs((inner_gap - gap_start) - 0.25) < 0.01

    onset2 = rec.wait_for_sound(second_start - 0.05)
    assert onset2 is not None
    drift = (onset2 - onset1) - (second_start - first_start)
    print(f"\nrecorder: two playbacks, timeline error {drift * 1000:+.0f} ms")
    assert abs(drift) < 0.1
    assert rec.is_silent_between(onset1 + 0.45 + 0.02, onset2 - 0.02)


def test_transcribe_espeak_from_the_speaker(
    pulse_rig: PulseRig, speaker_recorder: SinkRecorder, tmp_path: Path
) -> None:
    """What the speaker played can be understood (PocketSphinx, full language model)."""
    wav = render_espeak(SENTENCE, tmp_path / "sentence.wav", voice=TRANSCRIBABLE_VOICE)
    rec = speaker_recorder
    started, _ = play_on_speaker(pulse_rig, wav)
    onset = rec.wait_for_sound(started)
    assert onset is not None
    end = rec.wait_for_silence(onset, quiet_for=0.3)
    assert end is not None
    heard = transcribe(rec.clip(onset - 0.2, end + 0.2))
    recall = word_recall(SENTENCE, heard)
    print(f"\ntranscript: {heard!r}; recall {recall:.0%}")
    assert recall >= 0.4


def test_transcribe_silence_is_empty() -> None:
    assert transcribe(bytes(2 * RATE)) == ""


def test_play_into_mic_reaches_the_kiosk_microphone(pulse_rig: PulseRig, tmp_path: Path) -> None:
    wav = write_tone_wav(tmp_path / "beep.wav", [(0.2, True)])
    with SinkRecorder(pulse_rig, source="kiosk_mic") as mic:
        started = time.perf_counter()
        play_into_mic(pulse_rig, wav)
        assert mic.wait_for_sound(started) is not None


def test_kill_and_restart(pulse_rig: PulseRig, tmp_path: Path) -> None:
    wav = write_tone_wav(tmp_path / "beep.wav", [(0.2, True)])
    socket = pulse_rig.socket_path
    with SinkRecorder(pulse_rig) as before:
        pulse_rig.kill()
        assert not pulse_rig.running
        # The recorder sees its stream end; the recording so far stays readable.
        assert not before.wait_until_recorded(time.perf_counter() + 60, timeout=5)
        assert before.sample_count > 0
    with pytest.raises(RuntimeError, match="pactl info failed"):
        pulse_rig.pactl("info")

    pulse_rig.restart()
    assert pulse_rig.running
    assert pulse_rig.socket_path == socket
    assert os.environ["PULSE_SERVER"] == pulse_rig.server
    assert "kiosk_mic" in pulse_rig.sources()
    with SinkRecorder(pulse_rig) as after:
        started, _ = play_on_speaker(pulse_rig, wav)
        onset = after.wait_for_sound(started)
        assert onset is not None
        assert 0 <= onset - started < 0.3


def test_unplug_and_replug_the_microphone(pulse_rig: PulseRig) -> None:
    try:
        pulse_rig.unload_source("kiosk_mic")
        assert "kiosk_mic" not in pulse_rig.sources()
        assert "kiosk_out_rec" in pulse_rig.sources()
    finally:
        pulse_rig.load_mic()
    assert "kiosk_mic" in pulse_rig.sources()
    assert pulse_rig.pactl("get-default-source").strip() == "kiosk_mic"
    with pytest.raises(LookupError):
        pulse_rig.unload_source("no_such_source")


def test_a_second_rig_restores_the_environment_and_cleans_up(pulse_rig: PulseRig) -> None:
    outer = os.environ["PULSE_SERVER"]
    with PulseRig() as inner:
        assert os.environ["PULSE_SERVER"] == inner.server != outer
        folder = inner.folder
        assert inner.running
    assert os.environ["PULSE_SERVER"] == outer
    assert not folder.exists()
    assert not inner.running


def test_missing_pulseaudio_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda tool, *a, **k: None if tool == "pulseaudio" else real_which(tool)
    )
    with pytest.raises(
        RuntimeError, match="install the Debian packages pulseaudio and pulseaudio-utils"
    ):
        PulseRig().start()


@pytest.mark.parametrize(
    ("expected", "heard", "recall"),
    [
        (SENTENCE, SENTENCE, 1.0),
        (SENTENCE, "", 0.0),
        ("The pain, in the BONE!", "bone pains", 0.5),
        ("Call 0808 800 6000.", "call zero eight", 0.25),
    ],
)
def test_word_recall(expected: str, heard: str, recall: float) -> None:
    assert word_recall(expected, heard) == pytest.approx(recall)
