"""Text to speech adapter: one long-lived pyttsx3 engine (espeak-ng driver) that renders sentences.

Only this module imports pyttsx3. Following shared/VOICE.md: never ``say()`` (it shells out to
``aplay`` and cannot be interrupted); each sentence is rendered into memory (espeak's synthesis
callback, see ``EspeakTts._collect_samples``; not pyttsx3's ``save_to_file`` + ``runAndWait``,
which sleeps 10 ms per sentence and writes a file) and played by the Qt side, so Stop is
instant. espeak can be initialised once per process, and its callbacks arrive on its own thread:
create and use an ``EspeakTts`` from one thread only.
"""

from __future__ import annotations

import logging
import os
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("kiosk.speech")

ENGINE_NAME = "pyttsx3-espeak-ng"
RATE = 22050
"""espeak-ng's output rate (Hz)."""


class TtsError(RuntimeError):
    """The engine could not render (missing library, bad voice, nothing written)."""


@dataclass(frozen=True)
class VoiceInfo:
    """A voice the engine offers."""

    id: str
    name: str
    languages: tuple[str, ...]


def _quiet(*args: object, **kwargs: object) -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." on stdout for every file."""


class EspeakTts:
    """Renders text to 22,050 Hz mono 16-bit WAV files with a fixed voice and pitch."""

    def __init__(self, voice: str, pitch: int = 50) -> None:
        try:
            import pyttsx3
            import pyttsx3.drivers.espeak as espeak_driver
        except (ImportError, OSError) as error:  # OSError: libespeak-ng.so.1 missing
            raise TtsError(
                f"text to speech is not available ({error}); install the Debian packages "
                "espeak-ng and libespeak-ng1"
            ) from error
        espeak_driver.print = _quiet
        try:
            self._engine: Any = pyttsx3.init("espeak")
        except Exception as error:
            raise TtsError(f"the espeak-ng engine did not start ({error})") from error
        # Properties are set on the driver itself: the engine's setProperty only queues them
        # for pyttsx3's run loop, which the kiosk does not use.
        self._driver: Any = self._engine.proxy._driver
        self._done = threading.Event()
        self._collecting = False
        self._pcm = bytearray()
        self._collect_samples()
        self.retries = 0
        self.voice = self._choose_voice(voice)
        self._driver.setProperty("voice", self.voice)
        self._driver.setProperty("pitch", pitch)
        self.pitch = pitch

    def _collect_samples(self) -> None:
        """Take espeak's audio straight from its synthesis callback into memory.

        pyttsx3 2.99's own path is slow and lossy: its run loop sleeps 10 ms after starting
        every synthesis (most of a short sentence's render time), its callback writes a WAV
        file, and it writes that file when it meets espeak's "message terminated" event before
        adding the samples that came in the same callback: when espeak hands over its last
        buffer together with that event (seen on a busy machine: "Call 0808 800 6000." came out
        3.9 s long instead of 4.5 s), the end of the sentence was lost. This callback keeps the
        samples first, then looks at the events, and wakes the caller the moment espeak says the
        message is done. pyttsx3 is still used to start espeak, list voices and set the voice,
        speed and pitch.
        """
        import ctypes

        import pyttsx3.drivers._espeak as espeak_api

        sample = ctypes.sizeof(ctypes.c_short)
        finished = espeak_api.EVENT_MSG_TERMINATED
        end_of_list = espeak_api.EVENT_LIST_TERMINATED

        def on_synth(wav: Any, samples: int, events: Any) -> int:
            if not self._collecting:
                return 0
            if samples > 0:
                self._pcm += ctypes.string_at(wav, samples * sample)
            i = 0
            while events[i].type != end_of_list:
                if events[i].type == finished:
                    self._collecting = False
                    self._done.set()
                    break
                i += 1
            return 0

        self._on_synth = on_synth
        self._registered: object | None = None
        self._listen()

    def _listen(self) -> None:
        """Make this engine's callback espeak's one callback (espeak has one per process: another
        ``EspeakTts``, as in the tests, would otherwise take this one's audio)."""
        import pyttsx3.drivers._espeak as espeak_api

        if self._registered is None or espeak_api.SynthCallback is not self._registered:
            espeak_api.SetSynthCallback(self._on_synth)
            self._registered = espeak_api.SynthCallback  # espeak keeps only a C pointer to it

    def configure(self, voice: str, pitch: int) -> None:
        """Switch voice or pitch (cheap when unchanged)."""
        if voice != self.voice and voice != getattr(self, "_wanted", None):
            self._wanted = voice
            self.voice = self._choose_voice(voice)
            self._driver.setProperty("voice", self.voice)
        if pitch != self.pitch:
            self._driver.setProperty("pitch", pitch)
            self.pitch = pitch

    def voices(self) -> list[VoiceInfo]:
        """Every voice espeak-ng offers."""
        return [
            VoiceInfo(str(v.id), str(v.name), tuple(str(lang) for lang in (v.languages or [])))
            for v in self._engine.getProperty("voices")
        ]

    def _choose_voice(self, wanted: str) -> str:
        voices = self.voices()
        base, plus, variant = wanted.partition("+")
        for voice in voices:
            if base in (voice.id, voice.name, *voice.languages):
                # espeak-ng takes a variant after "+", e.g. "en-us+f2".
                return f"{voice.id}+{variant}" if plus else voice.id
        fallback = next((v.id for v in voices if "en-gb" in v.languages), None) or next(
            (v.id for v in voices if any(lang.startswith("en") for lang in v.languages)),
            voices[0].id if voices else wanted,
        )
        log.warning("voice %r is not installed; using %r", wanted, fallback)
        return fallback

    def render(self, text: str, rate_wpm: int, path: Path, timeout: float = 20.0) -> None:
        """Write ``text`` spoken at ``rate_wpm`` to ``path`` (a 22,050 Hz mono 16-bit WAV)."""
        pcm = self.render_pcm(text, rate_wpm, timeout)
        path.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(os.fspath(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm)

    def render_pcm(self, text: str, rate_wpm: int, timeout: float = 20.0) -> bytes:
        """``text`` spoken at ``rate_wpm``: 22,050 Hz mono 16-bit PCM, in memory.

        espeak synthesises on its own thread and hands the audio to the callback; this waits
        for its "message terminated" event. A result shorter than any real speaking rate allows
        (a cancelled synthesis) is rendered again, at most three times.
        """
        import pyttsx3.drivers._espeak as espeak_api

        words = max(1, len(text.split()))
        encoded = text.encode("utf-8")
        self._listen()
        self._driver.setProperty("rate", rate_wpm)
        for _ in range(3):
            self._pcm = bytearray()
            self._done.clear()
            self._collecting = True
            try:
                # espeak copies ``size`` bytes of the text before it returns. pyttsx3's own
                # ``Synth`` tells it ten times the text's length, so espeak read past the end of
                # the string, and when that ran into unmapped memory the whole process died
                # (a segmentation fault in espeak_Synth, seen once in a full test run). The size
                # here is the text and its closing NUL byte, which a bytes object always has.
                espeak_api.cSynth(
                    encoded,
                    len(encoded) + 1,
                    0,
                    espeak_api.POS_CHARACTER,
                    0,
                    espeak_api.ENDPAUSE | espeak_api.CHARS_UTF8,
                    None,
                    None,
                )
            except Exception as error:
                self._collecting = False
                raise TtsError(f"rendering failed ({error})") from error
            if not self._done.wait(timeout):
                self._collecting = False
                espeak_api.Cancel()
                raise TtsError(f"the engine did not finish {text[:40]!r} within {timeout:g} s")
            pcm = bytes(self._pcm)
            if len(pcm) // 2 >= words * 0.06 * RATE:  # 60 ms a word: far below any real rate
                return pcm
            self.retries += 1
            log.debug("espeak render of %r was cut short; trying again", text[:40])
        raise TtsError(f"the engine wrote no complete audio for {text[:40]!r} ({len(pcm)} bytes)")
