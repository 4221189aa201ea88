"""Privacy, as tests: a full session (touch, read aloud, spoken requests, idle reset) in a kiosk
process of its own, traced with ``strace`` across the kiosk and every process it starts (the
sound output, the voice input, ``pactl``).

- During the session nothing is written anywhere but the log and the speech (TTS) cache: no
  microphone audio, no transcripts, no other file created or grown.
- The kiosk's processes never create a network socket, from start-up to exit.
- What the patient said is not in the log (transcripts are off by default).
- The usage counts file holds counts only: the session's uses (spoken requests by outcome, from
  the real voice process), and none of the spoken words, audio or the staff PIN (its bytes are
  scanned, free pages and the write-ahead log included).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.core.session import Screen
from kiosk.devtools.rig import PulseRig
from kiosk.devtools.speechcheck import TRANSCRIBABLE_VOICE, render_espeak
from kiosk.listen.dialogue import Step
from kiosk.listen.protocol import RequestTiming
from tests.conftest import REPO
from tests.ui.conftest import build
from tests.ui.privacy_session import PIN, SESSION_END, SESSION_START

WRITING_CALLS = (
    "creat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,"
    "truncate,ftruncate,write,pwrite64,writev,pwritev,pwritev2,fallocate"
)
TRACED = f"openat,open,{WRITING_CALLS},socket,connect,bind"
"""System calls traced: every way to create or grow a file, and every way to reach a network."""

_LINE = re.compile(
    r"^(?P<pid>\d+)\s+(?:[\d.]+\s+)?(?P<call><\.\.\. \w+ resumed>|\w+)\((?P<args>.*)"
)
_OPEN = re.compile(
    r'^(?:AT_FDCWD(?:<(?P<cwd>[^>]*)>)?|\d+<(?P<dir>[^>]*)>), "(?P<path>[^"]*)", '
    r"(?P<flags>[A-Z0-9_|]+)"
)
"""``openat``'s arguments; with ``-y`` strace shows the working folder after ``AT_FDCWD``."""
_FD_PATH = re.compile(r"^\d+<(?P<path>[^>]*)>")
_PATHS = re.compile(r'"(?P<path>[^"]*)"')
_FAILED = re.compile(r"\)\s+= -1 E[A-Z0-9]+\b")
"""A call that failed (``mkdir`` of a folder that exists, as the usage counter's
``mkdir(exist_ok=True)`` does before it opens its file): it wrote nothing."""
WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"}
LOCAL_FAMILIES = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK"}
"""Socket families that never leave the machine (the sound server's socket, kernel events)."""


@dataclass
class Trace:
    lines: list[str]
    session: list[str]

    def written_paths(self, lines: list[str]) -> list[str]:
        """Every path a file was created, opened for writing, renamed, linked, truncated or
        written to in ``lines`` (pipes, sockets and terminals are not files)."""
        paths: list[str] = []
        for line in lines:
            found = _LINE.match(line)
            if found is None or found.group("call").startswith("<") or _FAILED.search(line):
                continue
            call, args = found.group("call"), found.group("args")
            if call in ("openat", "open"):
                opened = _OPEN.match(args if call == "openat" else f"AT_FDCWD, {args}")
                if opened and WRITE_FLAGS & set(opened.group("flags").split("|")):
                    path = opened.group("path")
                    folder = opened.group("dir") or opened.group("cwd")
                    if not path.startswith("/") and folder:
                        path = f"{folder}/{path}"
                    paths.append(path)
            elif call in WRITING_CALLS.split(","):
                fd = _FD_PATH.match(args)
                if fd is not None:
                    paths.append(fd.group("path"))
                else:
                    paths += [m.group("path") for m in _PATHS.finditer(args.split(")")[0])]
        return [p for p in paths if p.startswith("/") and not _not_a_file(p)]

    def sockets(self) -> list[str]:
        """Every socket created or connected to that is not local (the whole run)."""
        found: list[str] = []
        for line in self.lines:
            match = _LINE.match(line)
            if match is None:
                continue
            call, args = match.group("call"), match.group("args")
            if call == "socket" and args.split(",")[0].strip() not in LOCAL_FAMILIES:
                found.append(line)
            if call in ("connect", "bind") and "sa_family=" in args:
                family = args.split("sa_family=")[1].split(",")[0].split("}")[0]
                if family not in LOCAL_FAMILIES:
                    found.append(line)
        return found


