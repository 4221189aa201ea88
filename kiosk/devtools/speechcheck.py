"""Speech for tests and benchmarks: make it, and understand what was spoken.

:func:`render_espeak` speaks a text into a WAV (espeak-ng command line); :func:`transcribe`
(PocketSphinx, full language model) and :func:`transcribe_among` (listening for given sentences)
turn recorded audio back into words; :func:`word_recall` scores a transcript. Development use only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from array import array
from pathlib import Path
from typing import Any

from kiosk.devtools.rig import RATE, SOUND_RMS

#: An espeak-ng voice PocketSphinx's US model understands: measured word recall with the full
#: language model on four kiosk-like sentences: en-us+f2 ≈70 %, en-us+f5 ≈70 %, en-us ≈6 %,
#: en-gb (any variant) ≈10 %. Use it where a test must understand what was spoken.
TRANSCRIBABLE_VOICE = "en-us+f2"


def render_espeak(
    text: str,
    path: str | os.PathLike[str],
    voice: str = "en-gb",
    rate: int = 175,
    pitch: int | None = None,
    timeout: float = 30,
) -> Path:
    """Speak ``text`` into a WAV with the espeak-ng command line (22050 Hz mono); test use only.
    ``pitch`` 0-99 (None: the voice's own)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed: install the Debian package espeak-ng")
    out = Path(path)
    pitched = [] if pitch is None else ["-p", str(pitch)]
    result = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), *pitched, "-w", str(out), text],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"espeak-ng failed for {voice}: {result.stderr.strip()}")
    return out


_decoder: Any = None
_decoder_lock = threading.Lock()


def _get_decoder() -> Any:
    global _decoder
    with _decoder_lock:
        if _decoder is None:
            from pocketsphinx import Decoder

            # Defaults: the bundled en-us acoustic model, dictionary and full language model.
            _decoder = Decoder(samprate=RATE, loglevel="ERROR")
        return _decoder


def transcribe(pcm16k: bytes) -> str:
    """Offline speech to text (PocketSphinx en-us, full language model); lower-case words.

    ``pcm16k`` is 16 kHz mono s16le. The decoder is created once (≈0.4 s) and reused. Audio with
    nothing above :data:`SOUND_RMS` gives "" (PocketSphinx "hears" words such as "in" in digital
    silence). Accuracy depends on the voice: see :data:`TRANSCRIBABLE_VOICE`.
    """
    pcm = array("h", pcm16k[: len(pcm16k) // 2 * 2])
    if sys.byteorder == "big":
        pcm.byteswap()
    if not pcm or max(map(abs, pcm)) <= SOUND_RMS:
        return ""
    from kiosk.listen.engines.pocketsphinx import start_afresh
    from kiosk.listen.pcm import dithered, without_silence

    # As the kiosk's own recogniser does: the rig's silence is exact zeros, whose log energy
    # throws off PocketSphinx's batch normalisation (a spoken hint "Bone pain. ... Double-tap
    # to open." between stretches of zeros was transcribed with none of its words, now and then,
    # on a busy machine where the clip held more silence).
    audio = dithered(without_silence(pcm16k))
    decoder = _get_decoder()
    with _decoder_lock:
        start_afresh(decoder)  # what it hears does not depend on what it heard before
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
    return "" if hyp is None else " ".join(hyp.hypstr.lower().split())


_among: dict[tuple[str, ...], Any] = {}


def transcribe_among(pcm16k: bytes, sentences: tuple[str, ...]) -> str:
    """What PocketSphinx hears in ``pcm16k`` listening for ``sentences`` (a trigram language of
    them, with everyday words as the alternative, as the kiosk listens for requests); lower-case
    words. For checking which of several things the kiosk said: with the full English model
    the kiosk's voice is transcribed too loosely to tell ("bone pain ... double-tap to open"
    came back as "okay with you and think ... little doubtful the"), now and then."""
    from kiosk.listen.engines.pocketsphinx import PocketSphinxRecogniser

    recogniser = _among.get(sentences)
    if recogniser is None:
        recogniser = PocketSphinxRecogniser({}, nbest=0)
        recogniser.set_phrases(sentences)
        _among[sentences] = recogniser
    heard: str = recogniser.recognise(pcm16k[: len(pcm16k) // 2 * 2]).transcript
    return heard


STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "to",
        "and",
        "or",
        "is",
        "it",
        "can",
        "be",
        "for",
        "with",
        "at",
        "by",
        "as",
    ]
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def word_recall(expected: str, heard: str) -> float:
    """Share (0-1) of ``expected``'s distinct content words that appear in ``heard``.

    Lower-case, punctuation stripped, :data:`STOP_WORDS` ignored.
    """
    wanted = {w for w in _words(expected) if w not in STOP_WORDS}
    if not wanted:
        raise ValueError(f"no content words in {expected!r}")
    got = set(_words(heard))
    return len(wanted & got) / len(wanted)
