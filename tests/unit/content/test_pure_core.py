"""The pure core imports no GUI or speech engine (shared/STYLE.md: Anki's pylib/aqt split)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import kiosk.content
from tests.conftest import REPO

FORBIDDEN = ("PySide6", "shiboken6", "pyttsx3", "vosk", "pocketsphinx")
PURE_PACKAGES = ["kiosk.content", "kiosk.core"]
ENGINE_PACKAGES = ["kiosk.listen", "kiosk.speech"]
"""Speech code: no Qt at all, and an engine only when one is used (imported lazily), so that
``check``, ``hear`` and the tests of its logic run without them."""
QT_SIDES = {"kiosk.listen.process", "kiosk.listen.client"}
"""The voice input process and the kiosk's side of it: Qt, the only modules of ``listen`` that
may use it."""


def pure_modules(packages: list[str] = PURE_PACKAGES) -> list[str]:
    """Each package and every module under it, sub-packages included."""
    modules = []
    for package in packages:
        module = importlib.import_module(package)
        modules.append(package)
        modules += [info.name for info in pkgutil.walk_packages(module.__path__, f"{package}.")]
    return modules


def loaded_by(modules: list[str]) -> list[str]:
    """The modules a fresh interpreter has loaded after importing ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_pure_core_imports_no_qt_or_speech_engine() -> None:
    assert kiosk.content  # the package exists
    modules = pure_modules()
    assert len(modules) > 5
    bad = [m for m in loaded_by(modules) if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"the pure core pulled in {bad}"


def test_voice_and_speech_code_import_no_qt_and_no_engine_until_used() -> None:
    modules = [m for m in pure_modules(ENGINE_PACKAGES) if m not in QT_SIDES]
    assert {
        "kiosk.listen.matching",
        "kiosk.listen.recognition",
        "kiosk.listen.protocol",
        "kiosk.listen.engines.vosk",
        "kiosk.listen.engines.pocketsphinx",
        "kiosk.listen.engines",
        "kiosk.speech.tts",
    } <= set(modules)
    assert set(pure_modules(["kiosk.listen"])) >= QT_SIDES  # the exclusion names real modules
    bad = [m for m in loaded_by(modules) if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"importing kiosk.listen and kiosk.speech pulled in {bad}"


def test_the_sound_protocol_imports_no_qt() -> None:
    """Both sides of the sound output process use it; the kiosk package ``play`` imports nothing
    by itself, so the protocol is read and tested without Qt."""
    bad = [m for m in loaded_by(["kiosk.play.protocol"]) if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"importing kiosk.play.protocol pulled in {bad}"


VOICE_PROCESS_NEEDS = ["kiosk.listen.process", "kiosk.speech.profile", "kiosk.listen.engines"]
"""What the voice process imports up to its first request: its module, the voice profile it
reads and the engines it chooses from."""
NOT_IN_THE_VOICE_PROCESS = (
    "kiosk.content.loader",  # with its schema and YAML: the kiosk loads the content, not it
    "kiosk.listen.matching",  # with rapidfuzz: the kiosk decides what was heard
    "kiosk.listen.language",
    "kiosk.core.usage",  # with sqlite3
    "yaml",
    "rapidfuzz",
    "sqlite3",
    "hashlib",  # with OpenSSL's libcrypto: only installing a model verifies a download
    "email",
)


def test_the_voice_process_loads_only_what_hearing_needs() -> None:
    """The voice process hears and sends words; matching and deciding are the kiosk's. Importing
    the matcher's world there cost it about 14 MB of memory and 0.5 s of its start."""
    loaded = set(loaded_by(VOICE_PROCESS_NEEDS))
    assert "kiosk.listen.hearing" in loaded and "kiosk.listen.process" in loaded
    extra = [m for m in NOT_IN_THE_VOICE_PROCESS if m in loaded]
    assert extra == [], f"the voice process's imports pulled in {extra}"
