"""``python run_kiosk.py bench [SUITE...] [--json]``: speed and memory figures, as medians.

Timings belong here, not in unit tests: shared machines are noisy, so each figure is the median of
several runs, and the suite reports numbers rather than passing or failing.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.devtools.scalebench import bench_scale
from kiosk.devtools.soak import bench_soak
from kiosk.paths import CONTENT_DIR

Figures = dict[str, float | int | str]
Progress = Callable[[str], None] | None


def _median_ms(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def bench_content(progress: Progress = None) -> Figures:
    """Load and validate 1,000 generated topics (goal ≤1,000 ms), and the seed content."""
    from kiosk.content.loader import load_content
    from kiosk.content.synthetic import generate_topics

    runs = 7
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        folder = generate_topics(CONTENT_DIR, Path(tmp), 1000)
        first = load_content(folder.parent)
        if first.errors or len(first.topics) != 1000:
            raise RuntimeError(f"generated content did not load: {first.errors[:3]}")
        if progress:
            progress(f"content: loading 1,000 topics, {runs} runs...")
        load_1000 = _median_ms(lambda: load_content(folder.parent), runs)
    seed = _median_ms(lambda: load_content(CONTENT_DIR), runs)
    return {
        "content.load_1000_ms": load_1000,
        "content.load_seed_ms": seed,
        "content.runs": runs,
    }


TAP_KINDS = ("home_to_topic", "page_turn", "related_topic", "back", "text_size")
"""The kinds of tap ``bench ui`` measures, each reported on its own."""


def measure_taps(counting: bool, rounds: int = 60) -> dict[str, object]:
    """Rounds of taps (after 12 unmeasured ones) on a fresh kiosk in this process, each tap →
    its result painted, in ms, by kind (:data:`TAP_KINDS`): a topic button on Home, Next page
    until a related-topic button shows, that related topic, Back (to the first topic), and on
    the Text size screen 150% then 100% (every fourth round; then no tap until the kiosk has laid
    out its hidden screens for the new size, as a patient's next tap comes). With ``counting``,
    usage counts go to a real file whose
    writer thread flushes every 0.2 s, so writes happen during the taps."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from kiosk.app import create_kiosk
    from kiosk.controller import KioskController
    from kiosk.core.pin import StaffPin
    from kiosk.core.session import Place, Screen
    from kiosk.core.usage import FILE_NAME, UsageCounter
    from kiosk.devtools.paintclock import tap_to_paint_ms
    from kiosk.ui.fonts import install_fonts
    from kiosk.ui.widgets import BigButton
    from kiosk.ui.window import KioskWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install_fonts(app)
    taps: dict[str, list[float]] = {kind: [] for kind in TAP_KINDS}
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        kiosk = create_kiosk(CONTENT_DIR, staff_pin=StaffPin(Path(tmp) / "s.json"), watch=False)
        window, controller = kiosk.window, kiosk.controller
        assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
        if counting:
            controller.use.usage = UsageCounter(Path(tmp) / FILE_NAME, flush_seconds=0.2)
        window.resize(1920, 1080)
        window.show()
        app.processEvents()
        topic = window.topic

        def tap(kind: str, target: QWidget, painted: list[QWidget], measured: bool) -> None:
            ms = tap_to_paint_ms(app, target, painted)
            if ms is not None and measured:
                taps[kind].append(ms)

        def related_button() -> BigButton | None:
            shown = topic.view.visible_widgets()
            found = [w for w in shown if w.objectName().startswith("related-")]
            return found[0] if found and isinstance(found[0], BigButton) else None

        for n in range(-12, rounds):
            measured = n >= 0
            controller.nav.home()
            app.processEvents()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            buttons = [b for b in window.home.grid.buttons if b.isVisible()]
            tap("home_to_topic", buttons[n % len(buttons)], [topic.title], measured)
            while related_button() is None and topic.pages.next_button.isEnabled():
                tap("page_turn", topic.pages.next_button, [topic.pages.label], measured)
            related = related_button()
            if related is not None:
                tap("related_topic", related, [topic.title], measured)
                tap("back", window.back_button, [topic.title], measured)
            if n % 4:
                continue
            controller.nav.go(Place(Screen.DISPLAY))
            app.processEvents()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            for scale in (150, 100):
                button = window.display.scale_buttons[scale]
                tap("text_size", button, [window.display.title], measured)
            # A patient's next tap (Home, then a topic) comes later than the kiosk takes to lay
            # out its hidden screens for the new size (window.STYLE_HIDDEN_AFTER_MS, then one
            # screen per turn of the event loop): wait for that, as the patient would.
            idle_until = time.perf_counter() + 2.0
            while window.styling_hidden_screens() and time.perf_counter() < idle_until:
                app.processEvents()
                time.sleep(0.002)
        writes = 0
        if controller.usage is not None:
            controller.usage.close()
            writes = controller.usage.writes
        window.allow_close()
        window.close()
    return {"taps": taps, "writes": writes}


def bench_ui(progress: Progress = None) -> Figures:
    """Tap → its result painted (p50/p95, goal p95 ≤17 ms and p50 ≤8 ms for every kind of tap:
    ``ui.tap_to_paint_ms_p95.home_to_topic`` and so on for each of :data:`TAP_KINDS`; the
    unsuffixed figures are over all taps) with usage counting off and on (goal:
    ``ui.tap_to_paint_ms_p95_counting`` within 2 ms of ``ui.tap_to_paint_ms_p95``), and cold
    start (goal ≤500 ms).

    The taps run in fresh processes, counting off and on in turn (two of each, 60 rounds of taps
    each): a second kiosk in one process is slower (the first one's window and event filter
    stay), which would be measured as the cost of counting."""
    import os
    import subprocess
    import sys

    from kiosk.devtools.paintclock import percentile

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    taps: dict[str, list[float]] = {kind: [] for kind in TAP_KINDS}
    taps_counting: dict[str, list[float]] = {kind: [] for kind in TAP_KINDS}
    writes = 0
    for counting in (False, True, False, True):
        if progress:
            progress(f"ui: 60 rounds of taps, usage counting {'on' if counting else 'off'}...")
        code = (
            "import json; from kiosk.bench import measure_taps; "
            f"print('TAPS ' + json.dumps(measure_taps({counting})))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=CONTENT_DIR.parent,
            timeout=300,
            check=False,
        )
        found = [line for line in result.stdout.splitlines() if line.startswith("TAPS ")]
        if not found:
            if progress:
                progress(f"ui: the tap run failed: {result.stderr[-500:]}")
            continue
        figures = json.loads(found[-1][5:])
        for kind in TAP_KINDS:
            (taps_counting if counting else taps)[kind].extend(figures["taps"][kind])
        writes += figures["writes"]
    every = [ms for kind in TAP_KINDS for ms in taps[kind]]
    every_counting = [ms for kind in TAP_KINDS for ms in taps_counting[kind]]
    result_figures: Figures = {
        "ui.tap_to_paint_ms_p50": percentile(every, 0.5),
        "ui.tap_to_paint_ms_p95": percentile(every, 0.95),
        "ui.taps": len(every),
        "ui.tap_to_paint_ms_p50_counting": percentile(every_counting, 0.5),
        "ui.tap_to_paint_ms_p95_counting": percentile(every_counting, 0.95),
        "ui.taps_counting": len(every_counting),
        "ui.usage_writes_during_taps": writes,
    }
    for kind in TAP_KINDS:
        result_figures[f"ui.tap_to_paint_ms_p50.{kind}"] = percentile(taps[kind], 0.5)
        result_figures[f"ui.tap_to_paint_ms_p95.{kind}"] = percentile(taps[kind], 0.95)
        result_figures[f"ui.taps.{kind}"] = len(taps[kind])
        result_figures[f"ui.tap_to_paint_ms_p95_counting.{kind}"] = percentile(
            taps_counting[kind], 0.95
        )
    result_figures.update(measure_cold_starts(progress))
    return result_figures


def measure_cold_starts(progress: Progress = None, runs: int = 5) -> Figures:
    """``runs`` starts of the kiosk as it runs in a clinic (``run_kiosk.py``, with a sound server:
    a private rig), each from process start to Home painted and interactive (the moment it prints
    KIOSK_READY, flushed at once), median in ms; and how many of its sound output and voice input
    processes every start had started by then."""
    import compileall
    import os
    import signal
    import subprocess
    import sys

    from kiosk.devtools.rig import PulseRig

    if progress:
        progress("ui: cold starts...")
    # As installed (deploy/install.sh compiles the package): the starts read bytecode. Where
    # PYTHONDONTWRITEBYTECODE is set and nothing was compiled, every start compiled every module
    # of the kiosk anew (about 90 ms of its processes' time), which no installed kiosk does.
    compileall.compile_dir(str(CONTENT_DIR.parent / "kiosk"), quiet=1)
    starts: list[float] = []
    children_started: list[int] = []
    # With a sound server the kiosk starts its sound output and voice input processes, and the
    # start is measured with them (without one it starts neither: 180 ms quicker than a
    # clinic's start, before those processes were started after Home's first paint).
    with PulseRig():
        from kiosk.services.memory import PYTHON_ALLOCATOR

        # PULSE_SERVER: the rig's; the allocator as the deploy unit sets it (a start without it
        # starts itself again with it: one interpreter start more than a clinic's).
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONMALLOC=PYTHON_ALLOCATOR)
        for _ in range(runs):
            start = time.perf_counter()
            process = subprocess.Popen(
                [
                    sys.executable,
                    str(CONTENT_DIR.parent / "run_kiosk.py"),
                    "--windowed",
                    "--exit-when-ready",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                start_new_session=True,  # its processes in a group of their own (below)
            )
            assert process.stdout is not None
            ready_ms: float | None = None
            watchdog = threading.Timer(60, process.kill)  # a start that hangs ends the wait
            watchdog.start()
            for line in process.stdout:
                if line.startswith("KIOSK_READY"):
                    ready_ms = (time.perf_counter() - start) * 1000
                    children_started.append(line.count("=started"))
                    break
            watchdog.cancel()
            try:
                _, errors = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _, errors = process.communicate()
            if ready_ms is not None:
                starts.append(ready_ms)
                if progress:
                    progress(f"ui: cold start {ready_ms:.0f} ms")
            elif progress:
                progress(f"ui: cold start failed: {errors[-500:]}")
            # The next start begins once every process of this one has ended (the kiosk ends
            # its sound and voice processes as it exits; a voice process still loading its
            # model took CPU from the next start).
            give_up = time.monotonic() + 10
            while time.monotonic() < give_up:
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                os.killpg(process.pid, signal.SIGKILL)
    return {
        "ui.cold_start_ms": round(statistics.median(starts), 1) if starts else -1,
        "ui.cold_start_runs": len(starts),
        # Of the sound output and voice input processes, how many every start had started by
        # the time it reported Home painted and interactive (2: both).
        "ui.cold_start_processes_started": min(children_started, default=0),
    }


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def _sound_rig() -> tuple[object | None, str]:
    """A private null-sink sound server (the test rig) unless one is chosen already, so the
    figures are measured on a real audio path; ("none" when PulseAudio is not installed)."""
    import os
    import shutil

    if os.environ.get("PULSE_SERVER") or os.environ.get("KIOSK_BENCH_SOUND") == "system":
        return None, "system"
    if not shutil.which("pulseaudio"):
        return None, "none"
    import sys

    sys.path.insert(0, str(CONTENT_DIR.parent))
    from kiosk.devtools.rig import PulseRig

    return PulseRig().start(), "null-sink"


def bench_speech(progress: Progress = None) -> Figures:
    """Read aloud: first audio (cold cache), whole-page render, stop to silence, memory."""
    import os

    quick = os.environ.get("KIOSK_BENCH_QUICK") == "1"
    rig, output = _sound_rig()
    try:
        return _bench_speech(progress, rig, output, quick)
    finally:
        if rig is not None:
            rig.stop()  # type: ignore[attr-defined]


def _bench_speech(progress: Progress, rig: object | None, output: str, quick: bool) -> Figures:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from kiosk.app import create_kiosk
    from kiosk.content.loader import load_content
    from kiosk.controller import KioskController
    from kiosk.core.pin import StaffPin
    from kiosk.paths import VOICES_DIR
    from kiosk.speech.profile import load_profile
    from kiosk.speech.render import SentenceRenderer, VoiceSettings
    from kiosk.speech.text import sentences_of
    from kiosk.ui.window import KioskWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    content = load_content(CONTENT_DIR).content
    assert content is not None

    def units(topic_id: str) -> list[str]:
        topic = content.topic(topic_id)
        assert topic is not None
        return [topic.title, *topic.body.texts()]

    by_length = sorted(content.topics, key=lambda t: len(" ".join(units(t.id))))
    shortest, longest = by_length[0].id, by_length[-1].id
    figures: Figures = {
        "speech.output": output,
        "speech.shortest_page": shortest,
        "speech.longest_page": longest,
    }

    def wait(condition: Callable[[], bool], seconds: float) -> bool:
        deadline = time.perf_counter() + seconds
        while not condition() and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.001)
        return condition()

    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        root = Path(tmp)

        def kiosk(cache: str) -> tuple[KioskWindow, KioskController]:
            built = create_kiosk(
                CONTENT_DIR,
                staff_pin=StaffPin(root / "s.json"),
                watch=False,
                speech_cache=root / cache,
            )
            window, controller = built.window, built.controller
            assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
            window.resize(1920, 1080)
            window.show()
            app.processEvents()
            speech = controller.speech
            if speech is not None and output != "none":
                wait(lambda: speech.output.ready, 10)  # the output process is starting
            return window, controller

        # First audio: from the press of Read aloud to the first sound on the recording of the
        # speaker (the sink's monitor), with the speech cache emptied before every press (cold
        # cache), on every topic page. speech.first_write_ms_* is when the kiosk handed the
        # first audio to its sound process (the part of the wait before PulseAudio). Without
        # the rig (system sound, or none) only the handover can be timed, and first_audio is it.
        recorder = None
        if rig is not None:
            from kiosk.devtools.recorder import SinkRecorder

            recorder = SinkRecorder(rig).start()  # type: ignore[arg-type]
        pages = [shortest, longest] if quick else [t.id for t in content.topics]
        window, controller = kiosk("cold")
        speech = controller.speech
        assert speech is not None
        cache = speech.cache
        assert cache is not None
        wait(lambda: False, 2.0)  # the engine starts in the background after start-up
        medians: dict[str, float] = {}
        try:
            for topic_id in pages:
                if progress:
                    progress(f"speech: first audio, {topic_id}, cold cache...")
                heard, handed = [], []
                for _ in range(runs):
                    controller.nav.open_topic(topic_id)
                    cache.clear()
                    wait(lambda: False, 0.2)
                    first: list[float] = []
                    speech.first_audio.connect(first.append)
                    start = time.perf_counter()
                    controller.sound.read_page()
                    wait(partial(bool, first), 5)
                    speech.first_audio.disconnect(first.append)
                    if first:
                        handed.append((first[0] - start) * 1000)
                    if recorder is not None:
                        wait(partial(_sound_after, recorder, start), 3)
                        onset = recorder.first_sound_after(start)
                        if onset is not None:
                            heard.append((onset - start) * 1000)
                    controller.sound.stop_speech()
                    if recorder is not None:
                        recorder.wait_for_silence(time.perf_counter(), 0.1, 3)
                samples = heard if recorder is not None else handed
                if samples:
                    medians[topic_id] = round(statistics.median(samples), 1)
                    figures[f"speech.first_audio_ms.{topic_id}"] = medians[topic_id]
                if handed:
                    figures[f"speech.first_write_ms.{topic_id}"] = round(
                        statistics.median(handed), 1
                    )
        finally:
            window.allow_close()
            window.close()
            if recorder is not None:
                recorder.stop()
        figures["speech.first_audio_measured_on"] = "sink" if recorder is not None else "handover"
        for label, topic_id in (("shortest", shortest), ("longest", longest)):
            figures[f"speech.first_audio_ms_{label}"] = medians.get(topic_id, -1)
        figures["speech.first_audio_ms"] = max(medians.values()) if medians else -1

        if progress:
            progress("speech: whole-page render of the longest page...")
        profile, _ = load_profile(VOICES_DIR / "en.toml")
        renderer = SentenceRenderer(
            VoiceSettings(profile.tts_voice, profile.pitch, profile.lexicon), None
        )
        texts = [s.text for s in sentences_of(units(longest))]
        figures["speech.whole_page_render_ms"] = _median_ms(
            lambda: [renderer.render(t, profile.rate_wpm) for t in texts], 3 if quick else 5
        )
        figures["speech.longest_page_sentences"] = len(texts)

        if rig is not None:
            if progress:
                progress("speech: stop to silence, recorded on the null sink...")
            from kiosk.devtools.recorder import SinkRecorder

            window, controller = kiosk("warm")
            gaps = []
            with SinkRecorder(rig) as recorder:  # type: ignore[arg-type]
                for _ in range(runs):
                    controller.nav.open_topic(longest)
                    start = time.perf_counter()
                    controller.sound.read_page()
                    wait(partial(_sound_after, recorder, start), 3)
                    wait(lambda: False, 1.0)  # mid-sentence
                    stopped = time.perf_counter()
                    controller.sound.stop_speech()
                    wait(partial(_recorded_until, recorder, stopped + 0.8), 3)
                    last = recorder.last_sound_before(stopped + 0.8)
                    if last is not None:
                        gaps.append(max(0.0, (last - stopped) * 1000))
                    controller.nav.home()
            figures["speech.stop_to_silence_ms"] = round(statistics.median(gaps), 1) if gaps else -1
            window.allow_close()
            window.close()

        if progress:
            progress("speech: reading every page once (at the fastest speed)...")
        window, controller = kiosk("all-pages")
        speech = controller.speech
        assert speech is not None
        speech.set_rate_step(len(speech_rates()) - 1)
        topics = [shortest] if quick else [t.id for t in content.topics]
        for topic_id in topics:
            controller.nav.open_topic(topic_id)
            controller.sound.read_page()
            wait(lambda: speech.state == "idle", 600)
        figures["speech.rss_mb"] = _rss_mb()
        figures["speech.rss_pages_read"] = len(topics)
        window.allow_close()
        window.close()
    return figures