def _not_a_file(path: str) -> bool:
    """Terminals, the null device and in-memory files (``memfd``: PulseAudio's shared memory)."""
    return path in ("/dev/null", "/dev/tty") or path.startswith(
        ("/dev/pts/", "/proc/self/fd/", "/memfd:")
    )


def run_traced_session(tmp_path: Path, rig: PulseRig, clips: list[Path]) -> tuple[Trace, dict]:
    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace is missing: install the strace Debian package (make test does this)")
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    state = tmp_path / "state"
    state.mkdir()
    trace_file = tmp_path / "trace.txt"
    result = subprocess.run(
        [
            strace,
            "-f",
            "-qq",
            "-y",
            "-s",
            "256",
            "--seccomp-bpf",
            "-e",
            f"trace={TRACED}",
            "-o",
            str(trace_file),
            sys.executable,
            "-m",
            "tests.ui.privacy_session",
            str(content),
            str(state),
            *map(str, clips),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**rig.env(), "QT_QPA_PLATFORM": "offscreen"},
        timeout=300,
        check=False,
    )
    if "ptrace" in result.stderr and "Operation not permitted" in result.stderr:
        pytest.fail(f"strace cannot trace here (ptrace not permitted): {result.stderr[-500:]}")
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    lines = trace_file.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if SESSION_START in line]
    ends = [i for i, line in enumerate(lines) if SESSION_END in line]
    assert starts and ends, "the session marks are missing from the trace"
    session = lines[starts[0] : ends[-1] + 1]
    outcome["state"] = state
    return Trace(lines, session), outcome


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory, pulse_rig: PulseRig) -> tuple[Trace, dict]:
    folder = tmp_path_factory.mktemp("privacy")
    clips = [
        render_espeak(text, folder / f"clip{i}.wav", TRANSCRIBABLE_VOICE)
        for i, text in enumerate(["i feel tired all the time", "where is the toilet"])
    ]
    return run_traced_session(folder, pulse_rig, clips)


def test_the_trace_reader_counts_writes_and_not_failed_calls() -> None:
    state = "/tmp/x/state"
    lines = [
        f'7 mkdir("{state}", 0777) = -1 EEXIST (File exists)',
        f'7 mkdir("{state}/log", 0777) = 0',
        f'7 openat(AT_FDCWD</r>, "{state}/usage.sqlite3", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 8',
        f'7 openat(AT_FDCWD</r>, "{state}/content.txt", O_RDONLY|O_CLOEXEC) = 9',
        f'7 openat(AT_FDCWD</r>, "{state}/new.wav", O_WRONLY|O_CREAT, 0644) = -1 EACCES (Denied)',
        f'7 write(9<{state}/log/kiosk.log>, "x", 1) = 1',
    ]
    assert Trace(lines, lines).written_paths(lines) == [
        f"{state}/log",
        f"{state}/usage.sqlite3",
        f"{state}/log/kiosk.log",
    ]


