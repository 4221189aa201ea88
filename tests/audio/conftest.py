"""Fixtures for tests on a real (null) PulseAudio server; see :mod:`kiosk.devtools.rig`.

Other test folders can use them too: ``from tests.audio.conftest import pulse_rig`` (and
``speaker_recorder``) in their conftest. However many conftests import ``pulse_rig``, one server
runs per test session (see :func:`kiosk.devtools.rig.shared_rig`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.devtools.recorder import SinkRecorder
from kiosk.devtools.rig import PulseRig, shared_rig

__all__ = ["pulse_rig", "speaker_recorder"]


@pytest.fixture(scope="session")
def pulse_rig() -> Iterator[PulseRig]:
    """The session's PulseAudio rig; ``PULSE_SERVER`` points at it while it runs.

    Tests that unplug the microphone or kill the server must put it back (``load_mic()``,
    ``restart()``) before they end.
    """
    with shared_rig() as rig:
        yield rig


@pytest.fixture
def speaker_recorder(pulse_rig: PulseRig) -> Iterator[SinkRecorder]:
    """A started recorder of what the kiosk's speaker plays, stopped after the test."""
    with SinkRecorder(pulse_rig) as recorder:
        yield recorder
