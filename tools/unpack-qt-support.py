"""Unpack shiboken6's support modules so that they load from compiled files.

shiboken6 (PySide6's binding runtime) carries its Python support modules (the signature loader,
its parser and the .pyi generator) inside its shared library, and every start of a process
that imports PySide6 compiled them from source there: about 50 ms of each kiosk start on these
machines (``python -X importtime -c "import shiboken6"``). shiboken6's own switch, the
environment variable ``SBK_EMBED``, writes them out as plain files beside the library
(``shiboken6/files.dir``, ``SBK_EMBED=0``) or removes them again (``SBK_EMBED=1``); shiboken6
then imports them from there, and Python can use their compiled bytecode, which this script
writes too (the Makefile runs it after every install, so a PySide6 upgrade gets its own copy).

Run with the kiosk's virtual environment's Python: ``.venv/bin/python tools/unpack-qt-support.py``.
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    spec = importlib.util.find_spec("shiboken6")
    if spec is None or spec.origin is None:
        print("shiboken6 is not installed; nothing to unpack", file=sys.stderr)
        return 1
    files_dir = Path(spec.origin).parent / "files.dir"
    for switch in ("1", "0"):  # remove an older copy, then write this version's
        subprocess.run(
            [sys.executable, "-c", "import shiboken6"],
            env={**os.environ, "SBK_EMBED": switch},
            check=True,
        )
    if not files_dir.is_dir():
        print(f"shiboken6 did not unpack its support modules to {files_dir}", file=sys.stderr)
        return 1
    return 0 if compileall.compile_dir(str(files_dir), quiet=1) else 1


if __name__ == "__main__":
    sys.exit(main())
