"""``python run_kiosk.py bench [SUITE...] [--json]``: speed and memory figures, as medians.

Timings belong here, not in unit tests: shared machines are noisy, so each figure is the median of
several runs, and the suite reports numbers rather than passing or failing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 2)


def bench_ui(progress: Progress = None) -> Figures:
    """Tap → next screen painted (p50/p95, goal p95 ≤30 ms) and cold start (goal ≤1,500 ms)."""
    import os
    import subprocess
    import sys

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from kiosk.app import create_kiosk
    from kiosk.controller import KioskController
    from kiosk.core.pin import StaffPin
    from kiosk.ui.fonts import install_fonts
    from kiosk.ui.window import KioskWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install_fonts(app)

    class PaintSpy(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted_at = 0.0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.painted_at:
                self.painted_at = time.perf_counter()
            return False

    taps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        kiosk = create_kiosk(CONTENT_DIR, staff_pin=StaffPin(Path(tmp) / "s.json"), watch=False)
        window, controller = kiosk.window, kiosk.controller
        assert isinstance(window, KioskWindow) and isinstance(controller, KioskController)
        window.resize(1920, 1080)
        window.show()
        app.processEvents()
        spy = PaintSpy()
        window.topic.title.installEventFilter(spy)
        if progress:
            progress("ui: 60 taps on topic buttons...")
        for n in range(60):
            controller.home()
            app.processEvents()
            buttons = [b for b in window.home.grid.buttons if b.isVisible()]
            button = buttons[n % len(buttons)]
            spy.painted_at = 0.0
            start = time.perf_counter()
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
            while not spy.painted_at and time.perf_counter() - start < 2:
                app.processEvents()
            if spy.painted_at:
                taps.append((spy.painted_at - start) * 1000)
        window.allow_close()
        window.close()
    if progress:
        progress("ui: cold starts...")
    starts = []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for _ in range(5):
        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                str(CONTENT_DIR.parent / "run_kiosk.py"),
                "--windowed",
                "--exit-when-ready",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        elapsed = (time.perf_counter() - start) * 1000
        if "KIOSK_READY" in result.stdout:
            starts.append(elapsed)
        elif progress:
            progress(f"ui: cold start failed: {result.stderr[-500:]}")
    return {
        "ui.tap_to_paint_ms_p50": _percentile(taps, 0.5),
        "ui.tap_to_paint_ms_p95": _percentile(taps, 0.95),
        "ui.taps": len(taps),
        "ui.cold_start_ms": round(statistics.median(starts), 1) if starts else -1,
        "ui.cold_start_runs": len(starts),
    }


SUITES: dict[str, Callable[[Progress], Figures]] = {
    "content": bench_content,
    "ui": bench_ui,
}


def run_suites(names: list[str], progress: Progress = None) -> Figures:
    """Run the named suites in order and merge their figures."""
    figures: Figures = {}
    for name in names:
        figures.update(SUITES[name](progress))
    return figures
