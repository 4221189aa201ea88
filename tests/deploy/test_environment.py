"""The Python environment ``make deps`` builds (the Makefile's install rule).

shiboken6's support modules (its signature loader) are unpacked beside the library with their
bytecode (``tools/unpack-qt-support.py``), so a start of the kiosk or of one of its processes
loads them compiled instead of compiling them from the copy inside the library.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path


def test_shibokens_support_modules_load_from_compiled_files_beside_the_library() -> None:
    spec = importlib.util.find_spec("shiboken6")
    assert spec is not None and spec.origin is not None
    files_dir = Path(spec.origin).parent / "files.dir"
    # A new interpreter, as a start of the kiosk is (this one imported Qt long ago).
    probe = (
        "import sys, shiboken6\n"
        "loader = sys.modules['shibokensupport.signature.loader']\n"
        "print(loader.__file__)\n"
        "print(loader.__spec__.cached or '')\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    source, cached = Path(found[0]), found[1]
    assert source.is_relative_to(files_dir), (
        f"shiboken6 compiled its support modules from inside its library ({source}); "
        "run: .venv/bin/python tools/unpack-qt-support.py"
    )
    assert cached and Path(cached).is_file(), f"no bytecode for {source}"
