"""Pure session logic: history, idle timing, display preferences, physical sizes, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.core.display import PhysicalScreen
from kiosk.core.session import (
    HOME,
    DisplayPrefs,
    IdlePhase,
    IdleTimer,
    Navigator,
    Place,
    Screen,
)
from kiosk.core.settings import KioskSettings, load_settings
from tests.conftest import FakeClock


def test_navigator_back_walks_history_and_home_clears_it() -> None:
    nav = Navigator()
    nav.go(Place(Screen.TOPIC, "pain"))
    nav.go(Place(Screen.TOPIC, "fracture"))
    nav.remember_page(2)
    nav.go(Place(Screen.HELP))
    assert nav.back() == Place(Screen.TOPIC, "fracture", 2)
    assert nav.back() == Place(Screen.TOPIC, "pain")
    assert nav.back() == HOME
    assert nav.back() == HOME
    nav.go(Place(Screen.HELP))
    nav.go(HOME)
    assert nav.history == []


def test_navigator_ignores_going_where_it_already_is_and_caps_history() -> None:
    nav = Navigator(limit=3)
    for n in range(10):
        nav.go(Place(Screen.TOPIC, f"t{n}"))
        nav.go(Place(Screen.TOPIC, f"t{n}"))
    assert len(nav.history) == 3


def test_forget_topics_after_reload() -> None:
    nav = Navigator()
    nav.go(Place(Screen.TOPIC, "gone"))
    nav.go(Place(Screen.TOPIC, "kept"))
    assert nav.forget_topics(lambda t: t == "kept") == Place(Screen.TOPIC, "kept")
    assert nav.history == [HOME]
    nav.go(Place(Screen.TOPIC, "gone"))
    assert nav.forget_topics(lambda t: t == "kept") == HOME


def test_idle_timer_phases() -> None:
    clock = FakeClock(start=0.0)
    timer = IdleTimer(90, 30, clock)
    assert timer.state().phase is IdlePhase.ACTIVE
    clock.now = 89.9
    assert timer.state().phase is IdlePhase.ACTIVE
    clock.now = 90.0
    state = timer.state()
    assert state.phase is IdlePhase.WARNING and state.seconds_left == 30
    clock.now = 100.5
    assert timer.state().seconds_left == 20
    timer.activity()
    assert timer.state().phase is IdlePhase.ACTIVE
    clock.now = 100.5 + 120
    assert timer.state().phase is IdlePhase.EXPIRED


def test_idle_warning_shorter_than_20_s_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        IdleTimer(90, 10, FakeClock())


def test_display_prefs_only_accept_known_values() -> None:
    prefs = DisplayPrefs()
    assert prefs.with_scale(200).text_scale == 200
    assert prefs.with_theme("high-contrast").theme == "high-contrast"
    with pytest.raises(ValueError):
        prefs.with_scale(300)
    with pytest.raises(ValueError):
        prefs.with_theme("pink")


def test_default_panel_is_about_a_quarter_millimetre_per_pixel() -> None:
    screen = PhysicalScreen()
    assert screen.mm_per_px == pytest.approx(0.2479, abs=0.0005)
    assert screen.px(15) == 61
    assert screen.mm(screen.px(15)) >= 15


def test_settings_file_values_and_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    assert load_settings(path) == (KioskSettings(), [])
    path.write_text(
        'idle_seconds = 60\norientation = "portrait"\nidle_warning_seconds = 5\ncolour = 1\n'
    )
    settings, problems = load_settings(path)
    assert settings.idle_seconds == 60 and settings.orientation == "portrait"
    assert settings.idle_warning_seconds == 30
    assert any("idle_warning_seconds" in p for p in problems)
    assert any("unknown setting 'colour'" in p for p in problems)
    path.write_text("idle_seconds = [")
    settings, problems = load_settings(path)
    assert settings == KioskSettings() and "cannot be read" in problems[0]
