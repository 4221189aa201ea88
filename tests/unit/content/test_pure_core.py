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


def pure_modules() -> list[str]:
    modules = []
    for package in PURE_PACKAGES:
        module = importlib.import_module(package)
        modules.append(package)
        modules += [f"{package}.{info.name}" for info in pkgutil.iter_modules(module.__path__)]
    return modules


def test_pure_core_imports_no_qt_or_speech_engine() -> None:
    assert kiosk.content  # the package exists
    modules = pure_modules()
    assert len(modules) > 5
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    loaded = json.loads(result.stdout)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"the pure core pulled in {bad}"