def _sound_after(recorder: Any, moment: float) -> bool:
    return recorder.first_sound_after(moment) is not None


def _recorded_until(recorder: Any, moment: float) -> bool:
    return bool(recorder.end_time >= moment)


def speech_rates() -> tuple[int, ...]:
    """The speed steps (words a minute)."""
    from kiosk.play.read_aloud import RATE_STEPS_WPM

    return RATE_STEPS_WPM


def bench_voice(progress: Progress = None) -> Figures:
    """Spoken requests (espeak-ng and flite voices, clean and at 10 / 5 dB SNR, room noise
    before and after) through the kiosk's recogniser and matcher, per engine and per half of
    the set (``dev``: used for tuning; ``heldout``: only reported). Figures: ``accuracy_clean``,
    ``accuracy_snr10``, ``accuracy_snr5`` (share of in-scope requests acted on rightly; a
    "Did you mean ...?" question is not counted as right), ``heard_right_clean`` / ``_snr10`` /
    ``_snr5`` (share of in-scope requests whose transcript's own best match was right, before
    the evidence is weighed: the most an evidence rule could act on rightly), ``confirm_rate``
    (share of all requests answered with a question), ``false_action_rate`` (wrong page or
    command, or any action on out-of-scope speech, over all requests), ``reject_rate``
    (in-scope requests not recognised), ``latency_ms_p50`` / ``_p95`` (end of audio to
    decision, streaming in real time). Unprefixed ``voice.*`` figures are the preferred
    available engine's, over both halves. ``voice.unseen.*``: the same figures for the preferred
    engine on a third voice family nothing was tuned on (Festival, the held-out phrasings), kept
    apart from the others. ``voice.exact_words.<half>.accuracy`` / ``.false_action_rate``: the
    kiosk's decision on each phrasing heard perfectly and surely (no engine): what a perfect
    recogniser would give, so the rest of the gap is the matcher's. ``voice.answers.*``: how
    answers to "Did you mean ...?" are heard; ``voice.dialogue.*``: where the requests end once
    the kiosk's questions are answered (see :func:`kiosk.devtools.voiceset.dialogue_figures`).
    KIOSK_BENCH_QUICK=1 runs a small subset."""
    from kiosk.devtools.voiceset import bench_voice as run

    return dict(run(progress))


