"""The voice bench: spoken requests made with two TTS engines (espeak-ng, the kiosk's own, and
flite), and how well the kiosk understands them (``python run_kiosk.py bench voice``).

The set is generated at bench time, never committed. Two voice families speak it: espeak-ng
(the engine behind the kiosk's pyttsx3 voice; several English voices and variants, rates and
pitches) and flite (its 16 kHz voices, with duration-stretch rate variants and sox pitch shifts),
so figures can be compared per family. Both say every phrasing: natural phrasings of every topic
and command, and out-of-scope requests (waiting-room talk). Each phrasing is heard three ways:

- ``clean``: low-level room tone (pink noise 45 dB below the speech) before, during and after;
- ``snr10`` and ``snr5``: room noise at 10 / 5 dB SNR (speech power over the speech itself vs the
  noise over the same stretch), heard before, during and after the request, as a push-to-talk
  microphone hears the room: other people talking (babble of several espeak-ng and flite talkers
  saying unrelated sentences), pink or brown noise, mains hum, and mixtures.

Every clip has 0.5-1.5 s of room before and after the speech. The set has two halves with
different phrasings, voices (of both families), babble sentences and noise seeds: ``dev`` (used
for tuning) and ``heldout`` (only reported). The phrasings here were written as patients talk;
they are not the content's ``phrases`` nor the command phrasings, and phrase lists are not tuned
to them.

A third family is never used in development: Festival (its kal and ked diphone voices and the
HTS voice built from the slt recordings, with sox tempo and pitch variants) says the held-out
phrasings in the same three conditions (:func:`unseen_clips`). Its figures are reported apart
(``voice.unseen.*``), so the two families' figures stay comparable from run to run, and tell how
the kiosk hears a kind of voice nothing was tuned on.

Clips are cached as WAV files under the user cache folder (``voice-bench/<key>``, where the key
hashes this file's tables and the espeak-ng, flite and sox versions), so reruns only decode.

Each clip goes through exactly the kiosk's recogniser and matcher
(:func:`kiosk.listen.hearing.hear_utterance`, the ``hear`` command's code path).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kiosk.devtools.stats import percentile
from kiosk.listen.audio import read_wav_16k

if TYPE_CHECKING:
    from kiosk.content.model import ContentSet
    from kiosk.listen.hearing import Decision

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
topic:anaemia | anaemia
topic:anaemia | tell me about anaemia please
topic:anaemia | will i need a blood test
topic:anaemia | what is a bone marrow biopsy
topic:bone-changes | how does the cancer change my bones
topic:bone-changes | what do osteoclasts do
topic:bone-changes | why do bones get damaged
topic:bone-changes | what is happening to my skeleton
topic:bone-changes | tell me about osteoclasts
topic:bone-changes | bone cells
topic:fatigue | i'm so tired
topic:fatigue | i am exhausted all day
topic:fatigue | why do i feel worn out
topic:fatigue | fatigue please
topic:fatigue | why does the cancer make me so tired
topic:fatigue | i can't get out of bed in the morning
topic:fracture | could my bone break
topic:fracture | i think my arm is broken
topic:fracture | are my bones fragile now
topic:fracture | fractures
topic:fracture | why would a bone break on its own
topic:fracture | if a bone breaks will i need surgery
topic:hypercalcaemia | what does hypercalcaemia mean
topic:hypercalcaemia | is my calcium too high
topic:hypercalcaemia | i am thirsty all the time
topic:hypercalcaemia | calcium
topic:hypercalcaemia | i've been feeling sick and drowsy
topic:hypercalcaemia | why would they give me a drip for calcium
topic:overview | has the cancer gone to my bones
topic:overview | what is secondary cancer in the bone
topic:overview | is secondary breast cancer curable
topic:overview | secondary breast cancer
topic:overview | which bones can the cancer spread to
topic:overview | how does the cancer get into the bone
topic:pain | my bones are aching
topic:pain | i am in a lot of pain
topic:pain | what can help with the pain
topic:pain | bone pain please
topic:pain | i have a burning pain in my hip
topic:pain | how do i keep a pain diary
topic:spinal-cord-compression | tell me about spinal cord compression
topic:spinal-cord-compression | i have numbness in my legs
topic:spinal-cord-compression | my back is getting more painful
topic:spinal-cord-compression | my spine is tender
topic:spinal-cord-compression | what are the signs of spinal cord compression
topic:spinal-cord-compression | my feet are tingling
topic:support | can i speak to somebody
topic:support | i need to ask a question
topic:support | what number can i ring
topic:support | the helpline
topic:support | who wrote this information
topic:support | is there anyone i can call for advice
topic:symptoms | what symptoms should i expect
topic:symptoms | what should i watch out for
topic:symptoms | i've noticed a new symptom
topic:symptoms | symptoms
topic:symptoms | how do they control the symptoms
topic:symptoms | i feel quite well is that normal
command:home | take me home
command:home | back to the beginning
command:home | take me to the main screen please
command:home | go to the beginning please
command:back | previous page
command:back | take me to the last screen
command:back | could you go back please
command:back | go back one page please
command:read | read it out
command:read | can you read that to me
command:read | would you read this page for me
command:stop | stop it
command:stop | stop please
command:stop | please stop reading now
command:pause | pause it
command:pause | wait a second
command:pause | can you pause for a moment
command:repeat | can you say that again
command:repeat | repeat it please
command:repeat | could you repeat that please
command:emergency | it's an emergency
command:emergency | i need help urgently
command:emergency | please help me this is an emergency
command:help | how do i use this machine
command:help | what can i ask
command:help | how do i work this
command:louder | make it louder
command:louder | i can't hear that
command:louder | could you speak a bit louder
command:quieter | make it quieter
command:quieter | that's too loud
command:quieter | could you be a bit quieter
command:slower | slow down please
command:slower | you're talking too fast
command:slower | please talk more slowly
command:faster | speed it up
command:faster | talk quicker
command:faster | can you speak a bit faster
command:yes | yes that's right
command:yes | yes it is
command:yes | yes that's the one
command:no | no that's not it
command:no | no thank you
command:no | no that's not what i asked
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
none | where do i hand in this form
none | is the doctor running late
none | can i use your phone
none | i'm just waiting for my lift home
none | could you tell my wife i'm here
none | which floor is the chemo unit on
none | how much is the parking
none | are you the receptionist
"""

