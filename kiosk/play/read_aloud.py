"""Read aloud: sentences rendered off the GUI thread, played in order with QtMultimedia.

One queue owns ordering and interruption (shared/STYLE.md, Anki's player): ``stop()`` is one call
that always works and is instant: audio is played from memory by a ``QAudioSink`` in the sound
output process (``kiosk.play.process``), which drops what it holds on one message. The first
sentence plays while later ones render.
"""

from __future__ import annotations

import atexit
import logging
import queue
import time
from collections.abc import Sequence

from PySide6.QtCore import (
    QObject,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from kiosk.play.client import SoundOutput
from kiosk.speech.cache import AudioCache, WavAudio
from kiosk.speech.render import SentenceRenderer, VoiceSettings

log = logging.getLogger("kiosk.speech")

VOLUME_STEPS_DB: tuple[float, ...] = (-24.0, -18.0, -12.0, -6.0, -3.0, 0.0)
"""Six volume steps over a 24 dB range (ACCESSIBILITY.md: at least 18 dB, at least 5 steps)."""

RATE_STEPS_WPM: tuple[int, ...] = (80, 110, 140, 175, 210, 250, 300)
"""Seven speeds from 80 to 300 words a minute; espeak-ng's default is 175."""


def nearest_step(steps: Sequence[float], value: float) -> int:
    """The index of the step closest to ``value``."""
    return min(range(len(steps)), key=lambda i: abs(steps[i] - value))


def without_leading_zeros(pcm: bytes, frame_bytes: int) -> bytes:
    """``pcm`` from its first frame that is not digital silence (all of it if all silent)."""
    start = len(pcm) - len(pcm.lstrip(b"\0"))
    start -= start % frame_bytes
    return pcm[start:] if start < len(pcm) else pcm


_render_thread: QThread | None = None


def render_thread() -> QThread:
    """The one thread where the TTS engine lives (espeak can be initialised once per process,
    and must be used from one thread), shared by every read-aloud queue."""
    global _render_thread
    if _render_thread is None:
        _render_thread = QThread()
        _render_thread.setObjectName("tts-render")
        _render_thread.start()
        atexit.register(stop_render_thread)
    return _render_thread


def stop_render_thread() -> None:
    """End the render thread (at exit: a running QThread must not be destroyed)."""
    global _render_thread
    if _render_thread is not None:
        _render_thread.quit()
        _render_thread.wait(5000)
        _render_thread = None


class RenderWorker(QObject):
    """Lives in the render thread: renders sentences in order and hands each over at once."""

    rendered = Signal()  # a sentence is waiting in ``done``
    failed = Signal(int, str)  # generation, message for the log

    def __init__(self, settings: VoiceSettings, cache: AudioCache | None) -> None:
        super().__init__()
        self.renderer = SentenceRenderer(settings, cache)
        self.generation = 0  # the GUI thread bumps it to cancel; read between sentences
        # (generation, sentence index, WavAudio) of each rendered sentence, in order: the GUI
        # thread takes them when ``rendered`` reaches it, or waits here for a reading's first.
        self.done: queue.SimpleQueue[tuple[int, int, WavAudio]] = queue.SimpleQueue()

    @Slot(int, object, int)
    def render(self, generation: int, texts: Sequence[str], rate: int) -> None:
        """Render sentences in order, emitting each as soon as it is ready."""
        for index, text in enumerate(texts):
            if generation != self.generation:
                return  # stopped or replaced: drop the rest
            try:
                audio, store = self.renderer.render_unstored(text, rate)
            except (OSError, RuntimeError, ValueError) as error:
                self.failed.emit(generation, f"could not render {text[:40]!r}: {error}")
                return
            self.done.put((generation, index, audio))  # to the output first,
            self.rendered.emit()
            store()  # then into the cache

    @Slot()
    def warm(self) -> None:
        """Start the engine now (about 30 ms and its imports), not at the first Read aloud."""
        try:
            self.renderer.warm()
        except (OSError, RuntimeError, ValueError) as error:
            log.warning("the text-to-speech engine did not start: %s", error)


class ReadAloud(QObject):
    """Speaks a list of sentences as one continuous stream; Pause, Stop, Repeat; volume, speed.

    Audio goes to the sound output process as sentences arrive from the render thread. Which
    sentence is playing is worked out from how much audio the sink has processed, so the
    highlight follows the voice. Without an output device the same timeline runs on the clock,
    silently, so highlighting and page turning still work and nothing waits for sound.
    """

    sentence_started = Signal(int)
    finished = Signal()
    state_changed = Signal(str)  # "idle", "speaking", "paused"
    sound_available_changed = Signal(bool)
    first_audio = Signal(float)  # perf_counter when the first buffer went to the output
    _request = Signal(int, object, int)
    _warm = Signal()

    WARM_AFTER_MS = 1500
    """The engine starts this long after the kiosk (its ~30 ms are not spent before Home shows,
    nor at the first Read aloud)."""

    TICK_MS = 10
    FIRST_SENTENCE_WAIT_S = 0.05
    """How long Read aloud may wait for the first sentence before it returns to the event loop
    (a rendering takes 1-10 ms; the engine's first start about 30 ms)."""

    def __init__(
        self,
        settings: VoiceSettings,
        cache: AudioCache | None,
        default_volume_db: float = -6.0,
        default_rate: int = 175,
        parent: QObject | None = None,
        output: SoundOutput | None = None,
        start_output: bool = True,
    ) -> None:
        super().__init__(parent)
        self.default_volume_step = nearest_step(VOLUME_STEPS_DB, default_volume_db)
        self.default_rate_step = nearest_step(RATE_STEPS_WPM, default_rate)
        self.volume_step = self.default_volume_step
        self.rate_step = self.default_rate_step
        self.worker = RenderWorker(settings, cache)
        self.worker.moveToThread(render_thread())
        self._request.connect(self.worker.render)
        self._warm.connect(self.worker.warm)
        QTimer.singleShot(self.WARM_AFTER_MS, self, self._warm.emit)
        self.worker.rendered.connect(self._take_rendered)
        self.worker.failed.connect(self._failed)

        self.output = output if output is not None else SoundOutput(self, start=start_output)
        self.output.available_changed.connect(self._output_available)
        self.sound_available = self.output.available
        self._tick = QTimer(self)
        self._tick.setInterval(self.TICK_MS)
        self._tick.timeout.connect(self._pump)

        self.profile_problems: list[str] = []  # staff see these on the staff screen
        self.generation = 0
        self.texts: list[str] = []
        self.state = "idle"
        self.current = -1
        self.last_sentence = -1
        self.last_spoken_at = 0.0
        self._reset_stream_state()

    def _reset_stream_state(self) -> None:
        self._pcm = bytearray()
        self._bounds: list[tuple[int, int]] = []  # (first byte, sentence index)
        self._written = 0
        self._expected = 0  # sentences still to arrive
        self._bytes_per_second = 0
        self._format: tuple[int, int] | None = None
        self._clock_start = 0.0  # silent mode: when the timeline started
        self._paused_at = 0.0
        self._silent = False
        self._drain_deadline = 0.0

    # -- control ------------------------------------------------------------------------------
    @property
    def rate_wpm(self) -> int:
        """The current speed."""
        return RATE_STEPS_WPM[self.rate_step]

    @property
    def volume_db(self) -> float:
        """The current volume."""
        return VOLUME_STEPS_DB[self.volume_step]

    @property
    def cache(self) -> AudioCache | None:
        """The speech cache renders are kept in (None: the kiosk speaks without one)."""
        return self.worker.renderer.cache

    @property
    def cache_problem(self) -> str | None:
        """Why renders cannot be written to the cache just now (None: they can). Set on the
        render thread; reading it here is one attribute read."""
        return self.worker.renderer.cache_problem

    @property
    def sound_problem(self) -> str:
        """Why the sound output cannot play, as it last said ("" when it can)."""
        return self.output.problem

    @property
    def speaking(self) -> bool:
        """True while speech is playing or paused."""
        return self.state != "idle"

    def speak(self, texts: Sequence[str], start: int = 0, stop_after: int | None = None) -> None:
        """Stop whatever is playing and speak ``texts[start:]`` (or up to ``stop_after``)."""
        self.stop()
        self.texts = list(texts)
        last = len(self.texts) - 1 if stop_after is None else min(stop_after, len(self.texts) - 1)
        if not self.texts or start > last:
            return
        self._offset = start
        self._expected = last - start + 1
        self._set_state("speaking")
        self._request.emit(self.generation, self.texts[start : last + 1], self.rate_wpm)
        # The first sentence takes a few milliseconds to render: wait for it here and hand it
        # to the output at once. Handed over through the event loop, it waited behind the
        # repaint this press causes (20-40 ms at 1920x1080).
        deadline = time.perf_counter() + self.FIRST_SENTENCE_WAIT_S
        while self._format is None and self.state == "speaking":
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break  # it comes through the event loop instead
            try:
                item = self.worker.done.get(timeout=remaining)
            except queue.Empty:
                break
            self._rendered(*item)

    def stop(self) -> None:
        """Silence now and forget the queue."""
        self.generation += 1
        self.worker.generation = self.generation
        self._tick.stop()
        if self._format is not None and not self._silent:
            self.output.stop()  # drops whatever is queued: silence at once
        self._reset_stream_state()
        self.current = -1
        if self.state != "idle":
            self.last_spoken_at = time.perf_counter()
        self._set_state("idle")

    def pause(self) -> None:
        """Pause where we are."""
        if self.state != "speaking":
            return
        if not self._silent:
            self.output.pause()
        self._paused_at = time.perf_counter()
        self._set_state("paused")

    def resume(self) -> None:
        """Carry on after a pause."""
        if self.state != "paused":
            return
        if self._drain_deadline:
            self._drain_deadline += time.perf_counter() - self._paused_at
        if not self._silent:
            self.output.resume()
        self._clock_start += time.perf_counter() - self._paused_at
        self._set_state("speaking")

    def repeat_last(self) -> None:
        """Say the last sentence again (or the first, if nothing was said yet)."""
        if self.texts:
            index = max(0, self.last_sentence)
            self.speak(self.texts, index, index)

    def set_volume_step(self, step: int) -> None:
        """Change the volume (takes effect at once)."""
        self.volume_step = max(0, min(step, len(VOLUME_STEPS_DB) - 1))
        self.output.set_volume(self._linear_volume())

    def set_rate_step(self, step: int) -> None:
        """Change the speed (from the next reading)."""
        self.rate_step = max(0, min(step, len(RATE_STEPS_WPM) - 1))

    def reset_settings(self) -> None:
        """Back to the default volume and speed (idle reset)."""
        self.set_volume_step(self.default_volume_step)
        self.set_rate_step(self.default_rate_step)

    def shutdown(self) -> None:
        """Stop, end the output process; the worker is deleted in its thread when it is free."""
        self.stop()
        self.output.shutdown()
        self.worker.deleteLater()

    def _linear_volume(self) -> float:
        return float(10 ** (self.volume_db / 20))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # -- audio arriving from the render thread -------------------------------------------------
    def _take_rendered(self) -> None:
        while True:
            try:
                item = self.worker.done.get_nowait()
            except queue.Empty:
                return
            self._rendered(*item)

    def _rendered(self, generation: int, index: int, audio: WavAudio) -> None:
        if generation != self.generation:
            return
        fmt = (audio.rate, audio.channels)
        pcm = audio.pcm
        if self._format is None:
            self._format = fmt
            self._bytes_per_second = audio.rate * audio.channels * audio.sample_width
            # espeak starts a sentence with 0-50 ms of digital silence: before the first
            # sentence it is only a wait (nothing audible is dropped; later sentences keep it
            # as part of the pause between sentences).
            pcm = without_leading_zeros(pcm, audio.channels * audio.sample_width)
            self._open_output(audio)
        elif fmt != self._format:
            log.error("sentence %d has a different audio format %s; skipped", index, fmt)
            self._expected -= 1
            return
        self._bounds.append((len(self._pcm), index + self._offset))
        self._pcm += pcm
        self._expected -= 1
        self._pump()

    def _failed(self, generation: int, message: str) -> None:
        log.error("%s", message)
        if generation == self.generation:
            self.stop()

    def _open_output(self, audio: WavAudio) -> None:
        self._clock_start = time.perf_counter()
        self.output.set_volume(self._linear_volume())
        self._silent = not self.output.open(audio.rate, audio.channels)
        self._tick.start()

    # -- the timeline ---------------------------------------------------------------------------
    def _played_bytes(self) -> int:
        if self._silent:
            paused = time.perf_counter() - self._paused_at if self.state == "paused" else 0.0
            elapsed = time.perf_counter() - self._clock_start - paused
            return int(elapsed * self._bytes_per_second)
        return int(self.output.processed_us() * self._bytes_per_second / 1_000_000)

    def _pump(self) -> None:
        """Hand new audio to the output, follow which sentence is playing, notice the end."""
        if self.state == "idle" or self._format is None:
            return
        if self._written < len(self._pcm):
            chunk = bytes(self._pcm[self._written :])
            if not self._silent and not self.output.write(chunk):
                self._go_silent()
            if self._written == 0:
                self.first_audio.emit(time.perf_counter())
            self._written = len(self._pcm)
        played = self._played_bytes()
        playing = -1
        for first_byte, index in self._bounds:
            if first_byte <= played:
                playing = index
        if playing != self.current and playing >= 0 and played < len(self._pcm):
            self.current = playing
            self.last_sentence = playing
            self.sentence_started.emit(playing)
        if self._expected == 0 and self.state == "speaking":
            if played >= len(self._pcm):
                self._finish()
            elif self._written >= len(self._pcm):
                # Everything is with the sink; its processed count can stop short of the very
                # end, so also finish once the remaining audio has had time to play.
                now = time.perf_counter()
                if not self._drain_deadline:
                    remaining = (len(self._pcm) - played) / max(1, self._bytes_per_second)
                    self._drain_deadline = now + remaining + 0.15
                elif now >= self._drain_deadline:
                    self._finish()

    def _go_silent(self) -> None:
        played = self._played_bytes()
        self._silent = True
        self._clock_start = time.perf_counter() - played / max(1, self._bytes_per_second)

    def _finish(self) -> None:
        self._tick.stop()
        if not self._silent:
            self.output.stop()
        self._reset_stream_state()
        self.current = -1
        self.last_spoken_at = time.perf_counter()
        self._set_state("idle")
        self.finished.emit()

    # -- the output -----------------------------------------------------------------------------
    def _output_available(self, available: bool) -> None:
        if not available and self.state != "idle" and not self._silent:
            log.warning("sound lost while reading (%s); going on silently", self.output.problem)
            self._go_silent()
        self._set_available(available)

    def _set_available(self, available: bool) -> None:
        if available != self.sound_available:
            self.sound_available = available
            self.sound_available_changed.emit(available)
