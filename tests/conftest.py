"""Shared fixtures. A test fails if it logs an unexpected WARNING (see shared/STYLE.md)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The real Qt window, without a screen (shared/STYLE.md): set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kiosk.devtools.rig import PulseRig
from tests.audio.conftest import pulse_rig, speaker_recorder

__all__ = ["pulse_rig", "speaker_recorder"]

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "content"
ARTIFACTS = REPO / "artifacts"


class FakeClock:
    """A monotonic clock the test moves by hand, so timing tests never sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def run_cli(
    *args: str,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python run_kiosk.py ARGS`` as staff would run it, output captured."""
    return subprocess.run(
        [sys.executable, str(REPO / "run_kiosk.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=stdin,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warning_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Any WARNING or worse logged during a test fails it, unless the test expected it: such
    tests assert on the record and then call ``caplog.clear()``."""
    caplog.set_level(logging.INFO)
    yield
    unexpected = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    if unexpected and not getattr(caplog, "expected_warnings", False):
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in unexpected)
        pytest.fail(f"unexpected warnings were logged:\n{lines}")


@pytest.fixture(scope="session", autouse=True)
def _sound_server(pulse_rig: PulseRig) -> PulseRig:
    """Every test runs with a real (null) sound server: Qt Multimedia connects to the server once,
    when it is first used, so the rig must be up before any kiosk is built."""
    return pulse_rig


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of the seed content; returns the content root (with ``en/`` inside)."""
    root = tmp_path / "content"
    shutil.copytree(SEED, root)
    return root