_HELDOUT: Final = """
topic:anaemia | what does anaemia mean
topic:anaemia | the nurse said i have anaemia
topic:anaemia | do i need more red blood cells
topic:anaemia | low red blood cells
topic:anaemia | what is a blood transfusion
topic:anaemia | i keep getting breathless
topic:anaemia | why would i need a bone marrow test
topic:bone-changes | what is going on inside my bones
topic:bone-changes | explain osteoblasts
topic:bone-changes | how are healthy bones kept strong
topic:bone-changes | bone changes
topic:bone-changes | what are the cells in my bones doing
topic:bone-changes | why is my bone being broken down
topic:fatigue | i've got no energy at all
topic:fatigue | tiredness
topic:fatigue | i'm always tired
topic:fatigue | tell me about fatigue
topic:fatigue | what can cause tiredness
topic:fatigue | i feel drained all the time
topic:fracture | what is a fracture
topic:fracture | can a weak bone snap
topic:fracture | what happens if i break a bone
topic:fracture | broken bones
topic:fracture | my bones feel weak
topic:fracture | can they fix a broken bone with an operation
topic:hypercalcaemia | tell me about hypercalcaemia
topic:hypercalcaemia | high calcium levels
topic:hypercalcaemia | too much calcium
topic:hypercalcaemia | hypercalcaemia please
topic:hypercalcaemia | i've been really constipated and thirsty
topic:hypercalcaemia | what is the treatment for high calcium
topic:overview | what does secondary breast cancer mean
topic:overview | my cancer has spread to the bone
topic:overview | tell me about secondary cancer
topic:overview | what is secondary breast cancer
topic:overview | is it the same as bone cancer
topic:overview | how long can it be treated for
topic:pain | my bones are sore
topic:pain | i have bone pain
topic:pain | the pain keeps me awake at night
topic:pain | pain
topic:pain | tell me about bone pain
topic:pain | i've got a stabbing pain in my ribs
topic:spinal-cord-compression | spinal cord compression
topic:spinal-cord-compression | i can't feel my legs properly
topic:spinal-cord-compression | i'm having trouble with my bladder
topic:spinal-cord-compression | my legs have gone weak
topic:spinal-cord-compression | what should i do if my spine hurts
topic:spinal-cord-compression | what is compression of the spine
topic:support | who can help me
topic:support | is there a helpline
topic:support | i'd like to talk to a nurse
topic:support | helpline number please
topic:support | when was this page last checked
topic:support | can i phone someone for advice
topic:symptoms | tell me about symptoms
topic:symptoms | what are the signs
topic:symptoms | how will i feel
topic:symptoms | what are the symptoms
topic:symptoms | can my symptoms be controlled
topic:symptoms | should i tell someone about a new symptom
command:home | go to the home screen
command:home | start over
command:home | could you go to the home page please
command:home | i'd like the main menu please
command:back | i want to go back
command:back | return to the previous page
command:back | can we go back to the last page
command:back | go back please
command:read | read this out loud please
command:read | please read the page
command:read | could you read this out for me
command:stop | please stop
command:stop | stop speaking
command:stop | okay stop now please
command:pause | hold on a moment
command:pause | pause please
command:pause | just hang on a second
command:repeat | sorry what was that
command:repeat | say it again
command:repeat | can you say that one more time
command:emergency | this is urgent
command:emergency | emergency help please
command:emergency | get help now it's an emergency
command:help | i need some help with this
command:help | how does this thing work
command:help | can you tell me how to use this
command:louder | turn the volume up
command:louder | speak louder please
command:louder | could you turn it up a bit
command:quieter | turn the sound down
command:quieter | quieter please
command:quieter | can you turn it down a little
command:slower | speak slower
command:slower | can you go slower
command:slower | could you slow down a little
command:faster | a bit faster please
command:faster | you're too slow
command:faster | could you go a bit quicker
command:yes | yes correct
command:yes | yes please do
command:yes | yes that's what i meant
command:no | no not that one
command:no | nope wrong one
command:no | no i meant something else
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
none | where can i sit down
none | my appointment was at ten o'clock
none | is there somewhere to eat
none | can i bring my dog in
none | what bus goes to the station
none | do i need to take a ticket
none | my friend is coming to pick me up
none | have you got a pen
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
# flite voices (all 16 kHz; "kal" is 8 kHz and left out), different in each half. Rate variants
# are flite's duration_stretch, pitch variants a sox pitch shift (flite's int_f0_target_mean is
# ignored by the rms voice, so one way for all).
FLITE_VOICES: Final = {"dev": ("slt", "kal16"), "heldout": ("rms", "awb")}
FAMILIES: Final = ("espeak", "flite")
UNSEEN_FAMILY: Final = "festival"
"""The voice family only ever heard in the held-out half and reported apart (Festival)."""
FESTIVAL_VOICES: Final = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")
"""Festival's English voices in Debian (festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts)."""
_FESTIVAL_TEMPI: Final = (85, 100, 115)  # sox tempo x 100 (higher: faster)
_FESTIVAL_CENTS: Final = (-150, 0, 150)  # sox pitch shift, cents
_ESPEAK_RATES: Final = (140, 155, 170, 185, 200)  # words a minute
_ESPEAK_PITCHES: Final = (35, 45, 50, 60, 70)  # espeak-ng -p, 0-99
_FLITE_STRETCHES: Final = (80, 90, 100, 110, 125)  # duration_stretch x 100 (higher: slower)
_FLITE_CENTS: Final = (-300, -150, 0, 150, 300)  # sox pitch shift, cents
_VARIANTS: Final = {
    "espeak": (_ESPEAK_RATES, _ESPEAK_PITCHES),
    "flite": (_FLITE_STRETCHES, _FLITE_CENTS),
    UNSEEN_FAMILY: (_FESTIVAL_TEMPI, _FESTIVAL_CENTS),
}
"""Each family's rates and pitches, drawn from for each clip (and each rendition)."""

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
# Babble talkers from flite (the half's own flite voices, pitch-shifted into other people):
# (voice, duration_stretch x 100, cents); every other babble sentence is said by one of these.
_BABBLE_FLITE: Final = {
    "dev": (("slt", 95, -250), ("kal16", 105, 200), ("slt", 110, 350), ("kal16", 90, -200)),
    "heldout": (("rms", 95, 250), ("awb", 105, -200), ("rms", 110, -300), ("awb", 90, 300)),
}
_NOISES: Final = ("babble", "babble+pink", "pink", "brown", "babble+hum", "hum+pink")
_BED_SECONDS: Final = 40.0
QUICK_EVERY = 37
"""The quick subset: every QUICK_EVERY-th clip of each half and family (about 40 in all)."""
_QUICK_OFFSET: Final = {"espeak": 0, "flite": 18, UNSEEN_FAMILY: 0}


