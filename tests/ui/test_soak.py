"""A short soak: 1,000 scripted interactions in one kiosk process on the real stack (offscreen
window, sound output and voice input processes, the PulseAudio rig's null sink and virtual
microphone): touches, read aloud and stop, spoken requests, idle resets, valid and broken content
reloads. The long run (10,000) is ``python run_kiosk.py bench soak``; see kiosk/devtools/soak.py.
"""

from __future__ import annotations

import logging

import pytest

from kiosk.devtools.rig import PulseRig
from kiosk.devtools.soak import EXPECTED_WARNINGS, MIX, run_soak

INTERACTIONS = 1000


@pytest.mark.slow
def test_a_thousand_interactions_crash_nothing_and_leak_nothing(
    fonts: bool, pulse_rig: PulseRig, caplog: pytest.LogCaptureFixture
) -> None:
    # Only warnings are kept while it runs (a thousand INFO records would be memory growth of
    # the test's own making); the broken content edits log the expected ones.
    caplog.set_level(logging.WARNING)
    progress: list[str] = []
    figures = run_soak(INTERACTIONS, progress.append, seed=1, rig=pulse_rig)
    report = "\n".join([*progress, *(f"{key} = {value}" for key, value in figures.items())])
    print(report)  # the figures, with pytest -s (and on failure)

    assert figures["soak.interactions"] == INTERACTIONS
    assert figures["soak.crashes"] == 0, report
    assert figures["soak.warnings_unexpected"] == 0, report
    missing = [kind for kind in MIX if not figures[f"soak.count.{kind}"]]
    assert not missing, f"interactions that never happened: {missing}"
    # Spoken requests went through the recogniser and were answered (an action or a question).
    answered = int(figures.get("soak.voice.acted", 0)) + int(figures.get("soak.voice.asked", 0))
    assert answered >= 1, report
    assert figures["soak.voice_timeouts"] <= 1, report
    assert figures["soak.read_timeouts"] == 0, report
    assert figures["soak.idle_resets"] >= 1
    assert figures["soak.invalid_accepted"] == 0, "a broken edit was shown to patients"

    # Stable after the warm-up: open files and threads do not pile up.
    assert figures["soak.open_fds_end"] <= int(figures["soak.open_fds_warm"]) + 2, report
    assert figures["soak.tasks_end"] <= int(figures["soak.tasks_warm"]) + 1, report
    assert figures["soak.threads_end"] <= int(figures["soak.threads_warm"]) + 1, report
    # Memory: a leak of a widget or a page per interaction, or of a recogniser model per reload
    # (16 MB each in the voice process, before it was fixed), shows well beyond these margins
    # in 900 interactions; the bench's 10,000 run holds the kiosk to its 5 % goal.
    assert float(figures["soak.rss_growth_pct"]) <= 10, report
    assert float(figures["soak.children_rss_growth_pct"]) <= 15, report
    # The whole kiosk by proportional set size: less than the sum of the three RSS (the
    # libraries all three map are counted once), and not nothing.
    for end in ("", "_end"):
        pss, rss = (
            float(figures[f"kiosk.pss_total_mb{end}"]),
            float(figures[f"kiosk.rss_total_mb{end}"]),
        )
        assert 0.5 * rss < pss < rss, report

    unexpected = [
        r.getMessage()
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and not str(r.msg).startswith(EXPECTED_WARNINGS)
    ]
    assert not unexpected
    assert any(str(r.msg).startswith(EXPECTED_WARNINGS) for r in caplog.get_records("call"))
    caplog.clear()
