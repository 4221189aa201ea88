"""The voice input process:
``python -m kiosk.listen.process [--engine E] [--profile P] [--models DIR]``.

It owns the microphone and the speech recogniser, so that neither can take the kiosk down:
Qt Multimedia's PulseAudio service aborts the process that uses it when the sound server dies,
and Kaldi (Vosk) aborts on some damaged models. It also keeps the recogniser's decoding (which
holds Python's GIL in PocketSphinx) off the kiosk's screen.

Listening: capture at 16 kHz mono Int16 (or at the device's preferred format, converted here),
keep the request's audio with the room heard before it (:class:`kiosk.listen.hearing.
RequestAudio`, whose endpointer says where speech starts and ends), then reduce its noise and
decode it whole, once (:func:`kiosk.listen.hearing.recognise_request`), and report the result.
The audio exists only in memory, in this process; nothing is written to disk and transcripts are
not logged here.

Protocol: JSON lines. Commands on stdin::

    {"cmd": "phrases", "phrases": [...], "language": [...]}   build the request language from
                                           "language" (its sentences); answer "vocabulary":
                                           the words of "phrases" the engine cannot hear
    {"cmd": "listen", "id": 7, "limit_ms": 8000, "answer": false}   listen for one request
                                           ("answer": true, for a yes or no to the kiosk's
                                           question, heard with the answer language)
    {"cmd": "cancel"}                      stop listening, drop what was heard

Events on stdout: ``engine`` {name, reason} (or name null with the reason none could start),
``inputs`` {count, name}, ``vocabulary`` {unknown}, ``listening`` {}, ``level`` {level},
``speech`` {} (speech started), ``deciding`` {}, ``result`` {transcript, confidence, words,
alternatives, engine, reason, decode_ms, audio_ms, speech_ms}, ``cancelled`` {}, ``error``
{message}, ``restart`` {reason} (the process is about to end so that the kiosk starts a new
one: the Vosk model folder changed, so the engine must be chosen again). Events about a
request carry its ``id``, so the kiosk can ignore a late answer to a request it has cancelled.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from array import array
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QIODevice, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSource, QMediaDevices, QtAudio

from kiosk.audio_process import audio_application
from kiosk.listen import protocol
from kiosk.listen.audio import TARGET_RATE, Resampler, mono_int16
from kiosk.listen.denoise import DEFAULT_METHOD
from kiosk.listen.endpoint import FRAME_MS
from kiosk.listen.engines import create_recogniser
from kiosk.listen.hearing import RequestAudio, decode_early, recognise_parts
from kiosk.listen.meaning import MeaningIndex, try_index
from kiosk.listen.models import model_state
from kiosk.listen.recognition import EngineUnavailable, Recogniser, Recognition, words_of
from kiosk.services.memory import keep_allocator_steady, release_free_memory

LEVEL_EVERY_S = 0.05
INPUT_CHECK_MS = 2000
MODEL_CHECK_MS = 2000
REBUILDS_PER_PROCESS = 200
"""PocketSphinx keeps about 40 KB of memory each time the grammar is rebuilt (each content
reload; measured, in its C code). After this many rebuilds the process hands over to a new one
(between requests), so its memory stays bounded however long the kiosk runs."""
_WIDTHS = {
    QAudioFormat.SampleFormat.UInt8: 1,
    QAudioFormat.SampleFormat.Int16: 2,
    QAudioFormat.SampleFormat.Int32: 4,
    QAudioFormat.SampleFormat.Float: 4,
}


def emit(event: protocol.Event) -> None:
    """Write one event line for the kiosk."""
    sys.stdout.write(event.to_json() + "\n")
    sys.stdout.flush()


def hand_over(reason: str) -> None:
    """Say why, then end this process at once (between requests) so that the kiosk starts a new
    one. ``os._exit``: it holds nothing to save, and tearing Qt Multimedia down while its sound
    server connection is still starting can crash (seen as SIGSEGV at exit)."""
    emit(protocol.Restarting(reason))
    os._exit(0)


def float_to_int16(pcm: bytes) -> bytes:
    """32-bit float samples (-1..1) to int16."""
    floats = array("f")
    floats.frombytes(pcm[: len(pcm) // 4 * 4])
    return array("h", (max(-32768, min(32767, int(f * 32767))) for f in floats)).tobytes()


def sound_server_inputs() -> int | None:
    """How many capture devices (not monitors of outputs) the sound server has, asked with
    ``pactl``; None when that cannot be asked.

    Needed because Qt 6.11 never reports the *last* input going away: after it is unplugged,
    ``QMediaDevices.audioInputs()`` keeps listing it and ``audioInputsChanged`` is not emitted.
    """
    pactl = shutil.which("pactl")
    if pactl is None:
        return None
    try:
        result = subprocess.run(
            [pactl, "list", "short", "sources"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    names = [line.split("\t")[1] for line in result.stdout.splitlines() if "\t" in line]
    return sum(1 for name in names if not name.endswith(".monitor"))


class _Reader(QObject):
    """Reads command lines on a thread and hands them to the Qt thread."""

    command = Signal(object)  # a protocol.Command
    closed = Signal()

    def run(self) -> None:
        for line in sys.stdin:
            try:
                message = protocol.command_from_json(line)
            except protocol.ProtocolError as error:
                print(f"voice input: a command line was ignored: {error}", file=sys.stderr)
                continue
            self.command.emit(message)
        self.closed.emit()


class _Listener(QObject):
    def __init__(self, recogniser: Recogniser | None) -> None:
        super().__init__()
        self.recogniser = recogniser
        self.devices = QMediaDevices(self)
        self.devices.audioInputsChanged.connect(self.report_inputs)
        self.source: QAudioSource | None = None
        self.stream: QIODevice | None = None
        self.format = QAudioFormat()
        # Band-limited conversion to 16 kHz when the microphone gives another rate (kept from
        # piece to piece of one capture).
        self.resampler: Resampler | None = None
        self.audio: RequestAudio | None = None
        # Every decode runs on this one thread, in order: the request as it will be if the
        # person has stopped is decoded while the endpointer waits out its hangover, so the
        # answer is ready when listening ends (and the Qt thread keeps reading the microphone).
        self.decoding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode")
        self.early: tuple[tuple[bytes, bytes], Future[Recognition]] | None = None
        self.meaning: MeaningIndex | None = None
        """The sentence-meaning index of the content's topics and the commands (None: without
        the model, or before the kiosk has sent them): what is heard gets its meaning."""
        self.started_at = 0.0
        self.last_level = 0.0
        self.request = 0
        self.rebuilds = 0
        self.opened: protocol.Listening | None = None  # the microphone, until its first audio
        self.rebuild_limit = REBUILDS_PER_PROCESS
        self.limit = QTimer(self)
        self.limit.setSingleShot(True)
        self.limit.timeout.connect(self.time_up)
        self.inputs: tuple[int, str] | None = None
        self.input_check = QTimer(self)
        self.input_check.setInterval(INPUT_CHECK_MS)
        self.input_check.timeout.connect(self.report_inputs)
        self.input_check.start()

    def report_inputs(self) -> None:
        device = QMediaDevices.defaultAudioInput()
        count = len(QMediaDevices.audioInputs())
        if count:
            server_count = sound_server_inputs()
            if server_count is not None:
                count = min(count, server_count)
        name = "" if device.isNull() or count == 0 else device.description()
        if (count, name) == self.inputs:
            return
        self.inputs = (count, name)
        emit(protocol.Inputs(count, name))
        if count == 0 and self.busy:
            # Unplugged while listening: what was heard so far is dropped, and the kiosk says
            # that voice is not working (not "I didn't hear anything").
            self.drop_request()
            emit(protocol.Failed("the microphone was removed", self.request))

    @property
    def busy(self) -> bool:
        """A request is being heard (the microphone is open, or its audio not yet decided)."""
        return self.source is not None or self.audio is not None

    def drop_request(self) -> None:
        """Stop listening and forget what was heard of the current request, if any."""
        if self.busy:
            self.stop_source()
            if self.audio is not None:
                self.audio.clear()
            self.audio = None
            self.early = None
            if self.recogniser is not None:
                self.decoding.submit(self.recogniser.cancel)

    def handle(self, message: protocol.Command) -> None:
        if isinstance(message, protocol.SetPhrases):
            unknown = (
                self.set_language(list(message.phrases), list(message.language))
                if self.recogniser is not None
                else []
            )
            # The topics' and commands' meanings, built on the decoding thread: every request
            # decoded after this waits for it, and the microphone is read meanwhile (the seed
            # content's 253 texts take about 0.7 s; a reload encodes only its new texts, the
            # others are kept in memory). Without the model: words alone.
            if self.recogniser is not None:  # nothing is heard without one: no model to load
                self.decoding.submit(self.build_meaning, dict(message.targets))
            emit(protocol.Vocabulary(tuple(unknown)))
            self.rebuilds += 1
            release_free_memory()  # the old language's model, freed
            self.restart_if_worn()
        elif isinstance(message, protocol.Listen):
            self.request = message.id
            if self.recogniser is not None:
                # On the decoding thread, in order: a decode of an earlier request still running
                # there keeps the language it began with.
                self.decoding.submit(setattr, self.recogniser, "answering", message.answer)
            self.listen(message.limit_ms)
        elif isinstance(message, protocol.Cancel):
            self.drop_request()
            emit(protocol.Cancelled(self.request))
            self.restart_if_worn()

    def build_meaning(self, targets: dict[str, tuple[str, ...]]) -> None:
        try:
            self.meaning = try_index(targets, self.meaning)
        except Exception:  # a bug here must not stop requests being heard, on words alone
            logging.getLogger("kiosk.voice").exception("the meaning index could not be built")
            self.meaning = None
        release_free_memory()  # the encoding's scratch arrays, freed

    def recognise(
        self,
        recogniser: Recogniser,
        parts: tuple[bytes, bytes] | None,
        earlier: Future[Recognition] | None = None,
        deadline: float | None = None,
    ) -> Recognition:
        """:func:`recognise_parts` with the meaning index as it is when the decode runs (on the
        decoding thread, after any index being built); ``earlier``: the early decode of this
        request, when it grew after it (finished by now: the thread takes one job at a time);
        ``deadline`` (``time.perf_counter()``): when listening can end at the soonest, for a
        second decode (None: it has ended)."""
        before = None
        if earlier is not None and earlier.done() and not earlier.cancelled():
            before = None if earlier.exception() is not None else earlier.result()
        left = 0.0 if deadline is None else (deadline - time.perf_counter()) * 1000
        return recognise_parts(
            recogniser, parts, DEFAULT_METHOD, self.meaning, earlier=before, budget_ms=left
        )

    def set_language(self, phrases: list[str], language: list[str]) -> list[str]:
        """Build the recogniser's language; the words of ``phrases`` it cannot hear."""
        assert self.recogniser is not None
        self.recogniser.set_phrases(language or phrases)
        words = dict.fromkeys(w for phrase in phrases for w in words_of(phrase))
        return [w for w in words if not self.recogniser.known(w)]

    def listen(self, limit_ms: int) -> None:
        if self.recogniser is None:
            emit(protocol.Failed("no speech recogniser is available", self.request))
            return
        if self.source is not None:
            self.stop_source()
            self.decoding.submit(self.recogniser.cancel)
        self.early = None
        device: QAudioDevice = QMediaDevices.defaultAudioInput()
        if device.isNull() or (self.inputs is not None and self.inputs[0] == 0):
            emit(protocol.Failed("no microphone", self.request))
            return
        wanted = QAudioFormat()
        wanted.setSampleRate(16000)
        wanted.setChannelCount(1)
        wanted.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self.format = wanted if device.isFormatSupported(wanted) else device.preferredFormat()
        rate = self.format.sampleRate()
        self.resampler = Resampler(rate) if rate != TARGET_RATE else None
        self.audio = RequestAudio(limit_ms=limit_ms)
        source = QAudioSource(device, self.format, self)
        # Room for 2 s: decoding a piece holds this process up now and then (longer on a busy
        # machine), and audio that does not fit in the buffer meanwhile would be lost.
        source.setBufferSize(self.format.bytesForDuration(2_000_000))
        self.source = source
        self.stream = source.start()
        if self.stream is None or source.error() != QtAudio.Error.NoError:
            name = source.error().name
            self.stop_source()
            self.audio = None
            emit(protocol.Failed(f"the microphone could not be opened ({name})", self.request))
            return
        self.stream.readyRead.connect(self.read)
        self.started_at = time.perf_counter()
        self.limit.start(limit_ms + 200)
        # "listening" is said when the first audio arrives, not now: a new capture stream can
        # take most of a second to deliver, and a patient told to speak before that would lose
        # the start of the request.
        self.opened = protocol.Listening(
            self.request, device.description(), self.format.sampleRate(), self.format.channelCount()
        )

    def convert(self, data: bytes) -> bytes:
        fmt = self.format
        if fmt.sampleFormat() == QAudioFormat.SampleFormat.Float:
            data, width = float_to_int16(data), 2
        else:
            width = _WIDTHS.get(fmt.sampleFormat(), 2)
        mono = mono_int16(data, fmt.channelCount(), width)
        return mono if self.resampler is None else self.resampler.process(mono)

    def read(self) -> None:
        stream, audio, recogniser = self.stream, self.audio, self.recogniser
        if stream is None or audio is None or recogniser is None:
            return
        endpointer = audio.endpointer
        data = bytes(stream.readAll().data())
        if not data:
            return
        if self.opened is not None:
            emit(self.opened)
            self.opened = None
        was_started = endpointer.started
        audio.push(self.convert(data))
        if endpointer.started and not was_started:
            emit(protocol.SpeechStarted(self.request))
        now = time.perf_counter()
        if now - self.last_level >= LEVEL_EVERY_S:
            self.last_level = now
            emit(protocol.Level(self.request, round(endpointer.level, 3)))
        if endpointer.done:
            self.stop_source()
            self.conclude(endpointer.reason)
            return
        parts = audio.tentative()
        busy = self.early is not None and not self.early[1].done()  # no queue of early decodes
        if decode_early(parts, busy, None if self.early is None else self.early[0]):
            deadline = time.perf_counter() + audio.time_left_ms() / 1000
            decode = self.decoding.submit(self.recognise, recogniser, parts, deadline=deadline)
            self.early = (parts, decode)

    def time_up(self) -> None:
        if self.audio is not None:
            self.audio.finish()
            self.stop_source()
            self.conclude(self.audio.endpointer.reason)

    def stop_source(self) -> None:
        self.limit.stop()
        source = self.source
        self.source = None
        self.opened = None
        self.stream = None
        if source is not None:
            source.stop()
            source.deleteLater()

    def restart_if_worn(self) -> None:
        """After ``REBUILDS_PER_PROCESS`` grammar rebuilds, end (after a ``restart`` event) once
        no request is being heard; the kiosk starts a fresh process."""
        if self.rebuilds < self.rebuild_limit or self.busy:
            return
        hand_over(f"a fresh voice process after {self.rebuilds} grammar rebuilds")

    def conclude(self, reason: str) -> None:
        audio, recogniser = self.audio, self.recogniser
        self.audio = None
        if audio is None or recogniser is None:
            return
        endpointer = audio.endpointer
        start, end = (
            None if frame is None else frame * FRAME_MS
            for frame in (endpointer.speech_start_frame, endpointer.speech_end_frame)
        )
        timing = protocol.RequestTiming(reason, endpointer.elapsed_ms, (start, end), 0.0)
        if not endpointer.started:
            audio.clear()
            emit(protocol.Result(self.request, Recognition.nothing(recogniser.name), timing))
            return
        emit(protocol.Deciding(self.request))
        started = time.perf_counter()
        parts = audio.request()
        audio.clear()
        early, self.early = self.early, None
        if early is not None and early[0] == parts:
            decoded = early[1]  # decoded, or being decoded, while the hangover was waited out
        else:
            earlier = None if early is None else early[1]
            decoded = self.decoding.submit(self.recognise, recogniser, parts, earlier)
        heard = decoded.result()
        decode_ms = round((time.perf_counter() - started) * 1000, 1)
        emit(protocol.Result(self.request, heard, replace(timing, decode_ms=decode_ms)))
        release_free_memory()  # the request's audio and the decoder's lattice, freed
        self.restart_if_worn()


