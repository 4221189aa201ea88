"""Logging to a rotating file in the state folder plus the console; crashes are logged.

``crash.log`` (beside ``kiosk.log``) holds the Python stack of a hard crash (``faulthandler``) and
one marker line per start, clean stop and caught error, so the staff screen can say when the kiosk
last crashed or restarted (:mod:`kiosk.core.health` reads it)::

    # kiosk started 2026-12-02T09:14:03 pid 1234
    # kiosk error 2026-12-02T10:02:11 pid 1234 ValueError
    # kiosk stopped 2026-12-02T17:30:00 pid 1234

A caught error names only the exception's type: its message could hold what a patient said.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import logging
import logging.handlers
import os
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
    if _fault_file is not None:
        _fault_file.close()
    _fault_file = (log_dir / "crash.log").open("a", encoding="utf-8")
    mark_crash_log("started")
    faulthandler.enable(_fault_file)
    return path


def stop_logging() -> None:
    """Close what :func:`setup_logging` opened: the kiosk's log handlers and the crash log
    (``faulthandler`` off). For a process that set logging up and goes on without it (tests)."""
    global _fault_file
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "kiosk":
            root.removeHandler(handler)
            handler.close()
    if _fault_file is not None:
        faulthandler.disable()
        _fault_file.close()
        _fault_file = None


def mark_crash_log(event: str, detail: str = "") -> None:
    """Add a marker line (``started``, ``stopped`` or ``error``) to the crash log, if open."""
    if _fault_file is None:
        return
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    try:
        _fault_file.write(
            f"# kiosk {event} {stamp} pid {os.getpid()}{' ' + detail if detail else ''}\n"
        )
        _fault_file.flush()
    except (OSError, ValueError):  # a full disk or a closed file must not stop the kiosk
        pass


def install_excepthook(recover: Callable[[], None]) -> None:
    """Log any uncaught exception and call ``recover`` (back to Home) instead of dying."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.critical("unexpected error; returning to Home", exc_info=(kind, value, tb))
        mark_crash_log("error", kind.__name__)
        try:
            recover()
        except Exception:  # the recovery itself failed: log it, never raise from the hook
            log.critical("recovery after an error failed", exc_info=True)

    sys.excepthook = hook
