"""Composes the kiosk: content store, services, window and controller. Nothing imports this
module except the command line and the tests."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.content.store import ContentStore
from kiosk.core.display import ReportedScreen, choose_screen
from kiosk.core.pin import StaffPin
from kiosk.core.session import IdleTimer
from kiosk.core.settings import KioskSettings, load_settings
from kiosk.paths import VOICES_DIR, cache_dir, config_dir, state_dir

if TYPE_CHECKING:
    from kiosk.content.problems import Problem
    from kiosk.play.read_aloud import ReadAloud
    from kiosk.services.child_process import SoundChild
    from kiosk.speech.profile import VoiceProfile

log = logging.getLogger("kiosk.app")
PROCESS_START = time.perf_counter()


@dataclass
class Kiosk:
    """Everything one running kiosk is made of."""

    window: object
    controller: object
    store: ContentStore
    watcher: object
    idle: object


def display_problem() -> str | None:
    """Why Qt cannot open a window here, in words for the person at the terminal, or None."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform != "linux":
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "The kiosk needs a screen, and there is none here (no DISPLAY or WAYLAND_DISPLAY; "
        "for example, this is an SSH session).\n"
        "  - On the kiosk machine: run it on the machine's own screen, under the cage kiosk "
        "compositor (cage -- make run) or an X session.\n"
        "  - To check it without a screen: QT_QPA_PLATFORM=offscreen python run_kiosk.py, or use "
        "python run_kiosk.py screenshot --out home.png.\n"
        "  - To check the content only: python run_kiosk.py check"
    )


def create_kiosk(
    content_dir: Path,
    settings: KioskSettings | None = None,
    *,
    staff_pin: StaffPin | None = None,
    clock: Callable[[], float] = time.monotonic,
    snapshot_dir: Path | None = None,
    watch: bool = True,
    quit_app: Callable[[], None] | None = None,
    speech: bool = True,
    voice_profile: Path | None = None,
    speech_cache: Path | None = None,
    voice: bool | None = None,
    voice_engine: str = "auto",
    models_dir: Path | None = None,
    usage_file: Path | None = None,
    state_folder: Path | None = None,
    children_after_paint: bool = False,
) -> Kiosk:
    """Build a kiosk (a QApplication must exist). Raises ``RuntimeError`` with the checker's
    problems when there is no valid content at all (neither the folder nor a snapshot).

    ``voice`` (default: with ``speech`` and the ``voice`` setting) starts the voice input process
    (microphone and recogniser, ``voice_engine``: auto, vosk or pocketsphinx).

    ``usage_file`` (the state folder's ``usage.sqlite3`` when the kiosk runs) keeps the usage
    counts, unless the ``usage_counts`` setting is off; None counts nothing.

    ``state_folder`` (the machine's state folder when the kiosk runs) is where the staff screen's
    health lines find the crash log and the last self-test, and whose free disk they show.

    ``children_after_paint`` (the kiosk as it runs): the sound output and voice input processes
    are started once Home is first painted, not while the window is being made. On the kiosk's
    two cores their starts took CPU from Home's: with a sound server, Home was painted about
    180 ms later than without one (medians of 7 starts: 865 and 681 ms)."""
    from kiosk.controller import KioskController
    from kiosk.services.content_watch import ContentWatcher
    from kiosk.services.idle import IdleService
    from kiosk.services.memory import keep_allocator_steady
    from kiosk.ui.window import KioskWindow

    keep_allocator_steady()
    settings = settings or KioskSettings()
    store = ContentStore(content_dir, snapshot_dir=snapshot_dir)
    load = store.reload()
    if store.current is None:
        problems = "\n".join(p.format() for p in load.errors)
        raise RuntimeError(f"no valid content to show:\n{problems}")
    if not load.ok:
        log.warning("content has %d errors; showing the last good copy", len(load.errors))
    window = KioskWindow(settings)
    # Services and the controller live exactly as long as the window.
    watcher = ContentWatcher(store, parent=window)
    idle = IdleService(
        IdleTimer(settings.idle_seconds, settings.idle_warning_seconds, clock), parent=window
    )
    from kiosk.listen.client import VoiceInput
    from kiosk.speech.profile import load_profile

    profile_path = voice_profile or VOICES_DIR / "en.toml"
    profile, profile_problems = load_profile(profile_path)
    at_once = not children_after_paint
    read_aloud = (
        create_read_aloud(profile, profile_problems, speech_cache, start_output=at_once)
        if speech
        else None
    )
    recogniser_settings = profile.recogniser
    listening = (speech and settings.voice) if voice is None else voice
    voice_input = (
        VoiceInput(profile_path, models_dir, voice_engine, parent=window, start=at_once)
        if listening
        else None
    )
    if not at_once:
        children: list[SoundChild] = [] if read_aloud is None else [read_aloud.output]
        children += [] if voice_input is None else [voice_input]

        from PySide6.QtCore import QTimer

        def start_children() -> None:
            for child in children:
                child.start()

        # After the first frame is painted (the signal comes in the window's paint), before
        # the kiosk reports itself ready (run_kiosk's own handler is connected after this one).
        window.first_painted.connect(lambda: QTimer.singleShot(0, start_children))
    from kiosk.core.usage import UsageCounter

    usage = UsageCounter(usage_file) if usage_file is not None and settings.usage_counts else None
    controller = KioskController(
        window,
        store,
        watcher,
        idle,
        staff_pin or StaffPin(StaffPin.default_file()),
        quit_app,
        parent=window,
        speech=read_aloud,
        voice=voice_input,
        matcher_scores=(recogniser_settings.accept_score, recogniser_settings.confirm_score),
        concepts=recogniser_settings.concepts,
        log_transcripts=settings.log_transcripts,
        usage=usage,
        state_folder=state_folder,
    )
    from PySide6.QtWidgets import QApplication

    from kiosk.services.input_filter import InputFilter

    app = QApplication.instance()
    if app is not None:
        # In the order Qt called them when each was a filter of its own: idle timing sees every
        # tap, and the audio guide takes taps before the window's keys.
        watchers = [idle.eventFilter, controller.guide.filter.eventFilter, window.eventFilter]
        app.installEventFilter(InputFilter(watchers, parent=window))
    controller.start()
    if watch:
        watcher.start()
    idle.start()
    return Kiosk(window, controller, store, watcher, idle)