def _parse(table: str) -> list[tuple[str, str]]:
    rows = []
    for line in table.strip().splitlines():
        expected, text = (part.strip() for part in line.split("|"))
        rows.append((expected, text))
    return rows


PHRASINGS: Final = {"dev": _parse(_DEV), "heldout": _parse(_HELDOUT)}

# Answers to "Did you mean ...?": how people say yes and no, and what else they say when asked
# (``none``: not an answer). Written as people answer; the commonest ("yes", "no thanks") are
# also the yes and no commands' own phrasings, which the answer language is built from (12 of
# the development half's 20 yeses and noes, 3 of the held-out half's).
_ANSWERS_DEV: Final = """
command:yes | yes
command:yes | yes please
command:yes | yeah
command:yes | yes that's right
command:yes | that's right
command:yes | yes it is
command:yes | yep
command:yes | yes thank you
command:yes | yes i did
command:yes | yes that one
command:no | no
command:no | no thanks
command:no | nope
command:no | no that's wrong
command:no | not that one
command:no | no it isn't
command:no | no thank you
command:no | no i didn't
command:no | that's not it
command:no | no something else
none | i'm not sure
none | what did you say
none | sorry
none | i don't know
none | can you say that again
none | hang on a minute
"""
_ANSWERS_HELDOUT: Final = """
command:yes | yes it was
command:yes | yeah that's it
command:yes | yes i meant that
command:yes | yes go on
command:yes | yes that's what i wanted
command:yes | oh yes
command:yes | yes correct
command:yes | yeah please
command:yes | yes open it
command:yes | exactly
command:no | no it wasn't
command:no | no i meant something else
command:no | no wrong one
command:no | no no
command:no | that's wrong
command:no | no that's not what i said
command:no | not that
command:no | no not that one
command:no | nope not that
command:no | no sorry
none | pardon
none | hold on
none | i didn't hear you
none | where is the toilet
none | what time is it
none | just a second
"""
ANSWER_PHRASINGS: Final = {"dev": _parse(_ANSWERS_DEV), "heldout": _parse(_ANSWERS_HELDOUT)}
"""The answers set (:func:`answer_clips`), per half like :data:`PHRASINGS`."""
ANSWER_KIND: Final = "answer"
"""The answers' clip ids start with this."""


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
    """An espeak-ng voice+variant ("en-us+f2") or a flite voice ("slt")."""
    rate: int
    """espeak: words a minute; flite: duration_stretch x 100 (125: a quarter slower)."""
    pitch: int
    """espeak: -p (0-99); flite: the sox pitch shift in cents (0: the voice's own)."""
    noise: str
    seed: int
    family: str = "espeak"
    """The TTS engine that speaks it: "espeak" (espeak-ng) or "flite"."""

    @property
    def in_scope(self) -> bool:
        return self.expected != "none"


def _said_by(
    half: str, family: str, voices: Sequence[str], quick: bool, kind: str = ""
) -> list[Clip]:
    """Each phrasing of ``half`` said by one family in each condition, with its voices in turn
    and a rate and pitch drawn for each clip (seeded per half and family); ``quick``: every
    ``QUICK_EVERY``-th clip. ``kind`` ``ANSWER_KIND``: the answers' phrasings instead."""
    result: list[Clip] = []
    rates, pitches = _VARIANTS[family]
    table = ANSWER_PHRASINGS if kind == ANSWER_KIND else PHRASINGS
    rng = random.Random(f"{kind or 'voice'}-set-{half}-{family}")
    lead = f"{kind}-" if kind else ""
    # espeak-ng's six voices in steps of two per condition; a family of two or three voices
    # alternates per phrasing too.
    step = 2 if family == "espeak" else 1
    for n, (expected, text) in enumerate(table[half]):
        for c, condition in enumerate(CONDITIONS):
            index = n * len(CONDITIONS) + c
            voice = voices[(n + step * c) % len(voices)]
            rate = rng.choice(rates)
            pitch = rng.choice(pitches)
            noise = "room" if condition == "clean" else _NOISES[(n + c) % len(_NOISES)]
            seed = rng.randrange(1 << 30)
            if quick and index % QUICK_EVERY != _QUICK_OFFSET[family]:
                continue
            result.append(
                Clip(
                    f"{lead}{half}-{family}-{index:03d}-{condition}",
                    half,
                    condition,
                    expected,
                    text,
                    voice,
                    rate,
                    pitch,
                    noise,
                    seed,
                    family,
                )
            )
    return result


def clips(quick: bool = False) -> list[Clip]:
    """Every clip of the set (``quick``: a small, still varied subset): each phrasing of each
    half said by both families, in each condition."""
    result: list[Clip] = []
    for half in HALVES:
        result += _said_by(half, "espeak", VOICES[half], quick)
        result += _said_by(half, "flite", FLITE_VOICES[half], quick)
    return result


def answer_clips(quick: bool = False) -> list[Clip]:
    """The answers set: each answer phrasing of each half said by both families, in each
    condition, as :func:`clips` says the requests."""
    result: list[Clip] = []
    for half in HALVES:
        result += _said_by(half, "espeak", VOICES[half], quick, ANSWER_KIND)
        result += _said_by(half, "flite", FLITE_VOICES[half], quick, ANSWER_KIND)
    return result


