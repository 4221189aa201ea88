"""The running kiosk under every generated bad edit (kiosk.devtools.badcontent).

One real kiosk (offscreen window, real sound server) on a copy of the seed, showing a topic page.
For each variant: damage the live content folder, reload (the staff *Reload content* path; the
mid-load variants damage the folder while that reload reads it), and check that patients still
see the last good content (same topics on Home, the open page unchanged), that staff are told
what is wrong and where, and that nothing crashed. Then put the good files back, reload, and
check the kiosk takes the good content again. A few variants also go through the folder watch.

Every variant gets its bad reload on the live kiosk. The good files are put back after every
variant, but the good *reload* (which rebuilds the pages and the voice matcher, ~0.25 s) is done
and checked after every third variant, every mid-load and still-valid variant and the last of
each kind, so the whole run stays near a minute on a loaded 2-core machine; the next bad reload
starts from the good files either way.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.content.loader import ContentLoad
from kiosk.content.store import ContentStore
from kiosk.core.session import Screen
from kiosk.devtools.badcontent import Expect, Variant, restore, variants
from tests.ui.conftest import build

VARIANTS = variants(20_251)
OPEN_TOPIC = "pain"


def test_kiosk_keeps_last_good_content_through_every_bad_edit(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    k = build(qtbot, seed_copy, tmp_path)
    controller, window = k.controller, k.window
    good_ids = [t.id for t in controller.content.topics]
    controller.nav.open_topic(OPEN_TOPIC)
    page = window.topic.spoken_text()
    home_titles = [t.title for t in controller.content.topics]
    start = time.perf_counter()
    failures: list[str] = []
    last_of_kind = {v.kind: v.name for v in VARIANTS}
    good_reloads = 0
    for index, variant in enumerate(VARIANTS):
        before = controller.content
        with variant.during_next_load(seed_copy):
            controller.staff.reload_content()
        load = controller.store.last_load
        assert load is not None
        where = os.path.abspath(seed_copy / variant.target)
        if variant.expect is Expect.WARNING:
            # Still valid: the kiosk takes it, and staff see the warning.
            if not load.ok or not any(os.path.abspath(p.file) == where for p in load.warnings):
                failures.append(f"{variant.name}: expected a valid load with a warning")
        else:
            staff = "\n".join(text for _style, text in controller.staff.staff_report())
            if load.ok:
                failures.append(f"{variant.name}: the kiosk took the bad content")
            elif controller.content is not before:
                failures.append(f"{variant.name}: the content shown was replaced")
            elif not any(
                os.path.abspath(p.file) == where and p.format() in staff for p in load.errors
            ):
                failures.append(f"{variant.name}: staff are not told about {variant.target}")
            assert "patients still see the last good content" in staff
        assert window.current_screen() is Screen.TOPIC, variant.name
        assert window.topic.spoken_text() == page, variant.name
        restore(seed_copy)
        caplog.clear()  # each bad reload logged its expected "content edit has N errors"
        if not (
            index % 3 == 0
            or variant.mid_load
            or variant.expect is Expect.WARNING
            or last_of_kind[variant.kind] == variant.name
        ):
            continue
        good_reloads += 1
        controller.staff.reload_content()
        assert controller.store.last_load is not None and controller.store.last_load.ok, (
            variant.name
        )
        assert [t.id for t in controller.content.topics] == good_ids, variant.name
        assert window.current_screen() is Screen.TOPIC, variant.name
        assert window.topic.spoken_text() == page, variant.name
    elapsed = time.perf_counter() - start
    assert not failures, "\n".join(failures)
    assert [t.title for t in controller.content.topics] == home_titles
    controller.nav.home()
    assert window.current_screen() is Screen.HOME
    assert k.quits == []
    print(f"\n{len(VARIANTS)} bad reloads, {good_reloads} good reloads in {elapsed:.1f} s")
    assert good_reloads >= len(VARIANTS) // 3
    assert elapsed < 120, f"{len(VARIANTS)} variants took {elapsed:.0f} s"


def changed_from(
    store: ContentStore, load: ContentLoad | None, ok: bool = False
) -> Callable[[], bool]:
    """True once the store has made another load (an ``ok`` one, with ``ok``)."""

    def check() -> bool:
        now = store.last_load
        return now is not load and now is not None and (now.ok or not ok)

    return check


def test_folder_watch_reloads_bad_edits_and_recovers(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The watch (not a button) sees a sample of every kind; the kiosk recovers each time."""
    k = build(qtbot, seed_copy, tmp_path)
    controller, window, store = k.controller, k.window, k.controller.store
    controller.nav.open_topic(OPEN_TOPIC)
    page = window.topic.spoken_text()
    sample: dict[str, Variant] = {}
    for variant in VARIANTS:
        # The mid-load kind needs a reload it can hook; the button test covers it.
        if not variant.mid_load and variant.expect is not Expect.WARNING:
            sample.setdefault(variant.kind, variant)
    for variant in sample.values():
        reloaded = changed_from(store, store.last_load)
        variant.apply(seed_copy)
        qtbot.waitUntil(reloaded, timeout=5000)
        # Several events may come in; wait for the load that sees the whole edit.
        qtbot.wait(400)
        load = store.last_load
        assert load is not None and not load.ok, variant.name
        assert window.topic.spoken_text() == page, variant.name
        assert any(
            r.levelno == logging.WARNING and "keeping the last good content" in r.getMessage()
            for r in caplog.records
        ), variant.name
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], variant.name
        caplog.clear()
        restore(seed_copy)
        qtbot.waitUntil(changed_from(store, load, ok=True), timeout=5000)
        assert window.topic.spoken_text() == page, variant.name
    assert len(sample) >= 10
