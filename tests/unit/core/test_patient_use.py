"""Counting patients' use: staff's own screens are not counted, and a refused count is logged and
left out (a real counter on a real file, a real navigator)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.patient_use import STAFF_SCREENS, PatientUse
from kiosk.core.session import Navigator, Place, Screen
from kiosk.core.usage import UsageCounter


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[UsageCounter]:
    counter = UsageCounter(tmp_path / "usage.sqlite3", flush_seconds=0)
    yield counter
    counter.close()


def counted(counter: UsageCounter) -> dict[tuple[str, str], int]:
    """The counts not written yet, by (event, detail)."""
    return {(event, detail): n for (_, event, detail), n in counter.pending().items()}


def test_page_turns_are_counted_on_patients_screens_only(counter: UsageCounter) -> None:
    nav = Navigator()
    use = PatientUse(counter, nav)
    use.page_turned()  # Home
    nav.go(Place(Screen.TOPIC, "pain"))
    use.page_turned()
    for screen in STAFF_SCREENS:
        nav.go(Place(screen))
        use.page_turned()
    assert counted(counter) == {("page-turn", ""): 2}


@pytest.mark.parametrize(
    ("path", "by_patient"),
    [
        ([], True),  # Home
        ([Place(Screen.DISPLAY)], True),  # Text size from Home
        ([Place(Screen.TOPIC, "pain"), Place(Screen.DISPLAY)], True),
        ([Place(Screen.STAFF)], False),
        ([Place(Screen.USE)], False),
        ([Place(Screen.STAFF), Place(Screen.DISPLAY)], False),  # staff checking the look
        ([Place(Screen.PIN), Place(Screen.DISPLAY)], False),
        ([Place(Screen.STAFF), Place(Screen.HELP)], True),  # staff left for a patient's screen
    ],
)
def test_a_display_choice_is_a_patients_unless_made_from_staff_screens(
    path: list[Place], by_patient: bool
) -> None:
    nav = Navigator()
    for place in path:
        nav.go(place)
    assert PatientUse(None, nav).by_patient() is by_patient


def test_a_refused_count_is_logged_and_left_out(
    counter: UsageCounter, caplog: pytest.LogCaptureFixture
) -> None:
    use = PatientUse(counter, Navigator())
    use.count("topic-touch", "I feel tired all the time")  # free text: refused, not raised
    use.count("help-page")
    assert counted(counter) == {("help-page", ""): 1}
    [record] = caplog.records
    assert (record.name, record.levelname) == ("kiosk.session", "WARNING")
    assert record.getMessage().startswith("usage count left out: ")
    caplog.clear()


def test_without_a_counter_nothing_is_counted_and_nothing_fails() -> None:
    use = PatientUse(None, Navigator())
    use.count("help-page")
    use.page_turned()