def renditions(selected: Iterable[Clip], count: int) -> list[Clip]:
    """``count`` more renditions of each clip of ``selected``: the same phrasing, voice and
    condition, at a rate and pitch drawn again and with its own noise, level and room before
    and after (ids ``<id>-r1``, ``<id>-r2``, ...). They give the calibration more requests than
    one noise rendering has: see kiosk.devtools.calibrate."""
    result: list[Clip] = []
    for clip in selected:
        rates, pitches = _VARIANTS[clip.family]
        rng = random.Random(f"rendition-{clip.id}")
        for n in range(1, count + 1):
            rate, pitch, seed = rng.choice(rates), rng.choice(pitches), rng.randrange(1 << 30)
            result.append(replace(clip, id=f"{clip.id}-r{n}", rate=rate, pitch=pitch, seed=seed))
    return result


def unseen_clips(quick: bool = False) -> list[Clip]:
    """The held-out phrasings said by Festival's voices (the family nothing was tuned on), in
    each condition; ``quick``: every ``QUICK_EVERY``-th."""
    return _said_by("heldout", UNSEEN_FAMILY, FESTIVAL_VOICES, quick)


def festival_missing() -> str | None:
    """Why Festival's voices cannot speak here (a message for whoever runs the bench), or None."""
    for program in ("text2wave", "sox"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian packages festival, sox)"
    folders = [Path("/usr/share/festival/voices/english"), Path("/usr/share/festival/voices/us")]
    present = {entry.name for folder in folders if folder.is_dir() for entry in folder.iterdir()}
    lacking = [voice for voice in FESTIVAL_VOICES if voice not in present]
    if lacking:
        return (
            f"Festival voices missing: {', '.join(lacking)} (Debian packages festvox-kallpc16k, "
            "festvox-kdlpc16k, festvox-us-slt-hts)"
        )
    return None


# --- audio -------------------------------------------------------------------------------------


def _espeak(text: str, voice: str, rate: int = 175, pitch: int = 50) -> array[int]:
    """``text`` spoken by espeak-ng, as 16 kHz samples (the kiosk's own reader converts)."""
    from kiosk.devtools.speechcheck import render_espeak

    with tempfile.TemporaryDirectory(prefix="kiosk-voiceset-") as tmp:
        path = render_espeak(text, Path(tmp) / "s.wav", voice, rate, pitch, timeout=60)
        samples = array("h", read_wav_16k(path))
    return _trim(samples)


def _flite(text: str, voice: str, stretch: int = 100, cents: int = 0) -> array[int]:
    """``text`` spoken by flite (``stretch``: duration_stretch x 100), shifted ``cents`` by sox,
    as 16 kHz samples."""
    for program in ("flite", "sox"):
        if shutil.which(program) is None:
            raise RuntimeError(f"{program} is not installed: install the Debian package {program}")
    with tempfile.TemporaryDirectory(prefix="kiosk-voiceset-") as tmp:
        raw, shifted = Path(tmp) / "f.wav", Path(tmp) / "p.wav"
        command = ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch / 100:.2f}"]
        _run([*command, "-t", text, "-o", str(raw)], raw)
        if cents:
            # -G: lower the gain if the shift would clip.
            _run(["sox", "-G", str(raw), str(shifted), "pitch", str(cents)], shifted)
            raw = shifted
        samples = array("h", read_wav_16k(raw))
    return _trim(samples)


def _festival(text: str, voice: str, tempo: int = 100, cents: int = 0) -> array[int]:
    """``text`` spoken by Festival's ``voice``, its tempo (x 100) and pitch (cents) changed by
    sox, as 16 kHz samples."""
    problem = festival_missing()
    if problem:
        raise RuntimeError(problem)
    with tempfile.TemporaryDirectory(prefix="kiosk-voiceset-") as tmp:
        raw, changed = Path(tmp) / "f.wav", Path(tmp) / "c.wav"
        _run(["text2wave", "-eval", f"(voice_{voice})", "-o", str(raw)], raw, text)
        # -G: lower the gain if the shift would clip; the HTS voice is 48 kHz, resampled here.
        effects = ["tempo", "-s", f"{tempo / 100:.2f}", "pitch", str(cents)]
        _run(
            ["sox", "-G", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(changed), *effects],
            changed,
        )
        samples = array("h", read_wav_16k(changed))
    return _trim(samples)


def _run(command: list[str], out: Path, text: str | None = None) -> None:
    """Run ``command`` (``text`` on its standard input), which must make ``out``."""
    result = subprocess.run(
        command, input=text, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"{command[0]} failed: {' '.join(command)}: {result.stderr.strip()}")