def test_a_session_writes_nothing_but_the_log_and_the_speech_cache(
    traced: tuple[Trace, dict],
) -> None:
    trace, outcome = traced
    state: Path = outcome["state"]
    # The session really happened, by touch and by voice, and ended with the idle reset.
    assert outcome["screens"][0] == "TOPIC" and outcome["screens"][-1] == outcome["home"]
    assert outcome["screens"][-4:-1] == ["PIN", "STAFF", "USE"]
    assert len(outcome["voice"]) == 2 and all(not v.startswith("waiting") for v in outcome["voice"])
    written = trace.written_paths(trace.session)
    assert written, "the trace shows no writing at all: the trace is not working"
    log, cache = f"{state}/log/", f"{state}/cache/"
    assert any(p.startswith(log) for p in written), "the log was not written during the session"
    # The text-to-speech renders its sentences into a scratch folder, then the cache copies them
    # (the scratch file is deleted at once; checked below).
    tts = re.compile(rf"^{re.escape(tempfile.gettempdir())}/kiosk-tts-[^/]+(/\d+\.wav)?$")
    scratch = [p for p in written if tts.match(p)]
    usage = f"{state}/usage.sqlite3"  # the counts (their content is checked below)
    allowed = (log, cache, cache.rstrip("/"), usage)
    others = sorted({p for p in written if not p.startswith(allowed) and p not in scratch})
    assert others == [], f"files written during the session outside the log and cache: {others}"
    for folder in {Path(p).parent for p in scratch if p.endswith(".wav")}:
        assert not folder.exists() or not any(folder.iterdir()), f"{folder} kept TTS audio"
    # The cache holds rendered speech only: entries named by their key, nothing else.
    names = [p.name for p in (state / "cache").iterdir()]
    assert names and all(re.fullmatch(r"[0-9a-f]{64}\.wav", n) for n in names), names


def test_what_the_patient_said_is_not_in_the_log(traced: tuple[Trace, dict]) -> None:
    _, outcome = traced
    text = "\n".join(p.read_text() for p in (outcome["state"] / "log").glob("kiosk.log*"))
    assert "voice request:" in text, "the log does not show the voice requests at all"
    for word in ("tired", "toilet", "where is"):
        assert word not in text, f"'{word}' (said by the patient) is in the log"


def test_the_usage_file_holds_counts_and_nothing_said_or_typed(
    traced: tuple[Trace, dict],
) -> None:
    import sqlite3

    from kiosk.core.usage import EVENTS, VOICE_OUTCOMES

    _, outcome = traced
    state: Path = outcome["state"]
    path = state / "usage.sqlite3"
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT hour, event, detail, n FROM counts").fetchall()
        columns = connection.execute(
            "SELECT name, type FROM pragma_table_info('counts')"
        ).fetchall()
    connection.close()
    assert columns == [("hour", "TEXT"), ("event", "TEXT"), ("detail", "TEXT"), ("n", "INTEGER")]
    counts = {(event, detail): n for _, event, detail, n in rows}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d", hour) for hour, *_ in rows), rows
    assert all(event in EVENTS for event, _ in counts), counts
    # The session's uses, counted by the real kiosk: both spoken requests went through the voice
    # process and were counted by outcome (what the overlay showed says which).
    voice = {d: n for (e, d), n in counts.items() if e == "voice"}
    assert sum(voice.values()) == len(outcome["voice"]) == 2, (voice, outcome["voice"])
    assert set(voice) <= set(VOICE_OUTCOMES)
    acted = sum(1 for v in outcome["voice"] if v.split(":")[0] == "hidden")
    assert voice.get("acted", 0) == acted, (voice, outcome["voice"])
    assert sum(n for (e, _), n in counts.items() if e == "topic-touch") == 1
    assert counts[("read-started", "")] >= 1 and counts[("idle-reset", "")] == 1
    assert counts[("text-size", "150")] == 1
    assert counts[("page-turn", "")] == 1
    # Nothing said or typed is in the file's bytes (deleted rows and the write-ahead log too).
    files = [p for p in state.iterdir() if p.name.startswith("usage.sqlite3")]
    raw = b"".join(p.read_bytes() for p in files).lower()
    for word in ("tired", "toilet", "where is", "all the time", PIN):
        assert word.encode() not in raw, f"{word!r} is in the usage file"
    assert b"riff" not in raw and b"wave" not in raw  # no audio


