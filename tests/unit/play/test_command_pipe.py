"""The sound output process widens the pipe its commands arrive on, so a long first sentence
(one message) is in the process the moment the kiosk writes it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from kiosk.play import process as sound_process


def test_the_running_sound_process_holds_a_long_title_in_its_command_pipe() -> None:
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/pulse", QT_QPA_PLATFORM="offscreen")
    with subprocess.Popen(
        [sys.executable, "-m", "kiosk.play.process"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        first = child.stdout.readline()  # Ready comes after the pipe is widened
        size = fcntl.fcntl(child.stdin.fileno(), fcntl.F_GETPIPE_SZ)
        _, errors = child.communicate(timeout=10)  # closing stdin ends the process
    assert first.startswith(b"READY"), first
    with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as limit:
        allowed = int(limit.read())
    # The longest title measured is 121 KB at the default speed; slower speeds make more.
    assert size >= min(sound_process.PIPE_BYTES, allowed) >= 256 * 1024
    assert "could not be widened" not in errors.decode()


def test_widening_is_harmless_where_there_is_no_pipe(tmp_path: Path) -> None:
    with open(tmp_path / "plain", "wb") as plain:
        assert sound_process.widen_pipe(plain.fileno()) == 0
    read_end, write_end = os.pipe()
    try:
        assert sound_process.widen_pipe(write_end, 256 * 1024) >= 256 * 1024
        assert fcntl.fcntl(read_end, fcntl.F_GETPIPE_SZ) >= 256 * 1024
    finally:
        os.close(read_end)
        os.close(write_end)
