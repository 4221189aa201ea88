"""Text to speech adapter: one long-lived pyttsx3 engine (espeak-ng driver) that renders WAV files.

Only this module imports pyttsx3. Following shared/VOICE.md: never ``say()`` (it shells out to
``aplay`` and cannot be interrupted); each sentence is rendered with ``save_to_file`` +
``runAndWait`` and played by the Qt side, so Stop is instant. espeak can be initialised once per
process, and its callbacks arrive on its own thread: create and use an ``EspeakTts`` from one
thread only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("kiosk.speech")

ENGINE_NAME = "pyttsx3-espeak-ng"


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
        self._keep_last_samples(self._engine.proxy._driver)
        self._done = threading.Event()
        self._engine.connect("finished-utterance", self._finished)
        self._completions: list[bool] = []
        self.retries = 0
        self.voice = self._choose_voice(voice)
        self._engine.setProperty("voice", self.voice)
        self._engine.setProperty("pitch", pitch)
        self.pitch = pitch

    @staticmethod
    def _keep_last_samples(driver: Any) -> None:
        """Fix pyttsx3 2.99's espeak driver losing the end of a sentence.

        Its synthesis callback writes the WAV file when it meets espeak's "message terminated"
        event, and only afterwards adds the samples that came in the same callback: when espeak
        hands over its last buffer together with that event (seen on a busy machine: "Call 0808
        800 6000." came out 3.9 s long instead of 4.5 s), the end of the sentence is lost, and
        the file is long enough to pass as complete. The callback is replaced with one that
        adds the samples first, then lets the driver handle the events.
        """
        import ctypes

        import pyttsx3.drivers._espeak as espeak_api

        handle_events = driver._onSynth
        sample = ctypes.sizeof(ctypes.c_short)

        def on_synth(wav: Any, samples: int, events: Any) -> int:
            if samples > 0 and driver._speaking:
                driver._data_buffer += ctypes.string_at(wav, samples * sample)
            result: int = handle_events(wav, 0, events)
            return result

        driver._kiosk_on_synth = on_synth  # espeak keeps only a C pointer to it
        espeak_api.SetSynthCallback(on_synth)

    def configure(self, voice: str, pitch: int) -> None:
        """Switch voice or pitch (cheap when unchanged)."""
        if voice != self.voice and voice != getattr(self, "_wanted", None):
            self._wanted = voice
            self.voice = self._choose_voice(voice)
            self._engine.setProperty("voice", self.voice)
        if pitch != self.pitch:
            self._engine.setProperty("pitch", pitch)
            self.pitch = pitch

    def _finished(self, name: object = None, completed: object = True) -> None:
        self._completions.append(bool(completed))
        self._done.set()

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
        """Write ``text`` spoken at ``rate_wpm`` to ``path`` (a WAV file).

        pyttsx3 2.99's ``runAndWait`` races espeak's own synthesis thread: the queued ``endLoop``
        can end the loop before synthesis finishes, or cancel it (``driver.stop()``), leaving a
        cut-short file. So each render waits for the driver's "finished-utterance", rejects a
        cancelled or implausibly short result, and tries again (at most three times).
        """
        words = max(1, len(text.split()))
        for _ in range(3):
            self._render_once(text, rate_wpm, path, timeout)
            # The first report is this synthesis; a later "not completed" one is pyttsx3's own
            # queued stop arriving after the audio was already written.
            if self._completions and self._completions[0] and self._plausible(path, words):
                return
            self.retries += 1
            log.debug("espeak render of %r was cut short; trying again", text[:40])
        size = path.stat().st_size if path.exists() else -1
        raise TtsError(
            f"the engine wrote no complete audio for {text[:40]!r} "
            f"(finished: {self._completions}, {size} bytes)"
        )

    def _render_once(self, text: str, rate_wpm: int, path: Path, timeout: float) -> None:
        driver = self._engine.proxy._driver
        driver._stopping = False  # a stale stop request would cancel this synthesis
        self._completions = []
        self._done.clear()
        path.unlink(missing_ok=True)
        self._engine.setProperty("rate", rate_wpm)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._engine.save_to_file(text, os.fspath(path))
            self._engine.runAndWait()
        except Exception as error:
            raise TtsError(f"rendering failed ({error})") from error
        if not self._done.wait(timeout):
            raise TtsError(f"the engine did not finish {text[:40]!r} within {timeout:g} s")
        # A cancel is reported as a second, incomplete "finished-utterance" from the run loop.
        deadline = time.monotonic() + 0.05
        while driver._stopping and time.monotonic() < deadline:
            time.sleep(0.001)

    @staticmethod
    def _plausible(path: Path, words: int) -> bool:
        """At least 60 ms of audio per word: far below any real speaking rate."""
        try:
            frames = (path.stat().st_size - 44) // 2
        except OSError:
            return False
        return frames >= words * 0.06 * 22050
