"""Sentence audio: spoken form (lexicon), the rendered-audio cache, and the one TTS engine.

No Qt here, so the ``say`` command and the kiosk's render thread share exactly this code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from kiosk.speech.cache import AudioCache, CacheUnavailable, CorruptAudio, WavAudio, cache_key
from kiosk.speech.text import spoken_form

log = logging.getLogger("kiosk.speech")

_engine: object | None = None


@dataclass(frozen=True)
class VoiceSettings:
    """What a rendering depends on (besides the text and the speed)."""

    voice: str
    pitch: int
    lexicon: Mapping[str, str] = field(default_factory=dict)


def shared_engine(voice: str, pitch: int) -> object:
    """The process's TTS engine (espeak can be initialised once per process). Call it from one
    thread only: the kiosk's render thread, or the main thread of a command."""
    global _engine
    from kiosk.speech.tts import EspeakTts

    if _engine is None:
        _engine = EspeakTts(voice, pitch)
    assert isinstance(_engine, EspeakTts)
    _engine.configure(voice, pitch)
    return _engine


def _nothing() -> None:
    """Nothing to store (the audio came from the cache)."""


class SentenceRenderer:
    """Renders one sentence at a time, through the cache when there is one."""

    cache_retry_s = 60.0
    """After the cache could not be written (folder unwritable, disk full), speech goes on
    without it and writing is tried again after this long: the cache comes back by itself."""

    def __init__(self, settings: VoiceSettings, cache: AudioCache | None) -> None:
        self.settings = settings
        self.cache = cache
        self.cache_problem: str | None = None
        self._cache_retry_at = 0.0

    def warm(self) -> None:
        """Start the engine (espeak and its voice) before the first sentence needs it."""
        shared_engine(self.settings.voice, self.settings.pitch)

    def render(self, text: str, rate: int) -> WavAudio:
        """The audio of ``text`` spoken at ``rate`` words a minute."""
        audio, store = self.render_unstored(text, rate)
        store()
        return audio

    def render_unstored(self, text: str, rate: int) -> tuple[WavAudio, Callable[[], None]]:
        """The audio of ``text`` at ``rate``, and what puts a new render into the cache: the
        kiosk hands the audio to the output first and writes the cache after (writing it, and
        keeping the folder under its limit, is not worth making the first sentence wait)."""
        from kiosk.speech.tts import ENGINE_NAME, RATE, EspeakTts

        spoken = spoken_form(text, self.settings.lexicon)
        key = cache_key(spoken, self.settings.voice, rate, self.settings.pitch, ENGINE_NAME)
        if self.cache is not None:
            try:
                cached = self.cache.get(key)
            except OSError:
                cached = None
            if cached is not None:
                return cached, _nothing
        engine = shared_engine(self.settings.voice, self.settings.pitch)
        assert isinstance(engine, EspeakTts)
        audio = WavAudio(RATE, 1, 2, engine.render_pcm(spoken, rate))
        return audio, partial(self._store, key, audio)

    def _store(self, key: str, audio: WavAudio) -> None:
        cache = self.cache
        if cache is None or (
            self.cache_problem is not None and time.monotonic() < self._cache_retry_at
        ):
            return
        try:
            cache.put_audio(key, audio)
        except CacheUnavailable as error:
            if self.cache_problem is None:
                log.warning("speech cache unavailable (%s); speaking without it", error)
            self.cache_problem = str(error)
            self._cache_retry_at = time.monotonic() + self.cache_retry_s
        except CorruptAudio as error:
            log.warning("a render was not stored in the speech cache (%s)", error)
        else:
            if self.cache_problem is not None:
                log.info("the speech cache can be written again")
                self.cache_problem = None

    def render_all(self, texts: Sequence[str], rate: int, gap_ms: int = 250) -> WavAudio:
        """Several sentences joined into one recording, with a short pause between them."""
        parts = [self.render(text, rate) for text in texts]
        if not parts:
            raise ValueError("nothing to say")
        first = parts[0]
        silence = bytes(first.sample_width * first.channels * (first.rate * gap_ms // 1000))
        pcm = silence.join(p.pcm for p in parts)
        return WavAudio(first.rate, first.channels, first.sample_width, pcm)
