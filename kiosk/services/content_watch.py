"""Watch the content folder and reload on edits; the store keeps the last good content."""

from __future__ import annotations

import contextlib
import logging

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from kiosk.content.loader import ContentLoad, language_folder
from kiosk.content.store import ContentStore

log = logging.getLogger("kiosk.content")
_LOGGED_ERRORS = 30


class ContentWatcher(QObject):
    """Debounced reloads on any change in the language folder.

    Editors often save by writing a new file and renaming it over the old one, which removes the
    old file from the watch; so every reload re-arms the watch on the files there now.
    """

    reloaded = Signal(object)  # ContentLoad

    def __init__(
        self, store: ContentStore, debounce_ms: int = 300, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.reload)
        self._watcher.directoryChanged.connect(self._changed)
        self._watcher.fileChanged.connect(self._changed)

    def start(self) -> None:
        """Begin watching."""
        self._arm()

    def _arm(self) -> None:
        folder = language_folder(self.store.root, self.store.language)
        paths = [str(folder)] if folder.is_dir() else []
        with contextlib.suppress(OSError):  # missing, or removed or replaced since the check
            paths += [str(p) for p in folder.iterdir() if p.is_file()]
        stale = [p for p in self._watcher.files() + self._watcher.directories() if p not in paths]
        if stale:
            self._watcher.removePaths(stale)
        missing = [p for p in paths if p not in self._watcher.files() + self._watcher.directories()]
        if missing:
            self._watcher.addPaths(missing)

    def _changed(self, path: str) -> None:
        log.debug("content changed: %s", path)
        self._timer.start()

    def reload(self) -> ContentLoad:
        """Reload now and tell listeners; valid content replaces the current set."""
        load = self.store.reload()
        self._arm()
        if load.ok:
            log.info(
                "content reloaded: %d topics, %d warnings", len(load.topics), len(load.warnings)
            )
        else:
            shown = [p.format() for p in load.errors[:_LOGGED_ERRORS]]
            if len(load.errors) > _LOGGED_ERRORS:
                shown.append(f"... and {len(load.errors) - _LOGGED_ERRORS} more (see the checker)")
            log.warning(
                "content edit has %d errors; keeping the last good content:\n%s",
                len(load.errors),
                "\n".join(shown),
            )
        self.reloaded.emit(load)
        return load