def create_read_aloud(
    profile: VoiceProfile,
    problems: list[Problem],
    cache_folder: Path | None = None,
    start_output: bool = True,
) -> ReadAloud:
    """The read-aloud queue with the voice profile (built-in defaults when it is broken: then
    ``problems`` say why)."""
    from kiosk.play.read_aloud import ReadAloud
    from kiosk.speech.cache import AudioCache
    from kiosk.speech.render import VoiceSettings

    for problem in problems:
        log.warning("voice profile: %s", problem.format())
    cache = AudioCache(cache_folder or cache_dir() / "speech")
    speech = ReadAloud(
        VoiceSettings(profile.tts_voice, profile.pitch, profile.lexicon),
        cache,
        default_volume_db=profile.volume_db,
        default_rate=profile.rate_wpm,
        start_output=start_output,
    )
    speech.profile_problems = [p.format() for p in problems]
    return speech


def reported_screen(app: object) -> ReportedScreen | None:
    """The primary screen's size in device pixels and millimetres, as Qt reports it (EDID)."""
    from PySide6.QtWidgets import QApplication

    if not isinstance(app, QApplication) or app.platformName() in ("offscreen", "minimal"):
        return None  # a virtual screen: its millimetres mean nothing
    screen = app.primaryScreen()
    if screen is None:
        return None
    size, ratio, physical = screen.size(), screen.devicePixelRatio(), screen.physicalSize()
    return ReportedScreen(
        round(size.width() * ratio),
        round(size.height() * ratio),
        physical.width(),
        physical.height(),
    )


def settings_for_screen(
    settings: KioskSettings, reported: ReportedScreen | None
) -> tuple[KioskSettings, list[str]]:
    """The settings with the panel the kiosk sizes for (kiosk.toml overrides the screen's own
    report) and the staff screen's notes about it."""
    screen, notes = choose_screen(
        settings.screen, "screen_diagonal_inches" in settings.explicit, reported
    )
    return (
        replace(
            settings,
            screen_diagonal_inches=screen.diagonal_inches,
            screen_width_px=screen.width_px,
            screen_height_px=screen.height_px,
        ),
        notes,
    )