class _ModelWatch(QObject):
    """Ends this process (after a ``restart`` event) when the Vosk model folder changes, so that
    the kiosk starts a new one that chooses its engine again.

    A model damaged or removed while the kiosk runs is noticed at once, not at the next start:
    the new process falls back to PocketSphinx and the staff screen says why. A good model put
    back is used again without a restart of the kiosk. A change must hold for two checks (a copy
    in progress is not yet a model), and a request being listened to is finished first.
    """

    def __init__(self, folder: Path, busy: Callable[[], bool], parent: QObject) -> None:
        super().__init__(parent)
        self.folder = folder
        self.busy = busy
        self.seen = model_state(folder)
        self.pending = self.seen
        self.timer = QTimer(self)
        self.timer.setInterval(MODEL_CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        now = model_state(self.folder)
        if now == self.seen or now != self.pending:
            self.pending = now
            return
        if self.busy():
            return
        self.timer.stop()
        hand_over(f"the Vosk model folder {self.folder.name} changed")


def main(argv: list[str] | None = None) -> int:
    """Run until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m kiosk.listen.process")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument(
        "--rebuilds", type=int, default=REBUILDS_PER_PROCESS, help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    # This process holds microphone audio: if it crashes, no core dump may keep that on disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The sentence encoder's scratch arrays are blocks of 0.1-3 MB: with glibc's adjustable mmap
    # threshold, after the first were freed the later ones came from the decoding thread's heap,
    # and freed heap stayed in the process (see the function).
    keep_allocator_steady()
    app = audio_application(sys.argv[:1])

    from kiosk.paths import MODELS_DIR, VOICES_DIR
    from kiosk.speech.profile import load_profile

    profile, _problems = load_profile(args.profile or VOICES_DIR / "en.toml")
    recogniser: Recogniser | None = None
    try:
        recogniser, reason = create_recogniser(
            profile.recogniser, args.models or MODELS_DIR, args.engine
        )
        emit(protocol.EngineChosen(recogniser.name, reason))
    except (EngineUnavailable, ValueError) as error:
        emit(protocol.EngineChosen(None, str(error)))
    listener = _Listener(recogniser)
    listener.rebuild_limit = args.rebuilds
    if args.engine in ("auto", "vosk") and "vosk" in profile.recogniser.engine_order:
        _ModelWatch(
            (args.models or MODELS_DIR) / profile.recogniser.vosk_model,
            lambda: listener.busy,
            listener,
        )
    reader = _Reader()
    reader.command.connect(listener.handle)
    reader.closed.connect(app.quit)
    threading.Thread(target=reader.run, name="commands", daemon=True).start()
    listener.report_inputs()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
