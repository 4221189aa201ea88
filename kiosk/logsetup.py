"""Logging to a rotating file in the state folder plus the console; crashes are logged."""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TextIO

log = logging.getLogger("kiosk")
_fault_file: TextIO | None = None


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``log_dir/kiosk.log`` (1 MB × 5 files) and stderr; returns the log file."""
    global _fault_file
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "kiosk.log"
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler.get_name() == "kiosk":
            root.removeHandler(handler)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    console = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [file_handler, console]
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.set_name("kiosk")
        root.addHandler(handler)
    _fault_file = (log_dir / "crash.log").open("a", encoding="utf-8")
    faulthandler.enable(_fault_file)
    return path


def install_excepthook(recover: Callable[[], None]) -> None:
    """Log any uncaught exception and call ``recover`` (back to Home) instead of dying."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical("unexpected error; returning to Home", exc_info=(kind, value, tb))
        try:
            recover()
        except Exception:  # the recovery itself failed: log it, never raise from the hook
            log.critical("recovery after an error failed", exc_info=True)

    sys.excepthook = hook
