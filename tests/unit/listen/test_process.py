"""The voice input process itself (``python -m kiosk.listen.process``), driven over its JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO


def test_after_its_rebuild_limit_the_voice_process_hands_over_to_a_fresh_one() -> None:
    """PocketSphinx keeps ~40 KB per grammar rebuild: after the limit (200 in the kiosk, 3 here)
    the process says it will restart and ends cleanly; the kiosk then starts a new one."""
    events: list[dict[str, object]] = []
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.listen.process",
            "--engine",
            "pocketsphinx",
            "--rebuilds",
            "3",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        try:
            for phrases in (["tell me about pain"], ["go home", "go back"], ["i feel tired"]):
                process.stdin.write(json.dumps({"cmd": "phrases", "phrases": phrases}) + "\n")
                process.stdin.flush()
                while True:
                    event = json.loads(process.stdout.readline())
                    events.append(event)
                    if event["event"] == "vocabulary":
                        break
            process.stdin.close()  # ends the process if it has not ended by itself
            events += [json.loads(line) for line in process.stdout]
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
    kinds = [e["event"] for e in events]
    assert kinds.count("vocabulary") == 3 and kinds.count("restart") == 1
    # Only after the third rebuild.
    assert kinds.index("restart") > max(i for i, k in enumerate(kinds) if k == "vocabulary")
    restart = events[kinds.index("restart")]
    assert "after 3 grammar rebuilds" in str(restart["reason"])