def test_no_network_socket_is_ever_opened(traced: tuple[Trace, dict]) -> None:
    trace, _ = traced
    assert any(re.search(r"\bsocket\(AF_UNIX", line) for line in trace.lines), (
        "the trace shows no socket at all (the sound server's is one): the trace is not working"
    )
    assert trace.sockets() == []


# -- the idle reset ------------------------------------------------------------------------------


def test_the_idle_reset_leaves_nothing_of_the_previous_patient(
    qtbot: QtBot, fonts: bool, seed_copy: Path, tmp_path: Path
) -> None:
    """Everything one patient can change or leave open, then the idle time runs out: the next
    person finds the kiosk exactly as it starts."""
    from tests.ui.test_voice import borderline

    k = build(qtbot, seed_copy, tmp_path, voice=True)
    c, w = k.controller, k.window
    speech, voice = c.speech, c.voice
    assert speech is not None and voice is not None
    fresh = {
        "volume": speech.volume_step,
        "rate": speech.rate_step,
        "scale": c.nav.prefs.text_scale,
        "theme": c.nav.prefs.theme,
    }
    # History, a page turned, reading with the highlight, sound settings, display settings, the
    # audio guide, a "Did you mean ...?" question waiting, and half a PIN typed at the staff pad.
    c.nav.open_topic("pain")
    c.nav.open_topic("fracture")
    paged = c.sound.current_paged_screen()
    assert paged is not None
    qtbot.mouseClick(paged.pages.next_button, Qt.MouseButton.LeftButton)
    c.sound.change_volume(+1)
    c.sound.change_rate(+1)
    c.nav.set_text_scale(200)
    c.nav.set_theme("high-contrast")
    c.set_audio_guide(True)
    c.sound.read_page()
    qtbot.waitUntil(lambda: speech.current >= 0, timeout=10_000)
    heard, _ = borderline(k)
    # Handed over as if the microphone had heard it.
    c.voice_requests.dialogue.microphone_opened(Step.LISTENING)
    c.voice_requests.heard(heard, RequestTiming(reason="end of speech"))
    assert w.voice_overlay.mode == "question" and c.voice_requests.dialogue.pending is not None
    k.staff_pin.set_pin("583920")
    c.staff.open_staff()
    assert w.current_screen() is Screen.PIN
    for digit in "58":
        qtbot.keyClick(w, getattr(Qt.Key, f"Key_{digit}"))
    assert w.pin.entry
    assert {speech.volume_step, speech.rate_step} != {fresh["volume"], fresh["rate"]}

    with qtbot.waitSignal(c.session_reset, timeout=5000):
        k.clock.advance(90 + 1)
        c.idle.check()
        k.clock.advance(31)
        c.idle.check()

    assert w.current_screen() is Screen.HOME and w.home.grid.page == 0
    assert c.navigator.history == []
    assert w.voice_overlay.mode == "hidden" and not w.voice_overlay.isVisible()
    assert c.voice_requests.dialogue.pending is None and c.voice_requests.dialogue.step is Step.IDLE
    assert w.pin.entry == "" and not w.overlay.isVisible()
    assert (speech.volume_step, speech.rate_step) == (fresh["volume"], fresh["rate"])
    assert (c.nav.prefs.text_scale, c.nav.prefs.theme) == (fresh["scale"], fresh["theme"])
    assert (w.sizes.scale, w.theme.name) == (fresh["scale"], fresh["theme"])
    assert not c.guide.enabled
    qtbot.waitUntil(lambda: speech.state == "idle", timeout=5000)
    assert c.staff.notice == ""
    # The topic screen the patient read shows nothing highlighted when it is opened next.
    c.nav.open_topic("fracture")
    paged = c.sound.current_paged_screen()
    assert paged is not None and paged.view.page == 0
    assert paged.view._marked is None