def collect_garbage_again() -> None:
    """Turn the cyclic garbage collector back on (the command line turns it off for the start,
    :func:`kiosk.cli._cmd_run`): the start's few hundred garbage objects are collected (one
    full pass, with Home on screen), then everything else the start made is moved out of later
    passes (``gc.freeze``): modules, classes and the kiosk's widgets live as long as the
    process, and each full pass would walk them again."""
    import gc

    gc.collect()
    gc.freeze()
    gc.enable()


def _import_voice_decision() -> None:
    import kiosk.listen.hearing  # noqa: F401


def run_kiosk(
    content_dir: Path,
    windowed: bool = False,
    exit_when_ready: bool = False,
    settings_file: Path | None = None,
) -> int:
    """Start the kiosk and run until staff choose Exit. Returns the exit status."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from kiosk.logsetup import install_excepthook, setup_logging

    log_file = setup_logging(state_dir() / "log")
    settings, setting_problems = load_settings(settings_file or config_dir() / "kiosk.toml")
    for message in setting_problems:
        log.warning("%s", message)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.fonts import install_fonts

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_fonts(app)
    settings, screen_notes = settings_for_screen(settings, reported_screen(app))
    for note in screen_notes:
        (log.warning if note.startswith("Warning") else log.info)("%s", note)
    try:
        from kiosk.core.usage import FILE_NAME

        kiosk = create_kiosk(
            content_dir,
            settings,
            snapshot_dir=state_dir() / "last-good-content",
            usage_file=state_dir() / FILE_NAME,
            state_folder=state_dir(),
            children_after_paint=True,
        )
    except RuntimeError as error:
        log.critical("%s", error)
        print(
            f"The kiosk cannot start: {error}\nFix the content (python run_kiosk.py check) and "
            f"start it again. Log: {log_file}",
            file=sys.stderr,
        )
        return 1
    from kiosk.controller import KioskController
    from kiosk.ui.window import KioskWindow

    assert isinstance(kiosk.controller, KioskController)
    assert isinstance(kiosk.window, KioskWindow)
    install_excepthook(kiosk.controller.nav.recover)
    window = kiosk.window
    window.screen_notes = screen_notes
    if windowed:
        window.resize(settings.screen_width_px // 2, settings.screen_height_px // 2)
        window.show()
    else:
        from PySide6.QtCore import Qt

        window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        window.showFullScreen()
    log.info("kiosk started (log: %s)", log_file)

    def ready() -> None:
        elapsed = (time.perf_counter() - PROCESS_START) * 1000
        log.info("home painted and interactive after %.0f ms", elapsed)
        if exit_when_ready:
            controller = kiosk.controller
            assert isinstance(controller, KioskController)
            speech, voice = controller.speech, controller.voice
            # Which of the kiosk's processes were started by now (the cold start's measure).
            sound = "started" if speech is not None and speech.output.started else "not-started"
            listening = "started" if voice is not None and voice.started else "not-started"
            print(f"KIOSK_READY {elapsed:.1f} sound={sound} voice={listening}", flush=True)
            window.allow_close()
            app.quit()
            return
        collect_garbage_again()
        # What the first spoken request needs, imported while Home is on screen rather than
        # before it (or while that request waits).
        QTimer.singleShot(500, _import_voice_decision)

    # Ready = the first frame is painted and the event loop is idle again (interactive).
    window.first_painted.connect(lambda: QTimer.singleShot(0, ready))
    status = app.exec()
    if window.isVisible():  # (not closed by staff Exit: --exit-when-ready)
        window.close()  # the controller stops speech, voice input and the usage counts
    from kiosk.logsetup import mark_crash_log
    from kiosk.play.read_aloud import stop_render_thread

    mark_crash_log("stopped")
    stop_render_thread()
    # Everything the kiosk keeps is written by now and its child processes have ended: the
    # process ends here, without Python taking apart every Qt object and module one by one at
    # exit (150-250 ms on the kiosk machine, after Home was long gone).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
