"""A soak run: thousands of scripted interactions in one kiosk process, on the real stack.

``run_soak(n)`` builds the real kiosk (offscreen window, sound output and voice input processes)
on a temporary copy of ``content/``, with a PulseAudio rig (null-sink speaker, virtual
microphone), and drives a seeded random mix of what patients and staff do: touches (topics,
Back, Home, page turns, the emergency panel, Help, Text size and its choices), Read aloud then
Stop / Pause / leaving the page, spoken requests (espeak-ng clips played into the microphone and
heard by the recogniser), idle warnings and resets, and content reloads (valid edits and broken
files). It runs inside a Qt event loop, as the kiosk does, so deferred deletions and timers work
as in production.

It counts crashes (exceptions in Qt slots or threads, exceptions out of an interaction, deaths of
the sound or voice process that the script did not cause, and the kiosk found in a broken state
by a check every ``CHECK_EVERY`` interactions: Home with its topics, the emergency panel, no
overlay left, sound and voice available) and measures memory, threads and open files at the
start, after the warm-up (the first ``WARM_SHARE`` of the interactions) and at the end.

Used by ``python run_kiosk.py bench soak`` (10,000 interactions) and ``tests/ui/test_soak.py``.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Generator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kiosk.paths import CONTENT_DIR

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from kiosk.devtools.rig import PulseRig

Figures = dict[str, float | int | str]
Progress = Callable[[str], None] | None

#: What an interaction waits for: a condition and a timeout in seconds. The driver goes back to
#: the Qt event loop between looks and sends the generator whether the condition came true.
Wait = tuple[Callable[[], bool], float]
Script = Generator[Wait | None, bool, None]

WARM_SHARE = 0.10
CHECK_EVERY = 100
PROGRESS_EVERY = 500

#: The mix of interactions (weights). Voice requests take seconds each, so they are rare.
MIX: dict[str, float] = {
    "topic": 0.23,
    "back": 0.10,
    "home": 0.07,
    "page": 0.205,
    "emergency": 0.06,
    "help": 0.055,
    "text_size": 0.08,
    "read": 0.12,
    "voice": 0.01,
    "idle": 0.03,
    "reload": 0.02,
    "bad_reload": 0.02,
}

#: Spoken requests (rendered with espeak-ng in a voice PocketSphinx understands).
VOICE_REQUESTS = (
    "I feel tired all the time",
    "my bones hurt",
    "go home",
    "help",
    "where is the toilet",
    "what is hypercalcaemia",
)

#: WARNING records the script causes on purpose (a broken content edit is reported).
EXPECTED_WARNINGS = ("content edit has %d errors",)


class _FakeClock:
    """The idle timer's clock, moved by the script (idle resets without waiting 90 s)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _Problems(logging.Handler):
    """Counts WARNING and worse log records (expected ones apart) while the soak runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.expected = 0
        self.unexpected: Counter[str] = Counter()
        self.child_deaths = 0

    def emit(self, record: logging.LogRecord) -> None:
        template = str(record.msg)
        if template.startswith(("the sound output stopped", "voice input stopped")):
            self.child_deaths += 1
        if template.startswith(EXPECTED_WARNINGS):
            self.expected += 1
        else:
            self.unexpected[f"{record.name}: {record.getMessage()[:120]}"] += 1


def _proc_mb(pid: int | str, file: str, field: str) -> float:
    """A memory figure (given in kB) from a process's ``/proc/PID/FILE`` line ``FIELD:``, in MB
    (0 where the kernel does not report it)."""
    try:
        with open(f"/proc/{pid}/{file}", encoding="ascii") as figures:
            for line in figures:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _rss_mb(pid: int | str = "self") -> float:
    return _proc_mb(pid, "status", "VmRSS")


def _pss_mb(pid: int | str = "self") -> float:
    """A process's proportional set size: its resident pages, each shared page divided among
    the processes that map it."""
    return _proc_mb(pid, "smaps_rollup", "Pss")


def _count(folder: str) -> int:
    try:
        return len(os.listdir(folder))
    except OSError:
        return -1


Damager = Callable[[Path, random.Random], str]
Restorer = Callable[[Path], None]


def _bad_content(seed: int, good_root: Path) -> tuple[Damager, Restorer]:
    """Damage and repair with the shared generator of malformed content
    (:mod:`kiosk.devtools.badcontent`): its variants that must be reported as errors (the ones
    that leave the content valid, with a warning, are not used here). Its ``restore`` puts the
    good files back safely (never writing through a symbolic link or into a pipe)."""
    from kiosk.devtools import badcontent

    invalid = [v for v in badcontent.variants(seed, good_root) if v.expect.name != "WARNING"]

    def damage(folder: Path, rng: random.Random) -> str:
        variant = rng.choice(invalid)
        variant.apply(folder.parent)
        return variant.kind

    def restore(folder: Path) -> None:
        badcontent.restore(folder.parent, good_root)

    return damage, restore


class Soak:
    """One soak run (see the module's docstring). ``run()`` returns the figures."""

    def __init__(
        self,
        interactions: int,
        rig: PulseRig,
        progress: Progress = None,
        seed: int = 0,
        content: Path = CONTENT_DIR,
        usage_file: Path | None = None,
    ) -> None:
        self.total = interactions
        self.usage_file = usage_file
        self.done = 0
        self.rig = rig
        self.progress = progress
        self.seed = seed
        self.rng = random.Random(seed)
        self.source_content = content
        self.counts: Counter[str] = Counter()
        self.seconds: dict[str, float] = dict.fromkeys(MIX, 0.0)
        self.crash_notes: list[str] = []
        self.exceptions = 0
        self.broken = 0
        self.pids_changed = 0
        self.voice_timeouts = 0
        self.read_timeouts = 0
        self.invalid_accepted = 0
        self.voice_outcomes: Counter[str] = Counter()
        self.voice_timeout_states: list[str] = []  # what the kiosk was doing, the first few
        self.bad_kinds: Counter[str] = Counter()
        self.figures: Figures = {}
        self.guide_double_taps = 0  # controls used with the audio guide on
        self._first_audio = False
        self._resets = 0
        self._paplay: subprocess.Popen[bytes] | None = None
        self._pids: dict[str, int] = {}
        self._edits = 0

    # -- crash accounting -----------------------------------------------------------------------
    def _note(self, text: str) -> None:
        if len(self.crash_notes) < 8:
            self.crash_notes.append(text[-1500:])
        if self.progress:
            self.progress(f"soak: PROBLEM: {text[-600:]}")

    def _excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        self.exceptions += 1
        self._note("".join(traceback.format_exception(kind, value, tb)))
        try:
            self.controller.nav.recover()  # as the kiosk's own hook does (kiosk.logsetup)
        except Exception:
            self.exceptions += 1

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        self.exceptions += 1
        self._note(
            "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        )

    def _broken(self, what: str) -> None:
        self.broken += 1
        self._note(f"broken state: {what}")

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> Figures:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from kiosk.ui.fonts import install_fonts

        app = QApplication.instance() or QApplication([])
        assert isinstance(app, QApplication)
        install_fonts(app)
        problems = _Problems()
        root_logger = logging.getLogger()
        root_logger.addHandler(problems)
        saved_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook
        started = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
                self._run_in(Path(tmp), problems)
        finally:
            sys.excepthook, threading.excepthook = saved_hooks
            root_logger.removeHandler(problems)
            self._reap_paplay()
        planned = self.voice.planned_restarts  # asked for by the voice process: not a crash
        unexplained = self.pids_changed - planned - problems.child_deaths
        child_deaths = problems.child_deaths + max(0, unexplained)
        crashes = self.exceptions + child_deaths + self.broken
        f = self.figures
        f.update(
            {
                "soak.interactions": sum(self.counts.values()),
                # The kiosk's Python allocator (kiosk.services.memory.PYTHON_ALLOCATOR when run
                # through run_kiosk.py bench; pymalloc when run in-process by the tests).
                "soak.python_allocator": os.environ.get("PYTHONMALLOC", "pymalloc"),
                "soak.crashes": crashes,
                "soak.exceptions": self.exceptions,
                "soak.child_deaths": child_deaths,
                "soak.voice_planned_restarts": planned,
                "soak.broken_states": self.broken,
                "soak.guide_double_taps": self.guide_double_taps,
                "soak.voice_requests": self.counts["voice"],
                "soak.voice_timeouts": self.voice_timeouts,
                "soak.read_timeouts": self.read_timeouts,
                "soak.reloads": self.counts["reload"] + self.counts["bad_reload"],
                "soak.reloads_valid": self.counts["reload"],
                "soak.reloads_invalid": self.counts["bad_reload"],
                "soak.invalid_accepted": self.invalid_accepted,
                "soak.idle_resets": self._resets,
                "soak.warnings_expected": problems.expected,
                "soak.warnings_unexpected": sum(problems.unexpected.values()),
                "soak.seconds": round(time.perf_counter() - started, 1),
                "soak.seed": self.seed,
            }
        )
        for kind in MIX:
            f[f"soak.count.{kind}"] = self.counts[kind]
            if self.counts[kind]:
                f[f"soak.ms_per.{kind}"] = round(self.seconds[kind] / self.counts[kind] * 1000, 1)
        for outcome, n in sorted(self.voice_outcomes.items()):
            f[f"soak.voice.{outcome}"] = n
        if problems.unexpected:
            f["soak.unexpected_warnings"] = " | ".join(
                f"{n}x {text}" for text, n in problems.unexpected.most_common(5)
            )
        if self.crash_notes:
            f["soak.first_crashes"] = "\n---\n".join(self.crash_notes[:3])
        if self.voice_timeout_states:
            f["soak.voice_timeout_states"] = " | ".join(self.voice_timeout_states)
        if self.bad_kinds:
            f["soak.bad_reload_kinds"] = ", ".join(
                f"{k} {n}" for k, n in sorted(self.bad_kinds.items())
            )
        return f

    def _run_in(self, tmp: Path, problems: _Problems) -> None:
        from PySide6.QtWidgets import QApplication

        from kiosk.app import create_kiosk
        from kiosk.controller import KioskController
        from kiosk.core.pin import StaffPin
        from kiosk.core.settings import KioskSettings
        from kiosk.devtools.speechcheck import TRANSCRIBABLE_VOICE, render_espeak
        from kiosk.ui.window import KioskWindow

        self.content_root = tmp / "content"
        shutil.copytree(self.source_content, self.content_root)
        pristine_root = tmp / "pristine"
        shutil.copytree(self.source_content, pristine_root)
        self.pristine = pristine_root / "en"
        self.language_folder = self.content_root / "en"
        self.damage, self.restore = _bad_content(self.seed, pristine_root)
        if self.progress:
            self.progress("soak: rendering the spoken requests...")
        self.clips = [
            render_espeak(text, tmp / f"request-{n}.wav", TRANSCRIBABLE_VOICE)
            for n, text in enumerate(VOICE_REQUESTS)
        ]
        self.clock = _FakeClock()
        kiosk = create_kiosk(
            self.content_root,
            KioskSettings(),
            staff_pin=StaffPin(tmp / "staff.json", clock=self.clock),
            clock=self.clock,
            snapshot_dir=tmp / "snapshot",
            quit_app=lambda: None,
            speech_cache=tmp / "speech-cache",
            voice=True,
            voice_engine="pocketsphinx",
            usage_file=self.usage_file,
        )
        window, controller = kiosk.window, kiosk.controller
        assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
        if controller.usage is not None:
            # The usage counts of the run are spread over the last 30 days (one run, a month of
            # counts: what the staff "Use" page shows after a month).
            import datetime as dt

            end = dt.datetime.now()
            month = dt.timedelta(days=29, hours=23)
            controller.usage.clock = lambda: end - month * (1 - self.done / max(1, self.total))
        self.window, self.controller, self.idle = window, controller, kiosk.idle
        assert controller.speech is not None and controller.voice is not None
        self.speech, self.voice = controller.speech, controller.voice
        self.speech.first_audio.connect(self._heard_first_audio)
        controller.session_reset.connect(self._session_reset)
        window.resize(1920, 1080)
        window.show()
        app = QApplication.instance()
        assert app is not None
        try:
            _Driver(self._script()).run()
        finally:
            self.speech.first_audio.disconnect(self._heard_first_audio)
            window.allow_close()
            window.close()
            window.deleteLater()
            app.processEvents()

    def _heard_first_audio(self, _when: float) -> None:
        self._first_audio = True

    def _session_reset(self) -> None:
        self._resets += 1

    # -- measuring ------------------------------------------------------------------------------
    def _child_pids(self) -> dict[str, int]:
        pids = {}
        for name, child in (("sound", self.speech.output), ("voice", self.voice)):
            process = getattr(child, "_process", None)
            if process is not None:
                pids[name] = int(process.processId())
        return pids

    def _settle(self) -> Script:
        """The same state before every measurement: defaults, and every screen shown once in
        the same order (so each holds the same widgets), then Home."""
        from kiosk.core.session import Place, Screen

        c = self.controller
        c.reset_session()
        c.nav.open_topic(c.content.topics[0].id)
        for screen in (Screen.EMERGENCY, Screen.HELP, Screen.DISPLAY):
            c.nav.go(Place(screen))
        c.staff.open_staff()
        c.nav.home()
        yield (lambda: False, 0.2)  # deferred deletions and repaints happen

    def _measure(self, label: str) -> None:
        from PySide6.QtWidgets import QApplication

        gc.collect()
        f = self.figures
        f[f"soak.rss_{label}_mb"] = round(_rss_mb(), 1)
        pids = self._child_pids()
        for name, pid in pids.items():
            f[f"soak.{name}_process_rss_{label}_mb"] = round(_rss_mb(pid), 1)
        children = round(sum(_rss_mb(p) for p in pids.values()), 1)
        f[f"soak.children_rss_{label}_mb"] = children
        # The whole kiosk: its own process and its sound and voice processes.
        suffix = "" if label == "start" else "_" + label
        f[f"kiosk.rss_total_mb{suffix}"] = round(float(f[f"soak.rss_{label}_mb"]) + children, 1)
        # The same three by proportional set size: the Qt and Python libraries all three map
        # are counted once, not three times, and a library's pages are not counted more for
        # being in the page cache (a fresh clone's processes each had about 8.5 MB more
        # file-backed RSS than the same code's elsewhere, all of it shared).
        pss = _pss_mb() + sum(_pss_mb(p) for p in pids.values())
        f[f"kiosk.pss_total_mb{suffix}"] = round(pss, 1)
        f[f"soak.threads_{label}"] = threading.active_count()
        f[f"soak.tasks_{label}"] = _count("/proc/self/task")
        f[f"soak.open_fds_{label}"] = _count("/proc/self/fd")
        f[f"soak.widgets_{label}"] = len(QApplication.allWidgets())

    # -- the script -----------------------------------------------------------------------------
    def _script(self) -> Script:
        started = time.perf_counter()
        yield (lambda: self.speech.output.ready and self.voice.available), 90.0
        self.figures["soak.startup_seconds"] = round(time.perf_counter() - started, 1)
        if not (self.speech.output.ready and self.voice.available):
            raise RuntimeError(
                "the kiosk's sound output or voice input did not start "
                f"(sound: {self.speech.sound_problem!r}, voice: {self.voice.problem!r})"
            )
        self._pids = self._child_pids()
        yield from self._check()
        yield from self._settle()
        self._measure("start")
        warm_at = max(1, round(self.total * WARM_SHARE))
        kinds, weights = list(MIX), list(MIX.values())
        for n in range(1, self.total + 1):
            kind = self.rng.choices(kinds, weights)[0]
            self.counts[kind] += 1
            self.done = n
            began = time.perf_counter()
            try:
                yield from getattr(self, f"_do_{kind}")()
            except Exception:
                self.exceptions += 1
                self._note(f"{kind}: {traceback.format_exc()}")
                self.controller.reset_session()
            yield None  # back to the event loop between interactions
            self.seconds[kind] += time.perf_counter() - began
            if n % CHECK_EVERY == 0 or n == warm_at or n == self.total:
                yield from self._check()
            if n == warm_at:
                yield from self._settle()
                self._measure("warm")
            if self.progress and (n % PROGRESS_EVERY == 0 or n == self.total):
                elapsed = time.perf_counter() - started
                self.progress(
                    f"soak: {n}/{self.total} interactions in {elapsed:.0f} s, "
                    f"rss {_rss_mb():.1f} MB, children "
                    f"{', '.join(f'{k} {_rss_mb(p):.0f}' for k, p in self._child_pids().items())}"
                    f" MB, crashes so far "
                    f"{self.exceptions + self.broken + self.pids_changed}"
                )
        yield from self._settle()
        self._measure("end")
        f = self.figures
        warm = float(f["soak.rss_warm_mb"])
        f["soak.rss_growth_pct"] = round((float(f["soak.rss_end_mb"]) - warm) / warm * 100, 2)
        for name in self._child_pids():
            before = float(f.get(f"soak.{name}_process_rss_warm_mb", 0))
            if before > 0:
                after = float(f[f"soak.{name}_process_rss_end_mb"])
                f[f"soak.{name}_process_rss_growth_pct"] = round((after - before) / before * 100, 2)
        children_warm = float(f["soak.children_rss_warm_mb"])
        if children_warm > 0:
            f["soak.children_rss_growth_pct"] = round(
                (float(f["soak.children_rss_end_mb"]) - children_warm) / children_warm * 100, 2
            )

    def _check(self) -> Script:
        """Home by touch, then: topics and the emergency panel show, nothing is left over, sound
        and voice work, and the sound and voice processes are the ones started."""
        from kiosk.core.session import Screen

        w = self.window
        yield from self._clear_overlays()
        self._click(w.home_button)
        yield (lambda: self.speech.state == "idle", 5.0)
        problems = []
        if w.current_screen() is not Screen.HOME:
            problems.append(f"Home did not show ({w.current_screen()})")
        visible = [b for b in w.home.grid.buttons if b.isVisible() and b.width() > 0]
        if not visible:
            problems.append("no topic buttons show on Home")
        if len(w.home.grid.buttons) != len(self.controller.content.topics):
            problems.append(
                f"Home has {len(w.home.grid.buttons)} buttons for "
                f"{len(self.controller.content.topics)} topics"
            )
        panel = w.panel
        if not (panel.isVisible() and panel.width() > 0 and panel.height() > 0):
            problems.append("the emergency panel is not visible")
        if not panel.heading:
            problems.append("the emergency panel is empty")
        if w.overlay.isVisible() or w.voice_overlay.isVisible():
            problems.append("an overlay was left over Home")
        if self.speech.state != "idle":
            problems.append(f"speech did not stop ({self.speech.state})")
        yield (lambda: self.speech.sound_available and self.voice.available, 20.0)
        if not self.speech.sound_available:
            problems.append(f"sound unavailable: {self.speech.sound_problem}")
        if not self.voice.available:
            problems.append(f"voice unavailable: {self.voice.problem}")
        pids = self._child_pids()
        for name, pid in pids.items():
            if self._pids.get(name) not in (None, pid):
                self.pids_changed += 1
        self._pids.update(pids)
        for problem in problems:
            self._broken(problem)
        if problems:
            self.controller.reset_session()

    # -- helpers --------------------------------------------------------------------------------
    def _click(self, widget: QWidget) -> bool:
        """Touch a control, if it is showing and enabled."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        if not (widget.isVisible() and widget.isEnabled() and widget.width() > 0):
            return False
        if self.controller.guide.enabled:
            # The audio guide is on (the script's taps on the Text size screen turn it on at
            # times): a tap says what the control does and a double tap uses it, so a patient
            # relying on it double-taps. A single tap here left the kiosk where it was, which
            # the next check reported as a broken state (3 times in a 30,000-interaction soak).
            self.guide_double_taps += 1
            QTest.mouseDClick(widget, Qt.MouseButton.LeftButton)
        else:
            QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        return True

    def _clear_overlays(self) -> Script:
        """Close what covers the screen (as a patient would: OK, Stop listening, Continue)."""
        w = self.window
        overlay = w.voice_overlay
        if overlay.isVisible():
            if overlay.mode == "question":
                self._click(overlay.no_button)
            if overlay.mode == "message":
                self._click(overlay.ok_button)
            elif overlay.mode != "hidden":
                self._click(overlay.stop_button)
            yield None
        if w.overlay.isVisible():
            self._click(w.overlay.button)
            yield None

    def _screen(self) -> Any:
        return self.window.current_screen()

    def _visible_topics(self) -> list[Any]:
        return [b for b in self.window.home.grid.buttons if b.isVisible() and b.isEnabled()]

    def _open_a_topic(self) -> Script:
        """From wherever the patient is: Home, then a topic button (turning Home's page)."""
        from kiosk.core.session import Screen

        w = self.window
        if self._screen() is not Screen.HOME:
            self._click(w.home_button)
            yield None
        if self.rng.random() < 0.3 and w.home.pages.next_button.isEnabled():
            self._click(w.home.pages.next_button)
            yield None
        buttons = self._visible_topics()
        if buttons:
            self._click(self.rng.choice(buttons))

    # -- interactions ---------------------------------------------------------------------------
    def _do_topic(self) -> Script:
        from kiosk.core.session import Screen
        from kiosk.ui.widgets import BigButton

        yield from self._clear_overlays()
        if self._screen() is Screen.TOPIC and self.rng.random() < 0.5:
            related = [
                b
                for b in self.window.topic.view.visible_widgets()
                if isinstance(b, BigButton) and b.isVisible()
            ]
            if related:
                self._click(self.rng.choice(related))
                return
        if self._screen() is Screen.EMERGENCY and self.rng.random() < 0.5:
            buttons = [
                b
                for b in self.window.emergency.view.visible_widgets()
                if isinstance(b, BigButton) and b.isVisible()
            ]
            if buttons:
                self._click(self.rng.choice(buttons))
                return
        yield from self._open_a_topic()

    def _do_back(self) -> Script:
        yield from self._clear_overlays()
        self._click(self.window.back_button)

    def _do_home(self) -> Script:
        yield from self._clear_overlays()
        self._click(self.window.home_button)

    def _do_page(self) -> Script:
        from kiosk.core.session import Screen

        yield from self._clear_overlays()
        w = self.window
        screen = self._screen()
        widget = w.screens[screen]
        pages = getattr(widget, "pages", None)
        if pages is None or screen is Screen.PIN:
            yield from self._open_a_topic()
            return
        forward = pages.next_button.isEnabled() and (
            self.rng.random() < 0.7 or not pages.previous_button.isEnabled()
        )
        if not self._click(pages.next_button if forward else pages.previous_button):
            yield from self._open_a_topic()

    def _do_emergency(self) -> Script:
        yield from self._clear_overlays()
        self._click(self.window.panel)

    def _do_help(self) -> Script:
        yield from self._clear_overlays()
        self._click(self.window.help_button)

    def _do_text_size(self) -> Script:
        from kiosk.core.session import Screen
        from kiosk.ui.widgets import BigButton

        yield from self._clear_overlays()
        w = self.window
        if self._screen() is not Screen.DISPLAY:
            self._click(w.display_button)
            return
        choices = [
            b
            for b in w.display.view.findChildren(BigButton)
            if b.isVisible() and b.isEnabled() and b.width() > 0
        ]
        pages = w.display.pages
        if choices and self.rng.random() < 0.8:
            self._click(self.rng.choice(choices))
        elif not self._click(pages.next_button):
            self._click(pages.previous_button)

    def _do_read(self) -> Script:
        """Read aloud, wait for the first sound, then Stop (or Pause and Stop, or leave)."""
        from kiosk.core.session import Screen

        yield from self._clear_overlays()
        if self._screen() not in (Screen.TOPIC, Screen.HELP, Screen.EMERGENCY):
            yield from self._open_a_topic()
            yield None
        screen = self.window.screens[self._screen()]
        controls = getattr(screen, "speech", None)
        if controls is None:
            return
        self._first_audio = False
        if not self._click(controls.read_button):
            return
        yield (lambda: self._first_audio, 10.0)
        if not self._first_audio:
            self.read_timeouts += 1
        yield (lambda: False, self.rng.uniform(0.0, 0.15))  # a moment of the sentence
        ending = self.rng.random()
        if ending < 0.2 and self._click(controls.pause_button):
            yield (lambda: False, 0.05)
            self._click(controls.pause_button)  # Continue
            yield None
        if ending < 0.8:
            self._click(controls.stop_button)
        else:
            self._click(self.window.home_button)
        yield (lambda: self.speech.state == "idle", 3.0)
        if self.speech.state != "idle":
            self._broken(f"speech did not stop after Stop or leaving ({self.speech.state})")

    def _do_voice(self) -> Script:
        """Ask by voice: touch the button, wait for the microphone, speak a request into it,
        wait for the answer; a "Did you mean ...?" is answered by touch."""
        from kiosk.listen.dialogue import Step

        yield from self._clear_overlays()
        c, w, voice = self.controller, self.window, self.voice
        yield (lambda: voice.available, 15.0)
        if not self._click(w.voice_button):
            self.voice_outcomes["not_started"] += 1
            return
        yield (
            lambda: c.voice_requests.dialogue.step is Step.LISTENING and voice.state == "listening",
            15.0,
        )
        if c.voice_requests.dialogue.step is not Step.LISTENING:
            self.voice_timeouts += 1
            self.voice_outcomes["microphone_never_opened"] += 1
            self._note_voice_timeout("microphone never opened")
            yield from self._clear_overlays()
            return
        clip = self.rng.choice(self.clips)
        self._paplay = subprocess.Popen(
            ["paplay", "--device=mic_feed", str(clip)],
            env=self.rig.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        yield (
            lambda: c.voice_requests.dialogue.step is not Step.LISTENING and voice.state == "idle",
            20.0,
        )
        played = self._paplay
        yield (lambda: played.poll() is not None, 10.0)
        self._reap_paplay()
        if c.voice_requests.dialogue.step is Step.LISTENING:
            self.voice_timeouts += 1
            self.voice_outcomes["no_answer"] += 1
            self._note_voice_timeout("no answer")
            yield from self._clear_overlays()
            return
        overlay = w.voice_overlay
        if overlay.mode == "question":
            self.voice_outcomes["asked"] += 1
            yield (lambda: False, self.rng.uniform(0.0, 0.3))
            if overlay.mode == "question":
                self._click(overlay.yes_button if self.rng.random() < 0.7 else overlay.no_button)
        elif overlay.mode == "message":
            self.voice_outcomes["not_understood"] += 1
            self._click(overlay.ok_button)
        else:
            self.voice_outcomes["acted"] += 1
        yield None

    def _note_voice_timeout(self, what: str) -> None:
        """Keep what the kiosk was doing when a voice request timed out (the first five), so
        that a rare timeout in a long soak can be told apart: the dialogue's step, the voice
        process's state and problem, the speech's state, its restarts so far, and what the voice
        overlay shows (a message there is what the patient was told)."""
        if len(self.voice_timeout_states) < 5:
            voice = self.voice
            self.voice_timeout_states.append(
                f"{what} after {sum(self.counts.values())} interactions: dialogue"
                f" {self.controller.voice_requests.dialogue.step.value}, voice {voice.state}"
                f" ({voice.problem or 'available'}; {voice.restarts} restarts), speech"
                f" {self.speech.state}, overlay {self.window.voice_overlay.mode}"
            )

    def _do_idle(self) -> Script:
        """Nobody touches: the warning shows; half the time someone touches Continue, otherwise
        the session resets (the idle service's own timer notices the time)."""
        idle_timer = self.idle.timer  # type: ignore[attr-defined]
        overlay = self.window.overlay
        self.clock.advance(idle_timer.idle_seconds + 1)
        yield (lambda: overlay.isVisible(), 5.0)
        if not overlay.isVisible():
            self._broken("the idle warning did not show")
            return
        if self.rng.random() < 0.4:
            self._click(overlay.button)
            yield None
            if overlay.isVisible():
                self._broken("Continue did not close the idle warning")
            return
        resets = self._resets
        self.clock.advance(idle_timer.warning_seconds + 1)
        yield (lambda: self._resets > resets, 5.0)
        if self._resets == resets:
            self._broken("the idle reset did not happen")
        elif overlay.isVisible() or self.controller.nav.prefs.text_scale != 100:
            self._broken("the idle reset left the warning or the text size")

    def _do_reload(self) -> Script:
        """Staff edit a topic (or not) and press Reload content on the staff screen."""
        yield from self._clear_overlays()
        self._edits += 1
        if self.rng.random() < 0.5:
            topic = self.rng.choice(sorted(self.pristine.glob("*.md")))
            text = topic.read_text(encoding="utf-8")
            (self.language_folder / topic.name).write_text(
                text.rstrip("\n") + f"\n\nThis page was checked again (edit {self._edits}).\n",
                encoding="utf-8",
            )
        else:
            self.restore(self.language_folder)
        self.controller.staff.open_staff()  # the 3-second hold on the clinic name; no PIN is set
        yield None
        self._click(self.window.staff.reload_button)
        load = self.controller.store.last_load
        if load is None or not load.ok:
            self._broken(f"a valid edit did not load: {load and load.errors[:2]}")
        yield None
        self._click(self.window.home_button)

    def _do_bad_reload(self) -> Script:
        """A broken edit is reloaded: the kiosk keeps the last good content; then it is fixed."""
        yield from self._clear_overlays()
        topics_before = len(self.controller.content.topics)
        kind = self.damage(self.language_folder, self.rng)
        self.bad_kinds[kind] += 1
        self.controller.staff.reload_content()
        load = self.controller.store.last_load
        if load is not None and load.ok:
            self.invalid_accepted += 1
        yield None
        if len(self.controller.content.topics) != topics_before or not self._visible_topics_ok():
            self._broken(f"a broken edit ({kind}) changed what patients see")
        self.restore(self.language_folder)
        self.controller.staff.reload_content()
        load = self.controller.store.last_load
        if load is None or not load.ok:
            self._broken(f"the fixed content did not load after {kind}")
        yield None

    def _visible_topics_ok(self) -> bool:
        return len(self.window.home.grid.buttons) == len(self.controller.content.topics)

    def _reap_paplay(self) -> None:
        played, self._paplay = self._paplay, None
        if played is not None:
            if played.poll() is None:
                played.kill()
            played.wait(5)


class _Driver:
    """Runs a script generator inside a Qt event loop: every step returns to the loop, and a
    step that waits is looked at again every few milliseconds until it holds or times out."""

    def __init__(self, script: Script) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        self.script = script
        self.loop = QEventLoop()
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        self.waiting: Wait | None = None
        self.deadline = 0.0
        self.started = False
        self.error: BaseException | None = None

    def run(self) -> None:
        self.timer.start(0)
        self.loop.exec()
        self.timer.stop()
        if self.error is not None:
            raise self.error

    def _tick(self) -> None:
        value = True
        if self.waiting is not None:
            condition = self.waiting[0]
            value = bool(condition())
            if not value and time.perf_counter() < self.deadline:
                self.timer.start(2)
                return
            self.waiting = None
        try:
            step = self.script.send(value) if self.started else next(self.script)
            self.started = True
        except StopIteration:
            self.loop.quit()
            return
        except BaseException as error:
            self.error = error
            self.loop.quit()
            return
        if step is not None:
            self.waiting = step
            self.deadline = time.perf_counter() + step[1]
        self.timer.start(0)


def run_soak(
    interactions: int,
    progress: Progress = None,
    seed: int = 0,
    *,
    rig: PulseRig | None = None,
    usage_file: Path | None = None,
) -> Figures:
    """Soak the real kiosk with ``interactions`` scripted interactions (see the module). Uses
    ``rig`` (a started :class:`~kiosk.devtools.rig.PulseRig`), or starts a private one.
    ``usage_file``: count the run's use there (spread over the last 30 days)."""
    from kiosk.devtools.rig import PulseRig

    own = rig is None
    active = rig if rig is not None else PulseRig().start()
    try:
        return Soak(interactions, active, progress, seed, usage_file=usage_file).run()
    finally:
        if own:
            active.stop()


def bench_soak(progress: Progress = None) -> Figures:
    """10,000 interactions (KIOSK_BENCH_QUICK=1: 1,000) on a private PulseAudio rig. Goals:
    ``soak.crashes`` 0, ``soak.rss_growth_pct`` ≤3 after the warm-up, and so each of
    ``soak.sound_process_rss_growth_pct`` and ``soak.voice_process_rss_growth_pct``; the whole
    kiosk (its process and the sound and voice processes) ``kiosk.rss_total_mb`` at Home after
    start and ``kiosk.rss_total_mb_end`` after the soak ≤300 (also by proportional set size,
    ``kiosk.pss_total_mb``, ``kiosk.pss_total_mb_end``); stable threads and fds."""
    quick = os.environ.get("KIOSK_BENCH_QUICK") == "1"
    usage = os.environ.get("KIOSK_SOAK_USAGE")  # a usage file to fill (for the "Use" page)
    return run_soak(1000 if quick else 10_000, progress, usage_file=Path(usage) if usage else None)
