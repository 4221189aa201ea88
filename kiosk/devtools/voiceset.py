"""The voice bench: spoken requests made with the kiosk's own TTS engine, and how well the kiosk
understands them (``python run_kiosk.py bench voice``).

The set is generated at bench time, never committed: espeak-ng (the engine behind the kiosk's
pyttsx3 voice) speaks natural phrasings of every topic and command and out-of-scope requests, with
several English voices and variants, rates and pitches. Each phrasing is heard three ways:

- ``clean``: low-level room tone (pink noise 45 dB below the speech) before, during and after;
- ``snr10`` and ``snr5``: room noise at 10 / 5 dB SNR (speech power over the speech itself vs the
  noise over the same stretch), heard before, during and after the request, as a push-to-talk
  microphone hears the room: other people talking (babble of several espeak voices saying
  unrelated sentences), pink or brown noise, mains hum, and mixtures.

Every clip has 0.5-1.5 s of room before and after the speech. The set has two halves with
different phrasings, voices, babble sentences and noise seeds: ``dev`` (used for tuning) and
``heldout`` (only reported). The phrasings here were written as patients talk; they are not the
content's ``phrases`` nor the command phrasings, and phrase lists are not tuned to them.

Clips are cached as WAV files under the user cache folder (``voice-bench/<key>``, where the key
hashes this file and the espeak-ng version), so reruns only decode.

Each clip goes through exactly the kiosk's recogniser and matcher
(:func:`kiosk.voice.hearing.hear_utterance`, the ``hear`` command's code path).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kiosk.devtools.stats import percentile
from kiosk.voice.audio import read_wav_16k

RATE: Final = 16000
HALVES: Final = ("dev", "heldout")
CONDITIONS: Final = ("clean", "snr10", "snr5")
SNR_DB: Final = {"clean": 45.0, "snr10": 10.0, "snr5": 5.0}
ENGINES: Final = ("pocketsphinx", "vosk")

Progress = Callable[[str], None] | None

# --- the phrasings -----------------------------------------------------------------------------
# (expected, text): expected is "topic:<id>", "command:<name>" or "none" (out of scope).

_DEV: Final = """
topic:anaemia | am i anaemic
topic:anaemia | my blood count is low
topic:anaemia | i look pale and i get breathless
topic:bone-changes | how does the cancer change my bones
topic:bone-changes | what do osteoclasts do
topic:bone-changes | why do bones get damaged
topic:fatigue | i'm so tired
topic:fatigue | i am exhausted all day
topic:fatigue | why do i feel worn out
topic:fracture | could my bone break
topic:fracture | i think my arm is broken
topic:fracture | are my bones fragile now
topic:hypercalcaemia | what does hypercalcaemia mean
topic:hypercalcaemia | is my calcium too high
topic:hypercalcaemia | i am thirsty all the time
topic:overview | has the cancer gone to my bones
topic:overview | what is secondary cancer in the bone
topic:overview | is secondary breast cancer curable
topic:pain | my bones are aching
topic:pain | i am in a lot of pain
topic:pain | what can help with the pain
topic:spinal-cord-compression | tell me about spinal cord compression
topic:spinal-cord-compression | i have numbness in my legs
topic:spinal-cord-compression | my back is getting more painful
topic:support | can i speak to somebody
topic:support | i need to ask a question
topic:support | what number can i ring
topic:symptoms | what symptoms should i expect
topic:symptoms | what should i watch out for
topic:symptoms | i've noticed a new symptom
command:home | take me home
command:home | back to the beginning
command:back | previous page
command:back | take me to the last screen
command:read | read it out
command:read | can you read that to me
command:stop | stop it
command:stop | stop please
command:pause | pause it
command:pause | wait a second
command:repeat | can you say that again
command:repeat | repeat it please
command:emergency | it's an emergency
command:emergency | i need help urgently
command:help | how do i use this machine
command:help | what can i ask
command:louder | make it louder
command:louder | i can't hear that
command:quieter | make it quieter
command:quieter | that's too loud
command:slower | slow down please
command:slower | you're talking too fast
command:faster | speed it up
command:faster | talk quicker
command:yes | yes that's right
command:yes | yes it is
command:no | no that's not it
command:no | no thank you
none | where is the toilet
none | what time is my appointment
none | where can i get a coffee
none | is there a car park nearby
none | can i have a glass of water
none | how long do i have to wait
none | where is the pharmacy
none | my husband is parking the car
none | what is the wifi password
none | is the cafe open
none | excuse me nurse
none | i'm waiting for my daughter
"""

_HELDOUT: Final = """
topic:anaemia | what does anaemia mean
topic:anaemia | the nurse said i have anaemia
topic:anaemia | do i need more red blood cells
topic:bone-changes | what is going on inside my bones
topic:bone-changes | explain osteoblasts
topic:bone-changes | how are healthy bones kept strong
topic:fatigue | i've got no energy at all
topic:fatigue | tiredness
topic:fatigue | i'm always tired
topic:fracture | what is a fracture
topic:fracture | can a weak bone snap
topic:fracture | what happens if i break a bone
topic:hypercalcaemia | tell me about hypercalcaemia
topic:hypercalcaemia | high calcium levels
topic:hypercalcaemia | too much calcium
topic:overview | what does secondary breast cancer mean
topic:overview | my cancer has spread to the bone
topic:overview | tell me about secondary cancer
topic:pain | my bones are sore
topic:pain | i have bone pain
topic:pain | the pain keeps me awake at night
topic:spinal-cord-compression | spinal cord compression
topic:spinal-cord-compression | i can't feel my legs properly
topic:spinal-cord-compression | i'm having trouble with my bladder
topic:support | who can help me
topic:support | is there a helpline
topic:support | i'd like to talk to a nurse
topic:symptoms | tell me about symptoms
topic:symptoms | what are the signs
topic:symptoms | how will i feel
command:home | go to the home screen
command:home | start over
command:back | i want to go back
command:back | return to the previous page
command:read | read this out loud please
command:read | please read the page
command:stop | please stop
command:stop | stop speaking
command:pause | hold on a moment
command:pause | pause please
command:repeat | sorry what was that
command:repeat | say it again
command:emergency | this is urgent
command:emergency | emergency help please
command:help | i need some help with this
command:help | how does this thing work
command:louder | turn the volume up
command:louder | speak louder please
command:quieter | turn the sound down
command:quieter | quieter please
command:slower | speak slower
command:slower | can you go slower
command:faster | a bit faster please
command:faster | you're too slow
command:yes | yes correct
command:yes | yes please do
command:no | no not that one
command:no | nope wrong one
none | where are the lifts
none | when will the doctor see me
none | how do i get to the x-ray department
none | has my prescription arrived
none | where can i charge my phone
none | what's the weather like
none | can you call a taxi
none | i have lost my glasses
none | where is the exit
none | is there a shop here
none | what day is it today
none | my name is margaret
"""

# Voices (espeak-ng voice + variant): different accents and variants in each half.
VOICES: Final = {
    "dev": ("en-us+f2", "gmw/en", "en-gb-x-rp+m3", "en-us+klatt", "en-gb-scotland+f4", "en-us+m1"),
    "heldout": (
        "en-gb-x-gbclan+f3",
        "en-gb-x-gbcwmd+m2",
        "en-029+f1",
        "en-us+klatt2",
        "gmw/en+m7",
        "en-gb-x-rp+f5",
    ),
}

# Other people in the waiting room (babble), different in each half.
_BABBLE: Final = {
    "dev": (
        "the bus was late again this morning",
        "she said she would ring me after lunch",
        "we went to the seaside last weekend",
        "have you seen the new cafe on the high street",
        "my grandson is starting school in september",
        "it has been raining all week",
        "the football was terrible on saturday",
        "i need to pick up some bread on the way home",
        "they are building new houses near the park",
        "my sister lives in scotland now",
    ),
    "heldout": (
        "did you watch that programme last night",
        "the garden needs a lot of work this year",
        "i think the train leaves at half past four",
        "our neighbours have got a new puppy",
        "the supermarket was very busy today",
        "he has been working nights for a month",
        "we are going on holiday in the spring",
        "can you believe the price of petrol",
        "my daughter made a lovely cake",
        "the traffic on the ring road was awful",
    ),
}
_BABBLE_VOICES: Final = {
    "dev": ("en-us+m2", "gmw/en+f1", "en-gb-x-rp+f3", "en-us+m4", "en-gb-scotland+m5"),
    "heldout": ("en-029+m3", "gmw/en+f4", "en-us+f5", "en-gb-x-gbclan+m6", "en-us+m7"),
}
_NOISES: Final = ("babble", "babble+pink", "pink", "brown", "babble+hum", "hum+pink")
_BED_SECONDS: Final = 40.0
QUICK_EVERY = 11


def _parse(table: str) -> list[tuple[str, str]]:
    rows = []
    for line in table.strip().splitlines():
        expected, text = (part.strip() for part in line.split("|"))
        rows.append((expected, text))
    return rows


PHRASINGS: Final = {"dev": _parse(_DEV), "heldout": _parse(_HELDOUT)}


@dataclass(frozen=True)
class Clip:
    """One request in the set."""

    id: str
    half: str
    condition: str
    expected: str
    """"topic:<id>", "command:<name>" or "none"."""
    text: str
    voice: str
    rate: int
    pitch: int
    noise: str
    seed: int

    @property
    def in_scope(self) -> bool:
        return self.expected != "none"


def clips(quick: bool = False) -> list[Clip]:
    """Every clip of the set (``quick``: a small, still varied subset)."""
    result: list[Clip] = []
    for half in HALVES:
        rng = random.Random(f"voice-set-{half}")
        voices = VOICES[half]
        for n, (expected, text) in enumerate(PHRASINGS[half]):
            for c, condition in enumerate(CONDITIONS):
                index = n * len(CONDITIONS) + c
                voice = voices[(n + 2 * c) % len(voices)]
                rate = rng.choice((140, 155, 170, 185, 200))
                pitch = rng.choice((35, 45, 50, 60, 70))
                noise = "room" if condition == "clean" else _NOISES[(n + c) % len(_NOISES)]
                seed = rng.randrange(1 << 30)
                if quick and index % QUICK_EVERY != 0:
                    continue
                result.append(
                    Clip(
                        f"{half}-{index:03d}-{condition}",
                        half,
                        condition,
                        expected,
                        text,
                        voice,
                        rate,
                        pitch,
                        noise,
                        seed,
                    )
                )
    return result


# --- audio -------------------------------------------------------------------------------------


def _espeak(text: str, voice: str, rate: int = 175, pitch: int = 50) -> array[int]:
    """``text`` spoken by espeak-ng, as 16 kHz samples (the kiosk's own reader converts)."""
    from kiosk.devtools.rig import render_espeak

    with tempfile.TemporaryDirectory(prefix="kiosk-voiceset-") as tmp:
        path = render_espeak(text, Path(tmp) / "s.wav", voice, rate, pitch, timeout=60)
        samples = array("h", read_wav_16k(path))
    return _trim(samples)


def _trim(samples: array[int], threshold: int = 60) -> array[int]:
    """Without leading and trailing near-silence (espeak pads its output)."""
    loud = [i for i in range(0, len(samples), 80) if abs(samples[i]) > threshold]
    if not loud:
        return samples
    start = max(0, loud[0] - 160)
    stop = min(len(samples), loud[-1] + 400)
    return samples[start:stop]


def _power(samples: Sequence[float]) -> float:
    return sum(s * s for s in samples) / max(1, len(samples))


def _pink(count: int, rng: random.Random) -> list[float]:
    """Pink noise (Paul Kellet's economy filter), unit-ish power."""
    b0 = b1 = b2 = 0.0
    out = [0.0] * count
    gauss = rng.gauss
    for i in range(count):
        white = gauss(0.0, 1.0)
        b0 = 0.99765 * b0 + white * 0.0990460
        b1 = 0.96300 * b1 + white * 0.2965164
        b2 = 0.57000 * b2 + white * 1.0526913
        out[i] = b0 + b1 + b2 + white * 0.1848
    return out


def _brown(count: int, rng: random.Random) -> list[float]:
    """Brown (red) noise: leaky integrated white noise, with the lowest rumble removed."""
    level = 0.0
    out = [0.0] * count
    gauss = rng.gauss
    for i in range(count):
        level = 0.995 * level + gauss(0.0, 1.0)
        out[i] = level
    return out


def _hum(count: int, rng: random.Random) -> list[float]:
    """Mains hum: 50 Hz and odd harmonics, slowly wavering."""
    phase = rng.random() * 2 * math.pi
    two_pi_f = 2 * math.pi * 50 / RATE
    return [
        math.sin(two_pi_f * i + phase)
        + 0.5 * math.sin(3 * two_pi_f * i + phase)
        + 0.3 * math.sin(5 * two_pi_f * i)
        + 0.15 * math.sin(7 * two_pi_f * i)
        for i in range(count)
    ]


def _babble(half: str, count: int, rng: random.Random) -> list[float]:
    """Four people talking at once, each saying unrelated sentences with pauses."""
    sentences = [
        _espeak(text, _BABBLE_VOICES[half][i % len(_BABBLE_VOICES[half])], rate=160 + 10 * (i % 4))
        for i, text in enumerate(_BABBLE[half])
    ]
    sentences = [s for s in sentences if len(s)]
    units = [math.sqrt(_power(s)) or 1.0 for s in sentences]
    out = [0.0] * count
    for _talker in range(4):
        position = rng.randrange(RATE)
        while position < count:
            k = rng.randrange(len(sentences))
            sentence, unit = sentences[k], units[k]
            end = min(count, position + len(sentence))
            for i in range(position, end):
                out[i] += sentence[i - position] / unit
            position = end + rng.randrange(RATE // 10, RATE)
    return out


def _normalised(samples: list[float]) -> list[float]:
    unit = math.sqrt(_power(samples)) or 1.0
    return [s / unit for s in samples]


class NoiseBeds:
    """Long stretches of each kind of noise for one half (unit power), sliced for each clip."""

    def __init__(self, half: str) -> None:
        self.half = half
        self._beds: dict[str, list[float]] = {}
        self._parts: dict[str, list[float]] = {}

    def _part(self, part: str) -> list[float]:
        """One kind of noise (unit power), made once per half."""
        if part not in self._parts:
            count = int(_BED_SECONDS * RATE)
            rng = random.Random(f"noise-{self.half}-{part}")
            if part == "babble":
                raw = _babble(self.half, count, rng)
            elif part in ("pink", "room"):
                raw = _pink(count, rng)
            elif part == "brown":
                raw = _brown(count, rng)
            elif part == "hum":
                raw = _hum(count, rng)
            else:
                raise ValueError(f"unknown noise {part}")
            self._parts[part] = _normalised(raw)
        return self._parts[part]

    def bed(self, kind: str) -> list[float]:
        """A mixture such as "babble+pink" (unit power): the first part dominates, the others
        sit 6 dB under it."""
        if kind not in self._beds:
            parts = kind.split("+")
            mixed = list(self._part(parts[0]))
            for part in parts[1:]:
                mixed = [a + 0.5 * b for a, b in zip(mixed, self._part(part), strict=True)]
            self._beds[kind] = _normalised(mixed)
        return self._beds[kind]


def make_clip(clip: Clip, beds: NoiseBeds) -> bytes:
    """The clip's audio: 16 kHz mono int16 PCM."""
    rng = random.Random(clip.seed)
    speech = _espeak(clip.text, clip.voice, clip.rate, clip.pitch)
    level_db = rng.uniform(-28.0, -18.0)  # speech RMS in dBFS
    speech_rms = math.sqrt(_power(speech)) or 1.0
    gain = 32768.0 * 10 ** (level_db / 20) / speech_rms
    lead = int(rng.uniform(0.5, 1.5) * RATE)
    tail = int(rng.uniform(0.5, 1.5) * RATE)
    total = lead + len(speech) + tail
    bed = beds.bed(clip.noise)
    offset = rng.randrange(len(bed) - total)
    noise = bed[offset : offset + total]
    # SNR over the speech: the noise's power over the same stretch as the speech.
    speech_power = _power(speech) * gain * gain
    noise_power = _power(noise[lead : lead + len(speech)]) or 1.0
    noise_gain = math.sqrt(speech_power / (noise_power * 10 ** (SNR_DB[clip.condition] / 10)))
    out = array("h", bytes(2 * total))
    for i in range(total):
        value = noise[i] * noise_gain
        if lead <= i < lead + len(speech):
            value += speech[i - lead] * gain
        out[i] = max(-32768, min(32767, round(value)))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


def cache_root() -> Path:
    """Where clips are cached: ``KIOSK_VOICE_BENCH_CACHE`` or the user cache folder."""
    chosen = os.environ.get("KIOSK_VOICE_BENCH_CACHE")
    if chosen:
        return Path(chosen)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("clinic-kiosk")) / "voice-bench"


GENERATOR_VERSION: Final = 2
"""Raise when the way clips are made changes (the cache key includes it)."""


def cache_key() -> str:
    """A hash of everything that shapes the clips: the tables and the espeak-ng version."""
    inputs = (
        GENERATOR_VERSION,
        PHRASINGS,
        VOICES,
        _BABBLE,
        _BABBLE_VOICES,
        _NOISES,
        _BED_SECONDS,
        SNR_DB,
        [c.__dict__ for c in clips()],
    )
    digest = hashlib.sha256(repr(inputs).encode())
    try:
        version = subprocess.run(
            ["espeak-ng", "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        version = "none"
    digest.update(version.encode())
    return digest.hexdigest()[:16]


def build(selected: Iterable[Clip], progress: Progress = None) -> dict[str, Path]:
    """Each clip's WAV file, generated once and cached."""
    folder = cache_root() / cache_key()
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    beds: dict[str, NoiseBeds] = {}
    todo = []
    for clip in selected:
        paths[clip.id] = folder / f"{clip.id}.wav"
        if not paths[clip.id].exists():
            todo.append(clip)
    if todo and progress:
        progress(f"voice: generating {len(todo)} clips in {folder}...")
    for clip in todo:
        pcm = make_clip(clip, beds.setdefault(clip.half, NoiseBeds(clip.half)))
        part = paths[clip.id].with_suffix(".part")
        with wave.open(str(part), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(pcm)
        part.replace(paths[clip.id])
    return paths


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    clip: Clip
    transcript: str
    free: str
    confidence: float
    decision: str
    """What the kiosk did: "topic:<id>", "command:<name>", "ask:<target>" or "none"."""
    latency_ms: float

    @property
    def acted(self) -> bool:
        return self.decision.startswith(("topic:", "command:"))

    @property
    def right(self) -> bool:
        return self.acted and self.decision == self.clip.expected

    @property
    def false_action(self) -> bool:
        return self.acted and self.decision != self.clip.expected


def run_engine(
    engine: str, selected: list[Clip], paths: dict[str, Path], progress: Progress = None
) -> list[Outcome] | str:
    """Every clip through the kiosk's recogniser and matcher; or why the engine is unavailable."""
    from kiosk.content.loader import load_content
    from kiosk.paths import CONTENT_DIR
    from kiosk.voice.hearing import hear_utterance, kiosk_listener
    from kiosk.voice.recognisers import EngineUnavailable

    content = load_content(CONTENT_DIR).content
    if content is None:
        raise RuntimeError("the seed content has errors")
    try:
        recogniser, matcher, _reason, _unknown = kiosk_listener(content, engine)
    except EngineUnavailable as error:
        return str(error)
    if progress:
        progress(f"voice: {engine}: recognising {len(selected)} clips...")
    outcomes = []
    for clip in selected:
        pcm = read_wav_16k(paths[clip.id])
        decision = hear_utterance(recogniser, matcher, pcm)
        if decision.action != "none":
            what = f"{decision.action}:{decision.target}"
        elif decision.asks is not None:
            kind = "topic" if decision.match.__class__.__name__ == "TopicMatch" else "command"
            what = f"ask:{kind}:{decision.asks}"
        else:
            what = "none"
        free = decision.heard.alternatives[0][0] if decision.heard.alternatives else ""
        outcomes.append(
            Outcome(
                clip,
                decision.heard.transcript,
                free,
                decision.heard.confidence,
                what,
                decision.latency_ms,
            )
        )
    return outcomes


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else -1.0


def figures_of(outcomes: list[Outcome]) -> dict[str, float | int]:
    """The figures for a list of outcomes (see the module doc of kiosk.bench for their meaning)."""
    figures: dict[str, float | int] = {}
    for condition in CONDITIONS:
        scoped = [o for o in outcomes if o.clip.condition == condition and o.clip.in_scope]
        figures[f"accuracy_{condition.replace('snr', 'snr')}"] = _share(
            sum(o.right for o in scoped), len(scoped)
        )
    in_scope = [o for o in outcomes if o.clip.in_scope]
    out_scope = [o for o in outcomes if not o.clip.in_scope]
    figures["confirm_rate"] = _share(
        sum(o.decision.startswith("ask:") for o in outcomes), len(outcomes)
    )
    figures["confirm_right_rate"] = _share(
        sum(o.decision == f"ask:{o.clip.expected}" for o in in_scope), len(in_scope)
    )
    figures["false_action_rate"] = _share(sum(o.false_action for o in outcomes), len(outcomes))
    figures["reject_rate"] = _share(sum(o.decision == "none" for o in in_scope), len(in_scope))
    figures["out_of_scope_rejected"] = _share(sum(not o.acted for o in out_scope), len(out_scope))
    latencies = [o.latency_ms for o in outcomes]
    figures["latency_ms_p50"] = percentile(latencies, 0.5)
    figures["latency_ms_p95"] = percentile(latencies, 0.95)
    figures["clips"] = len(outcomes)
    return figures


def bench_voice(
    progress: Progress = None, quick: bool | None = None
) -> dict[str, float | int | str]:
    """All the voice figures, per engine and per half (see kiosk.bench.bench_voice)."""
    if quick is None:
        quick = os.environ.get("KIOSK_BENCH_QUICK") == "1"
    selected = clips(quick)
    started = time.perf_counter()
    paths = build(selected, progress)
    result: dict[str, float | int | str] = {
        "voice.clips": len(selected),
        "voice.generate_s": round(time.perf_counter() - started, 1),
    }
    preferred: str | None = None
    for engine in ENGINES:
        outcomes = run_engine(engine, selected, paths, progress)
        if isinstance(outcomes, str):
            result[f"voice.{engine}.available"] = 0
            result[f"voice.{engine}.unavailable_reason"] = outcomes
            continue
        result[f"voice.{engine}.available"] = 1
        preferred = preferred or engine
        for name, value in figures_of(outcomes).items():
            result[f"voice.{engine}.{name}"] = value
        for half in HALVES:
            part = [o for o in outcomes if o.clip.half == half]
            for name, value in figures_of(part).items():
                result[f"voice.{engine}.{half}.{name}"] = value
    if preferred is not None:
        result["voice.engine"] = preferred
        for key, item in list(result.items()):
            prefix = f"voice.{preferred}."
            if key.startswith(prefix) and key.count(".") == 2 and not key.endswith("available"):
                result["voice." + key[len(prefix) :]] = item
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kiosk.devtools.voiceset``: every clip's outcome, for tuning on the dev half."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--half", choices=(*HALVES, "all"), default="dev")
    parser.add_argument("--engine", choices=ENGINES, default="pocketsphinx")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--every", type=int, default=1, help="only every n-th clip")
    parser.add_argument("--errors", action="store_true", help="show only clips not acted on right")
    args = parser.parse_args(argv)
    selected = [c for c in clips(args.quick) if args.half in ("all", c.half)][:: args.every]
    paths = build(selected, print)
    outcomes = run_engine(args.engine, selected, paths, print)
    if isinstance(outcomes, str):
        print(f"{args.engine} unavailable: {outcomes}")
        return 1
    for o in outcomes:
        if args.errors and (o.right or (not o.clip.in_scope and not o.acted)):
            continue
        mark = "OK " if o.right or (not o.clip.in_scope and not o.acted) else "BAD"
        if o.false_action:
            mark = "XXX"
        print(
            f"{mark} {o.clip.id:<22} {o.clip.expected:<32} {o.decision:<34} "
            f"{o.confidence:.2f} {o.latency_ms:5.0f}ms  said={o.clip.text!r} "
            f"heard={o.transcript!r} free={o.free!r} [{o.clip.voice} {o.clip.noise}]"
        )
    figures = figures_of(outcomes)
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    print("latency median", statistics.median(o.latency_ms for o in outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