def _speak(clip: Clip) -> array[int]:
    """The clip's speech, unmixed."""
    if clip.family == "flite":
        return _flite(clip.text, clip.voice, clip.rate, clip.pitch)
    if clip.family == "espeak":
        return _espeak(clip.text, clip.voice, clip.rate, clip.pitch)
    if clip.family == UNSEEN_FAMILY:
        return _festival(clip.text, clip.voice, clip.rate, clip.pitch)
    raise ValueError(f"unknown voice family {clip.family}")


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
    """Four people talking at once, each saying unrelated sentences with pauses (every other
    sentence by espeak-ng, the others by flite)."""
    sentences = []
    for i, text in enumerate(_BABBLE[half]):
        if i % 2:
            voice, stretch, cents = _BABBLE_FLITE[half][(i // 2) % len(_BABBLE_FLITE[half])]
            sentences.append(_flite(text, voice, stretch, cents))
        else:
            voice = _BABBLE_VOICES[half][(i // 2) % len(_BABBLE_VOICES[half])]
            sentences.append(_espeak(text, voice, rate=160 + 10 * (i % 4)))
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
    speech = _speak(clip)
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


GENERATOR_VERSION: Final = 4
"""Raise when the way clips are made changes (the cache key includes it). 4: espeak-ng's 22.05 kHz
speech is converted to 16 kHz band-limited (:class:`kiosk.listen.audio.Resampler`)."""


def _version(program: str) -> str:
    try:
        result = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "none"
    return result.stdout + result.stderr


_NOISE_INPUTS: Final = (_BABBLE, _BABBLE_VOICES, _BABBLE_FLITE, _NOISES, _BED_SECONDS, SNR_DB)
"""What shapes every clip's room: part of both cache keys."""


def _digest(inputs: tuple[object, ...], programs: tuple[str, ...]) -> str:
    """A short hash of ``inputs`` and the installed versions of ``programs``."""
    digest = hashlib.sha256(repr(inputs).encode())
    for program in programs:
        digest.update(_version(program).encode())
    return digest.hexdigest()[:16]


def cache_key() -> str:
    """A hash of everything that shapes the clips: the tables and the espeak-ng, flite and sox
    versions."""
    tables = (
        GENERATOR_VERSION,
        PHRASINGS,
        VOICES,
        FLITE_VOICES,
        _ESPEAK_RATES,
        _ESPEAK_PITCHES,
        _FLITE_STRETCHES,
        _FLITE_CENTS,
    )
    inputs = (*tables, *_NOISE_INPUTS, [c.__dict__ for c in clips()])
    return _digest(inputs, ("espeak-ng", "flite", "sox"))


def unseen_cache_key() -> str:
    """:func:`cache_key` for the Festival clips (apart, so that the two families' clips stay
    cached when only Festival's change, and the other way round)."""
    tables = (GENERATOR_VERSION, PHRASINGS["heldout"], FESTIVAL_VOICES, _FESTIVAL_TEMPI)
    unseen = [c.__dict__ for c in unseen_clips()]
    inputs = (*tables, _FESTIVAL_CENTS, *_NOISE_INPUTS, unseen)
    programs = ("festival", "espeak-ng", "flite", "sox")
    return f"{UNSEEN_FAMILY}-{_digest(inputs, programs)}"


def answer_cache_key() -> str:
    """:func:`cache_key` for the answers' clips (apart: the requests' clips stay cached when the
    answers change)."""
    tables = (GENERATOR_VERSION, ANSWER_PHRASINGS, VOICES, FLITE_VOICES, *_VARIANTS.items())
    inputs = (*tables, *_NOISE_INPUTS, [c.__dict__ for c in answer_clips()])
    return f"{ANSWER_KIND}-{_digest(inputs, ('espeak-ng', 'flite', 'sox'))}"


def _cache_key_of(clip: Clip) -> Callable[[], str]:
    """Which cache key's folder holds ``clip``."""
    if clip.family == UNSEEN_FAMILY:
        return unseen_cache_key
    if clip.id.startswith(f"{ANSWER_KIND}-"):
        return answer_cache_key
    return cache_key


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(selected: Iterable[Clip], progress: Progress = None) -> dict[str, Path]:
    """Each clip's WAV file, generated once and cached. Clips not yet cached are made in a child
    process: under the system allocator that ``run_kiosk.py`` gives ``bench``
    (``PYTHONMALLOC=malloc``), making them left this process about 500 MB larger for good (the
    noise beds are lists of floats, and the freed memory was not given back: 25 noisy clips took
    it from 20 to 519 MB; 20 to 26 MB under Python's own allocator), and the voice bench's
    ``rss_mb``, this process's memory while it decodes, was then the beds' and not the
    recogniser's (581.5 MB on a bench run that made its clips, 76.7 on one that did not)."""
    selected = list(selected)
    # Each key once (each runs the TTS programs for their versions), and only where needed.
    keys = {_cache_key_of(clip) for clip in selected}
    folder = {key: cache_root() / key() for key in keys}
    paths = {clip.id: folder[_cache_key_of(clip)] / f"{clip.id}.wav" for clip in selected}
    todo = [clip for clip in selected if not paths[clip.id].exists()]
    if todo:
        import pickle

        order = pickle.dumps((todo, paths, progress is not None))
        code = "from kiosk.devtools.voiceset import _generate_ordered; _generate_ordered()"
        subprocess.run([sys.executable, "-c", code], input=order, check=True)
    return paths


def _generate_ordered() -> None:
    """:func:`_generate` as ordered by :func:`build` (pickled on standard input)."""
    import pickle

    todo, paths, tell = pickle.loads(sys.stdin.buffer.read())
    _generate(todo, paths, _say if tell else None)


def _generate(todo: list[Clip], paths: dict[str, Path], progress: Progress = None) -> None:
    """Make the clips of ``todo``, each at its path in ``paths`` (see :func:`build`)."""
    folders = sorted({paths[clip.id].parent for clip in todo})
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(f"voice: generating {len(todo)} clips in {', '.join(map(str, folders))}...")
    beds: dict[str, NoiseBeds] = {}
    for clip in todo:
        pcm = make_clip(clip, beds.setdefault(clip.half, NoiseBeds(clip.half)))
        path = paths[clip.id]
        part = path.with_suffix(".part")
        with wave.open(str(part), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(pcm)
        part.replace(path)


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
    heard_as: str = ""
    """The transcript's own best match before the evidence is weighed ("topic:<id>",
    "command:<name>"), or "" when it matched nothing."""
    decided: Decision | None = field(default=None, compare=False, repr=False)
    """The kiosk's decision, which :func:`dialogue_end` takes up, without what was heard (the
    transcripts and n-best of thousands of clips would be counted in ``rss_mb``)."""

    @property
    def acted(self) -> bool:
        return self.decision.startswith(("topic:", "command:"))

    @property
    def right(self) -> bool:
        return self.acted and self.decision == self.clip.expected

    @property
    def false_action(self) -> bool:
        return self.acted and self.decision != self.clip.expected


@dataclass(frozen=True)
class EngineRun:
    """One engine over the selected clips."""

    outcomes: list[Outcome]
    rss_mb: float
    """The bench process's resident memory after decoding them (see :func:`_rss_mb`)."""


def _rss_mb() -> float:
    """This process's resident memory now, in MB. Linux: VmRSS from /proc/self/status (the
    current resident set, read while the engine and its model are still loaded); where there is
    no /proc, resource.getrusage's ru_maxrss (the peak so far, so possibly a previous engine's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _seed_content() -> ContentSet:
    """The kiosk's own content, which every voice figure is about; its errors stop the bench."""
    from kiosk.content.loader import load_content
    from kiosk.paths import CONTENT_DIR

    content = load_content(CONTENT_DIR).content
    if content is None:
        raise RuntimeError("the seed content has errors")
    return content


def run_engine(
    engine: str, selected: list[Clip], paths: dict[str, Path], progress: Progress = None
) -> EngineRun | str:
    """Every clip through the kiosk's recogniser and matcher; or why the engine is unavailable."""
    from kiosk.listen.hearing import hear_utterance, kiosk_listener
    from kiosk.listen.matching import match_target
    from kiosk.listen.recognition import EngineUnavailable, Recognition

    content = _seed_content()
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
            what = f"ask:{match_target(decision.match)}"
        else:
            what = "none"
        free = decision.heard.alternatives[0][0] if decision.heard.alternatives else ""
        heard_as = match_target(decision.said) or ""
        outcomes.append(
            Outcome(
                clip,
                decision.heard.transcript,
                free,
                decision.heard.confidence,
                what,
                decision.latency_ms,
                heard_as,
                replace(decision, heard=Recognition.nothing(decision.heard.engine)),
            )
        )
    # Measured here, while the recogniser (and its model) is still alive.
    return EngineRun(outcomes, _rss_mb())


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else -1.0


def figures_of(outcomes: list[Outcome]) -> dict[str, float | int]:
    """The figures for a list of outcomes (see the module doc of kiosk.bench for their meaning;
    ``asked_right_rate``: among in-scope requests not acted on, the share answered "Did you
    mean ...?" about the right topic or command; ``heard_right_<condition>``: the share of
    in-scope requests whose transcript's own best match was the right one, before the evidence
    was weighed: what ``accuracy_<condition>`` would be with an evidence rule that acted on
    every right match and on nothing else, so the gap between the two is the evidence rule's
    and the rest is what the recogniser and the matcher heard wrongly)."""
    figures: dict[str, float | int] = {}
    for condition in CONDITIONS:
        part = [o for o in outcomes if o.clip.condition == condition and o.clip.in_scope]
        figures[f"accuracy_{condition}"] = _share(sum(o.right for o in part), len(part))
        figures[f"heard_right_{condition}"] = _share(
            sum(o.heard_as == o.clip.expected for o in part), len(part)
        )
    in_scope = [o for o in outcomes if o.clip.in_scope]
    out_scope = [o for o in outcomes if not o.clip.in_scope]
    unacted = [o for o in in_scope if not o.acted]
    figures["confirm_rate"] = _share(
        sum(o.decision.startswith("ask:") for o in outcomes), len(outcomes)
    )
    figures["confirm_right_rate"] = _share(
        sum(o.decision == f"ask:{o.clip.expected}" for o in in_scope), len(in_scope)
    )
    figures["asked_right_rate"] = _share(
        sum(o.decision == f"ask:{o.clip.expected}" for o in unacted), len(unacted)
    )
    figures["false_action_rate"] = _share(sum(o.false_action for o in outcomes), len(outcomes))
    figures["reject_rate"] = _share(sum(o.decision == "none" for o in in_scope), len(in_scope))
    figures["out_of_scope_rejected"] = _share(sum(not o.acted for o in out_scope), len(out_scope))
    latencies = [o.latency_ms for o in outcomes]
    figures["latency_ms_p50"] = percentile(latencies, 0.5)
    figures["latency_ms_p95"] = percentile(latencies, 0.95)
    figures["clips"] = len(outcomes)
    return figures


def engine_figures(engine: str, run: EngineRun) -> dict[str, float | int]:
    """One engine's figures, keyed "voice.<engine>.[<half>.][<family>.]<name>": over the whole
    selection, per half, per voice family, and per half and family; and its ``rss_mb``."""
    result: dict[str, float | int] = {}
    groups: list[tuple[str, list[Outcome]]] = [("", run.outcomes)]
    for family in FAMILIES:
        groups.append((f"{family}.", [o for o in run.outcomes if o.clip.family == family]))
    for half in HALVES:
        part = [o for o in run.outcomes if o.clip.half == half]
        groups.append((f"{half}.", part))
        for family in FAMILIES:
            groups.append((f"{half}.{family}.", [o for o in part if o.clip.family == family]))
    for prefix, outcomes in groups:
        for name, value in figures_of(outcomes).items():
            result[f"voice.{engine}.{prefix}{name}"] = value
    result[f"voice.{engine}.rss_mb"] = run.rss_mb
    return result


def exact_words_figures(selected: Iterable[Clip]) -> dict[str, float | int]:
    """How the kiosk decides when it hears every word right and is sure of them: each distinct
    phrasing of ``selected``, per half, given to the kiosk's decision (:func:`kiosk.listen.
    hearing.decide`) as a transcript with every word at confidence 1.0 and its n-best all the
    same, with its meaning as the kiosk's voice process gives it (the sentence-meaning model,
    when installed). Keyed "voice.exact_words.<half>.<name>": ``accuracy`` (in-scope phrasings
    acted on rightly), ``false_action_rate`` (any wrong action, over all phrasings) and
    ``phrasings``.
    What a perfect recogniser would give: the gap between it and ``accuracy_clean`` is the
    recogniser's, the rest up to 1.0 the matcher's and its evidence's. No engine is needed."""
    from kiosk.listen.hearing import decide, kiosk_matcher
    from kiosk.listen.matching import match_target
    from kiosk.listen.meaning import with_meaning
    from kiosk.listen.recognition import Recognition

    matcher, _ = kiosk_matcher(_seed_content())
    phrasings: dict[str, dict[str, str]] = {half: {} for half in HALVES}
    for clip in selected:
        phrasings[clip.half][clip.text] = clip.expected
    result: dict[str, float | int] = {}
    for half, expected_of in phrasings.items():
        right = wrong = in_scope = 0
        for text, expected in expected_of.items():
            words = tuple((word, 1.0) for word in text.split())
            sure = Recognition(text, 1.0, words, "pocketsphinx", ((text, 1.0),) * 10, (), text)
            decision = decide(matcher, with_meaning(sure, matcher.meaning))
            acted = match_target(decision.match) if decision.action != "none" else None
            in_scope += expected != "none"
            right += acted == expected
            wrong += acted is not None and acted != expected
        result[f"voice.exact_words.{half}.accuracy"] = _share(right, in_scope)
        result[f"voice.exact_words.{half}.false_action_rate"] = _share(wrong, len(expected_of))
        result[f"voice.exact_words.{half}.phrasings"] = len(expected_of)
    return result


def bench_voice(
    progress: Progress = None, quick: bool | None = None, selected: list[Clip] | None = None
) -> dict[str, float | int | str]:
    """All the voice figures, per engine, per half and per voice family (see
    kiosk.bench.bench_voice), and the unseen family's (:func:`unseen_figures`). ``selected``:
    these clips instead of the (quick) set, and no unseen family."""
    if quick is None:
        quick = os.environ.get("KIOSK_BENCH_QUICK") == "1"
    unseen = selected is None
    if selected is None:
        selected = clips(quick)
    started = time.perf_counter()
    paths = build(selected, progress)
    result: dict[str, float | int | str] = {
        "voice.clips": len(selected),
        "voice.generate_s": round(time.perf_counter() - started, 1),
    }
    for family in FAMILIES:
        result[f"voice.clips_{family}"] = sum(c.family == family for c in selected)
    preferred: str | None = None
    requests: list[Outcome] = []
    for engine in ENGINES:
        run = run_engine(engine, selected, paths, progress)
        if isinstance(run, str):
            result[f"voice.{engine}.available"] = 0
            result[f"voice.{engine}.unavailable_reason"] = run
            continue
        result[f"voice.{engine}.available"] = 1
        if preferred is None:
            preferred, requests = engine, run.outcomes
        result.update(engine_figures(engine, run))
    # After the engines: their rss_mb is measured while they decode, without this matcher.
    result.update(exact_words_figures(selected))
    if preferred is not None:
        result["voice.engine"] = preferred
        for key, item in list(result.items()):
            prefix = f"voice.{preferred}."
            if key.startswith(prefix) and key.count(".") == 2 and not key.endswith("available"):
                result["voice." + key[len(prefix) :]] = item
        if unseen:
            answers = hear_answers(preferred, quick, progress)
            result.update(answer_figures(answers))
            result.update(dialogue_figures(requests, answers))
            result.update(unseen_figures(preferred, quick, progress))
    return result


def hear_answers(
    engine: str, quick: bool = False, progress: Progress = None
) -> dict[Clip, Decision]:
    """How ``engine`` hears each answer to "Did you mean ...?" (:func:`answer_clips`), as the
    kiosk hears them while a question is open (the answer language)."""
    from kiosk.listen.hearing import hear_utterance, kiosk_listener

    selected = answer_clips(quick)
    paths = build(selected, progress)
    recogniser, matcher, _reason, _unknown = kiosk_listener(_seed_content(), engine)
    recogniser.answering = True
    if progress:
        progress(f"voice: {engine}: hearing {len(selected)} answers...")
    return {
        clip: hear_utterance(recogniser, matcher, read_wav_16k(paths[clip.id])) for clip in selected
    }


def answer_figures(heard: Mapping[Clip, Decision]) -> dict[str, float | int | str]:
    """How the answers (:func:`hear_answers`) are decided, as the kiosk decides them
    (:func:`kiosk.listen.dialogue.heard_answer`). Per half, and per half and family:
    ``voice.answers.<half>[.<family>].right_<condition>``, the share of yeses and noes heard as
    what was said; ``false_yes_rate``, the share of noes and other speech taken for a yes (the
    kiosk then opens what it asked about); ``yes_as_no_rate``, the share of yeses taken for a no
    (it then asks the patient to ask again)."""
    from kiosk.listen.dialogue import heard_answer

    answer: dict[Clip, str | None] = {}
    for clip, decision in heard.items():
        yes = heard_answer(decision)
        answer[clip] = None if yes is None else ("command:yes" if yes else "command:no")
    result: dict[str, float | int | str] = {"voice.answers.clips": len(heard)}
    for half in HALVES:
        for family in ("", *FAMILIES):
            part = [c for c in heard if c.half == half and family in ("", c.family)]
            prefix = f"voice.answers.{half}." + (f"{family}." if family else "")
            for condition in CONDITIONS:
                said = [c for c in part if c.in_scope and c.condition == condition]
                right = sum(answer[c] == c.expected for c in said)
                result[f"{prefix}right_{condition}"] = _share(right, len(said))
            others = [c for c in part if c.expected != "command:yes"]
            taken = sum(answer[c] == "command:yes" for c in others)
            result[f"{prefix}false_yes_rate"] = _share(taken, len(others))
            yeses = [c for c in part if c.expected == "command:yes"]
            as_no = sum(answer[c] == "command:no" for c in yeses)
            result[f"{prefix}yes_as_no_rate"] = _share(as_no, len(yeses))
    return result


def dialogue_end(request: Decision, say: Callable[[str], Decision | None]) -> str:
    """Where one spoken request ends in the kiosk's own dialogue
    (:class:`kiosk.listen.dialogue.VoiceDialogue`): ``request`` is what was heard of it, and the
    patient answers each "Did you mean ...?" with ``say(asked)`` (``asked``: the target the
    question names; None: nothing heard). The target acted on at once or confirmed by a yes
    ("topic:<id>", "command:<name>"), or "none": not understood, declined, asked about a yes or
    no with no question open, or left for a touch after the second answer heard as neither."""
    from kiosk.listen.dialogue import Outcome as Turned
    from kiosk.listen.dialogue import Step, VoiceDialogue
    from kiosk.listen.matching import match_target

    dialogue = VoiceDialogue()
    dialogue.begin()
    dialogue.microphone_opened(Step.LISTENING)
    turn = dialogue.heard(request, spoke=True)
    while turn.outcome in (Turned.ASK, Turned.ASK_AGAIN):
        asked = match_target(turn.match) or "none"
        dialogue.microphone_opened(Step.ANSWER)
        turn = dialogue.heard(say(asked), spoke=True)
    if turn.outcome in (Turned.ACT, Turned.CONFIRMED):
        return match_target(turn.match) or "none"
    return "none"


def dialogue_figures(
    requests: Sequence[Outcome], answers: Mapping[Clip, Decision]
) -> dict[str, float | int | str]:
    """Where spoken requests end when the patient answers the kiosk's questions: each request
    (``requests``, the preferred engine's outcomes, with their decisions) goes through
    :func:`dialogue_end`, and each "Did you mean ...?" is answered yes when it names what was
    asked for and no otherwise, by the answers set's yeses or noes (``answers``) said by the same
    family in the same condition, taken in turn (in the quick set, where a condition has none,
    the family's in any condition). A request is a patient: the answers are the same voices
    family's but another phrasing and often another voice.

    Keyed ``voice.dialogue.[<half>.][<family>.]``: ``right_<condition>``, the share of in-scope
    requests that end on the right topic or command, at once or after a yes;
    ``false_action_rate``, the share of all requests that end on a wrong one (acted on wrongly,
    or a wrong question heard as a yes); ``confirmed_rate``, the share of in-scope requests
    that end rightly only through a question."""

    def pools_of(clip: Clip, meant: str) -> tuple[tuple[str, ...], ...]:
        """The answers a patient saying ``meant`` draws on, nearest first: the same family in
        the same condition, then the family's in any condition."""
        return ((clip.half, clip.family, clip.condition, meant), (clip.half, clip.family, meant))

    pools: dict[tuple[str, ...], list[Decision]] = {}
    for clip, decision in answers.items():
        if clip.in_scope:
            for pool in pools_of(clip, clip.expected):
                pools.setdefault(pool, []).append(decision)
    # Each pool's answers in turn, from one request to the next.
    turns = {pool: itertools.cycle(decisions) for pool, decisions in pools.items()}

    def answerer(clip: Clip) -> Callable[[str], Decision | None]:
        def say(asked: str) -> Decision | None:
            meant = "command:yes" if asked == clip.expected else "command:no"
            pool = next((pool for pool in pools_of(clip, meant) if pool in turns), None)
            return None if pool is None else next(turns[pool])

        return say

    ends = [(o, dialogue_end(o.decided, answerer(o.clip))) for o in requests if o.decided]
    result: dict[str, float | int | str] = {}
    for half in ("", *HALVES):
        for family in ("", *FAMILIES):
            prefix = "".join(f"{name}." for name in (half, family) if name)
            part = [(o, end) for o, end in ends if half in ("", o.clip.half)]
            part = [(o, end) for o, end in part if family in ("", o.clip.family)]
            scoped = [(o, end) for o, end in part if o.clip.in_scope]
            for condition in CONDITIONS:
                said = [(o, end) for o, end in scoped if o.clip.condition == condition]
                right = sum(end == o.clip.expected for o, end in said)
                result[f"voice.dialogue.{prefix}right_{condition}"] = _share(right, len(said))
            wrong = sum(end not in ("none", o.clip.expected) for o, end in part)
            result[f"voice.dialogue.{prefix}false_action_rate"] = _share(wrong, len(part))
            asked = sum(end == o.clip.expected and not o.acted for o, end in scoped)
            result[f"voice.dialogue.{prefix}confirmed_rate"] = _share(asked, len(scoped))
    return result


def unseen_figures(
    engine: str, quick: bool = False, progress: Progress = None
) -> dict[str, float | int | str]:
    """``engine``'s figures on the family nothing was tuned on (:func:`unseen_clips`), keyed
    "voice.unseen.<name>"; where Festival or its voices are missing, why
    (``voice.unseen.unavailable_reason``)."""
    problem = festival_missing()
    if problem:
        if progress:
            progress(f"voice: no unseen voice family: {problem}")
        return {"voice.unseen.unavailable_reason": problem}
    selected = unseen_clips(quick)
    paths = build(selected, progress)
    run = run_engine(engine, selected, paths, progress)
    if isinstance(run, str):
        return {"voice.unseen.unavailable_reason": run}
    result: dict[str, float | int | str] = {"voice.unseen.family": UNSEEN_FAMILY}
    result.update({f"voice.unseen.{k}": v for k, v in figures_of(run.outcomes).items()})
    for voice in FESTIVAL_VOICES:
        figures = figures_of([o for o in run.outcomes if o.clip.voice == voice])
        for name in ("accuracy_clean", "accuracy_snr10", "accuracy_snr5", "false_action_rate"):
            result[f"voice.unseen.{voice}.{name}"] = figures[name]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kiosk.devtools.voiceset``: every clip's outcome, for tuning on the dev half."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--half", choices=(*HALVES, "all"), default="dev")
    parser.add_argument("--family", choices=(*FAMILIES, UNSEEN_FAMILY, "all"), default="all")
    parser.add_argument("--engine", choices=ENGINES, default="pocketsphinx")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--every", type=int, default=1, help="only every n-th clip")
    parser.add_argument("--errors", action="store_true", help="show only clips not acted on right")
    args = parser.parse_args(argv)
    pool = unseen_clips(args.quick) if args.family == UNSEEN_FAMILY else clips(args.quick)
    selected = [
        c for c in pool if args.half in ("all", c.half) and args.family in ("all", c.family)
    ][:: args.every]
    paths = build(selected, print)
    run = run_engine(args.engine, selected, paths, print)
    if isinstance(run, str):
        print(f"{args.engine} unavailable: {run}")
        return 1
    outcomes = run.outcomes
    for o in outcomes:
        if args.errors and (o.right or (not o.clip.in_scope and not o.acted)):
            continue
        mark = "OK " if o.right or (not o.clip.in_scope and not o.acted) else "BAD"
        if o.false_action:
            mark = "XXX"
        print(
            f"{mark} {o.clip.id:<29} {o.clip.expected:<32} {o.decision:<34} "
            f"heard_as={o.heard_as or '-':<32} "
            f"{o.confidence:.2f} {o.latency_ms:5.0f}ms  said={o.clip.text!r} "
            f"heard={o.transcript!r} free={o.free!r} "
            f"[{o.clip.family} {o.clip.voice} r{o.clip.rate} p{o.clip.pitch} {o.clip.noise}]"
        )
    print(" ".join(f"{k}={v}" for k, v in figures_of(outcomes).items()))
    for family in (*FAMILIES, UNSEEN_FAMILY):
        part = [o for o in outcomes if o.clip.family == family]
        if part:
            print(f"{family}: " + " ".join(f"{k}={v}" for k, v in figures_of(part).items()))
    print("latency median", statistics.median(o.latency_ms for o in outcomes))
    print(f"rss_mb={run.rss_mb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
