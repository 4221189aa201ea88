"""Sentence audio: spoken form (lexicon), the rendered-audio cache, and the one TTS engine.

No Qt here, so the ``say`` command and the kiosk's render thread share exactly this code.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.speech.cache import AudioCache, CacheUnavailable, WavAudio, cache_key, read_wav
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
        self._scratch = Path(tempfile.mkdtemp(prefix="kiosk-tts-"))
        self._names = itertools.count()

    def render(self, text: str, rate: int) -> WavAudio:
        """The audio of ``text`` spoken at ``rate`` words a minute."""
        from kiosk.speech.tts import ENGINE_NAME, EspeakTts

        spoken = spoken_form(text, self.settings.lexicon)
        key = cache_key(spoken, self.settings.voice, rate, self.settings.pitch, ENGINE_NAME)
        if self.cache is not None:
            try:
                cached = self.cache.get(key)
            except OSError:
                cached = None
            if cached is not None:
                return cached
        engine = shared_engine(self.settings.voice, self.settings.pitch)
        assert isinstance(engine, EspeakTts)
        path = self._scratch / f"{next(self._names)}.wav"
        try:
            engine.render(spoken, rate, path)
            if self.cache is not None and (
                self.cache_problem is None or time.monotonic() >= self._cache_retry_at
            ):
                try:
                    audio = self.cache.put(key, path)
                except CacheUnavailable as error:
                    if self.cache_problem is None:
                        log.warning("speech cache unavailable (%s); speaking without it", error)
                    self.cache_problem = str(error)
                    self._cache_retry_at = time.monotonic() + self.cache_retry_s
                else:
                    if self.cache_problem is not None:
                        log.info("the speech cache can be written again")
                        self.cache_problem = None
                    return audio
            return read_wav(path)
        finally:
            path.unlink(missing_ok=True)

    def render_all(self, texts: Sequence[str], rate: int, gap_ms: int = 250) -> WavAudio:
        """Several sentences joined into one recording, with a short pause between them."""
        parts = [self.render(text, rate) for text in texts]
        if not parts:
            raise ValueError("nothing to say")
        first = parts[0]
        silence = bytes(first.sample_width * first.channels * (first.rate * gap_ms // 1000))
        pcm = silence.join(p.pcm for p in parts)
        return WavAudio(first.rate, first.channels, first.sample_width, pcm)
