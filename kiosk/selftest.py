"""Sound and voice self-test: the speaker says a sentence while the microphone listens.

``python run_kiosk.py selftest [--json]`` and the staff screen's *Test sound and voice*. It asks
the sound server (PulseAudio or PipeWire's pulse server, with ``pactl``) which speaker and
microphone are the defaults, records the microphone (``parec``, 16 kHz mono, into memory only:
microphone audio is never written to disk) for a moment of silence and then while the speaker
plays a spoken request (``paplay``), measures the input level in both (dBFS), and passes what the
microphone heard through the kiosk's own recogniser and matcher. The result ends in one plain
verdict and what to do.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path

RATE = 16000
SENTENCE = "tell me about bone pain"
EXPECTED_TOPIC = "pain"
#: The espeak-ng voice of the test sentence: one PocketSphinx's model understands (the kiosk's
#: British voice is its worst case; the test is of the microphone path, not of that voice).
TEST_VOICE = "en-us+f2"
SILENCE_S = 1.0
FLOOR_DB = -120.0
#: The sentence must be this much louder than the silence for the microphone to "hear" it.
HEARD_MARGIN_DB = 10.0

WORKING = "Sound and voice are working"
RESULT_FILE = "selftest.json"
"""The last result, in the state folder (the command and the staff screen keep it there)."""


@dataclass
class SelfTest:
    """What the self-test found (no audio: levels and words only)."""

    verdict: str = ""
    advice: str = ""
    ok: bool = False
    output_device: str | None = None
    input_device: str | None = None
    speech_db: float | None = None
    silence_db: float | None = None
    heard: str | None = None
    understood: bool = False
    notes: list[str] = field(default_factory=list)
    at: str = ""

    def lines(self) -> list[str]:
        """The result in plain lines (terminal and staff screen)."""

        def level(db: float | None) -> str:
            if db is None:
                return "not measured"
            return "silence" if db <= FLOOR_DB else f"{db:.0f} dB"

        out = [
            # (A verdict that asks a question keeps its question mark alone.)
            self.verdict if self.verdict.endswith(("?", ".")) else f"{self.verdict}.",
            f"Speaker: {self.output_device or 'none'}. Microphone: {self.input_device or 'none'}.",
            f"Input level during the sentence: {level(self.speech_db)}; "
            f"during silence: {level(self.silence_db)}.",
        ]
        if self.heard is not None:
            out.append(
                f"The recogniser {'understood' if self.understood else 'did not understand'} "
                f"the test sentence (heard: {repr(self.heard) if self.heard else 'nothing'})."
            )
        out += self.notes
        if self.advice:
            out.append(f"What to do: {self.advice}")
        return out


def _level_db(pcm: bytes) -> float:
    samples = array("h", pcm[: len(pcm) // 2 * 2])
    if not samples:
        return FLOOR_DB
    rms = math.sqrt(sum(s * s for s in samples) / len(samples))
    return max(FLOOR_DB, 20 * math.log10(rms / 32768)) if rms > 0 else FLOOR_DB


def _loudest_db(pcm: bytes, window: int = RATE // 50) -> float:
    """The 90th percentile of 20 ms levels: speech, not its pauses."""
    levels = sorted(_level_db(pcm[i : i + window * 2]) for i in range(0, len(pcm), window * 2))
    return levels[int(0.9 * (len(levels) - 1))] if levels else FLOOR_DB


def _pactl(*args: str) -> str:
    result = subprocess.run(
        ["pactl", *args], capture_output=True, text=True, timeout=10, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or f"pactl {' '.join(args)} failed")
    return result.stdout


def _device(kind: str, name: str) -> tuple[str, bool, int]:
    """(description, muted, volume percent) of a sink or source, from ``pactl list``."""
    description, muted, volume, current = name, False, 100, False
    for line in _pactl("list", kind).splitlines():
        text = line.strip()
        if text.startswith("Name:"):
            current = text.split(":", 1)[1].strip() == name
        elif current and text.startswith("Description:"):
            description = text.split(":", 1)[1].strip()
        elif current and text.startswith("Mute:"):
            muted = text.endswith("yes")
        elif current and text.startswith("Volume:") and "%" in text:
            volume = int(text.split("%")[0].split()[-1])
    return description, muted, volume


def run_selftest(sentence: str = SENTENCE, content_dir: Path | None = None) -> SelfTest:
    """Run the test (about 5 s) and return what it found."""
    result = SelfTest(at=dt.datetime.now().isoformat(timespec="seconds"))
    missing = [t for t in ("pactl", "parec", "paplay", "espeak-ng") if shutil.which(t) is None]
    if missing:
        result.verdict = "The sound tools are missing (" + ", ".join(missing) + ")"
        result.advice = (
            "install the Debian packages pulseaudio-utils and espeak-ng (make run does)."
        )
        return result
    try:
        info = _pactl("info")
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        result.verdict = "No sound server is running"
        result.advice = (
            "restart the kiosk machine, or start the sound server (PulseAudio) for the kiosk "
            f"user. ({error})"
        )
        return result
    defaults = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in info.splitlines())
    )
    sink, source = defaults.get("Default Sink", ""), defaults.get("Default Source", "")
    sinks = [line.split("\t")[1] for line in _pactl("list", "short", "sinks").splitlines() if line]
    sources = [
        line.split("\t")[1]
        for line in _pactl("list", "short", "sources").splitlines()
        if line and not line.split("\t")[1].endswith(".monitor")
    ]
    if sink not in sinks:
        result.verdict = "No speaker is connected"
        result.advice = "plug the speakers in (and switch them on), then test again."
    if source not in sources:
        result.input_device = None
        result.verdict = (
            "No speaker and no microphone are connected"
            if result.verdict
            else "No microphone is connected"
        )
        result.advice = "plug the microphone in, then test again."
    if result.verdict:
        if sink in sinks:
            result.output_device = _device("sinks", sink)[0]
        return result
    result.output_device, sink_muted, sink_volume = _device("sinks", sink)
    result.input_device, source_muted, source_volume = _device("sources", source)
    if sink_muted or sink_volume == 0:
        result.notes.append("The speaker is muted (or its volume is 0) in the sound settings.")
    if source_muted or source_volume == 0:
        result.notes.append("The microphone is muted (or its volume is 0) in the sound settings.")

    captured = _play_and_record(sentence)
    silence, speech = captured
    result.silence_db = round(_level_db(silence), 1)
    result.speech_db = round(_loudest_db(speech), 1)
    _recognise(result, silence + speech, content_dir)

    heard_sound = result.speech_db >= result.silence_db + HEARD_MARGIN_DB
    if source_muted or (not heard_sound and result.silence_db <= FLOOR_DB and not sink_muted):
        result.verdict = "The microphone hears nothing: is it plugged in and unmuted?"
        result.advice = (
            "check the microphone's cable and its mute switch, and that it is not muted in the "
            "sound settings; then test again."
        )
    elif not heard_sound:
        result.verdict = "The speaker is silent or too quiet for the microphone to hear"
        result.advice = (
            "check that the speakers are switched on, plugged in and not muted, and turn them up; "
            "then test again."
        )
    elif not result.understood:
        result.verdict = "Sound works, but the recogniser did not understand the test sentence"
        result.advice = (
            "the room may be too noisy or the microphone too far from the speaker; asking by "
            "voice may not work well here. Touch keeps working."
        )
    else:
        result.verdict, result.ok = WORKING, True
    return result


def _play_and_record(sentence: str) -> tuple[bytes, bytes]:
    """Record the default microphone (in memory) for a silence, then while the sentence plays."""
    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as tmp:
        wav = Path(tmp) / "sentence.wav"  # the kiosk's own test voice, not microphone audio
        subprocess.run(
            ["espeak-ng", "-v", TEST_VOICE, "-w", str(wav), sentence],
            capture_output=True,
            timeout=30,
            check=True,
        )
        recorder = subprocess.Popen(
            [
                "parec",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=20",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert recorder.stdout is not None
        chunks: list[bytes] = []
        marks: dict[str, int] = {}

        def read() -> None:
            assert recorder.stdout is not None
            while True:
                data = recorder.stdout.read1(4096)  # type: ignore[attr-defined]
                if not data:
                    return
                chunks.append(data)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        # Wait for the first audio, then a second of silence.
        deadline = time.monotonic() + 5
        while not chunks and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(SILENCE_S)
        marks["play"] = sum(map(len, chunks))
        subprocess.run(["paplay", str(wav)], capture_output=True, timeout=30, check=False)
        time.sleep(0.4)
        recorder.terminate()
        recorder.wait(5)
        reader.join(5)
        recorder.stdout.close()
    pcm = b"".join(chunks)
    play = marks["play"] // 2 * 2
    # The first 0.2 s of a new capture can hold the device's start-up: not "silence".
    skip = min(play, int(0.2 * RATE) * 2)
    return pcm[skip:play], pcm[play:]


def _recognise(result: SelfTest, pcm: bytes, content_dir: Path | None) -> None:
    try:
        from kiosk.content.loader import load_content
        from kiosk.listen.hearing import hear_utterance, kiosk_listener
        from kiosk.paths import CONTENT_DIR

        content = load_content(content_dir or CONTENT_DIR).content
        if content is None or content.topic(EXPECTED_TOPIC) is None:
            result.notes.append("The recogniser was not tried: the content has no pain topic.")
            return
        recogniser, matcher, reason, _ = kiosk_listener(content)
        decision = hear_utterance(recogniser, matcher, pcm)
    except Exception as error:  # a recogniser that cannot start is a finding, not a crash
        result.notes.append(f"The speech recogniser could not be tried: {error}.")
        return
    result.heard = decision.heard.transcript
    result.understood = decision.target == EXPECTED_TOPIC
    result.notes.append(f"Speech recogniser: {reason}.")


def save_result(result: SelfTest, path: Path) -> None:
    """Keep the last result (words and levels only) for the staff screen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(result), indent=2), encoding="utf-8")


def load_result(path: Path) -> SelfTest | None:
    """The last saved result, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SelfTest(**data)
    except (OSError, ValueError, TypeError):
        return None
