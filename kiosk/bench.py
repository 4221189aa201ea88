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


SUITES: dict[str, Callable[[Progress], Figures]] = {
    "content": bench_content,
}


def run_suites(names: list[str], progress: Progress = None) -> Figures:
    """Run the named suites in order and merge their figures."""
    figures: Figures = {}
    for name in names:
        figures.update(SUITES[name](progress))
    return figures
