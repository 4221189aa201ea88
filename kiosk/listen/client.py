"""The kiosk's side of the voice input process (see ``kiosk.listen.process`` for why it is a
process).

It starts the process when a sound server answers, gives it the grammar's phrases (again after
every restart), asks it to listen, and turns its events into signals. If the process dies (the
sound server went away, a recogniser crashed), voice is unavailable until it has been replaced;
touch keeps working throughout.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, Signal

from kiosk.core.lazy import lazy_module
from kiosk.services.child_process import SoundChild

if TYPE_CHECKING:
    from kiosk.listen import protocol
else:  # its first use is the process's first message, after Home is painted
    protocol = lazy_module("kiosk.listen.protocol")

log = logging.getLogger("kiosk.voice")

STARTING = "Voice is starting"


class VoiceInput(SoundChild):
    """Listens for one spoken request at a time, through the voice input process."""

    availability_changed = Signal(bool)
    state_changed = Signal(str)  # "idle", "opening" (asked to listen), "listening", "deciding"
    level = Signal(float)
    heard = Signal(object, object)  # Recognition, protocol.RequestTiming
    failed = Signal(str)  # a listen request could not start (plain words, for the log)
    vocabulary = Signal(list)  # words of the phrases the engine cannot hear
    engine_changed = Signal()

    def __init__(
        self,
        profile: Path | None = None,
        models: Path | None = None,
        engine: str = "auto",
        parent: QObject | None = None,
        start: bool = True,
    ) -> None:
        arguments = ["-m", "kiosk.listen.process", "--engine", engine]
        if profile is not None:
            arguments += ["--profile", str(profile)]
        if models is not None:
            arguments += ["--models", str(models)]
        super().__init__(
            arguments, "voice input", log, QProcess.ProcessChannelMode.ForwardedErrorChannel, parent
        )
        self.engine: str | None = None
        self.engine_reason = ""
        self.inputs = 0
        self.microphone = ""
        self.state = "idle"
        self.problem = STARTING
        self.available = False
        self.restarts = 0
        self.planned_restarts = 0  # of those, asked for by the process (not a crash)
        self._phrases: list[str] = []
        self._language: list[str] = []
        self._targets: dict[str, list[str]] = {}
        self._request = 0
        self._restarting = ""  # why the process said it would end (a planned restart)
        self._waiting: protocol.Listen | None = None
        """The request asked for that the process has not yet said it is listening for: sent
        again to a fresh process after a planned hand-over."""
        if start:
            self._try_start()

    # -- process ------------------------------------------------------------------------------
    def _no_server(self) -> None:
        self._update(problem="no sound server is running, so there is no microphone")
        self._drop_waiting("no sound server is running")

    def _started(self) -> None:
        if self._phrases:
            self._send(self._set_phrases())
        if self._waiting is not None:
            self._send(self._waiting)  # after the phrases: the process handles them in order

    def _stopped(self) -> None:
        self.restarts += 1
        if self._restarting:
            # A planned hand-over (after many content reloads, or a new Vosk model): the process
            # ends only between requests, so a request asked for meanwhile never reached it. A
            # fresh process starts at once and gets that request; voice stays available, and
            # the patient waits the second or two it takes to open the microphone.
            log.info("voice input restarting: %s", self._restarting)
            self._restarting = ""
            self.planned_restarts += 1
            self._try_start()
            if self._process is not None:
                return
        else:
            log.warning("voice input stopped; voice is unavailable until it restarts")
        self.inputs = 0
        if self.state != "idle":
            self.failed.emit("the voice input process stopped during a request")
        self._waiting = None
        self._set_state("idle")
        self._update(problem="voice input stopped; restarting it")

    def _drop_waiting(self, why: str) -> None:
        """A request held for a fresh process cannot be heard after all."""
        if self._waiting is not None:
            self._waiting = None
            self.failed.emit(f"{why}; the request was not heard")
            self._set_state("idle")

    def _send(self, message: protocol.Command) -> bool:
        return self._write((message.to_json() + "\n").encode())

    def _line(self, line: bytes) -> None:
        try:
            event = protocol.event_from_json(line)
        except protocol.ProtocolError as error:
            log.warning("voice input sent a line the kiosk cannot read (ignored): %s", error)
            return
        self._event(event)

    def _event(self, event: protocol.Event) -> None:
        request = getattr(event, "id", None)
        if request is not None and request != self._request:
            return  # about a request that was cancelled
        if isinstance(event, protocol.EngineChosen):
            self.engine = event.name
            self.engine_reason = event.reason
            if self.engine is None:
                log.warning("speech recogniser: %s", self.engine_reason)
            else:
                log.info("speech recogniser: %s", self.engine_reason)
            self.engine_changed.emit()
            self._update()
        elif isinstance(event, protocol.Inputs):
            if event.count != self.inputs:
                log.info("microphones: %d (%s)", event.count, event.name or "none")
            self.inputs = event.count
            self.microphone = event.name
            self._update()
        elif isinstance(event, protocol.Vocabulary):
            self.vocabulary.emit(list(event.unknown))
        elif isinstance(event, protocol.Listening):
            self._waiting = None
            self._set_state("listening")
        elif isinstance(event, protocol.Level):
            self.level.emit(event.level)
        elif isinstance(event, protocol.Deciding):
            self._set_state("deciding")
        elif isinstance(event, protocol.Result):
            self._waiting = None
            self._set_state("idle")
            self.heard.emit(event.heard, event.timing)
        elif isinstance(event, protocol.Cancelled):
            self._waiting = None
            self._set_state("idle")
        elif isinstance(event, protocol.Restarting):
            self._restarting = event.reason or "asked by the voice process"
        elif isinstance(event, protocol.Failed):
            log.warning("voice input: %s", event.message)
            self._waiting = None
            self._set_state("idle")
            self.failed.emit(event.message)

    def _update(self, problem: str | None = None) -> None:
        if problem is None:
            if self._process is None:
                problem = self.problem
            elif self.engine is None:
                problem = self.engine_reason or STARTING
            elif self.inputs == 0:
                problem = "no microphone is connected"
            else:
                problem = ""
        self.problem = problem
        available = not problem
        if available != self.available:
            self.available = available
            self.availability_changed.emit(available)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # -- requests -----------------------------------------------------------------------------
    def set_phrases(
        self,
        phrases: Sequence[str],
        language: Sequence[str] = (),
        targets: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """The content's phrases (their unknown words are reported), the request language's
        sentences the recogniser listens for, and each topic's and command's own texts for the
        sentence-meaning index (:func:`kiosk.listen.meaning.target_texts`); sent again whenever
        the process restarts."""
        self._phrases = list(phrases)
        self._language = list(language)
        self._targets = {target: list(texts) for target, texts in (targets or {}).items()}
        self._send(self._set_phrases())

    def _set_phrases(self) -> protocol.SetPhrases:
        return protocol.SetPhrases(
            tuple(self._phrases),
            tuple(self._language),
            tuple((target, tuple(texts)) for target, texts in self._targets.items()),
        )

    def listen(self, limit_ms: int = 8000, answer: bool = False) -> bool:
        """Listen for one request (``answer``: a yes or no to the open question); False when
        voice is unavailable."""
        self._request += 1
        message = protocol.Listen(self._request, limit_ms, answer)
        if not self.available:
            return False
        # A process that has said it is ending would never read the request: the fresh one
        # started after it gets it (``_started``).
        if not self._restarting and not self._send(message):
            return False
        self._waiting = message
        # "listening" only once the process says the microphone is open: speech before that
        # would be lost, so nobody must be told to speak yet.
        self._set_state("opening")
        return True

    def cancel(self) -> None:
        """Stop listening and drop what was heard."""
        self._waiting = None
        if self.state != "idle":
            self._send(protocol.Cancel())
            self._request += 1  # whatever the process still says about it is ignored
            self._set_state("idle")

    def shutdown(self, wait_ms: int = 2000) -> None:
        """End the voice input process."""
        super().shutdown(wait_ms)