SUITES: dict[str, Callable[[Progress], Figures]] = {
    "content": bench_content,
    "ui": bench_ui,
    "speech": bench_speech,
    "voice": bench_voice,
    "soak": bench_soak,
    "scale": bench_scale,
}


HOST_LOOP_STEPS = 1_000_000
"""Steps of the pure-Python loop that times the host (:func:`host_speed`)."""


def _host_loop() -> int:
    total = 0
    for step in range(HOST_LOOP_STEPS):
        total += step * step
    return total


def host_speed(label: str, runs: int = 3) -> Figures:
    """How fast the host is right now: ``host.loop_ms_<label>``, the median time of a fixed
    pure-Python loop (one core), and ``host.load_1m_<label>``, the load average. The machines the
    benches run on are shared: a loop like it took from 330 to 960 ms (3 million steps) within one
    session, and every timing figure moved with it (text-size taps 7 against 14 ms, cold starts
    380 against 790 ms, on the same code). Figures from two runs compare only at like host
    speeds."""
    import os

    figures: Figures = {f"host.loop_ms_{label}": _median_ms(_host_loop, runs)}
    if hasattr(os, "getloadavg"):
        figures[f"host.load_1m_{label}"] = round(os.getloadavg()[0], 2)
    return figures


def run_suites(names: list[str], progress: Progress = None) -> Figures:
    """Run the named suites in order and merge their figures (a figure two suites report, such
    as ``ui.tap_to_paint_ms_p95`` from ``ui`` and ``scale``, keeps the first suite's value; the
    later one is also under its own prefix, e.g. ``scale.ui.tap_to_paint_ms_p95``). The host's
    speed before and after (:func:`host_speed`) comes with them."""
    figures: Figures = host_speed("start")
    for name in names:
        for key, value in SUITES[name](progress).items():
            figures.setdefault(key, value)
    figures.update(host_speed("end"))
    return figures
